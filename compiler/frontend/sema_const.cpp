// Sema, constant evaluation and unrolling: integer, float and boolean
// arithmetic (checked for overflow and division by zero), affine
// loop-index arithmetic, compile-time min/max/cdiv, static `for` (unrolled
// here) and `if` (only the branch taken is evaluated), `requires`,
// compile-time integer vars, the unroll budget, and helpers: `def`
// functions inlined at each call (the Tile IR has no calls).
//
// A helper call binds its arguments in the caller's scope (positional,
// then keywords, checked as built-in calls are), then evaluates the
// helper's body in a fresh scope that sees only its parameters, the
// kernel's sizes and tensors, and other helpers. A parameter bound to a var
// (a tile var, a slice of one, or a compile-time integer var) aliases it:
// assigning the parameter updates the caller's var. Errors inside the body
// are reported there, followed by "in call to 'f' here" notes at every call
// site (DiagnosticEngine::push_context).
//
// Assumes: names resolve (sema_names.cpp). Guarantees: no compile-time
// construct reaches the Tile IR (numbers, booleans, static loops and ifs,
// requires, compile-time vars and helper calls are resolved here; a loop
// index appears only as an affine expression); the kernel unrolls to at
// most max_tir_ops_ ops from static loops and tir::kMaxUnrolledOps in all,
// else one diagnostic pointing at the loop to blame.
#include "compiler/frontend/parser.h"
#include "compiler/frontend/sema_impl.h"
#include "compiler/tir/op_rules.h"

#include <cmath>
#include <functional>

