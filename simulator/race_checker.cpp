// FastTrack-style race detection (race_checker.h).
#include "simulator/race_checker.h"

#include "simulator/describe.h"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

namespace nk {

namespace {
// 6 bits of stream: two cores' 2 x (4 engines + 16 DMA queues) = 40 streams.
constexpr unsigned kClockBits = 26;
constexpr uint32_t kClockMask = (1u << kClockBits) - 1;
constexpr uint32_t kSetTag = 63; // top 6 bits all ones: r names a read set
constexpr unsigned kMaxStreams = 62;
constexpr unsigned kGranule = 4;

inline uint32_t make_epoch(unsigned stream, uint64_t clock) {
  return (uint32_t(stream + 1) << kClockBits) | uint32_t(clock);
}
inline unsigned epoch_stream(uint32_t e) { return (e >> kClockBits) - 1; }
inline uint32_t epoch_clock(uint32_t e) { return e & kClockMask; }
inline bool is_set(uint32_t r) { return (r >> kClockBits) == kSetTag; }
} // namespace

RaceChecker::CoreShadow::CoreShadow(const Target &t)
    : sbuf(t.partitions, t.sbuf_bytes_per_partition / kGranule),
      psum(t.partitions, t.psum_bytes_per_partition / kGranule) {}

RaceChecker::RaceChecker(const Program &program, const Target &target, unsigned num_sems)
    : program_(program), n_(unsigned(program.streams.size())), clocks_(size_t(n_) * n_, 0), sems_(num_sems),
      hbm_shadow_(program.hbm_size) {
  for (unsigned c = 0; c < std::max<unsigned>(1, program.cores); ++c)
    chip_.push_back(std::make_unique<CoreShadow>(target));
  for (const Stream &s : program.streams) max_stream_len_ = std::max<uint64_t>(max_stream_len_, s.insts.size());
  // Every HBM byte an instruction may write lies in its operand's hull (an
  // indirect operand's envelope covers every index it may name).
  for (const Stream &s : program.streams)
    for (const Instruction &inst : s.insts) {
      const OpInfo &info = op_info(inst.op);
      for (unsigned i = 0; i < info.num_aps; ++i) {
        if (!inst.ap[i].present() || inst.ap[i].mem != Memory::hbm || !operand_writes(inst, i)) continue;
        const auto ext = row_extent(operand_envelope(inst, i));
        if (!ext) {
          hbm_all_written_ = true;
          continue;
        }
        if (ext->lo < ext->hi) hbm_written_.push_back(*ext);
      }
    }
  std::sort(hbm_written_.begin(), hbm_written_.end(), [](const Extent &a, const Extent &b) { return a.lo < b.lo; });
  size_t merged = 0;
  for (const Extent &e : hbm_written_) {
    if (merged && e.lo <= hbm_written_[merged - 1].hi)
      hbm_written_[merged - 1].hi = std::max(hbm_written_[merged - 1].hi, e.hi);
    else
      hbm_written_[merged++] = e;
  }
  hbm_written_.resize(merged);
}

bool RaceChecker::never_written(const AccessPattern &a) const {
  if (a.on_chip() || hbm_all_written_) return false;
  const auto ext = row_extent(a);
  if (!ext) return false;
  // The first written hull ending after ext->lo must start at or after ext->hi.
  auto it = std::upper_bound(hbm_written_.begin(), hbm_written_.end(), ext->lo,
                             [](int64_t lo, const Extent &e) { return lo < e.hi; });
  return it == hbm_written_.end() || it->lo >= ext->hi;
}

llvm::Error RaceChecker::check_limits() const {
  if (n_ > kMaxStreams || max_stream_len_ >= kClockMask)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "race checking supports at most %u streams of %u instructions; run with --no-race-check", kMaxStreams,
        kClockMask - 1);
  return llvm::Error::success();
}

bool RaceChecker::hb(uint32_t e, const uint32_t *c) const { return epoch_clock(e) <= c[epoch_stream(e)]; }

