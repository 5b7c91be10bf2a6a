// Fusion planning for legalize: which Tile IR ops are not lowered on their
// own because another op's instructions compute them, decided once, before
// any instruction is emitted.
//
// Assumes: a flat module (unroll-loops ran) that passed sema.
// Guarantees: every fusion legalize performs is listed here, and each op is
// claimed by at most one fusion (an op folded into one consumer is never
// folded into another too):
// - in-place assigns: `assign var, v` where v's producer can write the var
//   directly (write_into[v] = var; the assign is skipped);
// - matmul evacuation scales: `matmul(...) * imm` or `/ imm`, the product's
//   only use, is applied by the copy out of PSUM (evacuation_scale[matmul]
//   = the multiply; the multiply is skipped);
// - activation bias and scale: an activation whose argument is `x - m`
//   (m [P|1]) or `x * imm`, used nowhere else and not claimed above, takes
//   it as bias = -m or scale = imm (the producer is in `folded`, skipped);
// - activation reduces: the first later `sum(act, axis 1)` of a 2-D
//   activation result becomes the activation's reduce_dst
//   (activation_reduce[act] = the sum; the sum is skipped).
// Planning in that order, in program order, makes the choice deterministic.
#pragma once

#include "compiler/tir/tir.h"

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace nk {

struct FusionPlan {
  std::vector<uint32_t> uses;                                // by ValueId: reads by operands and aps
  std::vector<size_t> def_index;                             // ValueId -> its op's index, SIZE_MAX if none
  std::unordered_set<size_t> skip;                           // ops another op's lowering computes
  std::unordered_map<tir::ValueId, tir::ValueId> write_into; // value -> var it is computed into
  std::unordered_map<size_t, size_t> evacuation_scale;       // matmul -> the multiply/divide it applies
  std::unordered_set<size_t> folded;                         // producers folded into their activation
  std::unordered_map<size_t, size_t> activation_reduce;      // activation -> the sum it computes
};

FusionPlan plan_fusions(const tir::Module &m);

} // namespace nk
