// The back-end passes over LIR, one file each; compiler/pipeline.cpp runs them
// in order. Each pass's file header says what it assumes and guarantees.
#pragma once

#include "compiler/lir/lir.h"
#include "runtime/target.h"

#include "llvm/Support/Error.h"

namespace nk::lir {

// Deletes memsets whose values are never read; the first accumulating
// matmuls into a deleted zero memset overwrite instead.
void elide_memsets(Program &p);
// Places every compute instruction on one of its allowed engines and
// reorders the program by a cost-model list schedule.
void schedule(Program &p, const Target &t);
// Places every dma_copy on a DMA queue.
void assign_dma_queues(Program &p, const Target &t);
// Gives every buffer an address; rewrites operands to absolute addresses.
llvm::Error allocate_memory(Program &p, const Target &t);
// Inserts sem_signal / sem_wait for every cross-stream dependency.
llvm::Error insert_semaphores(Program &p, const Target &t);
// Builds the runtime Program (per-stream instruction lists) and verifies it;
// consumes the LIR (instructions are moved, not copied).
llvm::Expected<nk::Program> emit_program(Program &&p, const Target &t);

} // namespace nk::lir
