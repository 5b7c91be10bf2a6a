# dma_copy's dst_rmw_op and oob_mode (NKI 2.26 nki.isa.dma_copy): rmw is
# bypass (none) or add, the only op NKI supports; oob_mode is 0 (error) or
# 1 (skip), skip only with src_index and never with a dst_rmw_op. The first
# stream is legal; each instruction after the BAD-BEGIN marker breaks one
# rule.
# RUN: sed '/^# BAD BEGIN/,$d' %s > %t.good.s
# RUN: nkasm %t.good.s --emit=text | FileCheck %s --check-prefix=GOOD
# RUN: nkasm %t.good.s -o %t.good.nkp && nkasm %t.good.nkp --emit=text | FileCheck %s --check-prefix=GOOD
# RUN: not nkasm %s 2>&1 | FileCheck %s
.kernel rmw
.target trn2
.hbm_size 4096
.tensor x f32[8,16] @0 input
.stream dma0
  dma_copy dst=hbm:f32+1024[[16,8],[1,16]] src=sbuf:f32[0:8]+0[[1,16]] dst_rmw_op=add
  dma_copy dst=sbuf:f32[0:8]+64[[1,16]] src=hbm:f32+0[[16,8],[1,16]] src_index=sbuf:i32[0:8]+128[[1,1]] index_stride=16 index_count=8 oob_mode=1
  dma_copy dst=sbuf:bf16[0:8]+0[[1,16]] src=hbm:f32+0[[16,8],[1,16]] dst_rmw_op=add src_index=sbuf:i32[0:1]+128[[1,1]] index_stride=0 index_count=1
# GOOD: dma_copy dst=hbm:f32+1024{{.*}} src=sbuf:f32[0:8]+0{{.*}} dst_rmw_op=add
# GOOD-NEXT: dma_copy {{.*}} index_stride=16 index_count=8 oob_mode=1
# GOOD-NEXT: dma_copy dst=sbuf:bf16{{.*}} index_count=1 dst_rmw_op=add
# BAD BEGIN
  dma_copy dst=hbm:f32+1024[[16,8],[1,16]] src=sbuf:f32[0:8]+0[[1,16]] dst_rmw_op=multiply
  dma_copy dst=sbuf:f32[0:8]+64[[1,16]] src=hbm:f32+0[[16,8],[1,16]] oob_mode=1
  dma_copy dst=sbuf:f32[0:8]+64[[1,16]] src=hbm:f32+0[[16,8],[1,16]] src_index=sbuf:i32[0:8]+128[[1,1]] index_stride=16 index_count=8 oob_mode=2
  dma_copy dst=sbuf:f32[0:8]+64[[1,16]] src=hbm:f32+0[[16,8],[1,16]] src_index=sbuf:i32[0:8]+128[[1,1]] index_stride=16 index_count=8 oob_mode=1 dst_rmw_op=add
# CHECK: error: {{.*}}dma-rmw-oob.s: invalid program:
# CHECK-NEXT: stream dma0, #3 (dma_copy): dst_rmw_op: multiply is not a read-modify-write op (NKI supports add only; bypass: none)
# CHECK-NEXT: stream dma0, #4 (dma_copy): oob_mode=1 (skip) applies to indirect access, and this dma_copy has no src_index
# CHECK-NEXT: stream dma0, #5 (dma_copy): oob_mode must be 0 (error) or 1 (skip), not 2
# CHECK-NEXT: stream dma0, #6 (dma_copy): oob_mode=1 (skip) is not allowed with a dst_rmw_op (NKI: only oob_mode error)
