// The timing model and the event loop: when each instruction runs. The
// functional work is delegated to semantics.cpp, the hazard checks to
// race_checker.cpp and uninit.cpp, the DMA bandwidth to dma_model.cpp.
//
// Model (docs/simulator.md): each stream issues in order. A compute
// instruction starts when its stream is free, occupies it for busy cycles,
// and its results are visible busy + latency cycles after it started
// (runtime/cost_model.h). A dma_copy issues at once (its queue stays free)
// and completes when DmaModel says so. sem_signal fires once everything
// earlier on its stream has completed; sem_wait blocks until the counter
// reaches its value. No stream stops for its own signal: the engine (or
// queue) goes on issuing and the update is applied when the earlier work
// is done, as an instruction's semaphore update on completion would be.
// The loop always advances the earliest event, so time never runs backwards
// and no cycle is stepped.
//
// The Tensor engine's PE array is 4 x 4 blocks of 32 x 32 PEs. An
// nc_matmul with PE tiling (tile_rows x tile_cols > 0) holds its tile's
// blocks for its busy time while the stream goes on issuing: matmuls on
// disjoint tiles run concurrently, as NKI 2.26 nki.isa.nc_matmul describes
// (a tiled matmul also waits for an earlier one in flight that writes the
// bytes it writes). Every other Tensor-engine instruction holds all 16
// blocks and the stream, so programs without PE tiling time as before.
//
// Two physical cores (Program::cores == 2, LNC=2) run in the same timeline:
// each has its own engines, DMA queues and engines, SBUF, PSUM, semaphores,
// ports and activation table; HBM and its bandwidth (each core's share
// pooled: both cores sit on one HBM stack) are shared. core_barrier is a
// remote semaphore update (fired as a sem_signal would be, to a semaphore
// of the other core outside the numbered ones) and a local wait for the
// other core's update, as NKI describes nki.isa.core_barrier.
//
// Functional effects happen at issue, in simulated-time order. For a
// race-free program (what the race checker enforces) that is
// indistinguishable from applying them at completion.
#include "simulator/simulator.h"

#include "simulator/access.h"
#include "simulator/describe.h"
#include "simulator/dma_model.h"
#include "simulator/race_checker.h"
#include "simulator/semantics.h"
#include "simulator/uninit.h"
#include "simulator/validate.h"

#include "runtime/cost_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bitset>
#include <chrono>
#include <exception>
#include <thread>
#include <limits>
#include <memory>
#include <optional>
#include <queue>

namespace nk {

namespace {

constexpr unsigned kPeBlocks = 16; // the PE array's 32 x 32 blocks

// A result of a compute instruction not yet visible to the next
// instructions of its own engine: its partitions and byte range.
struct PendingWrite {
  Memory mem;
  unsigned p0, p1;
  int64_t lo, hi;
  double visible;
};

struct StreamState {
  uint64_t pc = 0;
  double ready = 0;     // the stream may issue its next instruction from here
  double done = 0;      // compute: every issued instruction's results visible
  bool blocked = false; // in a sem_wait (or core_barrier) whose condition is unmet
  double blocked_since = 0;
  unsigned wait_sem = 0;        // while blocked: the (scheduler-wide) semaphore and
  int64_t wait_value = 0;       // the value it waits for
  bool barrier_arrived = false; // in a core_barrier whose remote update is issued
  int64_t barrier_number = 0;   // that barrier's number on its core (1, 2, ...)
  unsigned in_flight = 0;       // DMA transfers issued and not completed
  double accounted_to = 0;      // DMA: stats attributed up to this time
  // DMA: transfers in issue order (seq numbers), which have completed, and
  // the signals waiting for every transfer issued before them.
  uint64_t issued = 0;
  uint64_t completed_prefix = 0; // transfers 0..prefix-1 all completed
  std::vector<bool> completed;   // by seq
  struct PendingSignal {
    uint64_t pc;
    uint64_t after;              // fires once completed_prefix >= after
    std::vector<uint32_t> clock; // race-checker clock at the signal
  };
  std::vector<PendingSignal> pending; // in issue order
  std::vector<PendingWrite> writes;   // compute: results not yet visible to itself
};

// A compute engine's signal waiting for the results of the instructions
// before it (fires at `at`; `order` keeps equal times in issue order).
struct TimedSignal {
  double at;
  uint64_t order;
  unsigned stream;
  uint64_t pc;
  std::vector<uint32_t> clock; // race-checker clock at the signal
  bool operator>(const TimedSignal &o) const { return at != o.at ? at > o.at : order > o.order; }
};

struct Transfer {
  unsigned stream;
  uint64_t inst;
  double issue;
  uint64_t seq; // order among its queue's transfers
};

class Scheduler {
public:
  Scheduler(const Program &p, const Target &t, llvm::MutableArrayRef<uint8_t> hbm, const SimOptions &o, SimTrace *trace)
      : prog_(p), target_(t), opts_(o), trace_(trace), cores_(std::max<unsigned>(1, p.cores)),
        dma_(cores_ * t.dma_engines, t.dma_engine_bytes_per_ns, cores_ * t.hbm_bytes_per_ns),
        streams_(p.streams.size()), sems_(num_sems(p, t), 0), waiters_(num_sems(p, t)), cores_state_(cores_) {
    if (o.threads > 1 && !o.timing_only) fill_ = std::make_unique<BackgroundFill>();
    for (unsigned c = 0; c < cores_; ++c) {
      mems_.push_back(std::make_unique<Memories>(t, hbm));
      execs_.push_back(std::make_unique<Executor>(*mems_.back(), t.pe_transpose_bit_accurate, fill_.get()));
      cores_state_[c].dge_free.assign(t.dma_issue_units, 0.0);
    }
    // With a second thread, it zeroes the on-chip memories' pages while
    // this one starts the run (first touches cost ~1 ms per MB on a VM).
    if (fill_)
      prefault_ = std::thread([this] {
        for (const auto &m : mems_) m->populate_backwards();
      });
    if (o.check_races) races_ = std::make_unique<RaceChecker>(p, t, num_sems(p, t));
    stats_.kernel = p.kernel;
    stats_.target = &t;
    stats_.cores = cores_;
    stats_.core_end_ns.assign(p.cores > 1 ? cores_ : 0, 0.0);
    for (const Stream &s : p.streams) stats_.streams.push_back(StreamStats{s.id});
  }

