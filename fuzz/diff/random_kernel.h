// Differential testing of the compiler + simulator: random small but valid
// .tile kernels, compiled and simulated, compared with an independent
// evaluation of the same kernel over the oracle's Array (oracle/array.h).
//
// Assumes: the generator only emits kernels the language accepts (a kernel
// that fails to compile is reported as a finding, not skipped). The
// reference never looks at the compiler's output: it evaluates the
// generator's own description of the kernel. Guarantees: identical seeds give
// identical kernels on every machine (SplitMix64 only, no std distributions).
//
// Tolerance: every reference value is computed twice, in float32 and in
// float64; an element may differ from the float64 value by
// 1e-4*|ref| + 1e-5 + 16*|ref32 - ref64|. The last term grows where the
// computation is ill-conditioned (cancellation), which is where two correct
// float32 evaluations in different orders legitimately drift apart; values
// are kept bounded (exp only of bounded inputs, denominators >= 1, no
// comparisons of computed values) so it stays small everywhere else.
#pragma once

#include "runtime/target.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>

namespace nk::diff {

struct RandomKernel {
  std::string name;   // also the kernel's name in the source
  std::string source; // .tile text
  uint64_t seed = 0;
};

// The kernel for `seed` (deterministic).
RandomKernel generate_kernel(uint64_t seed);

struct DiffResult {
  bool compiled = false;
  uint64_t instructions = 0;
  uint64_t elements = 0; // output elements compared
};

// Compiles, simulates (inputs: Session::bind_random(seed)) and compares the
// output with the reference. Any compile error, simulation error or
// mismatch is an llvm::Error whose message names the kernel, shows the
// first mismatching elements and includes the source.
llvm::Expected<DiffResult> check_kernel(const RandomKernel &k, const Target &target);

} // namespace nk::diff
