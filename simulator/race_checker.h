// Happens-before race detection between streams, FastTrack style.
//
// Each stream has a vector clock; instruction i of stream s is the epoch
// (s, i + 1). A sem_signal publishes its stream's clock; a satisfied
// sem_wait on (sem, v) joins the clocks of the signals that brought the
// counter to v (the prefix of that semaphore's signal history, in the order
// the signals fired in this run). Shadow state per memory location holds
// the last write epoch and the reads since it (one epoch, or an interned
// set when reads are concurrent). An access that is not ordered after a
// conflicting earlier access (one of them a write) is a race.
//
// Shadow granularity: SBUF/PSUM in 4-byte granules (so two engines writing
// different bytes of one 4-byte word count as conflicting); HBM in bytes,
// exact, except that a strided innermost run of more than kExactStridedRun
// elements is widened to its hull (access.h), which can report a race
// between stores that interleave finely over such a run. The state is stored
// compressed (shadow.h): work per access is proportional to the granules
// one partition row touches on chip and to the runs in HBM, times how
// fragmented the state there is; never to the program length.
//
// Two physical cores: one clock per stream of either core, as for one
// core; SBUF and PSUM shadows per core, HBM's shared, so an HBM access of
// one core not ordered (through core_barrier) after a conflicting access of
// the other is a race. Semaphore indices are the scheduler's (every core's
// semaphores, then core_barrier's).
//
// HBM bytes no instruction of the program can write (outside the byte hull
// of every HBM write operand, indirect ones by their envelope) are not
// tracked: a race needs a write, so a read of such a byte can never be
// part of one, and its read history would never be consulted. The
// scheduler skips those reads (never_written) before building their
// footprint; a streaming kernel's input loads cost nothing here.
//
// Assumes: instructions of one stream are ordered (program order), also on
// DMA queues whose transfers overlap in time (see docs/simulator.md).
// Guarantees: the first race found is returned as an llvm::Error naming
// both instructions (stream, index, opcode, source location).
#pragma once

#include "simulator/access.h"
#include "simulator/memories.h"
#include "simulator/shadow.h"

#include "runtime/program.h"

#include "llvm/Support/Error.h"

#include <memory>
#include <vector>

namespace nk {

class RaceChecker {
public:
  // `num_sems`: the semaphores the scheduler numbers (all cores').
  RaceChecker(const Program &program, const Target &target, unsigned num_sems);
  // Fails when the program is too large for the epoch encoding.
  llvm::Error check_limits() const;

  // Instruction `index` of `stream` starts: its epoch becomes current.
  void begin(unsigned stream, uint64_t index);
  void on_signal(unsigned stream, unsigned sem, int64_t count_after);
  // A copy of `stream`'s clock now (for a signal that fires later).
  std::vector<uint32_t> snapshot(unsigned stream) { return {clock(stream), clock(stream) + n_}; }
  // A signal firing with a clock taken earlier (snapshot).
  void on_signal_clock(unsigned sem, int64_t count_after, const uint32_t *clock);
  void on_wait(unsigned stream, unsigned sem, int64_t value);

  // One operand's access by the current instruction of `stream`; `runs`
  // is the row footprint (row_footprint) of `a`.
  llvm::Error access(unsigned stream, const AccessPattern &a, const std::vector<ByteRun> &runs, bool write,
                     const char *operand);
  // Whether no instruction of the program writes any byte of `a` (an HBM
  // operand): then reading it needs no race bookkeeping.
  bool never_written(const AccessPattern &a) const;

private:
  bool hb(uint32_t epoch, const uint32_t *clock) const;
  uint32_t read_transition(uint32_t r, uint32_t e, const uint32_t *clock);
  // The epoch of an earlier access in `sh` racing with this one, or 0
  // (was_write says whether that access wrote).
  uint32_t conflict(ShadowState sh, bool write, uint32_t e, const uint32_t *clock, bool &was_write) const;
  // The state after this access, when it does not race.
  ShadowState next(ShadowState sh, bool write, uint32_t e, const uint32_t *clock);
  llvm::Error report(unsigned stream, uint32_t other, bool other_write, bool write, const AccessPattern &a,
                     unsigned row, int64_t byte, const char *operand) const;
  uint32_t *clock(unsigned stream) { return clocks_.data() + size_t(stream) * n_; }
  uint64_t clock_index(unsigned stream) const { return uint64_t(clocks_[size_t(stream) * n_ + stream]) - 1; }

  const Program &program_;
  unsigned n_;                      // streams
  std::vector<uint32_t> clocks_;    // n_ x n_
  std::vector<uint32_t> read_sets_; // interned read sets, n_ clocks each
  // Per semaphore: counts after each signal and the join of their clocks.
  struct SemHistory {
    std::vector<int64_t> counts;
    std::vector<uint32_t> joined; // counts.size() x n_
  };
  std::vector<SemHistory> sems_;
  // Per location: the last write's epoch (w) and the reads since it (r:
  // one epoch, or an interned read set); 0 = none.
  struct CoreShadow {
    explicit CoreShadow(const Target &t);
    ChipShadow sbuf, psum;
  };
  std::vector<std::unique_ptr<CoreShadow>> chip_; // per core
  HbmShadow hbm_shadow_;
  // The byte hulls of the program's HBM write operands, sorted, merged
  // (disjoint, not touching); hbm_all_written_ when one has no hull.
  std::vector<Extent> hbm_written_;
  bool hbm_all_written_ = false;
  // Per-instruction memo of read-set transitions (clock fixed meanwhile).
  struct Memo {
    uint32_t from = 0, to = 0;
  };
  Memo memo_[4];
  unsigned memo_next_ = 0;
  uint32_t memo_epoch_ = 0;
  uint64_t max_stream_len_ = 0;
  bool overflow_ = false; // the read-set table is full (2^26 sets)
  llvm::Error overflow_error() const;
};

} // namespace nk
