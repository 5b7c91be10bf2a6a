# The verifier's rules for an indirect dma_copy (src_index): the first
# stream is legal at each rule's edge (the last index, 3, ends exactly at
# the end of HBM; the gather's last index, 31, too); each instruction after BAD BEGIN breaks one rule. Bounds
# are checked over every legal index (operand_envelope in runtime/isa.h),
# since the index is only known at run time.
# RUN: sed '/^# BAD BEGIN/,$d' %s > %t.good.s
# RUN: nkasm %t.good.s --emit=text | FileCheck %s --check-prefix=GOOD
# RUN: not nkasm %s 2>&1 | FileCheck %s
.kernel ind
.target trn2
.hbm_size 2048
.tensor cache f32[4,8,16] @0 input
.stream dma0
  dma_copy dst=sbuf:f32[0:8]+64[[1,16]] src=hbm:f32+0[[16,8],[1,16]] src_index=sbuf:i32[0:1]+0[[1,1]] index_stride=128 index_count=4
  dma_copy dst=sbuf:f32[0:1]+64[[1,16]] src=hbm:f32+1536[[1,16]] src_index=psum:u16[0:1]+0[[1,1]] index_stride=16 index_count=8
  dma_copy dst=sbuf:f32[0:8]+64[[1,16]] src=hbm:f32+0[[0,8],[1,16]] src_index=sbuf:i32[0:8]+0[[1,1]] index_stride=16 index_count=32
# GOOD: src_index=sbuf:i32[0:1]+0{{.*}} index_stride=128 index_count=4
# GOOD: src_index=psum:u16[0:1]+0{{.*}} index_stride=16 index_count=8
# GOOD: src_index=sbuf:i32[0:8]+0{{.*}} index_stride=16 index_count=32
# BAD BEGIN
  dma_copy dst=sbuf:f32[0:8]+64[[1,16]] src=hbm:f32+0[[16,8],[1,16]] src_index=sbuf:i32[0:1]+0[[1,1]] index_stride=128 index_count=5
  dma_copy dst=sbuf:f32[0:8]+64[[1,16]] src=hbm:f32+0[[16,8],[1,16]] src_index=sbuf:f32[0:1]+0[[1,1]] index_stride=128 index_count=4
  dma_copy dst=sbuf:f32[0:8]+64[[1,16]] src=hbm:f32+0[[16,8],[1,16]] src_index=sbuf:i32[0:2]+0[[1,1]] index_stride=128 index_count=4
  dma_copy dst=sbuf:f32[0:8]+64[[1,16]] src=hbm:f32+0[[16,8],[1,16]] src_index=sbuf:i32[0:1]+0[[1,1]] index_stride=128
  dma_copy dst=sbuf:f32[0:8]+64[[1,16]] src=hbm:f32+0[[16,8],[1,16]] index_stride=128 index_count=4
  dma_copy dst=hbm:f32+0[[16,8],[1,16]] src=sbuf:f32[0:8]+64[[1,16]] src_index=sbuf:i32[0:1]+0[[1,1]] index_stride=128 index_count=4
  dma_copy dst=sbuf:f32[0:8]+64[[1,16]] src=hbm:f32+0[[16,8],[1,16]] src_index=hbm:i32+0[[1,1]] index_stride=128 index_count=4
  dma_copy dst=sbuf:f32[0:8]+64[[1,16]] src=hbm:f32+0[[0,4],[1,32]] src_index=sbuf:i32[0:8]+0[[1,1]] index_stride=16 index_count=4
  dma_copy dst=sbuf:f32[0:8]+64[[1,16]] src=hbm:f32+0[[0,8],[1,16]] src_index=sbuf:i32[0:8]+0[[1,2]] index_stride=16 index_count=4
# CHECK: error: {{.*}}indirect-dma.s: invalid program:
# CHECK-NEXT: stream dma0, #3 (dma_copy): src bytes [0, 2560) lie outside HBM (2048 bytes)
# CHECK-NEXT: stream dma0, #4 (dma_copy): src_index must be an integer dtype, not f32
# CHECK-NEXT: stream dma0, #5 (dma_copy): a gather's src_index has one entry per dst partition: dst must be on chip with 2 partitions
# CHECK-NEXT: stream dma0, #6 (dma_copy): index_count must be at least 1, not 0
# CHECK-NEXT: stream dma0, #7 (dma_copy): index_stride and index_count describe src_index, which is absent
# CHECK-NEXT: stream dma0, #8 (dma_copy): an indirect dma_copy (src_index) reads HBM
# CHECK-NEXT: stream dma0, #9 (dma_copy): src_index is read by the DMA engine from SBUF or PSUM, not HBM
# CHECK-NEXT: stream dma0, #10 (dma_copy): a gather reads one src row per index: src's outermost dim must have 8 rows
# CHECK-NEXT: stream dma0, #11 (dma_copy): src_index must be one element per partition ([P | 1]), not [8 | 2]
