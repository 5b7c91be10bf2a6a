// Tile IR verifier: structural invariants every pass must keep (tir.h).
// Checks SSA (each value defined once, before use, in an enclosing region),
// operand counts and kinds per op, view dims against their base, tile
// partition sizes against the target, and loop trip counts. It does not
// re-check user-level rules (sema reported those with source locations).
#include "compiler/tir/tir.h"
#include "runtime/target.h"

#include <algorithm>
#include <unordered_set>

namespace nk::tir {

namespace {

struct Verifier {
  const Module &m;
  const Target &target;
  std::vector<std::unordered_set<ValueId>> scopes;
  std::unordered_set<ValueId> ever_defined;
  std::unordered_set<ValueId> var_views; // views whose base is a var
  std::string problem;
  const Op *problem_op = nullptr;

  bool fail(const Op &op, const std::string &msg) {
    if (problem.empty()) problem_op = &op;
    if (problem.empty())
      problem = std::string(op_kind_name(op.kind)) + " at " + std::to_string(op.loc.line) + ":" +
                std::to_string(op.loc.col) + ": " + msg;
    return false;
  }
  bool visible(ValueId id) const {
    for (auto &s : scopes)
      if (s.count(id)) return true;
    return false;
  }
  bool define(const Op &op, ValueId id) {
    if (id == kNoValue || id >= m.values.size()) return fail(op, "result id out of range");
    if (!ever_defined.insert(id).second) return fail(op, "value %" + std::to_string(id) + " defined twice");
    const Type &t = m.value(id).type;
    if (t.is_tile() && (t.partitions() < 1 || t.partitions() > int64_t(target.partitions)))
      return fail(op, "tile with " + std::to_string(t.partitions()) + " partitions");
    scopes.back().insert(id);
    return true;
  }
  const Type *operand(const Op &op, size_t i) {
    if (i >= op.operands.size()) {
      fail(op, "missing operand " + std::to_string(i));
      return nullptr;
    }
    ValueId id = op.operands[i];
    if (id == kNoValue || id >= m.values.size() || !visible(id)) {
      fail(op, "operand %" + std::to_string(id) + " is not defined before this use");
      return nullptr;
    }
    return &m.value(id).type;
  }
  bool affine_ok(const Op &op, const Affine &a) {
    for (auto &[id, c] : a.terms)
      if (id >= m.values.size() || !visible(id) || !m.value(id).type.is_index())
        return fail(op, "affine term uses %" + std::to_string(id) + ", not a loop index in scope");
    return true;
  }

