// What an instruction costs on its engine, from the target's parameters.
// Used by the simulator (timing) and the compiler (engine assignment).
#pragma once

#include "runtime/target.h"

#include <vector>

namespace nk {

struct InstructionCost {
  // Cycles the engine is occupied (its throughput cost): the next
  // instruction of the same stream may start after this.
  double busy_cycles = 0;
  // Extra fixed latency (e.g. SBUF access) before the results are visible to
  // other engines; pipelined, so it does not occupy the engine.
  double latency_cycles = 0;
};

// Cost of a compute-engine instruction (not dma_copy: see dma_cost).
InstructionCost instruction_cost(const Target &t, Engine e, const Instruction &inst);

// The shared resources `inst` on engine `e` holds for its busy time, so that
// nothing else needing them overlaps it: NeuronCore-v2's SBUF port (Vector
// and GpSimd) and PSUM access (Vector and Scalar), when the target has them.
// The simulator enforces them; the compiler's scheduler plans with them.
struct SharedPorts {
  bool sbuf = false;
  bool psum = false;
};
SharedPorts shared_ports(const Target &t, Engine e, const Instruction &inst);

// What one dma_copy costs, before contention (the simulator shares each DMA
// engine between the transfers on it, and HBM between all that touch it).
// A transfer is served by the DMA engines its partitions map to
// (dma_partitions_per_engine each; HBM-to-HBM: rows of the first dim), each
// moving its partitions' bytes plus a fixed cost per descriptor (one
// contiguous run of bytes in one partition row).
struct DmaCost {
  double issue_ns = 0;   // the queue is occupied issuing it (descriptor generation)
  double latency_ns = 0; // fixed latency from issue (after issue_ns) to the first byte
  // Per DMA engine: the work it does for this transfer, in bytes at its full
  // rate (payload + descriptors x dma_descriptor_ns x engine rate), and the
  // payload bytes themselves.
  std::vector<double> engine_work;  // size t.dma_engines
  std::vector<double> engine_bytes; // size t.dma_engines
  // The transfer's own peak rate (payload bytes per ns with no contention).
  double peak_bytes_per_ns(const Target &t) const;
};
DmaCost dma_cost(const Target &t, const Instruction &inst);

} // namespace nk
