// The simulated memories (memories.h).
#include "simulator/memories.h"

namespace nk {

Memories::Memories(const Target &target, std::vector<uint8_t> &hbm_image)
    : hbm(hbm_image), sbuf_partition_bytes(target.sbuf_bytes_per_partition),
      psum_partition_bytes(target.psum_bytes_per_partition), sbuf(target.sbuf_bytes()),
      psum(target.psum_bytes_per_partition * target.partitions), sbuf_written(target.sbuf_bytes()),
      psum_written(target.psum_bytes_per_partition * target.partitions) {}

void WrittenBits::set(uint64_t lo, uint64_t hi) {
  if (lo >= hi) return;
  uint64_t *w = words();
  const uint64_t a = lo / 64, b = (hi - 1) / 64;
  const uint64_t first = ~uint64_t(0) << (lo % 64), last = ~uint64_t(0) >> (63 - (hi - 1) % 64);
  if (a == b) {
    w[a] |= first & last;
    return;
  }
  w[a] |= first;
  for (uint64_t i = a + 1; i < b; ++i) w[i] = ~uint64_t(0);
  w[b] |= last;
}

uint64_t WrittenBits::first_unset(uint64_t lo, uint64_t hi) const {
  if (lo >= hi) return hi;
  const uint64_t *w = words();
  const uint64_t a = lo / 64, b = (hi - 1) / 64;
  for (uint64_t i = a; i <= b; ++i) {
    uint64_t clear = ~w[i];
    if (i == a) clear &= ~uint64_t(0) << (lo % 64);
    if (i == b) clear &= ~uint64_t(0) >> (63 - (hi - 1) % 64);
    if (clear) return i * 64 + uint64_t(__builtin_ctzll(clear));
  }
  return hi;
}

} // namespace nk
