.kernel big
.target trn2
.hbm_size 68719476736
.tensor x f32[4] @0 input
.stream vector
  memset dst=sbuf:f32[0:128]+0[[1,4]] value=1.0
