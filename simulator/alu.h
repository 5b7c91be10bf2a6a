// The engines' arithmetic, on contiguous fp32 (or, for bitwise ops, int64)
// buffers: ALU ops, activation functions, reductions. This is where the
// simulator's numerics live (docs/simulator.md, "Instruction semantics").
//
// Assumes: buffers hold n valid elements; `out` may alias an input.
// Guarantees: IEEE fp32 arithmetic in program order with no fused
// multiply-add (the build is ISO C++, so -ffp-contract=off); max/min
// propagate NaN like np.maximum/np.minimum; sums use NumPy's float32
// pairwise summation, so a row sum equals np.sum(x, axis=-1) bit for bit.
// Each op is one switch outside a simple loop the compiler can vectorise.
#pragma once

#include "runtime/isa.h"

#include <cstddef>
#include <cstdint>

namespace nk {

// One ALU op on two fp32 values (the scalar definition every loop follows).
float alu_apply(AluOp op, float a, float b);
// out[i] = a[i] op b[i].
void alu_tensor_tensor(AluOp op, const float *a, const float *b, float *out, size_t n);
// out[i] = a[i] op s, or s op a[i] when `reverse`. bypass copies a.
void alu_tensor_scalar(AluOp op, const float *a, float s, bool reverse, float *out, size_t n);
// Bitwise ops on integer values (raw bits of integer dtypes).
int64_t alu_apply_int(AluOp op, int64_t a, int64_t b);

// x[i] = func(x[i]) in fp32 using the C library's float functions.
float act_apply(ActFunc f, float x);
void act_inplace(ActFunc f, float *x, size_t n);

// NumPy's float32 pairwise sum (numpy/_core/src/umath/loops_utils.h).
float pairwise_sum(const float *x, size_t n);
// Reduction of n >= 1 values with `op` (add: pairwise_sum; others, subtract
// included, a left fold from x[0]: x0 - x1 - x2 ...; a logical op folds from
// x[0]'s truth value, so its result is always 1 or 0).
float reduce_values(AluOp op, const float *x, size_t n);
int64_t reduce_values_int(AluOp op, const int64_t *x, size_t n);

} // namespace nk
