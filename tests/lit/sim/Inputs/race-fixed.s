.kernel race_fixed
.target trn2
.hbm_size 128
.file 1 "race.tile"
.tensor x f32[4,8] @0 input
.stream dma0
  dma_copy dst=sbuf:f32[0:4]+0[[1,8]] src=hbm:f32+0[[8,4],[1,8]] !loc(1:3:5)
  sem_signal sem=0 value=1
.stream vector
  sem_wait sem=0 value=1
  tensor_scalar dst=sbuf:f32[0:4]+64[[1,8]] src=sbuf:f32[0:4]+0[[1,8]] op0=multiply imm0=2.0 !loc(1:4:9)
  sem_signal sem=1 value=1
