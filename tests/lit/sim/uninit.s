# Reading SBUF bytes nothing wrote is a warning, and an error under --strict.
# RUN: nksim run %s --random-inputs 2>&1 | FileCheck %s
# RUN: not nksim run %s --random-inputs --strict 2>&1 | FileCheck %s --check-prefix=STRICT
# CHECK: warning: vector[1] tensor_copy: operand 'src' reads sbuf bytes never written (first: partition 2, byte 0)
# STRICT: error: {{.*}}uninit.s: vector[1] tensor_copy: operand 'src' reads sbuf bytes never written (first: partition 2, byte 0)
.kernel uninit
.target trn2
.hbm_size 0
.stream vector
  memset dst=sbuf:f32[0:2]+0[[1,8]] value=1.0
  tensor_copy dst=sbuf:f32[0:4]+64[[1,8]] src=sbuf:f32[0:4]+0[[1,8]]
