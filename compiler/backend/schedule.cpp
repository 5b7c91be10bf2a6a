// Pass: schedule.
//
// Assumes: LIR in a valid sequential program order; on-chip operands name
// virtual buffers (before allocate_memory); `engines` says where each
// instruction may run.
// Guarantees: every compute instruction is placed on one of its allowed
// engines on which the verifier accepts it (runtime/verifier.h:
// legal_engines), as itself or as one of its equivalent forms
// (equivalent_forms.h; `engines` then says where the form may run), and the
// instructions are
// reordered into an order that respects every dependency of the original
// order (RAW, WAR, WAW on the same buffer or overlapping HBM bytes; and
// among the users of one engine's accumulator registers), so the program
// still computes the same values.
//
// How: list scheduling against the target's cost model. The dependency DAG
// is compute_dependences (dependences.h: per buffer and per HBM byte run,
// last writer and readers since). Time is
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
//
// Equivalent forms (equivalent_forms.h): an instruction may also run as
// another instruction computing the same values, on an engine it may use
// (`engines`) where the verifier refuses its own form; e.g. a tensor_scalar
// multiply as a Scalar-engine activation where the target's Scalar engine
// runs no tensor_scalar multiply. Each form's engines are weighed like the
// original's (ties keep the original), and the chosen form replaces the
// instruction. A form that turns a -0.0 result into +0.0 is not used for an
// instruction whose result a dma_copy reads (stores), so a value stored as
// computed keeps its sign of zero.
// The window does not bound SBUF use by itself: the pipeline re-schedules
// with narrower windows when the allocator runs out (pipeline.cpp).
#include "compiler/backend/dependences.h"
#include "compiler/backend/equivalent_forms.h"
#include "compiler/backend/passes.h"

#include "runtime/cost_model.h"
#include "runtime/verifier.h"

#include "llvm/ADT/DenseMap.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <queue>
#include <vector>

namespace nk::lir {

llvm::Error schedule(Program &p, const Target &t, size_t window) {
  const size_t kWindow = std::max<size_t>(1, window);
  const size_t n = p.insts.size();
  if (n == 0) return llvm::Error::success();
  std::vector<std::vector<uint32_t>> succs(n);
  std::vector<uint32_t> indeg(n, 0);
  {
    const Dependences deps = compute_dependences(p);
    for (uint32_t i = 0; i < n; ++i)
      for (uint32_t pr : deps.preds(i)) {
        succs[pr].push_back(i);
        ++indeg[i];
      }
  }

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
  // Other forms, for the engines an instruction may use but its own form
  // may not; only where there are some.
  struct Alternative {
    EquivalentForm form;
    EngineMask legal;
  };
  llvm::DenseMap<uint32_t, llvm::SmallVector<Alternative, 1>> alternatives;
  {
    std::vector<bool> stored(p.buffers.size(), false); // read by a dma_copy
    for (const Inst &in : p.insts)
      if (in.inst.op == Opcode::dma_copy && in.buffer[ap::dma_copy::src] != kNoBuffer)
        stored[in.buffer[ap::dma_copy::src]] = true;
    auto result_stored = [&](const Inst &in) {
      for (unsigned k = 0; k < kMaxAps; ++k)
        if (in.inst.ap[k].present() && operand_writes(in.inst, k) &&
            (in.buffer[k] == kNoBuffer || stored[in.buffer[k]]))
          return true;
      return false;
    };
    for (uint32_t i = 0; i < n; ++i) {
      const Inst &in = p.insts[i];
      const EngineMask others = EngineMask(in.engines & ~legal[i]);
      if (in.engines == engine_bit(Engine::dma) || !others) continue;
      for (const EquivalentForm &f : equivalent_forms(in.inst)) {
        if (f.zero_to_positive && result_stored(in)) continue;
        const EngineMask ok = legal_engines(f.inst, EngineMask(others & op_info(f.inst.op).engines), t);
        if (ok) alternatives[i].push_back({f, ok});
      }
    }
  }
  const double sem_ns = t.cycles_to_ns(Engine::vector, 2.0 * t.semaphore_cycles);

  // trn1's shared SBUF port (Vector/GpSimd) and PSUM access (Vector/Scalar),
  // as the simulator models them (shared_ports): free from these times.
  double sbuf_port_free = 0, psum_port_free = 0;

  // Earliest start of i over its allowed engines and forms; sets *engine
  // and *form (-1: its own form, else an index into alternatives[i]).
  auto plan = [&](uint32_t i, Engine *engine, int *form) {
    const Inst &in = p.insts[i];
    *form = -1;
    if (in.engines == engine_bit(Engine::dma)) {
      *engine = Engine::dma;
      return ready_at[i];
    }
    double best = -1, best_finish = 0;
    auto weigh = [&](const Instruction &inst, EngineMask legal_here, int form_index) {
      for (unsigned e = 0; e < kNumEngines; ++e) {
        Engine eng = Engine(e);
        if (eng == Engine::dma || !(legal_here & engine_bit(eng))) continue;
        double s = std::max(ready_at[i], engine_free[e]);
        const SharedPorts ports = shared_ports(t, eng, inst);
        if (ports.sbuf) s = std::max(s, sbuf_port_free);
        if (ports.psum) s = std::max(s, psum_port_free);
        double f = s + t.cycles_to_ns(eng, instruction_cost(t, eng, inst).busy_cycles);
        if (best < 0 || s < best || (s == best && f < best_finish)) {
          best = s;
          best_finish = f;
          *engine = eng;
          *form = form_index;
        }
      }
    };
    weigh(in.inst, legal[i], -1);
    if (auto it = alternatives.find(i); it != alternatives.end())
      for (size_t k = 0; k < it->second.size(); ++k) weigh(it->second[k].form.inst, it->second[k].legal, int(k));
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
    int form;
    ready.push({plan(i, &e, &form), i});
  };
  for (uint32_t i = 0; i < n; ++i)
    if (indeg[i] == 0) make_ready(i);

  std::vector<uint32_t> order;
  order.reserve(n);
  while (!ready.empty()) {
    auto [key, i] = ready.top();
    ready.pop();
    Engine e;
    int form;
    double s = plan(i, &e, &form);
    if (s > key + 1e-9) { // stale: re-queue with the current estimate
      ready.push({s, i});
      continue;
    }
    Inst &in = p.insts[i];
    if (form >= 0) {
      const Alternative &alt = alternatives.find(i)->second[size_t(form)];
      adopt_form(in, alt.form, alt.legal);
    }
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
      int hform;
      ready.push({plan(h, &he, &hform), h});
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
