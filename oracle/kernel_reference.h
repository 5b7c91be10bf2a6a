// The registry of per-kernel references: for each kernel under kernels/,
// keyed by its name (Program::kernel), a NumPy-equivalent computation of its
// outputs from its inputs and the tolerance its check uses. `nksim run
// K.tile --check` finds the reference with find_reference(program.kernel).
//
// Inputs and outputs are in the kernel's layout (the HostTensors bound to
// and read from HBM); each reference transposes to the natural math layout
// internally. Narrow-float inputs (bf16, f16) are widened exactly, so the
// reference computes in fp32 on the same rounded values the kernel saw.
#pragma once

#include "oracle/compare.h"
#include "runtime/host_tensor.h"
#include "runtime/program.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace nk::oracle {

using TensorMap = std::map<std::string, HostTensor>;

// An input a reference reads on demand: its dtype and shape, and a reader of
// elements [first, first + n) (C order) widened to fp32. nksim's --check
// passes views that generate random inputs or read the HBM image, so a
// streaming reference needs no copy of the inputs at all.
struct InputView {
  Dtype dtype = Dtype::f32;
  std::vector<int64_t> shape;
  std::function<void(uint64_t first, uint64_t n, float *out)> read;
};
using InputViews = std::map<std::string, InputView>;
// Views over host tensors (which must outlive them).
InputViews views_of(const TensorMap &inputs);
// Views of the inputs `names` of a program's tensor table, each read as
// fp32 through read(name, first, n, out) (a simulation session's inputs:
// nksim and the Python package). `read` must be safe to call from several
// threads when the views are given to run(views, threads > 1).
using InputReader = std::function<void(const std::string &name, uint64_t first, uint64_t n, float *out)>;
InputViews views_of(const std::vector<TensorDecl> &tensors, const std::vector<std::string> &names,
                    const InputReader &read);

struct KernelReference {
  std::string name;    // the kernel name it checks
  std::string summary; // one line: inputs -> outputs
  Tolerance fp32_tolerance{1e-5, 1e-5};
  // With a bf16 or f16 input or output, the check allows this many
  // roundings of the narrowest such dtype: rtol = n*u and atol =
  // n*u*max|expected|, u its unit roundoff (bf16 2^-8, f16 2^-11). atol
  // follows the output's own scale, so a fixed atol larger than the outputs
  // can never pass a wrong kernel.
  double low_precision_roundings = 1.0;
  // Outputs (f32) by name. Errors name the input and what is wrong with it.
  llvm::Expected<TensorMap> (*compute)(const TensorMap &inputs) = nullptr;
  // Random inputs representative of the kernel's real data: an input named
  // here gets this factor times --random-scale (nksim --random-inputs).
  std::map<std::string, double> random_input_scale = {};
  // Host memory the reference needs beyond the inputs it is given, from the
  // inputs' shapes (by name), so that --check can refuse up front what would
  // not fit. nullptr: assume the size of every input widened to double.
  uint64_t (*working_set_bytes)(const std::map<std::string, std::vector<int64_t>> &shapes) = nullptr;

  // The same computation over input views, for references that stream their
  // inputs (nullptr: only `compute`). Last, so the table's entries may omit it.
  // `threads`: how many host threads it may use (at least 1; the views' read
  // must then be safe to call concurrently); the result does not depend on it.
  llvm::Expected<TensorMap> (*compute_views)(const InputViews &inputs, unsigned threads) = nullptr;
  // Inputs whose valid values random numbers would almost never be (indices
  // into other inputs, lengths): given every input's dtype and shape and the
  // --random-inputs seed, returns deterministic valid tensors for some of
  // them, by name. nksim --random-inputs binds the ones not given with
  // --input; every other input is random as usual. nullptr: all random.
  TensorMap (*random_inputs)(const std::map<std::string, std::pair<Dtype, std::vector<int64_t>>> &decls,
                             uint64_t seed) = nullptr;
  // For kernels with index inputs: checks every input's dtype and shape and
  // the values of the integer inputs (`integer_inputs`, by name) before the
  // simulation, so that nksim reports a bad index with the reference's
  // message (naming the input, the sequence and the value) rather than as
  // the DMA fault it would cause. nullptr: nothing checked before the run.
  llvm::Error (*validate_inputs)(const std::map<std::string, std::pair<Dtype, std::vector<int64_t>>> &decls,
                                 const TensorMap &integer_inputs) = nullptr;
  // The HBM bytes the computation must move for these inputs (each input
  // element it needs read once, the output written once), when that depends
  // on the integer inputs (lengths, tables); nksim --stats prints the
  // roofline fraction of this count too. nullptr: not reported.
  llvm::Expected<uint64_t> (*minimal_hbm_bytes)(
      const std::map<std::string, std::pair<Dtype, std::vector<int64_t>>> &decls,
      const TensorMap &integer_inputs) = nullptr;
  llvm::Expected<TensorMap> run(const TensorMap &inputs) const { return compute(inputs); }
  bool streams_inputs() const { return compute_views != nullptr; }
  llvm::Expected<TensorMap> run(const InputViews &inputs, unsigned threads = 1) const {
    return compute_views(inputs, std::max(1u, threads));
  }
  // What --check needs in all: the bound inputs (their own dtypes) plus
  // working_set_bytes.
  uint64_t check_bytes(const std::map<std::string, std::pair<Dtype, std::vector<int64_t>>> &inputs) const;
  // fp32_tolerance, or the low-precision rule above when any input or
  // output is bf16 or f16 (max|expected| over every expected tensor).
  Tolerance tolerance_for(const TensorMap &inputs, const TensorMap &outputs, const TensorMap &expected) const;
  Tolerance tolerance_for(const std::vector<Dtype> &input_dtypes, const TensorMap &outputs,
                          const TensorMap &expected) const;
};

