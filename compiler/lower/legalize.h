// Pass: legalize (flat Tile IR -> LIR).
//
// Assumes: unroll-loops ran (no loops; all view starts constant); the module
// passed sema and the TIR verifier.
// Guarantees: an LIR program computing the same values in the same program
// order, using only ISA instructions with engines masks saying where each
// may run; no dma_copy touches PSUM (an operand at a PSUM view compute
// engines cannot start at is an error: nothing could realign it). Every
// tile value becomes its own virtual buffer (aliasing is left to
// allocate_memory). HBM tensors are laid out inputs first, then `out`, each
// 64-byte aligned. Instructions carry the op's source location.
//
// Lowerings (high-level op -> instructions):
//   load/store       -> dma_copy with the view's access pattern (a PSUM
//                       tile through an SBUF tensor_copy: no DMA reaches PSUM)
//   isa.dma_transpose from SBUF (a dma_copy from a permuted tile view)
//                    -> one dma_copy per source partition (row p to
//                       column p of dst)
//   matmul           -> nc_matmul into PSUM (moving split in 512-column
//                       chunks), evacuated to SBUF by a copy; a following
//                       `* imm` or `/ imm` is fused into that copy
//   transpose        -> nc_transpose into PSUM + copy to SBUF
//   a op b           -> tensor_tensor; a [P|1] operand -> tensor_scalar
//   a op imm         -> tensor_scalar with an immediate
//   exp(x - m), m [P|1]  -> activation with bias = -m (the subtraction fused)
//   exp(x * c)           -> activation with scale = c
//   sum(act(x)) (innermost axis, keepdims) -> the activation's reduce_dst
//   reductions       -> tensor_reduce; full -> memset; iota -> iota
//   where            -> select
//   var init / assign -> the producing op writes the var directly when that
//                       is safe, else tensor_copy
// Every fusion above is planned first (fusion_plan.h: each op folded into at
// most one other); lowering then emits the plan's instructions.
#pragma once

#include "compiler/lir/lir.h"
#include "compiler/tir/tir.h"
#include "runtime/target.h"

#include "llvm/Support/Error.h"

namespace nk {
llvm::Expected<lir::Program> legalize(const tir::Module &m, const Target &t);
}
