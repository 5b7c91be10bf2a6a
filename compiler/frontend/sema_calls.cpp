// Sema, calls: the high-level built-ins, a table of rows (builtin_table:
// name, parameters, the member that emits it: load, store, matmul, transpose,
// copy, elementwise functions, activations, reductions, full/zeros, iota,
// where, compile-time min/max/cdiv) and the ISA-level ops `isa.NAME(...)`,
// whose fields, kinds and defaults come from the ISA table (op_info), so a
// new instruction in runtime/isa.def is usable here without new code.
#include "compiler/frontend/sema_impl.h"

#include <cfloat>
#include <cmath>

namespace nk::fe {

using tir::Op;
using tir::OpKind;
using tir::Type;
using tir::ValueId;

namespace {

using Param = BuiltinParam;

// Matches positional and keyword arguments to `params`. Reports unknown,
// duplicate, surplus and missing arguments.
bool bind_args(DiagnosticEngine &diags, const Expr &call, llvm::ArrayRef<Param> ps, std::vector<const Expr *> &out) {
  out.assign(ps.size(), nullptr);
  bool ok = true;
  if (call.args.size() > ps.size()) {
    diags.error(call.args[ps.size()]->range,
                call.name + "() takes at most " + llvm::Twine(ps.size()) + " argument" + (ps.size() == 1 ? "" : "s"));
    return false;
  }
  for (size_t i = 0; i < call.args.size(); ++i) out[i] = call.args[i].get();
  for (const Keyword &k : call.keywords) {
    size_t i = 0;
    while (i < ps.size() && k.name != ps[i].name) ++i;
    if (i == ps.size()) {
      std::string names;
      for (auto &p : ps) names += (names.empty() ? "" : ", ") + std::string(p.name);
      diags.error(k.range, call.name + "() has no argument '" + k.name + "' (its arguments: " + names + ")");
      ok = false;
    } else if (out[i]) {
      diags.error(k.range, "argument '" + k.name + "' of " + call.name + "() is given twice");
      ok = false;
    } else {
      out[i] = k.value.get();
    }
  }
  for (size_t i = 0; i < ps.size() && ok; ++i) {
    if (ps[i].required && !out[i]) {
      diags.error(call.range, call.name + "() is missing its argument '" + ps[i].name + "'");
      ok = false;
    }
  }
  return ok;
}

std::optional<double> fold_activation(ActFunc f, double x) {
  switch (f) {
  case ActFunc::identity: return x;
  case ActFunc::exp: return std::exp(x);
  case ActFunc::log: return std::log(x);
  case ActFunc::reciprocal: return 1.0 / x;
  case ActFunc::tanh: return std::tanh(x);
  case ActFunc::sigmoid: return 1.0 / (1.0 + std::exp(-x));
  case ActFunc::relu: return x > 0 ? x : 0.0;
  case ActFunc::sqrt: return std::sqrt(x);
  case ActFunc::rsqrt: return 1.0 / std::sqrt(x);
  case ActFunc::square: return x * x;
  case ActFunc::abs: return std::fabs(x);
  default: return std::nullopt;
  }
}

} // namespace

namespace {

// The high-level built-ins, one row each (Sema::Builtin). The activation
// functions (parse_act's names) share one row, kActivation.
const std::vector<Sema::Builtin> &builtin_table() {
  using S = Sema;
  static const std::vector<S::Builtin> table = {
      {"load", {{"src", true}, {"dtype", false}}, &S::builtin_load},
      {"store", {{"dst", true}, {"src", true}}, &S::builtin_store},
      {"matmul", {{"x", true}, {"y", true}, {"transpose_x", false}}, &S::builtin_matmul},
      {"transpose", {{"x", true}}, &S::builtin_transpose},
      {"copy", {{"x", true}, {"dtype", false}}, &S::builtin_copy},
      {"add", {{"x", true}, {"y", true}}, &S::builtin_elementwise},
      {"subtract", {{"x", true}, {"y", true}}, &S::builtin_elementwise},
      {"multiply", {{"x", true}, {"y", true}}, &S::builtin_elementwise},
      {"divide", {{"x", true}, {"y", true}}, &S::builtin_elementwise},
      {"maximum", {{"x", true}, {"y", true}}, &S::builtin_elementwise},
      {"minimum", {{"x", true}, {"y", true}}, &S::builtin_elementwise},
      {"max", {{"x", true}, {"axis", false}, {"keepdims", false}}, &S::builtin_reduce, true},
      {"min", {{"x", true}, {"axis", false}, {"keepdims", false}}, &S::builtin_reduce, true},
      {"sum", {{"x", true}, {"axis", false}, {"keepdims", false}}, &S::builtin_reduce},
      {"full", {{"type", true}, {"value", true}}, &S::builtin_full},
      {"zeros", {{"type", true}}, &S::builtin_full},
      {"iota", {{"type", true}, {"base", false}, {"partition_step", false}, {"free_step", false}}, &S::builtin_iota},
      {"where", {{"mask", true}, {"x", true}, {"y", true}}, &S::builtin_where},
      {"cdiv", {{"a", true}, {"b", true}}, &S::builtin_cdiv},
  };
  return table;
}

const Sema::Builtin kActivation{"activation", {{"x", true}}, &Sema::builtin_activation};

// The row of `name`, or null when it is not a built-in.
const Sema::Builtin *find_builtin(llvm::StringRef name) {
  for (const Sema::Builtin &b : builtin_table())
    if (name == b.name) return &b;
  if (parse_act(std::string_view(name.data(), name.size()))) return &kActivation;
  return nullptr;
}

} // namespace

bool Sema::is_builtin_function(llvm::StringRef name) { return find_builtin(name) != nullptr; }

SV Sema::eval_call(const Expr &e) {
  llvm::StringRef name = e.name;
  if (name.startswith("isa.")) return eval_isa_call(e, name.drop_front(4));
  const Builtin *b = find_builtin(name);
  if (!b) {
    if (lookup(e.name))
      diags.error(e.range, "'" + name + "' is not a function");
    else
      diags.error(e.range, "unknown function '" + name + "'");
    return poison();
  }
  if (b->folds_numbers)
    if (std::optional<SV> folded = fold_min_max(e)) return *folded;
  std::vector<const Expr *> a;
  if (!bind_args(diags, e, b->params, a)) return poison();
  return (this->*b->emit)(e, a);
}

tir::Op Sema::new_op(tir::OpKind kind, const Expr &e) {
  Op op{kind};
  op.loc = loc(e.range.Start);
  return op;
}

SV Sema::tile_arg(const Expr *x, const llvm::Twine &what) {
  SV v = eval(*x);
  if (v.k == SV::tile || !v.ok()) return v;
  if (v.k == SV::hbm)
    diags.error(x->range, what + " must be a tile in SBUF/PSUM; load() HBM tensors first");
  else
    diags.error(x->range, what + " must be a tile, not " + describe(v));
  return poison();
}

std::optional<Dtype> Sema::dtype_arg(const Expr *x, Dtype dflt) {
  if (!x) return dflt;
  SV v = eval(*x);
  if (v.k == SV::dtype) return v.dt;
  if (v.ok()) diags.error(x->range, "expected a dtype (" + dtype_name_list() + "), not " + describe(v));
  return std::nullopt;
}

std::optional<bool> Sema::bool_arg(const Expr *x, bool dflt) {
  if (!x) return dflt;
  SV v = eval(*x);
  if (v.k == SV::boolean) return v.i != 0;
  if (v.ok()) diags.error(x->range, "expected true or false, not " + describe(v));
  return std::nullopt;
}

std::optional<tir::Type> Sema::type_arg(const Expr *x) {
  SV v = eval(*x);
  if (v.k == SV::ttype) return v.type;
  if (v.ok()) diags.error(x->range, "expected a tile type such as sbuf f32[128 | 64], not " + describe(v));
  return std::nullopt;
}

SV Sema::builtin_elementwise(const Expr &e, llvm::ArrayRef<const Expr *> a) {
  static const std::pair<const char *, AluOp> kOps[] = {{"add", AluOp::add},           {"subtract", AluOp::subtract},
                                                        {"multiply", AluOp::multiply}, {"divide", AluOp::divide},
                                                        {"maximum", AluOp::max},       {"minimum", AluOp::min}};
  AluOp alu = AluOp::add;
  for (auto &[n, op] : kOps)
    if (e.name == n) alu = op;
  SV x = eval(*a[0]), y = eval(*a[1]);
  return elementwise(alu, x, y, a[0]->range, a[1]->range, e.range);
}

SV Sema::builtin_load(const Expr &e, llvm::ArrayRef<const Expr *> a) {
  Op op = new_op(OpKind::load, e);
  SV src = eval(*a[0]);
  if (!src.ok()) return poison();
  if (src.k != SV::hbm) {
    diags.error(a[0]->range, "load() reads an HBM tensor or a view of one, not " + describe_value(src));
    return poison();
  }
  Type st = type_of(src.v);
  auto dt = dtype_arg(a[1], st.dtype);
  if (!dt) return poison();
  if (!check_hbm_dims(st, a[0]->range)) return poison();
  Type t = st;
  t.mem = Memory::sbuf;
  t.dtype = *dt;
  if (!check_tile_type(t, a[0]->range)) {
    diags.note(a[0]->range, "load() puts the first dimension on the partition axis");
    return poison();
  }
  op.operands = {src.v};
  return emit(std::move(op), t);
}

SV Sema::builtin_store(const Expr &e, llvm::ArrayRef<const Expr *> a) {
  Op op = new_op(OpKind::store, e);
  SV dst = eval(*a[0]);
  SV src = tile_arg(a[1], "store()'s source");
  if (!dst.ok() || !src.ok()) return poison();
  if (dst.k != SV::hbm) {
    diags.error(a[0]->range, "store() writes an HBM tensor or a view of one, not " + describe_value(dst));
    return poison();
  }
  // A view at a run-time index is an indirect store (a scatter with a
  // [P | 1] index): the DMA moves its destination by the index (dst_index).
  auto rit = view_root_.find(dst.v);
  ValueId root = rit == view_root_.end() ? dst.v : rit->second;
  for (const tir::TensorParam &tp : mod.tensors)
    if (tp.value == root && tp.role == tir::TensorRole::input) {
      diags.error(a[0]->range, "cannot store to input tensor '" + tp.name + "'; the kernel writes 'out'");
      return poison();
    }
  const Type &dt = type_of(dst.v), &st = type_of(src.v);
  auto squeeze = [](const std::vector<int64_t> &s) {
    std::vector<int64_t> r;
    for (int64_t d : s)
      if (d != 1) r.push_back(d);
    return r;
  };
  if (dt.shape != st.shape && squeeze(dt.shape) != squeeze(st.shape)) {
    diags.error(e.range,
                "store() shapes differ: destination is " + tir::type_str(dt) + ", source is " + tir::type_str(st));
    note_def(src.v);
    return poison();
  }
  if (!check_hbm_dims(dt, a[0]->range)) return poison();
  op.operands = {dst.v, src.v};
  emit_no_result(std::move(op));
  return poison(); // no value
}

SV Sema::builtin_matmul(const Expr &e, llvm::ArrayRef<const Expr *> a) {
  Op op = new_op(OpKind::matmul, e);
  SV x = tile_arg(a[0], "matmul()'s x"), y = tile_arg(a[1], "matmul()'s y");
  auto tx = bool_arg(a[2], false);
  if (!x.ok() || !y.ok() || !tx) return poison();
  const Type &xt = type_of(x.v), &yt = type_of(y.v);
  for (auto [t, r] : {std::pair<const Type *, const Expr *>{&xt, a[0]}, {&yt, a[1]}}) {
    if (t->shape.size() != 2) {
      diags.error(r->range, "matmul() operands must be 2-D tiles [P | F], not " + tir::type_str(*t));
      return poison();
    }
    if (!dtype_is_float(t->dtype)) {
      diags.error(r->range, "matmul() operands must be floating point (f32, tf32, bf16, f16, f8e4m3, f8e5m2), not " +
                                tir::type_str(*t));
      return poison();
    }
  }
  // transpose_x: x is [K | M] already; otherwise x is [M | K] and the
  // compiler transposes it. y is always [K | N]. Result [M | N].
  int64_t K = *tx ? xt.shape[0] : xt.shape[1], M = *tx ? xt.shape[1] : xt.shape[0];
  int64_t N = yt.shape[1];
  if (K != yt.shape[0]) {
    diags.error(e.range, "matmul() contracts over the partition axis of both operands: x gives K = " + llvm::Twine(K) +
                             (*tx ? " (its partition axis)" : " (its free axis; x is transposed)") + " but y has " +
                             llvm::Twine(yt.shape[0]) + " partitions");
    note_def(x.v);
    note_def(y.v);
    return poison();
  }
  struct Limit {
    int64_t v;
    unsigned max;
    const char *what;
    const Expr *at;
  };
  for (Limit l : {Limit{K, target.pe_max_contraction, "contraction size K", a[1]},
                  Limit{M, target.pe_max_stationary_free, "stationary free size M (x's columns)", a[0]},
                  Limit{N, target.pe_max_moving_free, "moving free size N (y's free size)", a[1]}}) {
    if (l.v > int64_t(l.max)) {
      diags.error(l.at->range, llvm::Twine("matmul() ") + l.what + " is " + llvm::Twine(l.v) +
                                   "; the Tensor engine of " + target.name + " allows at most " + llvm::Twine(l.max));
      return poison();
    }
  }
  if (uint64_t(N) * 4 > target.psum_bank_bytes()) {
    diags.error(a[1]->range, "matmul() result row of " + llvm::Twine(N) + " fp32 values does not fit a PSUM bank (" +
                                 llvm::Twine(target.psum_bank_bytes()) + " bytes)");
    return poison();
  }
  op.operands = {x.v, y.v};
  op.transpose_x = *tx;
  return emit(std::move(op), Type{Memory::sbuf, Dtype::f32, {M, N}});
}

SV Sema::builtin_transpose(const Expr &e, llvm::ArrayRef<const Expr *> a) {
  Op op = new_op(OpKind::transpose, e);
  SV x = tile_arg(a[0], "transpose()'s operand");
  if (!x.ok()) return poison();
  const Type &xt = type_of(x.v);
  if (xt.shape.size() != 2) {
    diags.error(a[0]->range, "transpose() needs a 2-D tile [P | F], not " + tir::type_str(xt));
    return poison();
  }
  if (xt.shape[1] > int64_t(target.pe_max_stationary_free)) {
    diags.error(a[0]->range, "transpose() of " + tir::type_str(xt) + " would put " + llvm::Twine(xt.shape[1]) +
                                 " on the partition axis; at most " + llvm::Twine(target.pe_max_stationary_free) +
                                 " fit");
    return poison();
  }
  op.operands = {x.v};
  return emit(std::move(op), Type{Memory::sbuf, xt.dtype, {xt.shape[1], xt.shape[0]}});
}

SV Sema::builtin_copy(const Expr &e, llvm::ArrayRef<const Expr *> a) {
  Op op = new_op(OpKind::copy, e);
  SV x = tile_arg(a[0], "copy()'s operand");
  if (!x.ok()) return poison();
  Type t = type_of(x.v);
  auto dt = dtype_arg(a[1], t.dtype);
  if (!dt) return poison();
  t.mem = Memory::sbuf;
  t.dtype = *dt;
  if (!check_tile_type(t, e.range)) return poison();
  op.operands = {x.v};
  return emit(std::move(op), t);
}

SV Sema::builtin_activation(const Expr &e, llvm::ArrayRef<const Expr *> a) {
  llvm::StringRef name = e.name;
  ActFunc act_func = *parse_act(std::string_view(name.data(), name.size()));
  Op op = new_op(OpKind::activation, e);
  SV x = eval(*a[0]);
  if (!x.ok()) return poison();
  if (x.is_number()) {
    auto r = fold_activation(act_func, x.number());
    if (!r) {
      diags.error(e.range, name + "() of a number is not evaluated at compile time");
      return poison();
    }
    if (std::isnan(*r) && !std::isnan(x.number())) {
      diags.error(e.range, name + "() of " + std::to_string(x.number()) + " is not a number");
      return poison();
    }
    return SV::make_float(*r);
  }
  if (x.k != SV::tile) {
    diags.error(a[0]->range, name + "() needs a tile or a number, not " + describe(x) +
                                 (x.k == SV::hbm ? "; load() HBM tensors first" : ""));
    return poison();
  }
  Type t = type_of(x.v);
  t.mem = Memory::sbuf;
  if (!dtype_is_float(t.dtype)) t.dtype = Dtype::f32;
  op.act = act_func;
  op.operands = {x.v};
  return emit(std::move(op), t);
}

std::optional<SV> Sema::fold_min_max(const Expr &e) {
  llvm::StringRef name = e.name;
  // Compile-time min/max of numbers: max(a, b, ...).
  if (e.keywords.empty() && e.args.size() >= 2) {
    SV best = eval(*e.args[0]);
    if (best.is_number() || !best.ok()) {
      for (size_t i = 1; i < e.args.size(); ++i) {
        SV v = eval(*e.args[i]);
        if (!v.ok() || !best.ok()) {
          best = poison();
          continue;
        }
        if (!v.is_number()) {
          diags.error(e.args[i]->range, name + "() of numbers needs numbers, not " + describe(v) +
                                            "; for elementwise use " + (name == "max" ? "maximum" : "minimum") + "()");
          best = poison();
          continue;
        }
        bool take = name == "max" ? v.number() > best.number() : v.number() < best.number();
        if (v.k == SV::floating || best.k == SV::floating) {
          double r = take ? v.number() : best.number();
          best = SV::make_float(r);
        } else if (take) {
          best = v;
        }
      }
      return best;
    }
  }
  return std::nullopt;
}

SV Sema::builtin_reduce(const Expr &e, llvm::ArrayRef<const Expr *> a) {
  llvm::StringRef name = e.name;
  Op op = new_op(OpKind::reduce, e);
  SV x = tile_arg(a[0], name + "()'s operand");
  auto keep = bool_arg(a[2], false);
  if (!x.ok() || !keep) return poison();
  Type t = type_of(x.v);
  int64_t ndim = int64_t(t.shape.size());
  int64_t axis = ndim - 1;
  if (a[1]) {
    auto ax = expect_int(*a[1], "an axis");
    if (!ax) return poison();
    axis = *ax < 0 ? *ax + ndim : *ax;
    if (axis == 0) {
      diags.error(a[1]->range, "reductions run along a free axis; axis 0 is the partition axis "
                               "(transpose first to reduce across partitions)");
      return poison();
    }
    if (axis < 0 || axis >= ndim) {
      diags.error(a[1]->range, "axis " + llvm::Twine(*ax) + " is out of range for " + tir::type_str(t));
      return poison();
    }
  }
  if (axis == 0) {
    diags.error(e.range, name + "() of " + tir::type_str(t) + " has no free axis to reduce");
    return poison();
  }
  op.alu = name == "max" ? AluOp::max : name == "min" ? AluOp::min : AluOp::add;
  op.axis = axis;
  op.keepdims = *keep;
  op.operands = {x.v};
  if (*keep)
    t.shape[axis] = 1;
  else
    t.shape.erase(t.shape.begin() + axis);
  t.mem = Memory::sbuf;
  return emit(std::move(op), t);
}

SV Sema::builtin_full(const Expr &e, llvm::ArrayRef<const Expr *> a) {
  llvm::StringRef name = e.name;
  Op op = new_op(OpKind::full, e);
  bool is_full = name == "full";
  auto t = type_arg(a[0]);
  double value = 0;
  if (is_full) {
    SV v = eval(*a[1]);
    if (!v.is_number()) {
      if (v.ok()) diags.error(a[1]->range, "full() needs a number to fill with, not " + describe(v));
      return poison();
    }
    value = v.number();
  }
  if (!t) return poison();
  op.imm = value;
  return emit(std::move(op), *t);
}

SV Sema::builtin_iota(const Expr &e, llvm::ArrayRef<const Expr *> a) {
  Op op = new_op(OpKind::iota, e);
  auto t = type_arg(a[0]);
  if (!t) return poison();
  op.fstep = 1;
  if (a[1]) {
    SV b = eval(*a[1]);
    if (b.k == SV::integer)
      op.base.constant = b.i;
    else if (b.k == SV::index)
      op.base = b.aff;
    else {
      if (b.ok())
        diags.error(a[1]->range, "iota() base must be an integer or a loop index expression, not " + describe(b));
      return poison();
    }
  }
  if (a[2]) {
    auto v = expect_int(*a[2], "partition_step");
    if (!v) return poison();
    op.pstep = *v;
  }
  if (a[3]) {
    auto v = expect_int(*a[3], "free_step");
    if (!v) return poison();
    op.fstep = *v;
  }
  return emit(std::move(op), *t);
}

SV Sema::builtin_where(const Expr &e, llvm::ArrayRef<const Expr *> a) {
  Op op = new_op(OpKind::where, e);
  SV m = tile_arg(a[0], "where()'s mask");
  SV x = eval(*a[1]), y = eval(*a[2]);
  if (!m.ok() || !x.ok() || !y.ok()) return poison();
  Type t = type_of(m.v);
  t.mem = Memory::sbuf;
  bool have_dtype = false;
  op.operands = {m.v};
  const SV *branch[2] = {&x, &y};
  for (int i = 0; i < 2; ++i) {
    const SV &v = *branch[i];
    const Expr *r = a[1 + i];
    if (v.is_number()) {
      op.where_imm_mask |= uint8_t(1u << i);
      (i == 0 ? op.imm : op.imm2) = v.number();
      continue;
    }
    if (v.k != SV::tile) {
      diags.error(r->range, "where() branches must be tiles or numbers, not " + describe(v));
      return poison();
    }
    std::vector<int64_t> shape;
    if (!broadcast_shapes(t, type_of(v.v), m.v, v.v, r->range, shape)) return poison();
    t.shape = shape;
    t.dtype = have_dtype ? promote(t.dtype, type_of(v.v).dtype) : type_of(v.v).dtype;
    have_dtype = true;
    op.operands.push_back(v.v);
  }
  if (!have_dtype) t.dtype = Dtype::f32;
  return emit(std::move(op), t);
}

SV Sema::builtin_cdiv(const Expr &e, llvm::ArrayRef<const Expr *> a) {
  auto x = expect_int(*a[0], "cdiv()'s a"), y = expect_int(*a[1], "cdiv()'s b");
  if (!x || !y) return poison();
  if (*y <= 0 || *x < 0) {
    diags.error(e.range, "cdiv() needs a >= 0 and b > 0");
    return poison();
  }
  return SV::make_int(*x / *y + (*x % *y != 0));
}

} // namespace nk::fe
