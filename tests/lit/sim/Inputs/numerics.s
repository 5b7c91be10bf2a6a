# Numerics probe for numpy.test: x, y are f32[4,300].
.kernel numerics
.target trn2
.hbm_size 28848
.tensor x f32[4,300] @0 input
.tensor y f32[4,300] @4800 input
.tensor sum f32[4,1] @9600 output
.tensor mx f32[4,1] @9616 output
.tensor esum f32[4,1] @9632 output
.tensor e f32[4,300] @9648 output
.tensor prod f32[4,300] @14448 output
.tensor quot f32[4,300] @19248 output
.tensor rb f32[4,300] @24048 output
.stream vector
  sem_wait sem=0 value=1
  tensor_reduce dst=sbuf:f32[0:4]+2400[[1,1]] src=sbuf:f32[0:4]+0[[1,300]] op=add
  tensor_reduce dst=sbuf:f32[0:4]+2404[[1,1]] src=sbuf:f32[0:4]+0[[1,300]] op=max
  tensor_tensor dst=sbuf:f32[0:4]+3612[[1,300]] src0=sbuf:f32[0:4]+0[[1,300]] src1=sbuf:f32[0:4]+1200[[1,300]] op=multiply
  reciprocal dst=sbuf:f32[0:4]+7812[[1,300]] src=sbuf:f32[0:4]+1200[[1,300]]
  tensor_tensor dst=sbuf:f32[0:4]+4812[[1,300]] src0=sbuf:f32[0:4]+0[[1,300]] src1=sbuf:f32[0:4]+7812[[1,300]] op=multiply
  tensor_copy dst=sbuf:bf16[0:4]+6012[[1,300]] src=sbuf:f32[0:4]+0[[1,300]]
  tensor_copy dst=sbuf:f32[0:4]+6612[[1,300]] src=sbuf:bf16[0:4]+6012[[1,300]]
  sem_signal sem=1 value=1
.stream scalar
  sem_wait sem=0 value=1
  activation dst=sbuf:f32[0:4]+2408[[1,300]] src=sbuf:f32[0:4]+0[[1,300]] reduce_dst=sbuf:f32[0:4]+3608[[1,1]] func=exp scale=0.5 reduce_cmd=3
  sem_signal sem=2 value=1
.stream dma0
  dma_copy dst=sbuf:f32[0:4]+0[[1,300]] src=hbm:f32+0[[300,4],[1,300]]
  dma_copy dst=sbuf:f32[0:4]+1200[[1,300]] src=hbm:f32+4800[[300,4],[1,300]]
  sem_signal sem=0 value=1
.stream dma1
  sem_wait sem=1 value=1
  sem_wait sem=2 value=1
  dma_copy dst=hbm:f32+9600[[1,4],[1,1]] src=sbuf:f32[0:4]+2400[[1,1]]
  dma_copy dst=hbm:f32+9616[[1,4],[1,1]] src=sbuf:f32[0:4]+2404[[1,1]]
  dma_copy dst=hbm:f32+9632[[1,4],[1,1]] src=sbuf:f32[0:4]+3608[[1,1]]
  dma_copy dst=hbm:f32+9648[[300,4],[1,300]] src=sbuf:f32[0:4]+2408[[1,300]]
  dma_copy dst=hbm:f32+14448[[300,4],[1,300]] src=sbuf:f32[0:4]+3612[[1,300]]
  dma_copy dst=hbm:f32+19248[[300,4],[1,300]] src=sbuf:f32[0:4]+4812[[1,300]]
  dma_copy dst=hbm:f32+24048[[300,4],[1,300]] src=sbuf:f32[0:4]+6612[[1,300]]
