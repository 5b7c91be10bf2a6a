// Dtype names and the fp32 <-> narrow-type conversions (see dtype.h).
#include "runtime/dtype.h"

#include <cmath>
#include <limits>

namespace nk {

std::string_view dtype_name(Dtype t) {
  switch (t) {
#define X(e, s, b, k)                                                                                                  \
  case Dtype::e: return s;
    NK_DTYPES(X)
#undef X
  }
  return "?";
}

std::string dtype_name_list(std::string_view sep) {
  std::string out;
  for (unsigned i = 0; i < kNumDtypes; ++i) {
    if (i) out += sep;
    out += dtype_name(Dtype(i));
  }
  return out;
}

std::optional<Dtype> parse_dtype(std::string_view name) {
#define X(e, s, b, k)                                                                                                  \
  if (name == s) return Dtype::e;
  NK_DTYPES(X)
#undef X
  return std::nullopt;
}

Dtype promote_dtypes(Dtype a, Dtype b) {
  if (a == b) return a;
  const bool fa = dtype_is_float(a), fb = dtype_is_float(b);
  if (fa != fb) return fa ? a : b;
  if (fa) {
    if (a == Dtype::f32 || b == Dtype::f32) return Dtype::f32;
    if (a == Dtype::tf32 || b == Dtype::tf32) return Dtype::tf32;
    if (dtype_is_fp8(a) && dtype_is_fp8(b)) return Dtype::bf16;
    if (dtype_is_fp8(a)) return b;
    if (dtype_is_fp8(b)) return a;
    return Dtype::f32; // bf16 with f16
  }
  const bool sa = dtype_is_signed_integer(a), sb = dtype_is_signed_integer(b);
  if (sa == sb) return dtype_size(a) >= dtype_size(b) ? a : b;
  const Dtype s = sa ? a : b, u = sa ? b : a;
  if (dtype_size(u) < dtype_size(s)) return s;
  switch (dtype_size(u)) {
  case 1: return Dtype::i16;
  case 2: return Dtype::i32;
  default: return Dtype::f32;
  }
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

namespace {

struct Fp8Format {
  unsigned exp_bits, mant_bits;
  int bias;
};
constexpr Fp8Format fp8_format(Dtype t) { return t == Dtype::f8e5m2 ? Fp8Format{5, 2, 15} : Fp8Format{4, 3, 7}; }

// Every fp8 code decoded once (exact: each value is a small dyadic).
struct Fp8Table {
  float value[2][256];
  Fp8Table() {
    for (Dtype t : {Dtype::f8e4m3, Dtype::f8e5m2}) {
      const Fp8Format f = fp8_format(t);
      const unsigned exp_max = (1u << f.exp_bits) - 1;
      for (unsigned c = 0; c < 256; ++c) {
        const unsigned e = (c >> f.mant_bits) & exp_max, m = c & ((1u << f.mant_bits) - 1);
        float v;
        if (e == exp_max)
          v = m ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
        else if (e == 0)
          v = std::ldexp(float(m), 1 - f.bias - int(f.mant_bits));
        else
          v = std::ldexp(float((1u << f.mant_bits) | m), int(e) - f.bias - int(f.mant_bits));
        value[t == Dtype::f8e5m2][c] = (c & 0x80u) ? -v : v;
      }
    }
  }
};
const Fp8Table &fp8_table() {
  static const Fp8Table table;
  return table;
}

} // namespace

uint8_t f32_to_fp8(Dtype t, float f) {
  const Fp8Format fmt = fp8_format(t);
  const uint32_t x = f32_bits(f);
  const uint32_t sign = (x >> 24) & 0x80u;
  const uint32_t abs = x & 0x7fffffffu;
  const uint32_t exp_max = (1u << fmt.exp_bits) - 1;
  const uint32_t inf = exp_max << fmt.mant_bits;
  if (abs > 0x7f800000u) return uint8_t(sign | inf | (1u << (fmt.mant_bits - 1))); // quiet NaN
  if (abs == 0x7f800000u) return uint8_t(sign | inf);
  const int e32 = int(abs >> 23);     // biased by 127
  if (e32 == 0) return uint8_t(sign); // fp32 subnormals are far below fp8's smallest subnormal
  const uint32_t mant24 = (abs & 0x7fffffu) | 0x800000u;
  const int et = e32 - 127 + fmt.bias; // the target's biased exponent
  uint32_t h, rest, half;
  if (et >= 1) { // normal: keep mant_bits of the 23
    const unsigned shift = 23 - fmt.mant_bits;
    if (et >= int(exp_max)) return uint8_t(sign | inf);
    h = (uint32_t(et) << fmt.mant_bits) | ((mant24 & 0x7fffffu) >> shift);
    rest = mant24 & ((1u << shift) - 1);
    half = 1u << (shift - 1);
  } else { // subnormal: value / 2^(1 - bias - mant_bits)
    const int shift = 151 - fmt.bias - int(fmt.mant_bits) - e32;
    if (shift > 24) return uint8_t(sign); // below half the smallest subnormal
    h = mant24 >> shift;
    rest = mant24 & ((1u << shift) - 1);
    half = 1u << (shift - 1);
  }
  if (rest > half || (rest == half && (h & 1u))) ++h; // a carry may move into the exponent, up to inf
  if (h >= inf) h = inf;
  return uint8_t(sign | h);
}

float fp8_to_f32(Dtype t, uint8_t bits) { return fp8_table().value[t == Dtype::f8e5m2][bits]; }

int64_t dtype_int_min(Dtype t) {
  switch (t) {
  case Dtype::i8: return INT8_MIN;
  case Dtype::i16: return INT16_MIN;
  case Dtype::i32: return INT32_MIN;
  default: return 0;
  }
}

int64_t dtype_int_max(Dtype t) {
  switch (t) {
  case Dtype::i8: return INT8_MAX;
  case Dtype::i16: return INT16_MAX;
  case Dtype::i32: return INT32_MAX;
  case Dtype::u8: return UINT8_MAX;
  case Dtype::u16: return UINT16_MAX;
  case Dtype::u32: return UINT32_MAX;
  default: return 0;
  }
}

int64_t f32_to_int(Dtype t, float f) {
  if (std::isnan(f)) return 0;
  const double lo = double(dtype_int_min(t)), hi = double(dtype_int_max(t));
  const double d = std::trunc(double(f));
  if (d <= lo) return dtype_int_min(t);
  if (d >= hi) return dtype_int_max(t);
  return int64_t(d);
}

namespace {

template <typename T>
T load_raw(const void *p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}
template <typename T>
void store_raw(void *p, T v) {
  std::memcpy(p, &v, sizeof(T));
}

} // namespace

float load_as_f32(Dtype t, const void *p) {
  switch (t) {
  case Dtype::f32: return load_raw<float>(p);
  case Dtype::tf32: return tf32_to_f32(load_raw<uint32_t>(p));
  case Dtype::bf16: return bf16_to_f32(load_raw<uint16_t>(p));
  case Dtype::f16: return f16_to_f32(load_raw<uint16_t>(p));
  case Dtype::f8e4m3:
  case Dtype::f8e5m2: return fp8_to_f32(t, load_raw<uint8_t>(p));
  case Dtype::i32:
  case Dtype::u8:
  case Dtype::i8:
  case Dtype::i16:
  case Dtype::u16:
  case Dtype::u32: return float(load_as_i64(t, p));
  }
  return 0.0f;
}

void store_from_f32(Dtype t, void *p, float v) {
  switch (t) {
  case Dtype::f32: store_raw<float>(p, v); return;
  case Dtype::tf32: store_raw<uint32_t>(p, f32_to_tf32(v)); return;
  case Dtype::bf16: store_raw<uint16_t>(p, f32_to_bf16(v)); return;
  case Dtype::f16: store_raw<uint16_t>(p, f32_to_f16(v)); return;
  case Dtype::f8e4m3:
  case Dtype::f8e5m2: store_raw<uint8_t>(p, f32_to_fp8(t, v)); return;
  case Dtype::i32:
  case Dtype::u8:
  case Dtype::i8:
  case Dtype::i16:
  case Dtype::u16:
  case Dtype::u32: store_from_i64(t, p, f32_to_int(t, v)); return;
  }
}

int64_t load_as_i64(Dtype t, const void *p) {
  switch (t) {
  case Dtype::i32: return load_raw<int32_t>(p);
  case Dtype::u8: return load_raw<uint8_t>(p);
  case Dtype::i8: return load_raw<int8_t>(p);
  case Dtype::i16: return load_raw<int16_t>(p);
  case Dtype::u16: return load_raw<uint16_t>(p);
  case Dtype::u32: return load_raw<uint32_t>(p);
  case Dtype::f32:
  case Dtype::tf32:
  case Dtype::bf16:
  case Dtype::f16:
  case Dtype::f8e4m3:
  case Dtype::f8e5m2: return f32_to_int(Dtype::i32, load_as_f32(t, p));
  }
  return 0;
}

void store_from_i64(Dtype t, void *p, int64_t v) {
  const uint64_t u = uint64_t(v);
  switch (t) {
  case Dtype::i32:
  case Dtype::u32: store_raw<uint32_t>(p, uint32_t(u)); return;
  case Dtype::u8:
  case Dtype::i8: store_raw<uint8_t>(p, uint8_t(u)); return;
  case Dtype::i16:
  case Dtype::u16: store_raw<uint16_t>(p, uint16_t(u)); return;
  case Dtype::f32:
  case Dtype::tf32:
  case Dtype::bf16:
  case Dtype::f16:
  case Dtype::f8e4m3:
  case Dtype::f8e5m2: store_from_f32(t, p, float(v)); return;
  }
}

} // namespace nk
