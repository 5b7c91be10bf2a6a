// nksim: runs a kernel on the simulated NeuronCore and checks it.
//
//   nksim run PROGRAM|KERNEL.tile|KERNEL.py [-D name=value]... [--target trn1|trn2] [--kernel NAME]
//         [--input NAME=FILE.npy]... [--random-inputs[=SEED]] [--random-scale=S]
//         [--output NAME=FILE.npy]... [--check[=ATOL,RTOL]] [--expect NAME=FILE.npy]...
//         [--stats] [--trace FILE.json] [--strict] [--no-race-check] [--threads N]
//
// A .tile source is compiled in-process (the same pipeline as nkc compile);
// an NKI kernel file (.py) is first traced to .tile source by the Python
// package (tools/python_kernel.h), with the --input arrays' shapes.
// The work is in simulator/session.h (load/bind/run/read), oracle/ (the
// reference and comparison) and compiler/pipeline.h; this file parses flags
// and reports. Exit status: 0 success; 1 when --check or --expect finds a mismatch;
// 2 with an `error:` message on bad input, deadlock or race. Output files
// (--output, --trace, --stats-json) are staged and moved into place only
// when the run ends with 0 or 1: an error leaves none behind.
#include "compiler/frontend/frontend.h"
#include "compiler/pipeline.h"
#include "oracle/kernel_reference.h"
#include "runtime/npy.h"
#include "runtime/output_files.h"
#include "runtime/program_file.h"
#include "runtime/rendered_diagnostics.h"
#include "simulator/session.h"
#include "simulator/background_fill.h"
#include "tools/huge_pages.h"
#include "tools/host_memory.h"
#include "tools/out_of_memory.h"
#include "tools/progress.h"
#include "tools/python_kernel.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <set>

using namespace llvm;

static cl::SubCommand run_cmd("run", "Simulate a program or a .tile kernel");
static cl::OptionCategory category("nksim run options");
static cl::opt<std::string> input_path(cl::Positional,
                                       cl::desc("<program.nkp | program.s | kernel.tile | nki_kernel.py>"),
                                       cl::sub(run_cmd), cl::cat(category));
static cl::opt<std::string> kernel_name("kernel",
                                        cl::desc("The @nki.jit function of a .py file to run (needed when it has "
                                                 "several); its shapes come from the --input arrays"),
                                        cl::value_desc("NAME"), cl::sub(run_cmd), cl::cat(category));
static cl::list<std::string> defines("D", cl::Prefix, cl::desc("Bind a size parameter of a .tile kernel"),
                                     cl::value_desc("name=value"), cl::sub(run_cmd), cl::cat(category));
static cl::opt<std::string> target_name("target",
                                        cl::desc("Target machine: compiles a .tile for it (default trn2); "
                                                 "a program must have been built for it"),
                                        cl::value_desc("trn1|trn2"), cl::sub(run_cmd), cl::cat(category));
static cl::list<std::string> inputs("input", cl::desc("Bind input NAME to a .npy file"),
                                    cl::value_desc("NAME=FILE.npy"), cl::sub(run_cmd), cl::cat(category));
static cl::opt<std::string> random_inputs("random-inputs", cl::ValueOptional,
                                          cl::desc("Fill inputs not given by --input with deterministic "
                                                   "random data (--random-dist, --random-scale; default seed 1); "
                                                   "a kernel's reference may draw valid indices and lengths "
                                                   "itself (docs/oracle.md)"),
                                          cl::value_desc("SEED"), cl::sub(run_cmd), cl::cat(category));
static cl::opt<double> random_scale("random-scale", cl::init(1.0),
                                    cl::desc("Scale of --random-inputs values (a kernel with a reference may "
                                             "scale some inputs further: docs/oracle.md)"),
                                    cl::sub(run_cmd), cl::cat(category));
static cl::opt<nk::RandomDist>
    random_dist("random-dist", cl::desc("Distribution of --random-inputs float values"),
                cl::init(nk::RandomDist::normal),
                cl::values(clEnumValN(nk::RandomDist::normal, "normal", "standard normal x scale (default)"),
                           clEnumValN(nk::RandomDist::uniform, "uniform", "uniform on [-1, 1) x scale")),
                cl::sub(run_cmd), cl::cat(category));
