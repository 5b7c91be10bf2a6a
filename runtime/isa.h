// The instruction set in C++ terms, generated from runtime/isa.def: opcodes,
// engines, memories, ALU ops and activation functions, access patterns, the
// Instruction record, and the per-opcode field table every other component
// (printer, parser, encoder, verifier, simulator) iterates over.
#pragma once

#include "runtime/dtype.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nk {

// ---- Engines ---------------------------------------------------------------
#define NK_ENGINES(X)                                                                                                  \
  X(tensor, "tensor")                                                                                                  \
  X(vector, "vector")                                                                                                  \
  X(scalar, "scalar")                                                                                                  \
  X(gpsimd, "gpsimd")                                                                                                  \
  X(dma, "dma")

enum class Engine : uint8_t {
#define X(e, s) e,
  NK_ENGINES(X)
#undef X
};
constexpr unsigned kNumEngines = 5;
using EngineMask = uint8_t;
constexpr EngineMask engine_bit(Engine e) { return EngineMask(1u << unsigned(e)); }
std::string_view engine_name(Engine e);
std::optional<Engine> parse_engine(std::string_view s);

// ---- Memories ----------------------------------------------------------------
enum class Memory : uint8_t { none, hbm, sbuf, psum };
std::string_view memory_name(Memory m);
std::optional<Memory> parse_memory(std::string_view s);

// ---- ALU ops (tensor_tensor, tensor_scalar, tensor_reduce, affine_select) ---
// X(enum, name, kind) kind: 0 = arithmetic, 1 = bitwise (integer dtypes, raw
// bits), 2 = comparison (result 1.0 or 0.0), 3 = logical (NKI 2.26's
// logical_and/or/xor: operands converted to fp32, nonzero is true, NaN
// included, as NumPy; result 1.0 or 0.0), 4 = one-operand arithmetic (NKI
// 2.26's rsqrt, reciprocal, abs: f(x) of the value flowing in, in fp32; the
// scalar operand is ignored; tensor_scalar only). New ops go last: the
// program file stores an op as its index.
#define NK_ALU_OPS(X)                                                                                                  \
  X(bypass, "bypass", 0)                                                                                               \
  X(add, "add", 0)                                                                                                     \
  X(subtract, "subtract", 0)                                                                                           \
  X(multiply, "multiply", 0)                                                                                           \
  X(divide, "divide", 0)                                                                                               \
  X(max, "max", 0)                                                                                                     \
  X(min, "min", 0)                                                                                                     \
  X(pow, "pow", 0)                                                                                                     \
  X(abs_max, "abs_max", 0)                                                                                             \
  X(bitwise_and, "bitwise_and", 1)                                                                                     \
  X(bitwise_or, "bitwise_or", 1)                                                                                       \
  X(bitwise_xor, "bitwise_xor", 1)                                                                                     \
  X(is_equal, "is_equal", 2)                                                                                           \
  X(not_equal, "not_equal", 2)                                                                                         \
  X(is_gt, "is_gt", 2)                                                                                                 \
  X(is_ge, "is_ge", 2)                                                                                                 \
  X(is_lt, "is_lt", 2)                                                                                                 \
  X(is_le, "is_le", 2)                                                                                                 \
  X(logical_and, "logical_and", 3)                                                                                     \
  X(logical_or, "logical_or", 3)                                                                                       \
  X(logical_xor, "logical_xor", 3)                                                                                     \
  X(rsqrt, "rsqrt", 4)                                                                                                 \
  X(reciprocal, "reciprocal", 4)                                                                                       \
  X(abs, "abs", 4)

enum class AluOp : uint8_t {
#define X(e, s, k) e,
  NK_ALU_OPS(X)
#undef X
};
constexpr AluOp kLastAluOp = AluOp::abs;
enum class AluKind : uint8_t { arithmetic, bitwise, comparison, logical };
std::string_view alu_name(AluOp op);
std::optional<AluOp> parse_alu(std::string_view s);
// One-operand ops (kind 4) are arithmetic to alu_kind (they run in the
// fp32 pipeline); alu_is_unary tells them apart.
AluKind alu_kind(AluOp op);
bool alu_is_unary(AluOp op);

