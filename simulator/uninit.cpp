// Uninitialised-read tracking (uninit.h).
#include "simulator/uninit.h"

namespace nk {

std::optional<UnwrittenByte> find_unwritten(Memories &mem, const AccessPattern &a,
                                            const std::vector<ByteRun> &runs) {
  if (!a.on_chip()) return std::nullopt;
  const WrittenBits &bits = mem.written(a);
  for (unsigned r = 0; r < a.num_partitions; ++r) {
    const uint64_t base = mem.written_row(a, r);
    for (const ByteRun &run : runs) {
      const uint64_t hi = base + uint64_t(run.hi);
      const uint64_t hole = bits.first_unset(base + uint64_t(run.lo), hi);
      if (hole != hi) return UnwrittenByte{a.start_partition + r, int64_t(hole - base)};
    }
  }
  return std::nullopt;
}

void mark_written(Memories &mem, const AccessPattern &a, const std::vector<ByteRun> &runs) {
  if (!a.on_chip()) return;
  WrittenBits &bits = mem.written(a);
  for (unsigned r = 0; r < a.num_partitions; ++r) {
    const uint64_t base = mem.written_row(a, r);
    for (const ByteRun &run : runs) bits.set(base + uint64_t(run.lo), base + uint64_t(run.hi));
  }
}

} // namespace nk
