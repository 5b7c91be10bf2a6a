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
// every instruction but sem_signal and sem_wait (which the compiler
// inserts). Not here: the rules every instruction shares (operands on chip
// unless on a DMA queue, GpSimd cannot reach PSUM, partition alignment, the
// engines of isa.def) and those about addresses, which the front end cannot
// know (bounds, a Tensor-engine write inside one PSUM bank): the verifier
// and the validation check those for every operand.
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
  int64_t partitions = 0;    // HBM: 1
  int64_t free_elements = 0; // elements per partition (HBM: all of them)
  // The free dims as the instruction walks them, outermost first (HBM:
  // every dim); none = one element per partition. Only tensor_reduce's axes
  // mask reads them; an inferred dst keeps them as its tile shape.
  uint8_t num_dims = 0;
  std::array<int64_t, kMaxHbmDims> dims{};
  // The first partition on chip, or -1 when not known (the front end's view
  // at a run-time partition; the verifier knows it). Only the rules that
  // relate two operands' starts read it (nc_stream_shuffle).
  int64_t start_partition = -1;
  // An HBM view at a run-time index (the front end's view; the lowering
  // turns it into src_index): the access is indirect.
  bool indirect = false;
};
using OperandShapes = std::array<OperandShape, kMaxAps>;

struct OperandProblem {
  unsigned ap; // the AP slot to point a diagnostic at
  std::string message;
  // Or, when the problem is an attribute's, its slot (and for a list
  // attribute the entry): the front end points there instead.
  int attr = -1;
  int entry = -1;
};

// Whether `op`'s operand rules live here: every instruction but sem_signal
// and sem_wait.
bool has_operand_rules(Opcode op);

// The first problem with the operands of `op`, or nullopt.
// `target` (when known) adds the rules that depend on the machine.
// `engine` is the engine the instruction runs on; absent (the front end,
// before the compiler chooses one), the operands must suit one of the op's
// engines (isa.def), and the problem reported is the first engine's (for
// nc_transpose, the Tensor engine's).
std::optional<OperandProblem> check_operand_rules(Opcode op, const OperandShapes &operands,
                                                  const std::array<AttrValue, kMaxAttrs> &attrs,
                                                  const Target *target = nullptr,
                                                  std::optional<Engine> engine = std::nullopt);
std::optional<OperandProblem> check_operand_rules(const Instruction &inst, const Target *target = nullptr,
                                                  std::optional<Engine> engine = std::nullopt);

// The operand shape of an access pattern, as check_operand_rules sees it.
OperandShape operand_shape(const AccessPattern &a);

// The dst the front end creates when none is given (partitions, free dims,
// memory and dtype as documented), or nullopt when `op` has none (dma_copy,
// iota, memset: dst is required). nc_transpose's is in PSUM unless `engine`
// is the Vector engine.
std::optional<OperandShape> inferred_dst(Opcode op, const OperandShapes &operands,
                                         const std::array<AttrValue, kMaxAttrs> &attrs,
                                         std::optional<Engine> engine = std::nullopt);

// Documented limits (docs/isa.md cites them).
constexpr int64_t kBnStatsMaxFree = 512; // nki.language.tile_size.bn_stats_fmax
constexpr int64_t kMax8MinFree = 8;      // max8 / nc_find_index8: 8 ..
constexpr int64_t kMax8MaxFree = 16384;  //   .. 16,384 elements per partition

} // namespace nk
