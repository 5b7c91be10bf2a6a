// Compressed shadow memory for the race checker (shadow.h).
#include "simulator/shadow.h"

namespace nk {

namespace {
constexpr size_t kMinCollect = size_t(1) << 16; // runs before the first collection
}

ChipShadow::ChipShadow(unsigned partitions, uint64_t granules)
    : partitions_(partitions), ids_(granules, 0), cols_{Column{0, 1}}, runs_{Run{0, ShadowState{}}},
      collect_at_(kMinCollect) {}

ShadowState ChipShadow::at(unsigned p, uint64_t g) const {
  const Column c = cols_[ids_[g]];
  uint32_t i = 0;
  while (i + 1 < c.size && runs_[c.begin + i + 1].p <= p) ++i;
  return runs_[c.begin + i].s;
}

size_t ChipShadow::distinct_columns(uint64_t g_lo, uint64_t g_hi) const {
  size_t n = 0;
  for (uint64_t g = g_lo; g < g_hi; ++g) n += g == g_lo || ids_[g] != ids_[g - 1];
  return n;
}

// Mark the columns some granule refers to, copy them to a fresh pool in
// order of first reference, renumber the granules. Column 0 stays first.
void ChipShadow::collect() {
  constexpr uint32_t kUnseen = ~0u;
  std::vector<uint32_t> renumber(cols_.size(), kUnseen);
  std::vector<Column> cols;
  std::vector<Run> runs;
  auto keep = [&](uint32_t id) {
    if (renumber[id] != kUnseen) return renumber[id];
    const Column c = cols_[id];
    renumber[id] = uint32_t(cols.size());
    cols.push_back(Column{uint32_t(runs.size()), c.size});
    runs.insert(runs.end(), runs_.begin() + c.begin, runs_.begin() + c.begin + c.size);
    return renumber[id];
  };
  keep(0);
  uint32_t last = 0, last_new = 0;
  for (uint32_t &id : ids_) {
    if (id != last) {
      last = id;
      last_new = keep(id);
    }
    id = last_new;
  }
  cols_.swap(cols);
  runs_.swap(runs);
  collect_at_ = std::max(kMinCollect, 2 * runs_.size());
}

HbmShadow::HbmShadow(uint64_t bytes) : index_(((bytes + uint64_t(kBlockBytes) - 1) >> kBlockBits) * sizeof(uint32_t)) {
  // Room for every block up front: a streaming kernel touches most of
  // them, and growing the array moved every block already made (a few
  // percent of a long run). Only what is used is ever touched (24 bytes a
  // block, lazily mapped); at most 4 GiB of HBM's worth (24 MiB of address
  // space) is reserved, past that the array grows as before.
  constexpr uint64_t kMaxReserved = uint64_t(1) << 20;
  blocks_.reserve(size_t(std::min(kMaxReserved, (bytes + uint64_t(kBlockBytes) - 1) >> kBlockBits)));
}

ShadowState HbmShadow::at(int64_t byte) const {
  ShadowState s;
  visit(byte, byte + 1, [&](int64_t, ShadowState st) {
    s = st;
    return false;
  });
  return s;
}

size_t HbmShadow::intervals(int64_t lo, int64_t hi) const {
  size_t n = 0;
  for (uint64_t b = uint64_t(lo) >> kBlockBits; int64_t(b << kBlockBits) < hi; ++b) {
    const Block *blk = block(b);
    n += blk ? blk->size() : 1;
  }
  return n;
}

} // namespace nk
