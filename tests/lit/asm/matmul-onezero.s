# nc_matmul's 0/1 operand hints (NKI 2.26 nki.isa.nc_matmul
# is_stationary_onezero / is_moving_onezero): accepted on any operand dtype,
# printed, and kept through the binary file; the values they promise are
# checked when the program runs (tests/lit/sim/matmul-onezero.test). A hint
# that is not true or false is an error at the attribute.
# RUN: sed '/^# BAD BEGIN/,$d' %s > %t.good.s
# RUN: nkasm %t.good.s --emit=text | FileCheck %s --check-prefix=GOOD
# RUN: nkasm %t.good.s -o %t.nkp && nkasm %t.nkp --emit=text | FileCheck %s --check-prefix=GOOD
# RUN: not nkasm %s 2>&1 | FileCheck %s
.kernel onezero
.target trn2
.hbm_size 1024
.tensor x f32[4,8] @0 input
.stream tensor
  nc_matmul dst=psum:f32[0:32]+0[[1,64]] stationary=sbuf:f32[0:64]+0[[1,32]] moving=sbuf:f32[0:64]+128[[1,64]] is_stationary_onezero=true
  nc_matmul dst=psum:f32[0:32]+0[[1,64]] stationary=sbuf:f32[0:64]+0[[1,32]] moving=sbuf:bf16[0:64]+512[[1,64]] accumulate=true is_moving_onezero=true
  nc_matmul dst=psum:f32[0:32]+0[[1,64]] stationary=sbuf:f32[0:64]+0[[1,32]] moving=sbuf:f32[0:64]+128[[1,64]] is_stationary_onezero=true is_moving_onezero=true
  nc_matmul dst=psum:f32[0:32]+0[[1,64]] stationary=sbuf:f32[0:64]+0[[1,32]] moving=sbuf:f32[0:64]+128[[1,64]] is_stationary_onezero=false
# GOOD: nc_matmul {{.*}} moving=sbuf:f32[0:64]+128{{\[\[}}1,64]] is_stationary_onezero=true{{$}}
# GOOD-NEXT: nc_matmul {{.*}} accumulate=true is_moving_onezero=true{{$}}
# GOOD-NEXT: nc_matmul {{.*}} is_stationary_onezero=true is_moving_onezero=true{{$}}
# GOOD-NEXT: nc_matmul {{.*}} moving=sbuf:f32[0:64]+128{{\[\[}}1,64]]{{$}}
# BAD BEGIN
  nc_matmul dst=psum:f32[0:32]+0[[1,64]] stationary=sbuf:f32[0:64]+0[[1,32]] moving=sbuf:f32[0:64]+128[[1,64]] is_moving_onezero=1
# CHECK: matmul-onezero.s:[[@LINE-1]]:{{[0-9]+}}: error: expected true or false
