// Array construction, conversion, shape ops, broadcasting elementwise ops,
// matmul and stack (see array.h). Reductions live in reductions.cpp.
#include "oracle/array.h"

#include "llvm/ADT/Twine.h"
#include "llvm/Support/ErrorHandling.h"

#include <fmt/format.h>

#include <cmath>

namespace nk::oracle {
namespace {

[[noreturn]] void oracle_bug(const std::string &msg) {
  llvm::report_fatal_error(llvm::Twine("oracle: ") + msg, /*gen_crash_diag=*/false);
}

int64_t count(const Shape &s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

// C-order strides (in elements) of `s`.
Shape strides_of(const Shape &s) {
  Shape st(s.size(), 1);
  for (int64_t i = int64_t(s.size()) - 2; i >= 0; --i) st[size_t(i)] = st[size_t(i) + 1] * s[size_t(i) + 1];
  return st;
}

// Strides of an operand of shape `s` read as if it had shape `out`
// (broadcast axes get stride 0).
Shape broadcast_strides(const Shape &s, const Shape &out) {
  Shape st(out.size(), 0);
  Shape own = strides_of(s);
  size_t off = out.size() - s.size();
  for (size_t i = 0; i < s.size(); ++i) st[off + i] = s[i] == 1 ? 0 : own[i];
  return st;
}

// Calls f(out_flat, a_offset, b_offset) for every element of the broadcast
// shape `out`, in C order.
template <typename F>
void for_each_broadcast(const Shape &out, const Shape &sa, const Shape &sb, F f) {
  int64_t n = count(out);
  if (n == 0) return;
  Shape ia = broadcast_strides(sa, out), ib = broadcast_strides(sb, out);
  Shape idx(out.size(), 0);
  int64_t oa = 0, ob = 0;
  for (int64_t flat = 0; flat < n; ++flat) {
    f(flat, oa, ob);
    for (int64_t ax = int64_t(out.size()) - 1; ax >= 0; --ax) {
      size_t a = size_t(ax);
      ++idx[a];
      oa += ia[a];
      ob += ib[a];
      if (idx[a] < out[a]) break;
      oa -= ia[a] * idx[a];
      ob -= ib[a] * idx[a];
      idx[a] = 0;
    }
  }
}

template <typename Op>
Array binary(const char *what, const Array &a, const Array &b, Op op) {
  auto out_shape = broadcast_shapes(a.shape(), b.shape());
  if (!out_shape)
    oracle_bug(fmt::format("{}: shapes {} and {} do not broadcast", what, shape_str(a.shape()), shape_str(b.shape())));
  ElemType t = promote(a.type(), b.type());
  Array out(t, *out_shape);
  std::vector<double> &o = out.mutable_values();
  const std::vector<double> &va = a.values(), &vb = b.values();
  for_each_broadcast(*out_shape, a.shape(), b.shape(), [&](int64_t i, int64_t ia, int64_t ib) {
    o[size_t(i)] = round_to(t, op(va[size_t(ia)], vb[size_t(ib)]));
  });
  return out;
}

template <typename Op>
Array unary(const Array &a, Op op) {
  Array out = a;
  for (double &v : out.mutable_values()) v = round_to(a.type(), op(v));
  return out;
}

double nan_max(double x, double y) { return std::isnan(x) || std::isnan(y) ? NAN : (x > y ? x : y); }
double nan_min(double x, double y) { return std::isnan(x) || std::isnan(y) ? NAN : (x < y ? x : y); }

} // namespace

std::string_view elem_type_name(ElemType t) { return t == ElemType::f32 ? "float32" : "float64"; }

std::string shape_str(const Shape &s) {
  std::string r = "(";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + (s.size() == 1 ? ",)" : ")");
}

Array::Array(ElemType type, Shape shape) : type_(type), shape_(std::move(shape)) {
  for (int64_t d : shape_)
    if (d < 0) oracle_bug("negative extent in shape " + shape_str(shape_));
  data_.assign(size_t(count(shape_)), 0.0);
}

Array Array::from_floats(Shape shape, const std::vector<float> &values) {
  Array a(ElemType::f32, std::move(shape));
  if (values.size() != a.data_.size())
    oracle_bug(fmt::format("from_floats: {} values for shape {}", values.size(), shape_str(a.shape_)));
  for (size_t i = 0; i < values.size(); ++i) a.data_[i] = values[i];
  return a;
}

Array Array::from_doubles(Shape shape, const std::vector<double> &values, ElemType type) {
  Array a(type, std::move(shape));
  if (values.size() != a.data_.size())
    oracle_bug(fmt::format("from_doubles: {} values for shape {}", values.size(), shape_str(a.shape_)));
  for (size_t i = 0; i < values.size(); ++i) a.data_[i] = round_to(type, values[i]);
  return a;
}

Array Array::full(Shape shape, double value, ElemType type) {
  Array a(type, std::move(shape));
  for (double &v : a.data_) v = round_to(type, value);
  return a;
}

Array Array::scalar(double value, ElemType type) { return full({}, value, type); }

Array Array::from_host(const HostTensor &t) {
  Array a(ElemType::f32, t.shape);
  for (size_t i = 0; i < a.data_.size(); ++i) a.data_[i] = t.get_f32(i);
  return a;
}

HostTensor Array::to_host(Dtype dtype) const {
  HostTensor t(dtype, shape_);
  // f64 -> f32 first (as astype(np.float32)), then to the narrow type.
  for (size_t i = 0; i < data_.size(); ++i) t.set_f32(i, float(data_[i]));
  return t;
}

double Array::at(const Shape &index) const {
  if (index.size() != shape_.size())
    oracle_bug(fmt::format("at: {}-d index into a {}-d array", index.size(), shape_.size()));
  Shape st = strides_of(shape_);
  int64_t flat = 0;
  for (size_t i = 0; i < index.size(); ++i) {
    if (index[i] < 0 || index[i] >= shape_[i])
      oracle_bug(fmt::format("at: index {} out of range for axis {} of {}", index[i], i, shape_str(shape_)));
    flat += index[i] * st[i];
  }
  return data_[size_t(flat)];
}

Array Array::astype(ElemType t) const {
  Array out(t, shape_);
  for (size_t i = 0; i < data_.size(); ++i) out.data_[i] = round_to(t, data_[i]);
  return out;
}

Array Array::reshape(Shape shape) const {
  int64_t known = 1, unknown = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (unknown >= 0) oracle_bug("reshape: more than one -1");
      unknown = int64_t(i);
    } else {
      known *= shape[i];
    }
  }
  if (unknown >= 0 && known > 0) shape[size_t(unknown)] = size() / known;
  if (count(shape) != size())
    oracle_bug(fmt::format("reshape: cannot reshape {} into {}", shape_str(shape_), shape_str(shape)));
  Array out = *this;
  out.shape_ = std::move(shape);
  return out;
}

