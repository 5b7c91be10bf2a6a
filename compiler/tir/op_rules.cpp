// The per-op rules of the Tile IR (op_rules.h), shared by sema and the
// Tile IR verifier.
#include "compiler/tir/op_rules.h"

#include "llvm/ADT/Twine.h"

namespace nk::tir {

std::optional<std::string> tile_type_problem(const Type &t, const Target &target) {
  for (int64_t d : t.shape)
    if (d < 1) return "tile dimensions must be at least 1, got " + std::to_string(d);
  if (t.partitions() > int64_t(target.partitions))
    return "partition size " + std::to_string(t.partitions()) + " exceeds the " + std::to_string(target.partitions) +
           " partitions of " + target.name;
  if (t.shape.size() > 1 + kMaxFreeDims)
    return "a tile has at most " + std::to_string(kMaxFreeDims) + " free dimensions, this one has " +
           std::to_string(t.shape.size() - 1);
  // Bytes per partition, computed without overflow (each dim <= 2^63).
  uint64_t bytes = dtype_size(t.dtype);
  for (size_t i = 1; i < t.shape.size(); ++i)
    if (__builtin_mul_overflow(bytes, uint64_t(t.shape[i]), &bytes)) bytes = UINT64_MAX;
  if (t.mem == Memory::psum && bytes > target.psum_bank_bytes())
    return "PSUM tile " + type_str(t) + " needs " + std::to_string(bytes) + " bytes per partition; a PSUM bank holds " +
           std::to_string(target.psum_bank_bytes());
  if (t.mem == Memory::sbuf && bytes > target.sbuf_bytes_per_partition)
    return "SBUF tile " + type_str(t) + " needs " + std::to_string(bytes) + " bytes per partition; SBUF has " +
           std::to_string(target.sbuf_bytes_per_partition) + " per partition on " + target.name;
  return std::nullopt;
}

std::optional<std::string> hbm_dims_problem(const Type &t) {
  if (t.shape.size() > kMaxHbmDims)
    return "HBM access has " + std::to_string(t.shape.size()) + " dimensions; at most " + std::to_string(kMaxHbmDims) +
           " are addressable";
  return std::nullopt;
}

std::optional<std::string> broadcast_problem(const Type &a, const Type &b, std::vector<int64_t> &out) {
  if (a.partitions() != b.partitions())
    return "partition sizes differ (" + std::to_string(a.partitions()) + " vs " + std::to_string(b.partitions()) +
           "): compute engines cannot broadcast across the partition axis; "
           "transpose, or broadcast with a matmul against ones";
  size_t na = a.shape.empty() ? 0 : a.shape.size() - 1, nb = b.shape.empty() ? 0 : b.shape.size() - 1;
  size_t n = std::max(na, nb);
  out.assign(n + 1, 1);
  out[0] = a.partitions();
  for (size_t i = 0; i < n; ++i) { // right-aligned free dims
    int64_t da = i < na ? a.shape[a.shape.size() - 1 - i] : 1;
    int64_t db = i < nb ? b.shape[b.shape.size() - 1 - i] : 1;
    if (da != db && da != 1 && db != 1)
      return "free shapes of " + type_str(a) + " and " + type_str(b) + " are not broadcast-compatible (" +
             std::to_string(da) + " vs " + std::to_string(db) + ")";
    out[n - i] = std::max(da, db);
  }
  return std::nullopt;
}

bool store_shapes_match(const Type &dst, const Type &src) {
  auto squeeze = [](const std::vector<int64_t> &s) {
    std::vector<int64_t> r;
    for (int64_t d : s)
      if (d != 1) r.push_back(d);
    return r;
  };
  return dst.shape == src.shape || squeeze(dst.shape) == squeeze(src.shape);
}

std::optional<RuleProblem> matmul_problem(const Type &xt, const Type &yt, bool tx, const Target &target, Type &result) {
  int i = 0;
  for (const Type *t : {&xt, &yt}) {
    if (t->shape.size() != 2) return RuleProblem{"matmul() operands must be 2-D tiles [P | F], not " + type_str(*t), i};
    if (!dtype_is_float(t->dtype))
      return RuleProblem{
          "matmul() operands must be floating point (f32, tf32, bf16, f16, f8e4m3, f8e5m2), not " + type_str(*t), i};
    ++i;
  }
  // transpose_x: x is [K | M] already; otherwise x is [M | K] and the
  // compiler transposes it. y is always [K | N]. Result [M | N].
  int64_t K = tx ? xt.shape[0] : xt.shape[1], M = tx ? xt.shape[1] : xt.shape[0];
  int64_t N = yt.shape[1];
  if (K != yt.shape[0])
    return RuleProblem{"matmul() contracts over the partition axis of both operands: x gives K = " + std::to_string(K) +
                           (tx ? " (its partition axis)" : " (its free axis; x is transposed)") + " but y has " +
                           std::to_string(yt.shape[0]) + " partitions",
                       -1};
  struct Limit {
    int64_t v;
    unsigned max;
    const char *what;
    int at;
  };
  for (Limit l : {Limit{K, target.pe_max_contraction, "contraction size K", 1},
                  Limit{M, target.pe_max_stationary_free, "stationary free size M (x's columns)", 0},
                  Limit{N, target.pe_max_moving_free, "moving free size N (y's free size)", 1}})
    if (l.v > int64_t(l.max))
      return RuleProblem{std::string("matmul() ") + l.what + " is " + std::to_string(l.v) + "; the Tensor engine of " +
                             target.name + " allows at most " + std::to_string(l.max),
                         l.at};
  if (uint64_t(N) * 4 > target.psum_bank_bytes())
    return RuleProblem{"matmul() result row of " + std::to_string(N) + " fp32 values does not fit a PSUM bank (" +
                           std::to_string(target.psum_bank_bytes()) + " bytes)",
                       1};
  result = Type{Memory::sbuf, Dtype::f32, {M, N}};
  return std::nullopt;
}

std::optional<std::string> transpose_problem(const Type &xt, const Target &target, Type &result) {
  if (xt.shape.size() != 2) return "transpose() needs a 2-D tile [P | F], not " + type_str(xt);
  if (xt.shape[1] > int64_t(target.pe_max_stationary_free))
    return "transpose() of " + type_str(xt) + " would put " + std::to_string(xt.shape[1]) +
           " on the partition axis; at most " + std::to_string(target.pe_max_stationary_free) + " fit";
  result = Type{Memory::sbuf, xt.dtype, {xt.shape[1], xt.shape[0]}};
  return std::nullopt;
}

std::pair<int64_t, int64_t> affine_range(const Affine &a, const std::unordered_map<ValueId, int64_t> &trips) {
  auto sat_add = [](int64_t x, int64_t y) {
    int64_t r;
    if (__builtin_add_overflow(x, y, &r)) return y < 0 ? INT64_MIN : INT64_MAX;
    return r;
  };
  int64_t lo = a.constant, hi = a.constant;
  for (auto &[id, coef] : a.terms) {
    auto it = trips.find(id);
    int64_t last = it == trips.end() ? 0 : it->second - 1, x;
    if (__builtin_mul_overflow(coef, last, &x)) x = coef < 0 ? INT64_MIN : INT64_MAX;
    if (x < 0)
      lo = sat_add(lo, x);
    else
      hi = sat_add(hi, x);
  }
  return {lo, hi};
}

bool is_elementwise_alu(AluOp a) {
  switch (a) {
  case AluOp::add:
  case AluOp::subtract:
  case AluOp::multiply:
  case AluOp::divide:
  case AluOp::max:
  case AluOp::min:
  case AluOp::is_equal:
  case AluOp::not_equal:
  case AluOp::is_lt:
  case AluOp::is_le:
  case AluOp::is_gt:
  case AluOp::is_ge:
  case AluOp::logical_and:
  case AluOp::logical_or:
  case AluOp::logical_xor: return true;
  default: return false;
  }
}

bool is_reduce_alu(AluOp a) { return a == AluOp::max || a == AluOp::min || a == AluOp::add; }

std::optional<Engine> isa_rule_engine(Opcode opc, std::optional<Engine> given) {
  const OpInfo &info = op_info(opc);
  std::optional<Engine> engine = given;
  for (unsigned b = 0; b < kNumEngines && !engine; ++b)
    if (info.engines == (1u << b)) engine = Engine(b);
  return engine;
}

OperandShapes isa_operand_shapes(Opcode opc, const IsaOperands &operands) {
  const OpInfo &info = op_info(opc);
  OperandShapes s{};
  for (unsigned i = 0; i < info.num_aps; ++i) {
    const IsaOperand &o = operands[i];
    if (!o.present) continue;
    const Type &t = o.type;
    // A tile's free axes; every axis of an HBM tensor, with one partition.
    const bool hbm = t.is_hbm();
    s[i] = OperandShape{true, t.mem, t.dtype, hbm ? 1 : t.partitions(),
                        hbm ? t.partitions() * t.free_elements() : t.free_elements()};
    const size_t first = hbm ? 0 : 1;
    for (size_t k = first; k < t.shape.size() && s[i].num_dims < kMaxHbmDims; ++k)
      s[i].dims[s[i].num_dims++] = t.shape[k];
    s[i].indirect = hbm && o.indirect;
    // The start partition: 0 for a whole tile (or a new dst), a view's
    // when it is a constant, else unknown (the verifier checks it).
    if (!hbm) s[i].start_partition = !o.tile_view ? 0 : o.start.is_constant() ? o.start.constant : -1;
  }
  return s;
}

std::optional<OperandProblem> isa_operand_problem(Opcode opc, std::optional<Engine> engine, const IsaOperands &operands,
                                                  const std::array<AttrValue, kMaxAttrs> &attrs, bool new_dst,
                                                  const Target &target) {
  const OpInfo &info = op_info(opc);
  const std::string opname = "isa." + std::string(info.name);
  // GpSimd cannot reach PSUM (every instruction; the verifier checks it too).
  if (engine == Engine::gpsimd)
    for (unsigned i = 0; i < info.num_aps; ++i)
      if (operands[i].present && operands[i].type.mem == Memory::psum)
        return OperandProblem{i, "the GpSimd engine cannot access PSUM"};
  // Compute engines start an access only at some partitions (a tile's
  // buffer starts at partition 0, so a view starts at its partition index).
  if (opc != Opcode::dma_copy)
    for (unsigned i = 0; i < info.num_aps; ++i) {
      const IsaOperand &o = operands[i];
      if (!o.present || !o.tile_view || !o.type.is_tile()) continue;
      const int64_t n = o.count;
      const int64_t align = n > 64 ? int64_t(target.partitions) : n > 32 ? 64 : 32;
      bool ok_start = o.start.constant % align == 0;
      for (auto &[idx, coef] : o.start.terms) ok_start &= coef % align == 0;
      if (!ok_start)
        return OperandProblem{i, opname + ": '" + info.aps[i].name + "' starts at partition " +
                                     (o.start.is_constant() ? std::to_string(o.start.constant)
                                                            : "'" + std::to_string(o.start.constant) + " + ...'") +
                                     "; a compute-engine access of " + std::to_string(n) +
                                     " partitions must start at " +
                                     (n > 64   ? "0"
                                      : n > 32 ? "0 or 64"
                                               : "0, 32, 64 or 96")};
    }
  // The instruction's own rules (runtime/operand_rules.cpp).
  if (auto problem = check_operand_rules(opc, isa_operand_shapes(opc, operands), attrs, &target, engine)) {
    problem->message = opname + ": " + problem->message;
    return problem;
  }
  // ALU-op rules: the one definition the verifier and the simulator apply
  // too (runtime/isa.h check_alu_attrs, isa.def NK_ALU_RULE rows).
  std::string float_operand;
  for (unsigned i = 0; i < info.num_aps && float_operand.empty(); ++i)
    if (operands[i].present && dtype_is_float(operands[i].type.dtype))
      float_operand = std::string(info.aps[i].name) + " is " + std::string(dtype_name(operands[i].type.dtype));
  if (auto problem = check_alu_attrs(opc, attrs, float_operand))
    return OperandProblem{kMaxAps, opname + ": " + info.attrs[problem->attr].name + ": " + problem->message,
                          int(problem->attr)};
  // Machine limits on a new dst come after the op's own rules, which say
  // more precisely what went wrong (e.g. matmul's N before PSUM bank size).
  if (new_dst)
    if (auto problem = tile_type_problem(operands[0].type, target)) return OperandProblem{0, *problem};
  return std::nullopt;
}

} // namespace nk::tir