  llvm::Expected<SimStats> run();
  void set_deferred(llvm::MutableArrayRef<DeferredInput> d) {
    for (auto &m : mems_) m->deferred = d;
  }
  // Semaphores of all cores, numbered core by core, then one per core for
  // core_barrier (the one the other core updates).
  static unsigned num_sems(const Program &p, const Target &t) {
    const unsigned cores = std::max<unsigned>(1, p.cores);
    return cores * t.num_semaphores + (cores > 1 ? cores : 0);
  }

private:
  llvm::Error step(unsigned s);
  double earliest_start(unsigned s, const Instruction &inst, double now, bool *sbuf_port, bool *psum_port);
  void record_writes(unsigned s, const Instruction &inst, double visible);
  llvm::Error issue_sem_wait(unsigned s, const Instruction &inst, double now);
  llvm::Error issue_sem_signal(unsigned s, const Instruction &inst, double now);
  llvm::Error issue_core_barrier(unsigned s, const Instruction &inst, double now);
  // Blocks stream `s` until semaphore `sem` (scheduler-wide) >= value.
  void block(unsigned s, unsigned sem, int64_t value, double now);
  unsigned core(unsigned s) const { return prog_.streams[s].id.core; }
  // Stream s's semaphore `sem` as a scheduler-wide index.
  unsigned sem_index(unsigned s, int64_t sem) const { return core(s) * target_.num_semaphores + unsigned(sem); }
  unsigned barrier_sem(unsigned c) const { return cores_ * target_.num_semaphores + c; }
  void touch(unsigned s, double t) {
    end_time_ = std::max(end_time_, t);
    if (!stats_.core_end_ns.empty()) stats_.core_end_ns[core(s)] = std::max(stats_.core_end_ns[core(s)], t);
  }
  void fire_signal(unsigned s, uint64_t pc, double now, const uint32_t *clock);
  llvm::Error check_access(unsigned s, const Instruction &inst);
  llvm::Error check_accumulators(unsigned s, const Instruction &inst);
  // An indirect dma_copy with its index read now, as the DMA engine reads
  // it when the transfer is issued: src moved to the slice it names.
  // A gather (one index per partition) becomes one instruction per row.
  llvm::Expected<std::vector<Instruction>> resolve_indirect(unsigned s, const Instruction &inst);
  std::vector<Instruction> dynamic_dst_window(unsigned s, const Instruction &inst);
  void end_transfers(double t);
  llvm::Error deadlock(double now) const;
  void wake_waiters(unsigned sem, double now);
  double ns(unsigned s, double cycles) const { return target_.cycles_to_ns(prog_.streams[s].id.engine, cycles); }
  void slice(TraceSlice::Kind k, unsigned s, uint64_t inst, double start, double dur) {
    if (trace_) trace_->slices.push_back(TraceSlice{k, s, 0, inst, start, dur});
  }
  bool is_dma(unsigned s) const { return prog_.streams[s].id.engine == Engine::dma; }
  // A DMA queue with dma_max_in_flight transfers in flight issues nothing
  // more until one completes.
  bool dma_throttled(unsigned s) const {
    return target_.dma_max_in_flight && is_dma(s) && streams_[s].in_flight >= target_.dma_max_in_flight;
  }
  // A DMA queue's time is busy while a transfer of it is in flight, else
  // blocked while it waits in sem_wait, else idle; called before each change
  // of those states so the three add up to the total exactly.
  void account_dma(unsigned s, double t) {
    StreamState &st = streams_[s];
    if (!is_dma(s) || t <= st.accounted_to) return;
    const double dt = t - st.accounted_to;
    if (st.in_flight > 0)
      stats_.streams[s].busy_ns += dt;
    else if (st.blocked)
      stats_.streams[s].blocked_ns += dt;
    st.accounted_to = t;
  }
  void warn(std::string msg) {
    ++stats_.num_warnings;
    if (stats_.warnings.size() < opts_.max_warnings) stats_.warnings.push_back({std::move(msg)});
  }
  // A check the program fails without being unsafe to simulate (an
  // uninitialised read, an undefined accumulator, an activation input out of
  // range, a 0/1 hint broken): a warning, an error with --strict.
  llvm::Error flag(std::string msg) {
    if (opts_.strict) return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s", msg.c_str());
    warn(std::move(msg));
    return llvm::Error::success();
  }

