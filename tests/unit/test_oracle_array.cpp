// The oracle's NumPy-equivalent array library: broadcasting, promotion,
// reductions in NumPy's order, matmul shapes, transposes and softmax.
#include "oracle/array.h"

#include <doctest/doctest.h>

#include <cmath>

using namespace nk;
using namespace nk::oracle;

namespace {
std::vector<double> vals(const Array &a) { return a.values(); }
} // namespace

TEST_CASE("oracle array: broadcasting and float32 rounding") {
  Array a = Array::from_floats({2, 3}, {1, 2, 3, 4, 5, 6});
  Array row = Array::from_floats({3}, {10, 20, 30});
  Array col = Array::from_floats({2, 1}, {100, 200});
  CHECK(vals(a + row) == std::vector<double>{11, 22, 33, 14, 25, 36});
  CHECK(vals(a * col) == std::vector<double>{100, 200, 300, 800, 1000, 1200});
  CHECK((row - col).shape() == Shape{2, 3});
  CHECK(vals(row - col) == std::vector<double>{-90, -80, -70, -190, -180, -170});
  CHECK(broadcast_shapes({4, 1, 3}, {2, 1}) == Shape{4, 2, 3});
  CHECK(!broadcast_shapes({2, 3}, {2}).has_value());

  // float32 results are rounded to float32 after every op: 1/3 is not the
  // double 1/3, and (1 + 2^-24) collapses to 1.
  Array third = Array::scalar(1) / Array::scalar(3);
  CHECK(third[0] == double(1.0f / 3.0f));
  CHECK(third[0] != 1.0 / 3.0);
  CHECK((Array::scalar(1) + Array::scalar(std::ldexp(1.0, -24)))[0] == 1.0);
  // A Python-float scalar takes the array's type (rounded to float32 first).
  CHECK((Array::scalar(3) * 0.1)[0] == double(3.0f * 0.1f));
  // An f64 array operand promotes.
  Array d = Array::scalar(1, ElemType::f64) / Array::scalar(3);
  CHECK(d.type() == ElemType::f64);
  CHECK(d[0] == 1.0 / 3.0);

  CHECK(vals(maximum(row, Array::scalar(NAN)))[0] != vals(maximum(row, Array::scalar(NAN)))[0]); // NaN
  CHECK(vals(minimum(a, Array::scalar(3))) == std::vector<double>{1, 2, 3, 3, 3, 3});
  CHECK(vals(reciprocal(Array::from_floats({2}, {4, 3})))[1] == double(1.0f / 3.0f));
  CHECK(vals(exp(Array::from_floats({1}, {1})))[0] == double(float(std::exp(1.0))));
  CHECK(vals(-a)[5] == -6);
}

