// Sema, name resolution: scopes, declare and lookup, binding the size
// parameters (-D values, defaults, `core` / `cores`), the helpers' names,
// and the names values get in the Tile IR. A compile-time var's value is
// stored in Sema::cvars_ (its Binding holds the slot), so every helper
// parameter bound to it sees an assignment.
//
// Assumes: the scopes stack is set up by the driver and by helper calls
// (sema_const.cpp). Guarantees: every name use resolves to one Binding (or
// to a dtype or `inf`), or gets one diagnostic and a poison value; a name
// is declared at most once per scope, and the kernel body's top level
// cannot rebind a size or tensor.
#include "compiler/frontend/sema_impl.h"

#include <cmath>

namespace nk::fe {

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

} // namespace nk::fe
