// nksim: runs a Neuron ISA program (binary program file or text assembly) on
// the simulated NeuronCore and reports its timing.
//
//   nksim run PROGRAM [--target trn1|trn2] [--stats] [--trace FILE.json]
//                     [--strict] [--no-race-check] [--no-verify]
//
// The driver is three steps, each a function so later options slot in:
// build_hbm_image (inputs; zero-filled for now), run_program (verify and
// simulate), report (warnings, --stats, --trace). Exit status: 0 success;
// 2 with a one-line "error:" message on bad input, deadlock or race (1 is
// reserved for a failed --check).
#include "runtime/program_file.h"
#include "runtime/target.h"
#include "runtime/verifier.h"
#include "simulator/simulator.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

static cl::SubCommand run_cmd("run", "Simulate a program");
static cl::OptionCategory category("nksim run options");
static cl::opt<std::string> program_path(cl::Positional, cl::desc("<program.s | program.nkp>"),
                                         cl::sub(run_cmd), cl::cat(category));
static cl::opt<std::string> target_name("target",
                                        cl::desc("Target machine (default: the program's own; "
                                                 "a different one is an error)"),
                                        cl::value_desc("trn1|trn2"), cl::sub(run_cmd),
                                        cl::cat(category));
static cl::opt<bool> show_stats("stats", cl::desc("Print timing statistics"), cl::sub(run_cmd),
                                cl::cat(category));
static cl::opt<std::string> trace_path("trace",
                                       cl::desc("Write a Chrome/Perfetto trace-event JSON file"),
                                       cl::value_desc("file.json"), cl::sub(run_cmd),
                                       cl::cat(category));
static cl::opt<bool> strict("strict", cl::desc("Reading SBUF/PSUM bytes never written is an error"),
                            cl::sub(run_cmd), cl::cat(category));
static cl::opt<bool> no_race_check("no-race-check", cl::desc("Skip happens-before race detection"),
                                   cl::sub(run_cmd), cl::cat(category));
static cl::opt<bool> no_verify("no-verify",
                               cl::desc("Skip the program verifier (the simulator still refuses "
                                        "anything unsafe)"),
                               cl::sub(run_cmd), cl::cat(category));

namespace {

constexpr int kExitError = 2;

int fail(const Twine &msg) {
  WithColor::error(errs(), "nksim") << msg << '\n';
  return kExitError;
}

// The HBM image the kernel runs on: Program::hbm_size bytes, tensors at their
// offsets. Inputs are zero for now (--input/--random-inputs come later).
Expected<std::vector<uint8_t>> build_hbm_image(const nk::Program &program) {
  if (program.hbm_size > (uint64_t(1) << 36))
    return createStringError(inconvertibleErrorCode(),
                             "program needs %llu bytes of HBM; nksim supports at most 64 GiB",
                             (unsigned long long)program.hbm_size);
  return std::vector<uint8_t>(program.hbm_size, 0);
}

Expected<const nk::Target *> resolve_target(const nk::Program &program) {
  const nk::Target *target = nk::find_target(program.target);
  if (!target)
    return createStringError(inconvertibleErrorCode(),
                             "program targets unknown machine '%s' (known: trn1, trn2)",
                             program.target.c_str());
  if (!target_name.empty() && target_name != program.target)
    return createStringError(inconvertibleErrorCode(),
                             "--target %s does not match the program's target %s",
                             target_name.c_str(), program.target.c_str());
  return target;
}

Expected<nk::SimStats> run_program(const nk::Program &program, const nk::Target &target,
                                   std::vector<uint8_t> &hbm, nk::SimTrace *trace) {
  if (!no_verify)
    if (Error e = nk::verify_program(program, target)) return e;
  nk::SimOptions options;
  options.strict = strict;
  options.check_races = !no_race_check;
  return nk::simulate(program, target, hbm, options, trace);
}

Error report(const nk::Program &program, const nk::SimStats &stats, const nk::SimTrace &trace) {
  for (const nk::SimWarning &w : stats.warnings) WithColor::warning(errs(), "nksim") << w.message << '\n';
  if (stats.num_warnings > stats.warnings.size())
    WithColor::warning(errs(), "nksim")
        << (stats.num_warnings - stats.warnings.size()) << " more warnings not shown\n";
  if (!trace_path.empty())
    if (Error e = nk::write_trace_file(trace_path, program, stats, trace)) return e;
  if (show_stats) nk::print_stats(outs(), stats);
  return Error::success();
}

int run_main() {
  if (program_path.empty()) return fail("no program file (see nksim run --help)");
  auto program = nk::load_program_file(program_path);
  if (!program) {
    // Assembly diagnostics come rendered clang-style (file:line:col, caret).
    std::string msg = toString(program.takeError());
    if (StringRef(msg).contains(": error: ")) {
      errs() << msg;
      return kExitError;
    }
    return fail(msg);
  }
  auto target = resolve_target(*program);
  if (!target) return fail(toString(target.takeError()));
  auto hbm = build_hbm_image(*program);
  if (!hbm) return fail(toString(hbm.takeError()));
  nk::SimTrace trace;
  auto stats = run_program(*program, **target, *hbm, trace_path.empty() ? nullptr : &trace);
  if (!stats) return fail(program_path + ": " + toString(stats.takeError()));
  if (Error e = report(*program, *stats, trace)) return fail(toString(std::move(e)));
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "nksim: simulate Neuron ISA programs on a modelled NeuronCore\n\n"
                              "  nksim run prog.s --stats            run and print timing\n"
                              "  nksim run prog.nkp --trace t.json   also write a Perfetto trace\n");
  if (run_cmd) return run_main();
  return fail("no command given; use 'nksim run PROGRAM' (see --help)");
}
