// Equivalent forms: another instruction that computes what an instruction
// computes, for the engines on which the instruction's own form is refused.
//
// The schedule pass picks an engine per instruction among the ones the
// verifier accepts (runtime/verifier.h: legal_engines). A few computations
// have a second spelling that some engine accepts where the first is
// refused: NKI 2.26 runs no tensor_scalar multiply on NeuronCore-v2's Scalar
// engine (runtime/operand_rules.cpp), but that engine's activation computes
// func(src * scale + bias), so identity with scale = the multiplier is the
// same multiply. This file is the one table of such forms; the scheduler
// weighs each form's engines like any other engine choice.
//
// Assumes: `inst` obeys its operand rules on some engine.
// Guarantees: each form reads only operands the original reads, writes only
// the bytes the original writes, uses no accumulator register, and writes the
// same values bit for bit, except that a form with `zero_to_positive` writes
// +0.0 where the original writes -0.0 (it adds a +0.0 bias). Whether a form
// is legal on an engine is left to legal_engines: the table says what is
// equal, the operand rules say what runs where.
#pragma once

#include "compiler/lir/lir.h"

#include "llvm/ADT/SmallVector.h"

#include <array>
#include <cstdint>

namespace nk::lir {

struct EquivalentForm {
  Instruction inst;
  // For each AP slot of `inst`, the slot of the original instruction whose
  // operand (and LIR buffer) it is; -1 when absent.
  std::array<int8_t, kMaxAps> from_slot;
  // A -0.0 result of the original is +0.0 in this form.
  bool zero_to_positive = false;
};

// The other forms of `inst`, none for most instructions.
llvm::SmallVector<EquivalentForm, 1> equivalent_forms(const Instruction &inst);

// `in` rewritten to `form` (one of equivalent_forms(in.inst)): its
// instruction, its operands' buffers, and `engines`, the engines it may now
// run on.
void adopt_form(Inst &in, const EquivalentForm &form, EngineMask engines);

} // namespace nk::lir
