// Fuzz target: the simulator on arbitrary programs, verified or not. The
// input is text assembly (so mutations stay mostly well-formed); whatever
// parses is simulated without going through the verifier first:
// simulate() re-validates every program itself and must return an
// llvm::Error for what it refuses. Under ASan this is the evidence that no program makes the simulator touch host
// memory outside its buffers. Programs with huge HBM images are skipped.
#include "runtime/asm_parser.h"
#include "runtime/target.h"
#include "simulator/simulator.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  auto p = nk::parse_assembly(text, "fuzz.s");
  if (!p) {
    llvm::consumeError(p.takeError());
    return 0;
  }
#ifdef NK_FUZZ_LARGE
  constexpr uint64_t kMaxHbmBytes = 64 << 20; // fuzz_sim_large
#else
  constexpr uint64_t kMaxHbmBytes = 1 << 20;
#endif
  if (p->hbm_size > kMaxHbmBytes) return 0;
  // One simulation per input (each allocates the whole SBUF and PSUM, the
  // dominant cost under ASan): the program's own target, lenient or strict
  // by the last input byte, so both modes get fuzzed.
  const nk::Target *t = nk::find_target(p->target);
  if (!t) t = nk::all_targets().front();
  std::vector<uint8_t> hbm(p->hbm_size, 0x3c);
  nk::SimOptions opts;
  opts.strict = size > 0 && (data[size - 1] & 1);
  auto stats = nk::simulate(*p, *t, hbm, opts);
  if (!stats) llvm::consumeError(stats.takeError());
  return 0;
}
