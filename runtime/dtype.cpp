// Dtype names and the fp32 <-> narrow-type conversions (see dtype.h).
#include "runtime/dtype.h"

#include <cmath>
#include <limits>

namespace nk {

std::string_view dtype_name(Dtype t) {
  switch (t) {
#define X(e, s, b, f)                                                                                                  \
  case Dtype::e: return s;
    NK_DTYPES(X)
#undef X
  }
  return "?";
}

std::optional<Dtype> parse_dtype(std::string_view name) {
#define X(e, s, b, f)                                                                                                  \
  if (name == s) return Dtype::e;
  NK_DTYPES(X)
#undef X
  return std::nullopt;
}

// IEEE binary16 with round-to-nearest-even, including subnormals.
uint16_t f32_to_f16(float f) {
  uint32_t x = f32_bits(f);
  uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t abs = x & 0x7fffffffu;
  if (abs > 0x7f800000u) return uint16_t(sign | 0x7e00u);  // NaN
  if (abs >= 0x477ff000u) return uint16_t(sign | 0x7c00u); // rounds to inf
  if (abs >= 0x38800000u) {                                // normal f16
    uint32_t mant = abs & 0x7fffffu;
    uint32_t exp = (abs >> 23) - 112;
    uint32_t h = (exp << 10) | (mant >> 13);
    uint32_t rest = mant & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h;
    return uint16_t(sign | h);
  }
  if (abs < 0x33000000u) return uint16_t(sign); // < half the smallest subnormal
  // Subnormal f16: value = mant16 * 2^-24.
  uint32_t exp = abs >> 23;
  uint32_t mant = (abs & 0x7fffffu) | 0x800000u;
  uint32_t shift = 126 - exp; // 14 .. 24
  uint32_t h = mant >> shift;
  uint32_t rest = mant & ((1u << shift) - 1);
  uint32_t half = 1u << (shift - 1);
  if (rest > half || (rest == half && (h & 1u))) ++h;
  return uint16_t(sign | h);
}

float f16_to_f32(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  if (exp == 0x1f) return f32_from_bits(sign | 0x7f800000u | (mant << 13));
  if (exp == 0) {
    float v = std::ldexp(float(mant), -24);
    return sign ? -v : v;
  }
  return f32_from_bits(sign | ((exp + 112) << 23) | (mant << 13));
}

int32_t f32_to_i32(float f) {
  if (std::isnan(f)) return 0;
  if (f >= 2147483648.0f) return std::numeric_limits<int32_t>::max();
  if (f <= -2147483648.0f) return std::numeric_limits<int32_t>::min();
  return int32_t(f);
}

uint8_t f32_to_u8(float f) {
  if (std::isnan(f) || f <= 0.0f) return 0;
  if (f >= 255.0f) return 255;
  return uint8_t(f);
}

float load_as_f32(Dtype t, const void *p) {
  switch (t) {
  case Dtype::f32: {
    float v;
    std::memcpy(&v, p, 4);
    return v;
  }
  case Dtype::bf16: {
    uint16_t v;
    std::memcpy(&v, p, 2);
    return bf16_to_f32(v);
  }
  case Dtype::f16: {
    uint16_t v;
    std::memcpy(&v, p, 2);
    return f16_to_f32(v);
  }
  case Dtype::i32: {
    int32_t v;
    std::memcpy(&v, p, 4);
    return float(v);
  }
  case Dtype::u8: return float(*static_cast<const uint8_t *>(p));
  }
  return 0.0f;
}

void store_from_f32(Dtype t, void *p, float v) {
  switch (t) {
  case Dtype::f32: std::memcpy(p, &v, 4); return;
  case Dtype::bf16: {
    uint16_t h = f32_to_bf16(v);
    std::memcpy(p, &h, 2);
    return;
  }
  case Dtype::f16: {
    uint16_t h = f32_to_f16(v);
    std::memcpy(p, &h, 2);
    return;
  }
  case Dtype::i32: {
    int32_t i = f32_to_i32(v);
    std::memcpy(p, &i, 4);
    return;
  }
  case Dtype::u8: *static_cast<uint8_t *>(p) = f32_to_u8(v); return;
  }
}

} // namespace nk