namespace nk::fe {

using tir::Affine;
using tir::Op;
using tir::OpKind;
using tir::Type;
using tir::ValueId;

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

std::pair<int64_t, int64_t> Sema::affine_range(const Affine &a) const { return tir::affine_range(a, loop_trip_); }

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

SV Sema::builtin_cdiv(const Expr &e, llvm::ArrayRef<const Expr *> a) {
  auto x = expect_int(*a[0], "cdiv()'s a"), y = expect_int(*a[1], "cdiv()'s b");
  if (!x || !y) return poison();
  if (*y <= 0 || *x < 0) {
    diags.error(e.range, "cdiv() needs a >= 0 and b > 0");
    return poison();
  }
  return SV::make_int(*x / *y + (*x % *y != 0));
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

// A static if: the condition is a compile-time boolean, and only the branch
// taken is evaluated.
void Sema::stmt_if(const Stmt &s) {
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

void Sema::assign_cvar(const Stmt &s, const Binding &b) {
  const Expr &t = *s.target;
  size_t slot = size_t(b.cvar);
  const Expr &base = t.kind == ExprKind::subscript ? *t.args[0] : t;
  const std::string &name = base.name;
  if (t.kind == ExprKind::subscript) {
    diags.error(t.range, "cannot index '" + name + "': it is a compile-time integer var");
    return;
  }
  if (loops_.size() > cvars_[slot].loops) {
    const LoopCtx &l = loops_[cvars_[slot].loops];
    diags.error(t.range, "cannot assign the compile-time integer var '" + name + "' inside a " +
                             (l.kind == tir::LoopKind::parallel ? "parallel" : "sequential") +
                             " loop: the loop's body is compiled once for all its iterations, so the value "
                             "cannot change from one iteration to the next");
    diags.note(cvars_[slot].def, "'" + cvars_[slot].name + "' is defined here, outside the loop");
    diags.note(mod.value(l.index).loc.sm, "use a static loop to update '" + name + "' at compile time");
    return;
  }
  SV v = eval(*s.value);
  if (!v.ok()) return;
  if (v.k == SV::integer && !s.op.empty()) {
    SV cur = cvars_[slot].value;
    if (!cur.ok()) return;
    v = int_arith(s.op, cur.i, v.i, s.range);
    if (!v.ok()) return;
  }
  if (v.k != SV::integer) {
    diags.error(s.value->range, "'" + name + "' is a compile-time integer var; it cannot be assigned " + describe(v));
    diags.note(cvars_[slot].def, "'" + cvars_[slot].name + "' is defined here");
    return;
  }
  cvars_[slot].value = v;
}

// An argument, evaluated in the caller's scope. A var (or a slice of a tile
// var) binds by reference; anything else binds as a 'let'.
Binding Sema::bind_argument(const Expr &x, bool &ok) {
  Binding b{Binding::let, SV(), {}};
  b.param = true;
  const Expr *base = x.kind == ExprKind::subscript ? x.args[0].get() : &x;
  const Binding *src = base->kind == ExprKind::name ? lookup(base->name) : nullptr;
  if (src && src->kind == Binding::var && (base == &x || src->cvar < 0)) {
    if (base == &x) {
      b = *src;
      b.param = true;
    } else {
      b.kind = Binding::var;
      b.value = eval(x);
    }
    if (!value_of(b).ok()) ok = false;
    return b;
  }
  b.value = eval(x);
  if (!b.value.ok()) ok = false;
  return b;
}

SV Sema::call_helper(const Expr &e, const FuncDef &d, bool want_value) {
  const size_t np = d.params.size();
  auto note_defined = [&] { diags.note(d.name_range, "'" + d.name + "' is defined here"); };
  if (e.args.size() > np) {
    diags.error(e.args[np]->range,
                d.name + "() takes " +
                    (np == 0 ? std::string("no arguments")
                             : "at most " + std::to_string(np) + " argument" + (np == 1 ? "" : "s")));
    note_defined();
    return poison();
  }
  // Which argument expression each parameter gets.
  std::vector<const Expr *> given(np, nullptr);
  for (size_t i = 0; i < e.args.size(); ++i) given[i] = e.args[i].get();
  bool ok = true;
  for (const Keyword &k : e.keywords) {
    size_t i = 0;
    while (i < np && d.params[i].name != k.name) ++i;
    if (i == np) {
      std::string names;
      for (const DefParam &p : d.params) names += (names.empty() ? "" : ", ") + p.name;
      diags.error(k.range, d.name + "() has no argument '" + k.name + "' (" +
                               (np == 0 ? std::string("it takes none") : "its arguments: " + names) + ")");
      ok = false;
    } else if (given[i]) {
      diags.error(k.range, "argument '" + k.name + "' of " + d.name + "() is given twice");
      ok = false;
    } else {
      given[i] = k.value.get();
    }
  }
  for (size_t i = 0; i < np && ok; ++i) {
    if (!given[i] && !d.params[i].default_value) {
      diags.error(e.range, d.name + "() is missing its argument '" + d.params[i].name + "'");
      ok = false;
    }
  }
  if (!ok) {
    note_defined();
    return poison();
  }
  for (size_t i = 0; i < calls_.size(); ++i) {
    if (calls_[i].def != &d) continue;
    std::string chain;
    for (size_t j = i; j < calls_.size(); ++j) chain += calls_[j].def->name + " -> ";
    diags.error(e.range, "recursive call to '" + d.name + "' (" + chain + d.name +
                             "): helpers are inlined at each call, so they cannot call themselves");
    return poison();
  }
  // Inlining recurses through sema once per level of the body: bound the
  // nesting of the calls together, as the parser bounds one body.
  if (nest_ + d.depth > kMaxNesting) {
    diags.error(e.range, "helper calls nest too deeply: inlining '" + d.name +
                             "' here nests blocks, expressions and calls more than " + llvm::Twine(kMaxNesting) +
                             " levels deep");
    note_defined();
    return poison();
  }
  // Arguments in source order, in the caller's scope.
  std::vector<Binding> bound(np, Binding{Binding::let, SV(), {}});
  for (size_t i = 0; i < e.args.size(); ++i) bound[i] = bind_argument(*e.args[i], ok);
  for (const Keyword &k : e.keywords) {
    size_t i = 0;
    while (d.params[i].name != k.name) ++i;
    bound[i] = bind_argument(*k.value, ok);
  }
  if (!ok) return poison();

  unsigned errors_before = diags.num_errors();
  diags.push_context(e.range, "in call to '" + d.name + "' here");
  size_t saved_floor = scope_floor_;
  scopes_.emplace_back();
  scope_floor_ = scopes_.size() - 1;
  calls_.push_back(CallFrame{&d, &e, loops_.size(), SV()});
  for (size_t i = 0; i < np; ++i) {
    const DefParam &p = d.params[i];
    if (!given[i]) { // a default: evaluated per call, seeing the earlier parameters
      bound[i] = Binding{Binding::let, eval(*p.default_value), {}};
      bound[i].param = true;
    }
    declare(p.name, bound[i], p.range);
  }
  block(d.body);
  CallFrame frame = calls_.back();
  calls_.pop_back();
  returning_ = false;
  scopes_.pop_back();
  scope_floor_ = saved_floor;
  diags.pop_context();

  // After an error in the body a missing return is only its consequence.
  if (too_big_ || requirement_failed_ || diags.num_errors() != errors_before) return poison();
  if (want_value && !frame.returned_value) {
    diags.error(e.range, "'" + d.name + "' returns no value here (no 'return EXPR' was reached)");
    note_defined();
    return poison();
  }
  if (!want_value && frame.returned_value && frame.ret.ok()) {
    diags.error(e.range, "the value returned by '" + d.name + "' is unused; bind it with 'let'");
    return poison();
  }
  return frame.ret;
}

void Sema::stmt_return(const Stmt &s) {
  if (calls_.empty()) { // the parser allows 'return' only in a def
    diags.error(s.range, "'return' outside a helper");
    return;
  }
  if (loops_.size() > calls_.back().loops) {
    diags.error(s.range, "'return' inside a parallel or sequential loop: helpers are inlined at compile time, so "
                         "they return only from their body, static ifs and static loops");
    diags.note(mod.value(loops_[calls_.back().loops].index).loc.sm, "the loop is here");
    return;
  }
  SV v;
  if (s.value) v = eval(*s.value); // may inline other calls: calls_ changes meanwhile
  CallFrame &f = calls_.back();
  f.ret = v;
  f.returned_value = s.value != nullptr;
  returning_ = true;
}

} // namespace nk::fe
