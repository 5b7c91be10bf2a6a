# isa.dma_transpose from SBUF as the compiler emits it: one dma_copy per
# source partition, row p of src ([4 | 8] at +0) to column p of dst ([8 | 4]
# at +64), 1 partition x 8 elements to 8 partitions x 1 element each: the
# verifier accepts it (GOOD). After BAD BEGIN each instruction breaks one
# rule: element counts, and dst or src in PSUM (NKI 2.26's dma_copy and
# dma_transpose take HBM or SBUF).
# RUN: sed '/^# BAD BEGIN/,$d' %s > %t.good.s
# RUN: nkasm %t.good.s --emit=text | FileCheck %s --check-prefix=GOOD
# RUN: not nkasm %s 2>&1 | FileCheck %s
.kernel tr
.target trn2
.hbm_size 256
.tensor x f32[4,8] @0 input
.stream dma0
  dma_copy dst=sbuf:f32[0:8]+64[[1,1]] src=sbuf:f32[0:1]+0[[1,8]]
  dma_copy dst=sbuf:f32[0:8]+76[[1,1]] src=sbuf:f32[3:4]+0[[1,8]]
# GOOD: dma_copy dst=sbuf:f32[0:8]+64{{\[\[}}1,1]] src=sbuf:f32[0:1]+0{{\[\[}}1,8]]
# GOOD: dma_copy dst=sbuf:f32[0:8]+76{{\[\[}}1,1]] src=sbuf:f32[3:4]+0{{\[\[}}1,8]]
# BAD BEGIN
  dma_copy dst=sbuf:f32[0:8]+64[[1,1]] src=sbuf:f32[0:1]+0[[1,4]]
  dma_copy dst=psum:f32[0:8]+64[[1,1]] src=sbuf:f32[0:1]+0[[1,8]]
  dma_copy dst=sbuf:f32[0:8]+64[[1,1]] src=psum:f32[0:1]+0[[1,8]]
# CHECK: error: {{.*}}: invalid program:
# CHECK-NEXT: stream dma0, #2 (dma_copy): dst has 8 elements but src has 4
# CHECK-NEXT: stream dma0, #3 (dma_copy): dst is in PSUM; the DMA engines read and write HBM or SBUF (NKI: dma_copy's src and dst are in HBM or SBUF): copy the PSUM tile to SBUF first (tensor_copy)
# CHECK-NEXT: stream dma0, #4 (dma_copy): src is in PSUM; the DMA engines read and write HBM or SBUF (NKI: dma_copy's src and dst are in HBM or SBUF): copy the PSUM tile to SBUF first (tensor_copy)