// ---- Activation functions (activation) ------------------------------------
#define NK_ACT_FUNCS(X)                                                                                                \
  X(identity, "identity")                                                                                              \
  X(exp, "exp")                                                                                                        \
  X(log, "log")                                                                                                        \
  X(reciprocal, "reciprocal")                                                                                          \
  X(tanh, "tanh")                                                                                                      \
  X(sigmoid, "sigmoid")                                                                                                \
  X(gelu_apprx_tanh, "gelu_apprx_tanh")                                                                                \
  X(silu, "silu")                                                                                                      \
  X(relu, "relu")                                                                                                      \
  X(sqrt, "sqrt")                                                                                                      \
  X(rsqrt, "rsqrt")                                                                                                    \
  X(square, "square")                                                                                                  \
  X(abs, "abs")                                                                                                        \
  X(gelu, "gelu")                                                                                                      \
  X(gelu_dx, "gelu_dx")                                                                                                \
  X(gelu_apprx_sigmoid, "gelu_apprx_sigmoid")                                                                          \
  X(silu_dx, "silu_dx")                                                                                                \
  X(softplus, "softplus")                                                                                              \
  X(mish, "mish")                                                                                                      \
  X(erf, "erf")                                                                                                        \
  X(erf_dx, "erf_dx")                                                                                                  \
  X(sin, "sin")                                                                                                        \
  X(arctan, "arctan")                                                                                                  \
  X(sign, "sign")

enum class ActFunc : uint8_t {
#define X(e, s) e,
  NK_ACT_FUNCS(X)
#undef X
};
constexpr unsigned kNumActFuncs = 0
#define X(e, s) +1
    NK_ACT_FUNCS(X)
#undef X
    ;
constexpr ActFunc kLastActFunc = ActFunc(kNumActFuncs - 1);
std::string_view act_name(ActFunc f);
std::optional<ActFunc> parse_act(std::string_view s);

// The inputs an activation function is valid for (NKI 2.26, "Supported
// Activation Functions for NKI ISA": outside them the Scalar engine's
// piece-wise polynomial gives invalid results). `lo <= |x| <= hi` when
// `magnitude` (reciprocal's +-[2^-42, 2^42]), else `lo <= x <= hi`.
// nullopt: every real input is valid.
struct ActValidRange {
  double lo, hi;
  bool magnitude;
  const char *text; // as NKI's table writes it, e.g. "[2^-64, 2^64]"
};
std::optional<ActValidRange> act_valid_range(ActFunc f);

// ---- Access patterns ---------------------------------------------------------
// How an instruction addresses memory, as the hardware does. For SBUF/PSUM:
// partitions [start_partition, start_partition + num_partitions), and in each
// partition the bytes at `offset` walked by up to 4 free dims. For HBM: no
// partitions; `offset` is a byte address and up to 5 dims walk it (the first
// usually pairs with the on-chip partition axis). Strides are in elements of
// `dtype`; elements are visited in row-major order of (partition, dims...).
struct Dim {
  int64_t stride = 0;
  uint32_t count = 1;
};
constexpr unsigned kMaxFreeDims = 4; // SBUF/PSUM
constexpr unsigned kMaxHbmDims = 5;
struct AccessPattern {
  Memory mem = Memory::none; // none = optional operand absent
  Dtype dtype = Dtype::f32;
  uint8_t num_dims = 0;
  uint16_t start_partition = 0;
  uint16_t num_partitions = 0;
  uint64_t offset = 0;
  std::array<Dim, kMaxHbmDims> dims{};

