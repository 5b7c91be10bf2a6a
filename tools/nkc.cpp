// nkc: the compiler driver. Flag parsing only; the work is in compiler/.
//
//   nkc compile KERNEL.tile -o PROGRAM [-D name=value]... [--target trn1|trn2]
//   nkc KERNEL.tile --emit=tokens|ast|tir|isa [-D name=value]... [--target ...]
//   nkc FILE.tir [--run-pass=PASS[,PASS...]]   passes alone, on Tile IR
//   nkc FILE.lir [--run-pass=PASS[,PASS...]]   back-end passes alone, on LIR
//   nkc compile FILE.tir|FILE.lir -o PROGRAM     the passes the file still needs
//   pass inspection (all forms): --print-after-all --print-before-all
//     --print-after=PASS --print-before=PASS --time-passes --list-passes
//
// Exit status: 0 success; 1 source errors (diagnostics on stderr; for a
// .tir or .lir file, its syntax or verifier errors, or a program the
// runtime verifier rejects: FILE: error: ...); 2 bad flags, unreadable
// files, a pass that cannot run on the given IR or fails, an output path that is
// refused (an input, a directory), out of host memory, or a failure writing
// the output.
#include "compiler/backend/passes.h"
#include "compiler/frontend/driver.h"
#include "compiler/frontend/frontend.h"
#include "compiler/lir/parse.h"
#include "compiler/tir/parse.h"
#include "compiler/pipeline.h"
#include "runtime/rendered_diagnostics.h"
#include "runtime/asm_printer.h"
#include "runtime/output_files.h"
#include "runtime/program_file.h"
#include "runtime/target.h"
#include "tools/huge_pages.h"
#include "tools/out_of_memory.h"
#include "tools/progress.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/WithColor.h"

#include <algorithm>

namespace cl = llvm::cl;

