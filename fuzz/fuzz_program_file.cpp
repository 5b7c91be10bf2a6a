// Fuzz target: the binary program decoder and the verifier. A decoded
// program must re-encode to the same bytes and print/parse round-trip.
#include "runtime/asm_parser.h"
#include "runtime/asm_printer.h"
#include "runtime/program_file.h"
#include "runtime/target.h"
#include "runtime/verifier.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  auto p = nk::decode_program(bytes);
  if (!p) {
    llvm::consumeError(p.takeError());
    return 0;
  }
  if (nk::encode_program(*p) != bytes) abort();
  for (const nk::Target *t : nk::all_targets()) (void)nk::find_verifier_errors(*p, *t);
  return 0;
}
