// Pass: assign_engines.
//
// Assumes: LIR in program order; instructions' `engines` masks list where
// they may run; DMA instructions (engines == dma) are left to
// assign_dma_queues.
// Guarantees: every non-DMA instruction is placed on exactly one engine from
// its mask that can legally run it (GpSimd is never given a PSUM operand).
//
// How: a list-scheduling estimate. Walking in program order, each engine has
// an estimated time at which it becomes free, and each buffer the time its
// last write completes (from the target's cost model). An instruction with a
// choice goes to the engine on which it would *finish* first, so flexible
// work (copies, tensor_scalar, memsets) drains to whichever engine is idle
// instead of piling onto a fixed one. Dependencies are tracked per buffer,
// which is what the estimate needs; exact synchronisation is done later.
#include "compiler/backend/passes.h"

#include "runtime/cost_model.h"

#include <algorithm>
#include <vector>

namespace nk::lir {

namespace {

bool touches_psum(const Instruction &inst) {
  const OpInfo &info = op_info(inst.op);
  for (unsigned i = 0; i < info.num_aps; ++i)
    if (inst.ap[i].mem == Memory::psum) return true;
  return false;
}

double dma_estimate_ns(const Target &t, const Instruction &inst) {
  DmaCost c = dma_cost(t, inst);
  const AccessPattern &src = inst.ap[ap::dma_copy::src];
  double bytes = double(src.num_elements()) * dtype_size(src.dtype);
  return c.latency_ns + bytes / std::min(c.bytes_per_ns, t.hbm_bytes_per_ns);
}

} // namespace

void assign_engines(Program &p, const Target &t) {
  double engine_free[kNumEngines] = {};
  double dma_free = 0;  // all queues together, roughly: bandwidth is shared
  std::vector<double> buffer_ready(p.buffers.size(), 0.0);

  for (Inst &in : p.insts) {
    const OpInfo &info = op_info(in.inst.op);
    double ready = 0;
    for (unsigned i = 0; i < info.num_aps; ++i)
      if (in.buffer[i] != kNoBuffer) ready = std::max(ready, buffer_ready[in.buffer[i]]);

    double finish = 0;
    if (in.engines == engine_bit(Engine::dma)) {
      double start = std::max(ready, dma_free);
      double dur = dma_estimate_ns(t, in.inst);
      // Transfers overlap their fixed latency; only the data phase serialises.
      dma_free = start + (dur - t.dma_fixed_latency_ns);
      finish = start + dur;
    } else {
      bool psum = touches_psum(in.inst);
      Engine best = Engine::vector;
      double best_finish = -1;
      for (unsigned e = 0; e < kNumEngines; ++e) {
        Engine eng = Engine(e);
        if (eng == Engine::dma || !(in.engines & engine_bit(eng))) continue;
        if (eng == Engine::gpsimd && psum) continue;
        InstructionCost c = instruction_cost(t, eng, in.inst);
        double start = std::max(ready, engine_free[e]);
        double f = start + t.cycles_to_ns(eng, c.busy_cycles);
        if (best_finish < 0 || f < best_finish) {
          best_finish = f;
          best = eng;
        }
      }
      if (best_finish < 0) best = Engine::vector;  // legalisation bug; the verifier will say so
      InstructionCost c = instruction_cost(t, best, in.inst);
      double start = std::max(ready, engine_free[unsigned(best)]);
      engine_free[unsigned(best)] = start + t.cycles_to_ns(best, c.busy_cycles);
      finish = engine_free[unsigned(best)] + t.cycles_to_ns(best, c.latency_cycles);
      in.stream = StreamId{best, 0};
      in.placed = true;
    }
    for (unsigned i = 0; i < info.num_aps; ++i)
      if (in.buffer[i] != kNoBuffer && info.aps[i].role == FieldRole::Out)
        buffer_ready[in.buffer[i]] = std::max(buffer_ready[in.buffer[i]], finish);
  }
}

} // namespace nk::lir
