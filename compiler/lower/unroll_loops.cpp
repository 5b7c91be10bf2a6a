// unroll-loops: see unroll_loops.h.
#include "compiler/lower/unroll_loops.h"

#include <algorithm>
#include <unordered_map>

namespace nk::tir {

namespace {

struct Unroller {
  Module &m;
  std::unordered_map<ValueId, ValueId> renamed;     // body value -> this iteration's copy
  std::unordered_map<ValueId, int64_t> index_value; // loop index -> current iteration
  std::vector<Op> out;
  unsigned depth = 0;

  ValueId map(ValueId v) const {
    if (v == kNoValue) return v;
    auto it = renamed.find(v);
    return it == renamed.end() ? v : it->second;
  }
  void fold(Affine &a) const {
    std::vector<std::pair<ValueId, int64_t>> rest;
    for (auto &[v, coef] : a.terms) {
      auto it = index_value.find(v);
      if (it != index_value.end()) a.constant += coef * it->second;
      else rest.push_back({map(v), coef});
    }
    a.terms = std::move(rest);
  }

  void run(const std::vector<Op> &ops) {
    for (const Op &op : ops) {
      if (op.kind == OpKind::loop) {
        ++depth;
        for (int64_t it = 0; it < op.trip_count; ++it) {
          index_value[op.result] = it;
          run(op.body);
        }
        index_value.erase(op.result);
        --depth;
        continue;
      }
      Op c;
      c.kind = op.kind;
      c.loc = op.loc;
      c.operands.reserve(op.operands.size());
      for (ValueId v : op.operands) c.operands.push_back(map(v));
      c.alu = op.alu;
      c.act = op.act;
      c.imm = op.imm;
      c.imm2 = op.imm2;
      c.flag = op.flag;
      c.where_imm_mask = op.where_imm_mask;
      c.axis = op.axis;
      c.base = op.base;
      fold(c.base);
      c.pstep = op.pstep;
      c.fstep = op.fstep;
      c.dims = op.dims;
      for (ViewDim &d : c.dims) fold(d.start);
      c.opcode = op.opcode;
      c.engine = op.engine;
      c.attrs = op.attrs;
      c.loop_kind = op.loop_kind;
      c.trip_count = op.trip_count;
      // An isa op's new dst is its result; map operands first so an
      // in-place dst keeps referring to the right var.
      for (unsigned i = 0; i < kMaxAps; ++i) c.aps[i] = op.aps[i] == op.result && op.result != kNoValue ? kNoValue : map(op.aps[i]);
      if (op.result != kNoValue) {
        if (depth > 0) {
          Value copy = m.value(op.result);  // copy: add_value may reallocate
          ValueId fresh = m.add_value(copy.type, copy.name, copy.loc, copy.is_var);
          renamed[op.result] = fresh;
        }
        c.result = map(op.result);
      }
      for (unsigned i = 0; i < kMaxAps; ++i)
        if (op.aps[i] == op.result && op.result != kNoValue) c.aps[i] = c.result;
      out.push_back(std::move(c));
    }
  }
};

} // namespace

static size_t unrolled_size(const std::vector<Op> &ops) {
  size_t n = 0;
  for (const Op &op : ops)
    n += op.kind == OpKind::loop ? size_t(std::max<int64_t>(op.trip_count, 0)) * unrolled_size(op.body) : 1;
  return n;
}

void unroll_loops(Module &m) {
  Unroller u{m, {}, {}, {}, 0};
  size_t n = unrolled_size(m.body);
  u.out.reserve(n);
  m.values.reserve(m.values.size() + n);
  u.run(m.body);
  m.body = std::move(u.out);
}

} // namespace nk::tir
