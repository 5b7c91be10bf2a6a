// Operand rules declared once, over an abstract operand shape that both the
// front end's tile types and the verifier's access patterns map to: the
// shape, dtype and memory rules of an instruction, the shape of the dst the
// front end infers when none is given, and the limits (cited in
// docs/isa.md) the hardware sets.
//
// Assumes: operands are indexed by the instruction's AP slots (isa.def);
// absent operands have present = false.
// Guarantees: the front end (sema_isa.cpp, with a source range per
// operand), the verifier (strictly) and the simulator's validation (for
// safety) call the same function, so they cannot disagree. Declared here:
// every NKI 2.26 instruction added since, and the older element-wise ones
// (tensor_copy, tensor_tensor, tensor_scalar, tensor_scalar_reduce,
// activation, affine_select, select). Not yet: dma_copy, nc_matmul,
// nc_transpose, tensor_reduce, iota, memset (has_operand_rules() is false;
// their rules are still in sema_isa.cpp, verifier.cpp and validate.cpp).
#pragma once

#include "runtime/isa.h"
#include "runtime/target.h"

#include <array>
#include <optional>
#include <string>

namespace nk {

struct OperandShape {
  bool present = false;
  Memory mem = Memory::none;
  Dtype dtype = Dtype::f32;
  int64_t partitions = 0;
  int64_t free_elements = 0;
};
using OperandShapes = std::array<OperandShape, kMaxAps>;

struct OperandProblem {
  unsigned ap; // the AP slot to point a diagnostic at
  std::string message;
};

// Whether `op`'s operand rules live here.
bool has_operand_rules(Opcode op);

// The first problem with the operands of `op`, or nullopt.
// `target` (when known) adds the rules that depend on the machine.
std::optional<OperandProblem> check_operand_rules(Opcode op, const OperandShapes &operands,
                                                  const std::array<AttrValue, kMaxAttrs> &attrs,
                                                  const Target *target = nullptr);
std::optional<OperandProblem> check_operand_rules(const Instruction &inst, const Target *target = nullptr);

// The dst the front end creates when none is given (partitions and free
// size; SBUF; dtype as documented), or nullopt when `op` has none here.
std::optional<OperandShape> inferred_dst(Opcode op, const OperandShapes &operands,
                                         const std::array<AttrValue, kMaxAttrs> &attrs);

// Documented limits (docs/isa.md cites them).
constexpr int64_t kBnStatsMaxFree = 512; // nki.language.tile_size.bn_stats_fmax
constexpr int64_t kMax8MinFree = 8;      // max8 / nc_find_index8: 8 ..
constexpr int64_t kMax8MaxFree = 16384;  //   .. 16,384 elements per partition

} // namespace nk
