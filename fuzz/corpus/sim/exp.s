# exp of a 4x8 tile: load on dma0, exp on scalar, store on dma1.
.kernel exp_tile
.target trn2
.hbm_size 256
.file 1 "exp.tile"
.tensor x f32[4,8] @0 input
.tensor out f32[4,8] @128 output

.stream dma0
  dma_copy dst=sbuf:f32[0:4]+0[[1,8]] src=hbm:f32+0[[8,4],[1,8]] !loc(1:3:5)
  sem_signal sem=0 value=1
.stream scalar
  sem_wait sem=0 value=1
  activation dst=sbuf:f32[0:4]+32[[1,8]] src=sbuf:f32[0:4]+0[[1,8]] func=exp scale=0.5 !loc(1:4:9)
  sem_signal sem=1 value=1
.stream dma1
  sem_wait sem=1 value=1
  dma_copy dst=hbm:f32+128[[8,4],[1,8]] src=sbuf:f32[0:4]+32[[1,8]]
