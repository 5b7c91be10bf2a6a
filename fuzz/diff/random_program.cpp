// Random mutations of ISA programs and the no-crash check (random_program.h).
#include "fuzz/diff/random_program.h"

#include "runtime/hbm_binding.h"
#include "runtime/target.h"
#include "runtime/verifier.h"
#include "simulator/session.h"
#include "simulator/simulator.h"

#include <algorithm>

namespace nk::diff {

namespace {

class Rng {
public:
  explicit Rng(uint64_t seed) : g_(seed * 0x9e3779b97f4a7c15ull + 77) {}
  uint64_t next() { return g_.next(); }
  uint64_t below(uint64_t n) { return n ? g_.next() % n : 0; }
  bool chance(unsigned percent) { return below(100) < percent; }
  // Mostly small values near the interesting edges, sometimes anything.
  int64_t edgy() {
    switch (below(8)) {
    case 0: return 0;
    case 1: return -1;
    case 2: return int64_t(below(4));
    case 3: return int64_t(below(256));
    case 4: return int64_t(below(1 << 20));
    case 5: return int64_t(1) << below(63);
    case 6: return -int64_t(below(1 << 16));
    default: return int64_t(g_.next());
    }
  }

private:
  SplitMix64 g_;
};

void mutate_ap(Rng &rng, AccessPattern &ap) {
  switch (rng.below(9)) {
  case 0: ap.offset = uint64_t(rng.edgy()); break;
  case 1: ap.start_partition = uint16_t(rng.edgy()); break;
  case 2: ap.num_partitions = uint16_t(rng.edgy()); break;
  case 3: ap.num_dims = uint8_t(rng.below(8)); break;
  case 4: ap.dims[rng.below(kMaxHbmDims)].stride = rng.edgy(); break;
  case 5: ap.dims[rng.below(kMaxHbmDims)].count = uint32_t(rng.edgy()); break;
  case 6: ap.mem = Memory(rng.below(5)); break;
  case 7: ap.dtype = Dtype(rng.below(kNumDtypes + 1)); break;
  default: ap.offset += uint64_t(int64_t(rng.below(9)) - 4) * 4; break;
  }
}

void mutate_once(Rng &rng, Program &p) {
  if (p.streams.empty()) {
    p.stream(StreamId{Engine::vector, 0}).insts.push_back(Instruction::make(Opcode(rng.below(kNumOpcodes))));
    return;
  }
  Stream &s = p.streams[rng.below(p.streams.size())];
  if (s.insts.empty()) {
    s.insts.push_back(Instruction::make(Opcode(rng.below(kNumOpcodes))));
    return;
  }
  size_t i = rng.below(s.insts.size());
  Instruction &inst = s.insts[i];
  switch (rng.below(12)) {
  case 0:
  case 1:
  case 2:
  case 3: mutate_ap(rng, inst.ap[rng.below(kMaxAps)]); break;
  case 4:
  case 5: inst.attr[rng.below(kMaxAttrs)].i = rng.edgy(); break;
  case 6: inst.op = Opcode(rng.below(kNumOpcodes)); break;
  case 7: s.insts.erase(s.insts.begin() + long(i)); break; // e.g. a dropped wait
  case 8: s.insts.push_back(inst); break;
  case 9: std::swap(inst, s.insts[rng.below(s.insts.size())]); break;
  case 10:
    if (!p.tensors.empty()) {
      TensorDecl &t = p.tensors[rng.below(p.tensors.size())];
      switch (rng.below(4)) {
      case 0: t.hbm_offset = uint64_t(rng.edgy()); break;
      case 1:
        if (!t.shape.empty()) t.shape[rng.below(t.shape.size())] = rng.edgy();
        break;
      case 2: t.dtype = Dtype(rng.below(kNumDtypes)); break;
      default: t.kind = TensorKind(rng.below(3)); break;
      }
    }
    break;
  default:
    if (rng.chance(50))
      p.hbm_size = uint64_t(rng.edgy()) % (uint64_t(1) << 26);
    else
      s.id.queue = uint8_t(rng.below(20));
    break;
  }
}

} // namespace

Program mutate_program(const Program &base, uint64_t seed) {
  Rng rng(seed);
  Program p = base;
  unsigned n = unsigned(1 + rng.below(8));
  for (unsigned k = 0; k < n; ++k) mutate_once(rng, p);
  return p;
}

ProgramCheck check_program(const Program &p) {
  ProgramCheck r;
  const Target *target = find_target(p.target);
  if (!target) target = all_targets().front();
  r.verified = find_verifier_errors(p, *target, 1).empty();
  constexpr uint64_t kMaxImage = uint64_t(16) << 20;
  std::vector<uint8_t> hbm(std::min(p.hbm_size, kMaxImage), 0);
  SimOptions opts;
  auto stats = simulate(p, *target, hbm, opts);
  if (stats) {
    r.simulated = true;
  } else {
    r.sim_error = llvm::toString(stats.takeError());
  }
  if (r.verified) {
    // The public path too: bind every input and run with verification.
    auto s = Session::from_program(p);
    if (s) {
      s->bind_random(1);
      auto st = s->run();
      if (!st) llvm::consumeError(st.takeError());
    } else {
      llvm::consumeError(s.takeError());
    }
  }
  return r;
}

} // namespace nk::diff
