// The reference registry (see kernel_reference.h). Adding a kernel: write
// its reference next to decode_attention.cpp and add one entry here.
#include "oracle/kernel_reference.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace nk::oracle {

// With q, k and v standard normal the logits q.k/sqrt(d) have standard
// deviation 1, and softmax over s positions is close to uniform: the output
// is then near the mean of v (about 0), which hides softmax bugs. Trained
// models' attention is far more peaked. q scaled by 3 gives logits of
// standard deviation 3: the softmax's entropy is then log(s) - 4.5, i.e.
// the weight sits on about s/90 positions (a handful at s = 512).
const std::map<std::string, double> kAttentionInputs = {{"q", 3.0}};

const std::vector<KernelReference> &all_references() {
  static const std::vector<KernelReference> refs = {
      // Low precision: P is rounded to bf16 once before P.V, an error of at
      // most u * sum(p|v|)/l <= u * max|v| per output (docs/oracle.md).
      {"decode_attention",
       "q (d,1), k (d,s), v (d,s) -> out (1,d)",
       {1e-5, 1e-5},
       1.0,
       decode_attention_reference,
       kAttentionInputs,
       decode_attention_working_set},
      {"decode_attention_gqa",
       "q (d,n_q), k (n_kv,d,s), v (n_kv,d,s) -> out (n_q,d)",
       {1e-5, 1e-5},
       1.0,
       decode_attention_gqa_reference,
       kAttentionInputs,
       decode_attention_working_set,
       decode_attention_gqa_reference_views},
      // Paged decode attention: fp32 sums in the kernel against a double
      // reference (as the GQA kernel); a bf16 cache is widened on load, so
      // the bf16 variant computes in fp32 on the values the reference sees.
      {"decode_attention_paged",
       "q (B,T,d,n_q), k_cache (n_blocks,d,n_kv,block), v_cache (n_blocks,block,n_kv,d), block_table i32 "
       "(B,max_blocks), seq_lens i32 (B), window i32 (1), sinks i32 (1) -> out (B,T*n_q,d)",
       {1e-5, 1e-5},
       1.0,
       paged_attention_reference,
       kAttentionInputs,
       paged_attention_working_set,
       nullptr,
       paged_attention_random_inputs,
       paged_attention_validate,
       paged_attention_minimal_bytes},
      // fp8 cache with per-head scales and a bf16 q: the reference takes the
      // fp8 values exactly, and the kernel's one rounding is P to bf16, so
      // the check allows one bf16 rounding (2^-8 = the fp8 unit roundoff
      // 2^-4 times 1/16), not one fp8 rounding.
      {"decode_attention_paged_fp8",
       "as decode_attention_paged, with k_scale (n_kv), v_scale (n_kv) -> out (B,T*n_q,d)",
       {1e-5, 1e-5},
       1.0 / 16,
       paged_attention_fp8_reference,
       kAttentionInputs,
       paged_attention_working_set,
       nullptr,
       paged_attention_random_inputs,
       paged_attention_validate,
       paged_attention_minimal_bytes},
      // The NKI 2.26 instruction kernels (nki_kernels.cpp). The recurrence
      // and top-8 are exact (the same fp32 operations in the same order;
      // indices), so their check allows no difference at all.
      {"layernorm", "x (n,d) -> out (n,d)", {1e-5, 1e-5}, 1.0, layernorm_reference},
      {"linear_recurrence", "a (c,T), b (c,T), h0 (c,1) -> out (c,T)", {0, 0}, 1.0, linear_recurrence_reference},
      {"top8", "x (n,m) -> out (n,8) i32", {0, 0}, 1.0, top8_reference},
  };
  return refs;
}

std::map<std::string, std::pair<Dtype, std::vector<int64_t>>> input_decls(const std::vector<TensorDecl> &tensors) {
  std::map<std::string, std::pair<Dtype, std::vector<int64_t>>> decls;
  for (const TensorDecl &d : tensors)
    if (d.kind == TensorKind::input) decls[d.name] = {d.dtype, d.shape};
  return decls;
}

