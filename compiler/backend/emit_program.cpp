// Pass: emit_program.
//
// Assumes: every instruction is placed, operands are absolute, semaphores
// are inserted.
// Guarantees: a runtime Program with one stream per used engine/queue (each
// stream keeps program order), the tensor table and debug files, which
// passes the runtime verifier for the target (a failure here is a compiler
// bug, reported with the verifier's messages).
#include "compiler/backend/passes.h"

#include "runtime/verifier.h"

namespace nk::lir {

llvm::Expected<nk::Program> emit_program(const Program &p, const Target &t) {
  nk::Program out;
  out.kernel = p.kernel;
  out.target = p.target;
  out.hbm_size = p.hbm_size;
  out.tensors = p.tensors;
  out.files = p.files;
  for (const Inst &in : p.insts) {
    if (!in.placed)
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "internal compiler error: an instruction has no stream");
    out.stream(in.stream).insts.push_back(in.inst);
  }
  if (llvm::Error e = verify_program(out, t))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "internal compiler error: the lowered program does not verify: %s",
                                   llvm::toString(std::move(e)).c_str());
  return out;
}

} // namespace nk::lir