  bool present() const { return mem != Memory::none; }
  bool on_chip() const { return mem == Memory::sbuf || mem == Memory::psum; }
  // Elements per partition (product of the dim counts).
  uint64_t free_elements() const;
  // All elements: partitions x free elements on chip; the dims' product in HBM.
  uint64_t num_elements() const;
  bool operator==(const AccessPattern &o) const;
  bool operator!=(const AccessPattern &o) const { return !(*this == o); }
};

// ---- Opcodes and their fields --------------------------------------------------
enum class Opcode : uint8_t {
#define NK_OP(name, engines, summary) name,
#include "runtime/isa.def"
};
constexpr unsigned kNumOpcodes = 0
#define NK_OP(name, engines, summary) +1
#include "runtime/isa.def"
    ;

// Operand slots per opcode: ap::nc_matmul::dst, attr::tensor_scalar::op0, ...
namespace ap {
#define NK_OP(name, engines, summary)                                                                                  \
  struct name {                                                                                                        \
    enum : uint8_t {
#define NK_AP(op, field, role, presence) field,
#define NK_OP_END(op)                                                                                                  \
  count                                                                                                                \
  }                                                                                                                    \
  ;                                                                                                                    \
  }                                                                                                                    \
  ;
#include "runtime/isa.def"
} // namespace ap
// Attribute kinds (isa.def NK_ATTR). Bytes32 is a list of 32 bytes (0-255),
// held in four consecutive 8-byte slots, byte j in bits 8*(j%8) of slot
// j/8: the table gives the first slot the field's name and kind, the other
// three the kind Cont, which the printer, parsers, program file, verifier
// and docs skip (the field is one name, one value). Its default fills
// every byte.
enum class AttrKind : uint8_t { Bool, Int, Float, Alu, Act, Sem, Bytes32, Cont };
constexpr unsigned kBytes32Slots = 4;
constexpr unsigned attr_slots(AttrKind k) { return k == AttrKind::Bytes32 ? kBytes32Slots : 1; }

namespace attr {
#define NK_OP(name, engines, summary)                                                                                  \
  struct name {                                                                                                        \
    enum : uint8_t {
#define NK_ATTR(op, field, kind, presence, dflt) field, field##_last_slot_ = field + attr_slots(AttrKind::kind) - 1,
#define NK_OP_END(op)                                                                                                  \
  count                                                                                                                \
  }                                                                                                                    \
  ;                                                                                                                    \
  }                                                                                                                    \
  ;
#include "runtime/isa.def"
} // namespace attr

constexpr unsigned kMaxAps = 5;   // select_reduce has five
constexpr unsigned kMaxAttrs = 8; // slots: a Bytes32 attribute takes four

// In: read. Out: written (the old contents do not matter). InOut: read and
// written (dst = pred ? src : dst). Whether an instruction reads or writes an
// operand is asked through operand_reads / operand_writes, never by
// comparing roles, so the rule lives in one place.
enum class FieldRole : uint8_t { In, Out, InOut };
enum class FieldPresence : uint8_t { Required, Optional };
// What an Alu attribute may hold (isa.def NK_ALU_RULE). reduction: add,
// subtract, multiply, max, min, logical_and/or/xor or a bitwise op (NKI
// 2.26's "Legal Reduction" ALU ops, nki.api.shared.rst; subtract folds left
// as below);
// arith_reduction: add,
// subtract, multiply, max or min (tensor_scalar_reduce's reduce_op, NKI
// 2.26; subtract folds left: x0 - x1 - x2 ...); arithmetic: an arithmetic
// op other than bypass. vector_tensor_scalar: an arithmetic op, or the
// one-operand reciprocal or abs (not rsqrt: it does not run on the Vector
// engine): tensor_scalar_reduce's op0, "any arithmetic operator" of NKI
// 2.26's ALU table, on the Vector engine.
// partition_reduction: add, max, bitwise_or or bitwise_and
// (tensor_partition_reduce, NKI 2.26). rmw: bypass (none) or add
// (dma_copy's dst_rmw_op: NKI 2.26 nki.isa.dma_copy, "Currently only
// np.add is supported").
enum class AluRule : uint8_t {
  any,
  not_bypass,
  arithmetic,
  vector_tensor_scalar,
  reduction,
  arith_reduction,
  comparison,
  partition_reduction,
  rmw
};

