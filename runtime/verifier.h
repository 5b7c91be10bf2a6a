// The program verifier: rejects what the hardware would. Checks each
// instruction against the ISA table (engines, required operands) and the
// target (partitions, memory bounds, Tensor-engine limits, PSUM rules,
// partition start alignment), plus the program's tensor table. Every
// rejection names the stream, the instruction index and opcode, and what is
// wrong; all problems are reported (up to a limit), not just the first.
#pragma once

#include "runtime/program.h"
#include "runtime/target.h"

#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace nk {

// Problems found, one message each ("stream vector, #3 (tensor_tensor): ...").
std::vector<std::string> find_verifier_errors(const Program &p, const Target &t, size_t max_errors = 100);
// Of the engines in `candidates`, those on which `inst` passes every rule
// above (HBM bounds aside): where the compiler may place it. The single
// source of "GpSimd cannot touch PSUM", "a Tensor-engine transpose lands in
// PSUM", "a Vector-engine transpose is at most 32x32", and so on.
EngineMask legal_engines(const Instruction &inst, EngineMask candidates, const Target &t);

// The same as one llvm::Error (success when the program is valid).
llvm::Error verify_program(const Program &p, const Target &t);

} // namespace nk
