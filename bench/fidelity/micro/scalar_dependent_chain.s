# Section 6 anchor [A]: dependent back-to-back Scalar instructions of one element
# per partition issue one every 189 ns = 264 cycles on NeuronCore-v2
# (nki_perf_guide). 100 such instructions, each reading the previous one's
# result; compared: total time / instructions.
.kernel scalar_dependent_chain
.target trn1
.hbm_size 0
.stream vector
  memset dst=sbuf:f32[0:1]+0[[1,2]] value=1.0
  sem_signal sem=0 value=1
.stream scalar
  sem_wait sem=0 value=1
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+4[[1,1]] src=sbuf:f32[0:1]+0[[1,1]] func=identity
  activation dst=sbuf:f32[0:1]+0[[1,1]] src=sbuf:f32[0:1]+4[[1,1]] func=identity
