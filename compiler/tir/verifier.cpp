// Tile IR verifier: the invariants every pass must keep (tir.h) and every
// rule sema checks about an op's operands and result, so that a
// hand-written .tir is refused at the op's line, as its .tile would have
// been, and never later with an internal error.
//
// Assumes: nothing of the module (it may come from a file).
// Guarantees, first structure: SSA (each value defined once, before use, in
// an enclosing region), operand counts and kinds per op, view dims against
// their base (a permuted view: static, of HBM or SBUF, its kept dims each once),
// tile partition sizes against the target, loop trip counts.
// Then, once an op's structure is sound, the per-op rules (op_rules.h,
// shared with sema; runtime/operand_rules.h for isa ops): view bounds over
// every loop iteration and partition-axis slices; load/store shapes against
// their views, HBM dims, no store to an input; matmul and transpose shapes,
// dtypes and Tensor-engine limits; the result type of every element-wise op,
// reduction, where, var; legal ALU ops per op; tile sizes against SBUF and
// PSUM; isa ops' fields (tiles, HBM for dma_copy only, outputs that are vars),
// engine, GpSimd and PSUM, partition alignment, operand and ALU rules; and
// that a parallel loop's iterations write disjoint slices of a var.
#include "compiler/tir/op_rules.h"
#include "compiler/tir/tir.h"
#include "runtime/target.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace nk::tir {

