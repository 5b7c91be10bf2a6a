# The verifier's rules for an indirect destination (dst_index, NKI 2.26
# nki.isa.dma_copy's indirect scatter), mirroring src_index: the first
# stream is legal at each rule's edge (the store's last index, 3, and the
# scatter's last index, 31, end exactly at the end of HBM; a PSUM index
# tile, its memory not documented); each instruction after BAD BEGIN breaks
# one rule (the last two: src or dst in PSUM, NKI's dma_copy taking HBM or
# SBUF). Bounds are checked over every
# legal index (operand_envelope).
# RUN: sed '/^# BAD BEGIN/,$d' %s > %t.good.s
# RUN: nkasm %t.good.s --emit=text | FileCheck %s --check-prefix=GOOD
# RUN: not nkasm %s 2>&1 | FileCheck %s
.kernel scat
.target trn2
.hbm_size 2048
.tensor out f32[4,8,16] @0 output
.stream dma0
  dma_copy dst=hbm:f32+0[[16,8],[1,16]] src=sbuf:f32[0:8]+64[[1,16]] dst_index=sbuf:i32[0:1]+0[[1,1]] index_stride=128 index_count=4
  dma_copy dst=hbm:f32+0[[0,8],[1,16]] src=sbuf:f32[0:8]+64[[1,16]] dst_index=sbuf:u16[0:8]+0[[1,1]] index_stride=16 index_count=32 oob_mode=1
  dma_copy dst=hbm:f32+0[[0,8],[1,16]] src=sbuf:f32[0:8]+64[[1,16]] dst_index=psum:i32[0:8]+0[[1,1]] index_stride=16 index_count=32 dst_rmw_op=add
# GOOD: dst_index=sbuf:i32[0:1]+0{{.*}} index_stride=128 index_count=4
# GOOD: dst_index=sbuf:u16[0:8]+0{{.*}} index_stride=16 index_count=32 {{.*}}oob_mode=1
# GOOD: dst_index=psum:i32[0:8]+0{{.*}} dst_rmw_op=add
# BAD BEGIN
  dma_copy dst=hbm:f32+0[[16,8],[1,16]] src=sbuf:f32[0:8]+64[[1,16]] dst_index=sbuf:i32[0:1]+0[[1,1]] index_stride=128 index_count=5
  dma_copy dst=hbm:f32+0[[16,8],[1,16]] src=sbuf:f32[0:8]+64[[1,16]] dst_index=sbuf:f32[0:1]+0[[1,1]] index_stride=128 index_count=4
  dma_copy dst=sbuf:f32[0:8]+64[[1,16]] src=sbuf:f32[0:8]+0[[1,16]] dst_index=sbuf:i32[0:1]+0[[1,1]] index_stride=128 index_count=4
  dma_copy dst=hbm:f32+0[[0,4],[1,32]] src=sbuf:f32[0:8]+64[[1,16]] dst_index=sbuf:i32[0:8]+0[[1,1]] index_stride=16 index_count=4
  dma_copy dst=hbm:f32+0[[0,8],[1,16]] src=hbm:f32+1024[[16,8],[1,16]] dst_index=sbuf:i32[0:8]+0[[1,1]] index_stride=16 index_count=4
  dma_copy dst=hbm:f32+0[[0,8],[1,16]] src=sbuf:f32[0:8]+64[[1,16]] dst_index=sbuf:i32[0:8]+0[[1,1]] index_stride=16 index_count=4 dst_rmw_op=add oob_mode=1
  dma_copy dst=hbm:f32+0[[0,8],[1,16]] src=hbm:f32+0[[0,8],[1,16]] src_index=sbuf:i32[0:8]+0[[1,1]] dst_index=sbuf:i32[0:8]+0[[1,1]] index_stride=16 index_count=4
  dma_copy dst=hbm:f32+0[[0,8],[1,16]] src=psum:f32[0:8]+64[[1,16]] dst_index=sbuf:i32[0:8]+0[[1,1]] index_stride=16 index_count=32 dst_rmw_op=add
  dma_copy dst=psum:f32[0:8]+64[[1,16]] src=hbm:f32+0[[16,8],[1,16]]
# CHECK: error: {{.*}}scatter-dma.s: invalid program:
# CHECK-NEXT: stream dma0, #3 (dma_copy): dst bytes [0, 2560) lie outside HBM (2048 bytes)
# CHECK-NEXT: stream dma0, #4 (dma_copy): dst_index must be an integer dtype, not f32
# CHECK-NEXT: stream dma0, #5 (dma_copy): an indirect dma_copy (dst_index) writes HBM
# CHECK-NEXT: stream dma0, #6 (dma_copy): a scatter writes one dst row per index: dst's outermost dim must have 8 rows
# CHECK-NEXT: stream dma0, #7 (dma_copy): a scatter's dst_index has one entry per src partition: src must be on chip with 8 partitions
# CHECK-NEXT: stream dma0, #8 (dma_copy): oob_mode=1 (skip) is not allowed with a dst_rmw_op (NKI: only oob_mode error)
# CHECK-NEXT: stream dma0, #9 (dma_copy): a dma_copy has one indirect operand: src_index or dst_index, not both
# CHECK-NEXT: stream dma0, #10 (dma_copy): src is in PSUM; the DMA engines read and write HBM or SBUF (NKI: dma_copy's src and dst are in HBM or SBUF): copy the PSUM tile to SBUF first (tensor_copy)
# CHECK-NEXT: stream dma0, #11 (dma_copy): dst is in PSUM; the DMA engines read and write HBM or SBUF (NKI: dma_copy's src and dst are in HBM or SBUF): copy the PSUM tile to SBUF first (tensor_copy)
