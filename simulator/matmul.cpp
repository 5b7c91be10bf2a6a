// The fp32 matmul kernel (matmul.h).
//
// Vectorised along m (contiguous in a stationary row): a block of MV
// vectors of m times NB columns n is held in registers while k runs, so
// each k step loads MV vectors of S and NB scalars of V for MV x NB vector
// multiply-adds. One source, instantiated per vector width; the wide paths
// are compiled for their ISA with a target attribute and picked at run time.
#include "simulator/matmul.h"

#include <cstring>

namespace nk {

namespace {

typedef float V4 __attribute__((vector_size(16)));
typedef float V8 __attribute__((vector_size(32)));
typedef float V16 __attribute__((vector_size(64)));

template <typename V, int MV, int NB>
__attribute__((always_inline)) inline void kernel(const float *S, uint64_t Ss, const float *Vm, unsigned K, uint64_t M,
                                                  uint64_t N, float *Ot) {
  constexpr int W = sizeof(V) / sizeof(float);
  const uint64_t Ms = matmul_row_stride(M), Ns = matmul_moving_stride(N);
  for (uint64_t n0 = 0; n0 < N; n0 += NB) {
    for (uint64_t m0 = 0; m0 < M; m0 += MV * W) {
      V acc[NB][MV];
      for (int j = 0; j < NB; ++j)
        for (int v = 0; v < MV; ++v) acc[j][v] = V{};
      for (unsigned k = 0; k < K; ++k) {
        const float *s = S + k * Ss + m0, *b = Vm + k * Ns + n0;
        V sv[MV];
        for (int v = 0; v < MV; ++v) std::memcpy(&sv[v], s + v * W, sizeof(V));
        for (int j = 0; j < NB; ++j) {
          for (int v = 0; v < MV; ++v) {
            const V product = sv[v] * b[j];
            acc[j][v] = acc[j][v] + product;
          }
        }
      }
      for (int j = 0; j < NB; ++j)
        for (int v = 0; v < MV; ++v) std::memcpy(Ot + (n0 + j) * Ms + m0 + v * W, &acc[j][v], sizeof(V));
    }
  }
}

void matmul_generic(const float *S, uint64_t Ss, const float *V, unsigned K, uint64_t M, uint64_t N, float *Ot) {
  kernel<V4, 2, 4>(S, Ss, V, K, M, N, Ot);
}

__attribute__((target("avx2"))) void matmul_avx2(const float *S, uint64_t Ss, const float *V, unsigned K, uint64_t M,
                                                 uint64_t N, float *Ot) {
  kernel<V8, 2, 4>(S, Ss, V, K, M, N, Ot);
}

__attribute__((target("avx512f"))) void matmul_avx512(const float *S, uint64_t Ss, const float *V, unsigned K,
                                                      uint64_t M, uint64_t N, float *Ot) {
  kernel<V16, 4, 4>(S, Ss, V, K, M, N, Ot);
}

using Fn = void (*)(const float *, uint64_t, const float *, unsigned, uint64_t, uint64_t, float *);

Fn pick(MatmulIsa isa) {
  switch (isa) {
  case MatmulIsa::avx512: return matmul_avx512;
  case MatmulIsa::avx2: return matmul_avx2;
  case MatmulIsa::generic: break;
  }
  return matmul_generic;
}

MatmulIsa best() {
  if (matmul_supported(MatmulIsa::avx512)) return MatmulIsa::avx512;
  if (matmul_supported(MatmulIsa::avx2)) return MatmulIsa::avx2;
  return MatmulIsa::generic;
}

} // namespace

bool matmul_supported(MatmulIsa isa) {
  __builtin_cpu_init();
  switch (isa) {
  case MatmulIsa::avx512: return __builtin_cpu_supports("avx512f");
  case MatmulIsa::avx2: return __builtin_cpu_supports("avx2");
  case MatmulIsa::generic: return true;
  }
  return false;
}

void matmul_f32_with(MatmulIsa isa, const float *S, const float *V, unsigned K, uint64_t M, uint64_t N, float *Ot) {
  pick(isa)(S, matmul_row_stride(M), V, K, M, N, Ot);
}

void matmul_f32(const float *S, const float *V, unsigned K, uint64_t M, uint64_t N, float *Ot) {
  matmul_f32_strided(S, matmul_row_stride(M), V, K, M, N, Ot);
}

void matmul_f32_strided(const float *S, uint64_t s_stride, const float *V, unsigned K, uint64_t M, uint64_t N,
                        float *Ot) {
  static const Fn fn = pick(best());
  fn(S, s_stride, V, K, M, N, Ot);
}

} // namespace nk
