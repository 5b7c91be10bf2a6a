// Dtype conversions: round-to-nearest-even to bf16/f16, specials, and the
// saturating float->integer rule documented in docs/isa.md.
#include "runtime/dtype.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

using namespace nk;

TEST_CASE("dtype names round-trip") {
  for (unsigned i = 0; i < kNumDtypes; ++i) {
    const Dtype t = Dtype(i);
    auto back = parse_dtype(dtype_name(t));
    REQUIRE(back);
    CHECK(*back == t);
  }
  CHECK_FALSE(parse_dtype("f64"));
  CHECK(dtype_size(Dtype::bf16) == 2);
  CHECK(dtype_size(Dtype::i32) == 4);
  CHECK(dtype_size(Dtype::u8) == 1);
  CHECK(dtype_size(Dtype::f8e4m3) == 1);
  CHECK(dtype_size(Dtype::u16) == 2);
  CHECK(dtype_size(Dtype::u32) == 4);
  CHECK(dtype_is_float(Dtype::f8e5m2));
  CHECK(dtype_is_signed_integer(Dtype::i8));
  CHECK_FALSE(dtype_is_signed_integer(Dtype::u16));
  CHECK(dtype_name_list() == "f32, bf16, f16, i32, u8, f8e4m3, f8e5m2, i8, i16, u16, u32, tf32");
}

TEST_CASE("bf16 rounds to nearest even") {
  CHECK(f32_to_bf16(1.0f) == 0x3f80);
  // 1 + 2^-8 is exactly halfway between bf16 1.0 and 1.0078125: ties to even (1.0).
  CHECK(f32_to_bf16(1.0f + std::ldexp(1.0f, -8)) == 0x3f80);
  // 1 + 3*2^-8 is halfway between 1.0078125 (odd) and 1.015625 (even): rounds up.
  CHECK(f32_to_bf16(1.0f + 3 * std::ldexp(1.0f, -8)) == 0x3f82);
  CHECK(f32_to_bf16(1.0f + std::ldexp(1.0f, -8) + std::ldexp(1.0f, -20)) == 0x3f81);
  CHECK(bf16_to_f32(0x3f81) == 1.0078125f);
  CHECK(std::isnan(bf16_to_f32(f32_to_bf16(std::numeric_limits<float>::quiet_NaN()))));
  CHECK(std::isinf(bf16_to_f32(f32_to_bf16(std::numeric_limits<float>::infinity()))));
  // The largest finite f32 rounds up to inf in bf16.
  CHECK(std::isinf(bf16_to_f32(f32_to_bf16(std::numeric_limits<float>::max()))));
}

TEST_CASE("tf32 rounds fp32 to a 10-bit mantissa, nearest even, in four bytes") {
  CHECK(dtype_size(Dtype::tf32) == 4);
  CHECK(dtype_is_float(Dtype::tf32));
  CHECK(f32_to_tf32(1.0f) == 0x3f800000u);
  // 1 + 2^-11 is halfway between 1.0 and 1 + 2^-10: ties to even (1.0).
  CHECK(f32_to_tf32(1.0f + std::ldexp(1.0f, -11)) == 0x3f800000u);
  // 1 + 3 * 2^-11 is halfway between 1 + 2^-10 (odd) and 1 + 2^-9 (even): up.
  CHECK(f32_to_tf32(1.0f + 3 * std::ldexp(1.0f, -11)) == 0x3f804000u);
  CHECK(f32_to_tf32(1.0f + std::ldexp(1.0f, -11) + std::ldexp(1.0f, -23)) == 0x3f802000u);
  CHECK(tf32_to_f32(0x3f802000u) == 1.0f + std::ldexp(1.0f, -10));
  // Subnormals keep 10 mantissa bits: 2^-149 (the last bit) rounds to 0.
  CHECK(f32_to_tf32(std::ldexp(1.0f, -149)) == 0u);
  CHECK(f32_to_tf32(std::ldexp(1.0f, -136)) == 0x00002000u);
  CHECK(f32_to_tf32(-0.0f) == 0x80000000u);
  CHECK(std::isnan(tf32_to_f32(f32_to_tf32(std::numeric_limits<float>::quiet_NaN()))));
  // A NaN whose payload sits in the dropped bits stays a NaN (quiet bit set).
  CHECK(std::isnan(tf32_to_f32(f32_to_tf32(f32_from_bits(0x7f800001u)))));
  CHECK(f32_to_tf32(std::numeric_limits<float>::infinity()) == 0x7f800000u);
  // The largest finite f32 rounds up to inf; the largest tf32 stays.
  CHECK(f32_to_tf32(std::numeric_limits<float>::max()) == 0x7f800000u);
  CHECK(f32_to_tf32(f32_from_bits(0x7f7fe000u)) == 0x7f7fe000u);
  // tf32 holds every bf16, f16 and fp8 value: promotion keeps tf32.
  CHECK(promote_dtypes(Dtype::tf32, Dtype::bf16) == Dtype::tf32);
  CHECK(promote_dtypes(Dtype::f16, Dtype::tf32) == Dtype::tf32);
  CHECK(promote_dtypes(Dtype::tf32, Dtype::f32) == Dtype::f32);
  CHECK(promote_dtypes(Dtype::tf32, Dtype::i32) == Dtype::tf32);
  float v = 0;
  uint8_t buf[4];
  store_from_f32(Dtype::tf32, buf, 3.14159274f);
  v = load_as_f32(Dtype::tf32, buf);
  CHECK(f32_bits(v) == f32_to_tf32(3.14159274f));
}