struct ApFieldInfo {
  const char *name;
  FieldRole role;
  FieldPresence presence;
};
struct AttrFieldInfo {
  const char *name;
  AttrKind kind;
  FieldPresence presence;
  double default_value;            // for Optional attributes
  AluRule alu_rule = AluRule::any; // Alu attributes only
};
struct OpInfo {
  const char *name;
  EngineMask engines;
  const char *summary;
  uint8_t num_aps;
  uint8_t num_attrs;
  std::array<ApFieldInfo, kMaxAps> aps;
  std::array<AttrFieldInfo, kMaxAttrs> attrs;
};
const OpInfo &op_info(Opcode op);
std::optional<Opcode> parse_opcode(std::string_view name);

// An attribute value: integers, booleans, enums and semaphore ids live in `i`;
// Float attributes keep their exact fp32 bits in `i` too (see as_float).
struct AttrValue {
  int64_t i = 0;
  float as_float() const { return f32_from_bits(uint32_t(i)); }
  static AttrValue of_float(float f) { return AttrValue{int64_t(f32_bits(f))}; }
  bool operator==(const AttrValue &o) const { return i == o.i; }
};

// Byte j (0-31) of the Bytes32 attribute whose first slot is `slot`.
inline uint8_t bytes32_get(const std::array<AttrValue, kMaxAttrs> &attrs, unsigned slot, unsigned j) {
  return uint8_t(uint64_t(attrs[slot + j / 8].i) >> (8 * (j % 8)));
}
inline void bytes32_set(std::array<AttrValue, kMaxAttrs> &attrs, unsigned slot, unsigned j, uint8_t b) {
  uint64_t u = uint64_t(attrs[slot + j / 8].i);
  u = (u & ~(uint64_t(0xff) << (8 * (j % 8)))) | (uint64_t(b) << (8 * (j % 8)));
  attrs[slot + j / 8].i = int64_t(u);
}
// "[b0,b1,...,b31]", as the assembly and the docs spell a Bytes32 value.
std::string format_bytes32(const std::array<AttrValue, kMaxAttrs> &attrs, unsigned slot);
// An attribute slot's table default (Float: its fp32 bits; Bytes32 and its
// Cont slots: the default byte in all eight bytes).
AttrValue attr_default(const AttrFieldInfo &f);

struct DebugLoc {
  uint32_t file = 0; // 1-based index into Program::files; 0 = no location
  uint32_t line = 0;
  uint32_t col = 0;
  bool operator==(const DebugLoc &o) const { return file == o.file && line == o.line && col == o.col; }
};

struct Instruction {
  Opcode op = Opcode::sem_wait;
  std::array<AccessPattern, kMaxAps> ap{};
  std::array<AttrValue, kMaxAttrs> attr{};
  DebugLoc loc;

  // A new instruction with every attribute at its table default.
  static Instruction make(Opcode op);
  bool operator==(const Instruction &o) const;

  bool get_bool(unsigned slot) const { return attr[slot].i != 0; }
  int64_t get_int(unsigned slot) const { return attr[slot].i; }
  float get_float(unsigned slot) const { return attr[slot].as_float(); }
  AluOp get_alu(unsigned slot) const { return AluOp(attr[slot].i); }
  ActFunc get_act(unsigned slot) const { return ActFunc(attr[slot].i); }
  void set_float(unsigned slot, float f) { attr[slot] = AttrValue::of_float(f); }
  void set_int(unsigned slot, int64_t v) { attr[slot].i = v; }
  // Byte j (0-31) of the Bytes32 attribute starting at `slot`.
  uint8_t get_byte(unsigned slot, unsigned j) const { return bytes32_get(attr, slot, j); }
  void set_byte(unsigned slot, unsigned j, uint8_t b) { bytes32_set(attr, slot, j, b); }
};

