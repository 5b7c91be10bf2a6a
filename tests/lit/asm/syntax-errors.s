# Every bad line is reported, clang-style, in one run.
# RUN: not nkasm %s 2>&1 | FileCheck %s --strict-whitespace
.kernel errs
.target trn2
.hbm_size 4096
.tensor x f64[4] @0 input
# CHECK: {{^[^ ]*}}syntax-errors.s:[[@LINE-1]]:11: error: unknown dtype 'f64'
# CHECK-NEXT: .tensor x f64[4] @0 input
# CHECK-NEXT:           ^~~
  activation dst=sbuf:f32[0:4]+0[[1,8]] src=sbuf:f32[0:4]+0[[1,8]] func=exp
# CHECK: syntax-errors.s:[[@LINE-1]]:3: error: instruction before any '.stream' directive
.stream vector
  tensor_add dst=sbuf:f32[0:4]+0[[1,8]]
# CHECK: syntax-errors.s:[[@LINE-1]]:3: error: unknown instruction 'tensor_add'
  tensor_tensor dst=sbuf:f32[0:4]+0[[1,8]] src0=sbuf:f32[0:4]+0[[1,8]] op=add
# CHECK: syntax-errors.s:[[@LINE-1]]:3: error: 'tensor_tensor' needs the operand 'src1'
  tensor_copy dst=sbuf:f32[0:4]+0[[1,8]] src=sbuf:f32[0:4]+0[[1,8]] scale=2.0
# CHECK: syntax-errors.s:[[@LINE-1]]:69: error: 'tensor_copy' has no field 'scale' (fields: dst, src)
  tensor_copy dst=sram:f32[0:4]+0[[1,8]] src=sbuf:f32[0:4]+0[[1,8]]
# CHECK: syntax-errors.s:[[@LINE-1]]:19: error: unknown memory 'sram' (expected hbm, sbuf or psum)
  tensor_copy dst=sbuf:f32[4:4]+0[[1,8]] src=sbuf:f32[0:4]+0[[1,8]]
# CHECK: syntax-errors.s:[[@LINE-1]]:28: error: empty partition range
  tensor_copy dst=sbuf:f32[0:4]+0[[1,0]] src=sbuf:f32[0:4]+0[[1,8]]
# CHECK: syntax-errors.s:[[@LINE-1]]:38: error: expected a count in [1, 4294967295], got 0
  memset dst=sbuf:f32[0:4]+0[[1,8]] value=1e99
# CHECK: syntax-errors.s:[[@LINE-1]]:43: error: number '1e99' overflows fp32
  memset dst=sbuf:f32[0:4]+0[[1,8]] value=2 value=3
# CHECK: syntax-errors.s:[[@LINE-1]]:45: error: field 'value' given twice
  memset dst=sbuf:f32[0:4]+0[[1,8]] !loc(3:1:1)
# CHECK: syntax-errors.s:[[@LINE-1]]:42: error: file 3 is not declared by a .file directive
  tensor_tensor dst=sbuf:f32[0:4]+0[[1,8]] src0=sbuf:f32[0:4]+0[[1,8]] src1=sbuf:f32[0:4]+0[[1,8]] op=plus
# CHECK: syntax-errors.s:[[@LINE-1]]:103: error: unknown ALU op 'plus'
.stream dma99x
# CHECK: syntax-errors.s:[[@LINE-1]]:9: error: unknown stream 'dma99x'
.frobnicate
# CHECK: syntax-errors.s:[[@LINE-1]]:1: error: unknown directive '.frobnicate'
