# The verifier applies tensor_reduce's rules (runtime/operand_rules.cpp,
# NKI 2.26 nki.isa, tensor_reduce; its ops: the "Legal Reduction op" column
# of nki.api.shared.rst's ALU-op table, subtract in, abs_max out), the same ones the front end reports:
# the first stream is legal at each rule's edge; each instruction after the
# BAD-BEGIN marker breaks one rule.
# RUN: sed '/^# BAD BEGIN/,$d' %s > %t.good.s
# RUN: nkasm %t.good.s --emit=text | FileCheck %s --check-prefix=GOOD
# RUN: not nkasm %s 2>&1 | FileCheck %s
.kernel tr
.target trn2
.hbm_size 1024
.tensor x f32[4,8] @0 input
.stream vector
  tensor_reduce dst=sbuf:f32[0:4]+64[[1,6]] src=psum:f32[0:4]+0[[12,2],[4,3],[1,4]] op=add
  tensor_reduce dst=sbuf:f32[0:4]+64[[1,2]] src=sbuf:f32[0:4]+0[[12,2],[4,3],[1,4]] op=max axes=3
  tensor_reduce dst=sbuf:f32[0:4]+64[[1,1]] src=sbuf:f32[0:4]+0[[12,2],[4,3],[1,4]] op=min axes=7
  tensor_reduce dst=sbuf:f32[0:4]+64[[1,1]] src=sbuf:f32[0:4]+0[[24,2],[12,2],[4,3],[1,4]] op=add axes=15
  tensor_reduce dst=sbuf:bf16[0:4]+64[[1,2]] src=sbuf:f32[0:4]+0[[12,2],[4,3],[1,4]] op=max axes=3 negate=true
  tensor_reduce dst=sbuf:f32[0:4]+64[[1,2]] src=sbuf:f32[0:4]+0[[12,2],[4,3],[1,4]] op=subtract axes=3 negate=true
# GOOD-COUNT-5: tensor_reduce dst=
# GOOD: op=max axes=3 negate=true
# GOOD-NEXT: tensor_reduce {{.*}} op=subtract axes=3 negate=true
# BAD BEGIN
  tensor_reduce dst=sbuf:f32[0:4]+64[[1,8]] src=sbuf:f32[0:4]+0[[12,2],[4,3],[1,4]] op=add axes=2
  tensor_reduce dst=sbuf:f32[0:4]+64[[1,3]] src=sbuf:f32[0:4]+0[[12,2],[4,3],[1,4]] op=add axes=5
  tensor_reduce dst=sbuf:i32[0:4]+64[[1,1]] src=sbuf:i32[0:4]+0[[1,8]] op=bitwise_and negate=true
  tensor_reduce dst=sbuf:f32[0:4]+64[[1,1]] src=sbuf:f32[0:4]+0[[1,8]] op=abs_max
.stream gpsimd
  tensor_reduce dst=sbuf:f32[0:4]+64[[1,1]] src=sbuf:f32[0:4]+0[[1,8]] op=add
# CHECK: error: {{.*}}tensor-reduce.s: invalid program:
# CHECK-NEXT: stream vector, #6 (tensor_reduce): axes mask 2 must select the innermost 1 to 4 free dims (1, 3, 7 or 15: consecutive axes including the innermost)
# CHECK-NEXT: stream vector, #7 (tensor_reduce): axes mask 5 must select the innermost 1 to 4 free dims
# CHECK-NEXT: stream vector, #8 (tensor_reduce): negate applies to arithmetic reductions only, not bitwise_and
# CHECK-NEXT: stream vector, #9 (tensor_reduce): op: abs_max is not a reduction op (use add, subtract, multiply, max, min, logical_and, logical_or, logical_xor, or a bitwise op on integers)
# CHECK-NEXT: stream gpsimd, #0 (tensor_reduce): the gpsimd engine cannot run tensor_reduce (it runs on: vector)
