// Fuzz target: the text assembler. Whatever parses must print, re-parse to
// the same Program, and go through the verifier for every target without
// crashing.
#include "runtime/asm_parser.h"
#include "runtime/asm_printer.h"
#include "runtime/program_file.h"
#include "runtime/target.h"
#include "runtime/verifier.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  auto p = nk::parse_assembly(text, "fuzz.s");
  if (!p) {
    llvm::consumeError(p.takeError());
    return 0;
  }
  std::string printed;
  llvm::raw_string_ostream os(printed);
  nk::print_program(os, *p);
  os.flush();
  auto again = nk::parse_assembly(printed, "printed.s");
  if (!again || !(*again == *p)) abort(); // the printer and parser disagree
  for (const nk::Target *t : nk::all_targets()) (void)nk::find_verifier_errors(*p, *t);
  auto decoded = nk::decode_program(nk::encode_program(*p));
  if (!decoded || !(*decoded == *p)) abort();
  return 0;
}
