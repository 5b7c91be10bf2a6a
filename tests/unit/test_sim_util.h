// Helpers for the simulator's unit tests: building access patterns,
// instructions and small Programs in C++ (no assembler needed), and moving
// values in and out of an HBM image.
#pragma once

#include "runtime/program.h"
#include "runtime/target.h"
#include "simulator/simulator.h"

#include <cstring>
#include <initializer_list>
#include <utility>
#include <vector>

namespace nk::simtest {

inline AccessPattern onchip(Memory m, Dtype t, unsigned p0, unsigned np, uint64_t offset,
                            std::initializer_list<std::pair<int64_t, uint32_t>> dims) {
  AccessPattern a;
  a.mem = m;
  a.dtype = t;
  a.start_partition = uint16_t(p0);
  a.num_partitions = uint16_t(np);
  a.offset = offset;
  for (auto [stride, count] : dims) a.dims[a.num_dims++] = Dim{stride, count};
  return a;
}
// sbuf:T[p0:p0+np]+offset[[1,n]]: n contiguous elements per partition.
inline AccessPattern sb(Dtype t, unsigned p0, unsigned np, uint64_t offset, uint32_t n) {
  return onchip(Memory::sbuf, t, p0, np, offset, {{1, n}});
}
inline AccessPattern ps(Dtype t, unsigned p0, unsigned np, uint64_t offset, uint32_t n) {
  return onchip(Memory::psum, t, p0, np, offset, {{1, n}});
}
inline AccessPattern hbm_ap(Dtype t, uint64_t offset, std::initializer_list<std::pair<int64_t, uint32_t>> dims) {
  AccessPattern a;
  a.mem = Memory::hbm;
  a.dtype = t;
  a.offset = offset;
  for (auto [stride, count] : dims) a.dims[a.num_dims++] = Dim{stride, count};
  return a;
}
// A [rows, cols] C-order HBM matrix at `offset`.
inline AccessPattern hbm2(Dtype t, uint64_t offset, uint32_t rows, uint32_t cols) {
  return hbm_ap(t, offset, {{int64_t(cols), rows}, {1, cols}});
}

inline Instruction dma(const AccessPattern &dst, const AccessPattern &src) {
  Instruction i = Instruction::make(Opcode::dma_copy);
  i.ap[ap::dma_copy::dst] = dst;
  i.ap[ap::dma_copy::src] = src;
  return i;
}
inline Instruction sem_signal(unsigned sem, int64_t value = 1) {
  Instruction i = Instruction::make(Opcode::sem_signal);
  i.set_int(attr::sem_signal::sem, sem);
  i.set_int(attr::sem_signal::value, value);
  return i;
}
inline Instruction sem_wait(unsigned sem, int64_t value = 1) {
  Instruction i = Instruction::make(Opcode::sem_wait);
  i.set_int(attr::sem_wait::sem, sem);
  i.set_int(attr::sem_wait::value, value);
  return i;
}

constexpr StreamId kTensor{Engine::tensor, 0}, kVector{Engine::vector, 0}, kScalar{Engine::scalar, 0},
    kGpsimd{Engine::gpsimd, 0}, kDma0{Engine::dma, 0}, kDma1{Engine::dma, 1};

inline Program new_program(uint64_t hbm_size, const char *target = "trn2") {
  Program p;
  p.kernel = "test";
  p.target = target;
  p.hbm_size = hbm_size;
  return p;
}

// Appends the steps in order, each on its stream; whenever a step runs on a
// different stream than the step before, a fresh semaphore orders them
// (signal after the earlier step, wait before the later one). The result is
// a race-free, totally ordered program.
class Chain {
public:
  explicit Chain(Program &p) : p_(p) {}
  Chain &then(StreamId s, const Instruction &inst) {
    if (has_last_ && !(last_ == s)) {
      p_.stream(last_).insts.push_back(sem_signal(next_sem_));
      p_.stream(s).insts.push_back(sem_wait(next_sem_));
      ++next_sem_;
    }
    p_.stream(s).insts.push_back(inst);
    last_ = s;
    has_last_ = true;
    return *this;
  }

private:
  Program &p_;
  StreamId last_{};
  bool has_last_ = false;
  unsigned next_sem_ = 0;
};

inline void put_f32(std::vector<uint8_t> &hbm, uint64_t offset, const std::vector<float> &v) {
  std::memcpy(hbm.data() + offset, v.data(), v.size() * 4);
}
inline std::vector<float> get_f32(const std::vector<uint8_t> &hbm, uint64_t offset, size_t n) {
  std::vector<float> v(n);
  std::memcpy(v.data(), hbm.data() + offset, n * 4);
  return v;
}

inline const Target &trn2() { return *find_target("trn2"); }
inline const Target &trn1() { return *find_target("trn1"); }

// The time one dma_copy takes with nothing else running, from the target's
// numbers (docs/targets.md): descriptor generation, the fixed latency, then
// each DMA engine (dma_partitions_per_engine partitions each, starting at
// partition `first`) moves its rows' bytes plus dma_descriptor_ns per
// descriptor: `desc_per_row` contiguous HBM runs per row, or one for all its
// rows when they are one contiguous HBM block (`one_block`), plus
// dma_transfer_engine_ns for the transfer on each engine it uses; all engines
// together capped by HBM bandwidth when `hbm`.
inline double dma_alone_ns(const Target &t, unsigned first, unsigned parts, double bytes, double desc_per_row = 1,
                           bool one_block = true, bool hbm = true) {
  std::vector<unsigned> rows(t.dma_engines, 0);
  for (unsigned p = first; p < first + parts; ++p) ++rows[(p / t.dma_partitions_per_engine) % t.dma_engines];
  double longest = 0, engines = 0;
  for (unsigned r : rows) {
    if (!r) continue;
    engines += 1;
    const double descriptors = one_block && desc_per_row == 1 ? 1 : r * desc_per_row;
    longest = std::max(longest, r * bytes / parts / t.dma_engine_bytes_per_ns + descriptors * t.dma_descriptor_ns +
                                    t.dma_transfer_engine_ns);
  }
  const double demand = engines * t.dma_engine_bytes_per_ns;
  if (hbm && demand > t.hbm_bytes_per_ns) longest *= demand / t.hbm_bytes_per_ns;
  return t.dma_issue_ns + t.dma_fixed_latency_ns + longest;
}

// Runs with default options; CHECKs success and returns the stats.
inline llvm::Expected<SimStats> run(const Program &p, std::vector<uint8_t> &hbm, SimOptions opts = {},
                                    SimTrace *trace = nullptr) {
  return simulate(p, *find_target(p.target), hbm, opts, trace);
}
inline std::string error_text(llvm::Error e) { return llvm::toString(std::move(e)); }

} // namespace nk::simtest
