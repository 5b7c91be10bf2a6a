# reduce_cmd (NKI 2.26 nki.isa.reduce_cmd: 0 idle, 1 reset, 2 reduce,
# 3 reset_reduce) on activation and range_select, checked alike by the
# verifier, the front end and the simulator (runtime/operand_rules.cpp): the
# first streams are legal at each rule's edge, each instruction after BAD
# BEGIN breaks one rule.
# RUN: sed '/^# BAD BEGIN/,$d' %s > %t.good.s
# RUN: nkasm %t.good.s --emit=text | FileCheck %s --check-prefix=GOOD
# RUN: not nkasm %s 2>&1 | FileCheck %s
.kernel acc
.target trn2
.hbm_size 1024
.tensor x f32[4,8] @0 input
.stream scalar
  activation dst=sbuf:f32[0:4]+0[[1,8]] src=sbuf:f32[0:4]+64[[1,8]] func=exp reduce_cmd=1
  activation dst=sbuf:f32[0:4]+0[[1,8]] src=sbuf:f32[0:4]+64[[1,8]] reduce_dst=psum:f32[0:4]+0[[1,1]] func=exp reduce_cmd=3
  activation dst=sbuf:f32[0:4]+0[[1,8]] src=sbuf:f32[0:4]+64[[1,8]] func=exp reduce_cmd=2
  activation dst=sbuf:f32[0:4]+0[[1,8]] src=sbuf:f32[0:4]+64[[1,8]] reduce_dst=sbuf:bf16[0:4]+96[[1,1]] func=identity
.stream vector
  range_select dst=sbuf:f32[0:4]+0[[1,8]] on_true=sbuf:f32[0:4]+64[[1,8]] bound0=sbuf:f32[0:4]+96[[1,1]] bound1=sbuf:f32[0:4]+100[[1,1]] reduce_res=sbuf:f32[0:4]+104[[1,1]] cmp0=is_ge cmp1=is_lt reduce_cmd=3
  range_select dst=sbuf:bf16[0:4]+0[[1,8]] on_true=sbuf:f32[0:4]+64[[1,8]] bound0=sbuf:f32[0:4]+96[[1,1]] bound1=sbuf:f32[0:4]+100[[1,1]] reduce_res=psum:bf16[0:4]+0[[1,1]] cmp0=is_ge cmp1=is_lt reduce_cmd=2
  range_select dst=sbuf:f32[0:4]+0[[1,8]] on_true=sbuf:f32[0:4]+64[[1,8]] bound0=sbuf:f32[0:4]+96[[1,1]] bound1=sbuf:f32[0:4]+100[[1,1]] cmp0=is_ge cmp1=is_lt
# GOOD: range_select {{.*}} reduce_res=sbuf:f32[0:4]+104{{\[\[}}1,1]] cmp0=is_ge cmp1=is_lt {{.*}}reduce_cmd=3
# GOOD-COUNT-2: activation {{.*}} reduce_cmd={{[13]}}
# GOOD: activation {{.*}} reduce_cmd=2
# GOOD: activation {{.*}} func=identity{{$}}
# BAD BEGIN
.stream scalar
  activation dst=sbuf:f32[0:4]+0[[1,8]] src=sbuf:f32[0:4]+64[[1,8]] func=exp reduce_cmd=4
  activation dst=sbuf:f32[0:4]+0[[1,8]] src=sbuf:f32[0:4]+64[[1,8]] func=exp reduce_cmd=-1
  activation dst=sbuf:f32[0:4]+0[[1,8]] src=sbuf:f32[0:4]+64[[1,8]] reduce_dst=sbuf:f32[0:4]+96[[1,2]] func=exp reduce_cmd=3
.stream vector
  range_select dst=sbuf:f32[0:4]+0[[1,8]] on_true=sbuf:f32[0:4]+64[[1,8]] bound0=sbuf:f32[0:4]+96[[1,1]] bound1=sbuf:f32[0:4]+100[[1,1]] cmp0=is_ge cmp1=is_lt reduce_cmd=5
  range_select dst=sbuf:f32[0:4]+0[[1,8]] on_true=sbuf:f32[0:4]+64[[1,8]] bound0=sbuf:f32[0:4]+96[[1,1]] bound1=sbuf:f32[0:4]+100[[1,1]] reduce_res=sbuf:i32[0:4]+104[[1,1]] cmp0=is_ge cmp1=is_lt reduce_cmd=3
  range_select dst=sbuf:f32[0:4]+0[[1,8]] on_true=sbuf:f32[0:4]+64[[1,8]] bound0=sbuf:f32[0:4]+96[[1,1]] bound1=sbuf:f32[0:4]+100[[1,1]] reduce_res=sbuf:f32[0:2]+104[[1,1]] cmp0=is_ge cmp1=is_lt reduce_cmd=3
# CHECK: error: {{.*}}accumulators.s: invalid program:
# CHECK-NEXT: stream vector, #3 (range_select): reduce_cmd is 5: it must be
# CHECK-NEXT: stream vector, #4 (range_select): reduce_res must be a float dtype, not i32
# CHECK-NEXT: stream vector, #5 (range_select): reduce_res must be one element per partition over 4 partitions (it is 2 x 1)
# CHECK-NEXT: stream scalar, #4 (activation): reduce_cmd is 4: it must be 0 (idle), 1 (reset), 2 (reduce) or 3 (reset_reduce), NKI's nki.isa.reduce_cmd values
# CHECK-NEXT: stream scalar, #5 (activation): reduce_cmd is -1: it must be 0 (idle)
# CHECK-NEXT: stream scalar, #6 (activation): reduce_dst must be one element per partition over 4 partitions (it is 4 x 2)
