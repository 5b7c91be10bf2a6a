// Name tables and the per-opcode field table, built from runtime/isa.def.
#include "runtime/isa.h"

#include <cmath>

namespace nk {

std::string_view engine_name(Engine e) {
  switch (e) {
#define X(en, s)                                                                                                       \
  case Engine::en: return s;
    NK_ENGINES(X)
#undef X
  }
  return "?";
}
std::optional<Engine> parse_engine(std::string_view s) {
#define X(en, str)                                                                                                     \
  if (s == str) return Engine::en;
  NK_ENGINES(X)
#undef X
  return std::nullopt;
}

std::string_view memory_name(Memory m) {
  switch (m) {
  case Memory::none: return "none";
  case Memory::hbm: return "hbm";
  case Memory::sbuf: return "sbuf";
  case Memory::psum: return "psum";
  }
  return "?";
}
std::optional<Memory> parse_memory(std::string_view s) {
  if (s == "hbm") return Memory::hbm;
  if (s == "sbuf") return Memory::sbuf;
  if (s == "psum") return Memory::psum;
  return std::nullopt;
}

std::string_view alu_name(AluOp op) {
  switch (op) {
#define X(e, s, k)                                                                                                     \
  case AluOp::e: return s;
    NK_ALU_OPS(X)
#undef X
  }
  return "?";
}
std::optional<AluOp> parse_alu(std::string_view s) {
#define X(e, str, k)                                                                                                   \
  if (s == str) return AluOp::e;
  NK_ALU_OPS(X)
#undef X
  return std::nullopt;
}
AluKind alu_kind(AluOp op) {
  switch (op) {
#define X(e, s, k)                                                                                                     \
  case AluOp::e: return k == 4 ? AluKind::arithmetic : AluKind(k);
    NK_ALU_OPS(X)
#undef X
  }
  return AluKind::arithmetic;
}
bool alu_is_unary(AluOp op) {
  switch (op) {
#define X(e, s, k)                                                                                                     \
  case AluOp::e: return k == 4;
    NK_ALU_OPS(X)
#undef X
  }
  return false;
}

std::string_view act_name(ActFunc f) {
  switch (f) {
#define X(e, s)                                                                                                        \
  case ActFunc::e: return s;
    NK_ACT_FUNCS(X)
#undef X
  }
  return "?";
}
std::optional<ActFunc> parse_act(std::string_view s) {
#define X(e, str)                                                                                                      \
  if (s == str) return ActFunc::e;
  NK_ACT_FUNCS(X)
#undef X
  return std::nullopt;
}

std::optional<ActValidRange> act_valid_range(ActFunc f) {
  // NKI 2.26 nki.api.shared, table "Supported Activation Functions by NKI
  // ISA", column Valid Input Range; every function not listed here is
  // [-inf, inf] there.
  constexpr double pi = 3.14159265358979323846;
  switch (f) {
  case ActFunc::log: return ActValidRange{std::ldexp(1.0, -64), std::ldexp(1.0, 64), false, "[2^-64, 2^64]"};
  case ActFunc::sin: return ActValidRange{-pi, pi, false, "[-pi, pi]"};
  case ActFunc::arctan: return ActValidRange{-pi / 2, pi / 2, false, "[-pi/2, pi/2]"};
  case ActFunc::sqrt: return ActValidRange{std::ldexp(1.0, -116), std::ldexp(1.0, 118), false, "[2^-116, 2^118]"};
  case ActFunc::rsqrt: return ActValidRange{std::ldexp(1.0, -87), std::ldexp(1.0, 97), false, "[2^-87, 2^97]"};
  case ActFunc::reciprocal: return ActValidRange{std::ldexp(1.0, -42), std::ldexp(1.0, 42), true, "+-[2^-42, 2^42]"};
  default: return std::nullopt;
  }
}

uint64_t AccessPattern::free_elements() const {
  uint64_t n = 1;
  for (unsigned i = 0; i < num_dims; ++i) n *= dims[i].count;
  return n;
}
uint64_t AccessPattern::num_elements() const {
  return on_chip() ? uint64_t(num_partitions) * free_elements() : free_elements();
}
bool AccessPattern::operator==(const AccessPattern &o) const {
  if (mem != o.mem) return false;
  if (mem == Memory::none) return true;
  if (dtype != o.dtype || num_dims != o.num_dims || offset != o.offset || start_partition != o.start_partition ||
      num_partitions != o.num_partitions)
    return false;
  for (unsigned i = 0; i < num_dims; ++i)
    if (dims[i].stride != o.dims[i].stride || dims[i].count != o.dims[i].count) return false;
  return true;
}

// Every op's operands and attribute slots (a Bytes32 takes four) fit the
// Instruction's arrays.
#define NK_OP_END(op)                                                                                                  \
  static_assert(ap::op::count <= kMaxAps && attr::op::count <= kMaxAttrs, #op " has too many fields");
#include "runtime/isa.def"

namespace {
#define ENG(x) engine_bit(Engine::x)
struct OpTable {
  std::array<OpInfo, kNumOpcodes> ops{};
  OpTable() {
    OpInfo *cur = nullptr;
#define NK_OP(name, engines, summary)                                                                                  \
  cur = &ops[unsigned(Opcode::name)];                                                                                  \
  *cur = OpInfo{#name, EngineMask(engines), summary, 0, 0, {}, {}};
#define NK_AP(op, field, role, presence)                                                                               \
  cur->aps[cur->num_aps++] = ApFieldInfo{#field, FieldRole::role, FieldPresence::presence};
#define NK_ATTR(op, field, kind, presence, dflt)                                                                       \
  cur->attrs[cur->num_attrs++] = AttrFieldInfo{#field, AttrKind::kind, FieldPresence::presence, dflt};                 \
  for (unsigned k_ = 1; k_ < attr_slots(AttrKind::kind); ++k_)                                                         \
    cur->attrs[cur->num_attrs++] = AttrFieldInfo{#field, AttrKind::Cont, FieldPresence::presence, dflt};
#define NK_ALU_RULE(op, field, rule) cur->attrs[attr::op::field].alu_rule = AluRule::rule;
#include "runtime/isa.def"
    (void)cur;
  }
};
#undef ENG
const OpTable &table() {
  static const OpTable t;
  return t;
}
} // namespace

const OpInfo &op_info(Opcode op) { return table().ops[unsigned(op)]; }

namespace {

// tensor_reduce's ops: the "Legal Reduction op" column of NKI 2.26's ALU-op
// table (aws-neuron-sdk v2.26.0, general/nki/api/nki.api.shared.rst lines
// 60-119, "Supported Math Operators by NKI ISA"): add, subtract, multiply,
// max, min, logical_and/or/xor and the bitwise and/or/xor (is_reduction's
// callers add those). abs_max is not in that table at all; logical_not (N in
// that column) is a one-operand op with no ALU op here.
bool is_reduction(AluOp op) {
  return op == AluOp::add || op == AluOp::subtract || op == AluOp::multiply || op == AluOp::max || op == AluOp::min ||
         alu_kind(op) == AluKind::logical;
}

// "" when `op` obeys `rule`.
std::string alu_rule_problem(AluRule rule, AluOp op) {
  const std::string name(alu_name(op));
  // NKI 2.26 lists rsqrt, reciprocal and abs among the ALU ops, but only
  // tensor_scalar's text uses a one-operand op (tensor_scalar(op0=nl.rsqrt,
  // operand0=0.0), nki.api.shared.rst "NKI Engine Selection"), and
  // tensor_scalar_reduce does "the same computation as tensor_scalar" with
  // "any arithmetic operator" (vector_tensor_scalar); the others take two
  // operands.
  const std::string unary = name + " takes one operand: only tensor_scalar runs it (here a two-operand op is needed)";
  switch (rule) {
  case AluRule::any: return "";
  case AluRule::not_bypass:
    if (alu_is_unary(op)) return unary;
    return op == AluOp::bypass ? "bypass is not an operation here (use tensor_copy)" : "";
  case AluRule::arithmetic:
    if (alu_is_unary(op)) return unary;
    return alu_kind(op) == AluKind::arithmetic && op != AluOp::bypass ? "" : name + " is not an arithmetic op";
  case AluRule::vector_tensor_scalar:
    if (op == AluOp::rsqrt)
      return "rsqrt does not run on the Vector engine (NKI 2.26: GpSimd or Scalar; use tensor_scalar on GpSimd, "
             "or activation)";
    if (alu_is_unary(op)) return "";
    return alu_kind(op) == AluKind::arithmetic && op != AluOp::bypass ? "" : name + " is not an arithmetic op";
  case AluRule::reduction:
    return is_reduction(op) || alu_kind(op) == AluKind::bitwise
               ? ""
               : name + " is not a reduction op (use add, subtract, multiply, max, min, logical_and, logical_or, "
                        "logical_xor, or a bitwise op on integers)";
  case AluRule::arith_reduction:
    return op == AluOp::add || op == AluOp::subtract || op == AluOp::multiply || op == AluOp::max || op == AluOp::min
               ? ""
               : name + " is not a reduction op here (use add, subtract, multiply, max or min)";
  case AluRule::partition_reduction:
    return op == AluOp::add || op == AluOp::max || op == AluOp::bitwise_or || op == AluOp::bitwise_and
               ? ""
               : name + " is not a partition reduction (use add, max, bitwise_or or bitwise_and)";
  case AluRule::rmw:
    return op == AluOp::bypass || op == AluOp::add
               ? ""
               : name + " is not a read-modify-write op (NKI supports add only; bypass: none)";
  case AluRule::comparison:
    return alu_kind(op) == AluKind::comparison
               ? ""
               : name + " is not a comparison (use is_equal, not_equal, is_gt, is_ge, is_lt or is_le)";
  }
  return "";
}

} // namespace

std::optional<AluProblem> check_alu_attrs(Opcode opc, const std::array<AttrValue, kMaxAttrs> &attrs,
                                          const std::string &float_operand) {
  const OpInfo &info = op_info(opc);
  std::optional<unsigned> bitwise, arithmetic; // the first attribute of each pipeline
  for (unsigned i = 0; i < info.num_attrs; ++i) {
    if (info.attrs[i].kind != AttrKind::Alu) continue;
    AluOp op = AluOp(attrs[i].i);
    std::string problem = alu_rule_problem(info.attrs[i].alu_rule, op);
    if (!problem.empty()) return AluProblem{i, std::move(problem)};
    // NKI 2.26's ALU-op table (nki.api.shared.rst, "Supported Math Operators
    // by NKI ISA") lists neither: no engine runs them in any instruction.
    if (op == AluOp::divide || op == AluOp::abs_max)
      return AluProblem{i, std::string(alu_name(op)) +
                               " is not in NKI 2.26's ALU-op table (Supported Math Operators by NKI ISA): no engine "
                               "runs it" +
                               (op == AluOp::divide ? " (multiply by a reciprocal instead)" : "")};
    if (alu_kind(op) == AluKind::bitwise) {
      if (!float_operand.empty())
        return AluProblem{i, std::string(alu_name(op)) + " needs integer dtypes, but " + float_operand};
      if (!bitwise) bitwise = i;
    } else if (op != AluOp::bypass && !arithmetic) {
      arithmetic = i; // arithmetic and comparison ops share the fp32 pipeline
    }
  }
  if (bitwise && arithmetic)
    return AluProblem{std::max(*bitwise, *arithmetic),
                      "bitwise and arithmetic ops do not mix in one instruction (they run in different "
                      "pipelines)"};
  return std::nullopt;
}

std::optional<AluProblem> check_alu_attrs(const Instruction &inst) {
  const OpInfo &info = op_info(inst.op);
  std::string float_operand;
  for (unsigned i = 0; i < info.num_aps && float_operand.empty(); ++i)
    if (inst.ap[i].present() && dtype_is_float(inst.ap[i].dtype))
      float_operand = std::string(info.aps[i].name) + " is " + std::string(dtype_name(inst.ap[i].dtype));
  return check_alu_attrs(inst.op, inst.attr, float_operand);
}

std::optional<Opcode> parse_opcode(std::string_view name) {
  for (unsigned i = 0; i < kNumOpcodes; ++i)
    if (name == table().ops[i].name) return Opcode(i);
  return std::nullopt;
}

AttrValue attr_default(const AttrFieldInfo &f) {
  switch (f.kind) {
  case AttrKind::Float: return AttrValue::of_float(float(f.default_value));
  case AttrKind::Bytes32:
  case AttrKind::Cont: return AttrValue{int64_t(uint64_t(uint8_t(f.default_value)) * 0x0101010101010101ull)};
  default: return AttrValue{int64_t(f.default_value)};
  }
}

std::string format_bytes32(const std::array<AttrValue, kMaxAttrs> &attrs, unsigned slot) {
  std::string s = "[";
  for (unsigned j = 0; j < 32; ++j) s += (j ? "," : "") + std::to_string(unsigned(bytes32_get(attrs, slot, j)));
  return s + "]";
}

Instruction Instruction::make(Opcode op) {
  Instruction inst;
  inst.op = op;
  const OpInfo &info = op_info(op);
  for (unsigned i = 0; i < info.num_attrs; ++i) inst.attr[i] = attr_default(info.attrs[i]);
  return inst;
}

bool Instruction::operator==(const Instruction &o) const {
  if (op != o.op || !(loc == o.loc)) return false;
  const OpInfo &info = op_info(op);
  for (unsigned i = 0; i < info.num_aps; ++i)
    if (ap[i] != o.ap[i]) return false;
  for (unsigned i = 0; i < info.num_attrs; ++i)
    if (!(attr[i] == o.attr[i])) return false;
  return true;
}

bool operand_reads(const Instruction &inst, unsigned i) {
  if (role_reads(op_info(inst.op).aps[i].role)) return true;
  switch (inst.op) {
  case Opcode::nc_matmul: return i == ap::nc_matmul::dst && inst.get_bool(attr::nc_matmul::accumulate);
  // A read-modify-write DMA reads dst (NKI 2.26 nki.isa.dma_copy,
  // dst_rmw_op); with oob_mode skip, dst keeps its old contents where a
  // transfer is skipped, so they are read (as tensor_copy_predicated's).
  case Opcode::dma_copy:
    return i == ap::dma_copy::dst &&
           (inst.get_alu(attr::dma_copy::dst_rmw_op) == AluOp::add || inst.get_int(attr::dma_copy::oob_mode) == 1);
  // The Vector engine's accumulator registers, carried in reduce_res: the
  // reduce command continues from the value the last one left there.
  case Opcode::select_reduce:
    return i == ap::select_reduce::reduce_res && inst.get_bool(attr::select_reduce::accumulate);
  default: return false;
  }
}

AccumulatorUse accumulator_use(const Instruction &inst) {
  using After = AccumulatorUse::After;
  AccumulatorUse u;
  auto lanes = [&](const AccessPattern &a) {
    u.first_partition = a.start_partition;
    u.num_partitions = a.num_partitions;
  };
  switch (inst.op) {
  case Opcode::activation: {
    // NKI 2.26 nki.isa.activation: idle leaves reduce_regs alone, reset and
    // reset_reduce zero them, reduce adds to them; a reduce_res reads them
    // out after the update.
    const int64_t cmd = inst.get_int(attr::activation::reduce_cmd);
    const bool out = inst.ap[ap::activation::reduce_dst].present();
    if (cmd == kReduceIdle && !out) return u;
    u.bank = AccumulatorBank::scalar;
    u.reads = cmd == kReduceReduce || (cmd == kReduceIdle && out);
    u.after = cmd == kReduceIdle ? After::unchanged : After::defined;
    lanes(inst.ap[ap::activation::src]);
    return u;
  }
  case Opcode::range_select: {
    // NKI 2.26 nki.isa.select_reduce: the Vector engine's registers are
    // shared with range_select, and an idle instruction may still modify
    // them (so they are undefined after it).
    const int64_t cmd = inst.get_int(attr::range_select::reduce_cmd);
    u.bank = AccumulatorBank::vector;
    u.reads = cmd == kReduceReduce;
    u.after = cmd == kReduceIdle ? After::undefined : After::defined;
    lanes(inst.ap[ap::range_select::on_true]);
    return u;
  }
  case Opcode::select_reduce:
    // Modelled through reduce_res (which holds what the registers hold
    // after a reduction); without it, the idle command leaves them undefined.
    u.bank = AccumulatorBank::vector;
    u.after = inst.ap[ap::select_reduce::reduce_res].present() ? After::defined : After::undefined;
    lanes(inst.ap[ap::select_reduce::dst]);
    return u;
  default: return u;
  }
}

bool operand_writes(const Instruction &inst, unsigned i) { return role_writes(op_info(inst.op).aps[i].role); }

AccessPattern operand_envelope(const Instruction &inst, unsigned i) {
  AccessPattern a = inst.ap[i];
  if (!is_indirect(inst) || i != indirect_moved(inst)) return a;
  const int64_t stride = inst.get_int(attr::dma_copy::index_stride);
  const int64_t count = inst.get_int(attr::dma_copy::index_count);
  if (count <= 1 || stride == 0) return a;
  if (a.num_dims < kMaxHbmDims && count <= int64_t(UINT32_MAX)) {
    for (unsigned d = a.num_dims; d > 0; --d) a.dims[d] = a.dims[d - 1];
    a.dims[0] = Dim{stride, uint32_t(count)};
    ++a.num_dims;
    return a;
  }
  // No dim left: the byte hull of every index, as one contiguous run (in
  // 128-bit arithmetic: the fields may hold anything a file says). A hull
  // no pattern can express is placed beyond any HBM, so bounds checks fail.
  const __int128 esz = dtype_size(a.dtype);
  __int128 lo = 0, hi = 0;
  for (unsigned d = 0; d < a.num_dims; ++d) {
    const __int128 span = __int128(a.dims[d].stride) * (__int128(a.dims[d].count) - 1);
    (span < 0 ? lo : hi) += span;
  }
  const __int128 ispan = __int128(stride) * (__int128(count) - 1);
  (ispan < 0 ? lo : hi) += ispan;
  const __int128 first = __int128(a.offset) + lo * esz;
  a.num_dims = 1;
  if (first < 0 || first > __int128(INT64_MAX) || hi - lo + 1 > __int128(UINT32_MAX)) {
    a.offset = uint64_t(INT64_MAX);
    a.dims[0] = Dim{1, UINT32_MAX};
    return a;
  }
  a.offset = uint64_t(first);
  a.dims[0] = Dim{1, uint32_t(hi - lo + 1)};
  return a;
}

} // namespace nk
