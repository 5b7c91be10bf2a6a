// What an instruction costs on its engine, from the target's parameters.
// Used by the simulator (timing) and the compiler (engine assignment).
#pragma once

#include "runtime/target.h"

namespace nk {

struct InstructionCost {
  // Cycles the engine is occupied (its throughput cost): the next
  // instruction of the same stream may start after this.
  double busy_cycles = 0;
  // Extra fixed latency (e.g. SBUF access) before the results are visible to
  // other engines; pipelined, so it does not occupy the engine.
  double latency_cycles = 0;
};

// Cost of a compute-engine instruction (not dma_copy: see dma_transfer_ns).
InstructionCost instruction_cost(const Target &t, Engine e, const Instruction &inst);

// Time for one dma_copy moving `bytes`, spread over the DMA engines its
// partitions map to, ignoring contention (the simulator shares HBM bandwidth
// between concurrent transfers on top of this).
struct DmaCost {
  double latency_ns;      // fixed latency before bytes flow
  double bytes_per_ns;    // the transfer's own peak rate
};
DmaCost dma_cost(const Target &t, const Instruction &inst);

} // namespace nk
