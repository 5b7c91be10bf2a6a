// Fuzz target: the LIR parser (compiler/lir/parse.h). Whatever parses must
// print, re-parse and print to the same text; small programs then go through
// the back-end passes they still need, which must succeed or return an
// error (a pass's precondition, out of memory, the final verifier), never
// crash.
#include "compiler/lir/parse.h"
#include "compiler/pipeline.h"
#include "runtime/target.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  auto p = nk::lir::parse_program(text, "fuzz.lir");
  if (!p) {
    llvm::consumeError(p.takeError());
    return 0;
  }
  std::string printed, again_printed;
  llvm::raw_string_ostream os(printed), os2(again_printed);
  nk::lir::print_program(os, *p);
  auto again = nk::lir::parse_program(os.str(), "printed.lir");
  if (!again) abort(); // the printer wrote what the parser refuses
  nk::lir::print_program(os2, *again);
  if (os.str() != os2.str()) abort(); // the round trip lost or changed something
  if (p->insts.size() > 2000) return 0;
  const nk::Target *t = nk::find_target(p->target);
  auto r = nk::run_lir_passes(std::move(*p), nk::remaining_lir_passes(*again), *t, nk::PipelineOptions{});
  if (!r) llvm::consumeError(r.takeError());
  return 0;
}
