# Section 6 anchor [B]: one DMA of 32 KiB HBM->SBUF spanning 4 partitions (so one
# DMA engine) moves its data in about 1,416 ns on trn2 (NKI DMA overview,
# figure 3). Compared: the time the bytes flow (total - issue - fixed latency).
.kernel dma_32k_4_partitions
.target trn2
.hbm_size 32768
# One input tensor so --timing-only has something to bind.
.tensor x f32[4,2048] @0 input
.stream dma0
  dma_copy dst=sbuf:f32[0:4]+0[[1,2048]] src=hbm:f32+0[[2048,4],[1,2048]]
