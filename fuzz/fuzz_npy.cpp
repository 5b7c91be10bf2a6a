// Fuzz target: the .npy reader (runtime/npy.h parse_npy). Whatever parses
// must be self-consistent (data size = element count x dtype size) and must
// round-trip through encode_npy unchanged.
#include "runtime/npy.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  for (bool u2_as_bf16 : {false, true}) {
    nk::NpyReadOptions opts;
    opts.u2_as_bf16 = u2_as_bf16;
    auto t = nk::parse_npy(bytes, "fuzz.npy", opts);
    if (!t) {
      llvm::consumeError(t.takeError());
      continue;
    }
    if (t->data.size() != t->size_bytes()) abort();
    auto again = nk::parse_npy(nk::encode_npy(*t), "encoded.npy", opts);
    if (!again) abort(); // our own output must parse
    if (*again != *t) abort();
  }
  return 0;
}