TEST_CASE("oracle array: reshape, transpose, index, stack") {
  Array a = Array::from_floats({2, 3}, {1, 2, 3, 4, 5, 6});
  CHECK(a.transpose().shape() == Shape{3, 2});
  CHECK(vals(a.transpose()) == std::vector<double>{1, 4, 2, 5, 3, 6});
  CHECK(a.reshape({3, -1}).shape() == Shape{3, 2});
  Array b = Array::from_floats({2, 2, 3}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  Array t = b.transpose({0, 2, 1}); // (2,3,2)
  CHECK(t.shape() == Shape{2, 3, 2});
  CHECK(t.at({1, 2, 0}) == 8);
  CHECK(t.at({0, 1, 1}) == 4);
  CHECK(vals(b.index(1)) == std::vector<double>{6, 7, 8, 9, 10, 11});
  CHECK(b.index(-1).shape() == Shape{2, 3});
  Array s = stack({a.index(0), a.index(1), a.index(0)});
  CHECK(s.shape() == Shape{3, 3});
  CHECK(s.at({2, 2}) == 3);
  HostTensor h = HostTensor::from_floats(Dtype::bf16, {2}, {1.5f, -3});
  Array fh = Array::from_host(h);
  CHECK(fh.type() == ElemType::f32);
  CHECK(vals(fh) == std::vector<double>{1.5, -3});
  CHECK(fh.to_host(Dtype::bf16) == h);
}

TEST_CASE("oracle array: reductions with axis and keepdims") {
  Array a = Array::from_floats({2, 3}, {1, 5, 3, -4, 2, 8});
  CHECK(vals(sum(a)) == std::vector<double>{15});
  CHECK(sum(a).shape() == Shape{});
  CHECK(sum(a, std::nullopt, true).shape() == Shape{1, 1});
  CHECK(vals(sum(a, 0)) == std::vector<double>{-3, 7, 11});
  CHECK(vals(sum(a, 1)) == std::vector<double>{9, 6});
  CHECK(sum(a, -1, true).shape() == Shape{2, 1});
  CHECK(vals(max(a, 1)) == std::vector<double>{5, 8});
  CHECK(vals(max(a, 0, true)) == std::vector<double>{1, 5, 8});
  CHECK(max(a, 0, true).shape() == Shape{1, 3});
  CHECK(vals(min(a)) == std::vector<double>{-4});
  Array n = Array::from_floats({3}, {1, NAN, 2});
  CHECK(std::isnan(max(n)[0]));
  CHECK(std::isnan(min(n)[0]));
}

TEST_CASE("oracle array: sums follow NumPy's pairwise order") {
  // 2^24 then fifteen 1s. Left to right in float32 every +1 rounds away
  // (2^24 + 1 ties to even); NumPy's 8-accumulator block gives 2^24 + 14.
  std::vector<float> v(16, 1.0f);
  v[0] = 16777216.0f;
  Array a = Array::from_floats({16}, v);
  CHECK(sum(a)[0] == 16777230.0);
  // Along axis 0 NumPy adds row after row: the same column sums left to right.
  Array col = a.reshape({16, 1});
  CHECK(sum(col, 0)[0] == 16777230.0);   // a (16,1) axis 0 is still the fast axis
  Array two = stack({a, a}).transpose(); // (16,2): axis 0 is the slow axis
  CHECK(vals(sum(two, 0)) == std::vector<double>{16777216.0, 16777216.0});
  // float64 keeps everything.
  CHECK(sum(a.astype(ElemType::f64))[0] == 16777231.0);
  // Past 128 elements the run splits in two halves at a multiple of 8.
  std::vector<double> ones(1000, 1.0);
  CHECK(pairwise_sum(ElemType::f32, ones.data(), 1000, 1) == 1000.0);
}

TEST_CASE("oracle array: matmul shapes like np.matmul") {
  Array a = Array::from_floats({2, 3}, {1, 2, 3, 4, 5, 6});
  Array b = Array::from_floats({3, 2}, {1, 0, 0, 1, 1, 1});
  Array c = matmul(a, b);
  CHECK(c.shape() == Shape{2, 2});
  CHECK(vals(c) == std::vector<double>{4, 5, 10, 11});
  Array v = Array::from_floats({3}, {1, 1, 1});
  CHECK(matmul(a, v).shape() == Shape{2});
  CHECK(vals(matmul(a, v)) == std::vector<double>{6, 15});
  CHECK(matmul(Array::from_floats({2}, {1, 1}), a).shape() == Shape{3});
  CHECK(matmul(v, v).shape() == Shape{});
  CHECK(matmul(v, v)[0] == 3);
  Array batch = stack({a, a, a}); // (3,2,3)
  CHECK(matmul(batch, b).shape() == Shape{3, 2, 2});
  CHECK(matmul(batch, b).index(2).values() == c.values());
  // Accumulated in float64, rounded once: 2^24 + 1 - 2^24 is exactly 1.
  Array x = Array::from_floats({1, 3}, {16777216.0f, 1, -16777216.0f});
  CHECK(matmul(x, Array::from_floats({3}, {1, 1, 1}))[0] == 1.0);
}

TEST_CASE("oracle array: softmax is stable for large logits") {
  Array x = Array::from_floats({2, 3}, {1000, 1001, 1002, -5, -5, -5});
  Array p = softmax(x, -1);
  CHECK(sum(p, 1).values()[1] == doctest::Approx(1.0).epsilon(1e-7));
  double e1 = std::exp(-1.0), e2 = std::exp(-2.0);
  CHECK(p.at({0, 2}) == doctest::Approx(1 / (1 + e1 + e2)).epsilon(1e-6));
  CHECK(p.at({1, 0}) == double(1.0f / 3.0f));
  CHECK(!std::isnan(p.at({0, 0})));
}
