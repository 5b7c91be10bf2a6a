// Pass: schedule.
//
// Assumes: LIR in a valid sequential program order; on-chip operands name
// virtual buffers (before allocate_memory); `engines` says where each
// instruction may run.
// Guarantees: every compute instruction is placed on one of its allowed
// engines on which the verifier accepts it (runtime/verifier.h:
// legal_engines), and the instructions are
// reordered into an order that respects every dependency of the original
// order (RAW, WAR, WAW on the same buffer or overlapping HBM bytes; and
// among the users of one engine's accumulator registers), so the program
// still computes the same values.
//
// How: list scheduling against the target's cost model. The dependency DAG
// comes from per-buffer (and per-HBM-range) access history. Time is
// simulated: each engine has a next-free time, each instruction becomes
// ready when its producers' results are visible (busy + fixed latency, plus
// a semaphore hop across engines). Among ready instructions the one that
// can start earliest goes first, on the engine where it would start (then
// finish) earliest; ties keep program order. The new program order is the
// scheduled start order, which is what each in-order engine stream will
// execute. This is what lets one head's Tensor-engine work fill the gap while
// another head waits on its softmax chain.
//
// A window bounds how far ahead of the oldest unscheduled instruction (in the
// original order) anything may be hoisted: loads have no inputs and would
// otherwise all be issued at once, needing all of the KV cache in SBUF.
// With a window of 1 the original order is kept (engines are still chosen).
// The window does not bound SBUF use by itself: the pipeline re-schedules
// with narrower windows when the allocator runs out (pipeline.cpp).
#include "compiler/backend/passes.h"

#include "runtime/cost_model.h"
#include "runtime/verifier.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <map>
#include <queue>
#include <vector>