Array Array::transpose() const {
  std::vector<int> axes(shape_.size());
  for (size_t i = 0; i < axes.size(); ++i) axes[i] = int(axes.size() - 1 - i);
  return transpose(axes);
}

Array Array::transpose(const std::vector<int> &axes) const {
  if (axes.size() != shape_.size()) oracle_bug("transpose: axes do not match the array's dimensions");
  std::vector<bool> seen(axes.size(), false);
  Shape out_shape(axes.size()), src_strides(axes.size());
  Shape st = strides_of(shape_);
  for (size_t i = 0; i < axes.size(); ++i) {
    int ax = axes[i] < 0 ? axes[i] + int(axes.size()) : axes[i];
    if (ax < 0 || ax >= int(axes.size()) || seen[size_t(ax)]) oracle_bug("transpose: axes are not a permutation");
    seen[size_t(ax)] = true;
    out_shape[i] = shape_[size_t(ax)];
    src_strides[i] = st[size_t(ax)];
  }
  Array out(type_, out_shape);
  Shape idx(out_shape.size(), 0);
  int64_t src = 0;
  for (int64_t flat = 0; flat < out.size(); ++flat) {
    out.data_[size_t(flat)] = data_[size_t(src)];
    for (int64_t ax = int64_t(out_shape.size()) - 1; ax >= 0; --ax) {
      size_t a = size_t(ax);
      ++idx[a];
      src += src_strides[a];
      if (idx[a] < out_shape[a]) break;
      src -= src_strides[a] * idx[a];
      idx[a] = 0;
    }
  }
  return out;
}

Array Array::index(int64_t i) const {
  if (shape_.empty()) oracle_bug("index: 0-d array");
  if (i < 0) i += shape_[0];
  if (i < 0 || i >= shape_[0])
    oracle_bug(fmt::format("index {} is out of bounds for axis 0 with size {}", i, shape_[0]));
  Shape sub(shape_.begin() + 1, shape_.end());
  Array out(type_, sub);
  int64_t n = out.size();
  std::copy(data_.begin() + i * n, data_.begin() + (i + 1) * n, out.data_.begin());
  return out;
}

