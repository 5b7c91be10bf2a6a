# nc_matmul PE tiling (NKI 2.26 nki.isa.nc_matmul, tile_position /
# tile_size, here tile_row/tile_col/tile_rows/tile_cols): both set or
# neither; multiples of 32; inside the 128 x 128 array; at least the
# stationary tile (rows >= K, columns >= M); no 32-wide tiles on
# NeuronCore-v2 (trn1). The first stream is legal at each rule's edge (on
# trn2; its 64- and 128-wide tiles also on trn1); each instruction after BAD
# BEGIN breaks one rule.
# RUN: sed '/^# BAD BEGIN/,$d' %s > %t.good.s
# RUN: nkasm %t.good.s --emit=text | FileCheck %s --check-prefix=GOOD
# RUN: sed '/^# TRN2 ONLY/,$d' %s | sed 's/^.target trn2/.target trn1/' > %t.trn1.s
# RUN: nkasm %t.trn1.s --emit=text | FileCheck %s --check-prefix=TRN1
# RUN: sed '/^# BAD BEGIN/,$d' %s | sed 's/^.target trn2/.target trn1/' > %t.trn1bad.s
# RUN: not nkasm %t.trn1bad.s 2>&1 | FileCheck %s --check-prefix=TRN1BAD
# RUN: not nkasm %s 2>&1 | FileCheck %s
.kernel pe
.target trn2
.hbm_size 1024
.tensor x f32[4,8] @0 input
.stream tensor
  nc_matmul dst=psum:f32[0:64]+0[[1,128]] stationary=sbuf:bf16[0:64]+0[[1,64]] moving=sbuf:bf16[0:64]+512[[1,128]] tile_row=64 tile_col=64 tile_rows=64 tile_cols=64
  nc_matmul dst=psum:f32[0:100]+0[[1,128]] stationary=sbuf:bf16[0:128]+0[[1,100]] moving=sbuf:bf16[0:128]+512[[1,128]] tile_rows=128 tile_cols=128
  nc_matmul dst=psum:f32[0:64]+0[[1,128]] stationary=sbuf:bf16[0:64]+0[[1,64]] moving=sbuf:bf16[0:64]+512[[1,128]]
# TRN2 ONLY
  nc_matmul dst=psum:f32[0:32]+0[[1,128]] stationary=sbuf:bf16[0:32]+0[[1,32]] moving=sbuf:bf16[0:32]+512[[1,128]] tile_row=96 tile_col=96 tile_rows=32 tile_cols=32
# GOOD: nc_matmul {{.*}} tile_row=64 tile_col=64 tile_rows=64 tile_cols=64
# GOOD-NEXT: nc_matmul {{.*}} tile_rows=128 tile_cols=128
# GOOD-NEXT: nc_matmul {{.*}}moving=sbuf:bf16[0:64]+512{{\[\[}}1,128]]{{$}}
# GOOD-NEXT: nc_matmul {{.*}} tile_row=96 tile_col=96 tile_rows=32 tile_cols=32
# TRN1: .target trn1
# TRN1-COUNT-3: nc_matmul dst=
# TRN1BAD: stream tensor, #3 (nc_matmul): trn1 has NeuronCore-v2, whose PE tiles are 64 or 128 rows and columns, not 32
# BAD BEGIN
  nc_matmul dst=psum:f32[0:64]+0[[1,128]] stationary=sbuf:bf16[0:64]+0[[1,64]] moving=sbuf:bf16[0:64]+512[[1,128]] tile_row=64
  nc_matmul dst=psum:f32[0:64]+0[[1,128]] stationary=sbuf:bf16[0:64]+0[[1,64]] moving=sbuf:bf16[0:64]+512[[1,128]] tile_rows=64
  nc_matmul dst=psum:f32[0:64]+0[[1,128]] stationary=sbuf:bf16[0:64]+0[[1,64]] moving=sbuf:bf16[0:64]+512[[1,128]] tile_rows=64 tile_cols=80
  nc_matmul dst=psum:f32[0:64]+0[[1,128]] stationary=sbuf:bf16[0:64]+0[[1,64]] moving=sbuf:bf16[0:64]+512[[1,128]] tile_row=16 tile_rows=64 tile_cols=64
  nc_matmul dst=psum:f32[0:64]+0[[1,128]] stationary=sbuf:bf16[0:64]+0[[1,64]] moving=sbuf:bf16[0:64]+512[[1,128]] tile_row=96 tile_rows=64 tile_cols=64
  nc_matmul dst=psum:f32[0:64]+0[[1,128]] stationary=sbuf:bf16[0:64]+0[[1,64]] moving=sbuf:bf16[0:64]+512[[1,128]] tile_rows=32 tile_cols=64
  nc_matmul dst=psum:f32[0:64]+0[[1,128]] stationary=sbuf:bf16[0:64]+0[[1,64]] moving=sbuf:bf16[0:64]+512[[1,128]] tile_rows=64 tile_cols=32
# CHECK: error: {{.*}}pe-tiling.s: invalid program:
# CHECK-NEXT: stream tensor, #4 (nc_matmul): a tile position needs a tile size (NKI: tile_position and tile_size must both be set)
# CHECK-NEXT: stream tensor, #5 (nc_matmul): tile_cols must be a multiple of 32 from 32 to 128, not 0
# CHECK-NEXT: stream tensor, #6 (nc_matmul): tile_cols must be a multiple of 32 from 32 to 128, not 80
# CHECK-NEXT: stream tensor, #7 (nc_matmul): tile_row must be a multiple of 32 from 0 to 96, not 16
# CHECK-NEXT: stream tensor, #8 (nc_matmul): the PE tile at (96, 0) of 64 x 64 runs past the 128 x 128 PE array
# CHECK-NEXT: stream tensor, #9 (nc_matmul): the PE tile 32 x 64 is smaller than the stationary tile it holds, 64 x 64 (K x M; NKI: tile_size must be at least the stationary tile size)
# CHECK-NEXT: stream tensor, #10 (nc_matmul): the PE tile 64 x 32 is smaller than the stationary tile it holds, 64 x 64 (K x M; NKI: tile_size must be at least the stationary tile size)