  const Program &prog_;
  const Target &target_;
  const SimOptions &opts_;
  SimTrace *trace_;
  unsigned cores_;
  struct JoinedThread : std::thread {
    using std::thread::operator=;
    ~JoinedThread() {
      if (joinable()) join();
    }
  };
  std::vector<std::unique_ptr<Memories>> mems_; // per core: SBUF, PSUM (HBM shared)
  // Faults the memories' pages in (with fill_); joined by the destructor
  // before the memories go.
  JoinedThread prefault_;
  // With SimOptions::threads > 1: large random tile loads, made while the
  // simulation goes on. Destroyed (its queue finished) before the memories.
  std::unique_ptr<BackgroundFill> fill_;
  std::vector<std::unique_ptr<Executor>> execs_;
  DmaModel dma_; // both cores' DMA engines (core c's are c * dma_engines ...)
  std::unique_ptr<RaceChecker> races_;
  std::vector<StreamState> streams_;
  std::vector<int64_t> sems_;
  std::vector<std::vector<unsigned>> waiters_; // per semaphore: blocked streams
  std::vector<Transfer> transfers_;
  std::vector<ByteRun> runs_;
  std::vector<uint64_t> ended_;
  std::priority_queue<TimedSignal, std::vector<TimedSignal>, std::greater<TimedSignal>> timed_;
  uint64_t timed_order_ = 0;
  SimStats stats_;
  double end_time_ = 0;
  struct CoreState {
    double sbuf_port_free = 0;    // Vector/GpSimd shared SBUF port
    double psum_port_free = 0;    // Vector/Scalar shared PSUM access
    int act_table = -1;           // the activation function whose table is loaded
    std::vector<double> dge_free; // shared descriptor generators: free from
    int64_t barriers = 0;         // core_barriers whose remote update was issued
    // Per AccumulatorBank (runtime/isa.h), the partitions whose accumulator
    // register holds a defined value (set by a reset or reset_reduce).
    std::array<std::bitset<128>, 3> acc_defined;
    std::array<double, kPeBlocks> pe_block_free{}; // the Tensor engine's PE blocks: free from
    std::vector<PendingWrite> pe_writes;           // destinations of tiled matmuls in flight
  };
  std::vector<CoreState> cores_state_;
  uint64_t transfers_in_flight_ = 0; // all queues
  double dma_active_since_ = 0;
};

// Partitions and byte range of an on-chip pattern; false when it has none.
bool on_chip_box(const AccessPattern &a, PendingWrite &w) {
  if (!a.on_chip()) return false;
  auto ext = row_extent(a);
  if (!ext) return false;
  w.mem = a.mem;
  w.p0 = a.start_partition;
  w.p1 = unsigned(a.start_partition) + a.num_partitions;
  w.lo = ext->lo;
  w.hi = ext->hi;
  return true;
}

// The PE array's 32 x 32 blocks an instruction on the Tensor engine holds
// (bit 4 * row block + column block): a tiled nc_matmul its tile, anything
// else the whole array.
uint16_t pe_blocks(const Instruction &inst) {
  if (inst.op != Opcode::nc_matmul) return 0xffff;
  const int64_t rows = inst.get_int(attr::nc_matmul::tile_rows), cols = inst.get_int(attr::nc_matmul::tile_cols);
  if (rows <= 0 || cols <= 0) return 0xffff;
  const int64_t r0 = inst.get_int(attr::nc_matmul::tile_row) / 32, c0 = inst.get_int(attr::nc_matmul::tile_col) / 32;
  uint16_t mask = 0;
  for (int64_t r = r0; r < r0 + rows / 32 && r < 4; ++r)
    for (int64_t c = c0; c < c0 + cols / 32 && c < 4; ++c) mask = uint16_t(mask | (1u << (4 * r + c)));
  return mask;
}

// The identity (a copy) needs no lookup table; every other function is
// taken to have its own (which functions share a table is not published).
bool needs_table(ActFunc f) { return f != ActFunc::identity; }

llvm::Expected<SimStats> Scheduler::run() {
  if (races_)
    if (auto e = races_->check_limits()) return e;
  uint64_t total = 0, steps = 0;
  for (const Stream &s : prog_.streams) total += s.insts.size();
  for (;;) {
    if (opts_.progress && (++steps & 4095) == 0) {
      uint64_t executed = 0;
      for (const StreamState &st : streams_) executed += st.pc;
      opts_.progress(executed, total, end_time_);
    }
    // The runnable stream with the earliest ready time (ties: stream order).
    int best = -1;
    for (unsigned s = 0; s < streams_.size(); ++s) {
      const StreamState &st = streams_[s];
      if (st.pc >= prog_.streams[s].insts.size() || st.blocked || dma_throttled(s)) continue;
      if (best < 0 || st.ready < streams_[unsigned(best)].ready) best = int(s);
    }
    const double t_dma = dma_.next_event();
    const double t_sig = timed_.empty() ? DmaModel::kNever : timed_.top().at;
    if (best < 0 && t_dma == DmaModel::kNever && t_sig == DmaModel::kNever) break;
    // At equal times: signals first (they may wake streams), then DMA events.
    if (t_sig <= t_dma && (best < 0 || t_sig <= streams_[unsigned(best)].ready)) {
      TimedSignal ts = timed_.top();
      timed_.pop();
      touch(ts.stream, ts.at);
      fire_signal(ts.stream, ts.pc, ts.at, ts.clock.empty() ? nullptr : ts.clock.data());
      continue;
    }
    if (best < 0 || t_dma <= streams_[unsigned(best)].ready) {
      end_transfers(t_dma);
      continue;
    }
    if (auto e = step(unsigned(best))) return e;
  }
  for (unsigned s = 0; s < streams_.size(); ++s)
    if (streams_[s].pc < prog_.streams[s].insts.size()) return deadlock(end_time_);

  for (auto &exec : execs_) exec->await_all(); // the outputs are read once this returns
  for (unsigned s = 0; s < streams_.size(); ++s) touch(s, std::max(streams_[s].ready, streams_[s].done));
  stats_.total_ns = end_time_;
  for (unsigned s = 0; s < streams_.size(); ++s) account_dma(s, end_time_);
  for (StreamStats &ss : stats_.streams) ss.idle_ns = std::max(0.0, end_time_ - ss.busy_ns - ss.blocked_ns);
  return std::move(stats_);
}

// When a compute instruction ready at `now` can really start: after the
// results of its own engine it reads are visible to it, and after the
// shared SBUF port / PSUM access it needs is free.
double Scheduler::earliest_start(unsigned s, const Instruction &inst, double now, bool *sbuf_port, bool *psum_port) {
  const Engine e = prog_.streams[s].id.engine;
  StreamState &st = streams_[s];
  double start = now;
  // Drop the writes already visible; check inputs against the rest.
  size_t keep = 0;
  for (const PendingWrite &w : st.writes)
    if (w.visible > now) st.writes[keep++] = w;
  st.writes.resize(keep);
  double dep = now;
  if (!st.writes.empty()) {
    const OpInfo &info = op_info(inst.op);
    for (unsigned i = 0; i < info.num_aps; ++i) {
      const bool reads = operand_reads(inst, i);
      PendingWrite r;
      if (!reads || !on_chip_box(inst.ap[i], r)) continue;
      for (const PendingWrite &w : st.writes)
        if (w.mem == r.mem && w.p0 < r.p1 && r.p0 < w.p1 && w.lo < r.hi && r.lo < w.hi) dep = std::max(dep, w.visible);
    }
  }
  start = dep;
  const SharedPorts ports = shared_ports(target_, e, inst);
  *sbuf_port = ports.sbuf;
  *psum_port = ports.psum;
  const CoreState &cs = cores_state_[core(s)];
  if (*sbuf_port) start = std::max(start, cs.sbuf_port_free);
  if (*psum_port) start = std::max(start, cs.psum_port_free);
  if (start > now) {
    stats_.dependency_stall_ns += dep - now;
    stats_.port_stall_ns += start - dep;
  }
  if (e == Engine::tensor) {
    // The PE blocks it needs, and no tiled matmul in flight writing what
    // it writes (the engine being busy, not a stall).
    const uint16_t blocks = pe_blocks(inst);
    for (unsigned b = 0; b < kPeBlocks; ++b)
      if (blocks >> b & 1) start = std::max(start, cs.pe_block_free[b]);
    const OpInfo &info = op_info(inst.op);
    for (unsigned i = 0; i < info.num_aps && !cs.pe_writes.empty(); ++i) {
      PendingWrite r;
      if (!operand_writes(inst, i) || !on_chip_box(inst.ap[i], r)) continue;
      for (const PendingWrite &w : cs.pe_writes)
        if (w.visible > now && w.mem == r.mem && w.p0 < r.p1 && r.p0 < w.p1 && w.lo < r.hi && r.lo < w.hi)
          start = std::max(start, w.visible);
    }
  }
  return start;
}

void Scheduler::record_writes(unsigned s, const Instruction &inst, double visible) {
  const OpInfo &info = op_info(inst.op);
  for (unsigned i = 0; i < info.num_aps; ++i) {
    PendingWrite w;
    if (!operand_writes(inst, i) || !on_chip_box(inst.ap[i], w)) continue;
    w.visible = visible;
    streams_[s].writes.push_back(w);
  }
}

llvm::Expected<std::vector<Instruction>> Scheduler::resolve_indirect(unsigned s, const Instruction &inst) {
  // (The index operand is an ordinary read for the race and
  // uninitialised-read checks, which run on the resolved instructions.)
  // A load / gather moves src (src_index); a store / scatter moves dst
  // (dst_index), mirrored: row p of the on-chip side pairs with the slice
  // index p names.
  const unsigned ix_slot = indirect_index(inst), moved_slot = indirect_moved(inst);
  const bool scatter = moved_slot == ap::dma_copy::dst;
  const unsigned fixed_slot = scatter ? ap::dma_copy::src : ap::dma_copy::dst;
  const AccessPattern &ix = inst.ap[ix_slot];
  const int64_t count = inst.get_int(attr::dma_copy::index_count);
  // Bytes per index, in 128-bit arithmetic (the validation bounded every
  // legal index's address; the product alone may not fit 64 bits).
  const __int128 step =
      __int128(inst.get_int(attr::dma_copy::index_stride)) * __int128(dtype_size(inst.ap[moved_slot].dtype));
  std::vector<Instruction> parts;
  const unsigned rows = ix.num_partitions;
  for (unsigned p = 0; p < rows; ++p) {
    int64_t index = 0;
    gather_row_i64(ix, mems_[core(s)]->row(ix, p), &index);
    // oob_mode=1 (skip; NKI 2.26 nki.isa.dma_copy, oob_mode.skip): this
    // index's transfer is left out, its dst row keeps its contents.
    if ((index < 0 || index >= count) && inst.get_int(attr::dma_copy::oob_mode) == 1) continue;
    if (index < 0 || index >= count)
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "%s: %s%s is %lld, outside [0, %lld): the DMA would %s outside its %s (the "
                                     "hardware's DMA faults)",
                                     describe_inst(prog_, s, streams_[s].pc).c_str(),
                                     static_cast<const char *>(scatter ? "dst_index" : "src_index"),
                                     rows > 1 ? fmt::format(" of partition {}", p).c_str() : "", (long long)index,
                                     (long long)count, static_cast<const char *>(scatter ? "write" : "read"),
                                     static_cast<const char *>(scatter ? "destination" : "source"));
    Instruction part = inst;
    AccessPattern &mv = part.ap[moved_slot];
    if (rows > 1) { // row p of the moved side, the offset it names, with partition p of the other
      AccessPattern &fx = part.ap[fixed_slot], &pix = part.ap[ix_slot];
      fx.start_partition = uint16_t(fx.start_partition + p);
      fx.num_partitions = 1;
      pix.start_partition = uint16_t(pix.start_partition + p);
      pix.num_partitions = 1;
      mv.offset = uint64_t(__int128(mv.offset) + __int128(p) * mv.dims[0].stride * int64_t(dtype_size(mv.dtype)));
      for (unsigned d = 1; d < mv.num_dims; ++d) mv.dims[d - 1] = mv.dims[d];
      if (--mv.num_dims == 0) {
        mv.num_dims = 1;
        mv.dims[0] = Dim{1, 1};
      }
    }
    mv.offset = uint64_t(__int128(mv.offset) + __int128(index) * step);
    parts.push_back(part);
  }
  return parts;
}

namespace {
// The elements [lo, hi) (flat free index, lo < hi) of the free dims d.. of
// `a`, starting at byte offset `base`, as patterns: a partial block, the
// whole blocks of dim d between, a partial block (each partial one split
// the same way one dim further in).
void flat_window_pieces(const AccessPattern &a, unsigned d, int64_t base, uint64_t lo, uint64_t hi,
                        std::vector<AccessPattern> &out) {
  uint64_t inner = 1;
  for (unsigned e = d + 1; e < a.num_dims; ++e) inner *= a.dims[e].count;
  const int64_t step = a.dims[d].stride * int64_t(dtype_size(a.dtype));
  auto blocks = [&](uint64_t first, uint64_t count) {
    AccessPattern p = a;
    p.offset = uint64_t(base + int64_t(first) * step);
    p.num_dims = uint8_t(a.num_dims - d);
    for (unsigned e = d; e < a.num_dims; ++e) p.dims[e - d] = a.dims[e];
    p.dims[0].count = uint32_t(count);
    out.push_back(p);
  };
  const uint64_t first = lo / inner, last = (hi - 1) / inner; // the blocks lo and hi - 1 fall in
  if (lo % inner == 0 && hi % inner == 0) return blocks(first, last + 1 - first);
  if (first == last)
    return flat_window_pieces(a, d + 1, base + int64_t(first) * step, lo - first * inner, hi - first * inner, out);
  uint64_t whole_lo = first, whole_hi = last + 1;
  if (lo % inner) {
    flat_window_pieces(a, d + 1, base + int64_t(first) * step, lo - first * inner, inner, out);
    ++whole_lo;
  }
  if (hi % inner) --whole_hi;
  if (whole_lo < whole_hi) blocks(whole_lo, whole_hi - whole_lo);
  if (hi % inner) flat_window_pieces(a, d + 1, base + int64_t(last) * step, 0, hi - last * inner, out);
}
} // namespace

// tensor_copy_dynamic_dst writes only the window its run-time offset picks
// (dst[p, off + j], off + j inside dst's region; nothing outside it): the
// instruction with dst cut to that window, as patterns, for the race and
// uninitialised-read checks (like an indirect dma_copy's resolved parts).
// The first part carries src and offset (read once), the others dst only;
// no part writes when the window misses the region.
std::vector<Instruction> Scheduler::dynamic_dst_window(unsigned s, const Instruction &inst) {
  using F = ap::tensor_copy_dynamic_dst;
  const AccessPattern &dst = inst.ap[F::dst], &src = inst.ap[F::src], &offset = inst.ap[F::offset];
  int64_t idx = 0, off = 0;
  gather_row_i64(offset, mems_[core(s)]->row(offset, 0), &idx);
  // As Executor::tensor_copy_dynamic: an overflowing product is outside.
  if (__builtin_mul_overflow(idx, inst.get_int(attr::tensor_copy_dynamic_dst::offset_stride), &off))
    off = std::numeric_limits<int64_t>::min() / 2;
  const int64_t R = int64_t(dst.free_elements()), W = int64_t(src.free_elements());
  const int64_t lo = std::max<int64_t>(off, 0), hi = std::min<int64_t>(off > R ? R : off + W, R);
  std::vector<AccessPattern> pieces;
  if (lo < hi) flat_window_pieces(dst, 0, int64_t(dst.offset), uint64_t(lo), uint64_t(hi), pieces);
  std::vector<Instruction> parts(std::max<size_t>(1, pieces.size()), inst);
  parts[0].ap[F::dst] = pieces.empty() ? AccessPattern{} : pieces[0];
  for (size_t i = 1; i < pieces.size(); ++i) {
    parts[i].ap[F::dst] = pieces[i];
    parts[i].ap[F::src] = AccessPattern{};
    parts[i].ap[F::offset] = AccessPattern{};
  }
  return parts;
}

llvm::Error Scheduler::step(unsigned s) {
  StreamState &st = streams_[s];
  const Instruction &stored = prog_.streams[s].insts[st.pc];
  const double now = st.ready;
  touch(s, now);
  if (stored.op == Opcode::sem_wait) return issue_sem_wait(s, stored, now);
  if (stored.op == Opcode::sem_signal) return issue_sem_signal(s, stored, now);
  if (stored.op == Opcode::core_barrier) return issue_core_barrier(s, stored, now);
  bool sbuf_port = false, psum_port = false;
  CoreState &cs = cores_state_[core(s)];
  Executor &exec = *execs_[core(s)];
  double *dge = nullptr; // the shared descriptor generator this dma_copy uses
  if (stored.op == Opcode::dma_copy && !cs.dge_free.empty() && stored.get_int(attr::dma_copy::dge_mode) != 0) {
    dge = &*std::min_element(cs.dge_free.begin(), cs.dge_free.end());
    if (*dge > now) {
      stats_.dge_stall_ns += *dge - now;
      st.ready = *dge; // wait for a generator, in time order
      return llvm::Error::success();
    }
  }
  if (stored.op != Opcode::dma_copy) {
    const double start = earliest_start(s, stored, now, &sbuf_port, &psum_port);
    if (start > now) {
      // Come back at the real start, so everything still happens in time order.
      st.ready = start;
      return llvm::Error::success();
    }
  }

  // An indirect dma_copy as the addresses its index names now (once it can
  // issue): one instruction, or one per row for a gather (timed as the one
  // transfer).
  // With oob_mode skip, the parts whose index is out of range are left out
  // (possibly all of them); the transfer is still timed as issued.
  std::vector<Instruction> resolved;
  const bool indirect = is_indirect(stored);
  // Before anything reads the operands (an indirect DMA's indices here).
  exec.await_operands(stored);
  if (indirect) {
    auto r = resolve_indirect(s, stored);
    if (!r) return r.takeError();
    resolved = std::move(*r);
  }
  const bool single = indirect && stored.ap[indirect_index(stored)].num_partitions == 1;
  const Instruction &inst = single && resolved.size() == 1 ? resolved[0] : stored;
  if (races_) races_->begin(s, st.pc);
  if (indirect) {
    for (const Instruction &part : resolved)
      if (auto e = check_access(s, part)) return e;
    if (!opts_.timing_only)
      for (const Instruction &part : resolved) exec.execute(part);
  } else if (inst.op == Opcode::tensor_copy_dynamic_dst) {
    for (const Instruction &part : dynamic_dst_window(s, inst))
      if (auto e = check_access(s, part)) return e;
    if (!opts_.timing_only) exec.execute(inst, prog_.streams[s].id.engine);
  } else {
    if (auto e = check_access(s, inst)) return e;
    if (auto e = check_accumulators(s, inst)) return e;
    if (!opts_.timing_only) exec.execute(inst, prog_.streams[s].id.engine);
    if (auto v = exec.take_act_violation()) {
      const ActValidRange r = *act_valid_range(v->func);
      // Like an uninitialised read: a warning, an error with --strict.
      std::string msg = fmt::format(
          "{}: {} input {} (partition {}, element {}) is outside its valid range {}: the Scalar engine's result "
          "there is not valid (NKI 2.26, Supported Activation Functions; nksim computes the exact function)",
          describe_inst(prog_, s, st.pc), act_name(v->func), v->value,
          inst.ap[ap::activation::src].start_partition + v->partition, v->element, r.text);
      if (auto e = flag(std::move(msg))) return e;
    }
    if (auto v = exec.take_onezero_violation(); v && v->identity) {
      std::string msg = fmt::format(
          "{}: is_transpose is set but moving holds {} at (partition {}, element {}), not the identity's {}: the "
          "hint's result is not documented (NKI 2.26 nki.isa.nc_matmul; nksim computes {})",
          describe_inst(prog_, s, st.pc), v->value, inst.ap[v->field].start_partition + v->partition, v->element,
          v->partition == v->element ? 1 : 0,
          target_.pe_transpose_bit_accurate ? "stationary transposed, moving unused" : "the exact product");
      if (auto e = flag(std::move(msg))) return e;
    } else if (v) {
      // Like the activation-range check: a warning, an error with --strict.
      const bool stationary = v->field == ap::nc_matmul::stationary;
      std::string msg = fmt::format(
          "{}: {} is set but {} holds {} (partition {}, element {}), not only 0 and 1: the hint's result there is "
          "not documented (NKI 2.26 nki.isa.nc_matmul; nksim computes the exact product)",
          describe_inst(prog_, s, st.pc), stationary ? "is_stationary_onezero" : "is_moving_onezero",
          stationary ? "stationary" : "moving", v->value, inst.ap[v->field].start_partition + v->partition, v->element);
      if (auto e = flag(std::move(msg))) return e;
    }
  }
  StreamStats &ss = stats_.streams[s];
  ++ss.instructions;

  if (inst.op == Opcode::dma_copy) {
    const AccessPattern &dst = inst.ap[ap::dma_copy::dst], &src = inst.ap[ap::dma_copy::src];
    const uint64_t n = src.num_elements();
    const uint64_t src_bytes = n * dtype_size(src.dtype), dst_bytes = n * dtype_size(dst.dtype);
    const uint64_t bytes = std::max(src_bytes, dst_bytes);
    const uint64_t hbm = (src.mem == Memory::hbm ? src_bytes : 0) + (dst.mem == Memory::hbm ? dst_bytes : 0);
    DmaCost cost = dma_cost(target_, inst);
    if (core(s)) // this core's DMA engines
      cost.engine_work.insert(cost.engine_work.begin(), size_t(core(s)) * target_.dma_engines, 0.0);
    cost.engine_work.resize(size_t(cores_) * target_.dma_engines, 0.0);
    // The queue is occupied while the descriptors are generated; the bytes
    // start to flow a fixed latency later.
    const double issued_at = now + cost.issue_ns;
    if (dge) {
      *dge = issued_at;
      stats_.dge_busy_ns += cost.issue_ns;
    }
    dma_.add(transfers_.size(), issued_at + cost.latency_ns, cost.engine_work, hbm > 0, s);
    st.ready = issued_at;
    transfers_.push_back(Transfer{s, st.pc, now, st.issued++});
    st.completed.push_back(false);
    ++stats_.dma_transfers;
    stats_.dma_bytes += bytes;
    stats_.hbm_bytes += hbm;
    account_dma(s, now);
    if (transfers_in_flight_++ == 0) dma_active_since_ = now;
    ++st.in_flight;
    ++st.pc;
    return llvm::Error::success();
  }

  const Engine engine = prog_.streams[s].id.engine;
  const InstructionCost cost = instruction_cost(target_, engine, inst);
  double busy = ns(s, cost.busy_cycles);
  const double latency = ns(s, cost.latency_cycles);
  if (inst.op == Opcode::activation) {
    // Switching to a function whose table is not loaded loads it first.
    const auto f = ActFunc(inst.get_int(attr::activation::func));
    if (needs_table(f) && int(f) != cs.act_table) {
      cs.act_table = int(f);
      busy += target_.act_table_load_ns;
      ++stats_.act_table_loads;
    }
  }
  slice(TraceSlice::instruction, s, st.pc, now, busy);
  const uint16_t pe = engine == Engine::tensor ? pe_blocks(inst) : uint16_t(0xffff);
  if (pe != 0xffff) {
    // A tiled matmul holds its PE blocks (and its destination) for busy;
    // the stream goes on at once. Its busy time counts for its share of
    // the array.
    unsigned held = 0;
    for (unsigned b = 0; b < kPeBlocks; ++b)
      if (pe >> b & 1) {
        cs.pe_block_free[b] = now + busy;
        ++held;
      }
    auto &w = cs.pe_writes;
    w.erase(std::remove_if(w.begin(), w.end(), [&](const PendingWrite &x) { return x.visible <= now; }), w.end());
    const OpInfo &info = op_info(inst.op);
    for (unsigned i = 0; i < info.num_aps; ++i) {
      PendingWrite pw;
      if (!operand_writes(inst, i) || !on_chip_box(inst.ap[i], pw)) continue;
      pw.visible = now + busy;
      w.push_back(pw);
    }
    ss.busy_ns += busy * held / kPeBlocks;
    st.ready = now;
  } else {
    if (engine == Engine::tensor) cs.pe_block_free.fill(now + busy);
    ss.busy_ns += busy;
    st.ready = now + busy;
  }
  st.done = std::max(st.done, now + busy + latency);
  if (sbuf_port) cs.sbuf_port_free = now + busy;
  if (psum_port) cs.psum_port_free = now + busy;
  if (const unsigned dep = target_.dependent_latency_cycles[unsigned(engine)])
    record_writes(s, inst, now + busy + ns(s, dep));
  ++st.pc;
  return llvm::Error::success();
}

llvm::Error Scheduler::issue_sem_wait(unsigned s, const Instruction &inst, double now) {
  StreamState &st = streams_[s];
  const unsigned sem = sem_index(s, inst.get_int(attr::sem_wait::sem));
  const int64_t value = inst.get_int(attr::sem_wait::value);
  if (sems_[sem] < value) {
    block(s, sem, value, now);
    return llvm::Error::success();
  }
  if (races_) {
    races_->begin(s, st.pc);
    races_->on_wait(s, sem, value);
  }
  const double busy = ns(s, instruction_cost(target_, prog_.streams[s].id.engine, inst).busy_cycles);
  slice(TraceSlice::instruction, s, st.pc, now, busy);
  if (!is_dma(s)) stats_.streams[s].busy_ns += busy;
  ++stats_.streams[s].instructions;
  st.ready = now + busy;
  ++st.pc;
  return llvm::Error::success();
}

void Scheduler::block(unsigned s, unsigned sem, int64_t value, double now) {
  StreamState &st = streams_[s];
  account_dma(s, now);
  st.blocked = true;
  st.blocked_since = now;
  st.wait_sem = sem;
  st.wait_value = value;
  waiters_[sem].push_back(s);
}

// First visit: the remote update is issued as a sem_signal's would be
// (fires once everything earlier on the stream has completed; the stream
// does not stop for it). Then, on this and every later visit, the local
// wait: the other core's update for this barrier number.
llvm::Error Scheduler::issue_core_barrier(unsigned s, const Instruction &inst, double now) {
  StreamState &st = streams_[s];
  if (!st.barrier_arrived) {
    st.barrier_arrived = true;
    st.barrier_number = ++cores_state_[core(s)].barriers;
    if (races_) races_->begin(s, st.pc);
    if (is_dma(s) && st.completed_prefix < st.issued) {
      StreamState::PendingSignal ps{st.pc, st.issued, {}};
      if (races_) ps.clock = races_->snapshot(s);
      st.pending.push_back(std::move(ps));
    } else if (!is_dma(s) && st.done > now) {
      TimedSignal ts{st.done, timed_order_++, s, st.pc, {}};
      if (races_) ts.clock = races_->snapshot(s);
      timed_.push(std::move(ts));
    } else {
      fire_signal(s, st.pc, now, nullptr);
    }
  }
  const unsigned sem = barrier_sem(core(s));
  if (sems_[sem] < st.barrier_number) {
    block(s, sem, st.barrier_number, now);
    return llvm::Error::success();
  }
  if (races_) {
    races_->begin(s, st.pc);
    races_->on_wait(s, sem, st.barrier_number);
  }
  const double busy = ns(s, instruction_cost(target_, prog_.streams[s].id.engine, inst).busy_cycles);
  slice(TraceSlice::instruction, s, st.pc, now, busy);
  if (!is_dma(s)) stats_.streams[s].busy_ns += busy;
  ++stats_.streams[s].instructions;
  st.barrier_arrived = false;
  st.ready = now + busy;
  ++st.pc;
  return llvm::Error::success();
}

llvm::Error Scheduler::issue_sem_signal(unsigned s, const Instruction &inst, double now) {
  StreamState &st = streams_[s];
  // A DMA queue does not stop for its signal: the signal fires when every
  // transfer issued before it has completed, while later transfers of the
  // queue proceed (the queue's completion semaphore update, as on hardware).
  if (prog_.streams[s].id.engine == Engine::dma && st.completed_prefix < st.issued) {
    StreamState::PendingSignal ps{st.pc, st.issued, {}};
    if (races_) {
      races_->begin(s, st.pc);
      ps.clock = races_->snapshot(s);
    }
    st.pending.push_back(std::move(ps));
    ++st.pc;
    return llvm::Error::success();
  }
  const double busy = ns(s, instruction_cost(target_, prog_.streams[s].id.engine, inst).busy_cycles);
  if (races_) races_->begin(s, st.pc);
  if (st.done > now) {
    // A compute engine does not stop for its signal either: the update is
    // applied once every earlier instruction's results are visible, while
    // the engine goes on issuing.
    TimedSignal ts{st.done, timed_order_++, s, st.pc, {}};
    if (races_) ts.clock = races_->snapshot(s);
    timed_.push(std::move(ts));
  } else {
    fire_signal(s, st.pc, now, nullptr);
  }
  st.ready = now + busy;
  ++st.pc;
  return llvm::Error::success();
}

// sem += value for the signal at `pc` of stream `s`; `clock` is the race
// checker's clock at the signal (null: the stream's current clock).
void Scheduler::fire_signal(unsigned s, uint64_t pc, double now, const uint32_t *clock) {
  const Instruction &inst = prog_.streams[s].insts[pc];
  // A core_barrier's remote update: the semaphore the other core waits on.
  const bool barrier = inst.op == Opcode::core_barrier;
  const unsigned sem =
      barrier ? barrier_sem((core(s) + 1) % cores_) : sem_index(s, inst.get_int(attr::sem_signal::sem));
  sems_[sem] += barrier ? 1 : inst.get_int(attr::sem_signal::value);
  if (races_) {
    if (clock)
      races_->on_signal_clock(sem, sems_[sem], clock);
    else
      races_->on_signal(s, sem, sems_[sem]);
  }
  if (trace_) trace_->sem_values.push_back(TraceCounter{sem, now, sems_[sem]});
  if (barrier) { // the instruction is counted and timed when its wait is over
    touch(s, now);
    wake_waiters(sem, now);
    return;
  }
  const double busy = ns(s, instruction_cost(target_, prog_.streams[s].id.engine, inst).busy_cycles);
  slice(TraceSlice::instruction, s, pc, now, busy);
  if (!is_dma(s)) stats_.streams[s].busy_ns += busy;
  ++stats_.streams[s].instructions;
  touch(s, now);
  wake_waiters(sem, now);
}

void Scheduler::wake_waiters(unsigned sem, double now) {
  std::vector<unsigned> &w = waiters_[sem];
  for (size_t i = 0; i < w.size();) {
    const unsigned s = w[i];
    StreamState &st = streams_[s];
    if (sems_[sem] >= st.wait_value) {
      account_dma(s, now);
      st.blocked = false;
      if (!is_dma(s)) stats_.streams[s].blocked_ns += now - st.blocked_since;
      slice(TraceSlice::sem_blocked, s, st.pc, st.blocked_since, now - st.blocked_since);
      st.ready = now;
      w.erase(w.begin() + long(i));
    } else {
      ++i;
    }
  }
}

void Scheduler::end_transfers(double t) {
  ended_.clear();
  dma_.advance(t, ended_);
  end_time_ = std::max(end_time_, t);
  for (uint64_t id : ended_) {
    const Transfer &tr = transfers_[id];
    StreamState &st = streams_[tr.stream];
    touch(tr.stream, t);
    slice(TraceSlice::instruction, tr.stream, tr.inst, tr.issue, t - tr.issue);
    account_dma(tr.stream, t);
    if (dma_throttled(tr.stream)) st.ready = std::max(st.ready, t);
    --st.in_flight;
    if (--transfers_in_flight_ == 0) stats_.dma_active_ns += t - dma_active_since_;
    st.completed[tr.seq] = true;
    while (st.completed_prefix < st.issued && st.completed[st.completed_prefix]) ++st.completed_prefix;
    size_t fired = 0;
    for (; fired < st.pending.size() && st.pending[fired].after <= st.completed_prefix; ++fired) {
      const StreamState::PendingSignal &ps = st.pending[fired];
      fire_signal(tr.stream, ps.pc, t, ps.clock.empty() ? nullptr : ps.clock.data());
    }
    st.pending.erase(st.pending.begin(), st.pending.begin() + long(fired));
  }
}

// Reads are checked before writes so an instruction that reads and writes
// the same bytes (matmul accumulation) is consistent with itself.
llvm::Error Scheduler::check_access(unsigned s, const Instruction &inst) {
  const OpInfo &info = op_info(inst.op);
  const uint64_t index = streams_[s].pc;
  Memories &mem = *mems_[core(s)];
  for (int pass = 0; pass < 2; ++pass) {
    const bool write = pass == 1;
    for (unsigned i = 0; i < info.num_aps; ++i) {
      const AccessPattern &a = inst.ap[i];
      if (!a.present()) continue;
      const bool reads = operand_reads(inst, i), writes = operand_writes(inst, i);
      if (write ? !writes : !reads) continue;
      // (An HBM read has no uninitialised-read check; with no possible
      // writer it has no race bookkeeping either.)
      if (!write && races_ && races_->never_written(a)) continue;
      row_footprint(a, !a.on_chip(), runs_);
      if (!write) {
        if (auto hole = find_unwritten(mem, a, runs_)) {
          std::string msg = fmt::format("{}: operand '{}' reads {} bytes never written (first: partition {}, byte {})",
                                        describe_inst(prog_, s, index), info.aps[i].name, memory_name(a.mem),
                                        hole->partition, hole->byte);
          if (auto e = flag(std::move(msg))) return e;
        }
      } else {
        mark_written(mem, a, runs_);
      }
      if (races_)
        if (auto e = races_->access(s, a, runs_, write, info.aps[i].name)) return e;
    }
  }
  return llvm::Error::success();
}

// The accumulator registers are engine state carried between the
// instructions of one engine. Each engine has one in-order stream, so two
// instructions sharing a bank never run concurrently (no race is possible);
// what can go wrong is reading a register no reset has set: NKI documents
// no initial value, and an idle Vector-engine reduction may modify them
// (NKI 2.26 nki.isa.select_reduce). Like an uninitialised read, a warning
// (an error with --strict).
llvm::Error Scheduler::check_accumulators(unsigned s, const Instruction &inst) {
  const AccumulatorUse u = accumulator_use(inst);
  if (u.bank == AccumulatorBank::none) return llvm::Error::success();
  std::bitset<128> &defined = cores_state_[core(s)].acc_defined[unsigned(u.bank)];
  const unsigned lo = u.first_partition, hi = std::min(128u, u.first_partition + u.num_partitions);
  if (u.reads)
    for (unsigned p = lo; p < hi; ++p)
      if (!defined[p]) {
        std::string msg = fmt::format(
            "{}: reads the {} engine's accumulator register of partition {}, which holds no defined value (start "
            "a reduction with reduce_cmd=1 reset or 3 reset_reduce{})",
            describe_inst(prog_, s, streams_[s].pc), u.bank == AccumulatorBank::scalar ? "Scalar" : "Vector", p,
            u.bank == AccumulatorBank::vector
                ? "; an idle range_select or a select_reduce without reduce_res leaves them undefined"
                : "");
        if (auto e = flag(std::move(msg))) return e;
        break;
      }
  for (unsigned p = lo; p < hi; ++p) {
    if (u.after == AccumulatorUse::After::defined) defined[p] = true;
    if (u.after == AccumulatorUse::After::undefined) defined[p] = false;
  }
  return llvm::Error::success();
}

llvm::Error Scheduler::deadlock(double now) const {
  std::string msg = fmt::format("deadlock at {:.1f} ns: every unfinished stream is blocked:", now);
  for (unsigned s = 0; s < streams_.size(); ++s) {
    const StreamState &st = streams_[s];
    if (st.pc >= prog_.streams[s].insts.size()) continue;
    if (prog_.streams[s].insts[st.pc].op == Opcode::core_barrier)
      msg += fmt::format(" {} waits at core_barrier #{} of core {} for core {} to reach its #{} (it reached {});",
                         describe_inst(prog_, s, st.pc), st.wait_value, core(s), (core(s) + 1) % cores_, st.wait_value,
                         sems_[st.wait_sem]);
    else
      msg += fmt::format(" {} waits for semaphore {} >= {} (it is {});", describe_inst(prog_, s, st.pc),
                         st.wait_sem - core(s) * target_.num_semaphores, st.wait_value, sems_[st.wait_sem]);
  }
  msg.pop_back();
  return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s", msg.c_str());
}

} // namespace

