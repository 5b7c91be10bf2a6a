.kernel oob
.target trn2
.hbm_size 0
.stream vector
  memset dst=sbuf:f32[0:1]+229372[[1,8]] value=1.0
