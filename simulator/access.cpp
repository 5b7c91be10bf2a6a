// Access-pattern walkers (access.h): extents, footprints, gather/scatter.
#include "simulator/access.h"

#include <algorithm>
#include <cstring>

namespace nk {

std::optional<Extent> row_extent(const AccessPattern &a) {
  const __int128 esz = dtype_size(a.dtype);
  __int128 lo = __int128(a.offset), hi = __int128(a.offset) + esz;
  for (unsigned d = 0; d < a.num_dims && d < kMaxHbmDims; ++d) {
    if (a.dims[d].count == 0) return Extent{int64_t(a.offset), int64_t(a.offset)};
    __int128 span = __int128(a.dims[d].stride) * esz * __int128(a.dims[d].count - 1);
    if (span < 0)
      lo += span;
    else
      hi += span;
  }
  const __int128 lim = __int128(INT64_MAX);
  if (lo < -lim || hi > lim) return std::nullopt;
  return Extent{int64_t(lo), int64_t(hi)};
}

namespace {

template <typename T>
inline T load_raw(const uint8_t *p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}
template <typename T>
inline void store_raw(uint8_t *p, T v) {
  std::memcpy(p, &v, sizeof(T));
}

// Converts one strided run into fp32; the dtype switch sits outside the loop.
void load_run(Dtype t, const uint8_t *p, uint64_t n, int64_t stride, float *out) {
  switch (t) {
  case Dtype::f32:
    if (stride == 4) {
      std::memcpy(out, p, n * 4);
      return;
    }
    for (uint64_t i = 0; i < n; ++i) out[i] = load_raw<float>(p + int64_t(i) * stride);
    return;
  case Dtype::tf32:
    for (uint64_t i = 0; i < n; ++i) out[i] = tf32_to_f32(load_raw<uint32_t>(p + int64_t(i) * stride));
    return;
  case Dtype::bf16:
    for (uint64_t i = 0; i < n; ++i) out[i] = bf16_to_f32(load_raw<uint16_t>(p + int64_t(i) * stride));
    return;
  case Dtype::f16:
    for (uint64_t i = 0; i < n; ++i) out[i] = f16_to_f32(load_raw<uint16_t>(p + int64_t(i) * stride));
    return;
  case Dtype::f8e4m3:
  case Dtype::f8e5m2:
    for (uint64_t i = 0; i < n; ++i) out[i] = fp8_to_f32(t, p[int64_t(i) * stride]);
    return;
  case Dtype::i32:
    for (uint64_t i = 0; i < n; ++i) out[i] = float(load_raw<int32_t>(p + int64_t(i) * stride));
    return;
  case Dtype::u8:
    for (uint64_t i = 0; i < n; ++i) out[i] = float(p[int64_t(i) * stride]);
    return;
  case Dtype::i8:
  case Dtype::i16:
  case Dtype::u16:
  case Dtype::u32:
    for (uint64_t i = 0; i < n; ++i) out[i] = load_as_f32(t, p + int64_t(i) * stride);
    return;
  }
}

void store_run(Dtype t, uint8_t *p, uint64_t n, int64_t stride, const float *in) {
  switch (t) {
  case Dtype::f32:
    if (stride == 4) {
      std::memcpy(p, in, n * 4);
      return;
    }
    for (uint64_t i = 0; i < n; ++i) store_raw<float>(p + int64_t(i) * stride, in[i]);
    return;
  case Dtype::tf32:
    for (uint64_t i = 0; i < n; ++i) store_raw<uint32_t>(p + int64_t(i) * stride, f32_to_tf32(in[i]));
    return;
  case Dtype::bf16:
    for (uint64_t i = 0; i < n; ++i) store_raw<uint16_t>(p + int64_t(i) * stride, f32_to_bf16(in[i]));
    return;
  case Dtype::f16:
    for (uint64_t i = 0; i < n; ++i) store_raw<uint16_t>(p + int64_t(i) * stride, f32_to_f16(in[i]));
    return;
  case Dtype::f8e4m3:
  case Dtype::f8e5m2:
    for (uint64_t i = 0; i < n; ++i) p[int64_t(i) * stride] = f32_to_fp8(t, in[i]);
    return;
  case Dtype::i32:
    for (uint64_t i = 0; i < n; ++i) store_raw<int32_t>(p + int64_t(i) * stride, f32_to_i32(in[i]));
    return;
  case Dtype::u8:
    for (uint64_t i = 0; i < n; ++i) p[int64_t(i) * stride] = f32_to_u8(in[i]);
    return;
  case Dtype::i8:
  case Dtype::i16:
  case Dtype::u16:
  case Dtype::u32:
    for (uint64_t i = 0; i < n; ++i) store_from_f32(t, p + int64_t(i) * stride, in[i]);
    return;
  }
}

} // namespace

void gather_row_f32(const AccessPattern &a, const uint8_t *row, float *out) {
  for_each_inner_run(a, [&](int64_t off, uint64_t n, int64_t stride) {
    load_run(a.dtype, row + off, n, stride, out);
    out += n;
  });
}

void scatter_row_f32(const AccessPattern &a, uint8_t *row, const float *in) {
  for_each_inner_run(a, [&](int64_t off, uint64_t n, int64_t stride) {
    store_run(a.dtype, row + off, n, stride, in);
    in += n;
  });
}

void gather_row_bytes(const AccessPattern &a, const uint8_t *row, uint8_t *out) {
  const unsigned esz = dtype_size(a.dtype);
  for_each_inner_run(a, [&](int64_t off, uint64_t n, int64_t stride) {
    const uint8_t *p = row + off;
    if (stride == int64_t(esz)) {
      std::memcpy(out, p, n * esz);
    } else {
      for (uint64_t i = 0; i < n; ++i) std::memcpy(out + i * esz, p + int64_t(i) * stride, esz);
    }
    out += n * esz;
  });
}

void scatter_row_bytes(const AccessPattern &a, uint8_t *row, const uint8_t *in) {
  const unsigned esz = dtype_size(a.dtype);
  for_each_inner_run(a, [&](int64_t off, uint64_t n, int64_t stride) {
    uint8_t *p = row + off;
    if (stride == int64_t(esz)) {
      std::memcpy(p, in, n * esz);
    } else {
      for (uint64_t i = 0; i < n; ++i) std::memcpy(p + int64_t(i) * stride, in + i * esz, esz);
    }
    in += n * esz;
  });
}

void gather_row_i64(const AccessPattern &a, const uint8_t *row, int64_t *out) {
  for_each_inner_run(a, [&](int64_t off, uint64_t n, int64_t stride) {
    const uint8_t *p = row + off;
    for (uint64_t i = 0; i < n; ++i) out[i] = load_as_i64(a.dtype, p + int64_t(i) * stride);
    out += n;
  });
}

void scatter_row_i64(const AccessPattern &a, uint8_t *row, const int64_t *in) {
  for_each_inner_run(a, [&](int64_t off, uint64_t n, int64_t stride) {
    uint8_t *p = row + off;
    for (uint64_t i = 0; i < n; ++i) store_from_i64(a.dtype, p + int64_t(i) * stride, in[i]);
    in += n;
  });
}

void row_footprint(const AccessPattern &a, bool coarse, std::vector<ByteRun> &runs) {
  runs.clear();
  const int64_t esz = dtype_size(a.dtype);
  auto add = [&](int64_t lo, int64_t hi) {
    if (!runs.empty() && runs.back().hi == lo)
      runs.back().hi = hi;
    else if (!runs.empty() && runs.back().lo == hi)
      runs.back().lo = lo;
    else
      runs.push_back({lo, hi});
  };
  for_each_inner_run(a, [&](int64_t off, uint64_t n, int64_t stride) {
    int64_t last = off + stride * int64_t(n - 1);
    if (stride == 0) {
      add(off, off + esz); // a broadcast dim re-reads one element
    } else if (stride == esz || stride == -esz || n == 1 || (coarse && n > kExactStridedRun)) {
      add(std::min(off, last), std::max(off, last) + esz);
    } else {
      for (uint64_t i = 0; i < n; ++i) add(off + int64_t(i) * stride, off + int64_t(i) * stride + esz);
    }
  });
}

} // namespace nk
