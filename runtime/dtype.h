// Element types shared by every stage: the names the language, the assembly
// and the .npy reader use, their sizes, and exact conversions to and from
// fp32 (round-to-nearest-even, as NumPy / ml_dtypes do).
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace nk {

// X(enum name, text name, bytes, kind): kind is F (floating point), S (signed
// integer) or U (unsigned integer). New entries go at the end: the program
// file stores a dtype as its position here.
#define NK_DTYPES(X)                                                                                                   \
  X(f32, "f32", 4, F)                                                                                                  \
  X(bf16, "bf16", 2, F)                                                                                                \
  X(f16, "f16", 2, F)                                                                                                  \
  X(i32, "i32", 4, S)                                                                                                  \
  X(u8, "u8", 1, U)                                                                                                    \
  X(f8e4m3, "f8e4m3", 1, F)                                                                                            \
  X(f8e5m2, "f8e5m2", 1, F)                                                                                            \
  X(i8, "i8", 1, S)                                                                                                    \
  X(i16, "i16", 2, S)                                                                                                  \
  X(u16, "u16", 2, U)                                                                                                  \
  X(u32, "u32", 4, U)                                                                                                  \
  X(tf32, "tf32", 4, F)

enum class Dtype : uint8_t {
#define X(e, s, b, k) e,
  NK_DTYPES(X)
#undef X
};
constexpr unsigned kNumDtypes = 0
#define X(e, s, b, k) +1
    NK_DTYPES(X)
#undef X
    ;

constexpr unsigned dtype_size(Dtype t) {
  switch (t) {
#define X(e, s, b, k)                                                                                                  \
  case Dtype::e: return b;
    NK_DTYPES(X)
#undef X
  }
  return 0;
}
enum class DtypeKind : uint8_t { F, S, U };
constexpr DtypeKind dtype_kind(Dtype t) {
  switch (t) {
#define X(e, s, b, k)                                                                                                  \
  case Dtype::e: return DtypeKind::k;
    NK_DTYPES(X)
#undef X
  }
  return DtypeKind::F;
}
constexpr bool dtype_is_float(Dtype t) { return dtype_kind(t) == DtypeKind::F; }
constexpr bool dtype_is_integer(Dtype t) { return dtype_kind(t) != DtypeKind::F; }
constexpr bool dtype_is_signed_integer(Dtype t) { return dtype_kind(t) == DtypeKind::S; }
constexpr bool dtype_is_fp8(Dtype t) { return t == Dtype::f8e4m3 || t == Dtype::f8e5m2; }
// The dtype of an element-wise result of a and b (NKI 2.26 type promotion):
// a float beats an integer; two floats give the wider, and a pair neither
// holds exactly widens (bf16 with f16 gives f32, e4m3 with e5m2 gives bf16);
// tf32 with a narrower float gives tf32 (it holds bf16, f16 and fp8
// exactly; NKI: "whichever has the highest precision"); two integers give
// the wider, and a signed/unsigned pair widens to the
// signed type that holds both (i8 with u8 gives i16), with u32 and a signed
// type giving f32.
Dtype promote_dtypes(Dtype a, Dtype b);
std::string_view dtype_name(Dtype t);
// Every dtype name, in table order, joined by `sep` (for messages).
std::string dtype_name_list(std::string_view sep = ", ");
std::optional<Dtype> parse_dtype(std::string_view name);

// Conversions. Narrowing float conversions round to nearest even; NaN stays
// NaN. Float to integer follows NumPy's astype for in-range values
// (truncation toward zero); out-of-range and NaN saturate (documented in
// docs/isa.md) instead of being undefined behaviour.
inline uint32_t f32_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
inline float f32_from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

inline uint16_t f32_to_bf16(float f) {
  uint32_t u = f32_bits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return uint16_t((u >> 16) | 0x40); // quiet NaN
  u += 0x7fffu + ((u >> 16) & 1u);
  return uint16_t(u >> 16);
}
inline float bf16_to_f32(uint16_t h) { return f32_from_bits(uint32_t(h) << 16); }

// tf32 (NKI 2.26 nki.language.tfloat32: 1 sign, 8 exponent, 10 mantissa
// bits) stored in four bytes as the fp32 whose 13 low mantissa bits are 0:
// fp32 rounded to nearest even at mantissa bit 13 (overflow to infinity);
// NaN stays a (quiet) NaN. Reading it back is exact.
inline uint32_t f32_to_tf32(float f) {
  uint32_t u = f32_bits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (u | 0x00400000u) & 0xffffe000u; // quiet NaN
  u += 0xfffu + ((u >> 13) & 1u);
  return u & 0xffffe000u;
}
inline float tf32_to_f32(uint32_t bits) { return f32_from_bits(bits); }

uint16_t f32_to_f16(float f);
float f16_to_f32(uint16_t h);

// fp8 as NKI 2.26 declares it (nki.language float8_e4m3 / float8_e5m2 are
// ml_dtypes' float8_e4m3 and float8_e5m2): IEEE-754-like layouts with
// infinities, exponent bias 7 (e4m3, largest finite 240) and 15 (e5m2,
// largest finite 57344), subnormals, round to nearest even, and overflow to
// infinity (no saturation), as ml_dtypes' astype does. Trn1/Trn2 run this
// e4m3, not OCP's e4m3fn (aws-neuron-sdk compiler/error-codes/EVRF051.rst).
uint8_t f32_to_fp8(Dtype t, float f); // t is f8e4m3 or f8e5m2
float fp8_to_f32(Dtype t, uint8_t bits);

// The range of an integer dtype.
int64_t dtype_int_min(Dtype t);
int64_t dtype_int_max(Dtype t);
// Float to integer dtype t: truncation toward zero; out of range saturates
// and NaN gives 0.
int64_t f32_to_int(Dtype t, float f);
inline int32_t f32_to_i32(float f) { return int32_t(f32_to_int(Dtype::i32, f)); }
inline uint8_t f32_to_u8(float f) { return uint8_t(f32_to_int(Dtype::u8, f)); }

// Load / store one element of type t at p as fp32 (the engines' internal
// type; integers wider than 24 bits round to the nearest fp32).
float load_as_f32(Dtype t, const void *p);
void store_from_f32(Dtype t, void *p, float v);
// Load / store as a 64-bit integer, for the bitwise and integer ALU paths:
// integer dtypes exactly (a store keeps the low bits, as a bitwise unit
// would); float dtypes through fp32 with f32_to_int's rule for i32.
int64_t load_as_i64(Dtype t, const void *p);
void store_from_i64(Dtype t, void *p, int64_t v);

} // namespace nk
