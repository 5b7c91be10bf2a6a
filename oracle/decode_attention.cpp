// References for the decode attention kernels (docs/kernels.md), written the
// slow obvious way NumPy users would: transpose the kernel-layout inputs to
// the math layout (q (n_q,d), k/v (n_kv,s,d)), then per query head
//   p = softmax((k[kv] @ q[h]) * scale),  o[h] = p @ v[kv],
// with kv = h / (n_q / n_kv) (repeat-KV) and scale = 1/sqrt(d) as a float32
// scalar. Inputs are validated first; every problem is an llvm::Error naming
// the input.
#include "oracle/array.h"
#include "oracle/kernel_reference.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace nk::oracle {
namespace {

llvm::Error input_error(llvm::StringRef kernel, const std::string &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s reference: %s", kernel.str().c_str(), msg.c_str());
}

// Fetches the named inputs, checks there are no others, that each is a
// float tensor of the given rank with no zero extents.
llvm::Expected<std::vector<const HostTensor *>> get_inputs(llvm::StringRef kernel, const TensorMap &inputs,
                                                           const std::vector<std::pair<const char *, size_t>> &want) {
  std::vector<const HostTensor *> out;
  for (const auto &[name, rank] : want) {
    auto it = inputs.find(name);
    if (it == inputs.end()) return input_error(kernel, fmt::format("missing input '{}'", name));
    const HostTensor &t = it->second;
    if (!dtype_is_float(t.dtype))
      return input_error(kernel, fmt::format("input '{}' is {}, expected a float type", name, dtype_name(t.dtype)));
    if (t.shape.size() != rank)
      return input_error(
          kernel, fmt::format("input '{}' has shape {}, expected {} dimensions", name, format_shape(t.shape), rank));
    for (int64_t d : t.shape)
      if (d <= 0)
        return input_error(kernel, fmt::format("input '{}' has an empty shape {}", name, format_shape(t.shape)));
    out.push_back(&t);
  }
  for (const auto &kv : inputs) {
    bool known = false;
    for (const auto &w : want) known |= kv.first == w.first;
    if (!known) return input_error(kernel, fmt::format("unexpected input '{}'", kv.first));
  }
  return out;
}

// One query head against one KV head, all in the math layout:
// q (d,), k (s,d), v (s,d) -> (d,).
Array attend(const Array &q, const Array &k, const Array &v, double scale) {
  Array logits = matmul(k, q) * scale;
  Array p = softmax(logits, -1);
  return matmul(p, v);
}

double default_scale(int64_t d) { return 1.0 / std::sqrt(double(d)); }

// Elements [first, first + n) of t as floats (a copy for f32, converted otherwise).
void read_f32(const HostTensor &t, uint64_t first, int64_t n, float *out) {
  if (t.dtype == Dtype::f32) {
    std::memcpy(out, t.data.data() + first * 4, size_t(n) * 4);
    return;
  }
  for (int64_t i = 0; i < n; ++i) out[i] = t.get_f32(first + uint64_t(i));
}

// attend(q, k[kv].T, v[kv].T, scale) (the math layout (s, d)), streamed
// over the kernel layout (k, v: (n_kv, d, s)) with no transposed copies:
// every sum runs over the same terms in the same order as the Array matmuls
// (logits[c] adds k[c][r] * q[r] for r = 0..d-1; o[j] adds p[c] * v[c][j]
// for c = 0..s-1), each result rounded to float32 as theirs are, so the
// values are identical. Working set: one row of s floats and s doubles,
// instead of two (s, d) double copies per KV head; rows are read
// contiguously instead of by a stride of s.
Array attend_kernel_layout(const Array &q, const HostTensor &k, const HostTensor &v, int64_t kv, double scale) {
  const int64_t d = k.shape[1], s = k.shape[2];
  const uint64_t base = uint64_t(kv) * uint64_t(d) * uint64_t(s);
  const std::vector<double> &qv = q.values();
  std::vector<float> row(static_cast<size_t>(s));
  std::vector<double> acc(static_cast<size_t>(s), 0.0);
  for (int64_t r = 0; r < d; ++r) {
    read_f32(k, base + uint64_t(r * s), s, row.data());
    const double qr = qv[size_t(r)];
    for (int64_t c = 0; c < s; ++c) acc[size_t(c)] += double(row[size_t(c)]) * qr;
  }
  Array logits(ElemType::f32, {s});
  std::vector<double> &lv = logits.mutable_values();
  for (int64_t c = 0; c < s; ++c) lv[size_t(c)] = round_to(ElemType::f32, acc[size_t(c)]);
  Array p = softmax(logits * scale, -1);
  const std::vector<double> &pv = p.values();
  Array o(promote(p.type(), ElemType::f32), {d});
  std::vector<double> &ov = o.mutable_values();
  for (int64_t j = 0; j < d; ++j) {
    read_f32(v, base + uint64_t(j * s), s, row.data());
    double sum = 0.0;
    for (int64_t c = 0; c < s; ++c) sum += pv[size_t(c)] * double(row[size_t(c)]);
    ov[size_t(j)] = round_to(o.type(), sum);
  }
  return o;
}

} // namespace

