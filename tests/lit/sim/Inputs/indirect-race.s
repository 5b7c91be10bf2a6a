# dma0 writes block 1 (bytes 32..63) of scratch s; dma1 reads block
# idx[0] of s through src_index, with no semaphore between the two.
.kernel indirect_race
.target trn2
.hbm_size 256
.file 1 "race.tile"
.tensor s f32[2,8] @0 scratch
.tensor idx i32[1,1] @64 input
.tensor out f32[1,8] @128 output
.stream dma0
  dma_copy dst=sbuf:i32[0:1]+0[[1,1]] src=hbm:i32+64[[1,1]] !loc(1:2:5)
  dma_copy dst=sbuf:f32[0:1]+64[[1,8]] src=hbm:f32+128[[1,8]] !loc(1:3:5)
  dma_copy dst=hbm:f32+0[[1,8]] src=sbuf:f32[0:1]+64[[1,8]] !loc(1:4:5)
  sem_signal sem=0 value=1
.stream dma1
  sem_wait sem=0 value=1
  dma_copy dst=hbm:f32+32[[1,8]] src=sbuf:f32[0:1]+64[[1,8]] !loc(1:5:5)
.stream dma2
  sem_wait sem=0 value=1
  dma_copy dst=sbuf:f32[0:1]+128[[1,8]] src=hbm:f32+0[[1,8]] src_index=sbuf:i32[0:1]+0[[1,1]] index_stride=8 index_count=2 !loc(1:6:5)
