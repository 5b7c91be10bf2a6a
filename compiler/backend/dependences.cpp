// The dependence analysis (see dependences.h for what it assumes and
// guarantees).
//
// How: one pass over the program in order. Each operand access (reads
// first, then writes, so an in-place update sees its own read) consults and
// updates the history of what it touches: a last writer and the readers
// since, per byte interval of each unallocated buffer and of each memory
// (HBM, SBUF, PSUM). An access links to the last writer, a write also to the
// readers since, and a write then drops the older history. Dropping is sound
// because the edges are transitive: the new writer itself follows the old
// writer and readers, so anything that follows it follows them too.
#include "compiler/backend/dependences.h"

#include <algorithm>
#include <array>
#include <map>
#include <memory>

namespace nk::lir {

namespace {

// The on-chip conflict unit: simulator/race_checker.cpp's kGranule.
constexpr uint64_t kChipGranule = 4;

// The access history of one memory's bytes: per byte, its last writer and
// the readers since that write. Bytes are disjoint intervals keyed by start,
// each holding one state; bytes in no interval have no history. Readers are
// cons lists in an arena shared by intervals split from one another, so
// splitting copies no lists; a write marks the list nodes it has visited, so
// lists with a shared tail are walked once.
class ByteHistory {
public:
  // Calls dep(j) for each earlier instruction j the access of bytes [lo, hi)
  // by instruction `me` must follow (perhaps more than once), then records
  // the access.
  template <typename Dep>
  void access(uint64_t lo, uint64_t hi, bool write, uint32_t me, Dep &&dep) {
    if (lo >= hi) return;
    split(lo);
    split(hi);
    uint64_t cur = lo;
    for (auto it = map_.lower_bound(lo); cur < hi; ++it) {
      if (it == map_.end() || it->first > cur) { // a gap: bytes with no history yet
        uint64_t end = it == map_.end() ? hi : std::min(hi, it->first);
        it = map_.emplace_hint(it, cur, Interval{end, -1, kNil});
      }
      Interval &s = it->second;
      if (s.writer >= 0) dep(uint32_t(s.writer));
      if (write) {
        for (uint32_t r = s.readers; r != kNil && nodes_[r].seen != me; r = nodes_[r].next) {
          nodes_[r].seen = me;
          dep(nodes_[r].inst);
        }
      } else if (s.readers == kNil || nodes_[s.readers].inst != me) {
        nodes_.push_back({me, s.readers, kNil});
        s.readers = uint32_t(nodes_.size() - 1);
      }
      cur = s.end;
    }
    if (write) { // one interval, written by `me`, read by nobody since
      map_.erase(map_.lower_bound(lo), map_.lower_bound(hi));
      map_.emplace(lo, Interval{hi, int64_t(me), kNil});
    }
  }

private:
  static constexpr uint32_t kNil = ~0u;
  struct Interval {
    uint64_t end;
    int64_t writer;   // -1: not written yet
    uint32_t readers; // head of the readers since `writer`, newest first
  };
  struct Node {
    uint32_t inst, next;
    uint32_t seen; // the last write that visited it
  };
  std::map<uint64_t, Interval> map_;
  std::vector<Node> nodes_;

