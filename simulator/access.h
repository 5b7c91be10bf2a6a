// Walking access patterns: the bytes an AP covers (its extent and its
// footprint as byte runs) and moving its elements to and from contiguous
// buffers (gather/scatter), in the element order the instruction table
// defines: row-major over (partition, dims...).
//
// Assumes: the AP was checked by validate.cpp (dims <= kMaxHbmDims, extent
// inside its memory), so the walkers do no bounds checks of their own.
// Guarantees: inner loops run over the innermost dim with the dtype fixed
// outside the loop; contiguous f32 runs are plain memcpy.
#pragma once

#include "runtime/isa.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace nk {

// Byte range [lo, hi) one row of `a` touches, relative to the row base (the
// partition's first byte on chip, HBM byte 0 off chip), or nullopt when the
// arithmetic overflows int64.
struct Extent {
  int64_t lo = 0, hi = 0;
};
std::optional<Extent> row_extent(const AccessPattern &a);

// Calls fn(byte_offset, count, byte_stride) for each run of the innermost
// dim of one row, in row-major order. A 0-dim AP is one element.
template <typename Fn>
void for_each_inner_run(const AccessPattern &a, Fn &&fn) {
  const int64_t esz = dtype_size(a.dtype);
  const unsigned nd = a.num_dims;
  if (nd == 0) {
    fn(int64_t(a.offset), uint64_t(1), esz);
    return;
  }
  const int64_t inner_stride = a.dims[nd - 1].stride * esz;
  const uint64_t inner_count = a.dims[nd - 1].count;
  uint64_t idx[kMaxHbmDims] = {};
  for (unsigned d = 0; d + 1 < nd; ++d)
    if (a.dims[d].count == 0) return;
  if (inner_count == 0) return;
  int64_t off = int64_t(a.offset);
  for (;;) {
    fn(off, inner_count, inner_stride);
    // Odometer over the outer dims.
    int d = int(nd) - 2;
    for (; d >= 0; --d) {
      off += a.dims[d].stride * esz;
      if (++idx[d] < a.dims[d].count) break;
      off -= a.dims[d].stride * esz * int64_t(a.dims[d].count);
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

// Row of `a` starting at `row` (partition base or HBM base) <-> contiguous
// fp32 values, converting with dtype.h's rules.
void gather_row_f32(const AccessPattern &a, const uint8_t *row, float *out);
void scatter_row_f32(const AccessPattern &a, uint8_t *row, const float *in);
// Raw element bytes (same-dtype copies keep every bit, e.g. i32 > 2^24).
void gather_row_bytes(const AccessPattern &a, const uint8_t *row, uint8_t *out);
void scatter_row_bytes(const AccessPattern &a, uint8_t *row, const uint8_t *in);
// Integer values (bitwise ops): i32 sign-extended, u8 zero-extended.
void gather_row_i64(const AccessPattern &a, const uint8_t *row, int64_t *out);
void scatter_row_i64(const AccessPattern &a, uint8_t *row, const int64_t *in);

// The byte runs [lo, hi) one row touches, merged where adjacent and sorted
// by the walk order. `coarse` replaces a strided innermost run of more than
// kExactStridedRun elements by its hull (used for HBM, whose shadow state
// is interval based, so that one huge strided pattern cannot fragment it
// into millions of intervals); shorter strided runs, such as a column of a
// [rows, cols] tensor written one element per partition, stay exact so
// that two stores to different columns are not taken for a race.
struct ByteRun {
  int64_t lo, hi;
};
constexpr uint64_t kExactStridedRun = 1024;
void row_footprint(const AccessPattern &a, bool coarse, std::vector<ByteRun> &runs);

} // namespace nk
