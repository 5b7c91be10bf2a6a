// The two inner loops of the streamed GQA reference (decode_attention.cpp),
// vectorised without changing a rounding: every element is still one
// double multiply then one double add (the oracle is built with
// -ffp-contract=off, so no fused multiply-add), and every sum still adds
// its terms in the same order. Vectors run across independent sums only;
// the widest the processor has (AVX-512, AVX2, else SSE2) is picked at run
// time, and all give the same bits.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nk::oracle {

// Rows taken at once by add_scaled_rows and dot_rows.
constexpr unsigned kDotRows = 8;

// For r = 0, 1, ..., nr-1 in that order (nr <= kDotRows), c < n and h < g:
// acc[h][c] += double(rows[r * stride + c]) * q[r * g + h].
void add_scaled_rows(const float *rows, uint64_t stride, unsigned nr, uint64_t n, const double *q, size_t g,
                     double *const *acc);

// For h < g and r < nr (nr <= kDotRows): sums[h * kDotRows + r] = the sum
// over c = 0, 1, ..., n-1, in that order, of p[h][c] * double(rows[r *
// stride + c]), starting from 0. Entries r >= nr are left unspecified.
void dot_rows(const float *rows, uint64_t stride, unsigned nr, uint64_t n, const double *const *p, size_t g,
              double *sums);

} // namespace nk::oracle