namespace nk::lir {

namespace {

constexpr size_t kMaxHbmRuns = 4096; // past this, an HBM operand is its hull

struct History {
  int64_t writer = -1;
  std::vector<uint32_t> readers;
};

// The access history of HBM bytes, kept only as far as later accesses can
// need it: per byte, its last writer and the readers since that write. An
// access links to exactly those (a write to both), and a write then drops
// the byte's older history. Dropping is sound because the edges are
// transitive: the new writer itself follows the old writer and readers, so
// anything that follows it follows them too. Work and memory are therefore
// linear in the accesses (times how fragmented the byte ranges are), not
// quadratic as when every access is compared with all earlier ones.
//
// Bytes are disjoint intervals keyed by start, each holding one state; bytes
// in no interval have no history. Readers are cons lists in an arena shared
// by intervals split from one another, so splitting copies no lists; a write
// marks the list nodes it has visited, so lists with a shared tail are
// walked once.
class HbmHistory {
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

// Dependency edges from access history: per buffer, and per HBM byte run
// (the runs each HBM operand touches; its hull when it has very many). Each
// access links to the last writer of what it touches and, for a write, to
// the readers since; edges implied transitively by those are left out.
std::vector<std::vector<uint32_t>> schedule_dependencies(const Program &p) {
  const size_t n = p.insts.size();
  std::vector<std::vector<uint32_t>> preds(n);
  std::vector<History> buf(p.buffers.size());
  // Only accesses to bytes some instruction writes can conflict (HbmWrites):
  // kernels read their inputs through many overlapping strided views.
  const HbmWrites written(p);
  HbmHistory hbm;
  std::vector<std::pair<uint64_t, uint64_t>> runs;
  // Per accumulator bank, the last instruction that used it: the registers
  // carry state between instructions, so their users keep program order.
  std::array<int64_t, 3> last_acc = {-1, -1, -1};
  for (uint32_t i = 0; i < n; ++i) {
    const Instruction &inst = p.insts[i].inst;
    const OpInfo &info = op_info(inst.op);
    auto add = [&](int64_t pred) {
      if (pred < 0 || uint32_t(pred) == i) return;
      preds[i].push_back(uint32_t(pred));
    };
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
        BufferId b = p.insts[i].buffer[k];
        if (b != kNoBuffer) {
          History &h = buf[b];
          add(h.writer);
          if (write) {
            for (uint32_t r : h.readers) add(r);
            h.readers.clear();
            h.writer = i;
          } else if (h.readers.empty() || h.readers.back() != i) {
            h.readers.push_back(i);
          }
          continue;
        }
        if (a.mem != Memory::hbm) continue;
        auto [lo, hi] = byte_extent(a);
        if (!written.overlaps(lo, hi)) continue; // bytes nobody writes: no conflict
        if (!hbm_runs(a, kMaxHbmRuns, runs)) runs = {{lo, hi}};
        for (auto [rlo, rhi] : runs) hbm.access(rlo, rhi, write, i, add);
      }
    std::sort(preds[i].begin(), preds[i].end());
    preds[i].erase(std::unique(preds[i].begin(), preds[i].end()), preds[i].end());
  }
  return preds;
}

llvm::Error schedule(Program &p, const Target &t, size_t window) {
  const size_t kWindow = std::max<size_t>(1, window);
  const size_t n = p.insts.size();
  if (n == 0) return llvm::Error::success();
  std::vector<std::vector<uint32_t>> preds = schedule_dependencies(p);
  std::vector<std::vector<uint32_t>> succs(n);
  std::vector<uint32_t> indeg(n, 0);
  for (uint32_t i = 0; i < n; ++i)
    for (uint32_t pr : preds[i]) {
      succs[pr].push_back(i);
      ++indeg[i];
    }
  preds.clear();
  preds.shrink_to_fit();

  // Estimated timing state.
  double engine_free[kNumEngines] = {};
  double dma_free = 0; // DMA data phases share the HBM/DMA bandwidth
  const double dma_rate = std::min(t.hbm_bytes_per_ns, t.dma_engines * t.dma_engine_bytes_per_ns);
  std::vector<double> ready_at(n, 0.0); // results of all preds visible
  std::vector<double> start_time(n, 0.0);
  // Where each instruction may legally run, by the verifier's rules. The
  // front end checks every rule an engine choice depends on, so an empty
  // set is a compiler bug: say where it came from rather than guess.
  std::vector<EngineMask> legal(n);
  for (uint32_t i = 0; i < n; ++i) {
    const Inst &in = p.insts[i];
    legal[i] = in.engines == engine_bit(Engine::dma) ? in.engines : legal_engines(in.inst, in.engines, t);
    if (!legal[i]) {
      const DebugLoc &l = in.inst.loc;
      std::string where = l.file >= 1 && l.file <= p.files.size()
                              ? fmt::format("{}:{}:{}", p.files[l.file - 1], l.line, l.col)
                              : std::string("an unknown location");
      std::string allowed;
      for (unsigned e = 0; e < kNumEngines; ++e)
        if (in.engines & engine_bit(Engine(e)))
          allowed += (allowed.empty() ? "" : ", ") + std::string(engine_name(Engine(e)));
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "internal compiler error: no engine can run %s from %s (it may run on %s, "
                                     "and the verifier's rules exclude each)",
                                     std::string(op_info(in.inst.op).name).c_str(), where.c_str(), allowed.c_str());
    }
  }
  const double sem_ns = t.cycles_to_ns(Engine::vector, 2.0 * t.semaphore_cycles);

  // trn1's shared SBUF port (Vector/GpSimd) and PSUM access (Vector/Scalar),
  // as the simulator models them (shared_ports): free from these times.
  double sbuf_port_free = 0, psum_port_free = 0;

