# nc_stream_shuffle (NKI 2.26 nki.isa, nc_stream_shuffle) in assembly: its
# shuffle_mask is a Bytes32 attribute, spelled [b0,...,b31], and the
# verifier applies its operand rules (runtime/operand_rules.cpp), the same
# ones the front end reports. The first stream is legal at each rule's edge
# and prints back as it was written; each instruction after BAD BEGIN breaks
# one rule; PARSE shows the parser's own errors.
# RUN: sed '/^# BAD BEGIN/,$d' %s > %t.good.s
# RUN: nkasm %t.good.s --emit=text | FileCheck %s --check-prefix=GOOD
# RUN: nkasm %t.good.s --emit=text > %t.1.s
# RUN: nkasm %t.1.s --emit=text | diff %t.1.s -
# RUN: nkasm %t.good.s -o %t.nkp
# RUN: nkasm %t.nkp | diff %t.1.s -
# RUN: not nkasm %s 2>&1 | FileCheck %s
# RUN: sed -n '/^# PARSE BEGIN/,$p' %s | sed 's/^#P //' > %t.parse.s
# RUN: not nkasm %t.parse.s 2>&1 | FileCheck %s --check-prefix=PARSE
.kernel sh
.target trn2
.hbm_size 1024
.tensor x f32[4,8] @0 input
.stream vector
  nc_stream_shuffle dst=sbuf:f32[0:128]+0[[1,8]] src=sbuf:f32[0:128]+64[[1,8]] shuffle_mask=[31,30,29,28,27,26,25,24,23,22,21,20,19,18,17,16,15,14,13,12,11,10,9,8,7,6,5,4,3,2,1,0]
  nc_stream_shuffle dst=psum:bf16[64:128]+0[[1,8]] src=sbuf:bf16[0:64]+64[[2,4],[1,2]] shuffle_mask=[255,7,14,255,28,3,255,17,24,255,6,13,255,27,2,255,16,23,255,5,12,255,26,1,255,15,22,255,4,11,255,25]
  nc_stream_shuffle dst=sbuf:f8e4m3[96:128]+0[[1,4]] src=psum:f8e4m3[32:48]+0[[1,4]] shuffle_mask=[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]
  nc_stream_shuffle dst=sbuf:i32[0:32]+0[[1,4]] src=sbuf:i32[0:32]+0[[1,4]] shuffle_mask=[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]
# GOOD: dst=sbuf:f32[0:128]+0{{.*}} shuffle_mask=[31,30,29,28,27,26,25,24,23,22,21,20,19,18,17,16,15,14,13,12,11,10,9,8,7,6,5,4,3,2,1,0]
# GOOD-NEXT: dst=psum:bf16[64:128]+0{{.*}} shuffle_mask=[255,7,14,255,28,3,255,17,24,255,6,13,255,27,2,255,16,23,255,5,12,255,26,1,255,15,22,255,4,11,255,25]
# GOOD-NEXT: dst=sbuf:f8e4m3[96:128]+0{{.*}} shuffle_mask=[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]
# GOOD-NEXT: dst=sbuf:i32[0:32]+0{{.*}} shuffle_mask=[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]
# BAD BEGIN
.stream gpsimd
  nc_stream_shuffle dst=sbuf:f32[0:32]+0[[1,8]] src=sbuf:f32[0:32]+64[[1,8]] shuffle_mask=[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31]
