// Fuzz target: the binary program decoder and the verifier. A decoded
// program must re-encode to the same bytes and print/parse round-trip.
// The input is decoded as it is (the checksum must reject damage) and, when
// it is long enough, with its last four bytes replaced by the right CRC-32,
// so that mutations reach the structural checks behind the checksum (a
// fuzzer cannot forge a CRC by mutation).
#include "runtime/asm_parser.h"
#include "runtime/asm_printer.h"
#include "runtime/program_file.h"
#include "runtime/target.h"
#include "runtime/verifier.h"

#include "llvm/Support/CRC.h"

#include <cstdlib>
#include <cstring>
#include <string>

static void decode_and_check(llvm::StringRef bytes) {
  auto p = nk::decode_program(bytes);
  if (!p) {
    llvm::consumeError(p.takeError());
    return;
  }
  if (nk::encode_program(*p) != bytes) abort();
  for (const nk::Target *t : nk::all_targets()) (void)nk::find_verifier_errors(*p, *t);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  decode_and_check(bytes);
  if (size >= 4) {
    std::string stamped(bytes.drop_back(4));
    uint32_t crc = llvm::crc32(llvm::arrayRefFromStringRef(stamped));
    stamped.append(reinterpret_cast<const char *>(&crc), 4);
    if (stamped != bytes) decode_and_check(stamped);
  }
  return 0;
}
