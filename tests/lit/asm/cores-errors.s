# The verifier's two-core rules: trn1 has no logical core of two physical
# cores; a stream of core 1 needs `.cores 2`; core_barrier needs two cores.
# RUN: not nkasm %s 2>&1 | FileCheck %s
# RUN: sed 's/^.target trn1$/.target trn2/' %s > %t.trn2.s
# RUN: not nkasm %t.trn2.s 2>&1 | FileCheck %s --check-prefix=TRN2
# RUN: sed 's/^.target trn1$/.target trn2/; s/^.cores 1$/.cores 2/' %s > %t.ok.s
# RUN: nkasm %t.ok.s --emit=text | FileCheck %s --check-prefix=OK
# RUN: not nkasm %s -o %t.bad.nkp && not test -e %t.bad.nkp
# RUN: sed 's/^.cores 1$/.cores 2/' %s > %t.trn1.s
# RUN: not nkasm %t.trn1.s 2>&1 | FileCheck %s --check-prefix=TRN1
# TRN1: program: runs on 2 physical cores (.cores); trn1 allows 1 (its LNC degree)
# CHECK: error: {{.*}}cores-errors.s: invalid program:
# CHECK-NEXT: stream dma0, #0 (core_barrier): core_barrier synchronises the two physical cores of a logical core; this program runs on one (.cores)
# CHECK-NEXT: stream core1.dma0: core 1 does not exist: the program runs on 1 physical core (.cores)
# CHECK-NEXT: stream core1.dma0, #0 (core_barrier): core_barrier synchronises
# TRN2: stream core1.dma0: core 1 does not exist
# OK: .cores 2
# OK: .stream core1.dma0
.kernel cores_errors
.target trn1
.hbm_size 0
.cores 1
.stream dma0
  core_barrier
.stream core1.dma0
  core_barrier
