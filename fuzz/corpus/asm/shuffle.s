# nc_stream_shuffle: a Bytes32 attribute (shuffle_mask) in four slots.
.kernel sh
.target trn2
.hbm_size 1024
.tensor x f32[4,8] @0 input
.stream vector
  nc_stream_shuffle dst=sbuf:f32[0:128]+0[[1,8]] src=sbuf:f32[0:128]+64[[1,8]] shuffle_mask=[31,30,29,28,27,26,25,24,23,22,21,20,19,18,17,16,15,14,13,12,11,10,9,8,7,6,5,4,3,2,1,0]
  nc_stream_shuffle dst=psum:bf16[64:128]+0[[1,8]] src=sbuf:bf16[0:64]+64[[2,4],[1,2]] shuffle_mask=[255,7,14,255,28,3,255,17,24,255,6,13,255,27,2,255,16,23,255,5,12,255,26,1,255,15,22,255,4,11,255,25]
  nc_stream_shuffle dst=sbuf:f8e4m3[96:128]+0[[1,4]] src=psum:f8e4m3[32:48]+0[[1,4]] shuffle_mask=[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]
  nc_stream_shuffle dst=sbuf:i32[0:32]+0[[1,4]] src=sbuf:i32[0:32]+0[[1,4]] shuffle_mask=[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]
