// The simulator's own safety checks, run before any instruction executes.
//
// Assumes nothing: the Program may come from a corrupt file or a buggy
// compiler, and the lead's verifier may or may not have run.
// Guarantees, when it returns success: every stream is a known engine or a
// DMA queue the target has; every opcode, enum attribute, dtype and memory
// is in range; every access pattern lies inside its memory (SBUF/PSUM: its
// partitions exist and each row stays inside its partition; HBM: inside the
// image); operand shapes agree as each opcode's semantics need, and sizes
// fit the simulator's scratch buffers. The executor relies on all of it and
// does no checks of its own, so nothing can touch host memory outside the
// simulated memories.
#pragma once

#include "runtime/program.h"
#include "runtime/target.h"

#include "llvm/Support/Error.h"

namespace nk {

// Largest free size of one partition row (elements) and of a whole DMA
// transfer the simulator accepts: bounds on its scratch buffers.
constexpr uint64_t kMaxRowElements = uint64_t(1) << 20;
constexpr uint64_t kMaxDmaElements = uint64_t(1) << 26;

llvm::Error validate_for_simulation(const Program &program, const Target &target, uint64_t hbm_bytes);

} // namespace nk