namespace {

enum class Emit { tokens, ast, tir, isa };

cl::OptionCategory category("nkc options");
cl::SubCommand compile_cmd("compile", "Compile a .tile kernel (or a .tir or .lir file) to a program file");

cl::opt<std::string> input(cl::Positional, cl::desc("<kernel.tile | module.tir | program.lir>"),
                           cl::sub(*cl::TopLevelSubCommand), cl::sub(compile_cmd), cl::cat(category));
cl::opt<Emit> emit("emit", cl::desc("Print a compilation stage to stdout"),
                   cl::values(clEnumValN(Emit::tokens, "tokens", "the token stream"),
                              clEnumValN(Emit::ast, "ast", "the syntax tree"),
                              clEnumValN(Emit::tir, "tir", "the Tile IR after size binding and checks"),
                              clEnumValN(Emit::isa, "isa", "the compiled program as text assembly")),
                   cl::sub(*cl::TopLevelSubCommand), cl::cat(category));
cl::opt<std::string> output("o", cl::desc("Output program file (binary; text assembly if it ends in .s)"),
                            cl::value_desc("file"), cl::sub(compile_cmd), cl::cat(category));
cl::list<std::string> defines("D", cl::Prefix, cl::desc("Bind a size parameter: -D name=value"),
                              cl::value_desc("name=value"), cl::sub(*cl::TopLevelSubCommand), cl::sub(compile_cmd),
                              cl::cat(category));
cl::opt<std::string> target("target", cl::desc("Target machine: trn1 or trn2"),
                            cl::init(std::string(nk::kDefaultTarget)), cl::sub(*cl::TopLevelSubCommand),
                            cl::sub(compile_cmd), cl::cat(category));
cl::opt<bool> print_after_all("print-after-all", cl::desc("Print the program after every pass (stderr)"),
                              cl::sub(*cl::TopLevelSubCommand), cl::sub(compile_cmd), cl::cat(category));
cl::opt<bool> print_before_all("print-before-all", cl::desc("Print the program before every pass (stderr)"),
                               cl::sub(*cl::TopLevelSubCommand), cl::sub(compile_cmd), cl::cat(category));
cl::list<std::string> print_after("print-after", cl::desc("Print the program after the named pass"),
                                  cl::value_desc("pass"), cl::CommaSeparated, cl::sub(*cl::TopLevelSubCommand),
                                  cl::sub(compile_cmd), cl::cat(category));
cl::list<std::string> print_before("print-before", cl::desc("Print the program before the named pass"),
                                   cl::value_desc("pass"), cl::CommaSeparated, cl::sub(*cl::TopLevelSubCommand),
                                   cl::sub(compile_cmd), cl::cat(category));
cl::opt<bool> time_passes("time-passes", cl::desc("Time each pass and print a report (stderr)"),
                          cl::sub(*cl::TopLevelSubCommand), cl::sub(compile_cmd), cl::cat(category));
enum class ScheduleMode { list, in_order };
cl::opt<ScheduleMode>
    schedule_mode("schedule", cl::desc("Instruction order"), cl::init(ScheduleMode::list),
                  cl::values(clEnumValN(ScheduleMode::list, "list",
                                        "cost-model list schedule: hoists work up to 512 instructions ahead (default)"),
                             clEnumValN(ScheduleMode::in_order, "in-order",
                                        "keep the source's instruction order (engines are still chosen)")),
                  cl::sub(*cl::TopLevelSubCommand), cl::sub(compile_cmd), cl::cat(category));
cl::opt<bool> verify_each("verify-each",
                          cl::desc("Verify the IR after every pass (also NK_VERIFY_EACH=1); a failure is an internal "
                                   "compiler error naming the pass"),
                          cl::sub(*cl::TopLevelSubCommand), cl::sub(compile_cmd), cl::cat(category));
cl::opt<bool> quiet("quiet", cl::desc("No progress line (shown on a terminal when a compile takes over a second)"),
                    cl::sub(*cl::TopLevelSubCommand), cl::sub(compile_cmd), cl::cat(category));
cl::list<std::string> run_pass("run-pass",
                               cl::desc("With a .tir or .lir input: run just these passes, in this order, and print "
                                        "the result to stdout (Tile IR; LIR after legalize; text assembly after "
                                        "emit-program)"),
                               cl::value_desc("pass,..."), cl::CommaSeparated, cl::sub(*cl::TopLevelSubCommand),
                               cl::cat(category));
cl::opt<bool> list_passes("list-passes", cl::desc("List the passes in pipeline order and exit"),
                          cl::sub(*cl::TopLevelSubCommand), cl::cat(category));

nk::PipelineOptions pipeline_options();

int fail(const llvm::Twine &msg) {
  llvm::WithColor::error(llvm::errs(), "nkc") << msg << '\n';
  return 2;
}

// Front end + pipeline; prints diagnostics. Returns the exit status on failure.
int compile(nk::Program &out) {
  const nk::Target *t = nk::find_target(std::string(target));
  if (!t) return fail("unknown target '" + target + "' (expected trn1 or trn2)");
  std::map<std::string, int64_t> defs;
  for (const std::string &d : defines) {
    auto parsed = nk::parse_define(d);
    if (!parsed) return fail(llvm::toString(parsed.takeError()));
    if (!defs.emplace(parsed->first, parsed->second).second) return fail("-D " + parsed->first + " is given twice");
  }
  nk::PipelineOptions opts = pipeline_options();
  nk::ProgressLine progress(quiet);
  opts.on_stage = [&](llvm::StringRef stage) { progress.update(("nkc: compiling: " + stage).str()); };
  std::string diags;
  llvm::raw_string_ostream ds(diags);
  auto p = nk::compile_tile_file(input, defs, *t, opts, ds);
  progress.finish();
  if (!p) {
    llvm::errs() << ds.str();
    llvm::Error e = p.takeError();
    if (!ds.str().empty()) { // source errors, already printed
      llvm::consumeError(std::move(e));
      return 1;
    }
    if (auto text = nk::take_rendered(e)) {
      llvm::errs() << *text << '\n';
      return 1;
    }
    return fail(llvm::toString(std::move(e)));
  }
  out = std::move(*p);
  return 0;
}

nk::PipelineOptions pipeline_options() {
  nk::PipelineOptions opts;
  opts.print_after_all = print_after_all;
  opts.print_before_all = print_before_all;
  opts.print_after.assign(print_after.begin(), print_after.end());
  opts.print_before.assign(print_before.begin(), print_before.end());
  opts.time_passes = time_passes;
  opts.verify_each = verify_each;
  if (schedule_mode == ScheduleMode::in_order) {
    opts.schedule_window = 1;
    opts.interleave = false;
  }
  return opts;
}

bool is_lir_input() { return llvm::StringRef(input).endswith(".lir"); }
bool is_tir_input() { return llvm::StringRef(input).endswith(".tir"); }
bool is_ir_input() { return is_lir_input() || is_tir_input(); }

// Parse errors: rendered diagnostics (exit 1), or another error (exit 2).
int parse_failure(llvm::Error e) {
  if (auto text = nk::take_rendered(e)) {
    llvm::errs() << *text;
    return 1;
  }
  return fail(llvm::toString(std::move(e)));
}

bool makes_program(const std::vector<std::string> &passes) {
  return std::find(passes.begin(), passes.end(), "emit-program") != passes.end();
}

// A cores = 2 kernel's Tile IR (or LIR with a core_barrier) is one core's
// code, specialised with `core` bound: the other core's program cannot be
// rebuilt from it, and one core's half would wait forever at its barrier.
int one_core_of_two(const std::string &file) {
  llvm::WithColor::error(llvm::errs(), file)
      << "this IR is one physical core's code of a cores = 2 kernel; a two-core program is compiled from the "
         ".tile source (each core specialised from it), so --emit=isa and compile are refused here "
         "(--run-pass runs passes on it)\n";
  return 1;
}

// A .tir or .lir input: parse (and verify) it, then run `passes` (all the
// file still needs when `remaining`). Sets the result's IR.
int run_ir_file(const std::vector<std::string> &passes, bool remaining, nk::PassResult &result) {
  const char *kind = is_tir_input() ? ".tir" : ".lir";
  if (defines.getNumOccurrences())
    return fail(llvm::Twine("-D binds a .tile kernel's sizes; a ") + kind + " file has them bound");
  auto buf = llvm::MemoryBuffer::getFileOrSTDIN(input, /*IsText=*/true);
  if (!buf) return fail("cannot read '" + input + "': " + buf.getError().message());
  auto check_target = [&](const std::string &name) -> const nk::Target * {
    if (target.getNumOccurrences() && target != name) {
      fail(input + " is for " + name + ", not --target=" + target);
      return nullptr;
    }
    const nk::Target *t = nk::find_target(name);
    if (!t) fail("unknown target '" + name + "'");
    return t;
  };
  llvm::Expected<nk::PassResult> r = nk::PassResult();
  if (is_tir_input()) {
    auto parsed = nk::tir::parse_module((*buf)->getBuffer(), input);
    if (!parsed) return parse_failure(parsed.takeError());
    const nk::Target *t = check_target(parsed->target);
    if (!t) return 2;
    std::vector<std::string> names = remaining ? nk::remaining_tir_passes(*parsed) : passes;
    bool two_cores = false;
    for (const auto &[size, value] : parsed->sizes) two_cores |= size == "cores" && value > 1;
    if (two_cores && makes_program(names)) return one_core_of_two(input);
    r = nk::run_tir_passes(std::move(*parsed), names, *t, pipeline_options());
  } else {
    auto parsed = nk::lir::parse_program((*buf)->getBuffer(), input);
    if (!parsed) return parse_failure(parsed.takeError());
    const nk::Target *t = check_target(parsed->target);
    if (!t) return 2;
    std::vector<std::string> names = remaining ? nk::remaining_lir_passes(*parsed) : passes;
    bool barrier = false;
    for (const nk::lir::Inst &in : parsed->insts) barrier |= in.inst.op == nk::Opcode::core_barrier;
    if (barrier && makes_program(names)) return one_core_of_two(input);
    r = nk::run_lir_passes(std::move(*parsed), names, *t, pipeline_options());
  }
  if (!r) {
    // A program the runtime verifier rejects is what the file describes: an
    // error in the input, reported against it (not an internal error).
    int rc = 0;
    llvm::handleAllErrors(
        r.takeError(),
        [&](const nk::lir::UnverifiedProgramError &u) {
          llvm::WithColor::error(llvm::errs(), input) << u.message() << '\n';
          rc = 1;
        },
        [&](const llvm::ErrorInfoBase &other) { rc = fail(other.message()); });
    return rc;
  }
  result = std::move(*r);
  return 0;
}

int run_main();

} // namespace

