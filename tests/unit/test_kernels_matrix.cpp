// The decode kernels, compiled and simulated in-process against the oracle:
// a covering subset of the issue-7 validation matrix (every d, every
// (n_q, n_kv), every s, both targets, normal and large logits, fp32 and
// bf16, both kernels). The full matrix, and the same through .npy files
// against NumPy, is tests/validation/run_matrix.py (docs/kernels.md).
//
// Each case: compile_tile_file with -D sizes, bind q from the deterministic
// random generator scaled by 8 for large logits (queries only, so the
// running max moves between tiles), bind k and v, run with the race checker
// and --strict's uninitialised-read check, compare with the registered
// reference using its own tolerance (allclose, atol = rtol = 1e-5 for fp32;
// for bf16 rtol = 2^-8 and atol = 2^-8 * max|expected|, one bf16 rounding
// of the largest output, so no case can pass on an atol larger than it).
#include "compiler/pipeline.h"
#include "oracle/kernel_reference.h"
#include "runtime/hbm_binding.h"
#include "simulator/session.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

using namespace nk;

namespace {

struct MatrixCase {
  const char *file; // under kernels/
  const char *target;
  int64_t d, n_q, n_kv, s;
  double q_scale; // 8: large logits
};

std::string describe(const MatrixCase &c) {
  return std::string(c.file) + " " + c.target + " d=" + std::to_string(c.d) + " n_q=" + std::to_string(c.n_q) +
         " n_kv=" + std::to_string(c.n_kv) + " s=" + std::to_string(c.s) + " q_scale=" + std::to_string(c.q_scale);
}

// Compiles, simulates and checks one case; returns the comparison.
oracle::Comparison run_case(const MatrixCase &c, uint64_t seed) {
  INFO(describe(c));
  const Target *t = find_target(c.target);
  REQUIRE(t);
  std::map<std::string, int64_t> defines{{"d", c.d}, {"s", c.s}};
  bool gqa = std::string(c.file).find("gqa") != std::string::npos;
  if (gqa) {
    defines["n_q"] = c.n_q;
    defines["n_kv"] = c.n_kv;
  }
  std::string diags;
  llvm::raw_string_ostream ds(diags);
  auto p = compile_tile_file(std::string(NK_SOURCE_DIR) + "/kernels/" + c.file, defines, *t, PipelineOptions{}, ds);
  REQUIRE_MESSAGE(p, llvm::toString(p.takeError()) << ds.str());
  std::string kernel = p->kernel;
  const TensorDecl *q = p->find_tensor("q");
  REQUIRE(q);
  HostTensor q_values = random_tensor(*q, seed, c.q_scale);
  auto session = Session::from_program(std::move(*p));
  REQUIRE_MESSAGE(session, llvm::toString(session.takeError()));
  llvm::Error bound = session->bind("q", q_values);
  REQUIRE_MESSAGE(!bound, llvm::toString(std::move(bound)));
  session->bind_random(seed);

  SimOptions opts;
  opts.check_races = true;
  opts.strict = true;
  auto stats = session->run(opts);
  REQUIRE_MESSAGE(stats, llvm::toString(stats.takeError()));
  CHECK(stats->num_warnings == 0);

  const oracle::KernelReference *ref = oracle::find_reference(kernel);
  REQUIRE(ref);
  auto expected = ref->run(session->inputs());
  REQUIRE_MESSAGE(expected, llvm::toString(expected.takeError()));
  auto actual = session->outputs();
  REQUIRE_MESSAGE(actual, llvm::toString(actual.takeError()));
  auto cmp = oracle::compare_outputs(*actual, *expected, ref->tolerance_for(session->inputs(), *actual, *expected));
  REQUIRE_MESSAGE(cmp, llvm::toString(cmp.takeError()));
  REQUIRE(cmp->size() == 1);
  const oracle::Comparison &r = cmp->front();
  INFO("max_abs_err " << r.max_abs_error << ", " << r.num_mismatched << " of " << r.num_elements
                      << " elements fail; worst got " << r.worst_actual << " expected " << r.worst_expected);
  CHECK(r.passed);
  CHECK(r.num_elements == uint64_t(gqa ? c.n_q * c.d : c.d));

  float max_expected = 0;
  for (float v : expected->begin()->second.to_floats()) max_expected = std::max(max_expected, std::fabs(v));
  CHECK(max_expected > 0);
  if (q->dtype == Dtype::bf16) {
    // One bf16 rounding of the largest output (oracle/kernel_reference.h).
    CHECK(r.tolerance.atol == doctest::Approx(0x1p-8 * max_expected));
    CHECK(r.tolerance.rtol == doctest::Approx(0x1p-8));
  } else {
    CHECK(r.tolerance.atol == doctest::Approx(1e-5));
    CHECK(r.tolerance.rtol == doctest::Approx(1e-5));
  }
  return r;
}

} // namespace

