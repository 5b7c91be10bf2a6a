// The blocked matmul kernel (simulator/matmul.h) gives, on every vector
// path the host supports, the bits of the specified order: for each output,
// +0.0 plus each fp32 product in increasing k, one rounding per operation.
#include "simulator/matmul.h"

#include "runtime/hbm_binding.h" // SplitMix64

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

using namespace nk;

namespace {

uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

// docs/simulator.md's definition, one output at a time.
float reference(const std::vector<float> &S, const std::vector<float> &V, unsigned K, uint64_t M, uint64_t N,
                uint64_t m, uint64_t n) {
  volatile float acc = 0.0f; // volatile: each step rounded, never fused
  for (unsigned k = 0; k < K; ++k) {
    volatile float p = S[k * M + m] * V[k * N + n];
    acc = acc + p;
  }
  return acc;
}

float value(SplitMix64 &rng) {
  const float specials[] = {
      0.0f,    -0.0f, 1e-40f, -1e-40f, std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
      3.0e38f, 1.0f};
  const uint64_t r = rng.next() % 64;
  if (r < 8) return specials[r];
  if (r == 8) return std::numeric_limits<float>::quiet_NaN();
  return rng.uniform_pm1() * float(1 << (rng.next() % 8));
}

} // namespace

TEST_CASE("matmul kernel: every vector path gives the specified bits") {
  SplitMix64 rng(7);
  const unsigned Ks[] = {1, 3, 128};
  const uint64_t Ms[] = {1, 5, 64, 65, 128};
  const uint64_t Ns[] = {1, 4, 7, 32};
  for (unsigned K : Ks)
    for (uint64_t M : Ms)
      for (uint64_t N : Ns) {
        std::vector<float> S(K * M), V(K * N);
        for (float &x : S) x = value(rng);
        for (float &x : V) x = value(rng);
        const uint64_t ms = matmul_row_stride(M), ns = matmul_moving_stride(N);
        std::vector<float> Sp(K * ms, 0.0f), Vp(K * ns, 0.0f);
        for (unsigned k = 0; k < K; ++k) {
          std::memcpy(&Sp[k * ms], &S[k * M], M * 4);
          std::memcpy(&Vp[k * ns], &V[k * N], N * 4);
        }
        for (MatmulIsa isa : {MatmulIsa::generic, MatmulIsa::avx2, MatmulIsa::avx512}) {
          if (!matmul_supported(isa)) continue;
          std::vector<float> Ot(ns * ms, -1.0f);
          matmul_f32_with(isa, Sp.data(), Vp.data(), K, M, N, Ot.data());
          for (uint64_t m = 0; m < M; ++m)
            for (uint64_t n = 0; n < N; ++n) {
              const float want = reference(S, V, K, M, N, m, n), got = Ot[n * ms + m];
              INFO("isa ", int(isa), " K ", K, " M ", M, " N ", N, " m ", m, " n ", n);
              if (std::isnan(want))
                REQUIRE(std::isnan(got));
              else
                REQUIRE(bits(got) == bits(want));
            }
        }
      }
}

TEST_CASE("matmul kernel: fp32 rounding per step, not a wider or fused sum") {
  // 1 + 2^-24 rounds to 1 at each step; a fused or wider sum would keep it.
  const unsigned K = 3;
  const uint64_t ms = matmul_row_stride(1), ns = matmul_moving_stride(1);
  std::vector<float> S(K * ms, 0.0f), V(K * ns, 0.0f);
  const float s[] = {1.0f, 0x1p-24f, 0x1p-24f}, v[] = {1.0f, 1.0f, 1.0f};
  for (unsigned k = 0; k < K; ++k) {
    S[k * ms] = s[k];
    V[k * ns] = v[k];
  }
  for (MatmulIsa isa : {MatmulIsa::generic, MatmulIsa::avx2, MatmulIsa::avx512}) {
    if (!matmul_supported(isa)) continue;
    std::vector<float> Ot(ns * ms);
    matmul_f32_with(isa, S.data(), V.data(), K, 1, 1, Ot.data());
    CHECK(Ot[0] == 1.0f);
  }
}

TEST_CASE("matmul kernel: a stationary read in place (row stride > M) gives the padded copy's bits") {
  // nc_matmul reads a dense fp32 stationary straight from SBUF, rows a
  // partition apart, when M is a multiple of 64: same bits as the copy.
  SplitMix64 rng(11);
  for (uint64_t M : {64, 128}) {
    const unsigned K = 128;
    const uint64_t N = 4, stride = M + 37, ms = matmul_row_stride(M), ns = matmul_moving_stride(N);
    std::vector<float> Sr(K * stride, std::numeric_limits<float>::quiet_NaN()), Sp(K * ms, 0.0f), V(K * ns, 0.0f);
    for (unsigned k = 0; k < K; ++k) {
      for (uint64_t m = 0; m < M; ++m) Sp[k * ms + m] = Sr[k * stride + m] = value(rng);
      for (uint64_t n = 0; n < N; ++n) V[k * ns + n] = value(rng);
    }
    std::vector<float> want(ns * ms), got(ns * ms);
    matmul_f32(Sp.data(), V.data(), K, M, N, want.data());
    matmul_f32_strided(Sr.data(), stride, V.data(), K, M, N, got.data());
    for (uint64_t n = 0; n < N; ++n)
      for (uint64_t m = 0; m < M; ++m) {
        INFO("M ", M, " m ", m, " n ", n);
        REQUIRE(bits(got[n * ms + m]) == bits(want[n * ms + m]));
      }
  }
}
