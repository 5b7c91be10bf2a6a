// References for the decode attention kernels (docs/kernels.md), written the
// slow obvious way NumPy users would: transpose the kernel-layout inputs to
// the math layout (q (n_q,d), k/v (n_kv,s,d)), then per query head
//   p = softmax((k[kv] @ q[h]) * scale),  o[h] = p @ v[kv],
// with kv = h / (n_q / n_kv) (repeat-KV) and scale = 1/sqrt(d) as a float32
// scalar. Inputs are validated first; every problem is an llvm::Error naming
// the input.
#include "oracle/array.h"
#include "oracle/kernel_reference.h"
#include "oracle/row_sums.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <thread>

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

// Rows of K and V the GQA reference takes at once (attend_group).
constexpr int64_t kVRows = kDotRows;

// What one thread of the GQA reference reuses from one KV head to the
// next: fresh memory costs a page fault per page, and these are megabytes.
struct GroupScratch {
  std::vector<float> rows; // kVRows rows of s
  std::vector<double> acc; // the logits' sums, g x s
};

// attend(q[h], k[kv].T, v[kv].T, scale) (the math layout (s, d)) for the
// query heads h of one KV head, streamed over the kernel layout (k, v:
// (n_kv, d, s)) with no transposed copies: every sum runs over the same
// terms in the same order as the Array matmuls (logits[c] adds k[c][r] *
// q[r] for r = 0..d-1; o[j] adds p[c] * v[c][j] for c = 0..s-1), each result
// rounded to float32 as theirs are, so the values are identical (the loops
// are vectorised across independent sums only: row_sums.h). Each row of k
// and v is read once for the whole group (generated once, for a random
// input), kVRows rows at a time. Working set: kVRows rows of s floats and
// s-long double vectors per query head of the group.
std::vector<Array> attend_group(const std::vector<Array> &qs, const InputView &k, const InputView &v, int64_t kv,
                                double scale, GroupScratch &w) {
  const int64_t d = k.shape[1], s = k.shape[2];
  const uint64_t base = uint64_t(kv) * uint64_t(d) * uint64_t(s);
  const size_t g = qs.size();
  w.rows.resize(size_t(kVRows * s));
  w.acc.assign(g * size_t(s), 0.0);
  std::vector<double *> acc(g);
  for (size_t h = 0; h < g; ++h) acc[h] = w.acc.data() + h * size_t(s);
  std::vector<double> q_r(g * kDotRows);
  for (int64_t r0 = 0; r0 < d; r0 += kVRows) {
    const int64_t nr = std::min(kVRows, d - r0);
    k.read(base + uint64_t(r0 * s), uint64_t(nr * s), w.rows.data()); // rows r0 .. r0+nr-1: contiguous
    for (int64_t r = 0; r < nr; ++r)
      for (size_t h = 0; h < g; ++h) q_r[size_t(r) * g + h] = qs[h].values()[size_t(r0 + r)];
    add_scaled_rows(w.rows.data(), uint64_t(s), unsigned(nr), uint64_t(s), q_r.data(), g, acc.data());
  }
  std::vector<Array> ps, outs;
  std::vector<const double *> p(g);
  for (size_t h = 0; h < g; ++h) {
    Array logits(ElemType::f32, {s});
    std::vector<double> &lv = logits.mutable_values();
    for (int64_t c = 0; c < s; ++c) lv[size_t(c)] = round_to(ElemType::f32, acc[h][size_t(c)]);
    ps.push_back(softmax(logits * scale, -1));
    outs.emplace_back(promote(ps.back().type(), ElemType::f32), Shape{d});
  }
  for (size_t h = 0; h < g; ++h) p[h] = ps[h].values().data();
  // o[h][j], one sequential sum over c per (h, j), kVRows rows at a time.
  std::vector<double> sums(g * kDotRows);
  for (int64_t j0 = 0; j0 < d; j0 += kVRows) {
    const int64_t nr = std::min(kVRows, d - j0);
    v.read(base + uint64_t(j0 * s), uint64_t(nr * s), w.rows.data()); // rows j0 .. j0+nr-1: contiguous
    dot_rows(w.rows.data(), uint64_t(s), unsigned(nr), uint64_t(s), p.data(), g, sums.data());
    for (size_t h = 0; h < g; ++h)
      for (int64_t r = 0; r < nr; ++r)
        outs[h].mutable_values()[size_t(j0 + r)] = round_to(outs[h].type(), sums[h * kDotRows + size_t(r)]);
  }
  return outs;
}

} // namespace

uint64_t decode_attention_working_set(const std::map<std::string, std::vector<int64_t>> &shapes) {
  auto k = shapes.find("k");
  if (k == shapes.end() || k->second.size() < 2) return 0;
  // (n_kv,) d, s. The GQA reference streams its inputs, per thread (one KV
  // head each): kVRows rows of s floats and, per query head of a group, an
  // s-long double vector (the logits, then the probabilities); the
  // single-head one holds K and V transposed as doubles (its s is at most
  // 128).
  const std::vector<int64_t> &s = k->second;
  const uint64_t len = uint64_t(s[s.size() - 1]);
  if (s.size() == 2) return 3 * 8 * len * uint64_t(s[0]);
  auto q = shapes.find("q");
  const uint64_t group = q != shapes.end() && q->second.size() == 2 && s[0] > 0 ? uint64_t(q->second[1] / s[0]) : 1;
  return 4 * uint64_t(kVRows) * len + 2 * 8 * len * std::max<uint64_t>(group, 1);
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
  return decode_attention_gqa_reference_views(views_of(inputs), 1);
}

llvm::Expected<TensorMap> decode_attention_gqa_reference_views(const InputViews &inputs, unsigned threads) {
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
  // One KV head at a time per thread, streamed: the working set is a few
  // rows of one head's K and V, not every head's, whatever n_kv and s are.
  // The heads are independent and each is computed the same way on any
  // thread, so the result does not depend on `threads`.
  std::vector<std::vector<Array>> per_kv(static_cast<size_t>(n_kv));
  std::atomic<int64_t> next{0};
  auto work = [&] {
    GroupScratch scratch;
    for (int64_t kv; (kv = next.fetch_add(1)) < n_kv;) {
      std::vector<Array> qs;
      for (int64_t h = kv * group; h < (kv + 1) * group; ++h) qs.push_back(qn.index(h));
      per_kv[size_t(kv)] = attend_group(qs, k, v, kv, default_scale(d), scratch);
    }
  };
  std::vector<std::thread> helpers;
  for (unsigned t = 1; t < std::min<uint64_t>(threads, uint64_t(n_kv)); ++t) helpers.emplace_back(work);
  work();
  for (std::thread &t : helpers) t.join();
  std::vector<Array> heads;
  for (std::vector<Array> &group_out : per_kv)
    for (Array &o : group_out) heads.push_back(std::move(o));
  return TensorMap{{"out", stack(heads).to_host(Dtype::f32)}};
}

} // namespace nk::oracle
