// Fuzz target: the .tile front end (lexer, parser, sema, Tile IR verifier).
// Assumes nothing about the input bytes. Checks that build_tile_ir never
// crashes, and that whatever it accepts has passed tir::verify_module (the
// front end's own guarantee, re-checked here so a violation aborts).
#include "compiler/frontend/frontend.h"
#include "compiler/tir/tir.h"
#include "runtime/target.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

// A lower static-unrolling cap than the tools' (kDefaultMaxTirOps): at
// 200,000 ops a static(100000000) mutation took over 10 s under ASan and
// coverage on a loaded machine (libFuzzer's timeout), a slow unit, not a bug.
constexpr size_t kMaxTirOps = 20'000;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  for (const nk::Target *t : nk::all_targets()) {
    llvm::SourceMgr sm;
    unsigned id = sm.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(text, "fuzz.tile"), llvm::SMLoc());
    nk::DiagnosticEngine diags(sm, llvm::nulls());
    auto m = nk::build_tile_ir(sm, id, {}, *t, diags, kMaxTirOps);
    if (!m) {
      llvm::consumeError(m.takeError());
      if (!diags.has_errors()) abort(); // an error must come with a diagnostic
      continue;
    }
    if (diags.has_errors()) abort(); // accepted despite reported errors
    if (!nk::tir::verify_module(*m, *t).empty()) abort();
  }
  return 0;
}
