// The race checker's shadow memory: the access-history state of every
// location, stored compressed so that the work per access is proportional
// to how fragmented that state is, not to the bytes touched.
//
// A location's state (ShadowState) is opaque here: the race checker reads
// it with visit() and changes it with update(next), where next is a pure
// function of the old state for the duration of the call. Both classes
// behave exactly like a plain array of states, one per location (the unit
// tests check them against one).
//
// ChipShadow (SBUF, PSUM): a location is a 4-byte granule of a partition.
// Each granule offset holds the id of a *column*: the states of that
// granule in every partition, run-length coded over partitions. A tile
// written by one instruction is one column shared by all its granules, so
// an instruction touching P partitions x G granules costs O(G) id reads
// plus O(partition runs) per distinct column, not O(P x G). Columns are
// immutable and appended to a pool; unreferenced ones are compacted away
// when the pool has doubled since the last collection.
//
// HbmShadow: a location is a byte. HBM is split into 4 KiB blocks, each an
// ordered list of byte intervals of equal state (equal neighbours merged);
// a block no access touched is one interval in the initial state and costs
// nothing but its 4-byte slot in a lazily zeroed index.
#pragma once

#include "simulator/memories.h"

#include <cstdint>
#include <vector>

namespace nk {

struct ShadowState {
  uint32_t w = 0, r = 0; // the race checker's epochs (race_checker.cpp)
  bool operator==(const ShadowState &o) const { return w == o.w && r == o.r; }
  bool operator!=(const ShadowState &o) const { return !(*this == o); }
};

class ChipShadow {
public:
  ChipShadow(unsigned partitions, uint64_t granules);

  // Calls f(partition, granule, state) for pieces of uniform state that
  // together cover partitions [p_lo, p_hi) x granules [g_lo, g_hi) once;
  // (partition, granule) is the piece's lowest corner. f returns false to
  // stop the walk.
  template <typename F>
  void visit(unsigned p_lo, unsigned p_hi, uint64_t g_lo, uint64_t g_hi, F &&f) const;
  // Replaces each state s in the rectangle by next(s).
  template <typename F>
  void update(unsigned p_lo, unsigned p_hi, uint64_t g_lo, uint64_t g_hi, F &&next);

  ShadowState at(unsigned p, uint64_t g) const;
  // Pool sizes (for tests): columns and partition runs held, live or not.
  size_t pool_columns() const { return cols_.size(); }
  size_t pool_runs() const { return runs_.size(); }
  // Distinct columns the granules [g_lo, g_hi) refer to, in order.
  size_t distinct_columns(uint64_t g_lo, uint64_t g_hi) const;
  void collect(); // compacts the pool now (update() does it when due)

private:
  struct Run {
    uint32_t p; // first partition of the run; it ends where the next starts
    ShadowState s;
  };
  struct Column {
    uint32_t begin, size; // runs_[begin, begin + size)
  };
  template <typename F>
  uint32_t transform(uint32_t id, unsigned p_lo, unsigned p_hi, F &next);
  bool same_column(uint32_t a, uint32_t b) const {
    const Column x = cols_[a], y = cols_[b];
    if (x.size != y.size) return false;
    for (uint32_t i = 0; i < x.size; ++i)
      if (runs_[x.begin + i].p != runs_[y.begin + i].p || runs_[x.begin + i].s != runs_[y.begin + i].s) return false;
    return true;
  }
  void push_run(uint32_t p, ShadowState s, size_t col_begin) {
    if (runs_.size() > col_begin && runs_.back().s == s) return; // merge
    runs_.push_back(Run{p, s});
  }

  unsigned partitions_;
  std::vector<uint32_t> ids_; // per granule: its column
  std::vector<Column> cols_;  // column 0: every partition in the initial state
  std::vector<Run> runs_;
  size_t collect_at_; // runs_ size that triggers a collection
};

class HbmShadow {
public:
  explicit HbmShadow(uint64_t bytes);

  // Calls f(byte, state) for each interval of uniform state in [lo, hi),
  // in increasing order, `byte` its first byte inside [lo, hi); f returns
  // false to stop the walk.
  template <typename F>
  void visit(int64_t lo, int64_t hi, F &&f) const;
  // Replaces each state s in [lo, hi) by next(s).
  template <typename F>
  void update(int64_t lo, int64_t hi, F &&next);

  ShadowState at(int64_t byte) const;
  // Intervals held in the blocks [lo, hi) overlaps (for tests).
  size_t intervals(int64_t lo, int64_t hi) const;

  static constexpr unsigned kBlockBits = 12;
  static constexpr int64_t kBlockBytes = int64_t(1) << kBlockBits;

private:
  struct Interval {
    uint32_t lo; // offset in the block; it ends where the next starts
    ShadowState s;
  };
  using Block = std::vector<Interval>;
  const Block *block(uint64_t b) const {
    const uint32_t i = index()[b];
    return i ? &blocks_[i - 1] : nullptr;
  }
  const uint32_t *index() const { return reinterpret_cast<const uint32_t *>(index_.data()); }
  uint32_t *index() { return reinterpret_cast<uint32_t *>(index_.data()); }

