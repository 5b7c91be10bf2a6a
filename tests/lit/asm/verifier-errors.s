# The verifier rejects what the hardware would, naming stream, index and op.
# RUN: not nkasm %s 2>&1 | FileCheck %s
.kernel bad
.target trn2
.hbm_size 1024
.tensor x f32[4,8] @0 input
.tensor y f32[4,8] @64 output
# CHECK: error: {{.*}}verifier-errors.s: invalid program:
# CHECK-NEXT: tensor 'y': overlaps tensor 'x' in HBM
.stream tensor
  nc_matmul dst=sbuf:f32[0:8]+0[[1,16]] stationary=sbuf:f32[0:64]+0[[1,8]] moving=sbuf:f32[0:32]+0[[1,16]]
  nc_matmul dst=psum:f32[0:8]+0[[1,16]] stationary=sbuf:f32[0:64]+0[[1,8]] moving=sbuf:f32[0:32]+0[[1,16]]
  nc_matmul dst=psum:f32[0:8]+0[[1,600]] stationary=sbuf:f32[0:64]+0[[1,8]] moving=sbuf:f32[0:64]+0[[1,600]]
  nc_matmul dst=psum:f32[0:8]+1024[[1,512]] stationary=sbuf:f32[0:64]+0[[1,8]] moving=sbuf:f32[0:64]+0[[1,512]]
  tensor_tensor dst=sbuf:f32[0:4]+0[[1,8]] src0=sbuf:f32[0:4]+0[[1,8]] src1=sbuf:f32[0:4]+0[[1,8]] op=add
.stream vector
  tensor_copy dst=sbuf:f32[16:20]+0[[1,8]] src=sbuf:f32[0:4]+0[[1,8]]
  tensor_copy dst=sbuf:f32[0:4]+229370[[1,8]] src=sbuf:f32[0:4]+0[[1,8]]
  tensor_copy dst=sbuf:f32[0:4]+0[[1,8]] src=hbm:f32+0[[8,4],[1,8]]
  tensor_tensor dst=sbuf:f32[0:4]+0[[1,8]] src0=sbuf:f32[0:4]+0[[1,8]] src1=sbuf:f32[0:8]+0[[1,8]] op=add
  tensor_tensor dst=sbuf:f32[0:4]+0[[1,8]] src0=sbuf:f32[0:4]+0[[1,8]] src1=sbuf:f32[0:4]+0[[1,8]] op=bitwise_and
  tensor_reduce dst=sbuf:f32[0:4]+0[[1,2]] src=sbuf:f32[0:4]+0[[2,4],[1,2]] op=max axes=1
  tensor_reduce dst=sbuf:f32[0:4]+0[[1,2]] src=sbuf:f32[0:4]+0[[1,8]] op=max
  sem_wait sem=300 value=1
.stream gpsimd
  tensor_copy dst=sbuf:f32[0:4]+0[[1,8]] src=psum:f32[0:4]+0[[1,8]]
.stream dma0
  dma_copy dst=sbuf:f32[0:4]+0[[1,8]] src=hbm:f32+0[[8,4],[1,9]]
  dma_copy dst=sbuf:f32[0:4]+0[[1,8]] src=hbm:f32+1000[[8,4],[1,8]]
.stream dma20
  sem_signal sem=1 value=1
# An instruction's operand rules (runtime/operand_rules.cpp) report its first problem only.
# CHECK-NEXT: stream tensor, #0 (nc_matmul): dst must be in PSUM (the Tensor engine writes its results to PSUM), not sbuf
# CHECK-NEXT: stream tensor, #1 (nc_matmul): contraction mismatch: stationary has 64 partitions but moving has 32
# CHECK-NEXT: stream tensor, #2 (nc_matmul): moving free size 600 exceeds the Tensor engine's 512
# CHECK-NEXT: stream tensor, #3 (nc_matmul): dst bytes [1024, 3072) cross a PSUM bank boundary (banks are 2048 bytes)
# CHECK-NEXT: stream tensor, #4 (tensor_tensor): the tensor engine cannot run tensor_tensor (it runs on: vector, gpsimd)
# CHECK-NEXT: stream vector, #0 (tensor_copy): dst starts at partition 16: a compute-engine access of 4 partitions must start at 0, 32, 64 or 96
# CHECK-NEXT: stream vector, #1 (tensor_copy): dst bytes [229370, 229402) per partition lie outside sbuf (229376 bytes per partition)
# CHECK-NEXT: stream vector, #2 (tensor_copy): src is in HBM; only DMA queues access HBM
# CHECK-NEXT: stream vector, #3 (tensor_tensor): src1 has 8 partitions but dst has 4
# CHECK-NEXT: stream vector, #4 (tensor_tensor): op: bitwise_and needs integer dtypes, but dst is f32
# CHECK-NEXT: stream vector, #5 (tensor_reduce): dst must be [4 | 4] after the reduction, it is [4 | 2]
# CHECK-NEXT: stream vector, #6 (tensor_reduce): dst must be [4 | 1] after the reduction, it is [4 | 2]
# CHECK-NEXT: stream vector, #7 (sem_wait): semaphore 300 does not exist (trn2 has 256)
# CHECK-NEXT: stream gpsimd, #0 (tensor_copy): src is in PSUM, which GpSimd cannot access
# CHECK-NEXT: stream dma0, #0 (dma_copy): dst has 32 elements but src has 36
# CHECK-NEXT: stream dma0, #1 (dma_copy): src bytes [1000, 1128) lie outside HBM (1024 bytes)
# CHECK-NEXT: stream dma20: DMA queue 20 does not exist on trn2 (it has 16 queues)
