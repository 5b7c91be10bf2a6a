// How the simulator names instructions and operands in its messages and in
// the trace: "tensor[3] nc_matmul (attn.tile:12:5)". One place, so every
// error, warning and trace slice identifies an instruction the same way.
#pragma once

#include "runtime/program.h"

#include <string>

namespace nk {

// "file:line:col" when the instruction carries a valid location, else "".
std::string describe_loc(const Program &program, const DebugLoc &loc);
// "tensor[3] nc_matmul" plus " (file:line:col)" when known.
std::string describe_inst(const Program &program, unsigned stream, uint64_t index);
// The operands as the assembly writes them, e.g.
// "dst=psum:f32[0:64]+0[[1,8]] stationary=... accumulate=true".
std::string describe_operands(const Instruction &inst);

} // namespace nk
