# The verifier applies tensor_tensor's operand rules (runtime/operand_rules.cpp,
# NKI 2.26 nki.isa, tensor_tensor), the same ones the front end reports at
# the operand: the first streams are legal at each rule's edge, each
# instruction after BAD BEGIN breaks one rule.
# RUN: sed '/^# BAD BEGIN/,$d' %s > %t.good.s
# RUN: nkasm %t.good.s --emit=text | FileCheck %s --check-prefix=GOOD
# RUN: not nkasm %s 2>&1 | FileCheck %s
.kernel tt
.target trn2
.hbm_size 1024
.tensor x f32[4,8] @0 input
.stream vector
  tensor_tensor dst=psum:f32[0:4]+64[[1,8]] src0=sbuf:f32[0:4]+0[[1,8]] src1=psum:f32[0:4]+0[[1,8]] op=add
  tensor_tensor dst=sbuf:f32[0:4]+64[[1,8]] src0=psum:f32[0:4]+0[[1,8]] src1=sbuf:f32[0:4]+0[[1,8]] op=max
.stream gpsimd
  tensor_tensor dst=sbuf:f32[0:4]+64[[1,8]] src0=sbuf:f32[0:4]+0[[1,8]] src1=sbuf:f32[0:4]+32[[1,8]] op=pow
  tensor_tensor dst=sbuf:i32[0:4]+64[[1,8]] src0=sbuf:i32[0:4]+0[[1,8]] src1=sbuf:i32[0:4]+32[[1,8]] op=add
  tensor_tensor dst=sbuf:u8[0:4]+64[[1,8]] src0=sbuf:i32[0:4]+0[[1,8]] src1=sbuf:u8[0:4]+32[[1,8]] op=subtract
  tensor_tensor dst=sbuf:i32[0:4]+64[[1,8]] src0=sbuf:i32[0:4]+0[[1,8]] src1=sbuf:i32[0:4]+32[[1,8]] op=multiply
# GOOD-COUNT-6: tensor_tensor dst=
# BAD BEGIN
.stream vector
  tensor_tensor dst=sbuf:f32[0:4]+64[[1,8]] src0=psum:f32[0:4]+0[[1,8]] src1=psum:f32[0:4]+32[[1,8]] op=add
.stream gpsimd
  tensor_tensor dst=sbuf:i32[0:4]+64[[1,8]] src0=sbuf:i32[0:4]+0[[1,8]] src1=sbuf:i32[0:4]+32[[1,8]] op=max
  tensor_tensor dst=sbuf:f32[0:4]+64[[1,8]] src0=sbuf:f32[0:4]+0[[1,8]] src1=sbuf:f32[0:4]+32[[1,8]] op=add
  tensor_tensor dst=sbuf:f32[0:4]+64[[1,8]] src0=sbuf:i32[0:4]+0[[1,8]] src1=sbuf:i32[0:4]+32[[1,8]] op=multiply
  tensor_tensor dst=sbuf:i32[0:4]+64[[1,8]] src0=sbuf:i32[0:4]+0[[1,8]] src1=psum:i32[0:4]+32[[1,8]] op=add
.stream vector
  tensor_tensor dst=sbuf:f32[0:4]+64[[1,8]] src0=sbuf:f32[0:4]+0[[1,8]] src1=sbuf:f32[0:4]+32[[1,8]] op=pow
# CHECK: error: {{.*}}tensor-tensor.s: invalid program:
# CHECK-NEXT: stream vector, #2 (tensor_tensor): src0 and src1 cannot both be in PSUM (one of them must be in SBUF)
# CHECK-NEXT: stream vector, #3 (tensor_tensor): pow runs on the GpSimd engine only (NKI 2.26 tensor_tensor), not the Vector engine
# CHECK-NEXT: stream gpsimd, #4 (tensor_tensor): the GpSimd engine runs tensor_tensor only for pow and integer add, subtract and multiply, not max
# CHECK-NEXT: stream gpsimd, #5 (tensor_tensor): the GpSimd engine runs add on integers only: dst must be an integer dtype, not f32
# CHECK-NEXT: stream gpsimd, #6 (tensor_tensor): the GpSimd engine runs multiply on integers only: dst must be an integer dtype, not f32
# CHECK-NEXT: stream gpsimd, #7 (tensor_tensor): src1 is in PSUM, which GpSimd cannot access
