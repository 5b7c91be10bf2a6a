# Two engines with no dependency between them run at the same time: the
# total is the longer engine (plus the SBUF latency), not the sum.
# vector: 4 x memset of 1024 f32 per partition = 4 x 1024 cycles at 0.96 GHz;
# scalar: 4 x activation of 1024 f32 (identity: no table load) at 1.2 GHz.
# Latency: 60 vector cycles = 62.5 ns. (Vector and GpSimd would not overlap:
# they share SBUF's port; test_sim_timing.cpp checks that.)
# RUN: nksim run %s --random-inputs --stats 2>/dev/null | FileCheck %s --check-prefix=STALLS
# STALLS: stalls: 0.0 ns on same-engine dependencies, 0.0 ns on shared ports; 0 activation-table loads
# RUN: nksim run %s --random-inputs --stats 2>/dev/null | FileCheck %s
# CHECK: kernel overlap on trn2
# CHECK-NEXT: total time: 4329.2 ns = 10390 cycles at the Tensor engine clock (2.4 GHz)
# CHECK-NEXT: stream      insts      busy ns  busy %   blocked ns      idle ns
# CHECK-NEXT: vector          4       4266.7   98.6%          0.0         62.5
# CHECK-NEXT: scalar          4       3413.3   78.8%          0.0        915.8
# CHECK-NEXT: dma: 0 transfers, 0 bytes, 0.00 GB/s achieved; a transfer in flight 0.0% of the time
.kernel overlap
.target trn2
.hbm_size 0
.stream vector
  memset dst=sbuf:f32[0:128]+0[[1,1024]] value=1.0
  memset dst=sbuf:f32[0:128]+0[[1,1024]] value=2.0
  memset dst=sbuf:f32[0:128]+0[[1,1024]] value=3.0
  memset dst=sbuf:f32[0:128]+0[[1,1024]] value=4.0
.stream scalar
  activation dst=sbuf:f32[0:128]+8192[[1,1024]] src=sbuf:f32[0:128]+12288[[1,1024]] func=identity
  activation dst=sbuf:f32[0:128]+8192[[1,1024]] src=sbuf:f32[0:128]+12288[[1,1024]] func=identity
  activation dst=sbuf:f32[0:128]+8192[[1,1024]] src=sbuf:f32[0:128]+12288[[1,1024]] func=identity
  activation dst=sbuf:f32[0:128]+8192[[1,1024]] src=sbuf:f32[0:128]+12288[[1,1024]] func=identity