namespace {

struct Verifier {
  const Module &m;
  const Target &target;
  std::vector<std::unordered_set<ValueId>> scopes;
  std::unordered_set<ValueId> ever_defined;
  std::unordered_set<ValueId> var_views;           // views whose base is a var
  std::unordered_map<ValueId, const Op *> view_op; // a view's defining op
  std::unordered_map<ValueId, int64_t> trip;       // a loop index's trip count
  std::unordered_map<ValueId, size_t> var_depth;   // a var's loop depth at its definition
  std::vector<const Op *> loops;                   // the loops around the op being checked
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
      if (!op.perm.empty()) { // isa.dma_transpose's source: a static view of HBM or of an SBUF tile
        if (!(bt.is_hbm() || (bt.is_tile() && bt.mem == Memory::sbuf)) || dynamic)
          return fail(op, "a permuted view is a view of HBM or of an SBUF tile with static indices");
        if (bt.is_tile() && (op.dims[0].dropped || op.dims[0].step != 1))
          return fail(op, "a permuted view of a tile keeps a unit-step partition range");
        std::vector<bool> seen(shape.size(), false);
        if (op.perm.size() != shape.size()) return fail(op, "a view's permutation lists each kept dim once");
        std::vector<int64_t> permuted;
        for (uint8_t k : op.perm) {
          if (k >= shape.size() || seen[k]) return fail(op, "a view's permutation lists each kept dim once");
          seen[k] = true;
          permuted.push_back(shape[k]);
        }
        shape = permuted;
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

  // ---- per-op rules (sema's; op_rules.h) ------------------------------------

  const Type &type(ValueId id) const { return m.value(id).type; }
  // The tensor or tile a value views (itself when it is not a view).
  ValueId root(ValueId id) const {
    for (unsigned hops = 0; hops < 1000; ++hops) {
      auto it = view_op.find(id);
      if (it == view_op.end()) return id;
      id = it->second->operands[0];
    }
    return id;
  }
  bool result_is(const Op &op, const Type &want) {
    const Type &rt = type(op.result);
    if (rt == want) return true;
    return fail(op, "result is " + type_str(rt) + " but its operands give " + type_str(want));
  }
  bool tile_fits(const Op &op, const Type &t) {
    if (auto problem = tile_type_problem(t, target)) return fail(op, *problem);
    return true;
  }
  bool not_an_input(const Op &op, ValueId written, const std::string &what) {
    const ValueId r = root(written);
    for (const TensorParam &tp : m.tensors)
      if (tp.value == r && tp.role == TensorRole::input)
        return fail(op, what + " input tensor '" + tp.name + "'; the kernel writes 'out'");
    return true;
  }
  // A write to a var (or a view of one) inside parallel loops: each
  // iteration must write its own slice (sema's check_parallel_write).
  bool parallel_write_ok(const Op &op, ValueId dst) {
    const ValueId var = root(dst);
    if (!m.value(var).is_var) return true;
    auto depth = var_depth.find(var);
    auto vo = view_op.find(dst);
    for (size_t i = depth == var_depth.end() ? 0 : depth->second; i < loops.size(); ++i) {
      if (loops[i]->loop_kind != LoopKind::parallel) continue;
      bool sliced = false;
      if (vo != view_op.end())
        for (const ViewDim &d : vo->second->dims)
          for (auto &[id, coef] : d.start.terms) sliced |= id == loops[i]->result && coef != 0;
      if (!sliced)
        return fail(op, "iterations of a parallel loop must be independent, but this writes '" + m.value(var).name +
                            "', which is defined outside the loop");
    }
    return true;
  }

  bool view_rules(const Op &op) {
    const Type &bt = type(op.operands[0]);
    bool kept = false;
    for (size_t d = 0; d < op.dims.size(); ++d) {
      const ViewDim &vd = op.dims[d];
      if (bt.is_tile() && d == 0 && (vd.dropped || vd.step != 1))
        return fail(op, "a tile view keeps its partition axis, with step 1 (an access covers a contiguous range of "
                        "partitions)");
      if (vd.dynamic) {
        if (!vd.dropped && kept)
          return fail(op, "a gather's index dimension must be the first one the view keeps (the partition axis of "
                          "the loaded tile)");
        kept |= !vd.dropped;
        continue; // checked against the dim's size when the DMA runs
      }
      kept |= !vd.dropped;
      auto [lo, hi] = affine_range(vd.start, trip);
      int64_t last;
      const bool ovf = __builtin_mul_overflow(vd.count - 1, vd.step, &last) || __builtin_add_overflow(hi, last, &last);
      if (lo < 0 || ovf || last >= bt.shape[d])
        return fail(op,
                    "view is out of bounds: dimension " + std::to_string(d) + " covers " +
                        (ovf ? std::string("an overflowing range") : std::to_string(lo) + ".." + std::to_string(last)) +
                        " but dimension " + std::to_string(d) + " of " + type_str(bt) + " has size " +
                        std::to_string(bt.shape[d]));
    }
    if (!kept) return fail(op, "indexing every dimension leaves a single element; keep one dimension");
    return true;
  }

  bool isa_rules(const Op &op) {
    const OpInfo &info = op_info(op.opcode);
    const std::string opname = "isa." + std::string(info.name);
    if (op.opcode == Opcode::sem_signal || op.opcode == Opcode::sem_wait)
      return fail(op, opname + " cannot be written in a kernel: the compiler orders the engines");
    if (op.opcode == Opcode::core_barrier) { // sema's rules (eval_core_barrier): a two-core kernel, no operands
      int64_t cores = 1;
      for (const auto &[name, value] : m.sizes)
        if (name == "cores") cores = value;
      if (cores != 2)
        return fail(op, "isa.core_barrier synchronises the two physical cores of a kernel with cores = 2; this "
                        "kernel runs on cores = " +
                            std::to_string(cores));
      if (op.engine == Engine::dma) return fail(op, "isa.core_barrier runs on tensor, vector, scalar or gpsimd");
      return true;
    }
    const bool new_dst = op.result != kNoValue;
    if (new_dst && (info.num_aps == 0 || info.aps[0].role != FieldRole::Out || op.aps[0] != op.result))
      return fail(op, "an isa op's result is its new dst (dst=%" + std::to_string(op.result) + ")");
    IsaOperands operands{};
    for (unsigned i = 0; i < info.num_aps; ++i) {
      const ValueId id = op.aps[i];
      if (id == kNoValue) continue;
      const std::string field = std::string("field '") + info.aps[i].name + "' of " + opname;
      const Type &t = type(id);
      if (t.is_index()) return fail(op, field + " must be a tile, not a loop index");
      if (t.is_hbm() && op.opcode != Opcode::dma_copy)
        return fail(op, field + " must be a tile in SBUF/PSUM; only isa.dma_copy reads or writes HBM");
      if (role_writes(info.aps[i].role) && !(i == 0 && new_dst)) {
        if (t.is_hbm()) {
          if (!not_an_input(op, id, "cannot write")) return false;
        } else if (!m.value(root(id)).is_var) {
          return fail(op, "output field '" + std::string(info.aps[i].name) +
                              "' writes in place, so it must be a var (or a slice of one)");
        } else if (!parallel_write_ok(op, id)) {
          return false;
        }
      }
      IsaOperand &o = operands[i];
      o.present = true;
      o.type = t;
      auto vo = view_op.find(id);
      if (vo != view_op.end() && !vo->second->dims.empty()) {
        if (t.is_hbm()) {
          for (const ViewDim &d : vo->second->dims) o.indirect |= d.dynamic;
        } else {
          o.tile_view = true;
          o.start = vo->second->dims[0].start;
          o.count = vo->second->dims[0].count;
        }
      }
    }
    if (auto problem =
            isa_operand_problem(op.opcode, isa_rule_engine(op.opcode, op.engine), operands, op.attrs, new_dst, target))
      return fail(op, problem->message);
    return true;
  }

  // The rules sema checks about an op's operands and result (the op's
  // structure passed check()).
  bool rules(const Op &op) {
    if (op.result != kNoValue && op.result >= m.values.size()) return fail(op, "result id out of range");
    if (op.result != kNoValue) { // the target's partitions first: every rule below assumes them
      const Type &t = type(op.result);
      if (t.is_tile() && (t.partitions() < 1 || t.partitions() > int64_t(target.partitions)))
        return fail(op, "tile with " + std::to_string(t.partitions()) + " partitions");
    }
    auto tile_t = [&](size_t i) -> const Type & { return type(op.operands[i]); };
    switch (op.kind) {
    case OpKind::load: {
      const Type &st = tile_t(0), &rt = type(op.result);
      if (auto problem = hbm_dims_problem(st)) return fail(op, *problem);
      if (rt.mem != Memory::sbuf || rt.shape != st.shape)
        return fail(op, "load gives sbuf tiles of its view's shape: result is " + type_str(rt) + ", the view is " +
                            type_str(st));
      return tile_fits(op, rt);
    }
    case OpKind::store: {
      const Type &dt = tile_t(0), &st = tile_t(1);
      if (!store_shapes_match(dt, st))
        return fail(op, "store() shapes differ: destination is " + type_str(dt) + ", source is " + type_str(st));
      if (auto problem = hbm_dims_problem(dt)) return fail(op, *problem);
      return not_an_input(op, op.operands[0], "cannot store to");
    }
    case OpKind::view: return view_rules(op);
    case OpKind::matmul: {
      Type want;
      if (auto problem = matmul_problem(tile_t(0), tile_t(1), op.transpose_x, target, want))
        return fail(op, problem->message);
      return result_is(op, want);
    }
    case OpKind::transpose: {
      Type want;
      if (auto problem = transpose_problem(tile_t(0), target, want)) return fail(op, *problem);
      return result_is(op, want);
    }
    case OpKind::copy: {
      const Type &rt = type(op.result);
      if (rt.mem != Memory::sbuf || rt.shape != tile_t(0).shape)
        return fail(op, "copy gives an sbuf tile of its operand's shape: result is " + type_str(rt) +
                            ", the operand is " + type_str(tile_t(0)));
      return tile_fits(op, rt);
    }
    case OpKind::activation: {
      Type want = tile_t(0);
      want.mem = Memory::sbuf;
      if (!dtype_is_float(want.dtype)) want.dtype = Dtype::f32;
      return result_is(op, want);
    }
    case OpKind::binary: {
      if (!is_elementwise_alu(op.alu))
        return fail(op, "'" + std::string(alu_name(op.alu)) + "' is not an element-wise op");
      Type want{Memory::sbuf, promote_dtypes(tile_t(0).dtype, tile_t(1).dtype), {}};
      if (auto problem = broadcast_problem(tile_t(0), tile_t(1), want.shape)) return fail(op, *problem);
      return result_is(op, want);
    }
    case OpKind::binary_imm: {
      if (!is_elementwise_alu(op.alu))
        return fail(op, "'" + std::string(alu_name(op.alu)) + "' is not an element-wise op");
      Type want = tile_t(0);
      want.mem = Memory::sbuf;
      // An integer tile with a float immediate gives f32 (the text keeps
      // the immediate's value, not how the source wrote it).
      const Type &rt = type(op.result);
      if (!dtype_is_float(want.dtype) && rt.dtype == Dtype::f32) want.dtype = Dtype::f32;
      return result_is(op, want);
    }
    case OpKind::reduce: {
      if (!is_reduce_alu(op.alu))
        return fail(op, "'" + std::string(alu_name(op.alu)) + "' is not a reduction (max, min, add)");
      Type want = tile_t(0);
      const int64_t ndim = int64_t(want.shape.size());
      if (op.axis < 1 || op.axis >= ndim)
        return fail(op, "reductions run along a free axis: axis " + std::to_string(op.axis) + " of " + type_str(want) +
                            " is not one");
      if (op.keepdims)
        want.shape[size_t(op.axis)] = 1;
      else
        want.shape.erase(want.shape.begin() + op.axis);
      want.mem = Memory::sbuf;
      return result_is(op, want);
    }
    case OpKind::full:
    case OpKind::iota: return tile_fits(op, type(op.result));
    case OpKind::where: {
      Type want = tile_t(0);
      want.mem = Memory::sbuf;
      bool have_dtype = false;
      for (size_t i = 1; i < op.operands.size(); ++i) {
        const Type &bt = tile_t(i);
        if (!bt.is_tile()) return fail(op, "where() branches must be tiles or numbers");
        std::vector<int64_t> shape;
        if (auto problem = broadcast_problem(want, bt, shape)) return fail(op, *problem);
        want.shape = shape;
        want.dtype = have_dtype ? promote_dtypes(want.dtype, bt.dtype) : bt.dtype;
        have_dtype = true;
      }
      if (!have_dtype) want.dtype = Dtype::f32;
      return result_is(op, want);
    }
    case OpKind::var: return result_is(op, tile_t(0));
    case OpKind::assign:
      if (!tile_t(1).is_tile()) return fail(op, "assign writes a tile's value");
      return parallel_write_ok(op, op.operands[0]);
    case OpKind::isa: return isa_rules(op);
    case OpKind::loop: return true;
    }
    return true;
  }

  bool block(const std::vector<Op> &ops) {
    for (const Op &op : ops) {
      if (!check(op) || !rules(op)) return false;
      if (op.kind == OpKind::loop) {
        scopes.emplace_back();
        if (!define(op, op.result)) return false;
        if (!m.value(op.result).type.is_index()) return fail(op, "loop result must be an index");
        trip[op.result] = op.trip_count;
        loops.push_back(&op);
        bool ok = block(op.body);
        loops.pop_back();
        scopes.pop_back();
        if (!ok) return false;
        continue;
      }
      if (op.result != kNoValue && !define(op, op.result)) return false;
      if (op.kind == OpKind::var) var_depth[op.result] = loops.size();
    }
    return true;
  }
};

} // namespace

VerifyProblem find_problem(const Module &m, const Target &target) {
  Verifier v{m, target, {}, {}, {}, {}, {}, {}, {}, {}, nullptr};
  walk_ops(m.body, [&](const Op &o) {
    if (o.kind != OpKind::view || o.operands.empty() || o.operands[0] >= m.values.size()) return;
    v.view_op[o.result] = &o;
    // Views of views: a view's root is its base's (defined earlier when
    // the module is sound, which the checks in order establish).
    ValueId base = o.operands[0];
    if (m.value(base).is_var || v.var_views.count(base)) v.var_views.insert(o.result);
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
