// nkc: the compiler driver. Flag parsing only; the work is in compiler/.
//   nkc KERNEL.tile --emit=tokens|ast|tir [-D name=value]... [--target trn1|trn2]
#include "compiler/frontend/driver.h"
#include "runtime/target.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"

namespace cl = llvm::cl;

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::OptionCategory category("nkc options");
  cl::opt<std::string> input(cl::Positional, cl::desc("<kernel.tile>"), cl::Required, cl::cat(category));
  cl::opt<nk::EmitStage> emit(
      "emit", cl::desc("Print a compilation stage to stdout"), cl::Required,
      cl::values(clEnumValN(nk::EmitStage::tokens, "tokens", "the token stream"),
                 clEnumValN(nk::EmitStage::ast, "ast", "the syntax tree"),
                 clEnumValN(nk::EmitStage::tir, "tir", "the Tile IR after size binding and checks")),
      cl::cat(category));
  cl::list<std::string> defines("D", cl::Prefix, cl::desc("Bind a size parameter: -D name=value"),
                                cl::value_desc("name=value"), cl::cat(category));
  cl::opt<std::string> target("target", cl::desc("Target machine: trn1 or trn2"),
                              cl::init(std::string(nk::kDefaultTarget)), cl::cat(category));
  cl::HideUnrelatedOptions(category);
  if (!cl::ParseCommandLineOptions(argc, argv, "nkc: the NeuronCore tile kernel compiler\n"))
    return 2;
  return nk::run_emit(emit, input, defines, target, llvm::outs(), llvm::errs());
}