.stream vector
  nc_stream_shuffle dst=sbuf:f32[0:32]+0[[1,8]] src=sbuf:bf16[0:32]+64[[1,8]] shuffle_mask=[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31]
  nc_stream_shuffle dst=sbuf:f32[0:32]+0[[1,8]] src=sbuf:f32[0:32]+64[[1,4]] shuffle_mask=[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31]
  nc_stream_shuffle dst=sbuf:f32[0:32]+0[[1,8]] src=sbuf:f32[0:32]+64[[1,8]] shuffle_mask=[0,1,2,3,4,32,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31]
  nc_stream_shuffle dst=sbuf:f32[0:32]+0[[1,8]] src=sbuf:f32[0:16]+64[[1,8]] shuffle_mask=[0,1,2,20,4,5,6,7,8,9,10,11,12,13,14,15,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]
  nc_stream_shuffle dst=sbuf:f32[0:64]+0[[1,8]] src=sbuf:f32[32:64]+64[[1,8]] shuffle_mask=[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31]
  nc_stream_shuffle dst=sbuf:f32[32:64]+0[[1,8]] src=sbuf:f32[0:64]+64[[1,8]] shuffle_mask=[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]
  nc_stream_shuffle dst=sbuf:f32[0:128]+0[[1,8]] src=sbuf:f32[64:96]+64[[1,8]] shuffle_mask=[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]
  nc_stream_shuffle dst=hbm:f32+0[[8,4],[1,8]] src=sbuf:f32[0:4]+64[[1,8]] shuffle_mask=[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]
# CHECK: error: {{.*}}stream-shuffle.s: invalid program:
# CHECK-NEXT: stream vector, #4 (nc_stream_shuffle): src is bf16 but dst is f32: the shuffle moves raw elements
# CHECK-NEXT: stream vector, #5 (nc_stream_shuffle): src has 4 elements per partition but dst has 8
# CHECK-NEXT: stream vector, #6 (nc_stream_shuffle): shuffle_mask[5] is 32: an entry is a partition of the quadrant, 0 to 31, or 255 to keep dst's
# CHECK-NEXT: stream vector, #7 (nc_stream_shuffle): shuffle_mask[3] is 20: dst partition 3 would read src partition 20, but src has 16 partitions
# CHECK-NEXT: stream vector, #8 (nc_stream_shuffle): src starts at partition 32, but a shuffle of 64 active partitions (the larger operand's, in whole quadrants) must start at 0 or 64
# CHECK-NEXT: stream vector, #9 (nc_stream_shuffle): dst starts at partition 32, but a shuffle of 64 active partitions (the larger operand's, in whole quadrants) must start at 0 or 64
# CHECK-NEXT: stream vector, #10 (nc_stream_shuffle): src starts at partition 64, but a shuffle of 128 active partitions (the larger operand's, in whole quadrants) must start at 0
# CHECK-NEXT: stream vector, #11 (nc_stream_shuffle): dst is in HBM; only DMA queues access HBM
# CHECK-NEXT: stream gpsimd, #0 (nc_stream_shuffle): the gpsimd engine cannot run nc_stream_shuffle (it runs on: vector)
# PARSE BEGIN
#P .kernel p
#P .target trn2
#P .stream vector
#P   nc_stream_shuffle dst=sbuf:f32[0:32]+0[[1,8]] src=sbuf:f32[0:32]+64[[1,8]] shuffle_mask=[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30]
#P   nc_stream_shuffle dst=sbuf:f32[0:32]+0[[1,8]] src=sbuf:f32[0:32]+64[[1,8]] shuffle_mask=[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,0]
#P   nc_stream_shuffle dst=sbuf:f32[0:32]+0[[1,8]] src=sbuf:f32[0:32]+64[[1,8]] shuffle_mask=[256,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30]
#P   nc_stream_shuffle dst=sbuf:f32[0:32]+0[[1,8]] src=sbuf:f32[0:32]+64[[1,8]] shuffle_mask=7
#P   nc_stream_shuffle dst=sbuf:f32[0:32]+0[[1,8]] src=sbuf:f32[0:32]+64[[1,8]]
# PARSE: error: expected 32 bytes, got 31
# PARSE: error: a list of 32 bytes has no 33rd
# PARSE: error: expected a byte in [0, 255], got 256
# PARSE: error: expected '[' before the list of 32 bytes
# PARSE: error: 'nc_stream_shuffle' needs the attribute 'shuffle_mask'
