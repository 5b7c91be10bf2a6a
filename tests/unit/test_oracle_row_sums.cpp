// oracle/row_sums.h against the scalar loops they replace, bit for bit:
// every element one multiply then one add, every sum in its order. Sizes
// cover the vector bodies, their tails and the 8x8 transposes' edges.
#include "oracle/row_sums.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

using namespace nk::oracle;

namespace {

// Values whose products and sums round (not small integers), some negative.
std::vector<float> floats(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist(0.0f, 3.0f);
  std::vector<float> v(n);
  for (float &x : v) x = dist(gen);
  return v;
}
std::vector<double> doubles(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  std::vector<double> v(n);
  for (double &x : v) x = dist(gen) / 3.0;
  return v;
}
bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

} // namespace

TEST_CASE("add_scaled_rows: one multiply and one add per element and row, rows in order") {
  for (uint64_t n : {1u, 7u, 8u, 9u, 31u, 300u, 1029u})
    for (unsigned nr : {1u, 5u, 8u})
      for (size_t g : {1u, 3u, 4u}) {
        INFO("n=" << n << " nr=" << nr << " g=" << g);
        const uint64_t stride = n + 5;
        const std::vector<float> rows = floats(nr * stride, unsigned(n + nr));
        const std::vector<double> q = doubles(nr * g, unsigned(g));
        std::vector<double> got = doubles(g * n, 5), want = got;
        std::vector<double *> acc(g);
        for (size_t h = 0; h < g; ++h) acc[h] = got.data() + h * n;
        add_scaled_rows(rows.data(), stride, nr, n, q.data(), g, acc.data());
        for (unsigned r = 0; r < nr; ++r)
          for (size_t h = 0; h < g; ++h)
            for (uint64_t c = 0; c < n; ++c) {
              double &w = want[h * n + c];
              const double product = double(rows[r * stride + c]) * q[r * g + h];
              w = w + product;
            }
        for (size_t i = 0; i < got.size(); ++i) REQUIRE(same_bits(got[i], want[i]));
      }
}

TEST_CASE("dot_rows: each (head, row) sum in column order, as the scalar loop") {
  for (uint64_t n : {1u, 5u, 8u, 17u, 256u, 300u, 777u})
    for (unsigned nr : {1u, 3u, 8u})
      for (size_t g : {1u, 4u, 7u}) {
        INFO("n=" << n << " nr=" << nr << " g=" << g);
        const uint64_t stride = n + 3; // rows not packed
        const std::vector<float> rows = floats(nr * stride, unsigned(n + nr));
        const std::vector<double> p = doubles(g * n, unsigned(g + 11));
        std::vector<const double *> ph(g);
        for (size_t h = 0; h < g; ++h) ph[h] = p.data() + h * n;
        std::vector<double> sums(g * kDotRows, std::nan(""));
        dot_rows(rows.data(), stride, nr, n, ph.data(), g, sums.data());
        for (size_t h = 0; h < g; ++h)
          for (unsigned r = 0; r < nr; ++r) {
            double want = 0.0;
            for (uint64_t c = 0; c < n; ++c) {
              const double product = ph[h][c] * double(rows[r * stride + c]);
              want = want + product;
            }
            REQUIRE(same_bits(sums[h * kDotRows + r], want));
          }
      }
}
