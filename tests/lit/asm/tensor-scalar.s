# The verifier applies tensor_scalar's per-engine op limits
# (runtime/operand_rules.cpp, NKI 2.26 nki.isa, tensor_scalar and the ALU-op
# table, which has no divide and no abs_max), the same ones the front end reports at the attribute: the first
# streams are legal at each rule's edge, each instruction after BAD BEGIN
# breaks one rule. On trn1 the Scalar engine runs no tensor_scalar (add and
# multiply there only from NeuronCore-v3): the trn1 copy of the legal part
# fails on the Scalar stream only.
# RUN: sed '/^# BAD BEGIN/,$d' %s > %t.good.s
# RUN: nkasm %t.good.s --emit=text | FileCheck %s --check-prefix=GOOD
# RUN: sed 's/^.target trn2/.target trn1/' %t.good.s > %t.trn1.s
# RUN: not nkasm %t.trn1.s 2>&1 | FileCheck %s --check-prefix=TRN1
# RUN: sed '/^.stream scalar/,$d' %t.trn1.s > %t.trn1-noact.s
# RUN: nkasm %t.trn1-noact.s --emit=text | FileCheck %s --check-prefix=TRN1-GOOD
# RUN: not nkasm %s 2>&1 | FileCheck %s
.kernel ts
.target trn2
.hbm_size 1024
.tensor x f32[4,8] @0 input
.stream vector
  tensor_scalar dst=sbuf:i32[0:4]+64[[1,8]] src=sbuf:i32[0:4]+0[[1,8]] op0=bitwise_xor imm0=1.0 op1=bitwise_and imm1=7.0
  tensor_scalar dst=sbuf:f32[0:4]+64[[1,8]] src=psum:f32[0:4]+0[[1,8]] op0=multiply imm0=3.0 op1=max imm1=0.0
  tensor_scalar dst=sbuf:f32[0:4]+64[[1,8]] src=sbuf:f32[0:4]+0[[1,8]] op0=reciprocal op1=abs
  tensor_scalar dst=sbuf:f32[0:4]+64[[1,8]] src=sbuf:f32[0:4]+0[[1,8]] op0=subtract imm0=1.0 reverse0=true op1=abs
.stream gpsimd
  tensor_scalar dst=sbuf:bf16[0:4]+64[[1,8]] src=sbuf:f32[0:4]+0[[1,8]] op0=rsqrt imm0=0.0
.stream scalar
  tensor_scalar dst=sbuf:f32[0:4]+64[[1,8]] src=sbuf:f32[0:4]+0[[1,8]] scalar0=sbuf:f32[0:4]+32[[1,1]] op0=multiply op1=add imm1=1.0
  tensor_scalar dst=sbuf:f32[0:4]+64[[1,8]] src=sbuf:f32[0:4]+0[[1,8]] op0=multiply imm0=2.0
  tensor_scalar dst=sbuf:bf16[0:4]+64[[1,8]] src=psum:f32[0:4]+0[[1,8]] op0=add imm0=2.0
# GOOD-COUNT-8: tensor_scalar dst=
# TRN1: stream scalar, #0 (tensor_scalar): the Scalar engine runs tensor_scalar from NeuronCore-v3 on (NKI 2.26: add and multiply there only from v3); trn1 is NeuronCore-v2
# TRN1-GOOD-COUNT-5: tensor_scalar dst=
# BAD BEGIN
  tensor_scalar dst=sbuf:i32[0:4]+64[[1,8]] src=sbuf:i32[0:4]+0[[1,8]] op0=bitwise_xor imm0=1.0
  tensor_scalar dst=sbuf:f32[0:4]+64[[1,8]] src=sbuf:f32[0:4]+0[[1,8]] op0=add imm0=2.0 op1=multiply imm1=3.0
  tensor_scalar dst=sbuf:f32[0:4]+64[[1,8]] src=sbuf:f32[0:4]+0[[1,8]] op0=divide imm0=2.0
  tensor_scalar dst=sbuf:f32[0:4]+64[[1,8]] src=sbuf:f32[0:4]+0[[1,8]] op0=rsqrt
