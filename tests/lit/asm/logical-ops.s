# NKI 2.26's logical ALU ops (nki.api.shared.rst, the ALU-op table:
# logical_and/or/xor are arithmetic ops on the Vector engine, and legal
# reductions): the verifier accepts them where that table puts them and
# refuses them elsewhere, with the same rules the front end reports. The
# first stream is legal at each rule's edge; each instruction after BAD
# BEGIN breaks one rule.
# RUN: sed '/^# BAD BEGIN/,$d' %s > %t.good.s
# RUN: nkasm %t.good.s --emit=text | FileCheck %s --check-prefix=GOOD
# RUN: not nkasm %s 2>&1 | FileCheck %s
.kernel lg
.target trn2
.hbm_size 1024
.tensor x f32[4,8] @0 input
.stream vector
  tensor_tensor dst=sbuf:f32[0:4]+64[[1,8]] src0=sbuf:f32[0:4]+0[[1,8]] src1=psum:f32[0:4]+0[[1,8]] op=logical_and
  tensor_tensor dst=sbuf:u8[0:4]+64[[1,8]] src0=sbuf:i32[0:4]+0[[1,8]] src1=sbuf:bf16[0:4]+32[[1,8]] op=logical_xor
  tensor_scalar dst=sbuf:f32[0:4]+64[[1,8]] src=sbuf:f32[0:4]+0[[1,8]] op0=logical_or imm0=0.0 op1=logical_xor imm1=1.0
  tensor_scalar dst=sbuf:f32[0:4]+64[[1,8]] src=sbuf:f32[0:4]+0[[1,8]] op0=is_gt imm0=0.0 op1=logical_and imm1=1.0
  tensor_reduce dst=sbuf:f32[0:4]+64[[1,2]] src=sbuf:f32[0:4]+0[[12,2],[4,3],[1,4]] op=logical_or axes=3
  tensor_reduce dst=sbuf:bf16[0:4]+64[[1,1]] src=sbuf:i32[0:4]+0[[1,8]] op=logical_xor negate=true
  scalar_tensor_tensor dst=sbuf:f32[0:4]+64[[1,8]] data=sbuf:f32[0:4]+0[[1,8]] op0=logical_and imm0=1.0 operand1=sbuf:f32[0:4]+32[[1,8]] op1=logical_or
# GOOD-COUNT-2: tensor_tensor dst=
# GOOD-COUNT-2: tensor_scalar dst=
# GOOD: tensor_reduce {{.*}} op=logical_or axes=3
# GOOD: tensor_reduce {{.*}} op=logical_xor negate=true
# GOOD: scalar_tensor_tensor {{.*}} op0=logical_and {{.*}} op1=logical_or
# BAD BEGIN
  tensor_scalar dst=sbuf:i32[0:4]+64[[1,8]] src=sbuf:i32[0:4]+0[[1,8]] op0=logical_and imm0=1.0 op1=bitwise_and imm1=7.0
  tensor_scalar_reduce dst=sbuf:f32[0:4]+64[[1,8]] src=sbuf:f32[0:4]+0[[1,8]] reduce_dst=sbuf:f32[0:4]+96[[1,1]] op0=logical_and imm0=1.0 reduce_op=add
  tensor_scalar_reduce dst=sbuf:f32[0:4]+64[[1,8]] src=sbuf:f32[0:4]+0[[1,8]] reduce_dst=sbuf:f32[0:4]+96[[1,1]] op0=add imm0=1.0 reduce_op=logical_or
  tensor_tensor_scan dst=sbuf:f32[0:4]+64[[1,8]] data0=sbuf:f32[0:4]+0[[1,8]] data1=sbuf:f32[0:4]+32[[1,8]] op0=logical_and op1=add
.stream scalar
  tensor_scalar dst=sbuf:f32[0:4]+64[[1,8]] src=sbuf:f32[0:4]+0[[1,8]] op0=logical_and imm0=1.0
.stream gpsimd
  tensor_tensor dst=sbuf:i32[0:4]+64[[1,8]] src0=sbuf:i32[0:4]+0[[1,8]] src1=sbuf:i32[0:4]+32[[1,8]] op=logical_or
  tensor_scalar dst=sbuf:f32[0:4]+64[[1,8]] src=sbuf:f32[0:4]+0[[1,8]] op0=logical_xor imm0=1.0
  affine_select dst=sbuf:f32[0:4]+64[[1,8]] src=sbuf:f32[0:4]+0[[1,8]] cmp=logical_and
  tensor_partition_reduce dst=sbuf:f32[0:1]+64[[1,8]] data=sbuf:f32[0:4]+0[[1,8]] op=logical_or
# CHECK: error: {{.*}}logical-ops.s: invalid program:
# CHECK-NEXT: stream vector, #7 (tensor_scalar): op1: bitwise and arithmetic ops do not mix in one instruction
# CHECK-NEXT: stream vector, #8 (tensor_scalar_reduce): op0: logical_and is not an arithmetic op
# CHECK-NEXT: stream vector, #9 (tensor_scalar_reduce): reduce_op: logical_or is not a reduction op here (use add, subtract, multiply, max or min)
# CHECK-NEXT: stream vector, #10 (tensor_tensor_scan): op0: logical_and is not an arithmetic op
# CHECK-NEXT: stream scalar, #0 (tensor_scalar): the Scalar engine runs tensor_scalar only as (multiply, add), (multiply, bypass) or (add, bypass), not (logical_and, bypass)
# CHECK-NEXT: stream gpsimd, #0 (tensor_tensor): the GpSimd engine runs tensor_tensor only for pow and integer add, subtract and multiply, not logical_or
# CHECK-NEXT: stream gpsimd, #1 (tensor_scalar): the GpSimd engine runs tensor_scalar only for rsqrt (op0=rsqrt), not logical_xor
# CHECK-NEXT: stream gpsimd, #2 (affine_select): cmp: logical_and is not a comparison (use is_equal, not_equal, is_gt, is_ge, is_lt or is_le)
# CHECK-NEXT: stream gpsimd, #3 (tensor_partition_reduce): op: logical_or is not a partition reduction (use add, max, bitwise_or or bitwise_and)
