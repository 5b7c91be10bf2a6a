// Session: load / bind / run / read (see session.h).
#include "simulator/session.h"

#include "runtime/program_file.h"
#include "runtime/verifier.h"

#include <algorithm>

namespace nk {

static llvm::Error err(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s", msg.str().c_str());
}

llvm::Expected<Session> Session::load(llvm::StringRef path) {
  auto p = load_program_file(path);
  if (!p) return p.takeError();
  return from_program(std::move(*p));
}

llvm::Expected<Session> Session::from_program(Program p, llvm::StringRef target_name) {
  const Target *t = find_target(p.target);
  if (!t) return err("program targets unknown machine '" + p.target + "' (known: trn1, trn2)");
  if (!target_name.empty() && target_name != p.target)
    return err("--target " + target_name + " does not match the program's target " + p.target);
  Session s;
  s.program_ = std::move(p);
  s.target_ = t;
  // Before allocating: the verifier (run later, by run()) refuses the same.
  if (s.program_.hbm_size > t->hbm_bytes)
    return err("program needs " + llvm::Twine(s.program_.hbm_size) + " bytes of HBM (.hbm_size), more than the " +
               hbm_capacity(*t));
  auto hbm = allocate_hbm(s.program_);
  if (!hbm) return hbm.takeError();
  s.hbm_ = std::move(*hbm);
  return s;
}

llvm::Error Session::bind(llvm::StringRef name, const HostTensor &t) {
  if (llvm::Error e = bind_input(program_, hbm_, name, t)) return e;
  // Rebinding an input bind_random deferred: the tensor now in the image wins.
  deferred_.erase(
      std::remove_if(deferred_.begin(), deferred_.end(), [&](const DeferredInput &d) { return d.decl.name == name; }),
      deferred_.end());
  bound_.insert(name.str());
  return llvm::Error::success();
}

void Session::bind_random(uint64_t seed, double scale, RandomDist dist,
                          const std::map<std::string, double> &scale_by_name) {
  for (const TensorDecl &d : program_.tensors) {
    if (d.kind != TensorKind::input || bound_.count(d.name)) continue;
    auto factor = scale_by_name.find(d.name);
    double s = factor == scale_by_name.end() ? scale : scale * factor->second;
    // allocate_hbm checked that every tensor lies inside the image.
    deferred_.push_back(DeferredInput{d, seed, s, false, dist});
    bound_.insert(d.name);
  }
}

llvm::Expected<SimStats> Session::run(const SimOptions &opts, SimTrace *trace, bool verify) {
  if (llvm::Error e = check_all_inputs_bound(program_, bound_)) return e;
  if (verify)
    if (llvm::Error e = verify_program(program_, *target_)) return e;
  return simulate(program_, *target_, hbm_, opts, trace, deferred_);
}

std::map<std::string, HostTensor> Session::inputs() const {
  std::map<std::string, HostTensor> m;
  for (const std::string &name : bound_) {
    auto t = output(name);
    if (t)
      m[name] = std::move(*t);
    else
      llvm::consumeError(t.takeError()); // bound names are tensors of the program
  }
  return m;
}

llvm::Expected<HostTensor> Session::output(llvm::StringRef name) const {
  for (const DeferredInput &d : deferred_)
    if (!d.materialized && d.decl.name == name) return random_tensor(d.decl, d.seed, d.scale, d.dist);
  return read_tensor(program_, hbm_, name);
}

llvm::Expected<std::map<std::string, HostTensor>> Session::outputs() const { return read_outputs(program_, hbm_); }

} // namespace nk