static cl::opt<bool> u2_as_bf16("npy-u2-as-bf16", cl::desc("Read '<u2' .npy inputs as raw bf16 bit patterns"),
                                cl::sub(run_cmd), cl::cat(category));
static cl::list<std::string> outputs("output", cl::desc("Write a tensor to a .npy file (FILE alone: 'out')"),
                                     cl::value_desc("NAME=FILE.npy"), cl::sub(run_cmd), cl::cat(category));
static cl::opt<std::string> check("check", cl::ValueOptional,
                                  cl::desc("Compare the outputs with the kernel's NumPy-equivalent reference "
                                           "(tolerance: the kernel's own, or ATOL,RTOL)"),
                                  cl::value_desc("ATOL,RTOL"), cl::sub(run_cmd), cl::cat(category));
static cl::list<std::string> expects("expect",
                                     cl::desc("Compare output NAME with FILE.npy (tolerance: --check=ATOL,RTOL if "
                                              "given, else the kernel's own rule: 1e-5 for fp32, one rounding of the "
                                              "largest expected value for bf16/f16); exit 1 on a mismatch. Any "
                                              "kernel: no registered reference needed"),
                                     cl::value_desc("NAME=FILE.npy"), cl::sub(run_cmd), cl::cat(category));
static cl::opt<bool> quiet("quiet",
                           cl::desc("No progress line (shown on a terminal when compiling or running takes over "
                                    "a second)"),
                           cl::sub(run_cmd), cl::cat(category));
static cl::opt<bool> show_stats("stats", cl::desc("Print timing statistics"), cl::sub(run_cmd), cl::cat(category));
static cl::opt<std::string> stats_json("stats-json", cl::desc("Write the statistics as JSON to a file ('-': stdout)"),
                                       cl::value_desc("file.json"), cl::sub(run_cmd), cl::cat(category));
static cl::opt<std::string> trace_path("trace", cl::desc("Write a Chrome/Perfetto trace-event JSON file"),
                                       cl::value_desc("file.json"), cl::sub(run_cmd), cl::cat(category));
static cl::opt<bool>
    strict("strict",
           cl::desc("Reading SBUF/PSUM bytes never written, or an accumulator register no reset set, or an activation "
                    "input outside its function's valid range, is an error (else a warning)"),
           cl::sub(run_cmd), cl::cat(category));
static cl::opt<bool> no_race_check("no-race-check", cl::desc("Skip happens-before race detection"), cl::sub(run_cmd),
                                   cl::cat(category));
static cl::opt<bool>
    in_order("schedule-in-order",
             cl::desc("Compiling a .tile: keep the source's instruction order (nkc --schedule=in-order)"),
             cl::sub(run_cmd), cl::cat(category));
static cl::opt<bool> timing_only("timing-only",
                                 cl::desc("Simulate timing and run the race and uninitialised-read checks without "
                                          "computing any values (inputs not given are treated as random; "
                                          "no --output or --check): for kernels at real sizes"),
                                 cl::sub(run_cmd), cl::cat(category));
static cl::list<std::string> without("without", cl::CommaSeparated,
                                     cl::desc("Switch parts of the cost model off, to see what each costs the "
                                              "kernel (docs/simulator.md): dma-issue, dma-descriptors, "
                                              "dma-transfer, dependent-latency, shared-ports, act-table"),
                                     cl::value_desc("mechanism,..."), cl::sub(run_cmd), cl::cat(category));
static cl::opt<unsigned> host_threads(
    "threads", cl::init(0),
    cl::desc("Host threads: with 2 or more, a second thread makes large tile loads (random values, or bytes of "
             "the inputs) while the simulation goes on, runs the verifier, and faults in SBUF and PSUM ahead of use; "
             "--check's reference computes on as many; the results are the same bytes for any count (default 0: "
             "NKSIM_THREADS from the environment if set, else 2 when this process may use two processors, else 1)"),
    cl::value_desc("N"), cl::sub(run_cmd), cl::cat(category));
static cl::opt<bool> time_report("time-report",
                                 cl::desc("Print the host's wall time for each phase of the run (load, verify, "
                                          "validate, simulate, check, outputs) to stderr at the end"),
                                 cl::sub(run_cmd), cl::cat(category));
