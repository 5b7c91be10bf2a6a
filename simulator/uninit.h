// The uninitialised-read check: SBUF/PSUM bytes read before anything wrote
// them. A map of written bytes (Memories::*_written, WrittenMap: a
// partition mask per byte offset) is set by every on-chip write and checked
// by every on-chip read.
//
// Assumes: `runs` is the operand's row footprint (row_footprint) and the AP
// was validated. Guarantees: reports at most one finding per operand, with
// the first unwritten byte's partition and offset; HBM is not tracked (the
// image is the caller's and is fully defined).
#pragma once

#include "simulator/access.h"
#include "simulator/memories.h"

#include <optional>
#include <string>

namespace nk {

struct UnwrittenByte {
  unsigned partition;
  int64_t byte;
};
// The first byte of the read that was never written, if any.
std::optional<UnwrittenByte> find_unwritten(Memories &mem, const AccessPattern &a, const std::vector<ByteRun> &runs);
void mark_written(Memories &mem, const AccessPattern &a, const std::vector<ByteRun> &runs);

} // namespace nk