llvm::Expected<SimStats> simulate(const Program &program, const Target &target, llvm::MutableArrayRef<uint8_t> hbm,
                                  const SimOptions &options, SimTrace *trace,
                                  llvm::MutableArrayRef<DeferredInput> deferred) {
  using Clock = std::chrono::steady_clock;
  auto seconds_since = [](Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); };
  // The caller's check first (beside the validation, with threads), then
  // the validation: each error in that order.
  std::optional<llvm::Error> checked;
  double check_s = 0;
  std::exception_ptr thrown; // (out of memory) rethrown on this thread
  auto run_check = [&] {
    const auto t = Clock::now();
    try {
      checked.emplace(options.check_first());
    } catch (...) {
      thrown = std::current_exception();
    }
    check_s = seconds_since(t);
  };
  std::thread beside;
  struct JoinOnExit { // also when the validation throws (out of memory)
    std::thread &t;
    ~JoinOnExit() {
      if (t.joinable()) t.join();
    }
  } join_beside{beside};
  const bool threaded_check = options.check_first && options.threads > 1;
  if (threaded_check)
    beside = std::thread(run_check);
  else if (options.check_first) {
    run_check();
    if (thrown) std::rethrow_exception(thrown);
    if (*checked) return std::move(*checked);
  }
  const auto t0 = Clock::now();
  llvm::Error invalid = validate_for_simulation(program, target, hbm.size());
  const auto t1 = Clock::now();
  if (beside.joinable()) beside.join();
  const auto t2 = Clock::now();
  if (thrown) {
    llvm::consumeError(std::move(invalid));
    std::rethrow_exception(thrown);
  }
  if (threaded_check && *checked) {
    llvm::consumeError(std::move(invalid));
    return std::move(*checked);
  }
  if (invalid) return invalid;
  for (const DeferredInput &d : deferred)
    if (d.end() < d.begin() || d.end() > hbm.size())
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "deferred input '%s' does not fit in the %zu bytes of HBM", d.decl.name.c_str(),
                                     hbm.size());
  const Target model = without_mechanisms(target, options.mechanisms_off);
  Scheduler sched(program, model, hbm, options, trace);
  sched.set_deferred(deferred);
  auto stats = sched.run();
  if (stats) {
    stats->target = &target; // not the local copy of the model
    stats->host.validate_s = std::chrono::duration<double>(t1 - t0).count();
    stats->host.verify_s = check_s;
    stats->host.verify_beside_validate = threaded_check;
    stats->host.simulate_s = seconds_since(t2);
  }
  return stats;
}

