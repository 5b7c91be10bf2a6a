// Pass: insert_semaphores.
//
// Assumes: every instruction is placed on a stream; operands hold absolute
// addresses (after allocate_memory); program order is a valid sequential
// execution.
// Guarantees: for every pair of instructions on different streams that touch
// overlapping bytes with at least one writing (RAW, WAR, WAW), the later one
// (in program order) waits, directly or transitively, for the earlier one to
// complete; so does a DMA transfer that depends on an earlier transfer of its
// own queue (a queue keeps several transfers in flight). Nothing else is
// synchronised: no barriers. Every wait refers to an earlier point in program
// order, so the program cannot deadlock.
//
// How: each stream S owns semaphore S (single signaller, so a count names a
// point in S exactly). `sem_signal S` goes right after each instruction some
// other stream depends on; the consumer waits for S's count at that point.
// Vector clocks per stream drop waits already implied transitively (T waited
// on U, which had waited on S). Dependencies come from an interval map per
// memory: byte range -> last writer and the latest reader per stream.
// Signals nobody ends up waiting on are removed and the counts renumbered.
#include "compiler/backend/passes.h"

#include <fmt/format.h>

#include <map>
#include <vector>

namespace nk::lir {

namespace {

using InstIdx = uint32_t;
constexpr InstIdx kNone = ~0u;

struct Segment {
  uint64_t end;
  InstIdx writer = kNone;
  std::vector<InstIdx> readers; // latest reader per stream (small)
};

// Byte ranges of one memory; segments are disjoint, keyed by start.
class AccessMap {
public:
  // Calls dep(i) for every earlier instruction this access must follow, then
  // records the access.
  template <typename Dep, typename StreamOf>
  void access(uint64_t lo, uint64_t hi, bool write, InstIdx me, Dep &&dep, StreamOf &&stream_of) {
    if (lo >= hi) return;
    split(lo);
    split(hi);
    // Fill holes so that [lo, hi) is fully covered by segments.
    uint64_t cur = lo;
    for (auto it = map_.lower_bound(lo); cur < hi;) {
      if (it == map_.end() || it->first > cur) {
        uint64_t e = (it == map_.end()) ? hi : std::min(hi, it->first);
        it = map_.emplace_hint(it, cur, Segment{e, kNone, {}});
      }
      Segment &s = it->second;
      if (s.writer != kNone) dep(s.writer);
      if (write)
        for (InstIdx r : s.readers) dep(r);
      cur = s.end;
      ++it;
    }
    if (write) {
      auto first = map_.find(lo);
      auto last = map_.lower_bound(hi);
      map_.erase(first, last);
      map_.emplace(lo, Segment{hi, me, {}});
    } else {
      for (auto it = map_.find(lo); it != map_.end() && it->first < hi; ++it) {
        auto &rs = it->second.readers;
        bool replaced = false;
        for (InstIdx &r : rs)
          if (stream_of(r) == stream_of(me)) {
            r = me;
            replaced = true;
          }
        if (!replaced) rs.push_back(me);
      }
    }
  }

private:
  std::map<uint64_t, Segment> map_;
  void split(uint64_t at) {
    auto it = map_.upper_bound(at);
    if (it == map_.begin()) return;
    --it;
    if (it->first < at && at < it->second.end) {
      Segment tail = it->second;
      it->second.end = at;
      map_.emplace(at, std::move(tail));
    }
  }
};

} // namespace

llvm::Error insert_semaphores(Program &p, const Target &t) {
  // Stream numbering: compute engines, then DMA queues.
  auto stream_index = [&](StreamId id) -> unsigned {
    return id.engine == Engine::dma ? 4 + id.queue : unsigned(id.engine);
  };
  const unsigned num_streams = 4 + t.dma_queues;
  if (num_streams > t.num_semaphores)
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "target has too few semaphores for one per stream");
  const size_t n = p.insts.size();
  std::vector<unsigned> stream_of(n);
  for (size_t i = 0; i < n; ++i) {
    if (!p.insts[i].placed)
      return llvm::createStringError(llvm::inconvertibleErrorCode(), "instruction %zu is not placed", i);
    stream_of[i] = stream_index(p.insts[i].stream);
  }

  // 1. Dependencies, in program order.
  // Dependencies of instruction i: dep_list[dep_begin[i] .. dep_begin[i+1]).
  std::vector<size_t> dep_begin(n + 1, 0);
  std::vector<InstIdx> dep_list;
  dep_list.reserve(2 * n);
  AccessMap maps[3]; // hbm, sbuf, psum (PSUM and SBUF: per-partition byte ranges)
  std::vector<std::pair<uint64_t, uint64_t>> runs;
  constexpr size_t kMaxHbmRuns = 4096; // past this, an HBM operand is its hull
  const HbmWrites hbm_writes(p);
  std::vector<bool> needs_signal(n, false);
  auto so = [&](InstIdx i) { return stream_of[i]; };
  for (InstIdx i = 0; i < n; ++i) {
    const Instruction &inst = p.insts[i].inst;
    const OpInfo &info = op_info(inst.op);
    bool is_dma = p.insts[i].stream.engine == Engine::dma;
    auto dep = [&](InstIdx d) {
      if (d == i) return;
      if (stream_of[d] == stream_of[i] && !is_dma) return; // in-order engine
      dep_list.push_back(d);
      needs_signal[d] = true;
    };
    // Reads first, then writes, so an in-place update sees its own read.
    for (int pass = 0; pass < 2; ++pass)
      for (unsigned k = 0; k < info.num_aps; ++k) {
        const AccessPattern a = operand_envelope(inst, k); // an indirect DMA: every index it may take
        const bool write = pass == 1;
        if (!a.present() || !(write ? operand_writes(inst, k) : operand_reads(inst, k))) continue;
        auto [lo, hi] = byte_extent(a);
        if (a.mem == Memory::hbm && !hbm_writes.overlaps(lo, hi)) continue; // never conflicts
        // HBM: each run the pattern touches, so that column blocks of one
        // matrix (overlapping hulls, disjoint bytes) do not wait for each
        // other; the hull when there are very many runs.
        if (a.mem == Memory::hbm && hbm_runs(a, kMaxHbmRuns, runs) && runs.size() > 1) {
          for (auto [rlo, rhi] : runs) maps[0].access(rlo, rhi, write, i, dep, so);
          continue;
        }
        maps[unsigned(a.mem) - 1].access(lo, hi, write, i, dep, so);
      }
    dep_begin[i + 1] = dep_list.size();
  }