static cl::opt<bool> no_verify("no-verify",
                               cl::desc("Skip the program verifier (the simulator still refuses anything unsafe)"),
                               cl::sub(run_cmd), cl::cat(category));

namespace {

constexpr int kExitMismatch = 1;
constexpr int kExitError = 2;

int fail(const Twine &msg) {
  WithColor::error(errs(), "nksim") << msg << '\n';
  return kExitError;
}

// Errors that carry clang-style diagnostics (file:line:col ... caret) are
// printed as they are; others get the one-line "nksim: error:" form.
int fail_error(Error e, StringRef prefix = "") {
  if (auto text = nk::take_rendered(e)) {
    errs() << *text;
    if (!StringRef(*text).endswith("\n")) errs() << '\n';
    return kExitError;
  }
  std::string msg = toString(std::move(e));
  return fail(prefix.empty() ? Twine(msg) : prefix + ": " + msg);
}

// NAME=VALUE, or VALUE alone with `default_name`.
std::pair<std::string, std::string> split_binding(StringRef arg, StringRef default_name) {
  auto [name, value] = arg.split('=');
  if (value.empty() && !arg.contains('=')) return {default_name.str(), arg.str()};
  return {name.str(), value.str()};
}

const char *argv0 = "nksim";

// A .py kernel's traced source and the name it was compiled under: a run's
// errors and warnings name its lines, which point_at_python maps back.
std::string traced_source, traced_name;

std::string at_python_lines(const std::string &message) {
  return traced_source.empty() ? message
                               : nk::point_at_python(message, traced_name, traced_source, input_path.getValue());
}

Expected<nk::Program> load_or_compile(StringRef path) {
  const bool python = path.endswith(".py");
  if (python && !defines.empty())
    return createStringError(inconvertibleErrorCode(),
                             "-D binds sizes of a .tile kernel; a .py kernel takes its sizes from its --input arrays");
  if (!python && !kernel_name.empty())
    return createStringError(inconvertibleErrorCode(),
                             "--kernel chooses the function of a .py kernel file; %s is not one", path.str().c_str());
  if (path.endswith(".tile") || python) {
    std::map<std::string, int64_t> defs;
    for (const std::string &d : defines) {
      auto parsed = nk::parse_define(d);
      if (!parsed) return parsed.takeError();
      if (!defs.emplace(parsed->first, parsed->second).second)
        return createStringError(inconvertibleErrorCode(), "-D %s is given twice", parsed->first.c_str());
    }
    std::string tname = target_name.empty() ? std::string(nk::kDefaultTarget) : target_name.getValue();
    const nk::Target *t = nk::find_target(tname);
    if (!t)
      return createStringError(inconvertibleErrorCode(), "unknown target '%s' (known: trn1, trn2)", tname.c_str());
    std::string diags;
    raw_string_ostream ds(diags);
    nk::PipelineOptions popts;
    nk::ProgressLine progress(quiet);
    popts.on_stage = [&](StringRef stage) { progress.update(("nksim: compiling: " + stage).str()); };
    if (in_order) {
      popts.schedule_window = 1;
      popts.interleave = false;
    }
    if (python) {
      auto source = nk::trace_python_kernel(argv0, path, kernel_name, inputs);
      if (!source) return source.takeError();
      traced_source = std::move(*source);
      traced_name = (path + " (traced)").str();
    }
    auto p = python ? nk::compile_tile_source(traced_source, traced_name, defs, *t, popts, ds)
                    : nk::compile_tile_file(path, defs, *t, popts, ds);
    if (!p) {
      if (!ds.str().empty()) {
        consumeError(p.takeError()); // "N error(s) generated": the diagnostics say it
        return nk::rendered_diagnostics(ds.str());
      }
      return p.takeError();
    }
    return p;
  }
  if (in_order)
    return createStringError(inconvertibleErrorCode(),
                             "--schedule-in-order applies when compiling a .tile; %s is a compiled program",
                             path.str().c_str());
  if (!defines.empty())
    return createStringError(inconvertibleErrorCode(), "-D binds sizes of a .tile kernel; %s is a compiled program",
                             path.str().c_str());
  return nk::load_program_file(path);
}

// Binds the inputs the kernel's reference generates (valid indices and
// lengths, KernelReference::random_inputs) that are not bound yet.
Error bind_generated(nk::Session &s, uint64_t seed) {
  const nk::oracle::KernelReference *ref = nk::oracle::find_reference(s.program().kernel);
  if (!ref) return Error::success();
  for (const auto &[name, t] : nk::oracle::generated_inputs(*ref, s.program().tensors, s.bound_inputs(), seed))
    if (Error e = s.bind(name, t)) return e;
  return Error::success();
}

Error bind_inputs(nk::Session &s) {
  std::set<std::string> seen;
  nk::NpyReadOptions ropts;
  ropts.u2_as_bf16 = u2_as_bf16;
  for (const std::string &arg : inputs) {
    auto [name, file] = split_binding(arg, "");
    if (name.empty() || file.empty())
      return createStringError(inconvertibleErrorCode(), "--input expects NAME=FILE.npy, got '%s'", arg.c_str());
    if (!seen.insert(name).second)
      return createStringError(inconvertibleErrorCode(), "--input %s is given twice", name.c_str());
    if (Error e = s.bind_npy(name, file, ropts)) return e;
  }
  if (!std::isfinite(random_scale))
    return createStringError(inconvertibleErrorCode(), "--random-scale must be a finite number, got %g",
                             double(random_scale));
  if (random_inputs.getNumOccurrences()) {
    uint64_t seed = 1;
    if (!random_inputs.empty() && StringRef(random_inputs).getAsInteger(0, seed))
      return createStringError(inconvertibleErrorCode(), "--random-inputs expects an integer seed, got '%s'",
                               random_inputs.c_str());
    if (Error e = bind_generated(s, seed)) return e;
    const nk::oracle::KernelReference *ref = nk::oracle::find_reference(s.program().kernel);
    s.bind_random(seed, random_scale, random_dist, ref ? ref->random_input_scale : std::map<std::string, double>{});
  }
  return Error::success();
}

// --threads, or the default.
unsigned host_thread_count() { return host_threads ? host_threads : nk::default_threads(); }

// Runs the kernel's reference on the bound inputs and compares. Returns
// whether everything passed.
// `inputs` empty with a streaming reference: it reads them from the session,
// on up to `threads` threads (the simulation's).
Expected<bool> run_check(const nk::Session &s, const std::map<std::string, nk::HostTensor> &inputs, bool stream,
                         unsigned threads) {
  const nk::oracle::KernelReference *ref = nk::oracle::find_reference(s.program().kernel);
  if (!ref)
    return createStringError(inconvertibleErrorCode(),
                             "--check: no reference is registered for kernel '%s' (see docs/oracle.md)",
                             s.program().kernel.c_str());
  std::vector<nk::Dtype> input_dtypes;
  Expected<nk::oracle::TensorMap> expected = nk::oracle::TensorMap{};
  if (stream) {
    const std::vector<std::string> names(s.bound_inputs().begin(), s.bound_inputs().end());
    for (const std::string &name : names) input_dtypes.push_back(s.program().find_tensor(name)->dtype);
    // Bounds come from the decls the reference was given.
    auto views = nk::oracle::views_of(s.program().tensors, names,
                                      [&s](const std::string &name, uint64_t first, uint64_t n, float *out) {
                                        cantFail(s.read_input_f32(name, first, n, out));
                                      });
    expected = ref->run(views, threads);
  } else {
    for (const auto &kv : inputs) input_dtypes.push_back(kv.second.dtype);
    expected = ref->run(inputs);
  }
  if (!expected) return expected.takeError();
  auto actual = s.outputs();
  if (!actual) return actual.takeError();
  nk::oracle::Tolerance tol = ref->tolerance_for(input_dtypes, *actual, *expected);
  if (!check.empty()) {
    auto t = nk::oracle::parse_tolerance(check);
    if (!t) return t.takeError();
    tol = *t;
  }
  auto cmp = nk::oracle::compare_outputs(*actual, *expected, tol);
  if (!cmp) return cmp.takeError();
  for (const auto &c : *cmp) nk::oracle::print_comparison(outs(), c);
  bool ok = nk::oracle::all_passed(*cmp);
  outs() << (ok ? "PASS\n" : "FAIL\n");
  return ok;
}

// Claims every output path before the run, so that a refused path (an
// input, a directory, a repeat) fails before minutes of simulation.
Error reserve_outputs(nk::OutputFiles &files) {
  files.add_input(input_path);
  for (const std::string &arg : inputs) files.add_input(split_binding(arg, "").second);
  for (const std::string &arg : outputs) {
    auto [name, file] = split_binding(arg, "out");
    if (name.empty() || file.empty())
      return createStringError(inconvertibleErrorCode(), "--output expects NAME=FILE.npy, got '%s'", arg.c_str());
    if (Error e = files.reserve(file)) return e;
  }
  if (!trace_path.empty())
    if (Error e = files.reserve(trace_path)) return e;
  if (!stats_json.empty() && stats_json != "-")
    if (Error e = files.reserve(stats_json)) return e;
  return Error::success();
}

// Compares outputs with the --expect files. Returns whether all passed.
Expected<bool> run_expect(const nk::Session &s,
                          const std::vector<std::pair<std::string, nk::HostTensor>> &expected_outputs) {
  auto actual = s.outputs();
  if (!actual) return actual.takeError();
  // The tolerance rule looks at the inputs' dtypes only: empty stand-ins.
  std::map<std::string, nk::HostTensor> input_dtypes;
  for (const nk::TensorDecl &d : s.program().tensors)
    if (d.kind == nk::TensorKind::input) input_dtypes[d.name] = nk::HostTensor(d.dtype, {0});
  bool ok = true;
  for (const auto &[name, want] : expected_outputs) {
    std::map<std::string, nk::HostTensor> exp{{name, want}}, act{{name, actual->at(name)}};
    // The default rule of docs/oracle.md (a reference's own, without one).
    nk::oracle::Tolerance tol = nk::oracle::KernelReference{}.tolerance_for(input_dtypes, act, exp);
    if (!check.empty()) {
      auto t = nk::oracle::parse_tolerance(check);
      if (!t) return t.takeError();
      tol = *t;
    }
    auto c = nk::oracle::compare_tensors(name, act.at(name), want, tol);
    if (!c) return c.takeError();
    nk::oracle::print_comparison(outs(), *c);
    ok &= c->passed;
  }
  outs() << (ok ? "PASS\n" : "FAIL\n");
  return ok;
}

// --time-report: the host's wall time for each phase, from the end of
// flag parsing (the process start, the huge-page re-execution and exit are
// outside it: bench/run_bench.py reports them as the difference to the
// whole process's time).
class PhaseClock {
public:
  // Seconds since the previous lap (or the start).
  double lap() {
    const auto now = Clock::now();
    const double s = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    return s;
  }
  double total() const { return std::chrono::duration<double>(last_ - start_).count(); }

private:
  using Clock = std::chrono::steady_clock;
  Clock::time_point start_ = Clock::now(), last_ = start_;
};

void print_time_report(const PhaseClock &clock, double load, double prepare, const nk::SimStats &stats, double check,
                       double outputs) {
  uint64_t instructions = 0;
  for (const nk::StreamStats &s : stats.streams) instructions += s.instructions;
  const nk::HostTimes &h = stats.host;
  auto row = [](const char *phase, double s, const std::string &what) {
    errs() << fmt::format("  {:<9} {:8.4f} s  {}\n", phase, s, what);
  };
  errs() << "nksim: host wall time by phase (--time-report)\n";
  row("load", load, "read and decode the program (or compile the .tile, trace the .py)");
  row("prepare", prepare, "bind inputs, read --expect files, the kernel's input checks");
  row("verify", h.verify_s,
      no_verify                  ? "skipped (--no-verify)"
      : h.verify_beside_validate ? "the program verifier, on a second thread beside validate (the two overlap)"
                                 : "the program verifier");
  row("validate", h.validate_s, "the simulator's own safety checks of the program");
  row("simulate", h.simulate_s,
      fmt::format("{} instructions, {:.0f} a second", instructions,
                  h.simulate_s > 0 ? double(instructions) / h.simulate_s : 0.0));
  row("check", check, "--check and --expect comparisons");
  row("outputs", outputs, "warnings, statistics, --output and --trace files");
  row("total", clock.total(), "since the flags were parsed; process start and exit not included");
}

int run_main() {
  PhaseClock clock;
  if (input_path.empty()) return fail("no program or kernel given (see nksim run --help)");
  nk::OutputFiles files;
  if (Error e = reserve_outputs(files)) return fail_error(std::move(e));
  auto program = load_or_compile(input_path);
  if (!program) return fail_error(program.takeError());
  const double load_s = clock.lap();
  // A .tile was just compiled for --target; a program must match it.
  const bool compiled_here = StringRef(input_path).endswith(".tile") || StringRef(input_path).endswith(".py");
  auto session = nk::Session::from_program(std::move(*program), compiled_here ? StringRef() : StringRef(target_name));
  if (!session) return fail_error(session.takeError());
  if (timing_only && (check.getNumOccurrences() || !outputs.empty()))
    return fail("--timing-only computes no values: it cannot be combined with --check or --output");
  // With --expect, --check=ATOL,RTOL on a kernel without a reference only
  // sets the tolerance of the --expect comparisons.
  const bool reference_check =
      check.getNumOccurrences() &&
      (expects.empty() || nk::oracle::find_reference(session->program().kernel) || check.empty());
  if (reference_check && !nk::oracle::find_reference(session->program().kernel))
    return fail("--check: no reference is registered for kernel '" + session->program().kernel +
                "' (see docs/oracle.md); --expect NAME=FILE.npy compares with your own expected output");
  if (timing_only && !expects.empty())
    return fail("--timing-only computes no values: it cannot be combined with --expect");
  // Expected outputs are read before the run, so a bad file fails fast.
  std::vector<std::pair<std::string, nk::HostTensor>> expected_outputs;
  for (const std::string &arg : expects) {
    auto [name, file] = split_binding(arg, "out");
    if (name.empty() || file.empty()) return fail("--expect expects NAME=FILE.npy, got '" + arg + "'");
    const nk::TensorDecl *d = session->program().find_tensor(name);
    if (!d || d->kind != nk::TensorKind::output) return fail("--expect: the kernel has no output named '" + name + "'");
    nk::NpyReadOptions ropts;
    ropts.u2_as_bf16 = u2_as_bf16;
    auto t = nk::read_npy(file, ropts);
    if (!t) return fail_error(t.takeError());
    if (t->shape != d->shape)
      return fail(llvm::formatv("--expect {0}: {1} has shape {2}, the output is {3}", name, file,
                                nk::format_shape(t->shape), nk::format_shape(d->shape))
                      .str());
    expected_outputs.emplace_back(name, std::move(*t));
  }
  if (Error e = bind_inputs(*session)) return fail_error(std::move(e));
  // Nothing reads the values in a timing-only run, so unbound inputs cost nothing.
  // Indirect loads read their indices even then: the reference's valid ones.
  if (timing_only) {
    if (Error e = bind_generated(*session, 1)) return fail_error(std::move(e));
    session->bind_random(1, 1.0);
  }

  if (Error e = nk::check_all_inputs_bound(session->program(), session->bound_inputs()))
    return fail(toString(std::move(e)) + "; give --input NAME=FILE.npy or --random-inputs");

  // A kernel with index inputs: its reference checks them before the run
  // (a bad block-table entry named by sequence, not as the DMA fault it
  // causes), and counts the bytes the computation must move for --stats.
  llvm::Optional<uint64_t> minimal_bytes;
  if (const nk::oracle::KernelReference *ref = nk::oracle::find_reference(session->program().kernel);
      ref && (ref->validate_inputs || ref->minimal_hbm_bytes)) {
    const auto decls = nk::oracle::input_decls(session->program().tensors);
    nk::oracle::TensorMap ints;
    for (const nk::TensorDecl &d : session->program().tensors) {
      if (d.kind != nk::TensorKind::input || nk::dtype_is_float(d.dtype)) continue;
      auto t = session->output(d.name);
      if (!t) return fail_error(t.takeError());
      ints[d.name] = std::move(*t);
    }
    if (ref->validate_inputs)
      if (Error e = ref->validate_inputs(decls, ints)) return fail_error(std::move(e));
    if (ref->minimal_hbm_bytes && show_stats) {
      auto n = ref->minimal_hbm_bytes(decls, ints);
      if (!n) return fail_error(n.takeError());
      minimal_bytes = *n;
    }
  }

  // The reference needs the inputs as bound. A streaming reference reads
  // them after the run, generated or from the image, with no copy, when the
  // program cannot have written them; otherwise (a hand-written program may
  // overwrite its input tensors) they are copied before running.
  std::map<std::string, nk::HostTensor> bound_inputs;
  const nk::oracle::KernelReference *reference =
      reference_check ? nk::oracle::find_reference(session->program().kernel) : nullptr;
  bool stream_inputs = reference && reference->streams_inputs();
  if (stream_inputs)
    for (const std::string &name : session->bound_inputs()) stream_inputs &= !session->writes_input(name);
  if (reference_check) {
    // Refuse up front what the reference cannot fit: past the available
    // memory the kernel would be killed (Linux overcommits), not fail.
    std::map<std::string, std::pair<nk::Dtype, std::vector<int64_t>>> shapes;
    for (const nk::TensorDecl &d : session->program().tensors)
      if (d.kind == nk::TensorKind::input) shapes[d.name] = {d.dtype, d.shape};
    // Streamed, the inputs are not copied: only the reference's working set.
    std::map<std::string, std::vector<int64_t>> dims;
    for (const auto &[name, t] : shapes) dims[name] = t.second;
    // A streaming reference's working set is per thread (it computes on
    // the simulation's threads).
    const uint64_t need = stream_inputs && reference->working_set_bytes
                              ? reference->working_set_bytes(dims) * host_thread_count()
                              : reference->check_bytes(shapes);
    if (auto avail = nk::available_host_memory(); avail && need > *avail)
      return fail(formatv("--check needs about {0:f1} GB of host memory for the reference (the inputs and its "
                          "working set), and {1:f1} GB is available; run without --check, with --timing-only, "
                          "or at a smaller size",
                          double(need) / 1e9, double(*avail) / 1e9)
                      .str());
    if (!stream_inputs) bound_inputs = session->inputs();
  }

  nk::SimOptions options;
  options.strict = strict;
  options.check_races = !no_race_check;
  options.timing_only = timing_only;
  options.threads = host_thread_count();
  for (const std::string &m : without) {
    auto mech = nk::parse_mechanism(m);
    if (!mech) return fail("--without: unknown mechanism '" + m + "' (known: " + nk::mechanism_names() + ")");
    options.mechanisms_off |= unsigned(*mech);
  }
  nk::ProgressLine progress(quiet);
  options.progress = [&](uint64_t executed, uint64_t total, double ns) {
    char line[160];
    std::snprintf(line, sizeof line, "nksim: simulating: %llu of %llu instructions, %.1f us simulated",
                  (unsigned long long)executed, (unsigned long long)total, ns / 1000);
    progress.update(line);
  };
  nk::SimTrace trace;
  const double prepare_s = clock.lap();
  auto stats = session->run(options, trace_path.empty() ? nullptr : &trace, !no_verify);
  progress.finish();
  clock.lap(); // verify, validate and simulate: stats->host
  if (!stats) {
    Error e = stats.takeError();
    if (traced_source.empty()) return fail_error(std::move(e), input_path);
    if (auto text = nk::take_rendered(e)) {
      errs() << at_python_lines(*text);
      if (!StringRef(*text).endswith("\n")) errs() << '\n';
      return kExitError;
    }
    return fail(input_path + ": " + at_python_lines(toString(std::move(e))));
  }

  for (const nk::SimWarning &w : stats->warnings)
    WithColor::warning(errs(), "nksim") << at_python_lines(w.message) << '\n';
  if (stats->num_warnings > stats->warnings.size())
    WithColor::warning(errs(), "nksim") << (stats->num_warnings - stats->warnings.size())
                                        << " more warnings not shown\n";
  for (const std::string &arg : outputs) {
    auto [name, file] = split_binding(arg, "out");
    auto tensor = session->output(name);
    if (!tensor) return fail_error(tensor.takeError());
    if (Error e = files.stage(file, [&](raw_ostream &os) { nk::write_npy(os, *tensor); }))
      return fail_error(std::move(e));
  }
  if (!trace_path.empty())
    if (Error e = files.stage(trace_path,
                              [&](raw_ostream &os) { nk::write_trace_json(os, session->program(), *stats, trace); }))
      return fail_error(std::move(e));
  if (show_stats) {
    nk::print_stats(outs(), *stats);
    if (minimal_bytes && stats->total_ns > 0 && stats->target)
      outs() << "minimal hbm: " << *minimal_bytes
             << " bytes the computation must move (its reference's count for these inputs); "
             << formatv("{0:f1}", 100.0 * double(*minimal_bytes) / (stats->cores * stats->target->hbm_bytes_per_ns) /
                                      stats->total_ns)
             << "% of the HBM roofline\n";
  }
  if (stats_json == "-")
    nk::write_stats_json(outs(), session->program(), *stats);
  else if (!stats_json.empty())
    if (Error e =
            files.stage(stats_json, [&](raw_ostream &os) { nk::write_stats_json(os, session->program(), *stats); }))
      return fail_error(std::move(e));
  double outputs_s = clock.lap();
  bool passed = true;
  if (reference_check) {
    auto ok = run_check(*session, bound_inputs, stream_inputs, options.threads);
    if (!ok) return fail_error(ok.takeError());
    passed = *ok;
  }
  if (!expected_outputs.empty()) {
    auto ok = run_expect(*session, expected_outputs);
    if (!ok) return fail_error(ok.takeError());
    passed &= *ok;
  }
  const double check_s = clock.lap();
  // A mismatch keeps the outputs: they are what the user needs to look at.
  if (Error e = files.commit()) return fail_error(std::move(e));
  outputs_s += clock.lap();
  if (time_report) {
    outs().flush(); // after the --stats and --check lines
    print_time_report(clock, load_s, prepare_s, *stats, check_s, outputs_s);
  }
  return passed ? 0 : kExitMismatch;
}

} // namespace

