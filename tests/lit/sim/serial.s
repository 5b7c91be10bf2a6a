# The same work as overlap.s, but gpsimd waits for vector's signal: the
# engines no longer overlap and gpsimd's wait shows up as blocked time.
# The signal fires at 4266.7 + 62.5 ns (vector's results visible); gpsimd
# then pays its wait (4 cycles at 1.2 GHz), 4 memsets and 50 ns of latency.
# RUN: nksim run %s --random-inputs --stats | FileCheck %s
# CHECK: total time: 7795.8 ns
# CHECK: vector          5       4270.8
# CHECK: gpsimd          5       3416.7 {{.*}}  4329.2
.kernel serial
.target trn2
.hbm_size 0
.stream vector
  memset dst=sbuf:f32[0:128]+0[[1,1024]] value=1.0
  memset dst=sbuf:f32[0:128]+0[[1,1024]] value=2.0
  memset dst=sbuf:f32[0:128]+0[[1,1024]] value=3.0
  memset dst=sbuf:f32[0:128]+0[[1,1024]] value=4.0
  sem_signal sem=0 value=1
.stream gpsimd
  sem_wait sem=0 value=1
  memset dst=sbuf:f32[0:128]+8192[[1,1024]] value=1.0
  memset dst=sbuf:f32[0:128]+8192[[1,1024]] value=2.0
  memset dst=sbuf:f32[0:128]+8192[[1,1024]] value=3.0
  memset dst=sbuf:f32[0:128]+8192[[1,1024]] value=4.0