TensorMap generated_inputs(const KernelReference &ref, const std::vector<TensorDecl> &tensors,
                           const std::set<std::string> &bound, uint64_t seed) {
  if (!ref.random_inputs) return {};
  const auto decls = input_decls(tensors);
  TensorMap made = ref.random_inputs(decls, seed);
  for (auto it = made.begin(); it != made.end();)
    it = bound.count(it->first) || !decls.count(it->first) ? made.erase(it) : std::next(it);
  return made;
}

const KernelReference *find_reference(llvm::StringRef kernel_name) {
  for (const KernelReference &r : all_references())
    if (r.name == kernel_name) return &r;
  return nullptr;
}

uint64_t
KernelReference::check_bytes(const std::map<std::string, std::pair<Dtype, std::vector<int64_t>>> &inputs) const {
  uint64_t bytes = 0, widened = 0;
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const auto &[name, t] : inputs) {
    uint64_t n = 1;
    for (int64_t d : t.second) n *= uint64_t(std::max<int64_t>(d, 0));
    bytes += n * dtype_size(t.first);
    widened += n * 8;
    shapes[name] = t.second;
  }
  return bytes + (working_set_bytes ? working_set_bytes(shapes) : widened);
}

double unit_roundoff(Dtype t) {
  switch (t) {
  case Dtype::f32: return 0x1p-24;
  case Dtype::f16:
  case Dtype::tf32: return 0x1p-11;
  case Dtype::bf16: return 0x1p-8;
  case Dtype::f8e4m3: return 0x1p-4;
  case Dtype::f8e5m2: return 0x1p-3;
  default: return 0;
  }
}

InputViews views_of(const std::vector<TensorDecl> &tensors, const std::vector<std::string> &names,
                    const InputReader &read) {
  InputViews views;
  for (const std::string &name : names)
    for (const TensorDecl &d : tensors)
      if (d.name == name)
        views[name] = InputView{d.dtype, d.shape,
                                [read, name](uint64_t first, uint64_t n, float *out) { read(name, first, n, out); }};
  return views;
}

InputViews views_of(const TensorMap &inputs) {
  InputViews views;
  for (const auto &[name, t] : inputs) {
    const HostTensor *tp = &t;
    views[name] = InputView{t.dtype, t.shape, [tp](uint64_t first, uint64_t n, float *out) {
                              if (tp->dtype == Dtype::f32)
                                std::memcpy(out, tp->data.data() + first * 4, n * 4);
                              else
                                for (uint64_t i = 0; i < n; ++i) out[i] = tp->get_f32(first + i);
                            }};
  }
  return views;
}

Tolerance KernelReference::tolerance_for(const TensorMap &inputs, const TensorMap &outputs,
                                         const TensorMap &expected) const {
  std::vector<Dtype> dtypes;
  for (const auto &kv : inputs) dtypes.push_back(kv.second.dtype);
  return tolerance_for(dtypes, outputs, expected);
}

Tolerance KernelReference::tolerance_for(const std::vector<Dtype> &input_dtypes, const TensorMap &outputs,
                                         const TensorMap &expected) const {
  double u = 0;
  std::vector<Dtype> dtypes = input_dtypes;
  for (const auto &kv : outputs) dtypes.push_back(kv.second.dtype);
  for (Dtype t : dtypes)
    if (t != Dtype::f32 && dtype_is_float(t)) u = std::max(u, unit_roundoff(t));
  if (u == 0) return fp32_tolerance;
  double scale = 0;
  for (const auto &kv : expected)
    for (uint64_t i = 0, n = kv.second.num_elements(); i < n; ++i) {
      double x = std::fabs(kv.second.get_f32(i));
      if (std::isfinite(x)) scale = std::max(scale, x);
    }
  const double rtol = low_precision_roundings * u;
  return Tolerance{rtol * scale, rtol};
}

} // namespace nk::oracle
