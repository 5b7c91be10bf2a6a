# Row softmax of a 4x8 tile, hand-written: the first program the demo runs.
# dma0 loads x; vector finds each row's max; scalar computes exp(x - max) and
# its row sum in one fused activation, then 1/sum; vector scales; dma1 stores.
.kernel softmax_rows
.target trn2
.hbm_size 256
.tensor x f32[4,8] @0 input
.tensor out f32[4,8] @128 output

.stream vector
  sem_wait sem=0 value=1
  tensor_reduce dst=sbuf:f32[0:4]+32[[1,1]] src=sbuf:f32[0:4]+0[[1,8]] op=max
  tensor_scalar dst=sbuf:f32[0:4]+36[[1,1]] src=sbuf:f32[0:4]+32[[1,1]] op0=multiply imm0=-1.0
  sem_signal sem=1 value=1
  sem_wait sem=2 value=1
  tensor_scalar dst=sbuf:f32[0:4]+128[[1,8]] src=sbuf:f32[0:4]+64[[1,8]] scalar0=sbuf:f32[0:4]+100[[1,1]] op0=multiply
  sem_signal sem=3 value=1

.stream scalar
  sem_wait sem=1 value=1
  activation dst=sbuf:f32[0:4]+64[[1,8]] src=sbuf:f32[0:4]+0[[1,8]] bias=sbuf:f32[0:4]+36[[1,1]] reduce_dst=sbuf:f32[0:4]+96[[1,1]] func=exp reduce_cmd=3
  activation dst=sbuf:f32[0:4]+100[[1,1]] src=sbuf:f32[0:4]+96[[1,1]] func=reciprocal
  sem_signal sem=2 value=1

.stream dma0
  dma_copy dst=sbuf:f32[0:4]+0[[1,8]] src=hbm:f32+0[[8,4],[1,8]]
  sem_signal sem=0 value=1

.stream dma1
  sem_wait sem=3 value=1
  dma_copy dst=hbm:f32+128[[8,4],[1,8]] src=sbuf:f32[0:4]+128[[1,8]]
