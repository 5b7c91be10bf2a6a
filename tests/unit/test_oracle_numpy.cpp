// Cross-check against real NumPy: tests/python/oracle_cases.py computes sums,
// a softmax and decode attention (including large-magnitude logits, queries
// scaled by 8, and bf16 inputs) in NumPy float32; the C++ oracle must agree
// to 1e-6 relative, and sums along the fast axis bit for bit. Skipped, with
// a message, when /usr/bin/python3 has no numpy.
//
// Attention is compared twice. Against the NumPy formulation with each
// matmul accumulated in float64 and rounded once (what the oracle documents)
// it must agree to 1e-6. Against plain float32 `@` the difference is NumPy's
// own BLAS rounding (sgemv's order is machine-specific), which large logits
// amplify: the test bounds it at 1e-4 relative and prints what it measured.
#include "oracle/array.h"
#include "oracle/compare.h"
#include "oracle/kernel_reference.h"
#include "runtime/npy.h"

#include "llvm/Support/FileSystem.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>

using namespace nk;
using namespace nk::oracle;

namespace {

struct NumpyCases {
  llvm::SmallString<128> dir;
  bool ok = false;
  NumpyCases() {
    if (std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") != 0) return;
    if (llvm::sys::fs::createUniqueDirectory("nk-oracle-numpy", dir)) return;
    std::string cmd =
        std::string("/usr/bin/python3 ") + NK_SOURCE_DIR + "/tests/python/oracle_cases.py '" + dir.str().str() + "'";
    ok = std::system(cmd.c_str()) == 0;
  }
  ~NumpyCases() {
    if (!dir.empty()) llvm::sys::fs::remove_directories(dir);
  }
  HostTensor load(const std::string &name) const {
    auto t = read_npy((dir + "/" + name + ".npy").str());
    REQUIRE_MESSAGE(t, (t ? "" : llvm::toString(t.takeError())));
    return std::move(*t);
  }
};

const NumpyCases &cases() {
  static NumpyCases c;
  return c;
}

bool skip_without_numpy() {
  if (std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") != 0) {
    MESSAGE("skipped: /usr/bin/python3 has no numpy");
    return true;
  }
  REQUIRE_MESSAGE(cases().ok, "tests/python/oracle_cases.py failed");
  return false;
}

// Agreement to 1e-6 relative (atol 1e-6 * the largest |expected|, so that
// near-zero elements of a large output are judged on the output's scale).
void check_close(const std::string &what, const HostTensor &got, const HostTensor &want, double rtol = 1e-6) {
  double scale = 0;
  for (float x : want.to_floats()) scale = std::max(scale, double(std::fabs(x)));
  auto c = compare_tensors(what, got, want, {rtol * scale, rtol});
  REQUIRE_MESSAGE(c, (c ? "" : llvm::toString(c.takeError())));
  std::string line;
  llvm::raw_string_ostream os(line);
  print_comparison(os, *c);
  MESSAGE(os.str());
  CHECK(c->passed);
}

} // namespace

TEST_CASE("numpy cross-check: sums match np.sum bit for bit") {
  if (skip_without_numpy()) return;
  for (int n : {1, 7, 8, 9, 100, 128, 129, 1000, 4097}) {
    std::string p = "sum_" + std::to_string(n) + "_";
    Array x = Array::from_host(cases().load(p + "x"));
    INFO("n = " << n);
    CHECK(sum(x).to_host() == cases().load(p + "all"));
    CHECK(sum(x, -1).to_host() == cases().load(p + "last"));
    CHECK(sum(x, 0).to_host() == cases().load(p + "first"));
  }
}

TEST_CASE("numpy cross-check: softmax of large logits") {
  if (skip_without_numpy()) return;
  Array x = Array::from_host(cases().load("softmax_x"));
  check_close("softmax", softmax(x, -1).to_host(), cases().load("softmax_out"));
}

TEST_CASE("numpy cross-check: decode attention references") {
  if (skip_without_numpy()) return;
  struct Case {
    const char *name, *kernel;
    Dtype dtype;
  };
  for (Case c :
       {Case{"single_small", "decode_attention", Dtype::f32}, Case{"single_q8", "decode_attention", Dtype::f32},
        Case{"gqa", "decode_attention_gqa", Dtype::f32}, Case{"gqa_q8", "decode_attention_gqa", Dtype::f32},
        Case{"gqa_large_logits", "decode_attention_gqa", Dtype::f32},
        Case{"gqa_bf16", "decode_attention_gqa", Dtype::bf16}}) {
    std::string p = std::string(c.name) + "_";
    TensorMap in{{"q", cases().load(p + "q")}, {"k", cases().load(p + "k")}, {"v", cases().load(p + "v")}};
    CHECK(in.at("k").dtype == c.dtype);
    const KernelReference *ref = find_reference(c.kernel);
    REQUIRE(ref);
    auto out = ref->run(in);
    REQUIRE_MESSAGE(out, (out ? "" : llvm::toString(out.takeError())));
    check_close(c.name, out->at("out"), cases().load(p + "out"));
    check_close(std::string(c.name) + " vs float32 @", out->at("out"), cases().load(p + "out_blas"), 1e-4);
  }
}
