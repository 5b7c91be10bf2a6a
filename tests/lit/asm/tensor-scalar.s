# The verifier applies tensor_scalar's per-engine op limits
# (runtime/operand_rules.cpp, NKI 2.26 nki.isa, tensor_scalar), the same ones
# the front end reports at the attribute: the first streams are legal at
# each rule's edge, each instruction after BAD BEGIN breaks one rule.
# RUN: sed '/^# BAD BEGIN/,$d' %s > %t.good.s
# RUN: nkasm %t.good.s --emit=text | FileCheck %s --check-prefix=GOOD
# RUN: sed 's/^.target trn2/.target trn1/' %t.good.s > %t.trn1.s
# RUN: nkasm %t.trn1.s --emit=text | FileCheck %s --check-prefix=GOOD
# RUN: not nkasm %s 2>&1 | FileCheck %s
.kernel ts
.target trn2
.hbm_size 1024
.tensor x f32[4,8] @0 input
.stream vector
  tensor_scalar dst=sbuf:i32[0:4]+64[[1,8]] src=sbuf:i32[0:4]+0[[1,8]] op0=bitwise_xor imm0=1.0 op1=bitwise_and imm1=7.0
  tensor_scalar dst=sbuf:f32[0:4]+64[[1,8]] src=psum:f32[0:4]+0[[1,8]] op0=divide imm0=3.0 op1=max imm1=0.0
.stream scalar
  tensor_scalar dst=sbuf:f32[0:4]+64[[1,8]] src=sbuf:f32[0:4]+0[[1,8]] scalar0=sbuf:f32[0:4]+32[[1,1]] op0=multiply op1=add imm1=1.0
  tensor_scalar dst=sbuf:f32[0:4]+64[[1,8]] src=sbuf:f32[0:4]+0[[1,8]] op0=multiply imm0=2.0
  tensor_scalar dst=sbuf:bf16[0:4]+64[[1,8]] src=psum:f32[0:4]+0[[1,8]] op0=add imm0=2.0
# GOOD-COUNT-5: tensor_scalar dst=
# BAD BEGIN
  tensor_scalar dst=sbuf:i32[0:4]+64[[1,8]] src=sbuf:i32[0:4]+0[[1,8]] op0=bitwise_xor imm0=1.0
  tensor_scalar dst=sbuf:f32[0:4]+64[[1,8]] src=sbuf:f32[0:4]+0[[1,8]] op0=add imm0=2.0 op1=multiply imm1=3.0
  tensor_scalar dst=sbuf:f32[0:4]+64[[1,8]] src=sbuf:f32[0:4]+0[[1,8]] op0=divide imm0=2.0
.stream gpsimd
  tensor_scalar dst=sbuf:f32[0:4]+64[[1,8]] src=sbuf:f32[0:4]+0[[1,8]] op0=multiply imm0=2.0
# CHECK: error: {{.*}}tensor-scalar.s: invalid program:
# CHECK-NEXT: stream scalar, #3 (tensor_scalar): bitwise_xor is a bitwise op: tensor_scalar runs those on the Vector engine only, not the Scalar engine
# CHECK-NEXT: stream scalar, #4 (tensor_scalar): the Scalar engine runs tensor_scalar only as (multiply, add), (multiply, bypass) or (add, bypass), not (add, multiply)
# CHECK-NEXT: stream scalar, #5 (tensor_scalar): the Scalar engine runs tensor_scalar only as (multiply, add), (multiply, bypass) or (add, bypass), not (divide, bypass)
# CHECK-NEXT: stream gpsimd, #0 (tensor_scalar): the GpSimd engine runs tensor_scalar only for rsqrt (not a modelled ALU op), not multiply
