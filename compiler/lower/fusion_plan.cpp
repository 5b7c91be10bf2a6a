// Fusion planning for legalize (see fusion_plan.h).
#include "compiler/lower/fusion_plan.h"

#include <algorithm>

namespace nk {

namespace {

using tir::Op;
using tir::OpKind;
using tir::ValueId;

class Planner {
public:
  explicit Planner(const tir::Module &m) : m(m) {}

  FusionPlan run() {
    count_uses();
    plan_in_place_assigns();
    plan_evacuation_scales();
    plan_activation_operands();
    plan_activation_reduces();
    return std::move(p);
  }

private:
  const tir::Module &m;
  FusionPlan p;

  void count_uses() {
    p.uses.assign(m.values.size(), 0);
    p.def_index.assign(m.values.size(), SIZE_MAX);
    for (size_t i = 0; i < m.body.size(); ++i) {
      const Op &op = m.body[i];
      for (ValueId v : op.operands)
        if (v) ++p.uses[v];
      for (ValueId v : op.aps)
        if (v && v != op.result) ++p.uses[v];
      if (op.result) p.def_index[op.result] = i;
    }
  }

  ValueId var_root(ValueId v) const {
    while (v && !m.value(v).is_var) {
      size_t d = p.def_index[v];
      if (d == SIZE_MAX || m.body[d].kind != OpKind::view) return tir::kNoValue;
      v = m.body[d].operands[0];
    }
    return v;
  }

  static bool elementwise(const Op &op) {
    switch (op.kind) {
    case OpKind::binary:
    case OpKind::binary_imm:
    case OpKind::activation:
    case OpKind::copy:
    case OpKind::full:
    case OpKind::where: return true;
    default: return false;
    }
  }

  // `assign var, v` where v has no other use: compute v straight into the
  // var when nothing between v's definition and the assign reads the var,
  // and v's producer is elementwise (so reading the var while writing it is
  // safe) or does not read the var at all.
  void plan_in_place_assigns() {
    for (size_t j = 0; j < m.body.size(); ++j) {
      const Op &as = m.body[j];
      if (as.kind != OpKind::assign) continue;
      ValueId target = as.operands[0], v = as.operands[1];
      ValueId root = var_root(target);
      if (!root || p.uses[v] != 1 || m.value(v).is_var) continue;
      size_t i = p.def_index[v];
      if (i == SIZE_MAX) continue;
      const Op &prod = m.body[i];
      if (prod.kind == OpKind::view || prod.kind == OpKind::load || prod.kind == OpKind::isa ||
          prod.kind == OpKind::var)
        continue;
      if (m.value(target).type != m.value(v).type) continue; // shapes/dtype must match exactly
      bool reads_var = false;
      for (ValueId o : prod.operands)
        if (var_root(o) == root) reads_var = true;
      if (reads_var && !elementwise(prod)) continue;
      bool clash = false;
      for (size_t k = i + 1; k < j && !clash; ++k) {
        for (ValueId o : m.body[k].operands)
          if (o && var_root(o) == root) clash = true;
        for (ValueId o : m.body[k].aps)
          if (o && var_root(o) == root) clash = true;
      }
      if (clash) continue;
      p.write_into[v] = target;
      p.skip.insert(j);
    }
  }

  // The index of the only op reading `v` (after its definition at `def`),
  // or SIZE_MAX when v has another number of uses.
  size_t single_user(ValueId v, size_t def) const {
    if (p.uses[v] != 1) return SIZE_MAX;
    for (size_t k = def + 1; k < m.body.size(); ++k) {
      const Op &o = m.body[k];
      if (std::find(o.operands.begin(), o.operands.end(), v) != o.operands.end() ||
          std::find(o.aps.begin(), o.aps.end(), v) != o.aps.end())
        return k;
    }
    return SIZE_MAX;
  }

  // `matmul(...) * imm` / `/ imm`: the multiply is the PSUM evacuation's.
  void plan_evacuation_scales() {
    for (size_t i = 0; i < m.body.size(); ++i) {
      const Op &mm = m.body[i];
      if (mm.kind != OpKind::matmul) continue;
      const size_t k = single_user(mm.result, i);
      if (k == SIZE_MAX || p.skip.count(k)) continue;
      const Op &user = m.body[k];
      if (user.kind == OpKind::binary_imm && !user.imm_first &&
          (user.alu == AluOp::multiply || user.alu == AluOp::divide) && user.operands[0] == mm.result) {
        p.evacuation_scale[i] = k;
        p.skip.insert(k);
      }
    }
  }

  // An activation whose argument is `x - m` (m [P|1]) or `x * imm`, used
  // nowhere else and not claimed yet, absorbs that op: bias = -m, or
  // scale = imm.
  void plan_activation_operands() {
    for (size_t j = 0; j < m.body.size(); ++j) {
      const Op &act = m.body[j];
      if (act.kind != OpKind::activation) continue;
      ValueId arg = act.operands[0];
      size_t d = p.def_index[arg];
      if (d == SIZE_MAX || p.uses[arg] != 1 || p.write_into.count(arg) || p.skip.count(d)) continue;
      const Op &prod = m.body[d];
      const tir::Type &at = m.value(arg).type;
      // The activation reads its data from SBUF or PSUM, so only the element
      // type and shape of x must match the intermediate's (x may sit in PSUM
      // while `x - m` would have been materialised in SBUF).
      auto same_data = [&](const tir::Type &x) { return x.dtype == at.dtype && x.shape == at.shape; };
      bool fusable = false;
      if (prod.kind == OpKind::binary && prod.alu == AluOp::subtract) {
        const tir::Type &x = m.value(prod.operands[0]).type, &s = m.value(prod.operands[1]).type;
        fusable = s.free_elements() == 1 && same_data(x) && at.free_elements() > 1 && s.partitions() == x.partitions();
      } else if (prod.kind == OpKind::binary_imm && prod.alu == AluOp::multiply && !prod.imm_first) {
        fusable = same_data(m.value(prod.operands[0]).type);
      }
      if (fusable) {
        p.folded.insert(d);
        p.skip.insert(d);
      }
    }
  }

  // sum(act(x), innermost axis, keepdims) of a 2-D activation result: the
  // first such sum after the activation is its reduce_dst.
  void plan_activation_reduces() {
    for (size_t j = 0; j < m.body.size(); ++j) {
      const Op &act = m.body[j];
      if (act.kind != OpKind::activation) continue;
      const tir::Type &rt = m.value(act.result).type;
      if (rt.shape.size() != 2 || rt.shape[1] <= 1) continue;
      for (size_t k = j + 1; k < m.body.size(); ++k) {
        const Op &r = m.body[k];
        if (r.kind == OpKind::reduce && r.alu == AluOp::add && r.operands[0] == act.result && r.axis == 1 &&
            m.value(r.result).type.shape.size() == 2 && !p.skip.count(k)) {
          p.activation_reduce[j] = k;
          p.skip.insert(k);
          break;
        }
      }
    }
  }
};

} // namespace

FusionPlan plan_fusions(const tir::Module &m) { return Planner(m).run(); }

} // namespace nk
