// Random ISA programs for the simulator's robustness: a valid compiled
// program (from a random kernel) with random mutations of its access
// patterns, attributes, opcodes, instruction order, streams and tensor
// table. Each mutant is checked by the verifier and then simulated twice:
// directly with simulate() (which must re-validate anything and return an
// llvm::Error, never crash) and, when the verifier accepts it, through
// Session::run. Run under ASan (the sanitizer build of unit_tests, or
// diff_fuzz built with -DCMAKE_BUILD_TYPE=Sanitize) this is the evidence
// that no program makes the simulator touch host memory outside its buffers.
#pragma once

#include "runtime/program.h"

#include <cstdint>
#include <string>

namespace nk::diff {

// `base` with 1..8 random mutations chosen by `seed` (deterministic).
Program mutate_program(const Program &base, uint64_t seed);

struct ProgramCheck {
  bool verified = false;  // the verifier accepted the mutant
  bool simulated = false; // simulate() succeeded
  std::string sim_error;  // simulate()'s error message, if any
};

// Verifies and simulates `p` on its own target (or trn2 when the target name
// is unknown), with a zeroed HBM image of hbm_size bytes (capped at 16 MiB:
// larger images are simulated with a too-small buffer, which the simulator
// must refuse). Returns what happened; a crash is the only failure.
ProgramCheck check_program(const Program &p);

} // namespace nk::diff
