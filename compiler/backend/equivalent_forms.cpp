#include "compiler/backend/equivalent_forms.h"

#include <cassert>
#include <cmath>
#include <optional>

namespace nk::lir {

namespace {

// tensor_scalar(op0=multiply[, op1=add with a scalar1 tile]) as
// activation(identity, scale=imm0 or scale_tile=scalar0[, bias=scalar1]).
// The simulator computes both in fp32 from the same converted inputs
// (simulator/semantics.cpp): tensor_scalar rounds src*s0, then t+s1;
// activation rounds src*scale, then + bias (+0.0 when absent), then
// identity, so:
// - multiply alone: equal except that a -0.0 product plus the +0.0 bias is
//   +0.0 (zero_to_positive);
// - multiply then add of a scalar1 tile: the same two roundings, the same
//   operands in the same order, so equal bit for bit, -0.0 included. An
//   immediate addend has no activation form (bias is a tile only).
// Operand order: x*s and s*x are the same value for every s that is not a
// NaN (one NaN operand propagates itself), so reverse0 is accepted with a
// non-NaN immediate; a tile could hold a NaN whose payload would then
// depend on the order, so reverse0/reverse1 with a tile are not.
std::optional<EquivalentForm> multiply_as_activation(const Instruction &in) {
  using T = ap::tensor_scalar;
  using TA = attr::tensor_scalar;
  using A = ap::activation;
  if (in.get_alu(TA::op0) != AluOp::multiply) return std::nullopt;
  const bool tile_scale = in.ap[T::scalar0].present();
  if (in.get_bool(TA::reverse0) && (tile_scale || std::isnan(in.get_float(TA::imm0)))) return std::nullopt;
  const AluOp op1 = in.get_alu(TA::op1);
  const bool bias = op1 == AluOp::add && in.ap[T::scalar1].present() && !in.get_bool(TA::reverse1);
  if (op1 != AluOp::bypass && !bias) return std::nullopt;

  EquivalentForm f{Instruction::make(Opcode::activation), {}, !bias};
  f.from_slot.fill(-1);
  f.inst.loc = in.loc;
  f.inst.attr[attr::activation::func].i = int64_t(ActFunc::identity);
  auto take = [&](unsigned to, unsigned from) {
    f.inst.ap[to] = in.ap[from];
    f.from_slot[to] = int8_t(from);
  };
  take(A::dst, T::dst);
  take(A::src, T::src);
  if (tile_scale)
    take(A::scale_tile, T::scalar0);
  else
    f.inst.set_float(attr::activation::scale, in.get_float(TA::imm0));
  if (bias) take(A::bias, T::scalar1);
  assert(accumulator_use(f.inst).bank == AccumulatorBank::none && "reduce_cmd idle, no reduce_dst");
  return f;
}

// The table: per opcode, the rules that give it another form.
struct Rule {
  Opcode from;
  std::optional<EquivalentForm> (*rewrite)(const Instruction &);
};
constexpr Rule kRules[] = {
    {Opcode::tensor_scalar, multiply_as_activation},
};

} // namespace

llvm::SmallVector<EquivalentForm, 1> equivalent_forms(const Instruction &inst) {
  llvm::SmallVector<EquivalentForm, 1> forms;
  for (const Rule &r : kRules)
    if (r.from == inst.op)
      if (std::optional<EquivalentForm> f = r.rewrite(inst)) forms.push_back(*f);
  return forms;
}

void adopt_form(Inst &in, const EquivalentForm &form, EngineMask engines) {
  std::array<BufferId, kMaxAps> buffer;
  for (unsigned k = 0; k < kMaxAps; ++k) buffer[k] = form.from_slot[k] < 0 ? kNoBuffer : in.buffer[form.from_slot[k]];
  in.inst = form.inst;
  in.buffer = buffer;
  in.engines = engines;
}

} // namespace nk::lir
