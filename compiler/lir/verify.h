// The LIR verifier: the invariants lir.h states, checked between passes
// (nkc --verify-each; ctest turns it on for every test through the
// NK_VERIFY_EACH environment variable).
//
// Assumes: nothing (any lir::Program may be checked).
// Guarantees: returns "" when `p` holds every invariant of the stage it is
// at, else the first problem, naming the instruction. Always: valid
// opcodes; a non-empty engine set allowed by the ISA table; required
// operands present; each on-chip operand names a buffer of its memory and
// stays inside it (buffer-relative before allocation, absolute after);
// buffers are in SBUF or PSUM and their names are distinct (the text form
// names them).
// `placed`: every instruction is on a stream of an engine it may use (DMA
// queues exist on the target). `allocated`: every buffer an operand uses
// has an address and fits the memory.
#pragma once

#include "compiler/lir/lir.h"
#include "runtime/target.h"

#include <string>

namespace nk::lir {

struct VerifyStage {
  bool compute_placed = false; // after schedule
  bool dma_placed = false;     // after assign-dma-queues
  bool allocated = false;      // after allocate-memory
};

std::string verify_program(const Program &p, const Target &t, VerifyStage stage);

// The same, saying where: the instruction (index) or buffer the problem is
// about (SIZE_MAX / kNoBuffer when neither). An empty message: no problem.
struct VerifyProblem {
  std::string message;
  size_t inst = SIZE_MAX;
  BufferId buffer = kNoBuffer;
};
VerifyProblem find_problem(const Program &p, const Target &t, VerifyStage stage);

// The stage a program shows it has reached: compute (DMA) instructions
// placed when every one is; allocated when some buffer has an address.
VerifyStage reached_stage(const Program &p);

} // namespace nk::lir
