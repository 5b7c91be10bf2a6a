// Dtype conversions: round-to-nearest-even to bf16/f16, specials, and the
// saturating float->integer rule documented in docs/isa.md.
#include "runtime/dtype.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

using namespace nk;

TEST_CASE("dtype names round-trip") {
  for (Dtype t : {Dtype::f32, Dtype::bf16, Dtype::f16, Dtype::i32, Dtype::u8}) {
    auto back = parse_dtype(dtype_name(t));
    REQUIRE(back);
    CHECK(*back == t);
  }
  CHECK_FALSE(parse_dtype("f64"));
  CHECK(dtype_size(Dtype::bf16) == 2);
  CHECK(dtype_size(Dtype::i32) == 4);
  CHECK(dtype_size(Dtype::u8) == 1);
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
