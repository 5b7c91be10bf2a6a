# The verifier applies activation's scale rules (runtime/operand_rules.cpp,
# NKI 2.26 nki.isa, activation), the same ones the front end reports at the
# operand: the first instructions are legal at each rule's edge, each one
# after BAD BEGIN breaks one rule. Text and binary round trips keep
# scale_tile.
# RUN: sed '/^# BAD BEGIN/,$d' %s > %t.good.s
# RUN: nkasm %t.good.s --emit=text | FileCheck %s --check-prefix=GOOD
# RUN: nkasm %t.good.s -o %t.good.nkp && nkasm %t.good.nkp --emit=text | FileCheck %s --check-prefix=GOOD
# RUN: not nkasm %s 2>&1 | FileCheck %s
.kernel act_scale
.target trn2
.hbm_size 1024
.tensor x f32[4,8] @0 input
.stream scalar
  activation dst=sbuf:f32[0:4]+0[[1,8]] src=sbuf:f32[0:4]+64[[1,8]] scale_tile=sbuf:f32[0:4]+96[[1,1]] func=exp
  activation dst=psum:bf16[0:4]+0[[1,8]] src=psum:f32[0:4]+64[[1,8]] bias=sbuf:f32[0:4]+100[[1,1]] scale_tile=psum:f32[0:4]+96[[1,1]] func=tanh
  activation dst=sbuf:f32[0:4]+0[[1,8]] src=sbuf:f32[0:4]+64[[1,8]] func=exp scale=-0.5
# GOOD: activation dst=sbuf:f32[0:4]+0{{.*}} src=sbuf:f32[0:4]+64{{.*}} scale_tile=sbuf:f32[0:4]+96{{.*}} func=exp{{$}}
# GOOD: activation dst=psum:bf16[0:4]+0{{.*}} bias=sbuf:f32[0:4]+100{{.*}} scale_tile=psum:f32[0:4]+96{{.*}} func=tanh{{$}}
# GOOD: activation dst=sbuf:f32[0:4]+0{{.*}} func=exp scale=-0.5{{$}}
# BAD BEGIN
  activation dst=sbuf:f32[0:4]+0[[1,8]] src=sbuf:f32[0:4]+64[[1,8]] scale_tile=sbuf:f32[0:4]+96[[1,2]] func=exp
  activation dst=sbuf:f32[0:4]+0[[1,8]] src=sbuf:f32[0:4]+64[[1,8]] scale_tile=sbuf:f32[0:2]+96[[1,1]] func=exp
  activation dst=sbuf:f32[0:4]+0[[1,8]] src=sbuf:f32[0:4]+64[[1,8]] scale_tile=sbuf:bf16[0:4]+96[[1,1]] func=exp
  activation dst=sbuf:f32[0:4]+0[[1,8]] src=sbuf:f32[0:4]+64[[1,8]] scale_tile=sbuf:f32[0:4]+96[[1,1]] func=exp scale=2
  activation dst=sbuf:f32[0:4]+0[[1,8]] src=sbuf:f32[0:4]+64[[1,8]] scale_tile=hbm:f32+0[[8,4],[1,1]] func=exp
# CHECK: error: {{.*}}activation-scale.s: invalid program:
# CHECK-NEXT: stream scalar, #3 (activation): scale_tile must be one element per partition over 4 partitions (it is 4 x 2)
# CHECK-NEXT: stream scalar, #4 (activation): scale_tile must be one element per partition over 4 partitions (it is 2 x 1)
# CHECK-NEXT: stream scalar, #5 (activation): a scale tile must be f32, not bf16
# CHECK-NEXT: stream scalar, #6 (activation): scale is given twice: as a tile and as the immediate 2
# CHECK-NEXT: stream scalar, #7 (activation): scale_tile is in HBM; only DMA queues access HBM
