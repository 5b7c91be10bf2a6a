.kernel gather
.target trn2
.hbm_size 4096
.file 1 "gather.tile"
.tensor cache f32[4,8,16] @0 input
.tensor bt i32[1,2] @2048 input
.tensor out f32[8,32] @2112 output
.stream dma0
  dma_copy dst=sbuf:i32[0:1]+0[[1,2]] src=hbm:i32+2048[[1,2]] !loc(1:2:5)
  sem_signal sem=0 value=1
.stream dma1
  sem_wait sem=0 value=1
  dma_copy dst=sbuf:f32[0:8]+64[[1,16]] src=hbm:f32+0[[16,8],[1,16]] src_index=sbuf:i32[0:1]+0[[1,1]] index_stride=128 index_count=4 !loc(1:3:5)
  dma_copy dst=sbuf:f32[0:8]+128[[1,16]] src=hbm:f32+0[[16,8],[1,16]] src_index=sbuf:i32[0:1]+4[[1,1]] index_stride=128 index_count=4 !loc(1:4:5)
  sem_signal sem=1 value=2
.stream dma2
  sem_wait sem=1 value=2
  dma_copy dst=hbm:f32+2112[[32,8],[1,32]] src=sbuf:f32[0:8]+64[[1,32]] !loc(1:5:5)
