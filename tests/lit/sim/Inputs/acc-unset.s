# activation with reduce_cmd=2 (reduce) and nothing reset before it.
.kernel acc_unset
.target trn2
.hbm_size 128
.tensor x f32[4,8] @0 input
.stream dma0
  dma_copy dst=sbuf:f32[0:4]+0[[1,8]] src=hbm:f32+0[[8,4],[1,8]]
  sem_signal sem=0 value=1
.stream scalar
  sem_wait sem=0 value=1
  activation dst=sbuf:f32[0:4]+64[[1,8]] src=sbuf:f32[0:4]+0[[1,8]] reduce_dst=sbuf:f32[0:4]+96[[1,1]] func=identity reduce_cmd=2