  // 2. Signal counts: stream S's k-th signal follows its k-th marked producer.
  std::vector<uint32_t> count_after(n, 0); // S's signal count once i is done
  {
    std::vector<uint32_t> counter(num_streams, 0);
    for (InstIdx i = 0; i < n; ++i)
      if (needs_signal[i]) count_after[i] = ++counter[stream_of[i]];
  }

  // 3. Waits, pruned with vector clocks; record which signals are used.
  struct Wait {
    unsigned stream;
    uint32_t count;
  };
  // Waits before instruction i: wait_list[wait_begin[i] .. wait_begin[i+1]).
  std::vector<size_t> wait_begin(n + 1, 0);
  std::vector<Wait> wait_list;
  std::vector<std::vector<uint32_t>> clock(num_streams, std::vector<uint32_t>(num_streams, 0));
  // Snapshot of a stream's clock at each of its signals (by count).
  // (flat: num_streams entries per signal).
  std::vector<std::vector<uint32_t>> snapshot(num_streams);
  std::vector<std::vector<bool>> used(num_streams);
  std::vector<uint32_t> self_waited(num_streams, 0);
  std::vector<uint32_t> need(num_streams, 0);
  for (InstIdx i = 0; i < n; ++i) {
    unsigned me = stream_of[i];
    // Strongest requirement per producer stream.
    std::fill(need.begin(), need.end(), 0);
    for (size_t k = dep_begin[i]; k < dep_begin[i + 1]; ++k) {
      InstIdx d = dep_list[k];
      need[stream_of[d]] = std::max(need[stream_of[d]], count_after[d]);
    }
    for (unsigned s = 0; s < num_streams; ++s) {
      // A DMA queue waiting on itself cannot use its own clock entry (which
      // records that it *signalled*); it tracks what it has waited for.
      uint32_t known = s == me ? self_waited[me] : clock[me][s];
      if (!need[s] || known >= need[s]) continue;
      if (s == me) self_waited[me] = need[s];
      wait_list.push_back({s, need[s]});
      if (used[s].size() < need[s]) used[s].resize(need[s], false);
      used[s][need[s] - 1] = true;
      const uint32_t *snap = &snapshot[s][size_t(need[s] - 1) * num_streams];
      for (unsigned u = 0; u < num_streams; ++u) clock[me][u] = std::max(clock[me][u], snap[u]);
      if (s != me) clock[me][s] = std::max(clock[me][s], need[s]);
    }
    wait_begin[i + 1] = wait_list.size();
    if (needs_signal[i]) {
      clock[me][me] = count_after[i];
      snapshot[me].insert(snapshot[me].end(), clock[me].begin(), clock[me].end());
    }
  }

  // 4. Renumber the signals that are used, and rebuild the instruction list.
  std::vector<std::vector<uint32_t>> renumber(num_streams);
  for (unsigned s = 0; s < num_streams; ++s) {
    renumber[s].assign(used[s].size(), 0);
    uint32_t c = 0;
    for (size_t k = 0; k < used[s].size(); ++k)
      if (used[s][k]) renumber[s][k] = ++c;
  }
  size_t total = n + wait_list.size();
  for (InstIdx i = 0; i < n; ++i) {
    unsigned s = stream_of[i];
    if (needs_signal[i] && count_after[i] <= used[s].size() && used[s][count_after[i] - 1]) ++total;
  }
  std::vector<Inst> out;
  out.reserve(total);
  auto sync_inst = [&](Opcode op, StreamId sid, unsigned sem, uint32_t value, DebugLoc loc) {
    Inst s;
    s.inst = Instruction::make(op);
    s.inst.attr[attr::sem_signal::sem].i = sem;
    s.inst.attr[attr::sem_signal::value].i = value;
    s.inst.loc = loc;
    s.engines = engine_bit(sid.engine);
    s.stream = sid;
    s.placed = true;
    return s;
  };
  for (InstIdx i = 0; i < n; ++i) {
    const StreamId sid = p.insts[i].stream;
    const DebugLoc loc = p.insts[i].inst.loc;
    for (size_t k = wait_begin[i]; k < wait_begin[i + 1]; ++k) {
      const Wait &w = wait_list[k];
      out.push_back(sync_inst(Opcode::sem_wait, sid, w.stream, renumber[w.stream][w.count - 1], loc));
    }
    out.push_back(p.insts[i]);
    unsigned s = stream_of[i];
    if (needs_signal[i] && count_after[i] <= used[s].size() && used[s][count_after[i] - 1])
      out.push_back(sync_inst(Opcode::sem_signal, sid, s, 1, loc));
  }
  p.insts = std::move(out);
  return llvm::Error::success();
}

} // namespace nk::lir
