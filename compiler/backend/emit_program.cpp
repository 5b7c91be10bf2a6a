// Pass: emit_program.
//
// Assumes: every instruction is placed, operands are absolute, semaphores
// are inserted.
// Guarantees: a runtime Program with one stream per used engine/queue (each
// stream keeps program order), the tensor table and debug files, which
// passes the runtime verifier for the target; else an UnverifiedProgramError
// with the verifier's messages (a compiler bug when the LIR came from a
// kernel, the input's fault when it came from a .lir file). A program with a
// core_barrier is one core's part of a two-core program (.cores 2).
#include "compiler/backend/passes.h"

#include "runtime/verifier.h"

#include <map>

namespace nk::lir {

char UnverifiedProgramError::ID = 0;

llvm::Expected<nk::Program> emit_program(Program &&p, const Target &t) {
  nk::Program out;
  out.kernel = p.kernel;
  out.target = p.target;
  out.hbm_size = p.hbm_size;
  out.tensors = std::move(p.tensors);
  out.files = std::move(p.files);
  // Size every stream first: instructions are large, and growing vectors
  // would copy them over and over.
  std::map<StreamId, size_t> sizes;
  for (const Inst &in : p.insts) ++sizes[in.stream];
  for (auto &[id, n] : sizes) out.stream(id).insts.reserve(n);
  for (Inst &in : p.insts) {
    if (!in.placed)
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "internal compiler error: an instruction has no stream");
    out.stream(in.stream).insts.push_back(in.inst);
    // A core_barrier makes this one core's part of a two-core program
    // (compile_per_core merges the parts; the verifier holds core_barrier
    // to two-core programs).
    if (in.inst.op == Opcode::core_barrier) out.cores = 2;
  }
  if (llvm::Error e = verify_program(out, t))
    return llvm::make_error<UnverifiedProgramError>(llvm::toString(std::move(e)));
  return out;
}

} // namespace nk::lir
