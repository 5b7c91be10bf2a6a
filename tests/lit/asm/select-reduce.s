# The verifier applies select_reduce's operand rules (runtime/operand_rules.cpp,
# NKI 2.26 nki.isa, select_reduce), the same ones the front end reports at
# the operand: the first stream is legal at each rule's edge, each
# instruction after BAD BEGIN breaks one rule
# (the vector ones continue the first stream).
# RUN: sed '/^# BAD BEGIN/,$d' %s > %t.good.s
# RUN: nkasm %t.good.s --emit=text | FileCheck %s --check-prefix=GOOD
# RUN: not nkasm %s 2>&1 | FileCheck %s
.kernel sr
.target trn2
.hbm_size 1024
.tensor x f32[4,8] @0 input
.stream vector
  select_reduce dst=sbuf:f32[0:4]+0[[1,8]] predicate=psum:u8[0:4]+0[[1,8]] on_true=sbuf:u8[0:4]+64[[1,8]] on_false=sbuf:f32[0:4]+96[[1,1]] reduce_res=sbuf:bf16[0:4]+100[[1,1]] accumulate=true
  select_reduce dst=psum:bf16[0:4]+64[[1,8]] predicate=sbuf:u8[0:4]+128[[1,8]] on_true=psum:f32[0:4]+0[[1,8]] on_false_value=-inf reverse_pred=true
# GOOD-COUNT-2: select_reduce dst=
# BAD BEGIN
.stream gpsimd
  select_reduce dst=sbuf:f32[0:4]+0[[1,8]] predicate=sbuf:u8[0:4]+128[[1,8]] on_true=sbuf:f32[0:4]+64[[1,8]]
.stream vector
  select_reduce dst=sbuf:f32[0:4]+0[[1,8]] predicate=sbuf:u8[0:4]+128[[1,8]] on_true=sbuf:f32[0:4]+64[[1,4]]
  select_reduce dst=sbuf:f32[0:4]+0[[1,8]] predicate=sbuf:u8[0:8]+128[[1,8]] on_true=sbuf:f32[0:4]+64[[1,8]]
  select_reduce dst=sbuf:f32[0:4]+0[[1,8]] predicate=sbuf:u8[0:4]+128[[1,8]] on_true=sbuf:f32[0:4]+64[[1,8]] on_false=sbuf:f32[0:4]+96[[1,2]]
  select_reduce dst=sbuf:f32[0:4]+0[[1,8]] predicate=sbuf:u8[0:4]+128[[1,8]] on_true=sbuf:f32[0:4]+64[[1,8]] reduce_res=sbuf:f32[0:4]+96[[1,2]]
  select_reduce dst=sbuf:f32[0:4]+0[[1,8]] predicate=sbuf:u8[0:4]+128[[1,8]] on_true=sbuf:i32[0:4]+64[[1,8]]
  select_reduce dst=sbuf:f32[0:4]+0[[1,8]] predicate=sbuf:i32[0:4]+128[[1,8]] on_true=sbuf:f32[0:4]+64[[1,8]]
  select_reduce dst=sbuf:f32[0:4]+0[[1,8]] predicate=psum:u8[0:4]+128[[1,8]] on_true=psum:f32[0:4]+64[[1,8]]
  select_reduce dst=sbuf:f32[0:4]+0[[1,8]] predicate=sbuf:u8[0:4]+128[[1,8]] on_true=sbuf:f32[0:4]+64[[1,8]] reduce_res=sbuf:i32[0:4]+96[[1,1]]
  select_reduce dst=sbuf:f32[0:4]+0[[1,8]] predicate=sbuf:u8[0:4]+128[[1,8]] on_true=sbuf:f32[0:4]+64[[1,8]] accumulate=true
  select_reduce dst=hbm:f32+0[[8,4],[1,8]] predicate=sbuf:u8[0:4]+128[[1,8]] on_true=sbuf:f32[0:4]+64[[1,8]]
# CHECK: error: {{.*}}select-reduce.s: invalid program:
# CHECK-NEXT: stream vector, #2 (select_reduce): on_true has 4 elements per partition but dst has 8
# CHECK-NEXT: stream vector, #3 (select_reduce): predicate has 8 partitions but dst has 4
# CHECK-NEXT: stream vector, #4 (select_reduce): on_false must be one element per partition over 4 partitions (it is 4 x 2)
# CHECK-NEXT: stream vector, #5 (select_reduce): reduce_res must be one element per partition over 4 partitions (it is 4 x 2)
# CHECK-NEXT: stream vector, #6 (select_reduce): on_true cannot be i32 (NKI: any dtype but int32, uint32 and tfloat32)
# CHECK-NEXT: stream vector, #7 (select_reduce): predicate must be i8, u8, i16 or u16, not i32
# CHECK-NEXT: stream vector, #8 (select_reduce): on_true and predicate cannot both be in PSUM
# CHECK-NEXT: stream vector, #9 (select_reduce): reduce_res must be a float dtype, not i32
# CHECK-NEXT: stream vector, #10 (select_reduce): accumulate continues a reduction: it needs reduce_res
# CHECK-NEXT: stream vector, #11 (select_reduce): dst is in HBM; only DMA queues access HBM
# CHECK-NEXT: stream gpsimd, #0 (select_reduce): the gpsimd engine cannot run select_reduce (it runs on: vector)
