# core_barrier (NKI nki.isa.core_barrier, LNC=2): core 0 writes the top half
# of out, both cores meet at the barrier, then core 1 copies that half into
# the bottom half. The barrier orders core 1's read after core 0's write
# (the race checker agrees); without it the read races with the write. An
# extra barrier on core 1 alone deadlocks, and the deadlock report names
# both cores' streams.
# RUN: %python -c "import numpy as np; x = np.arange(32, dtype=np.float32).reshape(4, 8); np.save('%t.x.npy', x); np.save('%t.y.npy', np.concatenate([x, x]))"
# RUN: nksim run %s --input x=%t.x.npy --expect out=%t.y.npy --stats | FileCheck %s
# RUN: sed '/core_barrier/d' %s > %t.nobarrier.s
# RUN: not nksim run %t.nobarrier.s --input x=%t.x.npy 2>&1 | FileCheck %s --check-prefix=RACE
# RUN: sed 's/^  core_barrier !loc(1:5:3)$/  core_barrier\n  core_barrier !loc(1:9:9)/' %s > %t.extra.s
# RUN: not nksim run %t.extra.s --input x=%t.x.npy 2>&1 | FileCheck %s --check-prefix=DEADLOCK
# RUN: nkasm %s -o %t.nkp && nkasm %t.nkp --emit=text | FileCheck %s --check-prefix=ROUNDTRIP
# The simulator's own checks (--no-verify skips the verifier) refuse a
# stream of a core the program does not have, and a barrier with no partner.
# RUN: sed 's/^.cores 2$/.cores 1/' %s > %t.one.s
# RUN: not nksim run %t.one.s --input x=%t.x.npy --no-verify 2>&1 | FileCheck %s --check-prefix=NOCORE
# RUN: sed '/^.stream core1/,$d' %t.one.s > %t.alone.s
# RUN: not nksim run %t.alone.s --input x=%t.x.npy --no-verify 2>&1 | FileCheck %s --check-prefix=ALONE
# NOCORE: error: {{.*}}: stream 1 is on core 1 but the program runs on 1
# ALONE: error: {{.*}}: stream 0 instruction 1: core_barrier in a one-core program
# CHECK: core 0: ends at
# CHECK: core 1: ends at
# CHECK: core1.dma0 {{ *}}2
# CHECK: PASS
# RACE: error: {{.*}}race on hbm byte 128: core1.dma0[0] dma_copy (barrier.tile:5:5) reads it (operand 'src') while dma0[0] dma_copy (barrier.tile:3:5) writes it
# DEADLOCK: error: {{.*}}deadlock at {{.*}}: every unfinished stream is blocked: {{.*}}core_barrier (barrier.tile:9:9) waits at core_barrier #2 of core {{[01]}} for core {{[01]}} to reach its #2 (it reached 1)
# ROUNDTRIP: .cores 2
# ROUNDTRIP: .stream core1.dma0
# ROUNDTRIP-NEXT: core_barrier !loc(1:5:3)
.kernel barrier
.target trn2
.hbm_size 512
.cores 2
.file 1 "barrier.tile"
.tensor x f32[4,8] @0 input
.tensor out f32[8,8] @128 output
.stream dma0
  dma_copy dst=hbm:f32+128[[8,4],[1,8]] src=hbm:f32+0[[8,4],[1,8]] !loc(1:3:5)
  core_barrier !loc(1:4:5)
.stream core1.dma0
  core_barrier !loc(1:5:3)
  dma_copy dst=hbm:f32+256[[8,4],[1,8]] src=hbm:f32+128[[8,4],[1,8]] !loc(1:5:5)
