// Session: load / bind / run / read (see session.h).
#include "simulator/session.h"

#include "runtime/program_file.h"
#include "runtime/verifier.h"
#include "simulator/access.h"

#include <algorithm>
#include <cstring>

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

llvm::Error Session::bind(llvm::StringRef name, const HostTensorRef &t) {
  if (llvm::Error e = bind_input(program_, hbm_, name, t)) return e;
  note_bound(name);
  return llvm::Error::success();
}

llvm::Error Session::bind_npy(llvm::StringRef name, llvm::StringRef path, const NpyReadOptions &opts) {
  if (llvm::Error e = bind_input_npy(program_, hbm_, name, path, opts)) return e;
  note_bound(name);
  return llvm::Error::success();
}

void Session::note_bound(llvm::StringRef name) {
  // Rebinding an input bind_random deferred: the tensor now in the image wins.
  deferred_.erase(
      std::remove_if(deferred_.begin(), deferred_.end(), [&](const DeferredInput &d) { return d.decl.name == name; }),
      deferred_.end());
  bound_.insert(name.str());
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
  if (!verify) return simulate(program_, *target_, hbm_, opts, trace, deferred_);
  SimOptions with_verifier = opts;
  with_verifier.check_first = [this] { return verify_program(program_, *target_); };
  return simulate(program_, *target_, hbm_, with_verifier, trace, deferred_);
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

llvm::Error Session::read_input_f32(llvm::StringRef name, uint64_t first, uint64_t n, float *out) const {
  const TensorDecl *decl = program_.find_tensor(name);
  if (!decl || decl->kind != TensorKind::input || first + n > decl->num_elements())
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "no input elements %s[%llu, +%llu)",
                                   name.str().c_str(), (unsigned long long)first, (unsigned long long)n);
  const unsigned esz = dtype_size(decl->dtype);
  for (const DeferredInput &d : deferred_)
    if (!d.materialized && d.decl.name == name) {
      if (decl->dtype == Dtype::f32) {
        fill_random_range(d.decl, d.seed, d.scale, first, n, reinterpret_cast<uint8_t *>(out), d.dist);
        return llvm::Error::success();
      }
      std::vector<uint8_t> bytes(n * esz);
      fill_random_range(d.decl, d.seed, d.scale, first, n, bytes.data(), d.dist);
      for (uint64_t i = 0; i < n; ++i) out[i] = load_as_f32(decl->dtype, bytes.data() + i * esz);
      return llvm::Error::success();
    }
  const uint8_t *base = hbm_.data() + decl->hbm_offset + first * esz;
  if (decl->dtype == Dtype::f32)
    std::memcpy(out, base, n * 4);
  else
    for (uint64_t i = 0; i < n; ++i) out[i] = load_as_f32(decl->dtype, base + i * esz);
  return llvm::Error::success();
}

bool Session::writes_input(llvm::StringRef name) const {
  const TensorDecl *decl = program_.find_tensor(name);
  if (!decl) return false;
  const uint64_t lo = decl->hbm_offset, hi = decl->hbm_offset + decl->size_bytes();
  for (const Stream &s : program_.streams)
    for (const Instruction &inst : s.insts) {
      const OpInfo &info = op_info(inst.op);
      for (unsigned k = 0; k < info.num_aps; ++k) {
        const AccessPattern &a = inst.ap[k];
        if (!operand_writes(inst, k) || a.mem != Memory::hbm) continue;
        const auto ext = row_extent(a);
        if (!ext || (uint64_t(ext->lo) < hi && lo < uint64_t(ext->hi))) return true;
      }
    }
  return false;
}

llvm::Expected<HostTensor> Session::output(llvm::StringRef name) const {
  for (const DeferredInput &d : deferred_)
    if (!d.materialized && d.decl.name == name) return random_tensor(d.decl, d.seed, d.scale, d.dist);
  return read_tensor(program_, hbm_, name);
}

llvm::Expected<std::map<std::string, HostTensor>> Session::outputs() const { return read_outputs(program_, hbm_); }

} // namespace nk
