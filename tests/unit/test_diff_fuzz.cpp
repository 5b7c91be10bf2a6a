// The bounded differential run (the long run is `build/bin/diff_fuzz`):
// 200 random kernels compiled, simulated and compared with the independent
// reference evaluation, on trn2 and a few on trn1; and random mutants of
// compiled programs verified and simulated, which must never crash (under
// the sanitizer build this is the ASan evidence for simulated-memory safety).
#include "fuzz/diff/random_kernel.h"
#include "fuzz/diff/random_program.h"

#include "compiler/frontend/frontend.h"
#include "compiler/pipeline.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <doctest/doctest.h>

#include <set>

using namespace nk;

namespace {

llvm::Expected<Program> compile_source(const diff::RandomKernel &k, const Target &t) {
  llvm::SourceMgr sm;
  unsigned id = sm.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(k.source, k.name), llvm::SMLoc());
  DiagnosticEngine diags(sm, llvm::nulls());
  auto m = build_tile_ir(sm, id, {}, t, diags);
  if (!m) return m.takeError();
  PipelineOptions o;
  o.dump = &llvm::nulls();
  return run_pipeline(std::move(*m), t, o);
}

} // namespace

TEST_CASE("random kernels are deterministic and cover the structures") {
  CHECK(diff::generate_kernel(42).source == diff::generate_kernel(42).source);
  CHECK(diff::generate_kernel(42).source != diff::generate_kernel(43).source);
  std::set<std::string> seen;
  for (uint64_t s = 1; s <= 200; ++s) {
    std::string src = diff::generate_kernel(s).source;
    for (const char *feature : {"parallel(", "sequential(", "static(", "var acc", "matmul(", "where(", "transpose(",
                                "iota(", "sum(", "max(", "exp(", "j*"})
      if (src.find(feature) != std::string::npos) seen.insert(feature);
  }
  CHECK(seen.size() == 12);
}

TEST_CASE("200 random kernels match the reference evaluation") {
  const Target &trn2 = *find_target("trn2");
  const Target &trn1 = *find_target("trn1");
  uint64_t compared = 0;
  for (uint64_t s = 1; s <= 200; ++s) {
    auto r = diff::check_kernel(diff::generate_kernel(s), s % 10 == 0 ? trn1 : trn2);
    if (!r)
      FAIL_CHECK(llvm::toString(r.takeError()));
    else
      compared += r->elements;
  }
  CHECK(compared > 0);
}

TEST_CASE("the reference catches a wrong result") {
  // The check must be able to fail: a kernel whose source was altered after
  // generation (exp -> abs) no longer matches its reference (unless the
  // altered value is dead code, hence the search for the first that differs).
  for (uint64_t s = 1; s < 500; ++s) {
    diff::RandomKernel k = diff::generate_kernel(s);
    size_t at = k.source.find("= exp(");
    if (at == std::string::npos) continue;
    k.source.replace(at, 6, "= abs(");
    auto r = diff::check_kernel(k, *find_target("trn2"));
    if (r) continue;
    CHECK(llvm::toString(r.takeError()).find("output elements differ") != std::string::npos);
    return;
  }
  FAIL("no altered kernel was caught in the first 500 seeds");
}

TEST_CASE("random program mutants never crash the simulator") {
  const Target &trn2 = *find_target("trn2");
  uint64_t mutants = 0, verified = 0, refused = 0;
  for (uint64_t s = 1; s <= 50; ++s) {
    auto p = compile_source(diff::generate_kernel(s), trn2);
    REQUIRE_MESSAGE(p, llvm::toString(p.takeError()));
    for (uint64_t m = 0; m < 4; ++m) {
      diff::ProgramCheck c = diff::check_program(diff::mutate_program(*p, s * 4 + m));
      ++mutants;
      verified += c.verified;
      refused += !c.simulated;
      // A refusal is an error message, never an empty one.
      if (!c.simulated) CHECK(!c.sim_error.empty());
    }
  }
  CHECK(mutants == 200);
  CHECK(refused > 0); // the mutations do reach the simulator's checks
  CHECK(verified < mutants);
}