  bool check(const Op &op) {
    for (size_t i = 0; i < op.operands.size(); ++i)
      if (!operand(op, i)) return false;
    auto want = [&](size_t n) {
      return op.operands.size() == n || fail(op, "expects " + std::to_string(n) + " operands");
    };
    const Type *rt = op.result != kNoValue && op.result < m.values.size() ? &m.value(op.result).type : nullptr;
    auto tile = [&](size_t i) { return m.value(op.operands[i]).type.is_tile(); };
    switch (op.kind) {
    case OpKind::load:
      if (!want(1) || !m.value(op.operands[0]).type.is_hbm() || !rt || !rt->is_tile())
        return fail(op, "load reads HBM into a tile");
      break;
    case OpKind::store:
      if (!want(2) || !m.value(op.operands[0]).type.is_hbm() || !tile(1)) return fail(op, "store writes a tile to HBM");
      break;
    case OpKind::view: {
      const size_t dynamic =
          size_t(std::count_if(op.dims.begin(), op.dims.end(), [](const ViewDim &d) { return d.dynamic; }));
      if (dynamic > 1) return fail(op, "view with more than one dynamic index");
      if (!want(1 + dynamic) || !rt) return fail(op, "view needs a base and a result");
      const Type &bt = m.value(op.operands[0]).type;
      if (op.dims.size() != bt.shape.size()) return fail(op, "view has one dim per base dim");
      if (dynamic) {
        if (!bt.is_hbm()) return fail(op, "a dynamic index selects within an HBM tensor only");
        const Type &it = m.value(op.operands[1]).type;
        if (!tile(1) || !dtype_is_integer(it.dtype) || it.free_elements() != 1)
          return fail(op, "a dynamic index is one integer element per partition");
        for (const ViewDim &d : op.dims)
          if (d.dynamic &&
              (!d.start.is_constant() || d.start.constant != 0 ||
               (it.partitions() == 1 ? !d.dropped || d.count != 1 : d.dropped || d.count != it.partitions())))
            return fail(op, "a dynamic index dim starts at 0 and is dropped (one index) or has one row per "
                            "index (a gather)");
      }
      std::vector<int64_t> shape;
      for (size_t d = 0; d < op.dims.size(); ++d) {
        if (!affine_ok(op, op.dims[d].start)) return false;
        if (op.dims[d].count < 1 || op.dims[d].step < 1) return fail(op, "view dim with count/step < 1");
        if (!op.dims[d].dropped) shape.push_back(op.dims[d].count);
      }
      if (shape != rt->shape || rt->mem != bt.mem) return fail(op, "view result type does not match its dims");
      break;
    }
    case OpKind::matmul:
      if (!want(2) || !tile(0) || !tile(1) || !rt || rt->dtype != Dtype::f32)
        return fail(op, "matmul takes two tiles and gives f32");
      break;
    case OpKind::transpose:
    case OpKind::copy:
    case OpKind::activation:
    case OpKind::reduce:
    case OpKind::binary_imm:
    case OpKind::var:
      if (!want(1) || !tile(0) || !rt || !rt->is_tile()) return fail(op, "expects one tile operand and a tile result");
      if (op.kind == OpKind::var && !m.value(op.result).is_var) return fail(op, "var result is not marked mutable");
      break;
    case OpKind::binary:
      if (!want(2) || !tile(0) || !tile(1) || !rt) return fail(op, "expects two tiles");
      break;
    case OpKind::full:
    case OpKind::iota:
      if (!want(0) || !rt || !rt->is_tile()) return fail(op, "creates a tile from nothing");
      if (op.kind == OpKind::iota && !affine_ok(op, op.base)) return false;
      break;
    case OpKind::where: {
      size_t n = 1 + !(op.where_imm_mask & 1) + !(op.where_imm_mask & 2);
      if (!want(n) || !rt) return false;
      break;
    }
    case OpKind::assign: {
      if (!want(2)) return false;
      // The destination must be a var or a view rooted at one.
      ValueId d = op.operands[0];
      if (!m.value(d).is_var && !var_views.count(d)) return fail(op, "assign writes a var or a view of one");
      if (m.value(d).type.shape != m.value(op.operands[1]).type.shape) return fail(op, "assign shapes differ");
      break;
    }
    case OpKind::isa: {
      const OpInfo &info = op_info(op.opcode);
      for (unsigned i = 0; i < info.num_aps; ++i) {
        ValueId id = op.aps[i];
        if (id == kNoValue) {
          if (info.aps[i].presence == FieldPresence::Required)
            return fail(op, std::string("missing field ") + info.aps[i].name);
          continue;
        }
        if (id != op.result && (id >= m.values.size() || !visible(id)))
          return fail(op, std::string("field ") + info.aps[i].name + " uses an undefined value");
      }
      if (op.engine && !(info.engines & engine_bit(*op.engine))) return fail(op, "engine not allowed for this opcode");
      break;
    }
    case OpKind::loop:
      if (op.trip_count < 1) return fail(op, "loop trip count < 1");
      break;
    }
    return true;
  }

  bool block(const std::vector<Op> &ops) {
    for (const Op &op : ops) {
      if (!check(op)) return false;
      if (op.kind == OpKind::loop) {
        scopes.emplace_back();
        if (!define(op, op.result)) return false;
        if (!m.value(op.result).type.is_index()) return fail(op, "loop result must be an index");
        bool ok = block(op.body);
        scopes.pop_back();
        if (!ok) return false;
        continue;
      }
      if (op.result != kNoValue && !define(op, op.result)) return false;
    }
    return true;
  }
};

} // namespace

VerifyProblem find_problem(const Module &m, const Target &target) {
  Verifier v{m, target, {}, {}, {}, {}, nullptr};
  walk_ops(m.body, [&](const Op &o) {
    if (o.kind == OpKind::view && !o.operands.empty() && o.operands[0] < m.values.size() &&
        m.value(o.operands[0]).is_var)
      v.var_views.insert(o.result);
  });
  v.scopes.emplace_back();
  for (const TensorParam &t : m.tensors) {
    if (t.value == kNoValue || t.value >= m.values.size() || !m.value(t.value).type.is_hbm())
      return {"tensor parameter '" + t.name + "' is not an HBM value", nullptr};
    v.scopes.back().insert(t.value);
    v.ever_defined.insert(t.value);
  }
  v.block(m.body);
  return {v.problem, v.problem_op};
}

std::string verify_module(const Module &m, const Target &target) { return find_problem(m, target).message; }

} // namespace nk::tir