TEST_CASE("f16 conversion: normals, ties, subnormals, overflow") {
  CHECK(f32_to_f16(1.0f) == 0x3c00);
  CHECK(f32_to_f16(-2.0f) == 0xc000);
  CHECK(f32_to_f16(65504.0f) == 0x7bff);
  CHECK(f32_to_f16(65520.0f) == 0x7c00); // halfway to the next power: inf
  CHECK(f32_to_f16(65519.0f) == 0x7bff);
  CHECK(f32_to_f16(std::ldexp(1.0f, -24)) == 0x0001);        // smallest subnormal
  CHECK(f32_to_f16(std::ldexp(1.0f, -25)) == 0x0000);        // tie with 0: even
  CHECK(f32_to_f16(std::ldexp(3.0f, -26)) == 0x0001);        // 0.75 ulp rounds up
  CHECK(f32_to_f16(1.0f + std::ldexp(1.0f, -11)) == 0x3c00); // tie to even
  CHECK(f32_to_f16(1.0f + 3 * std::ldexp(1.0f, -11)) == 0x3c02);
  for (uint32_t h = 0; h < 0x10000; ++h) {
    uint16_t x = uint16_t(h);
    if ((x & 0x7c00) == 0x7c00 && (x & 0x3ff)) continue; // NaNs
    REQUIRE(f32_to_f16(f16_to_f32(x)) == x);
  }
}

TEST_CASE("float to integer saturates instead of being undefined") {
  CHECK(f32_to_i32(3.9f) == 3);
  CHECK(f32_to_i32(-3.9f) == -3);
  CHECK(f32_to_i32(1e20f) == std::numeric_limits<int32_t>::max());
  CHECK(f32_to_i32(-1e20f) == std::numeric_limits<int32_t>::min());
  CHECK(f32_to_i32(std::nanf("")) == 0);
  CHECK(f32_to_u8(300.0f) == 255);
  CHECK(f32_to_u8(-5.0f) == 0);
  unsigned char buf[4];
  store_from_f32(Dtype::bf16, buf, 1.0078125f);
  CHECK(load_as_f32(Dtype::bf16, buf) == 1.0078125f);
}

TEST_CASE("fp8 e4m3: IEEE-like, bias 7, largest finite 240, overflow to inf") {
  CHECK(f32_to_fp8(Dtype::f8e4m3, 1.0f) == 0x38);
  CHECK(f32_to_fp8(Dtype::f8e4m3, -2.0f) == 0xc0);
  CHECK(f32_to_fp8(Dtype::f8e4m3, 240.0f) == 0x77);
  CHECK(fp8_to_f32(Dtype::f8e4m3, 0x77) == 240.0f);
  CHECK(f32_to_fp8(Dtype::f8e4m3, 247.9f) == 0x77);
  CHECK(f32_to_fp8(Dtype::f8e4m3, 248.0f) == 0x78); // the tie with 256 goes to even: inf
  CHECK(std::isinf(fp8_to_f32(Dtype::f8e4m3, 0x78)));
  CHECK(f32_to_fp8(Dtype::f8e4m3, 1e30f) == 0x78);
  CHECK(f32_to_fp8(Dtype::f8e4m3, -std::numeric_limits<float>::infinity()) == 0xf8);
  CHECK(std::isnan(fp8_to_f32(Dtype::f8e4m3, f32_to_fp8(Dtype::f8e4m3, std::nanf("")))));
  CHECK(f32_to_fp8(Dtype::f8e4m3, std::ldexp(1.0f, -9)) == 0x01);   // smallest subnormal
  CHECK(f32_to_fp8(Dtype::f8e4m3, std::ldexp(1.0f, -10)) == 0x00);  // tie with 0: even
  CHECK(f32_to_fp8(Dtype::f8e4m3, std::ldexp(3.0f, -11)) == 0x01);  // 0.75 of it rounds up
  CHECK(f32_to_fp8(Dtype::f8e4m3, -std::ldexp(1.0f, -12)) == 0x80); // -0
  CHECK(f32_to_fp8(Dtype::f8e4m3, std::ldexp(1.0f, -6)) == 0x08);   // smallest normal
  CHECK(f32_to_fp8(Dtype::f8e4m3, std::ldexp(15.0f, -10)) == 0x08); // 7.5 subnormal ulps: up to the normal
  CHECK(f32_to_fp8(Dtype::f8e4m3, 1.0625f) == 0x38);                // 1 + half an ulp: tie to even
  CHECK(f32_to_fp8(Dtype::f8e4m3, 1.1875f) == 0x3a);                // 1 + 1.5 ulps: tie to even (up)
  for (unsigned c = 0; c < 256; ++c) {
    const float v = fp8_to_f32(Dtype::f8e4m3, uint8_t(c));
    if (std::isnan(v)) continue;
    REQUIRE(f32_to_fp8(Dtype::f8e4m3, v) == c);
  }
}