.stream gpsimd
  tensor_scalar dst=sbuf:f32[0:4]+64[[1,8]] src=sbuf:f32[0:4]+0[[1,8]] op0=multiply imm0=2.0
  tensor_scalar dst=sbuf:f32[0:4]+64[[1,8]] src=sbuf:f32[0:4]+0[[1,8]] op0=rsqrt op1=add imm1=1.0
.stream vector
  tensor_scalar dst=sbuf:f32[0:4]+64[[1,8]] src=sbuf:f32[0:4]+0[[1,8]] op0=rsqrt
  tensor_scalar dst=sbuf:f32[0:4]+64[[1,8]] src=sbuf:f32[0:4]+0[[1,8]] op0=pow imm0=2.0
  tensor_scalar dst=sbuf:f32[0:4]+64[[1,8]] src=sbuf:f32[0:4]+0[[1,8]] op0=add imm0=1.0 op1=reciprocal reverse1=true
  tensor_tensor dst=sbuf:f32[0:4]+64[[1,8]] src0=sbuf:f32[0:4]+0[[1,8]] src1=sbuf:f32[0:4]+32[[1,8]] op=reciprocal
  tensor_scalar dst=sbuf:f32[0:4]+64[[1,8]] src=sbuf:f32[0:4]+0[[1,8]] op0=divide imm0=3.0
  tensor_tensor dst=sbuf:f32[0:4]+64[[1,8]] src0=sbuf:f32[0:4]+0[[1,8]] src1=sbuf:f32[0:4]+32[[1,8]] op=abs_max
# CHECK: error: {{.*}}tensor-scalar.s: invalid program:
# CHECK-NEXT: stream vector, #4 (tensor_scalar): rsqrt does not run on the Vector engine (NKI 2.26: GpSimd or Scalar; tensor_scalar runs it on GpSimd)
# CHECK-NEXT: stream vector, #5 (tensor_scalar): pow runs on the GpSimd engine only (NKI 2.26), where tensor_scalar runs only rsqrt: use tensor_tensor on GpSimd
# CHECK-NEXT: stream vector, #6 (tensor_scalar): reverse1 with reciprocal: a one-operand op has no operand order
# CHECK-NEXT: stream vector, #7 (tensor_tensor): {{.*}}reciprocal takes one operand: only tensor_scalar runs it
# CHECK-NEXT: stream vector, #8 (tensor_scalar): {{.*}}divide is not in NKI 2.26's ALU-op table (Supported Math Operators by NKI ISA): no engine runs it (multiply by a reciprocal instead)
# CHECK-NEXT: stream vector, #9 (tensor_tensor): {{.*}}abs_max is not in NKI 2.26's ALU-op table (Supported Math Operators by NKI ISA): no engine runs it{{$}}
# CHECK-NEXT: stream scalar, #3 (tensor_scalar): bitwise_xor is a bitwise op: tensor_scalar runs those on the Vector engine only, not the Scalar engine
# CHECK-NEXT: stream scalar, #4 (tensor_scalar): the Scalar engine runs tensor_scalar only as (multiply, add), (multiply, bypass) or (add, bypass), not (add, multiply)
# CHECK-NEXT: stream scalar, #5 (tensor_scalar): {{.*}}divide is not in NKI 2.26's ALU-op table (Supported Math Operators by NKI ISA): no engine runs it (multiply by a reciprocal instead)
# CHECK-NEXT: stream scalar, #6 (tensor_scalar): the Scalar engine runs tensor_scalar only as (multiply, add), (multiply, bypass) or (add, bypass), not (rsqrt, bypass)
# CHECK-NEXT: stream gpsimd, #1 (tensor_scalar): the GpSimd engine runs tensor_scalar only for rsqrt (op0=rsqrt), not multiply
# CHECK-NEXT: stream gpsimd, #2 (tensor_scalar): the GpSimd engine runs tensor_scalar only for rsqrt: op1 must be bypass, not add
