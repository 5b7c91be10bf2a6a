.kernel tsr_bad
.target trn2
.hbm_size 0
.stream vector
  tensor_scalar_reduce dst=sbuf:f32[0:8]+0[[1,16]] src=sbuf:f32[0:8]+64[[1,16]] reduce_dst=sbuf:f32[0:8]+128[[1,1]] op0=multiply imm0=2.0 reduce_op=abs_max
