// The reference registry (see kernel_reference.h). Adding a kernel: write
// its reference next to decode_attention.cpp and add one entry here.
#include "oracle/kernel_reference.h"

namespace nk::oracle {

const std::vector<KernelReference> &all_references() {
  static const std::vector<KernelReference> refs = {
      {"decode_attention", "q (d,1), k (d,s), v (d,s) -> out (1,d)", {1e-5, 1e-5}, {2e-2, 2e-2},
       decode_attention_reference},
      {"decode_attention_gqa", "q (d,n_q), k (n_kv,d,s), v (n_kv,d,s) -> out (n_q,d)", {1e-5, 1e-5},
       {2e-2, 2e-2}, decode_attention_gqa_reference},
  };
  return refs;
}

const KernelReference *find_reference(llvm::StringRef kernel_name) {
  for (const KernelReference &r : all_references())
    if (r.name == kernel_name) return &r;
  return nullptr;
}

Tolerance KernelReference::tolerance_for(const TensorMap &inputs, const TensorMap &outputs) const {
  for (const TensorMap *m : {&inputs, &outputs})
    for (const auto &kv : *m)
      if (kv.second.dtype == Dtype::bf16 || kv.second.dtype == Dtype::f16) return low_precision_tolerance;
  return fp32_tolerance;
}

} // namespace nk::oracle
