// Pass: assign_dma_queues.
//
// Assumes: DMA instructions (dma_copy) are not yet placed.
// Guarantees: every dma_copy is on one of the target's DMA queues.
//
// How: loads and stores take turns over all queues (round robin, loads and
// stores counted separately so a store never queues behind a long run of
// loads). Each queue is an in-order stream; spreading transfers lets their
// fixed latencies overlap and lets a queue blocked on a semaphore (waiting to
// reuse a buffer) hold up only its own transfers.
#include "compiler/backend/passes.h"

namespace nk::lir {

void assign_dma_queues(Program &p, const Target &t) {
  unsigned queues = std::max(1u, t.dma_queues);
  // Stores use the queues from the top down, loads from the bottom up.
  unsigned next_load = 0, next_store = 0;
  for (Inst &in : p.insts) {
    if (in.inst.op != Opcode::dma_copy || in.placed) continue;
    bool store = in.inst.ap[ap::dma_copy::dst].mem == Memory::hbm;
    unsigned q = store ? queues - 1 - (next_store++ % queues) : (next_load++ % queues);
    in.stream = StreamId{Engine::dma, uint8_t(q)};
    in.placed = true;
  }
}

} // namespace nk::lir
