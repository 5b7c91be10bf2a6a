# Two DMA queues store different columns of one HBM tensor with no
# semaphore between them: column 48 (a strided run, one element per row)
# and columns 0..47. They touch no common byte, so this is not a race
# (until 2026-12-01 the HBM race checker widened every strided run to its
# hull and reported one). Writing column 48 from both queues is a race, on
# the first byte of that column; so is a strided run longer than
# kExactStridedRun (1,024) elements interleaving with another, which the
# checker still widens to its hull (a documented false positive).
# RUN: nksim run %s --random-inputs --stats | FileCheck %s --check-prefix=OK
# RUN: sed 's/dst=hbm:f32+6144\[\[49,32\],\[1,48\]\] src=sbuf:f32\[0:32\]+192\[\[1,48\]\]/dst=hbm:f32+6336[[49,32]] src=sbuf:f32[0:32]+192[[1,1]]/' %s > %t.same.s
# RUN: not nksim run %t.same.s --random-inputs 2>&1 | FileCheck %s --check-prefix=RACE
# OK: kernel hbm_columns on trn2
# RACE: error: {{.*}}race on hbm byte 6336: dma1[1] dma_copy (cols.tile:4:5) writes it (operand 'dst') while dma0[1] dma_copy (cols.tile:5:5) writes it
.kernel hbm_columns
.target trn2
.hbm_size 12416
.file 1 "cols.tile"
.tensor a f32[32,48] @0 input
.tensor out f32[32,49] @6144 output
.stream dma0
  dma_copy dst=sbuf:f32[0:32]+0[[1,48]] src=hbm:f32+0[[48,32],[1,48]] !loc(1:2:13)
  dma_copy dst=hbm:f32+6336[[49,32]] src=sbuf:f32[0:32]+0[[1,1]] !loc(1:5:5)
.stream dma1
  dma_copy dst=sbuf:f32[0:32]+192[[1,48]] src=hbm:f32+0[[48,32],[1,48]] !loc(1:2:13)
  dma_copy dst=hbm:f32+6144[[49,32],[1,48]] src=sbuf:f32[0:32]+192[[1,48]] !loc(1:4:5)
