// Sema, helpers: `def` functions inlined at each call (the Tile IR has no
// calls), and compile-time integer vars.
//
// A call binds its arguments in the caller's scope (positional, then
// keywords, checked as built-in calls are), then evaluates the helper's
// body in a fresh scope that sees only its parameters, the kernel's sizes
// and tensors, and other helpers. A parameter bound to a var (a tile var, a
// slice of one, or a compile-time integer var) aliases it: assigning the
// parameter updates the caller's var. Errors inside the body are reported
// there, followed by "in call to 'f' here" notes at every call site
// (DiagnosticEngine::push_context).
#include "compiler/frontend/parser.h"
#include "compiler/frontend/sema_impl.h"

namespace nk::fe {

void Sema::check_helpers() {
  for (const auto &d : kernel_.defs) {
    if (is_builtin_function(d->name)) {
      diags.error(d->name_range, "'" + d->name + "' is a built-in function; give the helper another name");
      continue;
    }
    auto [it, fresh] = helpers_.emplace(d->name, d.get());
    if (!fresh) {
      diags.error(d->name_range, "redefinition of helper '" + d->name + "'");
      diags.note(it->second->name_range, "previous definition is here");
    }
  }
}

const FuncDef *Sema::find_helper(const std::string &name) const {
  auto it = helpers_.find(name);
  return it == helpers_.end() ? nullptr : it->second;
}

std::string Sema::ir_name(const std::string &name) const {
  return calls_.empty() ? name : calls_.back().def->name + "." + name;
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

} // namespace nk::fe
