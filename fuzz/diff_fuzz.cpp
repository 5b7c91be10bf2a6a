// diff_fuzz: the long-running differential and robustness fuzzer (the
// bounded run is tests/unit/test_diff_fuzz.cpp).
//
//   diff_fuzz [--count N] [--seed S] [--mode kernels|programs|both]
//             [--target trn1|trn2] [--save DIR] [--print SEED]
//
// kernels:  N random .tile kernels (seeds S..S+N-1), each compiled, simulated
//           and compared with the reference evaluation (fuzz/diff/random_kernel.h).
// programs: N random mutants of compiled random kernels, verified and then
//           simulated (fuzz/diff/random_program.h); only a crash fails.
// Exit status 1 when any kernel mismatches or fails to compile; each failing
// kernel is printed (and, with --save, written as DIR/rkSEED.tile).
#include "fuzz/diff/random_kernel.h"
#include "fuzz/diff/random_program.h"

#include "compiler/frontend/frontend.h"
#include "compiler/pipeline.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

namespace cl = llvm::cl;

static cl::opt<uint64_t> count_opt("count", cl::desc("how many random cases"), cl::init(1000));
static cl::opt<uint64_t> seed_opt("seed", cl::desc("first seed"), cl::init(1));
static cl::opt<std::string> mode_opt("mode", cl::desc("kernels | programs | both"), cl::init("both"));
static cl::opt<std::string> target_opt("target", cl::desc("trn1 | trn2"), cl::init("trn2"));
static cl::opt<std::string> save_opt("save", cl::desc("directory for failing kernels"), cl::init(""));
static cl::opt<int64_t> print_opt("print", cl::desc("print the kernel for this seed and exit"), cl::init(-1));

static llvm::Expected<nk::Program> compile(const nk::diff::RandomKernel &k, const nk::Target &t) {
  llvm::SourceMgr sm;
  unsigned id = sm.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(k.source, k.name), llvm::SMLoc());
  nk::DiagnosticEngine diags(sm, llvm::nulls());
  auto m = nk::build_tile_ir(sm, id, {}, t, diags);
  if (!m) return m.takeError();
  nk::PipelineOptions o;
  o.dump = &llvm::nulls();
  return nk::run_pipeline(std::move(*m), t, o);
}

int main(int argc, char **argv) {
  cl::ParseCommandLineOptions(argc, argv, "differential fuzzer for nkc + nksim\n");
  if (print_opt >= 0) {
    llvm::outs() << nk::diff::generate_kernel(uint64_t(print_opt.getValue())).source;
    return 0;
  }
  const nk::Target *target = nk::find_target(target_opt);
  if (!target) {
    llvm::errs() << "diff_fuzz: unknown target '" << target_opt << "'\n";
    return 2;
  }
  bool kernels = mode_opt == "kernels" || mode_opt == "both";
  bool programs = mode_opt == "programs" || mode_opt == "both";
  if (!kernels && !programs) {
    llvm::errs() << "diff_fuzz: --mode must be kernels, programs or both\n";
    return 2;
  }
  auto start = std::chrono::steady_clock::now();
  uint64_t failures = 0, elements = 0, instructions = 0;
  uint64_t mutants = 0, mutants_verified = 0, mutants_simulated = 0;
  for (uint64_t i = 0; i < count_opt; ++i) {
    uint64_t seed = seed_opt + i;
    nk::diff::RandomKernel k = nk::diff::generate_kernel(seed);
    if (kernels) {
      auto r = nk::diff::check_kernel(k, *target);
      if (!r) {
        ++failures;
        llvm::errs() << "MISMATCH " << llvm::toString(r.takeError()) << "\n";
        if (!save_opt.empty()) {
          llvm::sys::fs::create_directories(save_opt);
          std::error_code ec;
          llvm::raw_fd_ostream f(save_opt + "/" + k.name + ".tile", ec);
          if (!ec) f << k.source;
        }
      } else {
        elements += r->elements;
        instructions += r->instructions;
      }
    }
    if (programs) {
      auto p = compile(k, *target);
      if (!p) {
        llvm::consumeError(p.takeError());
        continue;
      }
      for (uint64_t m = 0; m < 4; ++m) {
        nk::diff::ProgramCheck c = nk::diff::check_program(nk::diff::mutate_program(*p, seed * 4 + m));
        ++mutants;
        mutants_verified += c.verified;
        mutants_simulated += c.simulated;
      }
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (kernels)
    llvm::outs() << "kernels: " << count_opt << " compared (seeds " << seed_opt << ".." << seed_opt + count_opt - 1
                 << "), " << failures << " failing, " << elements << " output elements, " << instructions
                 << " instructions\n";
  if (programs)
    llvm::outs() << "programs: " << mutants << " mutants simulated without a crash; " << mutants_verified
                 << " passed the verifier, " << mutants_simulated << " ran to completion\n";
  llvm::outs() << llvm::format("time: %.1f s\n", secs);
  return failures ? 1 : 0;
}
