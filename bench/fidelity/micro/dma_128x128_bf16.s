# Section 6 anchor [B]: a [128, 128] bf16 load is spread over the 16 DMA engines,
# each moving 2 KiB in about 97 ns on trn2 (NKI DMA overview, figure 5).
# Compared: the time the bytes flow (total - issue - fixed latency).
.kernel dma_128x128_bf16
.target trn2
.hbm_size 32768
.tensor x bf16[128,128] @0 input
.stream dma0
  dma_copy dst=sbuf:bf16[0:128]+0[[1,128]] src=hbm:bf16+0[[128,128],[1,128]]