  void split(uint64_t at) { // an interval boundary at `at`
    auto it = map_.upper_bound(at);
    if (it == map_.begin()) return;
    --it;
    if (it->first < at && at < it->second.end) {
      Interval tail = it->second;
      it->second.end = at;
      map_.emplace_hint(std::next(it), at, tail);
    }
  }
};

} // namespace

Dependences compute_dependences(const Program &p) {
  const size_t n = p.insts.size();
  Dependences d;
  d.begin_.reserve(n + 1);
  d.list_.reserve(2 * n);
  // Unallocated buffers: the same per byte within the buffer (created on
  // first use), so writes to disjoint column blocks of one tile (a run
  // loaded a block per DMA) do not follow each other.
  std::vector<std::unique_ptr<ByteHistory>> buf(p.buffers.size());
  ByteHistory mem[3]; // HBM, SBUF, PSUM (on chip: bytes within a partition)
  // Only accesses to bytes some instruction writes can conflict (HbmWrites):
  // kernels read their inputs through many overlapping strided views.
  const HbmWrites written(p);
  std::vector<std::pair<uint64_t, uint64_t>> runs;
  // Per accumulator bank, the last instruction that used it: the registers
  // carry state between instructions, so their users keep program order.
  std::array<int64_t, 3> last_acc = {-1, -1, -1};
  // A core_barrier is a full fence on its core: it follows every
  // instruction since the previous fence (and that fence), and everything
  // after it follows it. Each instruction is listed once per fence, so this
  // stays linear too.
  int64_t last_fence = -1;
  std::vector<uint32_t> since_fence;
  for (uint32_t i = 0; i < n; ++i) {
    const Instruction &inst = p.insts[i].inst;
    const OpInfo &info = op_info(inst.op);
    const size_t first = d.list_.size();
    auto add = [&](int64_t pred) {
      if (pred < 0 || uint32_t(pred) == i) return;
      d.list_.push_back(uint32_t(pred));
    };
    add(last_fence);
    if (inst.op == Opcode::core_barrier) {
      for (uint32_t j : since_fence) add(j);
      since_fence.clear();
      last_fence = i;
    } else {
      since_fence.push_back(i);
    }
    if (const AccumulatorBank bank = accumulator_use(inst).bank; bank != AccumulatorBank::none) {
      add(last_acc[unsigned(bank)]);
      last_acc[unsigned(bank)] = i;
    }
    // Reads first, then writes, so an in-place update sees its own read.
    for (int pass = 0; pass < 2; ++pass)
      for (unsigned k = 0; k < info.num_aps; ++k) {
        const AccessPattern a = operand_envelope(inst, k); // an indirect DMA: every index it may take
        const bool write = pass == 1;
        if (!a.present() || !(write ? operand_writes(inst, k) : operand_reads(inst, k))) continue;
        const BufferId b = p.insts[i].buffer[k];
        auto [lo, hi] = byte_extent(a);
        const bool in_buffer = b != kNoBuffer && b < p.buffers.size() && !p.buffers[b].allocated;
        if (in_buffer && !buf[b]) buf[b] = std::make_unique<ByteHistory>();
        ByteHistory &history = in_buffer ? *buf[b] : mem[unsigned(a.mem) - unsigned(Memory::hbm)];
        if (in_buffer || a.mem != Memory::hbm) {
          // Whole 4-byte granules, the unit the simulator's race checker
          // tracks on chip (simulator/shadow.h): two 2-byte columns of one
          // granule written from two queues (an SBUF dma_transpose's
          // per-partition copies of a bf16 tile) must be ordered.
          history.access(lo / kChipGranule * kChipGranule, (hi + kChipGranule - 1) / kChipGranule * kChipGranule, write,
                         i, add);
          continue;
        }
        if (!written.overlaps(lo, hi)) continue; // bytes nobody writes: no conflict
        // Each run the pattern touches, so that column blocks of one matrix
        // (overlapping hulls, disjoint bytes) do not follow each other.
        if (!hbm_runs(a, kMaxHbmRuns, runs)) runs = {{lo, hi}};
        for (auto [rlo, rhi] : runs) history.access(rlo, rhi, write, i, add);
      }
    std::sort(d.list_.begin() + first, d.list_.end());
    d.list_.erase(std::unique(d.list_.begin() + first, d.list_.end()), d.list_.end());
    d.begin_.push_back(d.list_.size());
  }
  return d;
}

ChipRect chip_footprint(const AccessPattern &a, bool *dense) {
  if (dense) {
    uint64_t expected = 1;
    *dense = true;
    for (int i = int(a.num_dims) - 1; i >= 0; --i) {
      if (a.dims[i].count == 1) continue;
      if (a.dims[i].stride != int64_t(expected)) *dense = false;
      expected *= a.dims[i].count;
    }
  }
  auto [lo, hi] = byte_extent(a);
  return {a.start_partition, uint64_t(a.start_partition) + a.num_partitions, lo, hi};
}

std::vector<std::vector<uint32_t>> buffer_accesses(const Program &p) {
  std::vector<std::vector<uint32_t>> touching(p.buffers.size());
  for (uint32_t i = 0; i < p.insts.size(); ++i) {
    const Inst &in = p.insts[i];
    const OpInfo &info = op_info(in.inst.op);
    for (unsigned k = 0; k < info.num_aps; ++k) {
      const BufferId b = in.buffer[k];
      if (b != kNoBuffer && b < touching.size() && (touching[b].empty() || touching[b].back() != i))
        touching[b].push_back(i);
    }
  }
  return touching;
}

} // namespace nk::lir
