// Binding host tensors to a Program's HBM image, reading them back, and
// deterministic random inputs.
//
// The HBM image is a std::vector<uint8_t> of Program::hbm_size bytes; each
// TensorDecl sits at its hbm_offset in C order (runtime/program.h). Binding
// checks name, kind, dtype and shape and copies the bytes; every mismatch is
// an llvm::Error naming the tensor and what differs. Nothing here aborts on
// user input.
#pragma once

#include "runtime/host_tensor.h"
#include "runtime/zero_buffer.h"
#include "runtime/npy.h"
#include "runtime/program.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/Optional.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace nk {

// The HBM image: a zero-filled byte array. It comes from calloc, so pages
// that no input and no instruction touches cost nothing, and inputs are
// written once instead of over zeros written first. Converts to the byte
// spans simulate() and the tests' std::vector<uint8_t> images share.
class HbmImage {
public:
  HbmImage() = default;
  explicit HbmImage(size_t bytes, uint8_t fill = 0);
  HbmImage(const HbmImage &other);
  HbmImage &operator=(const HbmImage &other);
  HbmImage(HbmImage &&) noexcept = default;
  HbmImage &operator=(HbmImage &&) noexcept = default;

  uint8_t *data() { return buffer_ ? buffer_->data() : nullptr; }
  const uint8_t *data() const { return buffer_ ? buffer_->data() : nullptr; }
  size_t size() const { return size_; }
  uint8_t *begin() { return data(); }
  uint8_t *end() { return data() + size_; }
  const uint8_t *begin() const { return data(); }
  const uint8_t *end() const { return data() + size_; }
  operator llvm::MutableArrayRef<uint8_t>() { return {data(), size_}; }
  operator llvm::ArrayRef<uint8_t>() const { return {data(), size_}; }

private:
  // Zero-filled and lazily mapped, on huge pages: binding a large input
  // faults it in 2 MiB at a time (as 4 KiB pages, 256 MB of K and V took
  // ~65k faults; in Python, where the drivers' heap tunable does not
  // apply, that was most of a run's time).
  std::unique_ptr<ZeroBuffer> buffer_;
  size_t size_ = 0;
};

// A zero-filled image of program.hbm_size bytes, after checking that every
// tensor lies inside it (so later copies cannot overrun).
llvm::Expected<HbmImage> allocate_hbm(const Program &program);

// Checks that `t` has exactly the dtype and shape `decl` declares.
llvm::Error check_tensor_matches(const TensorDecl &decl, const HostTensorRef &t);

// Copies `t` into the input tensor `name`. Errors: no such tensor (the
// message lists the inputs), not an input, dtype or shape mismatch. On
// error the image is unchanged.
llvm::Error bind_input(const Program &program, HbmImage &hbm, llvm::StringRef name, const HostTensorRef &t);
// Binds every tensor of `inputs`, which must cover every input of the
// program (the message names the missing ones). All-or-nothing: on any
// error the image is unchanged.
llvm::Error bind_inputs(const Program &program, HbmImage &hbm, const std::map<std::string, HostTensor> &inputs);
// An error naming every input of `program` not in `bound`.
llvm::Error check_all_inputs_bound(const Program &program, const std::set<std::string> &bound);

// The current contents of tensor `name` (any kind).
llvm::Expected<HostTensor> read_tensor(const Program &program, const HbmImage &hbm, llvm::StringRef name);
// `--input NAME=FILE.npy`: reads FILE and checks it against input NAME of
// `program`. Errors start with the file name and say what differs, e.g.
// "q.npy: tensor 'q': expected f32[64,1], got f32[1,64] (shape differs)".
llvm::Expected<HostTensor> load_input_npy(const Program &program, llvm::StringRef name, llvm::StringRef path,
                                          const NpyReadOptions &opts = {});
// The same checks, and the file's data read straight into input `name`'s
// place in `hbm` (one copy, no buffer of its own); on an error the image
// may hold part of the file.
llvm::Error bind_input_npy(const Program &program, HbmImage &hbm, llvm::StringRef name, llvm::StringRef path,
                           const NpyReadOptions &opts = {});
// `--output NAME=FILE.npy`: writes tensor NAME (any kind) atomically.
llvm::Error save_tensor_npy(const Program &program, const HbmImage &hbm, llvm::StringRef name, llvm::StringRef path,
                            const NpyWriteOptions &opts = {});

// Every output tensor, by name.
llvm::Expected<std::map<std::string, HostTensor>> read_outputs(const Program &program, const HbmImage &hbm);

// The distribution of random float inputs. normal: standard normal
// (Irwin-Hall of twelve 16-bit uniforms: exact, machine independent, tails
// cut at 6 sigma), as real activations are; what nksim --random-inputs uses
// by default. uniform: on [-1, 1) in steps of 2^-23.
enum class RandomDist { uniform, normal };
llvm::Optional<RandomDist> parse_random_dist(llvm::StringRef name); // "normal" | "uniform"

// Deterministic random contents for `decl`, identical on every machine
// (docs/oracle.md): a splitmix64 stream seeded from `seed` and the tensor's
// name. Float types: `dist` times `scale`, rounded to the dtype. Signed
// integers: uniform in [-K, K]; unsigned: in [0, K], with
// K = max(1, floor(scale)) capped at the dtype's maximum (i32: 2^30 - 1),
// whatever `dist`.
HostTensor random_tensor(const TensorDecl &decl, uint64_t seed, double scale = 1.0,
                         RandomDist dist = RandomDist::uniform);
// The same values written straight to `dst` (decl.size_bytes() bytes), e.g.
// into an HBM image, without a HostTensor in between.
void fill_random(const TensorDecl &decl, uint64_t seed, double scale, uint8_t *dst,
                 RandomDist dist = RandomDist::uniform);
// Elements [first, first + count) of what fill_random writes, to `dst`
// (count * element-size bytes): the stream is counter based, so any range
// costs only its own elements.
void fill_random_range(const TensorDecl &decl, uint64_t seed, double scale, uint64_t first, uint64_t count,
                       uint8_t *dst, RandomDist dist = RandomDist::uniform);

// An input bound to fill_random's values but not written into the HBM
// image: the simulator generates the bytes a DMA reads from it
// (fill_random_range) and writes the whole tensor into the image
// (materialize) before anything writes to it or reads it in a way it does
// not generate. Random inputs then cost neither memory nor page faults.
struct DeferredInput {
  TensorDecl decl;
  uint64_t seed = 0;
  double scale = 1.0;
  bool materialized = false;
  RandomDist dist = RandomDist::uniform;
  uint64_t begin() const { return decl.hbm_offset; }
  uint64_t end() const { return decl.hbm_offset + decl.size_bytes(); }
  // Not yet in the image and overlapping HBM bytes [lo, hi).
  bool pending_in(uint64_t lo, uint64_t hi) const { return !materialized && lo < end() && begin() < hi; }
  // fill_random into hbm + decl.hbm_offset (the image must hold the tensor).
  void materialize(uint8_t *hbm);
};

// random_tensor for every input of `program`.
std::map<std::string, HostTensor> random_inputs(const Program &program, uint64_t seed, double scale = 1.0,
                                                RandomDist dist = RandomDist::uniform);

// The splitmix64 generator random_tensor uses (public for its tests).
struct SplitMix64 {
  uint64_t state;
  explicit SplitMix64(uint64_t seed) : state(seed) {}
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform on [-1, 1): 24 random bits, so the value is exact in fp32.
  float uniform_pm1() { return float(int64_t(next() >> 40) - (int64_t(1) << 23)) * 0x1p-23f; }
};

} // namespace nk
