# Section 6 anchor [B]: a Scalar exp over [4, 4096] bf16 takes about 5.1 us on trn2,
# about 1.3 us of it a leading segment (likely the activation-table load)
# (NKI DMA overview, figure 3). Compared: the activation's time (total).
.kernel scalar_exp_4x4096_bf16
.target trn2
.hbm_size 0
.stream scalar
  activation dst=sbuf:bf16[0:4]+8192[[1,4096]] src=sbuf:bf16[0:4]+0[[1,4096]] func=exp
