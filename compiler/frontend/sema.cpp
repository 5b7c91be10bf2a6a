// Sema, the driver: run() binds the kernel's signature and walks its body;
// statements and expressions are dispatched here to the responsibilities
// (sema_impl.h groups the members the same way):
//   sema_names.cpp  name resolution
//   sema_types.cpp  type and shape inference (and the built-in table)
//   sema_const.cpp  constant evaluation and unrolling (and helper inlining)
//   sema_isa.cpp    isa.* calls
// Also here: emitting ops into the current body, `let` / `var` / assignment
// statements, and the parallel-write rule.
//
// Assumes: a parsed Kernel. Guarantees: on success, a Tile IR module whose
// every op has a source location and was checked as it was emitted (the
// files above); on failure, at least one diagnostic and no module.
#include "compiler/frontend/frontend.h"
#include "compiler/frontend/lexer.h"
#include "compiler/frontend/parser.h"
#include "compiler/frontend/sema_impl.h"

#include <algorithm>
#include <cmath>

namespace nk::fe {

using tir::Op;
using tir::OpKind;
using tir::Type;
using tir::ValueId;

Sema::Sema(const Kernel &k, const std::map<std::string, int64_t> &defines, const Target &t, DiagnosticEngine &d,
           llvm::StringRef file, size_t max_tir_ops)
    : diags(d), target(t), max_tir_ops_(max_tir_ops), kernel_(k), defines_(defines), file_(file.str()) {}

tir::Loc Sema::loc(llvm::SMLoc l) {
  tir::Loc r;
  r.sm = l;
  if (l.isValid()) {
    auto lc = diags.line_and_column(l);
    r.line = lc.first;
    r.col = lc.second;
  }
  return r;
}

SV Sema::emit(Op op, Type t, const std::string &name) {
  ValueId id = mod.add_value(std::move(t), name, op.loc);
  op.result = id;
  SV out = SV::make_value(type_of(id).is_hbm() ? SV::hbm : SV::tile, id);
  emit_no_result(std::move(op));
  return out;
}

void Sema::emit_no_result(Op op) {
  if (++emitted_ > max_tir_ops_) {
    if (!too_big_)
      diags.error(op.loc.sm, "the kernel unrolls to more than " + llvm::Twine(max_tir_ops_) +
                                 " operations; use a parallel or sequential loop instead of static");
    too_big_ = true;
    return;
  }
  // A loop op was counted when its loop began (stmt_for).
  if (op.kind != OpKind::loop && !count_unrolled(op.loc.sm)) return;
  cur_->push_back(std::move(op));
}

void Sema::note_def(ValueId id) {
  const tir::Value &v = mod.value(id);
  if (!v.name.empty() && v.loc.sm.isValid())
    diags.note(v.loc.sm, "'" + v.name + "' is " + tir::type_str(v.type) + ", defined here");
}

std::string Sema::describe(const SV &v) {
  switch (v.k) {
  case SV::poison: return "an invalid value";
  case SV::integer: return "an integer";
  case SV::floating: return "a float";
  case SV::boolean: return "a boolean";
  case SV::index: return "a loop index";
  case SV::tile: return "a tile";
  case SV::hbm: return "an HBM tensor";
  case SV::ttype: return "a tile type";
  case SV::dtype: return "a dtype";
  }
  return "?";
}

std::string Sema::describe_value(const SV &v) const {
  if (v.k == SV::tile || v.k == SV::hbm) return describe(v) + " (" + tir::type_str(type_of(v.v)) + ")";
  return describe(v);
}

bool Sema::run(tir::Module &out) {
  mod.kernel = kernel_.name;
  mod.target = target.name;
  mod.file = file_;
  cur_ = &mod.body;
  scopes_.emplace_back();
  check_helpers();
  bind_sizes(defines_);
  // HBM the tensors take so far, laid out as legalize does (in order, each
  // 64-byte aligned): it must fit the target's HBM per core.
  uint64_t hbm_used = 0;
  auto declare_tensor = [&](const TensorParam &p, tir::TensorRole role) {
    SV v;
    auto dt = parse_dtype(p.dtype);
    bool ok = true;
    if (!dt) {
      diags.error(p.dtype_range, "unknown dtype '" + p.dtype + "'; expected one of " + dtype_name_list());
      ok = false;
    }
    Type t;
    t.mem = Memory::hbm;
    t.dtype = dt.value_or(Dtype::f32);
    for (const ExprPtr &e : p.shape) {
      auto n = expect_int(*e, "a tensor dimension");
      if (n && *n < 1) {
        diags.error(e->range, "a tensor dimension must be at least 1, got " + llvm::Twine(*n));
        n.reset();
      }
      ok &= n.has_value();
      t.shape.push_back(n.value_or(1));
    }
    int64_t bytes = dtype_size(t.dtype);
    for (int64_t d : t.shape)
      if (ok && __builtin_mul_overflow(bytes, d, &bytes)) {
        diags.error(p.range, "tensor '" + p.name + "' is too large to address");
        ok = false;
      }
    if (ok) {
      // bytes < 2^63 and hbm_used <= hbm_bytes: no overflow.
      uint64_t end = (hbm_used + uint64_t(bytes) + 63) / 64 * 64;
      if (uint64_t(bytes) > target.hbm_bytes) {
        diags.error(p.range, "tensor '" + p.name + "' needs " + llvm::Twine(bytes) + " bytes of HBM, more than the " +
                                 hbm_capacity(target));
        ok = false;
      } else if (end > target.hbm_bytes) {
        diags.error(p.range, "tensor '" + p.name + "' brings the kernel's tensors to " + llvm::Twine(end) +
                                 " bytes of HBM, more than the " + hbm_capacity(target));
        ok = false;
      } else {
        hbm_used = end;
      }
    }
    if (ok) {
      ValueId id = mod.add_value(t, p.name, loc(p.range.Start));
      mod.tensors.push_back(tir::TensorParam{id, p.name, role});
      v = SV::make_value(SV::hbm, id);
    }
    declare(p.name, Binding{Binding::tensor, v, {}}, p.range);
  };
  for (const TensorParam &p : kernel_.params) {
    if (p.name == "out")
      diags.error(p.range, "'out' is reserved for the kernel's result (declared with '-> DTYPE[...]')");
    else
      declare_tensor(p, tir::TensorRole::input);
  }
  if (kernel_.has_result)
    declare_tensor(kernel_.result, tir::TensorRole::output);
  else
    diags.error(kernel_.name_range,
                "kernel '" + kernel_.name + "' has no result; declare one with '-> DTYPE[...]' (it is named 'out')");
  scopes_.emplace_back(); // the body's top level
  block(kernel_.body);
  scopes_.pop_back();
  if (diags.has_errors()) return false;
  out = std::move(mod);
  return true;
}

void Sema::block(const Block &b) {
  ++nest_;
  for (const StmtPtr &s : b) {
    if (too_big_ || requirement_failed_ || returning_) break;
    stmt(*s);
  }
  --nest_;
}

void Sema::stmt(const Stmt &s) {
  switch (s.kind) {
  case StmtKind::let: {
    SV v = eval(*s.value);
    if (v.k == SV::tile || v.k == SV::hbm) {
      tir::Value &val = mod.value(v.v);
      if (val.name.empty()) {
        val.name = ir_name(s.name);
        val.loc = loc(s.name_range.Start);
      }
    }
    declare(s.name, Binding{Binding::let, v, {}}, s.name_range);
    return;
  }
  case StmtKind::var: {
    SV v = eval(*s.value);
    if (v.k == SV::integer) { // a compile-time integer var
      Binding b{Binding::var, SV(), {}};
      b.cvar = int(cvars_.size());
      cvars_.push_back(CVar{v, loops_.size(), s.name_range, s.name});
      declare(s.name, b, s.name_range);
      return;
    }
    SV bound;
    if (v.k == SV::tile) {
      Op op{OpKind::var};
      op.loc = loc(s.name_range.Start);
      op.operands = {v.v};
      Type t = type_of(v.v);
      ValueId id = mod.add_value(t, ir_name(s.name), op.loc, /*is_var=*/true);
      var_depth_[id] = loops_.size();
      op.result = id;
      emit_no_result(std::move(op));
      bound = SV::make_value(SV::tile, id);
    } else if (v.ok()) {
      diags.error(s.value->range,
                  "'var' needs a tile or a compile-time integer, not " + describe(v) + "; use 'let' for other values");
    }
    declare(s.name, Binding{Binding::var, bound, {}}, s.name_range);
    return;
  }
  case StmtKind::assign: stmt_assign(s); return;
  case StmtKind::expr: {
    const Expr &e = *s.value;
    if (e.kind != ExprKind::call)
      diags.error(e.range, "this expression's value is unused; bind it with 'let' or assign it");
    else if (const FuncDef *d = find_helper(e.name))
      call_helper(e, *d, /*want_value=*/false);
    else
      eval(e);
    return;
  }
  case StmtKind::requires_: stmt_requires(s); return;
  case StmtKind::for_: stmt_for(s); return;
  case StmtKind::if_: stmt_if(s); return;
  case StmtKind::pass: return;
  case StmtKind::return_: stmt_return(s); return;
  }
}

SV Sema::eval(const Expr &e) {
  ++nest_;
  SV r = eval_expr(e);
  --nest_;
  return r;
}

SV Sema::eval_expr(const Expr &e) {
  switch (e.kind) {
  case ExprKind::integer: return SV::make_int(e.int_value);
  case ExprKind::floating: return SV::make_float(e.float_value);
  case ExprKind::boolean: return SV::make_bool(e.int_value != 0);
  case ExprKind::name: return eval_name(e);
  case ExprKind::unary: return eval_unary(e);
  case ExprKind::binary: return eval_binary(e);
  case ExprKind::call:
    // ISA ops straight to eval_isa_call: eval_call's large frame (tens of
    // KiB under AddressSanitizer) stays off the stack of nested isa calls.
    if (llvm::StringRef(e.name).startswith("isa.")) return eval_isa_call(e, llvm::StringRef(e.name).drop_front(4));
    if (const FuncDef *d = find_helper(e.name)) return call_helper(e, *d, /*want_value=*/true);
    return eval_call(e);
  case ExprKind::subscript: return eval_subscript(e);
  case ExprKind::tile_type: return eval_tile_type(e);
  case ExprKind::slice: diags.error(e.range, "a slice (start:stop) is only valid inside [...]"); return poison();
  case ExprKind::list:
    diags.error(e.range, "a list [...] is only valid as the value of a list attribute (such as "
                         "isa.nc_stream_shuffle's shuffle_mask)");
    return poison();
  }
  return poison();
}

void Sema::stmt_assign(const Stmt &s) {
  const Expr &t = *s.target;
  const Expr *base = &t;
  if (t.kind == ExprKind::subscript) base = t.args[0].get();
  if (base->kind != ExprKind::name) {
    diags.error(t.range, "only a var, or a slice of one, can be assigned");
    return;
  }
  const Binding *b = lookup(base->name);
  if (!b) {
    diags.error(base->range, "use of undeclared name '" + base->name + "'");
    return;
  }
  if (b->kind == Binding::var && b->cvar >= 0) {
    assign_cvar(s, *b);
    return;
  }
  if (b->kind != Binding::var) {
    const char *what = b->param                   ? "it is a parameter bound to a value that is not a var (pass a "
                                                    "var to update it in place)"
                       : b->kind == Binding::let  ? "it was bound with 'let' (use 'var' for tiles updated in place)"
                       : b->kind == Binding::size ? "it is a size parameter"
                       : b->kind == Binding::loop ? "it is a loop index"
                                                  : "it is a kernel tensor (write HBM with store())";
    diags.error(base->range, "cannot assign to '" + base->name + "': " + what);
    diags.note(b->def, "'" + base->name + "' is defined here");
    return;
  }
  if (!b->value.ok()) return;
  ValueId var = b->value.v;
  ValueId dst = var;
  if (t.kind == ExprKind::subscript) {
    SV view = eval(t);
    if (view.k != SV::tile) return;
    dst = view.v;
  }
  if (!check_parallel_write(dst, t.range)) return;
  SV value = eval(*s.value);
  if (!value.ok()) return;
  if (!s.op.empty()) {
    AluOp alu = s.op == "+"   ? AluOp::add
                : s.op == "-" ? AluOp::subtract
                : s.op == "*" ? AluOp::multiply
                              : AluOp::divide;
    value = elementwise(alu, SV::make_value(SV::tile, dst), value, t.range, s.value->range, s.range);
    if (!value.ok()) return;
  }
  emit_assign(dst, value, t.range, s.value->range, t.range.Start);
}

bool Sema::check_parallel_write(ValueId dst, llvm::SMRange r) {
  ValueId var = var_root(dst);
  if (!var) return true;
  auto depth = var_depth_.find(var);
  auto dims = view_dims_.find(dst);
  for (size_t i = depth == var_depth_.end() ? 0 : depth->second; i < loops_.size(); ++i) {
    const LoopCtx &l = loops_[i];
    if (l.kind != tir::LoopKind::parallel) continue;
    // Allowed when every iteration writes its own slice: the view's start
    // moves with this loop's index.
    bool sliced = false;
    if (dims != view_dims_.end())
      for (const tir::ViewDim &d : dims->second)
        for (auto &[id, coef] : d.start.terms) sliced |= id == l.index && coef != 0;
    if (sliced) continue;
    const std::string &name = mod.value(var).name;
    diags.error(r, "iterations of a parallel loop must be independent, but this writes '" + name +
                       "', which is defined outside the loop");
    diags.note(mod.value(var).loc.sm, "'" + name + "' is defined here");
    diags.note(mod.value(l.index).loc.sm, "use a sequential loop for loop-carried state, or "
                                          "write a slice indexed by the loop index");
    return false;
  }
  return true;
}

} // namespace nk::fe
