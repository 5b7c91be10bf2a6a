// Uninitialised-read tracking (uninit.h).
#include "simulator/uninit.h"

#include <cstring>

namespace nk {

std::optional<UnwrittenByte> find_unwritten(Memories &mem, const AccessPattern &a,
                                            const std::vector<ByteRun> &runs) {
  if (!a.on_chip()) return std::nullopt;
  for (unsigned r = 0; r < a.num_partitions; ++r) {
    const uint8_t *w = mem.written_row(a, r);
    for (const ByteRun &run : runs) {
      const void *hole = std::memchr(w + run.lo, 0, size_t(run.hi - run.lo));
      if (hole)
        return UnwrittenByte{a.start_partition + r,
                             static_cast<const uint8_t *>(hole) - w};
    }
  }
  return std::nullopt;
}

void mark_written(Memories &mem, const AccessPattern &a, const std::vector<ByteRun> &runs) {
  if (!a.on_chip()) return;
  for (unsigned r = 0; r < a.num_partitions; ++r) {
    uint8_t *w = mem.written_row(a, r);
    for (const ByteRun &run : runs) std::memset(w + run.lo, 1, size_t(run.hi - run.lo));
  }
}

} // namespace nk
