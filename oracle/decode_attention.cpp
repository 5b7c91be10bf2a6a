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
llvm::Expected<std::vector<const InputView *>> get_inputs(llvm::StringRef kernel, const InputViews &inputs,
                                                          const std::vector<std::pair<const char *, size_t>> &want) {
  std::vector<const InputView *> out;
  for (const auto &[name, rank] : want) {
    auto it = inputs.find(name);
    if (it == inputs.end()) return input_error(kernel, fmt::format("missing input '{}'", name));
    const InputView &t = it->second;
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

// attend(q[h], k[kv].T, v[kv].T, scale) (the math layout (s, d)) for the
// query heads h of one KV head, streamed over the kernel layout (k, v:
// (n_kv, d, s)) with no transposed copies: every sum runs over the same
// terms in the same order as the Array matmuls (logits[c] adds k[c][r] *
// q[r] for r = 0..d-1; o[j] adds p[c] * v[c][j] for c = 0..s-1), each result
// rounded to float32 as theirs are, so the values are identical. Each row of
// k and v is read once for the whole group (generated once, for a random
// input). Working set: a row of s floats and an s-long double vector per
// query head of the group.
std::vector<Array> attend_group(const std::vector<Array> &qs, const InputView &k, const InputView &v, int64_t kv,
                                double scale) {
  const int64_t d = k.shape[1], s = k.shape[2];
  const uint64_t base = uint64_t(kv) * uint64_t(d) * uint64_t(s);
  const size_t g = qs.size();
  std::vector<float> row(static_cast<size_t>(s));
  std::vector<std::vector<double>> acc(g, std::vector<double>(static_cast<size_t>(s), 0.0));
  for (int64_t r = 0; r < d; ++r) {
    k.read(base + uint64_t(r * s), uint64_t(s), row.data());
    for (size_t h = 0; h < g; ++h) {
      const double qr = qs[h].values()[size_t(r)];
      double *a = acc[h].data();
      for (int64_t c = 0; c < s; ++c) a[c] += double(row[size_t(c)]) * qr;
    }
  }
  std::vector<Array> ps, outs;
  for (size_t h = 0; h < g; ++h) {
    Array logits(ElemType::f32, {s});
    std::vector<double> &lv = logits.mutable_values();
    for (int64_t c = 0; c < s; ++c) lv[size_t(c)] = round_to(ElemType::f32, acc[h][size_t(c)]);
    std::vector<double>().swap(acc[h]);
    ps.push_back(softmax(logits * scale, -1));
    outs.emplace_back(promote(ps.back().type(), ElemType::f32), Shape{d});
  }
  for (int64_t j = 0; j < d; ++j) {
    v.read(base + uint64_t(j * s), uint64_t(s), row.data());
    for (size_t h = 0; h < g; ++h) {
      const std::vector<double> &pv = ps[h].values();
      double sum = 0.0;
      for (int64_t c = 0; c < s; ++c) sum += pv[size_t(c)] * double(row[size_t(c)]);
      outs[h].mutable_values()[size_t(j)] = round_to(outs[h].type(), sum);
    }
  }
  return outs;
}

} // namespace

uint64_t decode_attention_working_set(const std::map<std::string, std::vector<int64_t>> &shapes) {
  auto k = shapes.find("k");
  if (k == shapes.end() || k->second.size() < 2) return 0;
  // (n_kv,) d, s. The GQA reference streams one row at a time: a row of s
  // floats and, per query head of a group, an s-long double vector (the
  // logits, then the probabilities); the single-head one holds K and V
  // transposed as doubles (its s is at most 128).
  const std::vector<int64_t> &s = k->second;
  const uint64_t len = uint64_t(s[s.size() - 1]);
  if (s.size() == 2) return 3 * 8 * len * uint64_t(s[0]);
  auto q = shapes.find("q");
  const uint64_t group = q != shapes.end() && q->second.size() == 2 && s[0] > 0 ? uint64_t(q->second[1] / s[0]) : 1;
  return 4 * len + 2 * 8 * len * std::max<uint64_t>(group, 1);
}

llvm::Expected<TensorMap> decode_attention_reference(const TensorMap &inputs) {
  const char *kernel = "decode_attention";
  auto in = get_inputs(kernel, views_of(inputs), {{"q", 2}, {"k", 2}, {"v", 2}});
  if (!in) return in.takeError();
  const HostTensor &q = inputs.at("q"), &k = inputs.at("k"), &v = inputs.at("v");
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
  return decode_attention_gqa_reference_views(views_of(inputs));
}

llvm::Expected<TensorMap> decode_attention_gqa_reference_views(const InputViews &inputs) {
  const char *kernel = "decode_attention_gqa";
  auto in = get_inputs(kernel, inputs, {{"q", 2}, {"k", 3}, {"v", 3}});
  if (!in) return in.takeError();
  const InputView &q = *(*in)[0], &k = *(*in)[1], &v = *(*in)[2];
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
  Array qa(ElemType::f32, {d, n_q});
  {
    std::vector<float> qf(size_t(d * n_q));
    q.read(0, uint64_t(d * n_q), qf.data());
    std::vector<double> &qv = qa.mutable_values();
    for (size_t i = 0; i < qf.size(); ++i) qv[i] = qf[i];
  }
  Array qn = qa.transpose(); // (n_q,d)
  std::vector<Array> heads;
  // One KV head at a time in the math layout (s,d): the working set is one
  // head's K and V, not every head's, whatever n_kv and s are.
  for (int64_t kv = 0; kv < n_kv; ++kv) {
    std::vector<Array> qs;
    for (int64_t h = kv * group; h < (kv + 1) * group; ++h) qs.push_back(qn.index(h));
    for (Array &o : attend_group(qs, k, v, kv, default_scale(d))) heads.push_back(std::move(o));
  }
  return TensorMap{{"out", stack(heads).to_host(Dtype::f32)}};
}

} // namespace nk::oracle