// The unit roundoff (half the gap between 1 and the next value): f32 2^-24,
// f16 2^-11, bf16 2^-8; 0 for integer dtypes.
double unit_roundoff(Dtype t);

// Every input of `tensors` (a program's tensor table) by name: dtype and shape.
std::map<std::string, std::pair<Dtype, std::vector<int64_t>>> input_decls(const std::vector<TensorDecl> &tensors);
// The inputs `ref` draws itself (KernelReference::random_inputs) that are not
// in `bound`, for a run with random inputs; empty without the hook.
TensorMap generated_inputs(const KernelReference &ref, const std::vector<TensorDecl> &tensors,
                           const std::set<std::string> &bound, uint64_t seed);

// nullptr when no reference is registered for `kernel_name`.
const KernelReference *find_reference(llvm::StringRef kernel_name);
const std::vector<KernelReference> &all_references();

// The references themselves (decode_attention.cpp), in the kernel layouts
// of docs/kernels.md:
//   decode_attention:     q (d,1), k (d,s), v (d,s)                -> out (1,d)
//   decode_attention_gqa: q (d,n_q), k (n_kv,d,s), v (n_kv,d,s)    -> out (n_q,d)
llvm::Expected<TensorMap> decode_attention_reference(const TensorMap &inputs);
llvm::Expected<TensorMap> decode_attention_gqa_reference(const TensorMap &inputs);
// `threads` (at least 1): KV heads computed at once; the result is the same
// for any count. The views' read must then be safe to call concurrently.
llvm::Expected<TensorMap> decode_attention_gqa_reference_views(const InputViews &inputs, unsigned threads);
// The kernels on NKI 2.26 instructions (nki_kernels.cpp).
llvm::Expected<TensorMap> layernorm_reference(const TensorMap &inputs);
llvm::Expected<TensorMap> linear_recurrence_reference(const TensorMap &inputs);
llvm::Expected<TensorMap> top8_reference(const TensorMap &inputs);
// kernels/decode_attention_paged.tile (paged_attention.cpp):
//   q (B,T,d,n_q), k_cache (n_blocks,d,n_kv,block), v_cache (n_blocks,block,n_kv,d),
//   block_table i32 (B,max_blocks), seq_lens i32 (B,), window i32 (1,), sinks i32 (1,)
//   -> out (B,T*n_q,d)
llvm::Expected<TensorMap> paged_attention_reference(const TensorMap &inputs);
// kernels/decode_attention_paged_fp8.tile: the same with k_scale, v_scale
// f32 (n_kv,): K = k_scale[h] * k_cache, V = v_scale[h] * v_cache.
llvm::Expected<TensorMap> paged_attention_fp8_reference(const TensorMap &inputs);
uint64_t paged_attention_working_set(const std::map<std::string, std::vector<int64_t>> &shapes);
llvm::Error paged_attention_validate(const std::map<std::string, std::pair<Dtype, std::vector<int64_t>>> &decls,
                                     const TensorMap &integer_inputs);
llvm::Expected<uint64_t>
paged_attention_minimal_bytes(const std::map<std::string, std::pair<Dtype, std::vector<int64_t>>> &decls,
                              const TensorMap &integer_inputs);
// Valid block tables and lengths for --random-inputs (no window, no sinks).
TensorMap paged_attention_random_inputs(const std::map<std::string, std::pair<Dtype, std::vector<int64_t>>> &decls,
                                        uint64_t seed);
// Their working set: the GQA reference streams rows of one KV head (a few
// s-long vectors); the single-head one (s <= 128) transposes K and V to
// doubles.
uint64_t decode_attention_working_set(const std::map<std::string, std::vector<int64_t>> &shapes);

} // namespace nk::oracle
