// See operand_rules.h. Facts come from NKI 2.26's nki.isa reference
// (aws-neuron-sdk v2.26.0, general/nki/api/nki/isa/__init__.py; docs/isa.md
// cites each).
#include "runtime/operand_rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>
#include <vector>

namespace nk {
namespace {

using Shapes = OperandShapes;

// local_gather's valid index count per core: the attribute, or every index
// of a 16-partition slice (0 = all).
int64_t gather_count(const OperandShapes &s, const std::array<AttrValue, kMaxAttrs> &attrs) {
  const int64_t nv = attrs[attr::local_gather::num_valid_indices].i;
  return nv > 0 ? nv : 16 * s[ap::local_gather::index].free_elements;
}

// NKI 2.26 nki.isa, iota and affine_select: an affine expression with a
// coefficient per free axis of the tile. free_stepK multiplies the index
// of dst's K-th free dim (outermost first), so it must be 0 when dst has
// fewer than K free dims (a coefficient of an axis that is not there).
std::optional<OperandProblem> free_steps_in_dst(const Shapes &s, unsigned dst,
                                                const std::array<AttrValue, kMaxAttrs> &attrs, unsigned first_step) {
  for (unsigned k = 0; k < 4; ++k)
    if (attrs[first_step + k].i != 0 && k >= s[dst].num_dims) {
      OperandProblem p{dst,
                       fmt::format("free_step{} is {}, but dst has {} free dim{} (free_stepK multiplies the "
                                   "index of dst's K-th free dim, outermost first)",
                                   k + 1, attrs[first_step + k].i, s[dst].num_dims, s[dst].num_dims == 1 ? "" : "s")};
      p.attr = int(first_step + k);
      return p;
    }
  return std::nullopt;
}

std::string shape_str(const OperandShape &s) { return fmt::format("[{} | {}]", s.partitions, s.free_elements); }

std::optional<OperandProblem> problem(unsigned ap, std::string msg) { return OperandProblem{ap, std::move(msg)}; }

// GpSimd reaches no PSUM. The verifier checks that for every instruction;
// an instruction whose ops decide between engines checks it here too, so
// that the front end, trying each engine, does not accept an op only
// GpSimd runs on a PSUM operand.
std::optional<OperandProblem> gpsimd_not_psum(Opcode op, const OperandShapes &s) {
  const OpInfo &info = op_info(op);
  for (unsigned i = 0; i < info.num_aps; ++i)
    if (s[i].present && s[i].mem == Memory::psum)
      return problem(i, fmt::format("{} is in PSUM, which GpSimd cannot access", info.aps[i].name));
  return std::nullopt;
}

// Every present operand on chip (the compute engines cannot address HBM).
std::optional<OperandProblem> on_chip(Opcode op, const Shapes &s) {
  const OpInfo &info = op_info(op);
  for (unsigned i = 0; i < info.num_aps; ++i)
    if (s[i].present && s[i].mem != Memory::sbuf && s[i].mem != Memory::psum)
      return problem(i, fmt::format("{} must be in SBUF or PSUM, not {}", info.aps[i].name, memory_name(s[i].mem)));
  return std::nullopt;
}

std::optional<OperandProblem> same_partitions(Opcode op, const Shapes &s, unsigned a, unsigned b) {
  if (!s[a].present || !s[b].present || s[a].partitions == s[b].partitions) return std::nullopt;
  const OpInfo &info = op_info(op);
  return problem(b, fmt::format("{} has {} partitions but {} has {}", info.aps[b].name, s[b].partitions,
                                info.aps[a].name, s[a].partitions));
}

std::optional<OperandProblem> free_size(Opcode op, const Shapes &s, unsigned a, int64_t lo, int64_t hi,
                                        const char *why) {
  if (!s[a].present || (s[a].free_elements >= lo && s[a].free_elements <= hi)) return std::nullopt;
  const char *name = op_info(op).aps[a].name;
  if (lo == hi)
    return problem(
        a, fmt::format("{} must have {} elements per partition ({}), not {}", name, lo, why, s[a].free_elements));
  return problem(a, fmt::format("{} must have {} to {} elements per partition ({}), not {}", name, lo, hi, why,
                                s[a].free_elements));
}

#define TRY(x)                                                                                                         \
  if (auto p_ = (x)) return p_

std::optional<OperandProblem> scan_rules(const Shapes &s) {
  using F = ap::tensor_tensor_scan;
  constexpr Opcode op = Opcode::tensor_tensor_scan;
  TRY(on_chip(op, s));
  for (unsigned f : {unsigned(F::data0), unsigned(F::data1)}) {
    TRY(same_partitions(op, s, F::dst, f));
    if (s[f].free_elements != s[F::dst].free_elements)
      return problem(f, fmt::format("{} is {} but dst is {}: the scan keeps the shape", op_info(op).aps[f].name,
                                    shape_str(s[f]), shape_str(s[F::dst])));
  }
  if (s[F::data0].mem == Memory::psum && s[F::data1].mem == Memory::psum)
    return problem(F::data1, "data0 and data1 cannot both be in PSUM");
  if (s[F::initial].present) {
    TRY(same_partitions(op, s, F::dst, F::initial));
    TRY(free_size(op, s, F::initial, 1, 1, "a per-partition start value"));
  }
  return std::nullopt;
}

// `b` shaped like `a`: the same partitions and elements per partition.
std::optional<OperandProblem> same_shape(Opcode op, const Shapes &s, unsigned a, unsigned b) {
  if (!s[a].present || !s[b].present) return std::nullopt;
  const OpInfo &info = op_info(op);
  if (s[a].partitions != s[b].partitions)
    return problem(b, fmt::format("{} has {} partitions but {} has {}", info.aps[b].name, s[b].partitions,
                                  info.aps[a].name, s[a].partitions));
  if (s[a].free_elements != s[b].free_elements)
    return problem(b, fmt::format("{} has {} elements per partition but {} has {}", info.aps[b].name,
                                  s[b].free_elements, info.aps[a].name, s[a].free_elements));
  return std::nullopt;
}

// `x`, when given, is a per-partition scalar over `ref`'s partitions.
std::optional<OperandProblem> scalar_of(Opcode op, const Shapes &s, unsigned ref, unsigned x) {
  if (!s[x].present) return std::nullopt;
  if (s[x].partitions == s[ref].partitions && s[x].free_elements == 1) return std::nullopt;
  return problem(x, fmt::format("{} must be one element per partition over {} partitions (it is {} x {})",
                                op_info(op).aps[x].name, s[ref].partitions, s[x].partitions, s[x].free_elements));
}

// A reduce_cmd attribute holds one of NKI 2.26's nki.isa.reduce_cmd values.
std::optional<OperandProblem> reduce_cmd_valid(const std::array<AttrValue, kMaxAttrs> &attrs, unsigned slot) {
  const int64_t v = attrs[slot].i;
  if (v >= kReduceIdle && v <= kReduceResetReduce) return std::nullopt;
  OperandProblem p{0, fmt::format("reduce_cmd is {}: it must be 0 (idle), 1 (reset), 2 (reduce) or 3 "
                                  "(reset_reduce), NKI's nki.isa.reduce_cmd values",
                                  v)};
  p.attr = int(slot);
  return p;
}

std::optional<OperandProblem> float_dst(Opcode op, const Shapes &s, const char *what) {
  if (dtype_is_float(s[0].dtype)) return std::nullopt;
  return problem(0, fmt::format("{} writes {}: dst must be a float dtype, not {}", op_info(op).name, what,
                                dtype_name(s[0].dtype)));
}

// The Tensor engine reads its operands from SBUF and writes PSUM.
std::optional<OperandProblem> tensor_engine_memories(Opcode op, const Shapes &s) {
  const OpInfo &info = op_info(op);
  for (unsigned i = 1; i < info.num_aps; ++i)
    if (s[i].present && s[i].mem != Memory::sbuf)
      return problem(i, fmt::format("{} must be in SBUF (the Tensor engine reads its operands from SBUF), not {}",
                                    info.aps[i].name, memory_name(s[i].mem)));
  if (s[0].mem != Memory::psum)
    return problem(0, fmt::format("dst must be in PSUM (the Tensor engine writes its results to PSUM), not {}",
                                  memory_name(s[0].mem)));
  return std::nullopt;
}

// All the elements of an operand (unsigned, as the verifier counts them).
uint64_t elements(const OperandShape &s) { return uint64_t(s.partitions) * uint64_t(s.free_elements); }

// The free dims of `s`, outermost first: one dim of 1 when it has none.
std::vector<int64_t> free_dims(const OperandShape &s) {
  if (s.num_dims == 0) return {1};
  return std::vector<int64_t>(s.dims.begin(), s.dims.begin() + std::min<unsigned>(s.num_dims, kMaxHbmDims));
}

// tensor_reduce: the dims of `src` its axes mask keeps (bit 0 = innermost),
// or nullopt when the mask selects none of them or names one src lacks.
std::optional<std::vector<int64_t>> kept_dims(const OperandShape &src, int64_t axes) {
  const std::vector<int64_t> dims = free_dims(src);
  const unsigned n = unsigned(dims.size());
  if (axes <= 0 || axes >= (int64_t(1) << n)) return std::nullopt;
  std::vector<int64_t> kept;
  for (unsigned i = 0; i < n; ++i)
    if (!((axes >> (n - 1 - i)) & 1)) kept.push_back(dims[i]);
  return kept;
}

std::string shape_str_of(int64_t partitions, uint64_t free) { return fmt::format("[{} | {}]", partitions, free); }

// select_reduce's predicate dtypes: NKI 2.26 allows int8, uint8, int16 and
// uint16.
bool select_predicate_dtype(Dtype t) {
  switch (t) {
  case Dtype::i8:
  case Dtype::u8:
  case Dtype::i16:
  case Dtype::u16: return true;
  default: return false;
  }
}

// NKI 2.26 nki.isa, nc_stream_shuffle: src and dst on chip, one dtype and
// one element count per partition; mask entries 0-31 or 255; the starts
// allowed for the active partitions (the larger operand's, rounded up to a
// whole quadrant). Ours: a used entry (dst has that partition) must name a
// partition src has in the same quadrant.
std::optional<OperandProblem> shuffle_rules(const Shapes &s, const std::array<AttrValue, kMaxAttrs> &attrs) {
  using F = ap::nc_stream_shuffle;
  constexpr Opcode op = Opcode::nc_stream_shuffle;
  constexpr unsigned mask = attr::nc_stream_shuffle::shuffle_mask;
  TRY(on_chip(op, s));
  const OperandShape &d = s[F::dst], &src = s[F::src];
  if (src.dtype != d.dtype)
    return problem(F::src, fmt::format("src is {} but dst is {}: the shuffle moves raw elements", dtype_name(src.dtype),
                                       dtype_name(d.dtype)));
  if (src.free_elements != d.free_elements)
    return problem(F::src,
                   fmt::format("src has {} elements per partition but dst has {}", src.free_elements, d.free_elements));
  auto entry_problem = [&](unsigned ap, unsigned j, std::string msg) {
    OperandProblem p{ap, std::move(msg), int(mask), int(j)};
    return std::optional<OperandProblem>(std::move(p));
  };
  for (unsigned j = 0; j < 32; ++j) {
    const unsigned b = bytes32_get(attrs, mask, j);
    if (b > 31 && b != 255)
      return entry_problem(F::dst, j,
                           fmt::format("shuffle_mask[{}] is {}: an entry is a partition of the quadrant, 0 to 31, "
                                       "or 255 to keep dst's",
                                       j, b));
  }
  const int64_t active = (std::max(d.partitions, src.partitions) + 31) / 32 * 32;
  for (unsigned f : {unsigned(F::dst), unsigned(F::src)}) {
    const int64_t start = s[f].start_partition;
    if (start < 0) continue;
    const bool ok = active > 64 ? start == 0 : active > 32 ? start == 0 || start == 64 : start % 32 == 0;
    if (!ok)
      return problem(f, fmt::format("{} starts at partition {}, but a shuffle of {} active partitions (the larger "
                                    "operand's, in whole quadrants) must start at {}",
                                    op_info(op).aps[f].name, start, active,
                                    active > 64   ? "0"
                                    : active > 32 ? "0 or 64"
                                                  : "0, 32, 64 or 96"));
  }
  for (int64_t p = 0; p < d.partitions; ++p) {
    const unsigned j = unsigned(p % 32), b = bytes32_get(attrs, mask, j);
    const int64_t from = p - j + b;
    if (b != 255 && from >= src.partitions)
      return entry_problem(F::src, j,
                           fmt::format("shuffle_mask[{}] is {}: dst partition {} would read src partition {}, but "
                                       "src has {} partitions",
                                       j, b, p, from, src.partitions));
  }
  return std::nullopt;
}

// NKI 2.26 nki.isa, tensor_tensor: the inputs cannot both be in PSUM
// (SBUF+SBUF, SBUF+PSUM and PSUM+SBUF are legal). The op is "any binary
// operator ... that runs on the Vector Engine, or ... power or integer
// add, multiply, or subtract which run on the GpSimd Engine": pow on
// GpSimd only (the ALU-op table: Power, GpSIMD), and GpSimd runs nothing
// else. The ALU-op table (NKI 2.26 "Supported Math Operators") lists
// subtract as Vector only; we follow tensor_tensor's own text, which names
// subtract: every operand integer. (Reaching PSUM from GpSimd is a rule
// every instruction shares, checked with the operand's memory.)
std::optional<OperandProblem> tensor_tensor_rules(const Shapes &s, const std::array<AttrValue, kMaxAttrs> &attrs,
                                                  Engine engine) {
  using F = ap::tensor_tensor;
  constexpr Opcode op = Opcode::tensor_tensor;
  TRY(same_shape(op, s, F::dst, F::src0));
  TRY(same_shape(op, s, F::dst, F::src1));
  if (s[F::src0].mem == Memory::psum && s[F::src1].mem == Memory::psum)
    return problem(F::src1, "src0 and src1 cannot both be in PSUM (one of them must be in SBUF)");
  const AluOp alu = AluOp(attrs[attr::tensor_tensor::op].i);
  if (engine != Engine::gpsimd) {
    if (alu == AluOp::pow)
      return OperandProblem{F::dst,
                            "pow runs on the GpSimd engine only (NKI 2.26 tensor_tensor), not the Vector engine",
                            int(attr::tensor_tensor::op)};
    return std::nullopt;
  }
  TRY(gpsimd_not_psum(op, s));
  if (alu == AluOp::pow) return std::nullopt;
  if (alu != AluOp::add && alu != AluOp::subtract && alu != AluOp::multiply) {
    OperandProblem p{F::dst,
                     fmt::format("the GpSimd engine runs tensor_tensor only for pow and integer add, subtract and "
                                 "multiply, not {}",
                                 alu_name(alu)),
                     int(attr::tensor_tensor::op)};
    return p;
  }
  for (unsigned f : {unsigned(F::dst), unsigned(F::src0), unsigned(F::src1)})
    if (dtype_is_float(s[f].dtype))
      return problem(f, fmt::format("the GpSimd engine runs {} on integers only: {} must be an integer dtype, not {}",
                                    alu_name(alu), op_info(op).aps[f].name, dtype_name(s[f].dtype)));
  return std::nullopt;
}

// NKI 2.26 nki.isa, tensor_scalar: op0 and op1 of one kind (check_alu_attrs
// refuses the mix, and bitwise ops on floats); bitwise ops on the Vector
// engine only; "each engine supports limited arithmetic operators" (the
// ALU-op table's Supported Engine column, nki.api.shared.rst):
// - Vector: every op but rsqrt (GpSimd/Scalar) and pow (GpSimd only).
// - GpSimd: "only allowed for rsqrt" (the engine= parameter), the form
//   tensor_scalar(op0=nl.rsqrt, operand0=0.0) ("NKI Engine Selection"):
//   op0 rsqrt, op1 bypass. So pow, a GpSimd-only op, runs on no engine in
//   tensor_scalar (tensor_tensor runs it).
// - Scalar: "on trn2 only" (multiply, add), (multiply, bypass) and (add,
//   bypass); the table's note has add and multiply on the Scalar engine
//   "only from NeuronCore-v3", so on NeuronCore-v2 (trn1) none.
// The one-operand ops (rsqrt, reciprocal, abs) ignore their operand; a
// reverse flag on one is refused (NKI gives it no meaning).
std::optional<OperandProblem> tensor_scalar_rules(const Shapes &s, const std::array<AttrValue, kMaxAttrs> &attrs,
                                                  const Target *target, Engine engine) {
  using F = ap::tensor_scalar;
  using A = attr::tensor_scalar;
  constexpr Opcode op = Opcode::tensor_scalar;
  TRY(same_shape(op, s, F::dst, F::src));
  TRY(scalar_of(op, s, F::src, F::scalar0));
  TRY(scalar_of(op, s, F::src, F::scalar1));
  const AluOp op0 = AluOp(attrs[A::op0].i), op1 = AluOp(attrs[A::op1].i);
  if (s[F::scalar1].present && op1 == AluOp::bypass) return problem(F::scalar1, "scalar1 is given but op1 is bypass");
  auto op_problem = [](unsigned slot, std::string msg) {
    return std::optional<OperandProblem>(OperandProblem{F::dst, std::move(msg), int(slot)});
  };
  if (alu_is_unary(op0) && attrs[A::reverse0].i)
    return op_problem(A::reverse0,
                      fmt::format("reverse0 with {}: a one-operand op has no operand order", alu_name(op0)));
  if (alu_is_unary(op1) && attrs[A::reverse1].i)
    return op_problem(A::reverse1,
                      fmt::format("reverse1 with {}: a one-operand op has no operand order", alu_name(op1)));
  if (engine == Engine::vector) {
    for (unsigned a : {unsigned(A::op0), unsigned(A::op1)}) {
      const AluOp x = AluOp(attrs[a].i);
      if (x == AluOp::rsqrt)
        return op_problem(a, "rsqrt does not run on the Vector engine (NKI 2.26: GpSimd or Scalar; tensor_scalar "
                             "runs it on GpSimd)");
      if (x == AluOp::pow)
        return op_problem(a, "pow runs on the GpSimd engine only (NKI 2.26), where tensor_scalar runs only rsqrt: use "
                             "tensor_tensor on GpSimd");
    }
    return std::nullopt;
  }
  const std::string_view eng = engine == Engine::scalar ? "Scalar" : "GpSimd";
  for (unsigned a : {unsigned(A::op0), unsigned(A::op1)})
    if (alu_kind(AluOp(attrs[a].i)) == AluKind::bitwise)
      return op_problem(a, fmt::format("{} is a bitwise op: tensor_scalar runs those on the Vector engine only, not "
                                       "the {} engine",
                                       alu_name(AluOp(attrs[a].i)), eng));
  if (engine == Engine::gpsimd) {
    TRY(gpsimd_not_psum(op, s));
    if (op0 != AluOp::rsqrt)
      return op_problem(A::op0, fmt::format("the GpSimd engine runs tensor_scalar only for rsqrt (op0=rsqrt), not {}",
                                            alu_name(op0)));
    if (op1 != AluOp::bypass)
      return op_problem(A::op1, fmt::format("the GpSimd engine runs tensor_scalar only for rsqrt: op1 must be bypass, "
                                            "not {}",
                                            alu_name(op1)));
    return std::nullopt;
  }
  if (engine != Engine::scalar) return std::nullopt;
  if (target && target->nc_version < 3)
    return op_problem(A::op0, fmt::format("the Scalar engine runs tensor_scalar from NeuronCore-v3 on (NKI 2.26: add "
                                          "and multiply there only from v3); {} is {}",
                                          target->name, target->description));
  const bool ok = (op0 == AluOp::multiply && (op1 == AluOp::add || op1 == AluOp::bypass)) ||
                  (op0 == AluOp::add && op1 == AluOp::bypass);
  if (!ok)
    return op_problem(op0 == AluOp::multiply || op0 == AluOp::add ? A::op1 : A::op0,
                      fmt::format("the Scalar engine runs tensor_scalar only as (multiply, add), (multiply, bypass) "
                                  "or (add, bypass), not ({}, {})",
                                  alu_name(op0), alu_name(op1)));
  return std::nullopt;
}

} // namespace

OperandShape operand_shape(const AccessPattern &a) {
  OperandShape s{true, a.mem, a.dtype, a.on_chip() ? int64_t(a.num_partitions) : 1, int64_t(a.free_elements())};
  s.num_dims = uint8_t(std::min<unsigned>(a.num_dims, kMaxHbmDims));
  for (unsigned i = 0; i < s.num_dims; ++i) s.dims[i] = int64_t(a.dims[i].count);
  if (a.on_chip()) s.start_partition = a.start_partition;
  return s;
}

bool has_operand_rules(Opcode op) {
  switch (op) {
  case Opcode::tensor_tensor_scan:
  case Opcode::bn_stats:
  case Opcode::bn_aggr:
  case Opcode::max8:
  case Opcode::nc_find_index8:
  case Opcode::scalar_tensor_tensor:
  case Opcode::reciprocal:
  case Opcode::tensor_partition_reduce:
  case Opcode::nc_match_replace8:
  case Opcode::sequence_bounds:
  case Opcode::dropout:
  case Opcode::local_gather:
  case Opcode::tensor_copy_dynamic_src:
  case Opcode::tensor_copy_dynamic_dst:
  case Opcode::range_select:
  case Opcode::tensor_copy_predicated:
  case Opcode::select_reduce:
  case Opcode::nc_stream_shuffle:
  // The older element-wise instructions, moved here from sema_isa.cpp,
  // verifier.cpp and validate.cpp.
  case Opcode::tensor_copy:
  case Opcode::tensor_tensor:
  case Opcode::tensor_scalar:
  case Opcode::tensor_scalar_reduce:
  case Opcode::activation:
  case Opcode::affine_select:
  case Opcode::select:
  // The last ones, moved here from sema_isa.cpp, verifier.cpp and
  // validate.cpp.
  case Opcode::dma_copy:
  case Opcode::nc_matmul:
  case Opcode::nc_transpose:
  case Opcode::tensor_reduce:
  case Opcode::iota:
  case Opcode::memset: return true;
  // Written by the compiler only; the verifier checks their values.
  case Opcode::sem_signal:
  case Opcode::sem_wait:
  case Opcode::core_barrier: return false;
  }
  return false; // no default: a new opcode must be listed (-Wswitch)
}

namespace {

std::optional<OperandProblem> rules(Opcode op, const OperandShapes &s, const std::array<AttrValue, kMaxAttrs> &attrs,
                                    const Target *target, Engine engine) {
  switch (op) {
  case Opcode::dma_copy: {
    // HBM or SBUF on either side (NKI 2.26 nki.isa.dma_copy: "Both src and
    // dst tiles can be in device memory (HBM) or SBUF"), any dtypes;
    // elements pair up in walk order. A PSUM tile goes through a copy to
    // SBUF first, as NKI 2.26's nl.store of a PSUM tile does ("with extra
    // additional copy inserted", its release notes). The index operands'
    // memory is not documented: SBUF or PSUM, as before.
    using F = ap::dma_copy;
    const OperandShape &d = s[F::dst], &src = s[F::src], &index = s[F::src_index];
    for (unsigned side : {unsigned(F::dst), unsigned(F::src)})
      if (s[side].present && s[side].mem == Memory::psum)
        return problem(side, fmt::format("{} is in PSUM; the DMA engines read and write HBM or SBUF (NKI: dma_copy's "
                                         "src and dst are in HBM or SBUF): copy the PSUM tile to SBUF first "
                                         "(tensor_copy)",
                                         side == F::dst ? "dst" : "src"));
    if (elements(d) != elements(src))
      return problem(F::dst, fmt::format("dst has {} elements but src has {}", elements(d), elements(src)));
    const int64_t count = attrs[attr::dma_copy::index_count].i;
    // NKI 2.26 nki.isa.dma_copy: oob_mode error (0, the default) or skip
    // (1, NKI's oob_mode enum values), for indirect accesses; with a
    // dst_rmw_op (add only) only oob_mode error is allowed.
    const int64_t oob = attrs[attr::dma_copy::oob_mode].i;
    const bool rmw = AluOp(attrs[attr::dma_copy::dst_rmw_op].i) != AluOp::bypass;
    auto attr_problem = [](unsigned slot, std::string msg) {
      OperandProblem p{ap::dma_copy::dst, std::move(msg)};
      p.attr = int(slot);
      return std::optional<OperandProblem>(p);
    };
    if (oob != 0 && oob != 1)
      return attr_problem(attr::dma_copy::oob_mode, fmt::format("oob_mode must be 0 (error) or 1 (skip), not {}", oob));
    if (oob == 1 && rmw)
      return attr_problem(attr::dma_copy::oob_mode,
                          "oob_mode=1 (skip) is not allowed with a dst_rmw_op (NKI: only oob_mode error)");
    // dge_mode (NKI 2.26 nki.isa.dge_mode): 0 none, 1 swdge, 2 hwdge, 3
    // unknown. 2.26: "HWDGE is only supported for NeuronCore-v3+". NKI's
    // DGE page (docs/targets.md [dge]): none (descriptors precomputed on
    // the host) and hwdge do not support indirect access; swdge does from
    // NeuronCore-v3 on; unknown lets the compiler choose.
    const int64_t dge = attrs[attr::dma_copy::dge_mode].i;
    const bool indirect = s[F::src_index].present || s[F::dst_index].present || src.indirect;
    if (dge < 0 || dge > 3)
      return attr_problem(attr::dma_copy::dge_mode,
                          fmt::format("dge_mode must be 0 (none), 1 (swdge), 2 (hwdge) or 3 (unknown), not {}", dge));
    if (dge == 2 && target && target->nc_version < 3)
      return attr_problem(attr::dma_copy::dge_mode,
                          fmt::format("dge_mode=2 (hwdge) needs NeuronCore-v3 or later; {} has NeuronCore-v{} (NKI: "
                                      "HWDGE is only supported for NeuronCore-v3+)",
                                      target->name, target->nc_version));
    if (indirect && (dge == 0 || dge == 2))
      return attr_problem(attr::dma_copy::dge_mode,
                          fmt::format("dge_mode={} ({}) cannot do an indirect dma_copy (NKI: only swdge generates "
                                      "descriptors from run-time indices)",
                                      dge, dge == 0 ? "none" : "hwdge"));
    if (indirect && dge == 1 && target && target->nc_version < 3)
      return attr_problem(attr::dma_copy::dge_mode,
                          fmt::format("dge_mode=1 (swdge) does indirect dma_copy from NeuronCore-v3 on; {} has "
                                      "NeuronCore-v{}",
                                      target->name, target->nc_version));
    // One indirect operand: src (src_index, a load or gather) or dst
    // (dst_index, a store or scatter: NKI 2.26 nki.isa.dma_copy, "indirect
    // gather/scatter operations"); index_stride and index_count describe it.
    const bool scatter = s[F::dst_index].present;
    if (scatter && index.present)
      return problem(F::dst_index, "a dma_copy has one indirect operand: src_index or dst_index, not both");
    const unsigned ix = scatter ? unsigned(F::dst_index) : unsigned(F::src_index);
    const unsigned moved = scatter ? unsigned(F::dst) : unsigned(F::src);
    const unsigned fixed = scatter ? unsigned(F::src) : unsigned(F::dst);
    const OperandShape &idx = s[ix], &mv = s[moved], &other = s[fixed];
    const char *ix_name = scatter ? "dst_index" : "src_index";
    const char *mv_name = scatter ? "dst" : "src";
    const char *other_name = scatter ? "src" : "dst";
    if (oob == 1 && !idx.present && !src.indirect)
      return attr_problem(attr::dma_copy::oob_mode,
                          "oob_mode=1 (skip) applies to indirect access, and this dma_copy has no src_index");
    if (!idx.present) {
      if (count != 0 || attrs[attr::dma_copy::index_stride].i != 0)
        return problem(F::src, "index_stride and index_count describe src_index, which is absent");
      return std::nullopt;
    }
    // An indirect load (NKI's dynamic HBM indexing): one integer in SBUF or
    // PSUM picks which of index_count slices of an HBM source is read (a
    // block table); or, a gather, one integer per partition ([P | 1]) picks
    // the slice each of src's P rows (its outermost dim) reads, for the
    // dst partition of the same number (NKI's
    // nl.load(t[idx[i_p, 0], i_f])). A store / scatter mirrors it: the
    // index moves dst, and a scatter writes partition p of src to the slice
    // dst_index[p] names.
    if (mv.mem != Memory::hbm)
      return problem(moved, fmt::format("an indirect dma_copy ({}) {} HBM", ix_name, scatter ? "writes" : "reads"));
    if (idx.mem == Memory::hbm)
      return problem(ix, fmt::format("{} is read by the DMA engine from SBUF or PSUM, not HBM", ix_name));
    if (!dtype_is_integer(idx.dtype))
      return problem(ix, fmt::format("{} must be an integer dtype, not {}", ix_name, dtype_name(idx.dtype)));
    if (idx.free_elements != 1)
      return problem(ix,
                     fmt::format("{} must be one element per partition ([P | 1]), not {}", ix_name, shape_str(idx)));
    if (idx.partitions > 1) {
      if (!other.present || other.mem == Memory::hbm || other.partitions != idx.partitions)
        return problem(ix,
                       fmt::format("a {}'s {} has one entry per {} partition: {} must be on chip with {} "
                                   "partitions",
                                   scatter ? "scatter" : "gather", ix_name, other_name, other_name, idx.partitions));
      if (mv.num_dims < 1 || mv.dims[0] != idx.partitions)
        return problem(moved, fmt::format("a {} {} one {} row per index: {}'s outermost dim must have {} rows",
                                          scatter ? "scatter" : "gather", scatter ? "writes" : "reads", mv_name,
                                          mv_name, idx.partitions));
    }
    if (count < 1) return problem(ix, fmt::format("index_count must be at least 1, not {}", count));
    return std::nullopt;
  }
  case Opcode::nc_matmul: {
    using F = ap::nc_matmul;
    const OperandShape &d = s[F::dst], &st = s[F::stationary], &mv = s[F::moving];
    TRY(tensor_engine_memories(op, s));
    // NKI 2.26 nc_matmul: fp8_e4m3, fp8_e5m2, bf16, fp16, tf32 or fp32 inputs.
    for (unsigned f : {unsigned(F::stationary), unsigned(F::moving)})
      if (!dtype_is_float(s[f].dtype))
        return problem(f, fmt::format("{} must be a float dtype (the Tensor engine multiplies fp8, bf16, f16, tf32 or "
                                      "f32), "
                                      "not {}",
                                      op_info(op).aps[f].name, dtype_name(s[f].dtype)));
    if (st.partitions != mv.partitions)
      return problem(F::moving, fmt::format("contraction mismatch: stationary has {} partitions but moving has {}",
                                            st.partitions, mv.partitions));
    if (target) {
      if (uint64_t(st.partitions) > target->pe_max_contraction)
        return problem(F::stationary, fmt::format("contraction of {} exceeds the Tensor engine's {}", st.partitions,
                                                  target->pe_max_contraction));
      if (uint64_t(st.free_elements) > target->pe_max_stationary_free)
        return problem(F::stationary, fmt::format("stationary free size {} exceeds the Tensor engine's {}",
                                                  st.free_elements, target->pe_max_stationary_free));
      if (uint64_t(mv.free_elements) > target->pe_max_moving_free)
        return problem(F::moving, fmt::format("moving free size {} exceeds the Tensor engine's {}", mv.free_elements,
                                              target->pe_max_moving_free));
      if (target->psum_accumulate_fp32_only && d.dtype != Dtype::f32)
        return problem(F::dst, fmt::format("dst must be f32 (PSUM accumulates in fp32 on {}), not {}", target->name,
                                           dtype_name(d.dtype)));
    }
    if (d.partitions != st.free_elements || d.free_elements != mv.free_elements)
      return problem(F::dst, fmt::format("dst must be [M | N] = [{} | {}] (stationary free x moving free), not {}",
                                         st.free_elements, mv.free_elements, shape_str(d)));
    // NKI 2.26 nki.isa.nc_matmul is_transpose: "a transpose operation with
    // moving as an identity matrix"; an identity is square, [K | K].
    if (attrs[attr::nc_matmul::is_transpose].i && mv.free_elements != mv.partitions)
      return problem(F::moving, fmt::format("is_transpose: moving must be the [{0} | {0}] identity (NKI: a transpose "
                                            "with moving as an identity matrix), not {1}",
                                            mv.partitions, shape_str(mv)));
    // PE tiling (NKI 2.26 nki.isa.nc_matmul, tile_position / tile_size):
    // both set or neither; multiples of 32; the tile at least the
    // stationary tile it holds (rows: K, columns: M); inside the 128x128
    // array. NeuronCore-v2 tiles in halves only (2.26: "the row and column
    // sizes in tile_size cannot be 32"; later docs: 2x64 from v2, 4x32 from
    // v3).
    using A = attr::nc_matmul;
    const int64_t row = attrs[A::tile_row].i, col = attrs[A::tile_col].i;
    const int64_t rows = attrs[A::tile_rows].i, cols = attrs[A::tile_cols].i;
    auto tile_problem = [](unsigned slot, std::string msg) {
      return std::optional<OperandProblem>(OperandProblem{F::stationary, std::move(msg), int(slot)});
    };
    if (rows == 0 && cols == 0) {
      if (row != 0 || col != 0)
        return tile_problem(row != 0 ? A::tile_row : A::tile_col,
                            "a tile position needs a tile size (NKI: tile_position and tile_size must both be set)");
      return std::nullopt;
    }
    constexpr int64_t kPe = 128;
    for (auto [slot, v, what] :
         {std::tuple{unsigned(A::tile_rows), rows, "tile_rows"}, std::tuple{unsigned(A::tile_cols), cols, "tile_cols"},
          std::tuple{unsigned(A::tile_row), row, "tile_row"}, std::tuple{unsigned(A::tile_col), col, "tile_col"}}) {
      const bool size = slot == A::tile_rows || slot == A::tile_cols;
      if (v < 0 || v % 32 != 0 || (size && (v == 0 || v > kPe)) || (!size && v >= kPe))
        return tile_problem(slot, fmt::format("{} must be a multiple of 32 {}, not {} (NKI: tile_position and "
                                              "tile_size values are multiples of 32)",
                                              what, size ? "from 32 to 128" : "from 0 to 96", v));
    }
    if (row + rows > kPe || col + cols > kPe)
      return tile_problem(
          row + rows > kPe ? A::tile_rows : A::tile_cols,
          fmt::format("the PE tile at ({}, {}) of {} x {} runs past the 128 x 128 PE array", row, col, rows, cols));
    if (st.partitions > rows || st.free_elements > cols)
      return tile_problem(st.partitions > rows ? A::tile_rows : A::tile_cols,
                          fmt::format("the PE tile {} x {} is smaller than the stationary tile it holds, {} x {} "
                                      "(K x M; NKI: tile_size must be at least the stationary tile size)",
                                      rows, cols, st.partitions, st.free_elements));
    if (target && target->nc_version < 3 && (rows == 32 || cols == 32))
      return tile_problem(rows == 32 ? A::tile_rows : A::tile_cols,
                          fmt::format("{} has NeuronCore-v{}, whose PE tiles are 64 or 128 rows and columns, not 32",
                                      target->name, target->nc_version));
    return std::nullopt;
  }
  case Opcode::nc_transpose: {
    using F = ap::nc_transpose;
    const OperandShape &d = s[F::dst], &src = s[F::src];
    const bool vector = engine == Engine::vector; // else the Tensor engine: a matmul by the identity
    if (!vector) TRY(tensor_engine_memories(op, s));
    if (d.partitions != src.free_elements || d.free_elements != src.partitions)
      return problem(F::dst, fmt::format("dst must be [{} | {}] (src transposed), not {}", src.free_elements,
                                         src.partitions, shape_str(d)));
    if (target && vector &&
        (uint64_t(src.partitions) > target->dve_transpose_max ||
         uint64_t(src.free_elements) > target->dve_transpose_max))
      return problem(F::src, fmt::format("the Vector engine transposes blocks of at most {}x{}, src is {}",
                                         target->dve_transpose_max, target->dve_transpose_max, shape_str(src)));
    if (target && !vector && uint64_t(src.free_elements) > target->pe_max_stationary_free)
      return problem(F::src, fmt::format("src free size {} exceeds the Tensor engine's {}", src.free_elements,
                                         target->pe_max_stationary_free));
    return std::nullopt;
  }
  case Opcode::tensor_reduce: {
    using F = ap::tensor_reduce;
    const OperandShape &d = s[F::dst], &src = s[F::src];
    const int64_t axes = attrs[attr::tensor_reduce::axes].i;
    auto kept = kept_dims(src, axes);
    if (!kept)
      return problem(F::src,
                     fmt::format("axes mask {} must select some of src's {} free dims", axes, free_dims(src).size()));
    // NKI 2.26 nki.isa, tensor_reduce: up to four consecutive free axes,
    // the innermost among them (NKI's axis 1, our bit 0).
    if ((axes & (axes + 1)) != 0 || axes > 15) {
      OperandProblem p{F::src,
                       fmt::format("axes mask {} must select the innermost 1 to 4 free dims (1, 3, 7 or 15: "
                                   "consecutive axes including the innermost)",
                                   axes),
                       int(attr::tensor_reduce::axes)};
      return p;
    }
    // NKI 2.26 nki.isa, tensor_reduce: negate (x -1 at no cost) with an
    // arithmetic op only.
    if (attrs[attr::tensor_reduce::negate].i && alu_kind(AluOp(attrs[attr::tensor_reduce::op].i)) == AluKind::bitwise) {
      OperandProblem p{F::dst,
                       fmt::format("negate applies to arithmetic reductions only, not {}",
                                   alu_name(AluOp(attrs[attr::tensor_reduce::op].i))),
                       int(attr::tensor_reduce::negate)};
      return p;
    }
    uint64_t n = 1;
    for (int64_t k : *kept) n *= uint64_t(k);
    if (d.partitions != src.partitions || uint64_t(d.free_elements) != n)
      return problem(F::dst, fmt::format("dst must be {} after the reduction, it is {}",
                                         shape_str_of(src.partitions, n), shape_str(d)));
    return std::nullopt;
  }
  // Only the rules every instruction shares: dst on chip, the engine's reach.
  case Opcode::iota: return free_steps_in_dst(s, ap::iota::dst, attrs, attr::iota::free_step1);
  case Opcode::memset: return std::nullopt;
  case Opcode::tensor_tensor_scan: return scan_rules(s);
  case Opcode::bn_stats: {
    TRY(on_chip(op, s));
    TRY(same_partitions(op, s, 0, 1));
    TRY(free_size(op, s, 1, 1, kBnStatsMaxFree, "bn_stats_fmax; split longer rows over several bn_stats"));
    TRY(free_size(op, s, 0, 6, 6, "two (count, mean, count*var) triples"));
    return float_dst(op, s, "counts, means and variances");
  }
  case Opcode::bn_aggr: {
    TRY(on_chip(op, s));
    TRY(same_partitions(op, s, 0, 1));
    if (s[1].free_elements < 3 || s[1].free_elements % 3 != 0)
      return problem(1, fmt::format("src must hold (count, mean, count*var) triples: a multiple of 3 elements per "
                                    "partition, not {}",
                                    s[1].free_elements));
    TRY(free_size(op, s, 0, 2, 2, "mean and variance"));
    return float_dst(op, s, "a mean and a variance");
  }
  case Opcode::max8: {
    TRY(on_chip(op, s));
    TRY(same_partitions(op, s, 0, 1));
    TRY(free_size(op, s, 1, kMax8MinFree, kMax8MaxFree, "max8's documented range"));
    return free_size(op, s, 0, 8, 8, "the 8 largest values");
  }
  case Opcode::nc_find_index8: {
    using F = ap::nc_find_index8;
    TRY(on_chip(op, s));
    TRY(same_partitions(op, s, F::dst, F::data));
    TRY(same_partitions(op, s, F::dst, F::vals));
    TRY(free_size(op, s, F::data, kMax8MinFree, kMax8MaxFree, "nc_find_index8's documented range"));
    TRY(free_size(op, s, F::vals, 8, 8, "the values to find"));
    TRY(free_size(op, s, F::dst, 8, 8, "one index per value"));
    // NKI 2.26 nki.isa.nc_find_index8: "uint16 or uint32 type. Default
    // output type is uint32."
    if (s[F::dst].dtype != Dtype::u16 && s[F::dst].dtype != Dtype::u32)
      return problem(F::dst, fmt::format("dst holds indices: it must be u16 or u32 (NKI 2.26), not {}",
                                         dtype_name(s[F::dst].dtype)));
    return std::nullopt;
  }
  case Opcode::scalar_tensor_tensor: {
    using F = ap::scalar_tensor_tensor;
    TRY(on_chip(op, s));
    TRY(same_shape(op, s, F::dst, F::data));
    TRY(same_shape(op, s, F::dst, F::operand1));
    if (s[F::operand0].present) {
      TRY(same_partitions(op, s, F::dst, F::operand0));
      TRY(free_size(op, s, F::operand0, 1, 1, "a per-partition scalar"));
    }
    if (s[F::data].mem == Memory::psum && s[F::operand1].mem == Memory::psum)
      return problem(F::operand1, "data and operand1 cannot both be in PSUM");
    return std::nullopt;
  }
  case Opcode::reciprocal: TRY(on_chip(op, s)); return same_shape(op, s, 0, 1);
  case Opcode::tensor_partition_reduce: {
    using F = ap::tensor_partition_reduce;
    TRY(on_chip(op, s));
    if (s[F::dst].partitions != 1)
      return problem(F::dst, fmt::format("dst must have 1 partition (the reduction is over data's {}), not {}",
                                         s[F::data].partitions, s[F::dst].partitions));
    if (s[F::dst].free_elements != s[F::data].free_elements)
      return problem(F::dst, fmt::format("dst must have data's {} elements per partition, not {}",
                                         s[F::data].free_elements, s[F::dst].free_elements));
    return std::nullopt;
  }
  case Opcode::nc_match_replace8: {
    using F = ap::nc_match_replace8;
    TRY(on_chip(op, s));
    TRY(same_partitions(op, s, F::data, F::vals));
    TRY(free_size(op, s, F::data, 1, kMax8MaxFree, "nc_match_replace8's documented range"));
    TRY(free_size(op, s, F::vals, 8, 8, "the values to match"));
    TRY(same_shape(op, s, F::data, F::dst));
    if (s[F::dst_idx].present) {
      TRY(same_partitions(op, s, F::data, F::dst_idx));
      TRY(free_size(op, s, F::dst_idx, 8, 8, "one index per value"));
      if (dtype_is_float(s[F::dst_idx].dtype))
        return problem(F::dst_idx, fmt::format("dst_idx holds indices: it must be an integer dtype, not {}",
                                               dtype_name(s[F::dst_idx].dtype)));
    }
    return std::nullopt;
  }
  case Opcode::sequence_bounds: {
    using F = ap::sequence_bounds;
    TRY(on_chip(op, s));
    for (unsigned f : {unsigned(F::dst), unsigned(F::segment_ids)})
      if (s[f].partitions != 1)
        return problem(f, fmt::format("{} must have 1 partition (sequence_bounds works on one row), not {}",
                                      op_info(op).aps[f].name, s[f].partitions));
    if (s[F::dst].free_elements != 2 * s[F::segment_ids].free_elements)
      return problem(F::dst, fmt::format("dst must hold a start and an end per id: {} elements, not {}",
                                         2 * s[F::segment_ids].free_elements, s[F::dst].free_elements));
    for (unsigned f : {unsigned(F::dst), unsigned(F::segment_ids)})
      if (s[f].dtype != Dtype::f32 && s[f].dtype != Dtype::i32)
        return problem(f,
                       fmt::format("{} must be f32 or i32, not {}", op_info(op).aps[f].name, dtype_name(s[f].dtype)));
    return std::nullopt;
  }
  case Opcode::dropout: {
    using F = ap::dropout;
    TRY(on_chip(op, s));
    TRY(same_shape(op, s, F::dst, F::src));
    if (s[F::prob].present) {
      TRY(same_partitions(op, s, F::dst, F::prob));
      TRY(free_size(op, s, F::prob, 1, 1, "a per-partition probability"));
      // NKI 2.26 nki.isa.dropout: prob is a float tile, float32 when data
      // is an integer tile.
      if (!dtype_is_float(s[F::prob].dtype))
        return problem(F::prob, fmt::format("prob must be a float tile, not {}", dtype_name(s[F::prob].dtype)));
      if (!dtype_is_float(s[F::src].dtype) && s[F::prob].dtype != Dtype::f32)
        return problem(F::prob,
                       fmt::format("dropout of integer data takes an f32 prob, not {}", dtype_name(s[F::prob].dtype)));
    }
    if (!dtype_is_float(s[F::src].dtype) && s[F::dst].dtype != s[F::src].dtype)
      return problem(F::dst, "dropout of integer data keeps its dtype: dst must be " +
                                 std::string(dtype_name(s[F::src].dtype)));
    return std::nullopt;
  }
  case Opcode::local_gather: {
    using F = ap::local_gather;
    TRY(on_chip(op, s));
    TRY(same_partitions(op, s, F::src, F::index));
    TRY(same_partitions(op, s, F::src, F::dst));
    if (s[F::src].partitions % 16 != 0)
      return problem(F::src, fmt::format("src must span a multiple of 16 partitions (one GpSimd core each), not {}",
                                         s[F::src].partitions));
    const int64_t e = attrs[attr::local_gather::num_elem_per_idx].i;
    if (e != 1 && e != 2 && e != 4 && e != 8 && e != 16 && e != 32)
      return problem(F::dst, fmt::format("num_elem_per_idx must be 1, 2, 4, 8, 16 or 32, not {}", e));
    const int64_t nv = gather_count(s, attrs), per_core = 16 * s[F::index].free_elements;
    if (nv < 1 || nv > per_core || nv > 4096)
      return problem(F::index, fmt::format("num_valid_indices must be 1 to {} (the indices of a 16-partition "
                                           "slice, at most 4096), not {}",
                                           std::min<int64_t>(per_core, 4096), nv));
    // NKI 2.26 nki.isa.local_gather: "The indices in index tile must be
    // uint16 types."
    if (s[F::index].dtype != Dtype::u16)
      return problem(F::index, fmt::format("index holds element offsets: it must be u16 (NKI 2.26), not {}",
                                           dtype_name(s[F::index].dtype)));
    if (s[F::dst].dtype != s[F::src].dtype)
      return problem(F::dst, fmt::format("local_gather does not convert: dst must be {} like src, not {}",
                                         dtype_name(s[F::src].dtype), dtype_name(s[F::dst].dtype)));
    if (s[F::dst].free_elements != nv * e)
      return problem(F::dst, fmt::format("dst must have num_valid_indices * num_elem_per_idx = {} elements per "
                                         "partition, not {}",
                                         nv * e, s[F::dst].free_elements));
    return std::nullopt;
  }
  case Opcode::tensor_copy_dynamic_src:
  case Opcode::tensor_copy_dynamic_dst: {
    // The region is the operand the run-time offset moves within; the
    // other one is the window copied.
    const bool src_moves = op == Opcode::tensor_copy_dynamic_src;
    const unsigned region = src_moves ? 1 : 0, window = src_moves ? 0 : 1, offset = 2;
    TRY(on_chip(op, s));
    TRY(same_partitions(op, s, window, region));
    if (s[region].free_elements < s[window].free_elements)
      return problem(region, fmt::format("{} (the region the offset moves in) is smaller than the {} elements copied",
                                         op_info(op).aps[region].name, s[window].free_elements));
    if (s[offset].partitions != 1 || s[offset].free_elements != 1 || dtype_is_float(s[offset].dtype) ||
        s[offset].mem != Memory::sbuf)
      return problem(offset, "offset must be one integer element in SBUF ([1 | 1] i32 or u8)");
    // offset_stride (the same slot in both): the elements one step of the
    // indexed axis spans (NKI's offsets index an axis: src[ix, off, iz]).
    const int64_t stride = attrs[attr::tensor_copy_dynamic_src::offset_stride].i;
    if (stride < 1 || stride > s[region].free_elements) {
      OperandProblem p{region,
                       fmt::format("offset_stride must be 1 to {} (the region's elements per partition), not {}",
                                   s[region].free_elements, stride),
                       int(attr::tensor_copy_dynamic_src::offset_stride)};
      return p;
    }
    return std::nullopt;
  }
  case Opcode::tensor_copy: return same_shape(op, s, ap::tensor_copy::dst, ap::tensor_copy::src);
  case Opcode::tensor_tensor: return tensor_tensor_rules(s, attrs, engine);
  case Opcode::tensor_scalar: return tensor_scalar_rules(s, attrs, target, engine);
  case Opcode::tensor_scalar_reduce: {
    using F = ap::tensor_scalar_reduce;
    TRY(same_shape(op, s, F::dst, F::src));
    TRY(scalar_of(op, s, F::src, F::scalar0));
    TRY(scalar_of(op, s, F::src, F::reduce_dst));
    // NKI 2.26 nki.isa, tensor_scalar_reduce: reverse0 is "not supported yet".
    if (attrs[attr::tensor_scalar_reduce::reverse0].i) {
      OperandProblem p{F::dst, "reverse0 is not supported (NKI 2.26: not supported yet); use tensor_scalar",
                       int(attr::tensor_scalar_reduce::reverse0)};
      return p;
    }
    return std::nullopt;
  }
  case Opcode::activation: {
    // NKI 2.26 nki.isa, activation: scale is a compile-time constant or a
    // [P|1] fp32 tile; one of the two.
    using F = ap::activation;
    TRY(same_shape(op, s, F::dst, F::src));
    TRY(scalar_of(op, s, F::src, F::bias));
    TRY(scalar_of(op, s, F::src, F::reduce_dst));
    TRY(reduce_cmd_valid(attrs, attr::activation::reduce_cmd));
    if (s[F::scale_tile].present) {
      TRY(scalar_of(op, s, F::src, F::scale_tile));
      if (s[F::scale_tile].dtype != Dtype::f32)
        return problem(F::scale_tile,
                       fmt::format("a scale tile must be f32, not {}", dtype_name(s[F::scale_tile].dtype)));
      if (attrs[attr::activation::scale].as_float() != 1.0f) {
        auto p = problem(F::scale_tile, fmt::format("scale is given twice: as a tile and as the immediate {}",
                                                    attrs[attr::activation::scale].as_float()));
        p->attr = int(attr::activation::scale);
        return p;
      }
    }
    return std::nullopt;
  }
  case Opcode::affine_select:
    TRY(same_shape(op, s, ap::affine_select::dst, ap::affine_select::src));
    // NKI 2.26 nki.isa.affine_select: "any float or 8-bit/16-bit integer data
    // types for both the input data tile and output tile".
    for (unsigned f : {unsigned(ap::affine_select::src), unsigned(ap::affine_select::dst)})
      if (s[f].present && !dtype_is_float(s[f].dtype) && dtype_size(s[f].dtype) > 2)
        return problem(f, fmt::format("affine_select takes float or 8/16-bit integer tiles, not {} ({})",
                                      dtype_name(s[f].dtype), op_info(op).aps[f].name));
    return free_steps_in_dst(s, ap::affine_select::dst, attrs, attr::affine_select::free_step1);
  case Opcode::select: {
    using F = ap::select;
    TRY(same_shape(op, s, F::dst, F::predicate));
    TRY(same_shape(op, s, F::dst, F::on_true));
    // on_false: a tile shaped like dst, or one value per partition.
    if (s[F::on_false].present && s[F::on_false].free_elements != 1) {
      auto p = same_shape(op, s, F::dst, F::on_false);
      if (p) p->message = "on_false must be shaped like dst or be one value per partition: " + p->message;
      return p;
    }
    return scalar_of(op, s, F::dst, F::on_false);
  }
  case Opcode::tensor_copy_predicated: {
    // NKI 2.26: src, dst and predicate match in shape; src and dst share a
    // dtype; the predicate is uint8, uint16 or uint32; src and predicate are
    // not both in PSUM.
    using F = ap::tensor_copy_predicated;
    TRY(on_chip(op, s));
    TRY(same_shape(op, s, F::dst, F::src));
    TRY(same_shape(op, s, F::dst, F::predicate));
    if (s[F::src].dtype != s[F::dst].dtype)
      return problem(F::src, fmt::format("src is {} but dst is {}: the copy moves raw elements",
                                         dtype_name(s[F::src].dtype), dtype_name(s[F::dst].dtype)));
    if (dtype_kind(s[F::predicate].dtype) != DtypeKind::U)
      return problem(F::predicate, fmt::format("predicate must be u8, u16 or u32 (an unsigned integer mask), not {}",
                                               dtype_name(s[F::predicate].dtype)));
    if (s[F::src].mem == Memory::psum && s[F::predicate].mem == Memory::psum)
      return problem(F::predicate, "src and predicate cannot both be in PSUM");
    return std::nullopt;
  }
  case Opcode::select_reduce: {
    // NKI 2.26 nki.isa, select_reduce: on_true, dst and predicate match in
    // shape; on_false is a [P|1] tile (or the fp32 immediate); reduce_res a
    // float [P|1]; on_true is no int32/uint32/tfloat32; predicate an 8- or
    // 16-bit integer; on_true and predicate not both in PSUM.
    using F = ap::select_reduce;
    TRY(on_chip(op, s));
    TRY(same_shape(op, s, F::dst, F::on_true));
    TRY(same_shape(op, s, F::dst, F::predicate));
    TRY(scalar_of(op, s, F::dst, F::on_false));
    TRY(scalar_of(op, s, F::dst, F::reduce_res));
    if (s[F::on_true].dtype == Dtype::i32 || s[F::on_true].dtype == Dtype::u32 || s[F::on_true].dtype == Dtype::tf32)
      return problem(F::on_true, fmt::format("on_true cannot be {} (NKI: any dtype but int32, uint32 and tfloat32)",
                                             dtype_name(s[F::on_true].dtype)));
    if (!select_predicate_dtype(s[F::predicate].dtype))
      return problem(F::predicate,
                     fmt::format("predicate must be i8, u8, i16 or u16, not {}", dtype_name(s[F::predicate].dtype)));
    if (s[F::on_true].mem == Memory::psum && s[F::predicate].mem == Memory::psum)
      return problem(F::predicate, "on_true and predicate cannot both be in PSUM");
    if (s[F::reduce_res].present && !dtype_is_float(s[F::reduce_res].dtype))
      return problem(F::reduce_res,
                     fmt::format("reduce_res must be a float dtype, not {}", dtype_name(s[F::reduce_res].dtype)));
    if (!s[F::reduce_res].present && attrs[attr::select_reduce::accumulate].i)
      return problem(F::dst, "accumulate continues a reduction: it needs reduce_res");
    return std::nullopt;
  }
  case Opcode::nc_stream_shuffle: return shuffle_rules(s, attrs);
  case Opcode::range_select: {
    using F = ap::range_select;
    if (target && target->nc_version < 3)
      return problem(F::dst, fmt::format("range_select needs NeuronCore-v3 or later; {} is {}", target->name,
                                         target->description));
    TRY(on_chip(op, s));
    TRY(same_shape(op, s, F::dst, F::on_true));
    for (unsigned f : {unsigned(F::bound0), unsigned(F::bound1)}) {
      TRY(same_partitions(op, s, F::dst, f));
      TRY(free_size(op, s, f, 1, 1, "a per-partition bound"));
      if (s[f].dtype != Dtype::f32)
        return problem(f, fmt::format("{} must be f32 (the comparison is in fp32), not {}", op_info(op).aps[f].name,
                                      dtype_name(s[f].dtype)));
    }
    if (!dtype_is_float(s[F::on_true].dtype)) return problem(F::on_true, "on_true must be a float dtype");
    // reduce_res: one value per partition; a float, like select_reduce's
    // (NKI 2.26 recommends fp32 so that an all-fill row gives FP32_MIN).
    TRY(scalar_of(op, s, F::dst, F::reduce_res));
    if (s[F::reduce_res].present && !dtype_is_float(s[F::reduce_res].dtype))
      return problem(F::reduce_res,
                     fmt::format("reduce_res must be a float dtype, not {}", dtype_name(s[F::reduce_res].dtype)));
    TRY(reduce_cmd_valid(attrs, attr::range_select::reduce_cmd));
    for (unsigned a : {unsigned(attr::range_select::cmp0), unsigned(attr::range_select::cmp1)})
      if (AluOp(attrs[a].i) == AluOp::not_equal)
        return problem(F::dst, fmt::format("{}: not_equal is not one of range_select's comparisons (is_equal, is_lt, "
                                           "is_le, is_gt, is_ge)",
                                           op_info(op).attrs[a].name));
    const int64_t last = attrs[attr::range_select::range_start].i + s[F::on_true].free_elements;
    if (attrs[attr::range_select::range_start].i < 0 || last > (int64_t(1) << 24))
      return problem(F::dst, fmt::format("range_start + the free size must stay within [0, 2^24] (the index is "
                                         "compared in fp32), is {}",
                                         last));
    return std::nullopt;
  }
  default: return std::nullopt;
  }
}

} // namespace

std::optional<OperandProblem> check_operand_rules(Opcode op, const OperandShapes &s,
                                                  const std::array<AttrValue, kMaxAttrs> &attrs, const Target *target,
                                                  std::optional<Engine> engine) {
  if (engine) return rules(op, s, attrs, target, *engine);
  // Not chosen yet: one of the op's engines must suit; else the first's problem.
  std::optional<OperandProblem> first;
  for (unsigned b = 0; b < kNumEngines; ++b) {
    if (!(op_info(op).engines & (1u << b))) continue;
    auto p = rules(op, s, attrs, target, Engine(b));
    if (!p) return std::nullopt;
    if (!first) first = std::move(p);
  }
  return first;
}

std::optional<OperandProblem> check_operand_rules(const Instruction &inst, const Target *target,
                                                  std::optional<Engine> engine) {
  if (!has_operand_rules(inst.op)) return std::nullopt;
  OperandShapes s{};
  const OpInfo &info = op_info(inst.op);
  for (unsigned i = 0; i < info.num_aps; ++i)
    if (inst.ap[i].present()) s[i] = operand_shape(inst.ap[i]);
  return check_operand_rules(inst.op, s, inst.attr, target, engine);
}

std::optional<OperandShape> inferred_dst(Opcode op, const OperandShapes &s,
                                         const std::array<AttrValue, kMaxAttrs> &attrs, std::optional<Engine> engine) {
  // [partitions | free] in SBUF: a tile with one free dim.
  auto sized = [&](const OperandShape &from, int64_t free, Dtype dt) {
    OperandShape d{true, Memory::sbuf, dt, from.partitions, free};
    d.num_dims = 1;
    d.dims[0] = free;
    return d;
  };
  // Shaped like `from` (its free dims too), in SBUF.
  auto like = [](const OperandShape &from) {
    OperandShape d = from;
    d.present = true;
    d.mem = Memory::sbuf;
    return d;
  };
  // NKI's default output dtype is the input's; stats of integers are floats.
  auto float_of = [](Dtype t) { return dtype_is_float(t) ? t : Dtype::f32; };
  switch (op) {
  case Opcode::nc_matmul: {
    OperandShape d = sized(s[ap::nc_matmul::stationary], s[ap::nc_matmul::moving].free_elements, Dtype::f32);
    d.partitions = s[ap::nc_matmul::stationary].free_elements;
    d.mem = Memory::psum;
    return d;
  }
  case Opcode::nc_transpose: {
    const OperandShape &src = s[ap::nc_transpose::src];
    OperandShape d = sized(src, src.partitions, src.dtype);
    d.partitions = src.free_elements;
    d.mem = engine && *engine == Engine::vector ? Memory::sbuf : Memory::psum;
    return d;
  }
  case Opcode::tensor_reduce: {
    // [P | the kept dims] (NKI's keepdims=False), in src's dtype.
    const OperandShape &src = s[ap::tensor_reduce::src];
    auto kept = kept_dims(src, attrs[attr::tensor_reduce::axes].i);
    OperandShape d = sized(src, 1, src.dtype);
    if (!kept || kept->empty()) return d; // every dim reduced: [P | 1] (or refused by check_operand_rules)
    d.num_dims = uint8_t(kept->size());
    for (size_t i = 0; i < kept->size(); ++i) {
      d.dims[i] = (*kept)[i];
      d.free_elements *= (*kept)[i];
    }
    return d;
  }
  case Opcode::select: return like(s[ap::select::on_true]);
  case Opcode::tensor_copy: return like(s[ap::tensor_copy::src]);
  case Opcode::tensor_tensor: {
    // NKI 2.26 nki.isa.tensor_tensor: without dtype=, "the data type of data1
    // or data2, whichever has the higher precision", by the type promotion
    // of nki.api.shared.rst ("NKI Type Promotion", which names tensor_tensor;
    // bf16 with f16 widens to f32): promote_dtypes.
    OperandShape d = like(s[ap::tensor_tensor::src0]);
    if (s[ap::tensor_tensor::src1].present)
      d.dtype = promote_dtypes(s[ap::tensor_tensor::src0].dtype, s[ap::tensor_tensor::src1].dtype);
    return d;
  }
  case Opcode::tensor_scalar: return like(s[ap::tensor_scalar::src]);
  case Opcode::tensor_scalar_reduce: return like(s[ap::tensor_scalar_reduce::src]);
  case Opcode::activation: return like(s[ap::activation::src]);
  case Opcode::affine_select: return like(s[ap::affine_select::src]);
  case Opcode::tensor_tensor_scan: {
    using F = ap::tensor_tensor_scan;
    const OperandShape &a = s[F::data0], &b = s[F::data1];
    // "data0 or data1, whichever has the highest precision" (NKI 2.26
    // nki.isa.tensor_tensor_scan): NKI's type promotion, as tensor_tensor's.
    Dtype dt = promote_dtypes(a.dtype, b.dtype);
    return sized(a, a.free_elements, dt);
  }
  case Opcode::bn_stats: return sized(s[1], 6, float_of(s[1].dtype));
  case Opcode::bn_aggr: return sized(s[1], 2, float_of(s[1].dtype));
  case Opcode::max8: return sized(s[1], 8, s[1].dtype);
  case Opcode::nc_find_index8: return sized(s[ap::nc_find_index8::data], 8, Dtype::u32); // NKI's default
  case Opcode::scalar_tensor_tensor: {
    const OperandShape &d = s[ap::scalar_tensor_tensor::data];
    return sized(d, d.free_elements, d.dtype);
  }
  case Opcode::reciprocal: return sized(s[1], s[1].free_elements, s[1].dtype);
  case Opcode::tensor_partition_reduce: {
    OperandShape d = sized(s[1], s[1].free_elements, s[1].dtype);
    d.partitions = 1;
    return d;
  }
  case Opcode::nc_match_replace8: {
    const OperandShape &d = s[ap::nc_match_replace8::data];
    return sized(d, d.free_elements, d.dtype);
  }
  case Opcode::sequence_bounds: {
    const OperandShape &ids = s[ap::sequence_bounds::segment_ids];
    return sized(ids, 2 * ids.free_elements, ids.dtype);
  }
  case Opcode::dropout: return sized(s[1], s[1].free_elements, s[1].dtype);
  case Opcode::tensor_copy_dynamic_src: {
    // Without a dst the window is the whole region: the offset can only be 0.
    const OperandShape &src = s[1];
    return sized(src, src.free_elements, src.dtype);
  }
  case Opcode::select_reduce: return like(s[ap::select_reduce::on_true]);
  case Opcode::range_select: {
    const OperandShape &t = s[ap::range_select::on_true];
    return sized(t, t.free_elements, t.dtype);
  }
  case Opcode::local_gather: {
    const OperandShape &src = s[ap::local_gather::src];
    return sized(src, gather_count(s, attrs) * attrs[attr::local_gather::num_elem_per_idx].i, src.dtype);
  }
  default: return std::nullopt;
  }
}

} // namespace nk
