// The kernel writes its output: a kernel with no store to `out` (nor an
// instruction writing it) would compile and return whatever HBM held,
// zeros in the simulator, so it is a source error instead.
//
// Assumes: a module sema produced without errors (every HBM view is a
// `view` op over a tensor parameter or another view).
// Guarantees: one error, at the output's declaration, when no store and no
// instruction's output operand reaches the output tensor through views;
// returns whether the module passed.
#pragma once

#include "runtime/diagnostics.h"
#include "compiler/tir/tir.h"

namespace nk {

bool check_outputs_written(const tir::Module &m, DiagnosticEngine &diags);

} // namespace nk