TEST_CASE("fp8 e5m2: IEEE-like, bias 15, largest finite 57344") {
  CHECK(f32_to_fp8(Dtype::f8e5m2, 1.0f) == 0x3c);
  CHECK(f32_to_fp8(Dtype::f8e5m2, 57344.0f) == 0x7b);
  CHECK(f32_to_fp8(Dtype::f8e5m2, 61440.0f) == 0x7c); // tie between 57344 (odd) and 65536: inf
  CHECK(f32_to_fp8(Dtype::f8e5m2, std::ldexp(1.0f, -16)) == 0x01);
  CHECK(fp8_to_f32(Dtype::f8e5m2, 0x7c) == std::numeric_limits<float>::infinity());
  CHECK(std::isnan(fp8_to_f32(Dtype::f8e5m2, 0x7d)));
  for (unsigned c = 0; c < 256; ++c) {
    const float v = fp8_to_f32(Dtype::f8e5m2, uint8_t(c));
    if (std::isnan(v)) continue;
    REQUIRE(f32_to_fp8(Dtype::f8e5m2, v) == c);
  }
}

TEST_CASE("narrow integers: truncation toward zero, saturation, low bits on integer stores") {
  CHECK(f32_to_int(Dtype::i8, 127.9f) == 127);
  CHECK(f32_to_int(Dtype::i8, 300.0f) == 127);
  CHECK(f32_to_int(Dtype::i8, -300.0f) == -128);
  CHECK(f32_to_int(Dtype::i16, -2.5f) == -2);
  CHECK(f32_to_int(Dtype::u16, 70000.0f) == 65535);
  CHECK(f32_to_int(Dtype::u16, -1.0f) == 0);
  CHECK(f32_to_int(Dtype::u32, 5e9f) == 4294967295ll);
  CHECK(f32_to_int(Dtype::u32, std::nanf("")) == 0);
  unsigned char buf[4];
  store_from_f32(Dtype::i16, buf, -1234.7f);
  CHECK(load_as_i64(Dtype::i16, buf) == -1234);
  store_from_i64(Dtype::i8, buf, 0x1ff); // keeps the low 8 bits
  CHECK(load_as_i64(Dtype::i8, buf) == -1);
  store_from_i64(Dtype::u32, buf, -1);
  CHECK(load_as_i64(Dtype::u32, buf) == 4294967295ll);
  CHECK(load_as_f32(Dtype::u32, buf) == 4294967296.0f); // rounds to the nearest fp32
  store_from_f32(Dtype::f8e4m3, buf, 3.0f);
  CHECK(load_as_i64(Dtype::f8e4m3, buf) == 3);
}

TEST_CASE("type promotion follows NKI 2.26") {
  CHECK(promote_dtypes(Dtype::bf16, Dtype::f16) == Dtype::f32);
  CHECK(promote_dtypes(Dtype::f8e4m3, Dtype::f8e5m2) == Dtype::bf16);
  CHECK(promote_dtypes(Dtype::f8e4m3, Dtype::f16) == Dtype::f16);
  CHECK(promote_dtypes(Dtype::bf16, Dtype::f8e5m2) == Dtype::bf16);
  CHECK(promote_dtypes(Dtype::i32, Dtype::f8e4m3) == Dtype::f8e4m3);
  CHECK(promote_dtypes(Dtype::i8, Dtype::u8) == Dtype::i16);
  CHECK(promote_dtypes(Dtype::i8, Dtype::u16) == Dtype::i32);
  CHECK(promote_dtypes(Dtype::i16, Dtype::u8) == Dtype::i16);
  CHECK(promote_dtypes(Dtype::i32, Dtype::u32) == Dtype::f32);
  CHECK(promote_dtypes(Dtype::u8, Dtype::u32) == Dtype::u32);
  CHECK(promote_dtypes(Dtype::i32, Dtype::u8) == Dtype::i32);
}
