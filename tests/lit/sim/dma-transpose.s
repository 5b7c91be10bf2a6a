# A DMA transpose as NKI's dma_transpose does it (axes (1, 0)): x [4, 8] in
# HBM lands in SBUF as [8 | 4], then goes back out as out [8, 4]. There is
# no separate opcode: dma_copy pairs elements in walk order, so a source
# pattern that walks the columns is the transpose (docs/isa.md coverage). The
# .tile spelling, isa.dma_transpose, compiles to this: dma-transpose-tile.test.
# RUN: rm -rf %t && mkdir -p %t
# RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.arange(32, dtype=np.float32).reshape(4, 8))"
# RUN: nksim run %s --input x=%t/x.npy --output out=%t/o.npy
# RUN: %python -c "import numpy as np; print('transposed', np.array_equal(np.load('%t/o.npy'), np.load('%t/x.npy').T))" | FileCheck %s
# CHECK: transposed True
.kernel dma_transpose_demo
.target trn2
.hbm_size 256
.tensor x f32[4,8] @0 input
.tensor out f32[8,4] @128 output
.stream dma0
  dma_copy dst=sbuf:f32[0:8]+0[[1,4]] src=hbm:f32+0[[1,8],[8,4]]
  sem_signal sem=0 value=1
.stream dma1
  sem_wait sem=0 value=1
  dma_copy dst=hbm:f32+128[[4,8],[1,4]] src=sbuf:f32[0:8]+0[[1,4]]
