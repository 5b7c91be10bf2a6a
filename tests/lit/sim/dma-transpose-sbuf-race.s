# The race checker sees exactly the bytes each per-partition copy of an SBUF
# dma_transpose writes: column p of dst. dma1 transposes x's tile ([4 | 8] at
# +0) into [8 | 4] at +64, one dma_copy per source partition, while the
# Vector engine, with no semaphore, sets column 2 (+72): the checker names
# the copy of source partition 2 (dma1[3]) and byte 72.
# RUN: not nksim run %s --random-inputs 2>&1 | FileCheck %s
# CHECK: error: {{.*}}race on sbuf partition 0 byte 72: {{.*}}dma1[3] dma_copy{{.*}}vector[0] memset
# The memset one column further (+80, past dst) races with none of them:
# RUN: sed 's/memset dst=sbuf:f32\[0:8\]+72/memset dst=sbuf:f32[0:8]+80/' %s > %t.s
# RUN: nksim run %t.s --random-inputs --stats | FileCheck %s --check-prefix=APART
# APART: kernel tr_race on trn2
.kernel tr_race
.target trn2
.hbm_size 128
.tensor x f32[4,8] @0 input
.stream dma0
  dma_copy dst=sbuf:f32[0:4]+0[[1,8]] src=hbm:f32+0[[8,4],[1,8]]
  sem_signal sem=0 value=1
.stream dma1
  sem_wait sem=0 value=1
  dma_copy dst=sbuf:f32[0:8]+64[[1,1]] src=sbuf:f32[0:1]+0[[1,8]]
  dma_copy dst=sbuf:f32[0:8]+68[[1,1]] src=sbuf:f32[1:2]+0[[1,8]]
  dma_copy dst=sbuf:f32[0:8]+72[[1,1]] src=sbuf:f32[2:3]+0[[1,8]]
  dma_copy dst=sbuf:f32[0:8]+76[[1,1]] src=sbuf:f32[3:4]+0[[1,8]]
.stream vector
  memset dst=sbuf:f32[0:8]+72[[1,1]] value=1.0
