// References for the kernels built on NKI 2.26 instructions (kernels/
// layernorm.tile, linear_recurrence.tile, top8.tile), written the way a
// NumPy user would check them:
//   layernorm:          m = x.mean(1, keepdims=True); v = ((x - m)**2).mean(1, keepdims=True);
//                       (x - m) / np.sqrt(v + 1e-5), all float32
//   linear_recurrence:  h = h0[:, 0]; for t: h = a[:, t] * h + b[:, t]; out[:, t] = h (float32)
//   top8:               np.argsort(-x, kind="stable")[:, :8] for distinct values; the kernel's
//                       rule for ties: the first index holding each of the 8 largest values.
#include "oracle/array.h"
#include "oracle/kernel_reference.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace nk::oracle {
namespace {

llvm::Error input_error(const char *kernel, const std::string &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s reference: %s", kernel, msg.c_str());
}

// The named 2-d float inputs, present and with no extras.
llvm::Expected<std::vector<const HostTensor *>> inputs_2d(const char *kernel, const TensorMap &inputs,
                                                          std::initializer_list<const char *> names) {
  std::vector<const HostTensor *> out;
  for (const char *n : names) {
    auto it = inputs.find(n);
    if (it == inputs.end()) return input_error(kernel, fmt::format("missing input '{}'", n));
    if (it->second.shape.size() != 2 || !dtype_is_float(it->second.dtype))
      return input_error(kernel, fmt::format("input '{}' is {}{}, expected a 2-d float tensor", n,
                                             dtype_name(it->second.dtype), format_shape(it->second.shape)));
    out.push_back(&it->second);
  }
  if (inputs.size() != names.size()) return input_error(kernel, "unexpected extra inputs");
  return out;
}

} // namespace

llvm::Expected<TensorMap> layernorm_reference(const TensorMap &inputs) {
  auto in = inputs_2d("layernorm", inputs, {"x"});
  if (!in) return in.takeError();
  Array x = Array::from_host(*(*in)[0]);
  const double d = double(x.shape()[1]);
  Array mean = sum(x, 1, true) / d;
  Array dev = x - mean;
  Array var = sum(dev * dev, 1, true) / d;
  Array out = dev / sqrt(add(var, 1e-5));
  return TensorMap{{"out", out.to_host(Dtype::f32)}};
}

llvm::Expected<TensorMap> linear_recurrence_reference(const TensorMap &inputs) {
  auto in = inputs_2d("linear_recurrence", inputs, {"a", "b", "h0"});
  if (!in) return in.takeError();
  const HostTensor &a = *(*in)[0], &b = *(*in)[1], &h0 = *(*in)[2];
  const int64_t c = a.shape[0], T = a.shape[1];
  if (b.shape != a.shape || h0.shape != std::vector<int64_t>{c, 1})
    return input_error("linear_recurrence",
                       fmt::format("shapes a {}, b {}, h0 {}: expected (c, T), (c, T), (c, 1)", format_shape(a.shape),
                                   format_shape(b.shape), format_shape(h0.shape)));
  HostTensor out(Dtype::f32, {c, T});
  for (int64_t p = 0; p < c; ++p) {
    float h = h0.get_f32(uint64_t(p));
    for (int64_t t = 0; t < T; ++t) {
      const uint64_t i = uint64_t(p * T + t);
      const float ah = a.get_f32(i) * h; // two float32 roundings, as NumPy's a * h + b
      h = ah + b.get_f32(i);
      out.set_f32(i, h);
    }
  }
  return TensorMap{{"out", std::move(out)}};
}

llvm::Expected<TensorMap> top8_reference(const TensorMap &inputs) {
  auto in = inputs_2d("top8", inputs, {"x"});
  if (!in) return in.takeError();
  const HostTensor &x = *(*in)[0];
  const int64_t n = x.shape[0], m = x.shape[1];
  if (m < 8) return input_error("top8", fmt::format("x has {} columns; top8 needs at least 8", m));
  HostTensor out(Dtype::i32, {n, 8});
  std::vector<float> row(static_cast<size_t>(m)), sorted;
  for (int64_t p = 0; p < n; ++p) {
    for (int64_t j = 0; j < m; ++j) row[size_t(j)] = x.get_f32(uint64_t(p * m + j));
    sorted = row;
    // np.sort(x)[::-1]: descending, NaN first.
    std::sort(sorted.begin(), sorted.end(), [](float u, float v) {
      if (std::isnan(u)) return !std::isnan(v);
      return !std::isnan(v) && u > v;
    });
    for (int k = 0; k < 8; ++k) {
      int64_t idx = -1;
      for (int64_t j = 0; j < m && idx < 0; ++j)
        if (row[size_t(j)] == sorted[size_t(k)]) idx = j;
      out.set_f32(uint64_t(p * 8 + k), float(idx));
    }
  }
  return TensorMap{{"out", std::move(out)}};
}

} // namespace nk::oracle