int main(int argc, char **argv) {
  // 32 MiB, glibc's own ceiling for its dynamic threshold: everything but
  // the HBM image and the simulated memories (their own mappings) comes
  // from the huge-page heap. One arena: a thread's first allocations
  // otherwise come from an arena of its own, fresh memory whose first
  // touch is a page fault and a zeroing per page (the --check reference's
  // second thread spent 8-12 ms of each KV head on them, against 1 ms on
  // the main thread; --check 0.91x wall). The threads allocate little, so
  // sharing the lock costs nothing measurable (plain runs 1.00x).
  nk::reexec_with_huge_pages(argv, ":glibc.malloc.mmap_threshold=33554432:glibc.malloc.arena_max=1");
  argv0 = argv[0];
  InitLLVM init(argc, argv);
  nk::report_out_of_memory_as_error("nksim");
  cl::HideUnrelatedOptions(category);
  // A flag error exits 2 (1 means a --check mismatch).
  if (!cl::ParseCommandLineOptions(
          argc, argv,
          "nksim: simulate NeuronCore kernels on CPU and check them\n\n"
          "  nksim run kernels/decode_attention_gqa.tile --random-inputs --check --stats\n"
          "  nksim run prog.nkp --input q=q.npy --input k=k.npy --input v=v.npy --output out=o.npy\n"
          "  nksim run kernels/decode_attention_paged.tile -D B=8 --input block_table=bt.npy \\\n"
          "        --input seq_lens=lens.npy --random-inputs --check --stats   (docs/kernels.md)\n"
          "  nksim run prog.s --trace t.json     (open t.json in https://ui.perfetto.dev)\n"
          "  nksim run my_nki_kernel.py --kernel attn --input q=q.npy --input k=k.npy --input v=v.npy \\\n"
          "        --expect out=want.npy --stats   (an NKI kernel, traced: docs/nki.md)\n\n"
          "Exit status: 0 success; 1 --check or --expect found a mismatch; 2 any error: bad flags,\n"
          "unreadable or invalid input, a compile error, a race, a deadlock, a refused\n"
          "output path (an input of the run, a directory, a repeat), out of host\n"
          "memory. Output files are written only when the run ends with 0 or 1.\n",
          &errs()))
    return kExitError;
  if (run_cmd) return nk::exit_status_of("nksim", run_main);
  return fail("no command given; use 'nksim run PROGRAM' (see --help)");
}
