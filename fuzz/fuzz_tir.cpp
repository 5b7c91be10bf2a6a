// Fuzz target: the Tile IR parser (compiler/tir/parse.h). Whatever parses
// must print, re-parse and print to the same text; small modules then go
// through every pass they still need (unroll-loops, legalize and the back
// end), which must succeed or return an error (a pass's precondition, a
// lowering it refuses, out of memory, the final verifier), never crash.
#include "compiler/pipeline.h"
#include "compiler/tir/parse.h"
#include "runtime/target.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  auto m = nk::tir::parse_module(text, "fuzz.tir");
  if (!m) {
    llvm::consumeError(m.takeError());
    return 0;
  }
  std::string printed, again_printed;
  llvm::raw_string_ostream os(printed), os2(again_printed);
  nk::tir::print_module(os, *m);
  auto again = nk::tir::parse_module(os.str(), "printed.tir");
  if (!again) abort(); // the printer wrote what the parser refuses
  nk::tir::print_module(os2, *again);
  if (os.str() != os2.str()) abort(); // the round trip lost or changed something
  if (nk::tir::unrolled_size(m->body) > 2000) return 0;
  const nk::Target *t = nk::find_target(m->target);
  auto r = nk::run_tir_passes(std::move(*m), nk::remaining_tir_passes(*again), *t, nk::PipelineOptions{});
  if (!r) llvm::consumeError(r.takeError());
  return 0;
}