int main(int argc, char **argv) {
  nk::reexec_with_huge_pages(argv);
  llvm::InitLLVM init(argc, argv);
  nk::report_out_of_memory_as_error("nkc");
  cl::HideUnrelatedOptions(category);
  if (!cl::ParseCommandLineOptions(
          argc, argv,
          "nkc: the NeuronCore tile kernel compiler\n\n"
          "  nkc compile kernels/decode_attention_gqa.tile -o gqa.nkp -D s=2048\n"
          "  nkc kernels/decode_attention_gqa.tile --emit=isa\n"
          "  nkc kernels/decode_attention.tile --emit=isa --print-after=legalize\n"
          "  nkc k.tir --run-pass=unroll-loops,legalize           # middle passes alone\n"
          "  nkc prog.lir --run-pass=schedule,assign-dma-queues   # back-end passes alone\n"
          "  nkc compile prog.lir -o prog.nkp                     # the passes it still needs\n\n"
          "A .tir file is the Tile IR as --emit=tir or --print-after=unroll-loops\n"
          "writes it; a .lir file is the back end's IR as --print-after=PASS writes\n"
          "it (after legalize or any later pass). Either is parsed and verified,\n"
          "then --run-pass runs the named passes alone and prints the result,\n"
          "--emit=isa and compile run every pass it still needs (docs/tile-ir.md,\n"
          "Tile IR text and LIR text).\n\n"
          "Exit status: 0 success; 1 errors in the kernel source or the .tir/.lir\n"
          "file (diagnostics on stderr); 2 bad flags, unreadable input, a pass that\n"
          "cannot run on the given IR or fails, a refused output path (an input\n"
          "of the run, a directory), out of host memory, or a failed write. -o\n"
          "never leaves a partial file: the program is written to a temporary\n"
          "file and renamed into place.\n",
          &llvm::errs()))
    return 2; // a flag error, not a source error (1)
  return nk::exit_status_of("nkc", run_main);
}

