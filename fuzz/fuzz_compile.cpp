// Fuzz target: the whole compiler on what the front end accepts, then the
// simulator on what the compiler emits. Limits keep each input fast: the
// unrolled op count and the program size are capped (larger inputs are
// skipped, not failures). Checks: no crash anywhere; every program the
// pipeline returns passes the verifier (emit-program's guarantee); the
// simulator returns an llvm::Error (not a crash) for what it refuses.
#include "compiler/frontend/frontend.h"
#include "compiler/pipeline.h"
#include "compiler/tir/tir.h"
#include "runtime/target.h"
#include "runtime/verifier.h"
#include "simulator/simulator.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

namespace {

// The caps; fuzz_compile_large (NK_FUZZ_LARGE) raises them 20x, toward
// the tools' own limits (long unrolls, big tensors), at fewer execs/s. Not
// further: under ASan and coverage a 250k-op compile of a real-size
// fidelity kernel took over 60 s (libFuzzer's timeout), a slow unit, not a
// bug (the same compile takes about a second in a release build).
// The front end's own static-unrolling cap (kDefaultMaxTirOps for the
// tools) is lowered too: 200,000 ops unrolled under ASan and coverage took
// over 10 s (libFuzzer's timeout) on a loaded machine, a slow unit each
// time a mutation hit static(100000000).
#ifdef NK_FUZZ_LARGE
constexpr size_t kMaxTirOps = nk::kDefaultMaxTirOps;
constexpr uint64_t kMaxUnrolledOps = 40'000;
constexpr uint64_t kMaxInstructions = 40'000;
constexpr uint64_t kMaxHbmBytes = 64 << 20;
#else
constexpr size_t kMaxTirOps = 20'000;
constexpr uint64_t kMaxUnrolledOps = 2000;
constexpr uint64_t kMaxInstructions = 2000;
constexpr uint64_t kMaxHbmBytes = 1 << 20;
#endif

// Ops after unrolling every loop (saturating), to skip huge expansions.
uint64_t unrolled_ops(const std::vector<nk::tir::Op> &ops) {
  uint64_t n = 0;
  for (const nk::tir::Op &op : ops) {
    uint64_t inner = op.body.empty() ? 0 : unrolled_ops(op.body);
    uint64_t trips = op.trip_count > 0 ? uint64_t(op.trip_count) : 0;
    n += 1 + (inner != 0 && trips > kMaxUnrolledOps / inner ? kMaxUnrolledOps + 1 : inner * trips);
    if (n > kMaxUnrolledOps) return kMaxUnrolledOps + 1;
  }
  return n;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  const nk::Target &target = *nk::all_targets().front();
  llvm::SourceMgr sm;
  unsigned id = sm.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(text, "fuzz.tile"), llvm::SMLoc());
  nk::DiagnosticEngine diags(sm, llvm::nulls());
  auto m = nk::build_tile_ir(sm, id, {}, target, diags, kMaxTirOps);
  if (!m) {
    llvm::consumeError(m.takeError());
    return 0;
  }
  if (unrolled_ops(m->body) > kMaxUnrolledOps) return 0;
  nk::PipelineOptions opts;
  opts.dump = &llvm::nulls();
  auto p = nk::run_pipeline(std::move(*m), target, opts);
  if (!p) {
    llvm::consumeError(p.takeError());
    return 0;
  }
  if (llvm::Error e = nk::verify_program(*p, target)) {
    llvm::consumeError(std::move(e));
    abort(); // the pipeline emitted a program its own verifier rejects
  }
  if (p->num_instructions() > kMaxInstructions || p->hbm_size > kMaxHbmBytes) return 0;
  std::vector<uint8_t> hbm(p->hbm_size, 0);
  auto stats = nk::simulate(*p, target, hbm, nk::SimOptions{});
  if (!stats) llvm::consumeError(stats.takeError()); // e.g. reads of uninitialised inputs are fine
  return 0;
}
