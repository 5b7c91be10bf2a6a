// The Tensor engine's arithmetic, out = stationary^T x moving in fp32, as a
// register-blocked kernel using the widest vector unit the host has.
//
// Guarantees the order docs/simulator.md fixes for nc_matmul: each output
// starts from +0.0 and adds the products stationary[k, m] * moving[k, n],
// each rounded to fp32, in increasing k, one rounding per add (the
// simulator is compiled with -ffp-contract=off, so no fused multiply-add).
// Outputs are independent, so the vector width changes nothing but speed:
// every path gives the same bits (tests/unit/test_sim_matmul.cpp).
//
// Layout: S is K rows of matmul_row_stride(M) floats (row k = stationary
// partition k), V is K rows of matmul_moving_stride(N) floats, the padding
// zero. The result is written transposed: Ot[n * stride(M) + m].
#pragma once

#include <cstdint>

namespace nk {

enum class MatmulIsa { generic, avx2, avx512 };

// Row strides the operands need (M and N rounded up to the kernel's blocks).
inline uint64_t matmul_row_stride(uint64_t m) { return (m + 63) / 64 * 64; }
inline uint64_t matmul_moving_stride(uint64_t n) { return (n + 3) / 4 * 4; }

// Ot = S^T V with the best path this host supports.
void matmul_f32(const float *S, const float *V, unsigned K, uint64_t M, uint64_t N, float *Ot);
// The same with stationary row k at S + k * s_stride (s_stride >= M) and
// no padding: for a stationary read in place, which needs M to be a
// multiple of 64 (the widest kernel's block, so no row is read past M).
void matmul_f32_strided(const float *S, uint64_t s_stride, const float *V, unsigned K, uint64_t M, uint64_t N,
                        float *Ot);
// The same with a given path (for tests); false when the host lacks it.
bool matmul_supported(MatmulIsa isa);
void matmul_f32_with(MatmulIsa isa, const float *S, const float *V, unsigned K, uint64_t M, uint64_t N, float *Ot);

} // namespace nk
