// Sema: binds sizes, evaluates compile-time expressions, resolves static
// loops and ifs, infers and checks every tile's shape, dtype and memory, and
// emits Tile IR (see sema_impl.h for the contract; calls are in
// sema_calls.cpp).
#include "compiler/frontend/frontend.h"
#include "compiler/frontend/lexer.h"
#include "compiler/frontend/parser.h"
#include "compiler/frontend/sema_impl.h"
#include "compiler/tir/op_rules.h"

#include <algorithm>
#include <cmath>

namespace nk::fe {

using tir::Affine;
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

// The pipeline unrolls parallel and sequential loops too: what unroll-loops
// would refuse is refused here, pointing at the loop to blame: the enclosing
// one that repeats the most, else the finished one that added the most.
bool Sema::count_unrolled(llvm::SMLoc at) {
  if (__builtin_add_overflow(unrolled_, weight_, &unrolled_)) unrolled_ = UINT64_MAX;
  if (unrolled_ <= tir::kMaxUnrolledOps) return true;
  if (!too_big_) {
    const std::pair<const Stmt *, int64_t> *blame = nullptr;
    for (const auto &l : unrolled_loops_)
      if (!blame || l.second > blame->second) blame = &l;
    if (!blame && heaviest_.first) blame = &heaviest_;
    if (!blame)
      diags.error(at, "the kernel unrolls to more than " + llvm::Twine(tir::kMaxUnrolledOps) + " operations");
    else
      diags.error(blame->first->range, "the kernel unrolls to more than " + llvm::Twine(tir::kMaxUnrolledOps) +
                                           " operations: nkc unrolls every loop, and this one repeats its body " +
                                           llvm::Twine(blame->second) + " times");
  }
  too_big_ = true;
  return false;
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

// The rules are tir::op_rules' (the Tile IR verifier applies them too).
bool Sema::check_hbm_dims(const Type &t, llvm::SMRange r) {
  if (auto problem = tir::hbm_dims_problem(t)) {
    diags.error(r, *problem);
    return false;
  }
  return true;
}

bool Sema::check_tile_type(const Type &t, llvm::SMRange r) {
  if (auto problem = tir::tile_type_problem(t, target)) {
    diags.error(r, *problem);
    return false;
  }
  return true;
}

std::optional<int64_t> Sema::expect_int_value(const SV &v, llvm::SMRange r, const char *what) {
  if (v.k == SV::integer) return v.i;
  if (v.ok()) {
    if (v.k == SV::index)
      diags.error(r, llvm::Twine(what) + " must be a compile-time integer; a parallel/sequential "
                                         "loop index is not (use a static loop)");
    else
      diags.error(r, llvm::Twine(what) + " must be a compile-time integer, not " + describe(v));
  }
  return std::nullopt;
}
std::optional<int64_t> Sema::expect_int(const Expr &e, const char *what) {
  return expect_int_value(eval(e), e.range, what);
}

ValueId Sema::var_root(ValueId id) const {
  auto it = view_root_.find(id);
  ValueId root = it == view_root_.end() ? id : it->second;
  return mod.value(root).is_var ? root : tir::kNoValue;
}

std::pair<int64_t, int64_t> Sema::affine_range(const Affine &a) const {
  // Saturating: an overflow shows up as an out-of-bounds range.
  auto sat_add = [](int64_t a, int64_t b) {
    int64_t r;
    if (__builtin_add_overflow(a, b, &r)) return b < 0 ? INT64_MIN : INT64_MAX;
    return r;
  };
  int64_t lo = a.constant, hi = a.constant;
  for (auto &[id, coef] : a.terms) {
    auto it = loop_trip_.find(id);
    int64_t last = it == loop_trip_.end() ? 0 : it->second - 1;
    int64_t x;
    if (__builtin_mul_overflow(coef, last, &x)) x = coef < 0 ? INT64_MIN : INT64_MAX;
    if (x < 0)
      lo = sat_add(lo, x);
    else
      hi = sat_add(hi, x);
  }
  return {lo, hi};
}

// ---- sizes, parameters, scopes ------------------------------------------------

void Sema::declare(const std::string &name, Binding b, llvm::SMRange r) {
  auto &scope = scopes_.back();
  auto it = scope.find(name);
  // The kernel body's top level cannot rebind a size or tensor either.
  if (it == scope.end() && scopes_.size() == 2 && scope_floor_ == 0) {
    it = scopes_[0].find(name);
    if (it == scopes_[0].end()) it = scope.end();
  }
  if (it != scope.end()) {
    diags.error(r, "redefinition of '" + name + "'");
    diags.note(it->second.def, "previous definition is here");
    return;
  }
  b.def = r;
  scope.emplace(name, std::move(b));
}

const Binding *Sema::lookup(const std::string &name) const {
  for (size_t i = scopes_.size(); i-- > 0;) {
    if (i < scope_floor_ && i != 0) continue; // a helper sees its scopes and the kernel's signature
    auto f = scopes_[i].find(name);
    if (f != scopes_[i].end()) return &f->second;
  }
  return nullptr;
}

void Sema::bind_sizes(const std::map<std::string, int64_t> &defines) {
  for (auto &[name, value] : defines) {
    bool found = false;
    for (const SizeParam &sp : kernel_.sizes) found |= sp.name == name;
    if (!found) {
      diags.error_no_loc("-D " + name + "=" + llvm::Twine(value) + ": kernel '" + kernel_.name +
                         "' has no size parameter '" + name + "'");
      diags.note(kernel_.name_range, "kernel '" + kernel_.name + "' is declared here");
    }
  }
  for (const SizeParam &sp : kernel_.sizes) {
    SV v;
    auto it = defines.find(sp.name);
    if (it != defines.end()) {
      v = SV::make_int(it->second);
    } else if (sp.default_value) {
      auto d = expect_int(*sp.default_value, "a size default");
      if (d) v = SV::make_int(*d);
    } else {
      diags.error(sp.range, "size parameter '" + sp.name + "' has no default; bind it with -D " + sp.name + "=VALUE");
    }
    // `core` is a physical core index (compiler/pipeline.cpp binds it per
    // core of a two-core kernel): 0 is its first value.
    const int64_t least = sp.name == "core" ? 0 : 1;
    if (v.k == SV::integer && v.i < least) {
      diags.error(sp.range, "size parameter '" + sp.name + "' must be at least " + llvm::Twine(least) + ", got " +
                                llvm::Twine(v.i));
      v = poison();
    }
    if (v.k == SV::integer) mod.sizes.emplace_back(sp.name, v.i);
    declare(sp.name, Binding{Binding::size, v, {}}, sp.range);
  }
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

// ---- statements -------------------------------------------------------------

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
  case StmtKind::if_: {
    SV c = eval(*s.value);
    if (!c.ok()) return;
    if (c.k != SV::boolean) {
      if (c.k == SV::tile)
        diags.error(s.value->range, "an 'if' condition must be known at compile time; to select "
                                    "elements of tiles use where(mask, a, b)");
      else if (c.k == SV::index)
        diags.error(s.value->range, "an 'if' condition must be known at compile time; a "
                                    "parallel/sequential loop index is not (use a static loop)");
      else
        diags.error(s.value->range, "an 'if' condition must be a boolean, not " + describe(c));
      return;
    }
    scopes_.emplace_back();
    block(c.i ? s.body : s.else_body);
    scopes_.pop_back();
    return;
  }
  case StmtKind::pass: return;
  case StmtKind::return_: stmt_return(s); return;
  }
}

void Sema::stmt_requires(const Stmt &s) {
  for (const ExprPtr &c : s.conds) {
    SV v = eval(*c);
    if (!v.ok()) continue;
    if (v.k != SV::boolean) {
      diags.error(c->range, "a 'requires' condition must be a compile-time boolean, not " + describe(v));
      continue;
    }
    if (v.i) continue;
    // Say which bindings made it fail: every size/let name in the condition.
    llvm::StringRef text(c->range.Start.getPointer(), c->range.End.getPointer() - c->range.Start.getPointer());
    std::string with;
    std::function<void(const Expr &)> collect = [&](const Expr &e) {
      if (e.kind == ExprKind::name) {
        const Binding *b = lookup(e.name);
        if (b && value_of(*b).k == SV::integer) {
          std::string item = e.name + " = " + std::to_string(value_of(*b).i);
          if (with.find(item) == std::string::npos) with += (with.empty() ? "" : ", ") + item;
        }
      }
      for (auto &a : e.args) collect(*a);
    };
    collect(*c);
    diags.error(c->range, "requirement '" + text + "' is not satisfied" +
                              (with.empty() ? std::string() : " (with " + with + ")"));
    requirement_failed_ = true;
  }
}

void Sema::stmt_for(const Stmt &s) {
  bool is_static = s.op == "static";
  tir::LoopKind kind = tir::LoopKind::sequential;
  if (s.op == "parallel")
    kind = tir::LoopKind::parallel;
  else if (s.op != "sequential" && !is_static) {
    diags.error(s.op_range, "unknown loop kind '" + s.op + "'; expected parallel, sequential or static");
    return;
  }
  auto n = expect_int(*s.value, "a loop trip count");
  if (!n) return;
  if (*n < 0) {
    diags.error(s.value->range, "a loop trip count must not be negative, got " + llvm::Twine(*n));
    return;
  }
  if (*n == 0) return;
  if (is_static) {
    // Past the error limit nothing more can be reported: stop unrolling
    // (static(10**8) over an erroneous body took seconds under ASan).
    for (int64_t i = 0; i < *n && !too_big_ && !returning_ && !diags.stopped(); ++i) {
      // Each iteration counts toward the unrolling cap even when its body
      // emits nothing, so static(10**18) with an empty body cannot hang.
      if (++emitted_ > max_tir_ops_) {
        diags.error(s.range, "the kernel unrolls to more than " + llvm::Twine(max_tir_ops_) +
                                 " operations; use a parallel or sequential loop instead of static");
        too_big_ = true;
        break;
      }
      scopes_.emplace_back();
      declare(s.name, Binding{Binding::loop, SV::make_int(i), {}}, s.name_range);
      block(s.body);
      scopes_.pop_back();
    }
    return;
  }
  Op op{OpKind::loop};
  op.loc = loc(s.range.Start);
  op.loop_kind = kind;
  op.trip_count = *n;
  ValueId idx = mod.add_value(Type{}, ir_name(s.name), loc(s.name_range.Start));
  op.result = idx;
  loop_trip_[idx] = *n;
  std::vector<Op> body;
  std::vector<Op> *saved = cur_;
  cur_ = &body;
  scopes_.emplace_back();
  SV iv;
  iv.k = SV::index;
  iv.aff.terms.push_back({idx, 1});
  declare(s.name, Binding{Binding::loop, iv, {}}, s.name_range);
  loops_.push_back(LoopCtx{kind, idx, scopes_.size()});
  uint64_t unrolled_before = unrolled_;
  count_unrolled(op.loc.sm); // the loop op, once per iteration of the loops around it
  uint64_t saved_weight = weight_;
  if (__builtin_mul_overflow(weight_, uint64_t(*n), &weight_)) weight_ = UINT64_MAX;
  unrolled_loops_.push_back({&s, *n});
  block(s.body);
  unrolled_loops_.pop_back();
  weight_ = saved_weight;
  if (unrolled_ - unrolled_before > heaviest_added_) {
    heaviest_added_ = unrolled_ - unrolled_before;
    heaviest_ = {&s, *n};
  }
  loops_.pop_back();
  scopes_.pop_back();
  cur_ = saved;
  op.body = std::move(body);
  --emitted_; // emit_no_result counts the loop op itself once
  emit_no_result(std::move(op));
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

void Sema::emit_assign(ValueId dst, const SV &value_in, llvm::SMRange dst_range, llvm::SMRange value_range,
                       llvm::SMLoc at) {
  const Type &dt = type_of(dst);
  SV value = value_in;
  if (value.is_number()) { // fill: x = 0.0
    Op f{OpKind::full};
    f.loc = loc(at);
    f.imm = value.number();
    Type t = dt;
    t.mem = Memory::sbuf;
    value = emit(std::move(f), t);
  }
  if (value.k != SV::tile) {
    if (value.ok()) diags.error(value_range, "cannot assign " + describe_value(value) + " to a tile");
    return;
  }
  const Type &vt = type_of(value.v);
  if (vt.shape != dt.shape) {
    diags.error(value_range, "cannot assign " + tir::type_str(vt) + " to " + tir::type_str(dt) + ": the shapes differ");
    diags.note(dst_range, "assigned tile is here");
    return;
  }
  Op op{OpKind::assign};
  op.loc = loc(at);
  op.operands = {dst, value.v};
  emit_no_result(std::move(op));
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

} // namespace nk::fe