// Whether `inst` reads / writes its operand in AP slot `i`, from the table's
// roles, plus the attribute-dependent cases: an accumulating nc_matmul
// reads its dst, an accumulating select_reduce its reduce_res.
bool operand_reads(const Instruction &inst, unsigned i);
bool operand_writes(const Instruction &inst, unsigned i);
// Every byte operand `i` may touch, as one access pattern. The operand's own
// pattern, except for the operand an indirect dma_copy moves (src with
// src_index, dst with dst_index),
// whose address depends on a value read at run time: then the pattern
// gains an outermost dim {index_stride, index_count} covering every legal
// index (or, with no dim left, becomes its byte hull). Static analyses
// (bounds, dependences, semaphores) use this; the simulator resolves the
// index instead (resolve_indirect).
AccessPattern operand_envelope(const Instruction &inst, unsigned i);
inline bool is_indirect(const Instruction &inst) {
  return inst.op == Opcode::dma_copy &&
         (inst.ap[ap::dma_copy::src_index].present() || inst.ap[ap::dma_copy::dst_index].present());
}
// An indirect dma_copy's index operand (src_index, or dst_index for a store
// or scatter) and the operand it moves (src, or dst).
inline unsigned indirect_index(const Instruction &inst) {
  return inst.ap[ap::dma_copy::dst_index].present() ? ap::dma_copy::dst_index : ap::dma_copy::src_index;
}
inline unsigned indirect_moved(const Instruction &inst) {
  return inst.ap[ap::dma_copy::dst_index].present() ? ap::dma_copy::dst : ap::dma_copy::src;
}
// The engines' accumulator registers (NKI 2.26 nki.isa.reduce_cmd): one
// fp32 register per partition (compute lane) on the Scalar engine
// (activation's reduce_regs) and on the Vector engine (shared by
// range_select and select_reduce). They carry state from one instruction of
// an engine to the next, so the compiler keeps the instructions that use a
// bank in program order (schedule_dependencies) and the simulator flags a
// read of a register no reset has set (scheduler.cpp).
enum class AccumulatorBank : uint8_t { none, scalar, vector };
// NKI 2.26 nki.isa.reduce_cmd's values (the reduce_cmd attributes).
enum ReduceCmd : int64_t { kReduceIdle = 0, kReduceReset = 1, kReduceReduce = 2, kReduceResetReduce = 3 };
struct AccumulatorUse {
  enum class After : uint8_t { unchanged, defined, undefined };
  AccumulatorBank bank = AccumulatorBank::none;
  bool reads = false;                               // the registers' value before the instruction matters
  After after = After::unchanged;                   // what the instruction leaves in them
  unsigned first_partition = 0, num_partitions = 0; // the lanes used
};
AccumulatorUse accumulator_use(const Instruction &inst);

// By role alone (where no instruction is at hand: the front end's fields).
inline bool role_reads(FieldRole r) { return r != FieldRole::Out; }
inline bool role_writes(FieldRole r) { return r != FieldRole::In; }

// The ALU-op rules of an instruction (NK_ALU_RULE rows and the pipeline
// rule), in one place for the front end, the verifier and the simulator:
// the first problem with the Alu attributes `attrs` of `op`, or nullopt.
// `float_operand` names the first operand of a float type ("src0 is f32"),
// empty when every operand is an integer type. `attr` is the attribute slot
// to point a diagnostic at; `message` reads after the field name.
struct AluProblem {
  unsigned attr;
  std::string message;
};
std::optional<AluProblem> check_alu_attrs(Opcode op, const std::array<AttrValue, kMaxAttrs> &attrs,
                                          const std::string &float_operand);
// The same for an instruction (its operands' dtypes give float_operand).
std::optional<AluProblem> check_alu_attrs(const Instruction &inst);

} // namespace nk
