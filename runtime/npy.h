// .npy read and write (NumPy's own array file format, format versions 1.0,
// 2.0 and 3.0), for the element types the machine has: f32, f16, i32, u8
// and bf16. See docs/npy.md for what is accepted.
//
// Assumes: C-order data. Guarantees: every malformed or unsupported file is
// an llvm::Error naming the file and what is wrong (never a crash); writes
// go to a temporary file renamed into place, so a failed write leaves no
// partial file behind. Written files load with plain NumPy's np.load.
#pragma once

#include "runtime/host_tensor.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nk {

// bf16 and fp8 have no standard NumPy descr. On read, '<V2' (what np.save
// writes for an ml_dtypes.bfloat16 array) and 'bfloat16' are always bf16;
// '<u2' is uint16, or raw bf16 bit patterns (`x.view(np.uint16)`) when asked
// for. 'float8_e4m3' / 'float8_e5m2' name their fp8 type; '|V1' (what
// np.save writes for ml_dtypes' float8 arrays, or for `bits.view('V1')`)
// does not say which, so it is read only as the fp8 dtype the caller names.
struct NpyReadOptions {
  bool u2_as_bf16 = false;
  std::optional<Dtype> v1_as; // f8e4m3 or f8e5m2
};

enum class Bf16Descr {
  void2,  // '<V2': np.load gives void; .view(ml_dtypes.bfloat16) recovers it
  uint16, // '<u2': np.load gives the raw bit patterns as uint16
};
// fp8 tensors are written as '|V1' (np.load gives void bytes; .view(np.uint8)
// gives the bit patterns, .view(ml_dtypes.float8_e4m3) the values).
struct NpyWriteOptions {
  Bf16Descr bf16 = Bf16Descr::void2;
};

// Parse the bytes of a .npy file; `name` (usually the path) prefixes errors.
llvm::Expected<HostTensor> parse_npy(llvm::StringRef bytes, llvm::StringRef name, const NpyReadOptions &opts = {});
llvm::Expected<HostTensor> read_npy(llvm::StringRef path, const NpyReadOptions &opts = {});

// What a .npy file holds and where its data starts, from its header
// (checked as read_npy checks the whole file, against the file's size).
struct NpyLayout {
  Dtype dtype = Dtype::f32;
  std::vector<int64_t> shape;
  bool swap_bytes = false; // big-endian data, swapped as it is read
  uint64_t data_offset = 0;
  uint64_t data_bytes = 0;
};
// Reads the .npy file at `path` once, straight into memory the caller
// picks after seeing the header: `place` returns where data_bytes bytes go
// (or an error, returned as is). No buffer holds the file meanwhile, so a
// large input costs one copy (from the page cache) and no more memory.
llvm::Expected<NpyLayout> read_npy_into(llvm::StringRef path, const NpyReadOptions &opts,
                                        llvm::function_ref<llvm::Expected<uint8_t *>(const NpyLayout &)> place);

// A version 1.0 .npy file holding `t` (little-endian, C order), as a stream
// or as bytes.
void write_npy(llvm::raw_ostream &os, const HostTensor &t, const NpyWriteOptions &opts = {});
std::string encode_npy(const HostTensor &t, const NpyWriteOptions &opts = {});
// As one output file (runtime/output_files.h: never replaces an input or a
// device, leaves nothing behind on failure).
llvm::Error write_npy(llvm::StringRef path, const HostTensor &t, const NpyWriteOptions &opts = {});

} // namespace nk
