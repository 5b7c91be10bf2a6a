# dma_copy's dge_mode (NKI 2.26 nki.isa.dge_mode: 0 none, 1 swdge, 2 hwdge,
# 3 unknown, the default): hwdge needs NeuronCore-v3 (trn2); none and hwdge
# cannot do an indirect copy, swdge can from NeuronCore-v3 on (NKI's DGE
# page). The first stream is legal at each rule's edge on trn2 (its direct
# copies also on trn1); each instruction after BAD BEGIN breaks one rule.
# RUN: sed '/^# BAD BEGIN/,$d' %s > %t.good.s
# RUN: nkasm %t.good.s --emit=text | FileCheck %s --check-prefix=GOOD
# RUN: nkasm %t.good.s -o %t.good.nkp && nkasm %t.good.nkp --emit=text | FileCheck %s --check-prefix=GOOD
# RUN: sed '/^# TRN2 ONLY/,$d' %s | sed 's/^.target trn2/.target trn1/' > %t.trn1.s
# RUN: nkasm %t.trn1.s --emit=text | FileCheck %s --check-prefix=TRN1
# RUN: sed '/^# BAD BEGIN/,$d' %s | sed 's/^.target trn2/.target trn1/' > %t.trn1bad.s
# RUN: not nkasm %t.trn1bad.s 2>&1 | FileCheck %s --check-prefix=TRN1BAD
# RUN: not nkasm %s 2>&1 | FileCheck %s
.kernel dge
.target trn2
.hbm_size 4096
.tensor x f32[8,16] @0 input
.stream dma0
  dma_copy dst=sbuf:f32[0:8]+0[[1,16]] src=hbm:f32+0[[16,8],[1,16]] dge_mode=0
  dma_copy dst=sbuf:f32[0:8]+64[[1,16]] src=hbm:f32+0[[16,8],[1,16]] dge_mode=1
  dma_copy dst=sbuf:f32[0:8]+128[[1,16]] src=hbm:f32+0[[16,8],[1,16]] dge_mode=3
  dma_copy dst=sbuf:f32[0:8]+192[[1,16]] src=hbm:f32+0[[16,8],[1,16]] src_index=sbuf:i32[0:8]+256[[1,1]] index_stride=16 index_count=8
# TRN2 ONLY
  dma_copy dst=sbuf:f32[0:8]+0[[1,16]] src=hbm:f32+0[[16,8],[1,16]] dge_mode=2
  dma_copy dst=sbuf:f32[0:8]+192[[1,16]] src=hbm:f32+0[[16,8],[1,16]] src_index=sbuf:i32[0:8]+256[[1,1]] index_stride=16 index_count=8 dge_mode=1
# GOOD: dma_copy {{.*}} dge_mode=0{{$}}
# GOOD-NEXT: dma_copy {{.*}} dge_mode=1{{$}}
# GOOD-NEXT: dma_copy dst=sbuf:f32[0:8]+128{{\[\[}}1,16]] src=hbm:f32+0{{\[\[}}16,8],[1,16]]{{$}}
# GOOD-NEXT: dma_copy {{.*}} index_count=8{{$}}
# GOOD-NEXT: dma_copy {{.*}} dge_mode=2{{$}}
# GOOD-NEXT: dma_copy {{.*}} index_count=8 dge_mode=1{{$}}
# TRN1: .target trn1
# TRN1-COUNT-4: dma_copy dst=
# TRN1BAD: stream dma0, #4 (dma_copy): dge_mode=2 (hwdge) needs NeuronCore-v3 or later; trn1 has NeuronCore-v2 (NKI: HWDGE is only supported for NeuronCore-v3+)
# TRN1BAD-NEXT: stream dma0, #5 (dma_copy): dge_mode=1 (swdge) does indirect dma_copy from NeuronCore-v3 on; trn1 has NeuronCore-v2
# BAD BEGIN
  dma_copy dst=sbuf:f32[0:8]+0[[1,16]] src=hbm:f32+0[[16,8],[1,16]] dge_mode=4
  dma_copy dst=sbuf:f32[0:8]+0[[1,16]] src=hbm:f32+0[[16,8],[1,16]] dge_mode=-1
  dma_copy dst=sbuf:f32[0:8]+192[[1,16]] src=hbm:f32+0[[16,8],[1,16]] src_index=sbuf:i32[0:8]+256[[1,1]] index_stride=16 index_count=8 dge_mode=0
  dma_copy dst=hbm:f32+1024[[16,8],[1,16]] src=sbuf:f32[0:8]+0[[1,16]] dst_index=sbuf:i32[0:8]+256[[1,1]] index_stride=16 index_count=8 dge_mode=2
# CHECK: error: {{.*}}dma-dge.s: invalid program:
# CHECK-NEXT: stream dma0, #6 (dma_copy): dge_mode must be 0 (none), 1 (swdge), 2 (hwdge) or 3 (unknown), not 4
# CHECK-NEXT: stream dma0, #7 (dma_copy): dge_mode must be 0 (none), 1 (swdge), 2 (hwdge) or 3 (unknown), not -1
# CHECK-NEXT: stream dma0, #8 (dma_copy): dge_mode=0 (none) cannot do an indirect dma_copy (NKI: only swdge generates descriptors from run-time indices)
# CHECK-NEXT: stream dma0, #9 (dma_copy): dge_mode=2 (hwdge) cannot do an indirect dma_copy (NKI: only swdge generates descriptors from run-time indices)
