// Sema, type and shape inference: tile and HBM types against the target's
// limits, views and subscripts (relative to their root, with bounds over
// every loop iteration), broadcasting, dtype promotion, elementwise result
// types, assignments' shapes, and the high-level built-ins, a table of rows
// (builtin_table: name, parameters, the member that checks and emits it:
// load, store, matmul, transpose, copy, elementwise functions, activations,
// reductions, full/zeros, iota, where, scratch). The per-op rules are
// compiler/tir/op_rules.h's, which the Tile IR verifier applies too.
//
// Assumes: operands are evaluated SVs (poison after an earlier error, which
// is accepted silently). Guarantees: every emitted op has a checked type:
// shapes, dtypes and memories obey op_rules and the target; a bad operand
// gets one diagnostic and yields poison, and nothing is emitted for it.
#include "compiler/frontend/sema_impl.h"
#include "compiler/tir/op_rules.h"

#include <cmath>

namespace nk::fe {

using tir::Affine;
using tir::Op;
using tir::OpKind;
using tir::Type;
using tir::ValueId;

bool Sema::check_tile_type(const Type &t, llvm::SMRange r) {
  if (auto problem = tir::tile_type_problem(t, target)) {
    diags.error(r, *problem);
    return false;
  }
  return true;
}

// The rules are tir::op_rules' (the Tile IR verifier applies them too).
bool Sema::check_hbm_dims(const Type &t, llvm::SMRange r) {
  if (auto problem = tir::hbm_dims_problem(t)) {
    diags.error(r, *problem);
    return false;
  }
  return true;
}

Dtype Sema::promote(Dtype a, Dtype b) { return promote_dtypes(a, b); }

bool Sema::broadcast_shapes(const Type &a, const Type &b, ValueId ida, ValueId idb, llvm::SMRange r,
                            std::vector<int64_t> &out) {
  if (auto problem = tir::broadcast_problem(a, b, out)) { // the verifier's rule too
    diags.error(r, *problem);
    note_def(ida);
    note_def(idb);
    return false;
  }
  return true;
}

SV Sema::elementwise(AluOp alu, const SV &a, const SV &b, llvm::SMRange ra, llvm::SMRange rb, llvm::SMRange whole) {
  if (!a.ok() || !b.ok()) return poison();
  for (auto [v, r] : {std::pair<const SV *, llvm::SMRange>{&a, ra}, {&b, rb}}) {
    if (v->k == SV::hbm) {
      diags.error(r, "HBM tensors cannot be computed on directly; load() them into SBUF first");
      return poison();
    }
    if (v->k != SV::tile && !v->is_number()) {
      diags.error(r, "expected a tile or a number, not " + describe(*v));
      return poison();
    }
  }
  Op op{OpKind::binary};
  op.loc = loc(whole.Start);
  op.alu = alu;
  if (a.k == SV::tile && b.k == SV::tile) {
    const Type &ta = type_of(a.v), &tb = type_of(b.v);
    Type t;
    t.mem = Memory::sbuf;
    t.dtype = promote(ta.dtype, tb.dtype);
    if (!broadcast_shapes(ta, tb, a.v, b.v, whole, t.shape)) return poison();
    op.operands = {a.v, b.v};
    return emit(std::move(op), t);
  }
  if (a.k == SV::tile || b.k == SV::tile) {
    const SV &tile = a.k == SV::tile ? a : b;
    const SV &num = a.k == SV::tile ? b : a;
    Type t = type_of(tile.v);
    t.mem = Memory::sbuf;
    if (!dtype_is_float(t.dtype) && num.k == SV::floating) t.dtype = Dtype::f32;
    op.kind = OpKind::binary_imm;
    op.operands = {tile.v};
    op.imm = num.number();
    op.imm_first = a.k != SV::tile;
    return emit(std::move(op), t);
  }
  // Two numbers (named functions such as maximum(1, 2)): fold.
  double x = a.number(), y = b.number(), r = 0;
  switch (alu) {
  case AluOp::add: r = x + y; break;
  case AluOp::subtract: r = x - y; break;
  case AluOp::multiply: r = x * y; break;
  case AluOp::divide:
    if (y == 0) {
      diags.error(whole, "division by zero");
      return poison();
    }
    r = x / y;
    break;
  case AluOp::max: r = std::max(x, y); break;
  case AluOp::min: r = std::min(x, y); break;
  default: diags.error(whole, "this operation needs at least one tile operand"); return poison();
  }
  if (a.k == SV::integer && b.k == SV::integer && alu != AluOp::divide && std::fabs(r) < 9.0e18)
    return SV::make_int(int64_t(r));
  return SV::make_float(r);
}

SV Sema::eval_tile_type(const Expr &e) {
  Type t;
  t.mem = e.name == "psum" ? Memory::psum : Memory::sbuf;
  bool ok = true;
  auto dt = parse_dtype(e.dtype);
  if (!dt) {
    diags.error(e.range, "unknown dtype '" + e.dtype + "'; expected one of " + dtype_name_list());
    ok = false;
  }
  t.dtype = dt.value_or(Dtype::f32);
  for (const ExprPtr &d : e.args) {
    auto n = expect_int(*d, "a tile dimension");
    ok &= n.has_value();
    t.shape.push_back(n.value_or(1));
  }
  if (!ok || !check_tile_type(t, e.range)) return poison();
  SV v;
  v.k = SV::ttype;
  v.type = std::move(t);
  return v;
}

SV Sema::eval_subscript(const Expr &e) {
  SV base = eval(*e.args[0]);
  if (!base.ok()) return poison();
  if (base.k != SV::tile && base.k != SV::hbm) {
    diags.error(e.args[0]->range, "cannot index " + describe(base) + "; only tiles and HBM tensors have elements");
    return poison();
  }
  const Type bt = type_of(base.v);
  size_t rank = bt.shape.size();
  size_t nidx = e.args.size() - 1;
  if (nidx > rank) {
    diags.error(e.range, "too many indices: " + tir::type_str(bt) + " has " + llvm::Twine(rank) + " dimension" +
                             (rank == 1 ? "" : "s"));
    return poison();
  }
  bool is_tile = bt.is_tile();
  std::vector<tir::ViewDim> dims(rank);
  for (size_t d = 0; d < rank; ++d) dims[d].count = bt.shape[d];
  bool ok = true;
  // A dynamic index: a one-element integer tile (e.g. a block-table entry)
  // picks the position in an HBM dim at run time (an indirect DMA).
  ValueId dyn_index = tir::kNoValue;
  auto base_dyn = view_index_.find(base.v);
  if (base_dyn != view_index_.end()) dyn_index = base_dyn->second;
  for (size_t d = 0; d < nidx; ++d) {
    const Expr &ix = *e.args[d + 1];
    int64_t size = bt.shape[d];
    tir::ViewDim &vd = dims[d];
    auto to_affine = [&](const SV &v, const Expr &x, Affine &out) {
      if (v.k == SV::integer) {
        out = Affine{};
        out.constant = v.i;
        return true;
      }
      if (v.k == SV::index) {
        out = v.aff;
        return true;
      }
      if (v.ok())
        diags.error(x.range, "an index must be an integer, a loop index or (into an HBM tensor) a one-element "
                             "integer tile, not " +
                                 describe(v));
      return false;
    };
    auto as_affine = [&](const Expr &x, Affine &out) { return to_affine(eval(x), x, out); };
    if (ix.kind != ExprKind::slice) {
      SV iv = eval(ix);
      if (iv.k == SV::tile) {
        const Type it = type_of(iv.v);
        if (is_tile) {
          diags.error(ix.range, "a tile cannot be indexed by a tile's value (use isa.tensor_copy_dynamic_src)");
          ok = false;
          continue;
        }
        if (!dtype_is_integer(it.dtype) || it.free_elements() != 1) {
          diags.error(ix.range, "a run-time index is an integer tile with one element per partition: bt[b, j] "
                                "(one index) or idx[:, 0:1] (one per row, a gather); this is " +
                                    tir::type_str(it));
          note_def(iv.v);
          ok = false;
          continue;
        }
        if (dyn_index != tir::kNoValue) {
          diags.error(ix.range, "only one index of an HBM view can be a run-time value");
          ok = false;
          continue;
        }
        // One index: the dim is dropped. One per partition (a gather): the
        // dim keeps one row per index, and must come first, so that a load
        // puts row p on partition p.
        const bool gather = it.partitions() > 1;
        if (gather)
          for (size_t k = 0; k < d; ++k)
            if (!dims[k].dropped) {
              diags.error(ix.range, "a gather's index dimension must be the first one the view keeps (the "
                                    "partition axis of the loaded tile)");
              ok = false;
            }
        dyn_index = iv.v;
        vd.dynamic = true;
        vd.start = Affine{};
        vd.count = gather ? it.partitions() : 1;
        vd.dropped = !gather;
        continue; // checked against the dim's size when the DMA runs
      }
      if (!to_affine(iv, ix, vd.start)) {
        ok = false;
        continue;
      }
      vd.count = 1;
      vd.dropped = !(is_tile && d == 0); // a tile keeps its partition axis
    } else {
      vd.start = Affine{};
      if (ix.start && !as_affine(*ix.start, vd.start)) {
        ok = false;
        continue;
      }
      if (ix.step) {
        auto st = expect_int(*ix.step, "a slice step");
        if (!st) {
          ok = false;
          continue;
        }
        if (*st < 1) {
          diags.error(ix.step->range, "a slice step must be at least 1, got " + llvm::Twine(*st));
          ok = false;
          continue;
        }
        if (is_tile && d == 0 && *st != 1) {
          diags.error(ix.step->range, "partition-axis slices must have step 1 (an access covers a "
                                      "contiguous range of partitions)");
          ok = false;
          continue;
        }
        vd.step = *st;
      }
      int64_t len;
      if (ix.plus_len) {
        auto l = expect_int(*ix.stop, "a slice length");
        if (!l) {
          ok = false;
          continue;
        }
        len = *l;
      } else {
        Affine stop;
        if (ix.stop) {
          if (!as_affine(*ix.stop, stop)) {
            ok = false;
            continue;
          }
        } else {
          stop.constant = size;
        }
        SV diff = affine_arith("-", stop.is_constant() ? SV::make_int(stop.constant) : [&] {
          SV s; s.k = SV::index; s.aff = stop; return s; }(),
                               vd.start.is_constant() ? SV::make_int(vd.start.constant) : [&] {
          SV s; s.k = SV::index; s.aff = vd.start; return s; }(), ix.range);
        if (diff.k != SV::integer) {
          if (diff.ok())
            diags.error(ix.range, "the length of a slice must be a compile-time constant; write "
                                  "start:+length");
          ok = false;
          continue;
        }
        len = diff.i;
      }
      if (len < 1) {
        diags.error(ix.range, "empty slice (length " + llvm::Twine(len) + ")");
        ok = false;
        continue;
      }
      vd.count = len / vd.step + (len % vd.step != 0);
    }
    // Bounds: every index the slice touches, over every loop iteration.
    auto [lo, hi] = affine_range(vd.start);
    int64_t last;
    bool ovf = __builtin_mul_overflow(vd.count - 1, vd.step, &last) || __builtin_add_overflow(hi, last, &last);
    if (ix.kind != ExprKind::slice && vd.start.is_constant() && (lo < 0 || lo >= size)) {
      diags.error(ix.range, "index " + llvm::Twine(lo) + " is out of bounds for dimension " + llvm::Twine(d) + " of " +
                                tir::type_str(bt) + " (size " + llvm::Twine(size) + ")");
      ok = false;
    } else if (lo < 0 || ovf || last >= size) {
      std::string what = ix.kind == ExprKind::slice ? "slice" : "index";
      std::string range = ovf ? "an overflowing range" : std::to_string(lo) + ".." + std::to_string(last);
      diags.error(ix.range, llvm::Twine(what) + " is out of bounds: it covers " + range + " but dimension " +
                                llvm::Twine(d) + " of " + tir::type_str(bt) + " has size " + llvm::Twine(size));
      ok = false;
    }
  }
  if (!ok) return poison();
  Type rt;
  rt.mem = bt.mem;
  rt.dtype = bt.dtype;
  for (auto &d : dims)
    if (!d.dropped) rt.shape.push_back(d.count);
  if (rt.shape.empty()) {
    diags.error(e.range, "indexing every dimension leaves a single element; keep one dimension "
                         "with a slice such as i:+1");
    return poison();
  }
  // Compose with the base's own view so every view is relative to its root.
  ValueId root = base.v;
  auto it = view_root_.find(base.v);
  if (it != view_root_.end()) {
    root = it->second;
    std::vector<tir::ViewDim> composed = view_dims_[base.v];
    size_t j = 0;
    for (auto &pd : composed) {
      if (pd.dropped) continue;
      const tir::ViewDim &nd = dims[j++];
      SV scaled = affine_arith("*", nd.start.is_constant() ? SV::make_int(nd.start.constant) : [&] {
        SV s; s.k = SV::index; s.aff = nd.start; return s; }(), SV::make_int(pd.step), e.range);
      SV ps = pd.start.is_constant() ? SV::make_int(pd.start.constant) : [&] {
        SV s;
        s.k = SV::index;
        s.aff = pd.start;
        return s;
      }();
      SV sum = affine_arith("+", ps, scaled, e.range);
      if (!sum.ok()) return poison();
      pd.start = sum.k == SV::index ? sum.aff : Affine{sum.i, {}};
      pd.step *= nd.step;
      pd.count = nd.count;
      pd.dropped = nd.dropped;
      pd.dynamic = nd.dynamic;
    }
    dims = std::move(composed);
  }
  Op op{OpKind::view};
  op.loc = loc(e.range.Start);
  op.operands = {root};
  if (dyn_index != tir::kNoValue) op.operands.push_back(dyn_index);
  op.dims = dims;
  SV out = emit(std::move(op), rt);
  view_root_[out.v] = root;
  view_dims_[out.v] = std::move(dims);
  if (dyn_index != tir::kNoValue) view_index_[out.v] = dyn_index;
  return out;
}

ValueId Sema::var_root(ValueId id) const {
  auto it = view_root_.find(id);
  ValueId root = it == view_root_.end() ? id : it->second;
  return mod.value(root).is_var ? root : tir::kNoValue;
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
      {"logical_and", {{"x", true}, {"y", true}}, &S::builtin_elementwise},
      {"logical_or", {{"x", true}, {"y", true}}, &S::builtin_elementwise},
      {"logical_xor", {{"x", true}, {"y", true}}, &S::builtin_elementwise},
      {"max", {{"x", true}, {"axis", false}, {"keepdims", false}}, &S::builtin_reduce, true},
      {"min", {{"x", true}, {"axis", false}, {"keepdims", false}}, &S::builtin_reduce, true},
      {"sum", {{"x", true}, {"axis", false}, {"keepdims", false}}, &S::builtin_reduce},
      {"full", {{"type", true}, {"value", true}}, &S::builtin_full},
      {"zeros", {{"type", true}}, &S::builtin_full},
      {"iota", {{"type", true}, {"base", false}, {"partition_step", false}, {"free_step", false}}, &S::builtin_iota},
      {"where", {{"mask", true}, {"x", true}, {"y", true}}, &S::builtin_where},
      {"cdiv", {{"a", true}, {"b", true}}, &S::builtin_cdiv},
      {"scratch", {{"dtype", true}, {"shape", true}}, &S::builtin_scratch},
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
  static const std::pair<const char *, AluOp> kOps[] = {{"add", AluOp::add},
                                                        {"subtract", AluOp::subtract},
                                                        {"multiply", AluOp::multiply},
                                                        {"divide", AluOp::divide},
                                                        {"maximum", AluOp::max},
                                                        {"minimum", AluOp::min},
                                                        {"logical_and", AluOp::logical_and},
                                                        {"logical_or", AluOp::logical_or},
                                                        {"logical_xor", AluOp::logical_xor}};
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
  if (!tir::store_shapes_match(dt, st)) {
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
  Type result;
  if (auto problem = tir::matmul_problem(type_of(x.v), type_of(y.v), *tx, target, result)) {
    diags.error(problem->operand < 0 ? e.range : a[problem->operand]->range, problem->message);
    if (problem->operand < 0) { // the contraction sizes disagree
      note_def(x.v);
      note_def(y.v);
    }
    return poison();
  }
  op.operands = {x.v, y.v};
  op.transpose_x = *tx;
  return emit(std::move(op), result);
}

SV Sema::builtin_transpose(const Expr &e, llvm::ArrayRef<const Expr *> a) {
  Op op = new_op(OpKind::transpose, e);
  SV x = tile_arg(a[0], "transpose()'s operand");
  if (!x.ok()) return poison();
  Type result;
  if (auto problem = tir::transpose_problem(type_of(x.v), target, result)) {
    diags.error(a[0]->range, *problem);
    return poison();
  }
  op.operands = {x.v};
  return emit(std::move(op), result);
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

// scratch(DTYPE, [D0, D1, ...]): a new HBM tensor of the kernel's own (the
// program's tensor table lists it as `scratch`: neither an input nor a
// result), e.g. where the cores of a `cores = 2` kernel leave partial
// results for each other. Each call is one tensor, so not inside a
// parallel/sequential loop (whose body is compiled once).
SV Sema::builtin_scratch(const Expr &e, llvm::ArrayRef<const Expr *> a) {
  if (!loops_.empty()) {
    diags.error(e.range, "scratch() declares one HBM tensor: call it outside parallel and sequential loops");
    return poison();
  }
  auto dt = dtype_arg(a[0], Dtype::f32);
  if (!dt) return poison();
  const Expr &x = *a[1];
  if (x.kind != ExprKind::list || x.args.empty()) {
    diags.error(x.range, "scratch()'s shape is a list of dimensions [D0, D1, ...]");
    return poison();
  }
  Type t;
  t.mem = Memory::hbm;
  t.dtype = *dt;
  int64_t bytes = dtype_size(*dt);
  for (const ExprPtr &d : x.args) {
    auto n = expect_int(*d, "a tensor dimension");
    if (!n) return poison();
    if (*n < 1) {
      diags.error(d->range, "a tensor dimension must be at least 1, got " + llvm::Twine(*n));
      return poison();
    }
    if (__builtin_mul_overflow(bytes, *n, &bytes)) bytes = INT64_MAX;
    t.shape.push_back(*n);
  }
  if (!check_hbm_dims(t, x.range)) return poison();
  // Laid out after the kernel's other tensors, as legalize does.
  uint64_t used = 0;
  for (const tir::TensorParam &p : mod.tensors) {
    const Type &pt = mod.value(p.value).type;
    uint64_t n = dtype_size(pt.dtype);
    for (int64_t d : pt.shape) n *= uint64_t(d);
    used = (used + n + 63) / 64 * 64;
  }
  if (uint64_t(bytes) > target.hbm_bytes || used + uint64_t(bytes) > target.hbm_bytes) {
    diags.error(e.range, "scratch() brings the kernel's tensors past the " + hbm_capacity(target));
    return poison();
  }
  // scratch, scratch1, ...: the first name no tensor has.
  std::string name = "scratch";
  for (unsigned n = 1;; ++n) {
    bool taken = false;
    for (const tir::TensorParam &p : mod.tensors) taken |= p.name == name;
    if (!taken) break;
    name = "scratch" + std::to_string(n);
  }
  ValueId id = mod.add_value(t, name, loc(e.range.Start));
  mod.tensors.push_back(tir::TensorParam{id, name, tir::TensorRole::scratch});
  return SV::make_value(SV::hbm, id);
}

} // namespace nk::fe
