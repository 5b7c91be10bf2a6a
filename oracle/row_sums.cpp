// The GQA reference's inner loops (row_sums.h). One source per loop,
// instantiated per vector width; the wide versions are compiled for their
// ISA with a target attribute (as simulator/matmul.cpp) and picked once.
#include "oracle/row_sums.h"

#include <algorithm>
#include <cstring>

namespace nk::oracle {

namespace {

typedef float F8 __attribute__((vector_size(32)));
typedef int I8 __attribute__((vector_size(32)));
#if defined(__clang__)
#define NK_SHUFFLE(a, b, ...) __builtin_shufflevector(a, b, __VA_ARGS__)
#else
#define NK_SHUFFLE(a, b, ...) __builtin_shuffle(a, b, I8{__VA_ARGS__})
#endif

// dst[j][r] = src[r * stride + j] for r, j < 8: an 8x8 block of floats
// transposed in registers (pairs, then quads, then halves).
__attribute__((always_inline)) inline void transpose8(const float *src, uint64_t stride, float *dst) {
  F8 a[8];
  for (unsigned r = 0; r < 8; ++r) std::memcpy(&a[r], src + r * stride, sizeof(F8));
  F8 t[8], u[8];
  for (unsigned i = 0; i < 8; i += 2) {
    t[i] = NK_SHUFFLE(a[i], a[i + 1], 0, 8, 1, 9, 4, 12, 5, 13);
    t[i + 1] = NK_SHUFFLE(a[i], a[i + 1], 2, 10, 3, 11, 6, 14, 7, 15);
  }
  for (unsigned i = 0; i < 8; i += 4)
    for (unsigned k = 0; k < 2; ++k) {
      u[i + 2 * k] = NK_SHUFFLE(t[i + k], t[i + k + 2], 0, 1, 8, 9, 4, 5, 12, 13);
      u[i + 2 * k + 1] = NK_SHUFFLE(t[i + k], t[i + k + 2], 2, 3, 10, 11, 6, 7, 14, 15);
    }
  // u[0]: columns 0 and 4 of rows 0-3, u[1]: 1 and 5, u[2]: 2 and 6, u[3]:
  // 3 and 7; u[4..7] the same of rows 4-7.
  for (unsigned j = 0; j < 4; ++j) {
    const F8 lo = NK_SHUFFLE(u[j], u[j + 4], 0, 1, 2, 3, 8, 9, 10, 11);
    const F8 hi = NK_SHUFFLE(u[j], u[j + 4], 4, 5, 6, 7, 12, 13, 14, 15);
    std::memcpy(dst + j * 8, &lo, sizeof(F8));
    std::memcpy(dst + (j + 4) * 8, &hi, sizeof(F8));
  }
}
#undef NK_SHUFFLE

template <unsigned W>
struct Vec {
  typedef double D __attribute__((vector_size(8 * W)));
  typedef float F __attribute__((vector_size(4 * W)));
};

// Lanes are columns; the nr rows are added to each element in order while
// it is in a register, so each head's sums go through memory once per
// nr rows rather than once per row.
template <unsigned W>
__attribute__((always_inline)) inline void add_scaled_rows_w(const float *rows, uint64_t stride, unsigned nr,
                                                             uint64_t n, const double *q, size_t g,
                                                             double *const *acc) {
  using D = typename Vec<W>::D;
  using F = typename Vec<W>::F;
  uint64_t c = 0;
  for (; c + W <= n; c += W) {
    D x[kDotRows];
    for (unsigned r = 0; r < nr; ++r) {
      F xf;
      std::memcpy(&xf, rows + r * stride + c, sizeof xf);
      x[r] = __builtin_convertvector(xf, D);
    }
    for (size_t h = 0; h < g; ++h) {
      D a;
      std::memcpy(&a, acc[h] + c, sizeof a);
      for (unsigned r = 0; r < nr; ++r) {
        const D product = x[r] * q[r * g + h];
        a = a + product;
      }
      std::memcpy(acc[h] + c, &a, sizeof a);
    }
  }
  for (; c < n; ++c)
    for (size_t h = 0; h < g; ++h)
      for (unsigned r = 0; r < nr; ++r) acc[h][c] += double(rows[r * stride + c]) * q[r * g + h];
}

// HN heads' sums over one transposed block: HN x kPer independent chains,
// so the adds overlap instead of each waiting on the one before.
template <unsigned W, unsigned HN>
__attribute__((always_inline)) inline void dot_block(const float (*t)[kDotRows], uint64_t cn, const double *const *ph,
                                                     double *sums) {
  using D = typename Vec<W>::D;
  using F = typename Vec<W>::F;
  constexpr unsigned kPer = kDotRows / W; // vectors per column
  D acc[HN][kPer];
  std::memcpy(acc, sums, sizeof acc);
  for (uint64_t c = 0; c < cn; ++c) {
    D x[kPer];
    for (unsigned v = 0; v < kPer; ++v) {
      F xf;
      std::memcpy(&xf, &t[c][v * W], sizeof xf);
      x[v] = __builtin_convertvector(xf, D);
    }
    for (unsigned h = 0; h < HN; ++h)
      for (unsigned v = 0; v < kPer; ++v) {
        const D product = x[v] * ph[h][c];
        acc[h][v] = acc[h][v] + product;
      }
  }
  std::memcpy(sums, acc, sizeof acc);
}

// Lanes are the kDotRows rows: a block of columns is transposed into
// column-major floats (row r of column c at t[c][r]), then each column adds
// one vector of products to each head's row sums, four heads at a time.
template <unsigned W>
__attribute__((always_inline)) inline void dot_rows_w(const float *rows, uint64_t stride, unsigned nr, uint64_t n,
                                                      const double *const *p, size_t g, double *sums) {
  static_assert(kDotRows % W == 0 && kDotRows == 8, "whole vectors per column, 8x8 transposes");
  constexpr uint64_t kBlock = 256; // columns per transposed block: 8 KiB
  constexpr size_t kHeads = 4;
  alignas(64) float t[kBlock][kDotRows];
  std::memset(t, 0, sizeof t); // rows past nr stay 0
  for (size_t i = 0; i < g * kDotRows; ++i) sums[i] = 0.0;
  const double *ph[kHeads];
  for (uint64_t c0 = 0; c0 < n; c0 += kBlock) {
    const uint64_t cn = std::min(kBlock, n - c0);
    uint64_t c = 0;
    if (nr == kDotRows)
      for (; c + 8 <= cn; c += 8) transpose8(rows + c0 + c, stride, &t[c][0]);
    for (; c < cn; ++c)
      for (unsigned r = 0; r < nr; ++r) t[c][r] = rows[r * stride + c0 + c];
    for (size_t h0 = 0; h0 < g; h0 += kHeads) {
      const size_t hn = std::min(kHeads, g - h0);
      for (size_t h = 0; h < hn; ++h) ph[h] = p[h0 + h] + c0;
      double *out = sums + h0 * kDotRows;
      switch (hn) {
      case 4: dot_block<W, 4>(t, cn, ph, out); break;
      case 3: dot_block<W, 3>(t, cn, ph, out); break;
      case 2: dot_block<W, 2>(t, cn, ph, out); break;
      default: dot_block<W, 1>(t, cn, ph, out); break;
      }
    }
  }
}

void add_scaled_rows_generic(const float *rows, uint64_t stride, unsigned nr, uint64_t n, const double *q, size_t g,
                             double *const *acc) {
  add_scaled_rows_w<2>(rows, stride, nr, n, q, g, acc);
}
__attribute__((target("avx2"))) void add_scaled_rows_avx2(const float *rows, uint64_t stride, unsigned nr, uint64_t n,
                                                          const double *q, size_t g, double *const *acc) {
  add_scaled_rows_w<4>(rows, stride, nr, n, q, g, acc);
}
__attribute__((target("avx512f"))) void add_scaled_rows_avx512(const float *rows, uint64_t stride, unsigned nr,
                                                               uint64_t n, const double *q, size_t g,
                                                               double *const *acc) {
  add_scaled_rows_w<8>(rows, stride, nr, n, q, g, acc);
}

void dot_rows_generic(const float *rows, uint64_t stride, unsigned nr, uint64_t n, const double *const *p, size_t g,
                      double *sums) {
  dot_rows_w<2>(rows, stride, nr, n, p, g, sums);
}
__attribute__((target("avx2"))) void dot_rows_avx2(const float *rows, uint64_t stride, unsigned nr, uint64_t n,
                                                   const double *const *p, size_t g, double *sums) {
  dot_rows_w<4>(rows, stride, nr, n, p, g, sums);
}
__attribute__((target("avx512f"))) void dot_rows_avx512(const float *rows, uint64_t stride, unsigned nr, uint64_t n,
                                                        const double *const *p, size_t g, double *sums) {
  dot_rows_w<8>(rows, stride, nr, n, p, g, sums);
}

int widest() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return 8;
  if (__builtin_cpu_supports("avx2")) return 4;
  return 2;
}

} // namespace

void add_scaled_rows(const float *rows, uint64_t stride, unsigned nr, uint64_t n, const double *q, size_t g,
                     double *const *acc) {
  static const auto fn = widest() == 8   ? add_scaled_rows_avx512
                         : widest() == 4 ? add_scaled_rows_avx2
                                         : add_scaled_rows_generic;
  fn(rows, stride, nr, n, q, g, acc);
}

void dot_rows(const float *rows, uint64_t stride, unsigned nr, uint64_t n, const double *const *p, size_t g,
              double *sums) {
  static const auto fn = widest() == 8 ? dot_rows_avx512 : widest() == 4 ? dot_rows_avx2 : dot_rows_generic;
  fn(rows, stride, nr, n, p, g, sums);
}

} // namespace nk::oracle