void RaceChecker::begin(unsigned stream, uint64_t index) {
  clock(stream)[stream] = uint32_t(index + 1);
  memo_epoch_ = 0; // invalidate the transition memo
}

void RaceChecker::on_signal(unsigned stream, unsigned sem, int64_t count_after) {
  on_signal_clock(sem, count_after, clock(stream));
}

void RaceChecker::on_signal_clock(unsigned sem, int64_t count_after, const uint32_t *c) {
  SemHistory &h = sems_[sem];
  size_t base = h.joined.size();
  h.joined.resize(base + n_);
  for (unsigned i = 0; i < n_; ++i) h.joined[base + i] = std::max(c[i], base ? h.joined[base - n_ + i] : 0u);
  h.counts.push_back(count_after);
}

void RaceChecker::on_wait(unsigned stream, unsigned sem, int64_t value) {
  if (value <= 0) return; // satisfied by nothing: no ordering
  const SemHistory &h = sems_[sem];
  auto it = std::lower_bound(h.counts.begin(), h.counts.end(), value);
  if (it == h.counts.end()) return; // cannot happen for a satisfied wait
  const uint32_t *j = h.joined.data() + size_t(it - h.counts.begin()) * n_;
  uint32_t *c = clock(stream);
  for (unsigned i = 0; i < n_; ++i) c[i] = std::max(c[i], j[i]);
}

// The read state after a read with epoch e: reads already ordered before e
// are dropped (a later write ordered after e is ordered after them too).
uint32_t RaceChecker::read_transition(uint32_t r, uint32_t e, const uint32_t *c) {
  if (memo_epoch_ != e) {
    memo_epoch_ = e;
    for (Memo &m : memo_) m = Memo{};
  }
  for (const Memo &m : memo_)
    if (m.from == r && m.to != 0) return m.to;
  uint32_t to;
  if (r == 0 || (!is_set(r) && hb(r, c))) {
    to = e;
  } else {
    std::vector<uint32_t> set(n_, 0);
    if (is_set(r)) {
      const uint32_t *old = read_sets_.data() + size_t(r & kClockMask) * n_;
      for (unsigned i = 0; i < n_; ++i) set[i] = old[i] <= c[i] ? 0 : old[i];
    } else {
      set[epoch_stream(r)] = epoch_clock(r);
    }
    set[epoch_stream(e)] = epoch_clock(e);
    unsigned live = 0;
    for (uint32_t v : set) live += v != 0;
    if (live == 1) {
      to = e;
    } else if (read_sets_.size() / n_ >= kClockMask) {
      overflow_ = true; // no index left to name a new set: access() fails
      to = e;
    } else {
      to = (kSetTag << kClockBits) | uint32_t(read_sets_.size() / n_);
      read_sets_.insert(read_sets_.end(), set.begin(), set.end());
    }
  }
  memo_[memo_next_] = Memo{r, to};
  memo_next_ = (memo_next_ + 1) % 4;
  return to;
}

uint32_t RaceChecker::conflict(ShadowState sh, bool write, uint32_t e, const uint32_t *c, bool &was_write) const {
  if (!write) {
    if (sh.r == e) return 0;
    if (sh.w && sh.w != e && !hb(sh.w, c)) {
      was_write = true;
      return sh.w;
    }
    return 0;
  }
  if (sh.w == e && sh.r == 0) return 0;
  if (sh.w && sh.w != e && !hb(sh.w, c)) {
    was_write = true;
    return sh.w;
  }
  if (sh.r && sh.r != e) {
    was_write = false;
    if (!is_set(sh.r)) {
      if (!hb(sh.r, c)) return sh.r;
    } else {
      const uint32_t *set = read_sets_.data() + size_t(sh.r & kClockMask) * n_;
      for (unsigned i = 0; i < n_; ++i)
        if (set[i] && set[i] > c[i] && make_epoch(i, set[i]) != e) return make_epoch(i, set[i]);
    }
  }
  return 0;
}