TEST_CASE("decode_attention_gqa (fp32): covering subset of the validation matrix") {
  // d {32,64,80,96,128} x (n_q,n_kv) {(1,1),(4,4),(8,2),(12,2),(32,8),(16,1)}
  // x s {1,17,128,300,512,2048}: each value at least once, on both targets.
  const MatrixCase cases[] = {
      {"decode_attention_gqa.tile", "trn1", 32, 1, 1, 1, 1.0},
      {"decode_attention_gqa.tile", "trn2", 64, 4, 4, 17, 8.0},
      {"decode_attention_gqa.tile", "trn1", 80, 8, 2, 128, 1.0},
      {"decode_attention_gqa.tile", "trn2", 96, 12, 2, 300, 8.0},
      {"decode_attention_gqa.tile", "trn1", 128, 32, 8, 512, 8.0},
      {"decode_attention_gqa.tile", "trn2", 128, 16, 1, 2048, 8.0},
      {"decode_attention_gqa.tile", "trn1", 96, 16, 1, 300, 8.0},
      {"decode_attention_gqa.tile", "trn2", 32, 32, 8, 17, 1.0},
  };
  uint64_t seed = 11;
  for (const MatrixCase &c : cases) run_case(c, seed++);
}

TEST_CASE("decode_attention (fp32): every d and every s <= 128, both targets") {
  const MatrixCase cases[] = {
      {"decode_attention.tile", "trn1", 32, 1, 1, 1, 8.0},   {"decode_attention.tile", "trn2", 64, 1, 1, 17, 8.0},
      {"decode_attention.tile", "trn1", 80, 1, 1, 128, 1.0}, {"decode_attention.tile", "trn2", 96, 1, 1, 128, 8.0},
      {"decode_attention.tile", "trn1", 128, 1, 1, 17, 8.0},
  };
  uint64_t seed = 31;
  for (const MatrixCase &c : cases) run_case(c, seed++);
}

TEST_CASE("bf16 variants: bf16 inputs, fp32 accumulation, within 2e-2 of the oracle") {
  const MatrixCase cases[] = {
      {"decode_attention_gqa_bf16.tile", "trn1", 128, 8, 2, 300, 8.0},
      {"decode_attention_gqa_bf16.tile", "trn2", 64, 12, 2, 2048, 8.0},
      {"decode_attention_gqa_bf16.tile", "trn2", 80, 4, 4, 1, 1.0},
      {"decode_attention_bf16.tile", "trn1", 96, 1, 1, 17, 8.0},
      {"decode_attention_bf16.tile", "trn2", 128, 1, 1, 128, 1.0},
  };
  uint64_t seed = 51;
  for (const MatrixCase &c : cases) run_case(c, seed++);
}

TEST_CASE("the fp32 check is tight enough to see the bf16 kernel's rounding") {
  // The bf16 kernel on bf16 inputs, compared with fp32 tolerances: its bf16
  // rounding of p must show, or the fp32 tolerance would be vacuous here.
  MatrixCase c{"decode_attention_gqa_bf16.tile", "trn2", 64, 8, 2, 300, 8.0};
  const Target *t = find_target(c.target);
  std::string diags;
  llvm::raw_string_ostream ds(diags);
  auto p = compile_tile_file(std::string(NK_SOURCE_DIR) + "/kernels/" + c.file,
                             {{"d", c.d}, {"n_q", c.n_q}, {"n_kv", c.n_kv}, {"s", c.s}}, *t, PipelineOptions{}, ds);
  REQUIRE_MESSAGE(p, llvm::toString(p.takeError()) << ds.str());
  auto session = Session::from_program(std::move(*p));
  REQUIRE(session);
  session->bind_random(5, 4.0);
  auto stats = session->run();
  REQUIRE_MESSAGE(stats, llvm::toString(stats.takeError()));
  const oracle::KernelReference *ref = oracle::find_reference(session->program().kernel);
  REQUIRE(ref);
  auto expected = ref->run(session->inputs());
  REQUIRE(expected);
  auto actual = session->outputs();
  REQUIRE(actual);
  auto fp32 = oracle::compare_outputs(*actual, *expected, ref->fp32_tolerance);
  REQUIRE(fp32);
  CHECK_FALSE(oracle::all_passed(*fp32));
  auto bf16 = oracle::compare_outputs(*actual, *expected, ref->tolerance_for(session->inputs(), *actual, *expected));
  REQUIRE(bf16);
  CHECK(oracle::all_passed(*bf16));
}
