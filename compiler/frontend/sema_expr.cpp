// Sema, expressions: compile-time arithmetic (checked for overflow), affine
// loop-index arithmetic, elementwise tile operators with broadcasting, tile
// types, and views (slicing) of HBM tensors and tiles.
#include "compiler/frontend/sema_impl.h"
#include "compiler/tir/op_rules.h"

#include <cmath>

namespace nk::fe {

using tir::Affine;
using tir::Op;
using tir::OpKind;
using tir::Type;
using tir::ValueId;

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

SV Sema::eval_name(const Expr &e) {
  if (const Binding *b = lookup(e.name)) return value_of(*b);
  if (e.name == "inf") return SV::make_float(INFINITY);
  if (auto dt = parse_dtype(e.name)) {
    SV v;
    v.k = SV::dtype;
    v.dt = *dt;
    return v;
  }
  if (llvm::StringRef(e.name).startswith("isa."))
    diags.error(e.range, "'" + e.name + "' is an ISA op; call it as " + e.name + "(field=value, ...)");
  else if (is_builtin_function(e.name) || find_helper(e.name))
    diags.error(e.range, "'" + e.name + "' is a function; call it as " + e.name + "(...)");
  else
    diags.error(e.range, "use of undeclared name '" + e.name + "'");
  return poison();
}

SV Sema::eval_unary(const Expr &e) {
  SV a = eval(*e.args[0]);
  if (!a.ok()) return a;
  if (e.name == "not") {
    if (a.k == SV::boolean) return SV::make_bool(!a.i);
    diags.error(e.range, "'not' needs a boolean, not " + describe(a));
    return poison();
  }
  switch (a.k) {
  case SV::integer:
    if (a.i == INT64_MIN) {
      diags.error(e.range, "integer overflow in negation");
      return poison();
    }
    return SV::make_int(-a.i);
  case SV::floating: return SV::make_float(-a.f);
  case SV::index: return affine_arith("*", a, SV::make_int(-1), e.range);
  case SV::tile: return elementwise(AluOp::multiply, a, SV::make_float(-1.0), e.range, e.range, e.range);
  default: diags.error(e.range, "cannot negate " + describe(a)); return poison();
  }
}

SV Sema::int_arith(const std::string &op, int64_t a, int64_t b, llvm::SMRange r) {
  int64_t out = 0;
  bool overflow = false;
  if (op == "+")
    overflow = __builtin_add_overflow(a, b, &out);
  else if (op == "-")
    overflow = __builtin_sub_overflow(a, b, &out);
  else if (op == "*")
    overflow = __builtin_mul_overflow(a, b, &out);
  else if (op == "/" || op == "//" || op == "%") {
    if (b == 0) {
      diags.error(r, op == "%" ? "modulo by zero" : "division by zero");
      return poison();
    }
    if (a == INT64_MIN && b == -1) {
      overflow = true;
    } else {
      int64_t q = a / b, m = a % b;
      if (m != 0 && ((m < 0) != (b < 0))) { // floor semantics, as Python
        --q;
        m += b;
      }
      out = op == "%" ? m : q;
    }
  }
  if (overflow) {
    diags.error(r, "integer overflow in '" + llvm::Twine(a) + " " + op + " " + llvm::Twine(b) + "'");
    return poison();
  }
  return SV::make_int(out);
}

SV Sema::affine_arith(const std::string &op, const SV &a_in, const SV &b_in, llvm::SMRange r) {
  auto to_aff = [](const SV &v) {
    if (v.k == SV::index) return v.aff;
    Affine x;
    x.constant = v.i;
    return x;
  };
  Affine a = to_aff(a_in), b = to_aff(b_in), out;
  auto overflow = [&]() {
    diags.error(r, "integer overflow in an index expression");
    return poison();
  };
  if (op == "+" || op == "-") {
    int64_t sign = op == "+" ? 1 : -1;
    out = a;
    int64_t c;
    if (__builtin_mul_overflow(b.constant, sign, &c) || __builtin_add_overflow(out.constant, c, &out.constant))
      return overflow();
    for (auto [id, coef] : b.terms) {
      bool merged = false;
      for (auto &t : out.terms)
        if (t.first == id) {
          if (__builtin_add_overflow(t.second, coef * sign, &t.second)) return overflow();
          merged = true;
        }
      if (!merged) out.terms.push_back({id, coef * sign});
    }
  } else if (op == "*" && (a.is_constant() || b.is_constant())) {
    const Affine &x = a.is_constant() ? b : a;
    int64_t k = a.is_constant() ? a.constant : b.constant;
    out = x;
    if (__builtin_mul_overflow(x.constant, k, &out.constant)) return overflow();
    for (auto &t : out.terms)
      if (__builtin_mul_overflow(t.second, k, &t.second)) return overflow();
  } else {
    diags.error(r, "a loop index can only be used in affine expressions (index * constant + "
                   "constant); '" +
                       op + "' is not supported here");
    return poison();
  }
  std::vector<std::pair<ValueId, int64_t>> kept;
  for (auto &t : out.terms)
    if (t.second != 0) kept.push_back(t);
  out.terms = std::move(kept);
  if (out.terms.empty()) return SV::make_int(out.constant);
  SV v;
  v.k = SV::index;
  v.aff = std::move(out);
  return v;
}

SV Sema::eval_binary(const Expr &e) {
  const std::string &op = e.name;
  SV a = eval(*e.args[0]);
  SV b = eval(*e.args[1]);
  if (!a.ok() || !b.ok()) return poison();
  bool cmp = op == "==" || op == "!=" || op == "<" || op == "<=" || op == ">" || op == ">=";
  if (op == "and" || op == "or") {
    if (a.k != SV::boolean || b.k != SV::boolean) {
      diags.error(e.range, "'" + op + "' needs booleans, not " + describe(a.k != SV::boolean ? a : b));
      return poison();
    }
    return SV::make_bool(op == "and" ? (a.i && b.i) : (a.i || b.i));
  }
  if (a.k == SV::tile || b.k == SV::tile || a.k == SV::hbm || b.k == SV::hbm) {
    AluOp alu;
    if (op == "+")
      alu = AluOp::add;
    else if (op == "-")
      alu = AluOp::subtract;
    else if (op == "*")
      alu = AluOp::multiply;
    else if (op == "/")
      alu = AluOp::divide;
    else if (op == "==")
      alu = AluOp::is_equal;
    else if (op == "!=")
      alu = AluOp::not_equal;
    else if (op == "<")
      alu = AluOp::is_lt;
    else if (op == "<=")
      alu = AluOp::is_le;
    else if (op == ">")
      alu = AluOp::is_gt;
    else if (op == ">=")
      alu = AluOp::is_ge;
    else {
      diags.error(e.range, "operator '" + op + "' is not defined on tiles");
      return poison();
    }
    SV r = elementwise(alu, a, b, e.args[0]->range, e.args[1]->range, e.range);
    // The op happens at the operator: point its location there.
    if (r.k == SV::tile && !cur_->empty() && cur_->back().result == r.v)
      cur_->back().loc = mod.value(r.v).loc = loc(e.op_loc);
    return r;
  }
  if (a.k == SV::index || b.k == SV::index) {
    if ((a.k == SV::index || a.k == SV::integer) && (b.k == SV::index || b.k == SV::integer) && !cmp)
      return affine_arith(op, a, b, e.range);
    diags.error(e.range, "a parallel/sequential loop index is not a compile-time value: it can "
                         "only be used in affine index expressions (use a static loop for "
                         "compile-time iteration)");
    return poison();
  }
  if (a.k == SV::boolean && b.k == SV::boolean && (op == "==" || op == "!="))
    return SV::make_bool((a.i == b.i) == (op == "=="));
  if (!a.is_number() || !b.is_number()) {
    diags.error(e.range, "operator '" + op + "' cannot combine " + describe(a) + " and " + describe(b));
    return poison();
  }
  if (a.k == SV::integer && b.k == SV::integer) {
    if (cmp) {
      bool r = op == "=="   ? a.i == b.i
               : op == "!=" ? a.i != b.i
               : op == "<"  ? a.i < b.i
               : op == "<=" ? a.i <= b.i
               : op == ">"  ? a.i > b.i
                            : a.i >= b.i;
      return SV::make_bool(r);
    }
    return int_arith(op, a.i, b.i, e.range);
  }
  double x = a.number(), y = b.number();
  if (cmp) {
    bool r = op == "=="   ? x == y
             : op == "!=" ? x != y
             : op == "<"  ? x < y
             : op == "<=" ? x <= y
             : op == ">"  ? x > y
                          : x >= y;
    return SV::make_bool(r);
  }
  if ((op == "/" || op == "//" || op == "%") && y == 0) {
    diags.error(e.range, "division by zero");
    return poison();
  }
  double r = op == "+"    ? x + y
             : op == "-"  ? x - y
             : op == "*"  ? x * y
             : op == "/"  ? x / y
             : op == "//" ? std::floor(x / y)
                          : x - y * std::floor(x / y);
  if (std::isinf(r) && !std::isinf(x) && !std::isinf(y)) {
    diags.error(e.range, "floating-point overflow");
    return poison();
  }
  return SV::make_float(r);
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

} // namespace nk::fe
