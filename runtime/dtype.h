// Element types shared by every stage: the names the language, the assembly
// and the .npy reader use, their sizes, and exact conversions to and from
// fp32 (round-to-nearest-even, as NumPy / ml_dtypes do).
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace nk {

// X(enum name, text name, bytes, is float)
#define NK_DTYPES(X)                                                                                                   \
  X(f32, "f32", 4, true)                                                                                               \
  X(bf16, "bf16", 2, true)                                                                                             \
  X(f16, "f16", 2, true)                                                                                               \
  X(i32, "i32", 4, false)                                                                                              \
  X(u8, "u8", 1, false)

enum class Dtype : uint8_t {
#define X(e, s, b, f) e,
  NK_DTYPES(X)
#undef X
};
constexpr unsigned kNumDtypes = 0
#define X(e, s, b, f) +1
    NK_DTYPES(X)
#undef X
    ;

constexpr unsigned dtype_size(Dtype t) {
  switch (t) {
#define X(e, s, b, f)                                                                                                  \
  case Dtype::e: return b;
    NK_DTYPES(X)
#undef X
  }
  return 0;
}
constexpr bool dtype_is_float(Dtype t) {
  switch (t) {
#define X(e, s, b, f)                                                                                                  \
  case Dtype::e: return f;
    NK_DTYPES(X)
#undef X
  }
  return false;
}
std::string_view dtype_name(Dtype t);
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

uint16_t f32_to_f16(float f);
float f16_to_f32(uint16_t h);
int32_t f32_to_i32(float f);
uint8_t f32_to_u8(float f);

// Load / store one element of type t at p as fp32 (the engines' internal type).
float load_as_f32(Dtype t, const void *p);
void store_from_f32(Dtype t, void *p, float v);

} // namespace nk
