// nkasm: the Neuron ISA assembler and disassembler. Reads a program as text
// assembly or a binary program file, verifies it against its target, and
// writes it as a binary program file (-o FILE) or canonical text (stdout).
// Exit status: 0 success; 2 any error (flags, unreadable or invalid program,
// a refused output path, a failed write).
#include "runtime/asm_printer.h"
#include "runtime/isa_doc.h"
#include "runtime/output_files.h"
#include "runtime/rendered_diagnostics.h"
#include "runtime/program_file.h"
#include "runtime/target.h"
#include "runtime/verifier.h"
#include "tools/out_of_memory.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

static cl::OptionCategory category("nkasm options");
static cl::opt<std::string> input(cl::Positional, cl::desc("<program.s | program.nkp>"), cl::cat(category));
static cl::opt<std::string> output("o", cl::desc("Write the program to this file (default: text to stdout)"),
                                   cl::value_desc("file"), cl::cat(category));
enum class Emit { text, binary };
static cl::opt<Emit> emit("emit", cl::desc("Output format (default: binary with -o, text on stdout)"),
                          cl::values(clEnumValN(Emit::text, "text", "text assembly"),
                                     clEnumValN(Emit::binary, "binary", "binary program file")),
                          cl::cat(category));
static cl::opt<bool> no_verify("no-verify", cl::desc("Do not run the verifier"), cl::cat(category));
static cl::opt<std::string> target_name("target", cl::desc("Verify for this target (default: the program's own)"),
                                        cl::value_desc("trn1|trn2"), cl::cat(category));

static cl::opt<bool> describe_isa("describe-isa",
                                  cl::desc("Print the instruction table as Markdown (docs/isa.md) and exit"),
                                  cl::cat(category));

static int fail(const Twine &msg) {
  WithColor::error(errs(), "nkasm") << msg << '\n';
  return 2;
}

static int run_main();

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  nk::report_out_of_memory_as_error("nkasm");
  cl::HideUnrelatedOptions(category);
  if (!cl::ParseCommandLineOptions(argc, argv,
                                   "nkasm: assemble, disassemble and verify Neuron ISA programs\n\n"
                                   "  nkasm prog.s -o prog.nkp      assemble (text -> binary)\n"
                                   "  nkasm prog.nkp                disassemble (binary -> text)\n"
                                   "  nkasm prog.s --emit=text      verify and print canonical text\n\n"
                                   "Exit status: 0 success; 2 any error: bad flags, an unreadable, malformed\n"
                                   "or invalid program, a refused output path (the input itself, a\n"
                                   "directory), out of host memory, or a failed write. -o never leaves a\n"
                                   "partial file and never replaces a device or pipe.\n",
                                   &errs()))
    return 2; // a flag error
  return nk::exit_status_of("nkasm", run_main);
}

static int run_main() {
  if (describe_isa) {
    nk::describe_isa_markdown(outs());
    return 0;
  }
  if (input.empty()) return fail("no input file (see --help)");
  nk::OutputFiles files;
  files.add_input(input);
  if (!output.empty() && output != "-")
    if (Error e = files.reserve(output)) return fail(toString(std::move(e)));
  auto prog = nk::load_program_file(input);
  if (!prog) {
    // Assembly diagnostics are already rendered clang-style; print them as-is.
    Error e = prog.takeError();
    if (auto text = nk::take_rendered(e)) {
      errs() << *text;
      return 2;
    }
    return fail(toString(std::move(e)));
  }
  std::string tname = target_name.empty() ? prog->target : target_name;
  const nk::Target *target = nk::find_target(tname);
  if (!target) return fail("unknown target '" + tname + "' (known: trn1, trn2)");
  if (!no_verify) {
    if (Error e = nk::verify_program(*prog, *target)) return fail(input + ": " + toString(std::move(e)));
  }
  bool binary = emit.getNumOccurrences() ? emit == Emit::binary : !output.empty();
  std::string bytes;
  if (binary) {
    bytes = nk::encode_program(*prog);
  } else {
    raw_string_ostream os(bytes);
    nk::print_program(os, *prog);
  }
  if (output.empty() || output == "-") {
    if (binary && outs().is_displayed()) return fail("refusing to write a binary program to a terminal; use -o");
    outs() << bytes;
    return 0;
  }
  if (Error e = files.stage(output, bytes)) return fail(toString(std::move(e)));
  if (Error e = files.commit()) return fail(toString(std::move(e)));
  return 0;
}