ShadowState RaceChecker::next(ShadowState sh, bool write, uint32_t e, const uint32_t *c) {
  if (write) return ShadowState{e, 0};
  if (sh.r != e) sh.r = read_transition(sh.r, e, c);
  return sh;
}

llvm::Error RaceChecker::report(unsigned stream, uint32_t other, bool other_write, bool write, const AccessPattern &a,
                                unsigned row, int64_t byte, const char *operand) const {
  const unsigned os = epoch_stream(other);
  const uint64_t oi = epoch_clock(other) - 1;
  const uint64_t index = clock_index(stream);
  std::string where = a.on_chip()
                          ? fmt::format("{} partition {} byte {}", memory_name(a.mem), a.start_partition + row, byte)
                          : fmt::format("hbm byte {}", byte);
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      "race on %s: %s %s it (operand '%s') while %s %s it, with no semaphore ordering between "
      "them",
      where.c_str(), describe_inst(program_, stream, index).c_str(), write ? "writes" : "reads", operand,
      describe_inst(program_, os, oi).c_str(), other_write ? "writes" : "reads");
}

// Every location is checked against its state before this access, then
// every state is updated. That finds the same race as checking and
// updating location by location in access order (row, run, byte): a
// location visited twice by one access (overlapping runs) can only race on
// its first visit, and its state after the second visit equals the state
// after the first.
llvm::Error RaceChecker::access(unsigned stream, const AccessPattern &a, const std::vector<ByteRun> &runs, bool write,
                                const char *operand) {
  const uint32_t *c = clock(stream);
  const uint32_t e = make_epoch(stream, c[stream]);
  auto update = [&](ShadowState sh) { return next(sh, write, e, c); };
  if (a.on_chip()) {
    CoreShadow &core = *chip_[program_.streams[stream].id.core];
    ChipShadow &shadow = a.mem == Memory::sbuf ? core.sbuf : core.psum;
    const unsigned p_lo = a.start_partition, p_hi = p_lo + a.num_partitions;
    // The first race in access order: lowest row, then run, then granule.
    struct Found {
      unsigned row = ~0u;
      size_t run = 0;
      uint64_t granule = 0;
      uint32_t other = 0;
      bool was_write = false;
    } found;
    for (size_t k = 0; k < runs.size(); ++k) {
      const uint64_t g_lo = uint64_t(runs[k].lo) / kGranule;
      const uint64_t g_hi = (uint64_t(runs[k].hi) + kGranule - 1) / kGranule;
      shadow.visit(p_lo, p_hi, g_lo, g_hi, [&](unsigned p, uint64_t g, ShadowState sh) {
        bool was_write = false;
        const uint32_t other = conflict(sh, write, e, c, was_write);
        const unsigned row = p - p_lo;
        if (other && std::tie(row, k, g) < std::tie(found.row, found.run, found.granule))
          found = Found{row, k, g, other, was_write};
        return true;
      });
    }
    if (found.other)
      return report(stream, found.other, found.was_write, write, a, found.row, int64_t(found.granule * kGranule),
                    operand);
    for (const ByteRun &run : runs)
      shadow.update(p_lo, p_hi, uint64_t(run.lo) / kGranule, (uint64_t(run.hi) + kGranule - 1) / kGranule, update);
    return overflow_error();
  }
  for (const ByteRun &run : runs) {
    int64_t at = -1;
    uint32_t other = 0;
    bool was_write = false;
    hbm_shadow_.visit(run.lo, run.hi, [&](int64_t byte, ShadowState sh) {
      other = conflict(sh, write, e, c, was_write);
      at = byte;
      return other == 0;
    });
    if (other) return report(stream, other, was_write, write, a, 0, at, operand);
  }
  for (const ByteRun &run : runs) hbm_shadow_.update(run.lo, run.hi, update);
  return overflow_error();
}

llvm::Error RaceChecker::overflow_error() const {
  if (!overflow_) return llvm::Error::success();
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "race checking ran out of space for concurrent-read sets (%u); run "
                                 "with --no-race-check",
                                 kClockMask);
}

} // namespace nk
