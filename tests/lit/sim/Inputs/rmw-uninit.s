.kernel rmw_uninit
.target trn2
.hbm_size 2048
.file 1 "uninit.tile"
.tensor x f32[8,16] @0 input
.tensor out f32[8,16] @1024 output
.stream dma0
  dma_copy dst=sbuf:f32[0:8]+64[[1,16]] src=hbm:f32+0[[16,8],[1,16]] dst_rmw_op=add !loc(1:4:5)
  sem_signal sem=0 value=1
.stream dma1
  sem_wait sem=0 value=1
  dma_copy dst=hbm:f32+1024[[16,8],[1,16]] src=sbuf:f32[0:8]+64[[1,16]] !loc(1:5:5)