namespace {

int run_main() {
  if (list_passes) {
    for (const std::string &n : nk::pipeline_pass_names()) llvm::outs() << n << '\n';
    return 0;
  }
  if (input.empty()) return fail("no input file (see --help)");
  if (run_pass.getNumOccurrences() && !is_ir_input())
    return fail("--run-pass needs a .tir or .lir input (write one with --emit=tir or --print-after=PASS)");
  if (is_ir_input() && !compile_cmd) {
    if (emit.getNumOccurrences() && emit != Emit::isa)
      return fail(llvm::Twine("--emit=tokens|ast|tir need a .tile input; a ") + (is_tir_input() ? ".tir" : ".lir") +
                  " file is past them");
    if (emit.getNumOccurrences() && run_pass.getNumOccurrences())
      return fail("give either --run-pass (these passes) or --emit=isa (every pass the file still needs)");
    nk::PassResult r;
    if (int rc =
            run_ir_file(std::vector<std::string>(run_pass.begin(), run_pass.end()), emit.getNumOccurrences() > 0, r))
      return rc;
    std::string text;
    llvm::raw_string_ostream os(text);
    if (r.program)
      nk::print_program(os, *r.program);
    else if (r.tir)
      nk::tir::print_module(os, *r.tir);
    else
      nk::lir::print_program(os, r.lir);
    llvm::outs() << os.str();
    return 0;
  }
  if (compile_cmd) {
    if (output.empty()) return fail("nkc compile needs -o PROGRAM");
    nk::OutputFiles files;
    files.add_input(input);
    // Refuse a bad output path before compiling, not after.
    if (llvm::Error e = files.reserve(output)) return fail(llvm::toString(std::move(e)));
    nk::Program p;
    if (is_ir_input()) {
      nk::PassResult r;
      if (int rc = run_ir_file({}, true, r)) return rc;
      p = std::move(*r.program);
    } else if (int rc = compile(p)) {
      return rc;
    }
    llvm::Error staged = llvm::StringRef(output).endswith(".s")
                             ? files.stage(output, [&](llvm::raw_ostream &os) { nk::print_program(os, p); })
                             : files.stage(output, nk::encode_program(p));
    if (staged) return fail(llvm::toString(std::move(staged)));
    if (llvm::Error e = files.commit()) return fail(llvm::toString(std::move(e)));
    return 0;
  }
  if (!emit.getNumOccurrences()) return fail("say what to do: 'nkc compile K.tile -o P' or 'nkc K.tile --emit=STAGE'");
  if (emit == Emit::isa) {
    nk::Program p;
    if (int rc = compile(p)) return rc;
    nk::print_program(llvm::outs(), p);
    return 0;
  }
  nk::EmitStage stage = emit == Emit::tokens ? nk::EmitStage::tokens
                        : emit == Emit::ast  ? nk::EmitStage::ast
                                             : nk::EmitStage::tir;
  return nk::run_emit(stage, input, std::vector<std::string>(defines.begin(), defines.end()), target, llvm::outs(),
                      llvm::errs());
}

} // namespace