std::optional<Shape> broadcast_shapes(const Shape &a, const Shape &b) {
  Shape out(std::max(a.size(), b.size()));
  for (size_t i = 0; i < out.size(); ++i) {
    int64_t da = i < out.size() - a.size() ? 1 : a[i - (out.size() - a.size())];
    int64_t db = i < out.size() - b.size() ? 1 : b[i - (out.size() - b.size())];
    if (da != db && da != 1 && db != 1) return std::nullopt;
    out[i] = da == 1 ? db : da;
  }
  return out;
}

Array add(const Array &a, const Array &b) {
  return binary("add", a, b, [](double x, double y) { return x + y; });
}
Array subtract(const Array &a, const Array &b) {
  return binary("subtract", a, b, [](double x, double y) { return x - y; });
}
Array multiply(const Array &a, const Array &b) {
  return binary("multiply", a, b, [](double x, double y) { return x * y; });
}
Array divide(const Array &a, const Array &b) {
  return binary("divide", a, b, [](double x, double y) { return x / y; });
}
Array maximum(const Array &a, const Array &b) { return binary("maximum", a, b, nan_max); }
Array minimum(const Array &a, const Array &b) { return binary("minimum", a, b, nan_min); }
Array add(const Array &a, double s) { return add(a, Array::scalar(s, a.type())); }
Array multiply(const Array &a, double s) { return multiply(a, Array::scalar(s, a.type())); }
Array divide(const Array &a, double s) { return divide(a, Array::scalar(s, a.type())); }
Array negative(const Array &a) {
  return unary(a, [](double x) { return -x; });
}
Array exp(const Array &a) {
  return unary(a, [](double x) { return std::exp(x); });
}
Array sqrt(const Array &a) {
  return unary(a, [](double x) { return std::sqrt(x); });
}
Array reciprocal(const Array &a) {
  return unary(a, [](double x) { return 1.0 / x; });
}

Array matmul(const Array &a_in, const Array &b_in) {
  if (a_in.ndim() == 0 || b_in.ndim() == 0) oracle_bug("matmul: 0-d operand");
  bool a_vec = a_in.ndim() == 1, b_vec = b_in.ndim() == 1;
  Array a = a_vec ? a_in.reshape({1, a_in.shape()[0]}) : a_in;
  Array b = b_vec ? b_in.reshape({b_in.shape()[0], 1}) : b_in;
  const Shape &sa = a.shape(), &sb = b.shape();
  int64_t m = sa[sa.size() - 2], k = sa.back(), k2 = sb[sb.size() - 2], n = sb.back();
  if (k != k2)
    oracle_bug(fmt::format("matmul: contraction mismatch {} @ {}", shape_str(a_in.shape()), shape_str(b_in.shape())));
  Shape batch_a(sa.begin(), sa.end() - 2), batch_b(sb.begin(), sb.end() - 2);
  auto batch = broadcast_shapes(batch_a, batch_b);
  if (!batch)
    oracle_bug(fmt::format("matmul: batch shapes {} and {} do not broadcast", shape_str(batch_a), shape_str(batch_b)));
  ElemType t = promote(a.type(), b.type());
  Shape out_shape = *batch;
  out_shape.push_back(m);
  out_shape.push_back(n);
  Array out(t, out_shape);
  std::vector<double> &o = out.mutable_values();
  const std::vector<double> &va = a.values(), &vb = b.values();
  for_each_broadcast(*batch, batch_a, batch_b, [&](int64_t bi, int64_t ba, int64_t bb) {
    const double *pa = va.data() + ba * m * k, *pb = vb.data() + bb * k * n;
    double *po = o.data() + bi * m * n;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0.0;
        for (int64_t p = 0; p < k; ++p) acc += pa[i * k + p] * pb[p * n + j];
        po[i * n + j] = round_to(t, acc);
      }
  });
  Shape final_shape = out_shape;
  if (b_vec) final_shape.erase(final_shape.end() - 1);
  if (a_vec) final_shape.erase(final_shape.end() - (b_vec ? 1 : 2));
  return out.reshape(final_shape);
}

Array stack(const std::vector<Array> &arrays) {
  if (arrays.empty()) oracle_bug("stack: need at least one array");
  Shape s = arrays[0].shape();
  ElemType t = arrays[0].type();
  for (const Array &a : arrays) {
    if (a.shape() != s) oracle_bug("stack: all input arrays must have the same shape");
    t = promote(t, a.type());
  }
  Shape out_shape = s;
  out_shape.insert(out_shape.begin(), int64_t(arrays.size()));
  Array out(t, out_shape);
  size_t n = arrays[0].values().size();
  for (size_t i = 0; i < arrays.size(); ++i)
    std::copy(arrays[i].values().begin(), arrays[i].values().end(), out.mutable_values().begin() + i * n);
  return out;
}

} // namespace nk::oracle
