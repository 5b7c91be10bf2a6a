# The verifier applies tensor_scalar_reduce's rules (runtime/operand_rules.cpp
# and isa.def, NKI 2.26 nki.isa, tensor_scalar_reduce), the same ones the
# front end reports: the first stream is legal at each rule's edge; each
# instruction after the BAD-BEGIN marker breaks one rule.
# RUN: sed '/^# BAD BEGIN/,$d' %s > %t.good.s
# RUN: nkasm %t.good.s --emit=text | FileCheck %s --check-prefix=GOOD
# RUN: not nkasm %s 2>&1 | FileCheck %s
.kernel tsr
.target trn2
.hbm_size 1024
.tensor x f32[4,8] @0 input
.stream vector
  tensor_scalar_reduce dst=sbuf:f32[0:4]+0[[1,8]] src=sbuf:f32[0:4]+64[[1,8]] reduce_dst=sbuf:f32[0:4]+128[[1,1]] op0=subtract imm0=2.0 reduce_op=subtract
  tensor_scalar_reduce dst=sbuf:f32[0:4]+0[[1,8]] src=psum:f32[0:4]+0[[1,8]] reduce_dst=psum:f32[0:4]+64[[1,1]] op0=multiply imm0=2.0 reduce_op=multiply
  tensor_scalar_reduce dst=sbuf:f32[0:4]+0[[1,8]] src=sbuf:f32[0:4]+64[[1,8]] reduce_dst=sbuf:f32[0:4]+128[[1,1]] op0=reciprocal reduce_op=add
  tensor_scalar_reduce dst=sbuf:f32[0:4]+0[[1,8]] src=sbuf:f32[0:4]+64[[1,8]] reduce_dst=sbuf:f32[0:4]+128[[1,1]] op0=abs reduce_op=max
# GOOD-COUNT-4: tensor_scalar_reduce dst=
# BAD BEGIN
  tensor_scalar_reduce dst=sbuf:f32[0:4]+0[[1,8]] src=sbuf:f32[0:4]+64[[1,8]] reduce_dst=sbuf:f32[0:4]+128[[1,1]] op0=subtract imm0=2.0 reverse0=true reduce_op=add
  tensor_scalar_reduce dst=sbuf:f32[0:4]+0[[1,8]] src=sbuf:f32[0:4]+64[[1,8]] reduce_dst=sbuf:f32[0:4]+128[[1,1]] op0=multiply imm0=2.0 reduce_op=abs_max
  tensor_scalar_reduce dst=sbuf:f32[0:4]+0[[1,8]] src=sbuf:f32[0:4]+64[[1,8]] reduce_dst=sbuf:f32[0:4]+128[[1,1]] op0=rsqrt reduce_op=add
# CHECK: error: {{.*}}tensor-scalar-reduce.s: invalid program:
# CHECK-NEXT: stream vector, #4 (tensor_scalar_reduce): reverse0 is not supported (NKI 2.26: not supported yet); use tensor_scalar
# CHECK-NEXT: stream vector, #5 (tensor_scalar_reduce): reduce_op: abs_max is not a reduction op here (use add, subtract, multiply, max or min)
# CHECK-NEXT: stream vector, #6 (tensor_scalar_reduce): op0: rsqrt does not run on the Vector engine (NKI 2.26: GpSimd or Scalar; use tensor_scalar on GpSimd, or activation)