uint64_t decode_attention_working_set(const std::map<std::string, std::vector<int64_t>> &shapes) {
  auto k = shapes.find("k");
  if (k == shapes.end() || k->second.size() < 2) return 0;
  // (n_kv,) d, s. The GQA reference streams one row at a time (s floats and a
  // few s-long double vectors); the single-head one holds K and V transposed
  // as doubles, but its s is at most 128. Bound both by the larger.
  const std::vector<int64_t> &s = k->second;
  const uint64_t len = uint64_t(s[s.size() - 1]);
  return std::max(4 * 8 * len, 3 * 8 * len * uint64_t(s[s.size() - 2]) * (s.size() == 2 ? 1 : 0));
}

llvm::Expected<TensorMap> decode_attention_reference(const TensorMap &inputs) {
  const char *kernel = "decode_attention";
  auto in = get_inputs(kernel, inputs, {{"q", 2}, {"k", 2}, {"v", 2}});
  if (!in) return in.takeError();
  const HostTensor &q = *(*in)[0], &k = *(*in)[1], &v = *(*in)[2];
  int64_t d = q.shape[0];
  if (q.shape[1] != 1)
    return input_error(kernel, fmt::format("input 'q' has shape {}, expected [d,1]", format_shape(q.shape)));
  if (k.shape[0] != d)
    return input_error(
        kernel, fmt::format("input 'k' has shape {}, expected [d,s] with d={} (from q)", format_shape(k.shape), d));
  if (v.shape != k.shape)
    return input_error(kernel, fmt::format("input 'v' has shape {}, expected {} (the shape of k)",
                                           format_shape(v.shape), format_shape(k.shape)));
  Array qn = Array::from_host(q).reshape({d}); // (d,)
  Array kn = Array::from_host(k).transpose();  // (s,d)
  Array vn = Array::from_host(v).transpose();  // (s,d)
  Array o = attend(qn, kn, vn, default_scale(d)).reshape({1, d});
  return TensorMap{{"out", o.to_host(Dtype::f32)}};
}

llvm::Expected<TensorMap> decode_attention_gqa_reference(const TensorMap &inputs) {
  const char *kernel = "decode_attention_gqa";
  auto in = get_inputs(kernel, inputs, {{"q", 2}, {"k", 3}, {"v", 3}});
  if (!in) return in.takeError();
  const HostTensor &q = *(*in)[0], &k = *(*in)[1], &v = *(*in)[2];
  int64_t d = q.shape[0], n_q = q.shape[1], n_kv = k.shape[0];
  if (k.shape[1] != d)
    return input_error(kernel, fmt::format("input 'k' has shape {}, expected [n_kv,d,s] with d={} (from q)",
                                           format_shape(k.shape), d));
  if (v.shape != k.shape)
    return input_error(kernel, fmt::format("input 'v' has shape {}, expected {} (the shape of k)",
                                           format_shape(v.shape), format_shape(k.shape)));
  if (n_q % n_kv != 0)
    return input_error(kernel, fmt::format("n_q={} (from q) is not a multiple of n_kv={} (from k)", n_q, n_kv));
  int64_t group = n_q / n_kv;
  Array qn = Array::from_host(q).transpose(); // (n_q,d)
  std::vector<Array> heads;
  // One KV head at a time in the math layout (s,d): the working set is one
  // head's K and V, not every head's, whatever n_kv and s are.
  for (int64_t kv = 0; kv < n_kv; ++kv) {
    for (int64_t h = kv * group; h < (kv + 1) * group; ++h)
      heads.push_back(attend_kernel_layout(qn.index(h), k, v, kv, default_scale(d)));
  }
  return TensorMap{{"out", stack(heads).to_host(Dtype::f32)}};
}

} // namespace nk::oracle
