// Pass: unroll-loops (Tile IR -> Tile IR).
//
// Assumes: a verified module; loops have constant trip counts.
// Guarantees: no loop ops remain; every loop index is replaced by its
// constant value in view starts and iota bases (all Affines are constant);
// values defined inside a loop body get a fresh id per iteration, so the
// module stays SSA, and each iteration's tiles are distinct values (which is
// what lets later passes overlap iterations). Program order is the loops'
// sequential order, except that parallel loops' iterations are interleaved
// unless `interleave` is false. Linear in the size of the unrolled output.
#pragma once

#include "compiler/tir/tir.h"

namespace nk::tir {
// `interleave`: the iterations of a parallel loop are interleaved (round
// robin over their segments) so that several are in flight; false keeps
// every loop's sequential order (fewer tiles live at once).
void unroll_loops(Module &m, bool interleave = true);
}
