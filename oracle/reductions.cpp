// Reductions (sum, max, min) and softmax, in NumPy's evaluation order.
//
// NumPy reduces a C-contiguous array along its last (fastest) axis with
// pairwise summation (numpy/core/src/umath/loops_utils.h.src: blocks of at
// most 128 summed with 8 accumulators, larger runs split in two at a
// multiple of 8), and along any other axis by adding whole rows into the
// output in index order. The output starts at the identity 0. We reproduce
// both orders, so float32 sums of contiguous arrays match NumPy bit for bit.
#include "oracle/array.h"

#include "llvm/ADT/Twine.h"
#include "llvm/Support/ErrorHandling.h"

#include <fmt/format.h>

#include <cmath>

namespace nk::oracle {
namespace {

template <typename T>
T pairwise(const double *p, int64_t n, int64_t stride) {
  if (n < 8) {
    T res = T(0);
    for (int64_t i = 0; i < n; ++i) res += T(p[i * stride]);
    return res;
  }
  if (n <= 128) {
    T r[8];
    for (int j = 0; j < 8; ++j) r[j] = T(p[j * stride]);
    int64_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (int j = 0; j < 8; ++j) r[j] += T(p[(i + j) * stride]);
    T res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += T(p[i * stride]);
    return res;
  }
  int64_t n2 = n / 2;
  n2 -= n2 % 8;
  return pairwise<T>(p, n2, stride) + pairwise<T>(p + n2 * stride, n - n2, stride);
}

// Splits the shape around `axis`: outer * n * inner elements.
struct AxisSplit {
  int64_t outer = 1, n = 1, inner = 1;
};

struct Reduction {
  Shape out_shape;
  AxisSplit split;
};

Reduction plan(const Array &a, std::optional<int> axis, bool keepdims, const char *what) {
  Reduction r;
  const Shape &s = a.shape();
  if (!axis) {
    r.split.n = a.size();
    r.out_shape = keepdims ? Shape(s.size(), 1) : Shape{};
    return r;
  }
  int ax = *axis < 0 ? *axis + int(s.size()) : *axis;
  if (ax < 0 || ax >= int(s.size()))
    llvm::report_fatal_error(llvm::Twine("oracle: ") + what + ": axis " + llvm::Twine(*axis) +
                                 " is out of bounds for an array of dimension " + llvm::Twine(s.size()),
                             false);
  for (int i = 0; i < int(s.size()); ++i) {
    if (i < ax)
      r.split.outer *= s[size_t(i)];
    else if (i == ax)
      r.split.n = s[size_t(i)];
    else
      r.split.inner *= s[size_t(i)];
    if (i != ax)
      r.out_shape.push_back(s[size_t(i)]);
    else if (keepdims)
      r.out_shape.push_back(1);
  }
  return r;
}

template <typename Combine>
Array extremum(const Array &a, std::optional<int> axis, bool keepdims, const char *what, Combine combine) {
  Reduction r = plan(a, axis, keepdims, what);
  if (r.split.n == 0 && r.split.outer * r.split.inner > 0)
    llvm::report_fatal_error(llvm::Twine("oracle: ") + what + ": zero-size reduction has no identity", false);
  Array out(a.type(), r.out_shape);
  const std::vector<double> &v = a.values();
  std::vector<double> &o = out.mutable_values();
  const AxisSplit &sp = r.split;
  for (int64_t i = 0; i < sp.outer; ++i)
    for (int64_t k = 0; k < sp.inner; ++k) {
      const double *p = v.data() + i * sp.n * sp.inner + k;
      double acc = p[0];
      for (int64_t j = 1; j < sp.n; ++j) acc = combine(acc, p[j * sp.inner]);
      o[size_t(i * sp.inner + k)] = acc;
    }
  return out;
}

} // namespace

double pairwise_sum(ElemType type, const double *p, int64_t n, int64_t stride) {
  return type == ElemType::f32 ? double(pairwise<float>(p, n, stride)) : pairwise<double>(p, n, stride);
}

Array sum(const Array &a, std::optional<int> axis, bool keepdims) {
  Reduction r = plan(a, axis, keepdims, "sum");
  Array out(a.type(), r.out_shape);
  ElemType t = a.type();
  const std::vector<double> &v = a.values();
  std::vector<double> &o = out.mutable_values();
  const AxisSplit &sp = r.split;
  if (sp.inner == 1) {
    // The reduced axis is the fastest one: pairwise, as NumPy's inner loop.
    for (int64_t i = 0; i < sp.outer; ++i)
      o[size_t(i)] = round_to(t, 0.0 + pairwise_sum(t, v.data() + i * sp.n, sp.n, 1));
  } else {
    // Rows added into the output one after another.
    for (int64_t i = 0; i < sp.outer; ++i)
      for (int64_t j = 0; j < sp.n; ++j)
        for (int64_t k = 0; k < sp.inner; ++k) {
          double &acc = o[size_t(i * sp.inner + k)];
          acc = round_to(t, acc + v[size_t((i * sp.n + j) * sp.inner + k)]);
        }
  }
  return out;
}

Array max(const Array &a, std::optional<int> axis, bool keepdims) {
  return extremum(a, axis, keepdims, "max",
                  [](double x, double y) { return std::isnan(x) || std::isnan(y) ? NAN : (x > y ? x : y); });
}

Array min(const Array &a, std::optional<int> axis, bool keepdims) {
  return extremum(a, axis, keepdims, "min",
                  [](double x, double y) { return std::isnan(x) || std::isnan(y) ? NAN : (x < y ? x : y); });
}

Array softmax(const Array &x, int axis) {
  Array e = exp(x - max(x, axis, /*keepdims=*/true));
  return e / sum(e, axis, /*keepdims=*/true);
}

} // namespace nk::oracle