namespace {
struct MechanismName {
  const char *name;
  Mechanism m;
};
constexpr MechanismName kMechanisms[] = {{"dma-issue", Mechanism::dma_issue},
                                         {"dma-descriptors", Mechanism::dma_descriptors},
                                         {"dependent-latency", Mechanism::dependent_latency},
                                         {"shared-ports", Mechanism::shared_ports},
                                         {"act-table", Mechanism::act_table},
                                         {"dma-transfer", Mechanism::dma_transfer}};
} // namespace

std::optional<Mechanism> parse_mechanism(llvm::StringRef name) {
  for (const MechanismName &m : kMechanisms)
    if (name == m.name) return m.m;
  return std::nullopt;
}

const char *mechanism_names() {
  return "dma-issue, dma-descriptors, dma-transfer, dependent-latency, shared-ports, act-table";
}

Target without_mechanisms(const Target &t, unsigned off) {
  Target m = t;
  if (off & unsigned(Mechanism::dma_issue)) m.dma_issue_ns = 0;
  if (off & unsigned(Mechanism::dma_descriptors)) m.dma_descriptor_ns = 0;
  if (off & unsigned(Mechanism::dependent_latency))
    for (unsigned &c : m.dependent_latency_cycles) c = 0;
  if (off & unsigned(Mechanism::shared_ports)) {
    m.vector_gpsimd_share_sbuf_port = false;
    m.vector_scalar_share_psum = false;
  }
  if (off & unsigned(Mechanism::act_table)) m.act_table_load_ns = 0;
  if (off & unsigned(Mechanism::dma_transfer)) m.dma_transfer_engine_ns = 0;
  return m;
}

double SimStats::hbm_roofline_fraction() const {
  if (total_ns <= 0 || !target) return 0;
  return (double(hbm_bytes) / (cores * target->hbm_bytes_per_ns)) / total_ns;
}

double SimStats::achieved_gb_per_s() const { return total_ns > 0 ? double(dma_bytes) / total_ns : 0; }

} // namespace nk
