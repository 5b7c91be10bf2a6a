# tf32 (NKI 2.26 nki.language.tfloat32) operands: nc_matmul takes them
# ("float8_e4m3/float8_e5m2/bfloat16/float16/tfloat32/float32" inputs, alone
# or mixed), tensor_copy writes them; select_reduce refuses a tf32 on_true
# (NKI: "any dtype but int32, uint32 and tfloat32"). The first streams are
# legal at each rule's edge; each instruction after BAD BEGIN breaks one rule.
# RUN: sed '/^# BAD BEGIN/,$d' %s > %t.good.s
# RUN: nkasm %t.good.s --emit=text | FileCheck %s --check-prefix=GOOD
# RUN: not nkasm %s 2>&1 | FileCheck %s
.kernel t
.target trn2
.hbm_size 1024
.tensor x f32[4,8] @0 input
.stream vector
  tensor_copy dst=sbuf:tf32[0:64]+0[[1,32]] src=sbuf:f32[0:64]+256[[1,32]]
  select_reduce dst=sbuf:tf32[0:4]+0[[1,8]] predicate=sbuf:u8[0:4]+512[[1,8]] on_true=sbuf:f32[0:4]+256[[1,8]]
.stream tensor
  nc_matmul dst=psum:f32[0:32]+0[[1,64]] stationary=sbuf:tf32[0:64]+0[[1,32]] moving=sbuf:tf32[0:64]+128[[1,64]]
  nc_matmul dst=psum:f32[0:32]+0[[1,64]] stationary=sbuf:tf32[0:64]+0[[1,32]] moving=sbuf:bf16[0:64]+128[[1,64]] accumulate=true
# GOOD-DAG: tensor_copy dst=sbuf:tf32[0:64]+0{{\[\[}}1,32]] src=sbuf:f32
# GOOD-DAG: nc_matmul {{.*}} stationary=sbuf:tf32[0:64]+0{{\[\[}}1,32]] moving=sbuf:tf32
# GOOD-DAG: nc_matmul {{.*}} stationary=sbuf:tf32{{.*}} moving=sbuf:bf16
# BAD BEGIN
.stream vector
  select_reduce dst=sbuf:f32[0:4]+0[[1,8]] predicate=sbuf:u8[0:4]+512[[1,8]] on_true=sbuf:tf32[0:4]+256[[1,8]]
.stream tensor
  nc_matmul dst=psum:f32[0:32]+0[[1,64]] stationary=sbuf:tf32[0:64]+0[[1,32]] moving=sbuf:i32[0:64]+128[[1,64]]
# CHECK: error: {{.*}}tf32.s: invalid program:
# CHECK-NEXT: stream tensor, #2 (nc_matmul): moving must be a float dtype (the Tensor engine multiplies fp8, bf16, f16, tf32 or f32), not i32
# CHECK-NEXT: stream vector, #2 (select_reduce): on_true cannot be tf32 (NKI: any dtype but int32, uint32 and tfloat32)
