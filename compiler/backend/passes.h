// The back-end passes over LIR, one file each; compiler/pipeline.cpp runs them
// in order. Each pass's file header says what it assumes and guarantees.
#pragma once

#include "compiler/lir/lir.h"
#include "runtime/target.h"

#include "llvm/Support/Error.h"

namespace nk::lir {

// Deletes tensor_copies that move a result into part of another buffer;
// the instruction that produced it writes there instead.
void forward_copies(Program &p, const Target &t);
// Deletes memsets whose values are never read; the first accumulating
// matmuls into a deleted zero memset overwrite instead.
void elide_memsets(Program &p);
// Places every compute instruction on one of its allowed engines and
// reorders the program by a cost-model list schedule.
// `window`: how many instructions (in the original order) past the oldest
// unscheduled one may be hoisted; 1 keeps the original order.
constexpr size_t kDefaultScheduleWindow = 512;
// An instruction no engine may run is an internal compiler error naming its
// source location (the front end checks the rules engine choice depends on).
llvm::Error schedule(Program &p, const Target &t, size_t window = kDefaultScheduleWindow);
// (The dependency DAG schedule() orders by is compute_dependences,
// compiler/backend/dependences.h.)
// Places every dma_copy on a DMA queue.
void assign_dma_queues(Program &p, const Target &t);
// Gives every buffer an address; rewrites operands to absolute addresses.
// Running out of SBUF or PSUM is an OutOfMemoryError (the pipeline then
// retries with a schedule that keeps fewer tiles live).
llvm::Error allocate_memory(Program &p, const Target &t);
class OutOfMemoryError : public llvm::ErrorInfo<OutOfMemoryError> {
public:
  static char ID;
  explicit OutOfMemoryError(std::string msg) : msg_(std::move(msg)) {}
  void log(llvm::raw_ostream &os) const override { os << msg_; }
  std::error_code convertToErrorCode() const override { return llvm::inconvertibleErrorCode(); }

private:
  std::string msg_;
};
// Inserts sem_signal / sem_wait for every cross-stream dependency.
llvm::Error insert_semaphores(Program &p, const Target &t);
// Builds the runtime Program (per-stream instruction lists) and verifies it;
// consumes the LIR (instructions are moved, not copied). A Program the
// runtime verifier rejects is an UnverifiedProgramError.
llvm::Expected<nk::Program> emit_program(Program &&p, const Target &t);
// The runtime verifier rejected the Program emit_program built. From a
// kernel's own LIR that is a compiler bug (the pipeline reports an internal
// compiler error); from a .lir file it is the file's fault (nkc reports it
// against the file).
class UnverifiedProgramError : public llvm::ErrorInfo<UnverifiedProgramError> {
public:
  static char ID;
  explicit UnverifiedProgramError(std::string verifier_message) : verifier_message_(std::move(verifier_message)) {}
  const std::string &verifier_message() const { return verifier_message_; }
  void log(llvm::raw_ostream &os) const override { os << "the program does not verify: " << verifier_message_; }
  std::error_code convertToErrorCode() const override { return llvm::inconvertibleErrorCode(); }

private:
  std::string verifier_message_;
};

} // namespace nk::lir