  ZeroBuffer index_; // per block: 0 = untouched, else 1 + its place in blocks_
  std::vector<Block> blocks_;
  Block scratch_;
};

// ---- templates ----

template <typename F>
void ChipShadow::visit(unsigned p_lo, unsigned p_hi, uint64_t g_lo, uint64_t g_hi, F &&f) const {
  uint32_t last = ~0u;
  for (uint64_t g = g_lo; g < g_hi; ++g) {
    const uint32_t id = ids_[g];
    if (id == last) continue;
    last = id;
    const Column c = cols_[id];
    for (uint32_t i = 0; i < c.size; ++i) {
      const Run &run = runs_[c.begin + i];
      const uint32_t end = i + 1 < c.size ? runs_[c.begin + i + 1].p : partitions_;
      if (end <= p_lo) continue;
      if (run.p >= p_hi) break;
      if (!f(std::max<unsigned>(run.p, p_lo), g, run.s)) return;
    }
  }
}

// The column `id` with the partitions [p_lo, p_hi) mapped through next:
// `id` itself when nothing changes, else a new column.
template <typename F>
uint32_t ChipShadow::transform(uint32_t id, unsigned p_lo, unsigned p_hi, F &next) {
  const Column c = cols_[id];
  const size_t begin = runs_.size();
  bool changed = false;
  for (uint32_t i = 0; i < c.size; ++i) {
    const Run run = runs_[c.begin + i]; // a copy: push_run may reallocate
    const uint32_t end = i + 1 < c.size ? runs_[c.begin + i + 1].p : partitions_;
    if (end <= p_lo || run.p >= p_hi) {
      push_run(run.p, run.s, begin);
      continue;
    }
    if (run.p < p_lo) push_run(run.p, run.s, begin);
    const ShadowState s = next(run.s);
    changed |= s != run.s;
    push_run(std::max<unsigned>(run.p, p_lo), s, begin);
    if (end > p_hi) push_run(p_hi, run.s, begin);
  }
  if (!changed) {
    runs_.resize(begin);
    return id;
  }
  cols_.push_back(Column{uint32_t(begin), uint32_t(runs_.size() - begin)});
  return uint32_t(cols_.size() - 1);
}

template <typename F>
void ChipShadow::update(unsigned p_lo, unsigned p_hi, uint64_t g_lo, uint64_t g_hi, F &&next) {
  if (runs_.size() >= collect_at_) collect();
  // Neighbouring granules mostly share a column: transform each column once.
  constexpr unsigned kMemo = 4;
  uint32_t from[kMemo], to[kMemo];
  unsigned memo_size = 0, memo_next = 0;
  uint32_t last_from = ~0u, last_to = 0;
  for (uint64_t g = g_lo; g < g_hi; ++g) {
    const uint32_t id = ids_[g];
    if (id != last_from) {
      unsigned m = 0;
      while (m < memo_size && from[m] != id) ++m;
      if (m < memo_size) {
        last_to = to[m];
      } else {
        const uint32_t t = transform(id, p_lo, p_hi, next);
        // A new column equal to its left neighbour's (e.g. a tile rewritten
        // whole) is dropped for it, so the granules share one column again.
        if (g > g_lo && t != id && t == cols_.size() - 1 && same_column(t, ids_[g - 1])) {
          runs_.resize(cols_[t].begin);
          cols_.pop_back();
          last_to = ids_[g - 1];
        } else {
          last_to = t;
        }
        from[memo_next] = id;
        to[memo_next] = last_to;
        memo_next = (memo_next + 1) % kMemo;
        memo_size = std::min(memo_size + 1, kMemo);
      }
      last_from = id;
    }
    ids_[g] = last_to;
  }
}

template <typename F>
void HbmShadow::visit(int64_t lo, int64_t hi, F &&f) const {
  while (lo < hi) {
    const uint64_t b = uint64_t(lo) >> kBlockBits;
    const int64_t base = int64_t(b) << kBlockBits;
    const int64_t end = std::min(hi, base + kBlockBytes);
    const Block *blk = block(b);
    if (!blk) {
      if (!f(lo, ShadowState{})) return;
    } else {
      // The interval holding lo, then the ones after it up to end.
      size_t i = 0;
      while (i + 1 < blk->size() && base + (*blk)[i + 1].lo <= lo) ++i;
      for (; i < blk->size() && base + (*blk)[i].lo < end; ++i)
        if (!f(std::max(lo, base + (*blk)[i].lo), (*blk)[i].s)) return;
    }
    lo = end;
  }
}

template <typename F>
void HbmShadow::update(int64_t lo, int64_t hi, F &&next) {
  while (lo < hi) {
    const uint64_t b = uint64_t(lo) >> kBlockBits;
    const int64_t base = int64_t(b) << kBlockBits;
    const uint32_t from = uint32_t(lo - base), to = uint32_t(std::min(hi - base, kBlockBytes));
    uint32_t &slot = index()[b];
    if (!slot) {
      blocks_.push_back(Block{Interval{0, ShadowState{}}});
      slot = uint32_t(blocks_.size());
    }
    Block &blk = blocks_[slot - 1];
    // Rebuild the block: intervals split at from and to, the middle mapped,
    // equal neighbours merged.
    scratch_.clear();
    auto push = [&](uint32_t at, ShadowState s) {
      if (!scratch_.empty() && scratch_.back().s == s) return;
      scratch_.push_back(Interval{at, s});
    };
    for (size_t i = 0; i < blk.size(); ++i) {
      const Interval iv = blk[i];
      const uint32_t end = i + 1 < blk.size() ? blk[i + 1].lo : uint32_t(kBlockBytes);
      if (end <= from || iv.lo >= to) {
        push(iv.lo, iv.s);
        continue;
      }
      if (iv.lo < from) push(iv.lo, iv.s);
      push(std::max(iv.lo, from), next(iv.s));
      if (end > to) push(to, iv.s);
    }
    blk.swap(scratch_);
    lo = base + to;
  }
}

} // namespace nk
