// Pass: unroll-loops (Tile IR -> Tile IR).
//
// Assumes: a verified module; loops have constant trip counts.
// Guarantees: no loop ops remain; every loop index is replaced by its
// constant value in view starts and iota bases (all Affines are constant);
// values defined inside a loop body get a fresh id per iteration, so the
// module stays SSA, and each iteration's tiles are distinct values (which is
// what lets later passes overlap iterations). Program order is the loops'
// sequential order, except that parallel loops' iterations are interleaved
// unless `interleave` is false. Linear in the size of the unrolled output;
// loops whose bodies unroll to nothing cost nothing, whatever their trip
// count. A module that unrolls to more than kMaxUnrolledOps ops is refused
// with an error, before anything is allocated, and left unchanged.
#pragma once

#include "compiler/tir/tir.h"

#include "llvm/Support/Error.h"

namespace nk::tir {
// `interleave`: the iterations of a parallel loop are interleaved (round
// robin over their segments) so that several are in flight; false keeps
// every loop's sequential order (fewer tiles live at once).
llvm::Error unroll_loops(Module &m, bool interleave = true);
} // namespace nk::tir
