// The equivalent-forms table (compiler/backend/equivalent_forms.h): which
// tensor_scalar instructions have an activation form, what it reads, and
// which engines the verifier then allows it on per target. The scheduler's
// use of it and the output bits are in tests/lit/compiler/scale-as-activation*.
#include "compiler/backend/equivalent_forms.h"
#include "runtime/target.h"
#include "runtime/verifier.h"

#include <doctest/doctest.h>

#include <cmath>

using namespace nk;
using namespace nk::lir;

namespace {

AccessPattern sbuf_f32(uint32_t cols, uint64_t offset = 0) {
  AccessPattern a;
  a.mem = Memory::sbuf;
  a.dtype = Dtype::f32;
  a.num_partitions = 8;
  a.offset = offset;
  a.num_dims = 1;
  a.dims[0] = Dim{1, cols};
  return a;
}

Instruction multiply(float imm) {
  Instruction in = Instruction::make(Opcode::tensor_scalar);
  in.ap[ap::tensor_scalar::dst] = sbuf_f32(16);
  in.ap[ap::tensor_scalar::src] = sbuf_f32(16, 64);
  in.attr[attr::tensor_scalar::op0].i = int64_t(AluOp::multiply);
  in.set_float(attr::tensor_scalar::imm0, imm);
  return in;
}

} // namespace

TEST_CASE("a tensor_scalar multiply by an immediate is activation(identity, scale)") {
  const Instruction ts = multiply(0.125f);
  auto forms = equivalent_forms(ts);
  REQUIRE(forms.size() == 1);
  const EquivalentForm &f = forms[0];
  CHECK(f.inst.op == Opcode::activation);
  CHECK(f.inst.get_act(attr::activation::func) == ActFunc::identity);
  CHECK(f.inst.get_float(attr::activation::scale) == 0.125f);
  CHECK(f.inst.ap[ap::activation::dst] == ts.ap[ap::tensor_scalar::dst]);
  CHECK(f.inst.ap[ap::activation::src] == ts.ap[ap::tensor_scalar::src]);
  CHECK(!f.inst.ap[ap::activation::bias].present());
  CHECK(f.from_slot[ap::activation::dst] == ap::tensor_scalar::dst);
  CHECK(f.from_slot[ap::activation::src] == ap::tensor_scalar::src);
  CHECK(f.from_slot[ap::activation::bias] == -1);
  CHECK(f.zero_to_positive); // the absent bias adds +0.0

  // Legal on trn1's Scalar engine, where the tensor_scalar is not; on trn2
  // the tensor_scalar itself runs there.
  const Target &trn1 = *find_target("trn1"), &trn2 = *find_target("trn2");
  const EngineMask scalar = engine_bit(Engine::scalar);
  CHECK((legal_engines(ts, scalar, trn1) & scalar) == 0);
  CHECK(legal_engines(f.inst, scalar, trn1) == scalar);
  CHECK(legal_engines(ts, scalar, trn2) == scalar);
}

TEST_CASE("scale and bias tiles: multiply by scalar0, then add scalar1") {
  Instruction ts = multiply(1.0f);
  ts.ap[ap::tensor_scalar::scalar0] = sbuf_f32(1, 128);
  ts.ap[ap::tensor_scalar::scalar1] = sbuf_f32(1, 132);
  ts.attr[attr::tensor_scalar::op1].i = int64_t(AluOp::add);
  auto forms = equivalent_forms(ts);
  REQUIRE(forms.size() == 1);
  const EquivalentForm &f = forms[0];
  CHECK(f.inst.ap[ap::activation::scale_tile] == ts.ap[ap::tensor_scalar::scalar0]);
  CHECK(f.inst.ap[ap::activation::bias] == ts.ap[ap::tensor_scalar::scalar1]);
  CHECK(f.inst.get_float(attr::activation::scale) == 1.0f); // the tile is the scale
  CHECK(f.from_slot[ap::activation::scale_tile] == ap::tensor_scalar::scalar0);
  CHECK(f.from_slot[ap::activation::bias] == ap::tensor_scalar::scalar1);
  CHECK(!f.zero_to_positive); // the same two roundings, -0.0 + b as in tensor_scalar
  CHECK(legal_engines(f.inst, engine_bit(Engine::scalar), *find_target("trn1")) == engine_bit(Engine::scalar));
}

TEST_CASE("no activation form where the bits could differ or there is none") {
  SUBCASE("an immediate addend (bias is a tile only)") {
    Instruction ts = multiply(2.0f);
    ts.attr[attr::tensor_scalar::op1].i = int64_t(AluOp::add);
    ts.set_float(attr::tensor_scalar::imm1, 1.0f);
    CHECK(equivalent_forms(ts).empty());
  }
  SUBCASE("other ops") {
    Instruction ts = multiply(2.0f);
    ts.attr[attr::tensor_scalar::op0].i = int64_t(AluOp::add);
    CHECK(equivalent_forms(ts).empty());
    ts = multiply(2.0f);
    ts.attr[attr::tensor_scalar::op1].i = int64_t(AluOp::max);
    ts.set_float(attr::tensor_scalar::imm1, 0.0f);
    CHECK(equivalent_forms(ts).empty());
  }
  SUBCASE("reversed operands: fine with a number, not with a NaN or a tile (NaN payload order)") {
    Instruction ts = multiply(3.0f);
    ts.attr[attr::tensor_scalar::reverse0].i = 1;
    CHECK(equivalent_forms(ts).size() == 1);
    ts.set_float(attr::tensor_scalar::imm0, std::nanf(""));
    CHECK(equivalent_forms(ts).empty());
    ts = multiply(1.0f);
    ts.ap[ap::tensor_scalar::scalar0] = sbuf_f32(1, 128);
    ts.attr[attr::tensor_scalar::reverse0].i = 1;
    CHECK(equivalent_forms(ts).empty());
  }
  SUBCASE("other opcodes") {
    Instruction copy = Instruction::make(Opcode::tensor_copy);
    copy.ap[ap::tensor_copy::dst] = sbuf_f32(16);
    copy.ap[ap::tensor_copy::src] = sbuf_f32(16, 64);
    CHECK(equivalent_forms(copy).empty());
  }
}

TEST_CASE("adopt_form moves the operands' buffers to the form's slots") {
  Instruction ts = multiply(1.0f);
  ts.ap[ap::tensor_scalar::scalar0] = sbuf_f32(1, 128);
  Inst in;
  in.inst = ts;
  in.buffer[ap::tensor_scalar::dst] = 7;
  in.buffer[ap::tensor_scalar::src] = 3;
  in.buffer[ap::tensor_scalar::scalar0] = 5;
  auto forms = equivalent_forms(ts);
  REQUIRE(forms.size() == 1);
  adopt_form(in, forms[0], engine_bit(Engine::scalar));
  CHECK(in.inst.op == Opcode::activation);
  CHECK(in.engines == engine_bit(Engine::scalar));
  CHECK(in.buffer[ap::activation::dst] == 7);
  CHECK(in.buffer[ap::activation::src] == 3);
  CHECK(in.buffer[ap::activation::scale_tile] == 5);
  CHECK(in.buffer[ap::activation::bias] == kNoBuffer);
  CHECK(in.buffer[ap::activation::reduce_dst] == kNoBuffer);
}
