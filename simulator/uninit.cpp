// Uninitialised-read tracking (uninit.h).
#include "simulator/uninit.h"

namespace nk {

// Checked for the whole operand first (one partition mask per byte); only
// when a byte is missing, row by row to find the first one in access order.
std::optional<UnwrittenByte> find_unwritten(Memories &mem, const AccessPattern &a, const std::vector<ByteRun> &runs) {
  if (!a.on_chip()) return std::nullopt;
  const WrittenMap &written = mem.written(a);
  const unsigned p_lo = a.start_partition, p_hi = p_lo + a.num_partitions;
  bool complete = true;
  for (const ByteRun &run : runs)
    complete = complete && written.all_set(p_lo, p_hi, uint64_t(run.lo), uint64_t(run.hi));
  if (complete) return std::nullopt;
  for (unsigned p = p_lo; p < p_hi; ++p) {
    for (const ByteRun &run : runs) {
      const uint64_t hole = written.first_unset(p, uint64_t(run.lo), uint64_t(run.hi));
      if (hole != uint64_t(run.hi)) return UnwrittenByte{p, int64_t(hole)};
    }
  }
  return std::nullopt;
}

void mark_written(Memories &mem, const AccessPattern &a, const std::vector<ByteRun> &runs) {
  if (!a.on_chip()) return;
  WrittenMap &written = mem.written(a);
  const unsigned p_lo = a.start_partition, p_hi = p_lo + a.num_partitions;
  for (const ByteRun &run : runs) written.set(p_lo, p_hi, uint64_t(run.lo), uint64_t(run.hi));
}

} // namespace nk