  // Earliest start of i over its allowed engines; sets *engine.
  auto plan = [&](uint32_t i, Engine *engine) {
    const Inst &in = p.insts[i];
    if (in.engines == engine_bit(Engine::dma)) {
      *engine = Engine::dma;
      return ready_at[i];
    }
    double best = -1, best_finish = 0;
    for (unsigned e = 0; e < kNumEngines; ++e) {
      Engine eng = Engine(e);
      if (eng == Engine::dma || !(legal[i] & engine_bit(eng))) continue;
      double s = std::max(ready_at[i], engine_free[e]);
      const SharedPorts ports = shared_ports(t, eng, in.inst);
      if (ports.sbuf) s = std::max(s, sbuf_port_free);
      if (ports.psum) s = std::max(s, psum_port_free);
      double f = s + t.cycles_to_ns(eng, instruction_cost(t, eng, in.inst).busy_cycles);
      if (best < 0 || s < best || (s == best && f < best_finish)) {
        best = s;
        best_finish = f;
        *engine = eng;
      }
    }
    assert(best >= 0 && "every instruction has a legal engine (checked above)");
    return best;
  };

  // Ready instructions, by (planned start, program index). Entries can be
  // stale (engines got busier); they are re-planned when popped.
  using Entry = std::pair<double, uint32_t>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> ready;
  // Ready but beyond the window, by program index.
  std::priority_queue<uint32_t, std::vector<uint32_t>, std::greater<uint32_t>> held;
  std::vector<bool> done(n, false);
  size_t low = 0; // lowest unscheduled program index
  // The latest start scheduled so far: nothing is issued before the
  // scheduler reaches it (an input-free load entering the window starts
  // now, not at time zero).
  double clock = 0;
  auto make_ready = [&](uint32_t i) {
    if (i >= low + kWindow) {
      held.push(i);
      return;
    }
    ready_at[i] = std::max(ready_at[i], clock);
    Engine e;
    ready.push({plan(i, &e), i});
  };
  for (uint32_t i = 0; i < n; ++i)
    if (indeg[i] == 0) make_ready(i);

  std::vector<uint32_t> order;
  order.reserve(n);
  while (!ready.empty()) {
    auto [key, i] = ready.top();
    ready.pop();
    Engine e;
    double s = plan(i, &e);
    if (s > key + 1e-9) { // stale: re-queue with the current estimate
      ready.push({s, i});
      continue;
    }
    Inst &in = p.insts[i];
    double visible;
    if (e == Engine::dma) {
      DmaCost c = dma_cost(t, in.inst);
      const AccessPattern &src = in.inst.ap[ap::dma_copy::src];
      double bytes = double(src.num_elements()) * dtype_size(src.dtype);
      double data_start = std::max(s + c.issue_ns + c.latency_ns, dma_free);
      dma_free = data_start + bytes / std::min(c.peak_bytes_per_ns(t), dma_rate);
      visible = dma_free;
    } else {
      InstructionCost c = instruction_cost(t, e, in.inst);
      engine_free[unsigned(e)] = s + t.cycles_to_ns(e, c.busy_cycles);
      const SharedPorts ports = shared_ports(t, e, in.inst);
      if (ports.sbuf) sbuf_port_free = engine_free[unsigned(e)];
      if (ports.psum) psum_port_free = engine_free[unsigned(e)];
      visible = engine_free[unsigned(e)] + t.cycles_to_ns(e, c.latency_cycles);
      in.stream = StreamId{e, 0};
      in.placed = true;
    }
    start_time[i] = s;
    clock = std::max(clock, s);
    done[i] = true;
    order.push_back(i);
    while (low < n && done[low]) ++low;
    while (!held.empty() && held.top() < low + kWindow) {
      uint32_t h = held.top();
      held.pop();
      ready_at[h] = std::max(ready_at[h], clock);
      Engine he;
      ready.push({plan(h, &he), h});
    }
    for (uint32_t sc : succs[i]) {
      double v = visible + sem_ns; // a semaphore hop, in the worst case
      ready_at[sc] = std::max(ready_at[sc], v);
      if (--indeg[sc] == 0) make_ready(sc);
    }
  }
  // Every instruction is scheduled (the DAG follows program order, so it is
  // acyclic). Emit in start-time order; stable on ties keeps dependencies.
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return start_time[a] < start_time[b]; });
  std::vector<Inst> reordered;
  reordered.reserve(n);
  for (uint32_t i : order) reordered.push_back(p.insts[i]);
  p.insts = std::move(reordered);
  return llvm::Error::success();
}

} // namespace nk::lir
