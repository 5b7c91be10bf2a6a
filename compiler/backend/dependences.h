// The dependence analysis of LIR, one for the back-end passes that need it
// (schedule, insert-semaphores, elide-memsets).
//
// Assumes: `p` is in a valid sequential program order, placed or not. An
// on-chip operand either names a buffer that is not allocated yet (its
// pattern is buffer-relative) or holds an absolute address (its buffer, if
// any, is allocated); HBM operands are absolute.
// Guarantees: for each instruction i, preds(i) lists, sorted and without
// repeats, the earlier instructions i must follow: for everything i touches,
// its last writer, and when i writes it, every reader since that write (RAW,
// WAR, WAW). Every conflicting earlier access is reached from i through
// these edges, directly or transitively, and no edge joins two accesses that
// cannot conflict as far as the analysis can tell:
// - on-chip operands are byte ranges within a partition, widened to whole
//   4-byte granules (the race checker's unit), partitions not told apart
//   (conservative): of their buffer while it has no address (each buffer
//   its own space: two column blocks of one tile do not conflict), of
//   their memory (SBUF, PSUM) once allocated;
// - HBM operands are the byte runs they touch (their hull past kMaxHbmRuns
//   runs), and reads of bytes no instruction writes are skipped (HbmWrites);
// - an indirect DMA is every address its index may take (operand_envelope);
// - the users of one engine's accumulator registers (reduce_cmd: activation,
//   range_select, select_reduce) stay in program order, each after the last.
// - a core_barrier is a full fence on its core: it follows every earlier
//   instruction, and every later one follows it (whatever they touch).
// Keeping only the last writer and the readers since per location keeps the
// work and the edges linear in the accesses (times how fragmented the HBM
// byte ranges are), not quadratic.
#pragma once

#include "compiler/lir/lir.h"

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <vector>

namespace nk::lir {

// Past this many byte runs an HBM operand is taken as its hull.
constexpr size_t kMaxHbmRuns = 4096;

class Dependences {
public:
  size_t size() const { return begin_.size() - 1; }
  // The earlier instructions instruction i must follow, ascending.
  llvm::ArrayRef<uint32_t> preds(uint32_t i) const {
    return llvm::ArrayRef<uint32_t>(list_).slice(begin_[i], begin_[i + 1] - begin_[i]);
  }
  size_t num_edges() const { return list_.size(); }

private:
  friend Dependences compute_dependences(const Program &p);
  std::vector<size_t> begin_{0}; // preds of i: list_[begin_[i] .. begin_[i + 1])
  std::vector<uint32_t> list_;
};

Dependences compute_dependences(const Program &p);

// For each buffer, the instructions with an operand naming it that reads or
// writes, in program order, once each: the index passes use to follow one
// buffer's accesses at a finer grain than a whole buffer (elide-memsets,
// forward-copies).
std::vector<std::vector<uint32_t>> buffer_accesses(const Program &p);

// The part of its buffer an on-chip operand touches, as those passes
// compare it: partitions [p0, p1) x bytes [b0, b1) within each partition.
struct ChipRect {
  uint64_t p0, p1, b0, b1;
  bool overlaps(const ChipRect &o) const { return p0 < o.p1 && o.p0 < p1 && b0 < o.b1 && o.b0 < b1; }
  bool contains(const ChipRect &o) const { return p0 <= o.p0 && o.p1 <= p1 && b0 <= o.b0 && o.b1 <= b1; }
};
// Exact when *dense is set (one contiguous byte range per partition), else
// the pattern's hull.
ChipRect chip_footprint(const AccessPattern &a, bool *dense = nullptr);

} // namespace nk::lir
