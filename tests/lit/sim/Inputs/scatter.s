# A scatter (dma_copy with a [4 | 1] dst_index): partition p of the tile
# goes to row ids[p] of out (index_stride 8 elements, 16 rows); oob_mode=1
# skips a row whose index is out of range. dma2 reads row 9 of out with no
# semaphore: a race only when some index resolves to row 9.
.kernel scatter
.target trn2
.hbm_size 656
.tensor out f32[16,8] @0 output
.tensor x f32[4,8] @512 input
.tensor ids i32[4,1] @640 input
.stream dma0
  dma_copy dst=sbuf:f32[0:4]+0[[1,8]] src=hbm:f32+512[[8,4],[1,8]]
  dma_copy dst=sbuf:i32[0:4]+64[[1,1]] src=hbm:i32+640[[1,4],[1,1]]
  sem_signal sem=0 value=1
.stream dma1
  sem_wait sem=0 value=1
  dma_copy dst=hbm:f32+0[[0,4],[1,8]] src=sbuf:f32[0:4]+0[[1,8]] dst_index=sbuf:i32[0:4]+64[[1,1]] index_stride=8 index_count=16 oob_mode=1
.stream dma2
  sem_wait sem=0 value=1
  dma_copy dst=sbuf:f32[0:1]+128[[1,8]] src=hbm:f32+288[[8,1],[1,8]]
