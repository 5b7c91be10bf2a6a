# The vector engine reads the tile dma0 loads without waiting for it: a race.
# The fixed version (Inputs/race-fixed.s) adds the semaphore and runs clean.
# RUN: not nksim run %s --random-inputs 2>&1 | FileCheck %s
# RUN: nksim run %S/Inputs/race-fixed.s --random-inputs --stats | FileCheck %s --check-prefix=FIXED
# RUN: nksim run %s --random-inputs --no-race-check --stats | FileCheck %s --check-prefix=UNCHECKED
# CHECK: error: {{.*}}race.s: race on sbuf partition 0 byte 0: dma0[0] dma_copy (race.tile:3:5) writes it (operand 'dst') while vector[0] tensor_scalar (race.tile:4:9) reads it, with no semaphore ordering between them
# FIXED: kernel race_fixed on trn2
# FIXED: vector          3
# UNCHECKED: total time:
.kernel race
.target trn2
.hbm_size 128
.file 1 "race.tile"
.tensor x f32[4,8] @0 input
.stream dma0
  dma_copy dst=sbuf:f32[0:4]+0[[1,8]] src=hbm:f32+0[[8,4],[1,8]] !loc(1:3:5)
.stream vector
  tensor_scalar dst=sbuf:f32[0:4]+64[[1,8]] src=sbuf:f32[0:4]+0[[1,8]] op0=multiply imm0=2.0 !loc(1:4:9)
