# Each engine waits for a signal the other sends only after its own wait:
# nksim stops with one error line naming both waits and the semaphore values.
# RUN: not nksim run %s --random-inputs 2>&1 | FileCheck %s
# CHECK: error: {{.*}}deadlock.s: deadlock at 3.3 ns: every unfinished stream is blocked: vector[0] sem_wait (dl.tile:4:3) waits for semaphore 2 >= 1 (it is 0); scalar[1] sem_wait (dl.tile:8:3) waits for semaphore 1 >= 2 (it is 1)
.kernel deadlock
.target trn2
.hbm_size 0
.file 1 "dl.tile"
.stream vector
  sem_wait sem=2 value=1 !loc(1:4:3)
  sem_signal sem=1 value=1
.stream scalar
  sem_signal sem=1 value=1
  sem_wait sem=1 value=2 !loc(1:8:3)
  sem_signal sem=2 value=1
