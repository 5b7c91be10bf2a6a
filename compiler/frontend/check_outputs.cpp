// See check_outputs.h.
#include "compiler/frontend/check_outputs.h"

#include <set>
#include <vector>

namespace nk {

bool check_outputs_written(const tir::Module &m, DiagnosticEngine &diags) {
  // root[v]: the tensor parameter an HBM view ultimately names (itself for a
  // parameter); views are defined before their uses, so one walk suffices.
  std::vector<tir::ValueId> root(m.values.size(), tir::kNoValue);
  for (const tir::TensorParam &p : m.tensors) root[p.value] = p.value;
  std::set<tir::ValueId> written;
  auto root_of = [&](tir::ValueId v) { return v < root.size() ? root[v] : tir::kNoValue; };
  tir::walk_ops(m.body, [&](const tir::Op &op) {
    switch (op.kind) {
    case tir::OpKind::view:
      if (op.result != tir::kNoValue && !op.operands.empty()) root[op.result] = root_of(op.operands[0]);
      break;
    case tir::OpKind::store:
      if (!op.operands.empty()) written.insert(root_of(op.operands[0]));
      break;
    case tir::OpKind::isa: {
      const OpInfo &info = op_info(op.opcode);
      for (unsigned i = 0; i < info.num_aps; ++i)
        if (role_writes(info.aps[i].role) && op.aps[i] != tir::kNoValue) written.insert(root_of(op.aps[i]));
      break;
    }
    default: break;
    }
  });
  bool ok = true;
  for (const tir::TensorParam &p : m.tensors) {
    if (p.role != tir::TensorRole::output || written.count(p.value)) continue;
    diags.error(m.value(p.value).loc.sm,
                "kernel '" + m.kernel + "' never writes its output '" + p.name + "': add a store(" + p.name + ", ...)");
    ok = false;
  }
  return ok;
}

} // namespace nk
