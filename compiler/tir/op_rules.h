// The per-op rules of the Tile IR, declared once for the two places that
// apply them: sema (which reports a problem at the source range of the
// operand at fault) and the Tile IR verifier (which reports it at the op's
// line of a .tir file). Each function says what an op's operands allow and
// what its result is; the messages are sema's.
//
// Assumes: operand types are well formed (the verifier checks structure
// first). Guarantees: a module sema produced passes every rule here (the
// verifier re-checks it with --verify-each); a hand-written module that
// breaks one is refused with the same words sema uses, not later in the
// lowering. Instruction (isa.*) operand rules are runtime/operand_rules.h's;
// isa_operand_problem below adds the rules every instruction shares
// (GpSimd and PSUM, partition alignment, ALU ops, a new dst's size).
#pragma once

#include "compiler/tir/tir.h"
#include "runtime/operand_rules.h"
#include "runtime/target.h"

#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace nk::tir {

// A problem with one operand of an op: `operand` is its index (-1: the op
// as a whole, e.g. two operands that disagree).
struct RuleProblem {
  std::string message;
  int operand = -1;
};

// A tile type's dims, partitions, free dims and bytes per partition against
// the target (SBUF capacity, PSUM bank).
std::optional<std::string> tile_type_problem(const Type &t, const Target &target);
// An HBM access's number of dims.
std::optional<std::string> hbm_dims_problem(const Type &t);
// Elementwise broadcasting: same partitions, right-aligned free dims equal
// or 1. `out` gets the result shape.
std::optional<std::string> broadcast_problem(const Type &a, const Type &b, std::vector<int64_t> &out);
// store(dst, src): shapes equal, or equal once dims of size 1 are dropped.
bool store_shapes_match(const Type &dst, const Type &src);
// matmul(x, y, transpose_x): 2-D float tiles, contraction sizes equal, the
// Tensor engine's limits; `result` gets sbuf f32 [M | N]. operand 0 = x,
// 1 = y, -1 = the contraction mismatch (both).
std::optional<RuleProblem> matmul_problem(const Type &x, const Type &y, bool transpose_x, const Target &target,
                                          Type &result);
// transpose(x): a 2-D tile whose free size fits the partition axis.
std::optional<std::string> transpose_problem(const Type &x, const Target &target, Type &result);
// The ALU ops of the elementwise ops (binary, binary_imm: operators and
// named functions) and of reductions (max, min, sum).
bool is_elementwise_alu(AluOp a);

// [lo, hi] of an affine index over every iteration of its loops (`trips`:
// a loop index's trip count; an index not in it counts as 0). Saturating:
// an overflow shows up as an out-of-bounds range.
std::pair<int64_t, int64_t> affine_range(const Affine &a, const std::unordered_map<ValueId, int64_t> &trips);
bool is_reduce_alu(AluOp a);

// One access-pattern field of an isa op, as its rules see it.
struct IsaOperand {
  bool present = false;
  Type type;
  // A view of a tile: its partition dim's start and count (a whole tile or
  // a new dst starts at partition 0).
  bool tile_view = false;
  Affine start;
  int64_t count = 0;
  bool indirect = false; // an HBM view at a run-time index
};
using IsaOperands = std::array<IsaOperand, kMaxAps>;

// The engine the rules assume: the one given, or the op's only engine.
std::optional<Engine> isa_rule_engine(Opcode op, std::optional<Engine> given);
// The operand shapes check_operand_rules and inferred_dst read.
OperandShapes isa_operand_shapes(Opcode op, const IsaOperands &operands);
// After the fields are bound (operands[0] is the dst, given or new):
// GpSimd cannot reach PSUM; compute-engine accesses start at an aligned
// partition; the instruction's operand rules; its ALU-op rules; a new dst
// fits the target. The problem's ap (-1 when none) and attr/entry point at
// the field to blame; the message is complete ("isa.NAME: ...").
std::optional<OperandProblem> isa_operand_problem(Opcode op, std::optional<Engine> engine, const IsaOperands &operands,
                                                  const std::array<AttrValue, kMaxAttrs> &attrs, bool new_dst,
                                                  const Target &target);

} // namespace nk::tir
