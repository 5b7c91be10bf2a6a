// HBM image binding and random inputs (see hbm_binding.h).
#include "runtime/hbm_binding.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iterator>
#include <new>

namespace nk {
namespace {

llvm::Error make_error(const std::string &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s", msg.c_str());
}

std::string names_of_kind(const Program &program, TensorKind kind) {
  std::string s;
  for (const TensorDecl &t : program.tensors)
    if (t.kind == kind) s += (s.empty() ? "" : ", ") + t.name;
  return s.empty() ? "none" : s;
}

llvm::Expected<const TensorDecl *> find_decl(const Program &program, llvm::StringRef name) {
  const TensorDecl *decl = program.find_tensor(std::string_view(name.data(), name.size()));
  if (!decl)
    return make_error(fmt::format("kernel '{}' has no tensor '{}' (inputs: {}; outputs: {})", program.kernel,
                                  name.str(), names_of_kind(program, TensorKind::input),
                                  names_of_kind(program, TensorKind::output)));
  return decl;
}

llvm::Error check_in_bounds(const Program &program, const TensorDecl &decl, uint64_t hbm_bytes) {
  uint64_t end = decl.hbm_offset + decl.size_bytes();
  if (end < decl.hbm_offset || end > hbm_bytes)
    return make_error(
        fmt::format("tensor '{}' ({} at HBM offset {}) does not fit in the {} bytes of HBM of kernel '{}'", decl.name,
                    format_tensor_type(decl.dtype, decl.shape), decl.hbm_offset, hbm_bytes, program.kernel));
  return llvm::Error::success();
}

// FNV-1a, so that each tensor's stream depends on its name, not its position.
uint64_t hash_name(const std::string &s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

// splitmix64 is counter based: the i-th output after `state` is
// mix(state + i * golden), so a block of outputs has no dependence between
// elements and vectorises. fill_uniform computes what n calls of
// SplitMix64::uniform_pm1 would, in the widest vector ISA the host has.
constexpr size_t kUniformBlock = 512;

// n <= kUniformBlock values; the loop has no dependence between elements,
// so it vectorises for any n.
__attribute__((always_inline)) inline void uniform_block(uint64_t state, float *out, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    uint64_t z = state + uint64_t(i + 1) * 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z = z ^ (z >> 31);
    // As uniform_pm1: 24 bits, exact in fp32 (the int32 cast is exact too).
    out[i] = float(int32_t(z >> 40) - (int32_t(1) << 23)) * 0x1p-23f;
  }
}

void uniform_block_generic(uint64_t state, float *out, size_t n) { uniform_block(state, out, n); }
__attribute__((target("avx2"))) void uniform_block_avx2(uint64_t state, float *out, size_t n) {
  uniform_block(state, out, n);
}
__attribute__((target("avx512f,avx512dq"))) void uniform_block_avx512(uint64_t state, float *out, size_t n) {
  uniform_block(state, out, n);
}

// Normal values by Irwin-Hall: the sum of twelve 16-bit uniforms (the four
// 16-bit fields of three splitmix64 outputs), centred, has mean 0 and
// variance 1 - 2^-32, and is an integer over 2^17, so it is exact in fp32
// and the same on every machine (no libm). Its tails stop at 6 sigma.
__attribute__((always_inline)) inline uint64_t splitmix_mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
// Fields 0 + 1 in the low 32 bits and 2 + 3 in the high 32 bits of the
// result: the four fields' sum is its two halves added.
__attribute__((always_inline)) inline uint64_t pairwise_16bit_fields(uint64_t z) {
  constexpr uint64_t kLow16 = 0x0000ffff0000ffffull;
  return (z & kLow16) + ((z >> 16) & kLow16);
}
// The three outputs are written out (no inner loop) so that the loop over i
// vectorises: it ran scalar, and was a third of a random-input run's time.
__attribute__((always_inline)) inline void normal_block(uint64_t state, float *out, size_t n) {
  constexpr uint64_t kGolden = 0x9e3779b97f4a7c15ull;
  // base = state + (3 i + 1) * kGolden, stepped rather than multiplied.
  uint64_t base = state + kGolden;
  for (size_t i = 0; i < n; ++i, base += 3 * kGolden) {
    // The twelve fields summed two at a time in the 32-bit halves of one
    // word (each half at most 6 * 65535), then the halves added: the
    // same integer as adding the fields one by one, in fewer operations.
    const uint64_t acc = pairwise_16bit_fields(splitmix_mix(base)) +
                         pairwise_16bit_fields(splitmix_mix(base + kGolden)) +
                         pairwise_16bit_fields(splitmix_mix(base + 2 * kGolden));
    const uint64_t sum = (acc & 0xffffffffull) + (acc >> 32);
    out[i] = float(2 * int32_t(sum) - 12 * 65535) * 0x1p-17f;
  }
}

void normal_block_generic(uint64_t state, float *out, size_t n) { normal_block(state, out, n); }
__attribute__((target("avx2"))) void normal_block_avx2(uint64_t state, float *out, size_t n) {
  normal_block(state, out, n);
}
__attribute__((target("avx512f,avx512dq"))) void normal_block_avx512(uint64_t state, float *out, size_t n) {
  normal_block(state, out, n);
}

void fill_normal(SplitMix64 &rng, float *out, size_t n) {
  using Fn = void (*)(uint64_t, float *, size_t);
  static const Fn block = [] {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")) return &normal_block_avx512;
    if (__builtin_cpu_supports("avx2")) return &normal_block_avx2;
    return &normal_block_generic;
  }();
  for (size_t i = 0; i < n; i += kUniformBlock) {
    const size_t m = std::min(n - i, kUniformBlock);
    block(rng.state, out + i, m);
    rng.state += 3 * m * 0x9e3779b97f4a7c15ull;
  }
}

void fill_uniform(SplitMix64 &rng, float *out, size_t n) {
  using Fn = void (*)(uint64_t, float *, size_t);
  static const Fn block = [] {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")) return &uniform_block_avx512;
    if (__builtin_cpu_supports("avx2")) return &uniform_block_avx2;
    return &uniform_block_generic;
  }();
  for (size_t i = 0; i < n; i += kUniformBlock) {
    const size_t m = std::min(n - i, kUniformBlock);
    block(rng.state, out + i, m);
    rng.state += m * 0x9e3779b97f4a7c15ull;
  }
}

} // namespace

HbmImage::HbmImage(size_t bytes, uint8_t fill)
    : buffer_(std::make_unique<ZeroBuffer>(bytes, /*huge_pages=*/true)), size_(bytes) {
  if (fill) std::memset(data(), fill, bytes);
}

HbmImage::HbmImage(const HbmImage &other) : HbmImage(other.size_) {
  if (size_) std::memcpy(data(), other.data(), size_);
}

HbmImage &HbmImage::operator=(const HbmImage &other) {
  if (this != &other) *this = HbmImage(other);
  return *this;
}

llvm::Expected<HbmImage> allocate_hbm(const Program &program) {
  for (const TensorDecl &decl : program.tensors)
    if (llvm::Error e = check_in_bounds(program, decl, program.hbm_size)) return e;
  // An error, not std::bad_alloc, when the host cannot give the memory.
  try {
    return HbmImage(program.hbm_size);
  } catch (const std::bad_alloc &) {
    return make_error(fmt::format("cannot allocate {} bytes of host memory for the simulated HBM of '{}'",
                                  program.hbm_size, program.kernel));
  }
}

llvm::Error check_tensor_matches(const TensorDecl &decl, const HostTensorRef &t) {
  if (t.dtype != decl.dtype || t.shape != decl.shape)
    return make_error(fmt::format("tensor '{}': expected {}, got {}{}", decl.name,
                                  format_tensor_type(decl.dtype, decl.shape), format_tensor_type(t.dtype, t.shape),
                                  t.dtype != decl.dtype && t.shape != decl.shape ? " (dtype and shape differ)"
                                  : t.dtype != decl.dtype                        ? " (dtype differs)"
                                                                                 : " (shape differs)"));
  if (t.size != decl.size_bytes())
    return make_error(
        fmt::format("tensor '{}': host data holds {} bytes, expected {}", decl.name, t.size, decl.size_bytes()));
  return llvm::Error::success();
}

// Everything bind_input checks, without copying.
static llvm::Expected<const TensorDecl *> check_input(const Program &program, uint64_t hbm_bytes, llvm::StringRef name,
                                                      const HostTensorRef &t) {
  auto decl = find_decl(program, name);
  if (!decl) return decl.takeError();
  const TensorDecl &d = **decl;
  if (d.kind != TensorKind::input)
    return make_error(fmt::format("tensor '{}' of kernel '{}' is an {}, not an input (inputs: {})", d.name,
                                  program.kernel, tensor_kind_name(d.kind), names_of_kind(program, TensorKind::input)));
  if (llvm::Error e = check_tensor_matches(d, t)) return e;
  if (llvm::Error e = check_in_bounds(program, d, hbm_bytes)) return e;
  return &d;
}

static void copy_in(HbmImage &hbm, const TensorDecl &d, const HostTensorRef &t) {
  if (t.size) std::memcpy(hbm.data() + d.hbm_offset, t.data, t.size);
}

llvm::Error bind_input(const Program &program, HbmImage &hbm, llvm::StringRef name, const HostTensorRef &t) {
  auto decl = check_input(program, hbm.size(), name, t);
  if (!decl) return decl.takeError();
  copy_in(hbm, **decl, t);
  return llvm::Error::success();
}

llvm::Error check_all_inputs_bound(const Program &program, const std::set<std::string> &bound) {
  std::string missing;
  for (const TensorDecl &t : program.tensors)
    if (t.kind == TensorKind::input && !bound.count(t.name))
      missing += (missing.empty() ? "" : ", ") + t.name + " (" + format_tensor_type(t.dtype, t.shape) + ")";
  if (!missing.empty()) return make_error(fmt::format("kernel '{}': no value for input {}", program.kernel, missing));
  return llvm::Error::success();
}

llvm::Error bind_inputs(const Program &program, HbmImage &hbm, const std::map<std::string, HostTensor> &inputs) {
  // All checks first, so that a failure leaves the image untouched.
  std::vector<std::pair<const TensorDecl *, const HostTensor *>> plan;
  std::set<std::string> bound;
  for (const auto &[name, t] : inputs) {
    auto decl = check_input(program, hbm.size(), name, t);
    if (!decl) return decl.takeError();
    plan.push_back({*decl, &t});
    bound.insert(name);
  }
  if (llvm::Error e = check_all_inputs_bound(program, bound)) return e;
  for (const auto &[decl, t] : plan) copy_in(hbm, *decl, *t);
  return llvm::Error::success();
}

llvm::Expected<HostTensor> read_tensor(const Program &program, const HbmImage &hbm, llvm::StringRef name) {
  auto decl = find_decl(program, name);
  if (!decl) return decl.takeError();
  const TensorDecl &d = **decl;
  if (llvm::Error e = check_in_bounds(program, d, hbm.size())) return e;
  HostTensor t(d.dtype, d.shape);
  if (!t.data.empty()) std::memcpy(t.data.data(), hbm.data() + d.hbm_offset, t.data.size());
  return t;
}

// How to read a file for input `decl`: '|V1' says fp8, the tensor says which.
static NpyReadOptions read_options_for(const TensorDecl &decl, NpyReadOptions opts) {
  if (dtype_is_fp8(decl.dtype)) opts.v1_as = decl.dtype;
  return opts;
}

// The message for a file whose data does not fit input `decl`, with what to
// do about a bf16 or fp8 tensor given other data.
static std::string input_mismatch(const TensorDecl &decl, Dtype given, llvm::StringRef path, llvm::Error e) {
  std::string msg = llvm::toString(std::move(e));
  if (decl.dtype == Dtype::bf16 && given != Dtype::bf16)
    msg += "; save bf16 data as ml_dtypes.bfloat16 ('<V2'), or raw bits as uint16 with --npy-u2-as-bf16";
  if (dtype_is_fp8(decl.dtype) && given != decl.dtype)
    msg += "; save fp8 data as ml_dtypes." + std::string(decl.dtype == Dtype::f8e4m3 ? "float8_e4m3" : "float8_e5m2") +
           ", or its bit patterns as uint8 viewed as 'V1' (np.save(f, bits.view('V1')))";
  return path.str() + ": " + msg;
}

llvm::Expected<HostTensor> load_input_npy(const Program &program, llvm::StringRef name, llvm::StringRef path,
                                          const NpyReadOptions &opts) {
  auto with_file = [&](llvm::Error e) { return make_error(path.str() + ": " + llvm::toString(std::move(e))); };
  // Name problems first: no point reading a file for a tensor that is not there.
  auto decl = find_decl(program, name);
  if (!decl) return with_file(decl.takeError());
  auto t = read_npy(path, read_options_for(**decl, opts));
  if (!t) return t.takeError(); // already names the file
  if ((*decl)->dtype == Dtype::tf32 && t->dtype == Dtype::f32) {
    // NumPy has no tf32: a tf32 tensor takes an fp32 file, rounded to tf32
    // as the tensor stores it (and is written back as '<f4', exactly).
    HostTensor rounded(Dtype::tf32, t->shape);
    for (uint64_t i = 0, n = t->num_elements(); i < n; ++i) rounded.set_f32(i, t->get_f32(i));
    *t = std::move(rounded);
  }
  auto checked = check_input(program, program.hbm_size, name, *t);
  if (!checked) return make_error(input_mismatch(**decl, t->dtype, path, checked.takeError()));
  return std::move(*t);
}

llvm::Error bind_input_npy(const Program &program, HbmImage &hbm, llvm::StringRef name, llvm::StringRef path,
                           const NpyReadOptions &opts) {
  auto with_file = [&](llvm::Error e) { return make_error(path.str() + ": " + llvm::toString(std::move(e))); };
  auto decl = find_decl(program, name);
  if (!decl) return with_file(decl.takeError());
  if ((*decl)->dtype == Dtype::tf32) { // rounded on the way in: through a HostTensor
    auto t = load_input_npy(program, name, path, opts);
    if (!t) return t.takeError();
    return bind_input(program, hbm, name, *t);
  }
  auto read = read_npy_into(path, read_options_for(**decl, opts), [&](const NpyLayout &l) -> llvm::Expected<uint8_t *> {
    auto checked = check_input(program, hbm.size(), name, HostTensorRef(l.dtype, l.shape, nullptr, l.data_bytes));
    if (!checked) return make_error(input_mismatch(**decl, l.dtype, path, checked.takeError()));
    return hbm.data() + (*checked)->hbm_offset;
  });
  if (!read) return read.takeError();
  return llvm::Error::success();
}

llvm::Error save_tensor_npy(const Program &program, const HbmImage &hbm, llvm::StringRef name, llvm::StringRef path,
                            const NpyWriteOptions &opts) {
  auto t = read_tensor(program, hbm, name);
  if (!t) return t.takeError();
  return write_npy(path, *t, opts);
}

llvm::Expected<std::map<std::string, HostTensor>> read_outputs(const Program &program, const HbmImage &hbm) {
  std::map<std::string, HostTensor> out;
  for (const TensorDecl &d : program.tensors) {
    if (d.kind != TensorKind::output) continue;
    auto t = read_tensor(program, hbm, d.name);
    if (!t) return t.takeError();
    out[d.name] = std::move(*t);
  }
  return out;
}

void fill_random_range(const TensorDecl &decl, uint64_t seed, double scale, uint64_t first, uint64_t count,
                       uint8_t *dst, RandomDist dist) {
  SplitMix64 rng(seed ^ hash_name(decl.name));
  const bool normal = dist == RandomDist::normal && dtype_is_float(decl.dtype);
  rng.state += (normal ? 3 : 1) * first * 0x9e3779b97f4a7c15ull; // skip `first` elements' outputs
  const uint64_t n = count;
  double k = std::max(1.0, std::floor(scale));
  if (decl.dtype == Dtype::i32) {
    int64_t kk = int64_t(std::min(k, 1073741823.0));
    for (uint64_t i = 0; i < n; ++i) {
      int32_t v = int32_t(int64_t(rng.next() % uint64_t(2 * kk + 1)) - kk);
      std::memcpy(dst + 4 * i, &v, 4);
    }
  } else if (decl.dtype == Dtype::u8) {
    uint64_t kk = uint64_t(std::min(k, 255.0));
    for (uint64_t i = 0; i < n; ++i) dst[i] = uint8_t(rng.next() % (kk + 1));
  } else if (dtype_is_integer(decl.dtype)) {
    // Signed: uniform in [-k, k]; unsigned: [0, k]; k clipped to the range.
    const unsigned esize = dtype_size(decl.dtype);
    const bool is_signed = dtype_is_signed_integer(decl.dtype);
    const int64_t kk = int64_t(std::min(k, double(dtype_int_max(decl.dtype))));
    for (uint64_t i = 0; i < n; ++i) {
      const int64_t v =
          is_signed ? int64_t(rng.next() % uint64_t(2 * kk + 1)) - kk : int64_t(rng.next() % uint64_t(kk + 1));
      store_from_i64(decl.dtype, dst + esize * i, v);
    }
  } else {
    // The product is formed in double and rounded once, so it is the same
    // on every IEEE machine. Values are made a block at a time.
    const unsigned esize = dtype_size(decl.dtype);
    if (decl.dtype == Dtype::f32 && scale == 1.0 && reinterpret_cast<uintptr_t>(dst) % alignof(float) == 0) {
      // The values are the bytes: no staging block, no copy.
      float *out = reinterpret_cast<float *>(dst);
      if (normal)
        fill_normal(rng, out, n);
      else
        fill_uniform(rng, out, n);
      return;
    }
    float block[4 * kUniformBlock];
    for (uint64_t i = 0; i < n; i += std::size(block)) {
      const size_t m = size_t(std::min<uint64_t>(n - i, std::size(block)));
      if (normal)
        fill_normal(rng, block, m);
      else
        fill_uniform(rng, block, m);
      if (scale != 1.0) // times 1.0 is exact: skip it
        for (size_t j = 0; j < m; ++j) block[j] = float(double(block[j]) * scale);
      if (decl.dtype == Dtype::f32) {
        std::memcpy(dst + 4 * i, block, m * 4);
      } else {
        for (size_t j = 0; j < m; ++j) store_from_f32(decl.dtype, dst + esize * (i + j), block[j]);
      }
    }
  }
}

void fill_random(const TensorDecl &decl, uint64_t seed, double scale, uint8_t *dst, RandomDist dist) {
  fill_random_range(decl, seed, scale, 0, decl.num_elements(), dst, dist);
}

void DeferredInput::materialize(uint8_t *hbm) {
  if (materialized) return;
  fill_random(decl, seed, scale, hbm + decl.hbm_offset, dist);
  materialized = true;
}

HostTensor random_tensor(const TensorDecl &decl, uint64_t seed, double scale, RandomDist dist) {
  HostTensor t(decl.dtype, decl.shape);
  fill_random(decl, seed, scale, t.data.data(), dist);
  return t;
}

std::map<std::string, HostTensor> random_inputs(const Program &program, uint64_t seed, double scale, RandomDist dist) {
  std::map<std::string, HostTensor> out;
  for (const TensorDecl &d : program.tensors)
    if (d.kind == TensorKind::input) out[d.name] = random_tensor(d, seed, scale, dist);
  return out;
}

llvm::Optional<RandomDist> parse_random_dist(llvm::StringRef name) {
  if (name == "normal") return RandomDist::normal;
  if (name == "uniform") return RandomDist::uniform;
  return llvm::None;
}

} // namespace nk
