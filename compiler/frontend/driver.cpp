// nkc --emit=tokens|ast|tir: read, run the front end to a stage, print it.
#include "compiler/frontend/driver.h"
#include "compiler/frontend/frontend.h"
#include "compiler/frontend/parser.h"

#include "llvm/Support/MemoryBuffer.h"

namespace nk {

int run_emit(EmitStage stage, llvm::StringRef path, const std::vector<std::string> &define_flags,
             llvm::StringRef target_name, llvm::raw_ostream &out, llvm::raw_ostream &err) {
  const Target *target = find_target(std::string_view(target_name.data(), target_name.size()));
  if (!target) {
    err << "error: unknown target '" << target_name << "' (expected trn1 or trn2)\n";
    return 2;
  }
  std::map<std::string, int64_t> defines;
  for (const std::string &d : define_flags) {
    auto parsed = parse_define(d);
    if (!parsed) {
      err << "error: " << llvm::toString(parsed.takeError()) << "\n";
      return 2;
    }
    if (!defines.emplace(parsed->first, parsed->second).second) {
      err << "error: -D " << parsed->first << " is given twice\n";
      return 2;
    }
  }
  auto buf = llvm::MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/true);
  if (!buf) {
    err << "error: cannot read '" << path << "': " << buf.getError().message() << "\n";
    return 2;
  }
  llvm::SourceMgr sm;
  unsigned id = sm.AddNewSourceBuffer(std::move(*buf), llvm::SMLoc());
  DiagnosticEngine diags(sm, err);
  auto tokens = fe::lex(diags, id);
  if (stage == EmitStage::tokens) {
    if (diags.has_errors()) return 1;
    fe::print_tokens(out, sm, tokens);
    return 0;
  }
  auto kernel = fe::parse_kernel(diags, tokens);
  if (!kernel || diags.has_errors()) return 1;
  if (stage == EmitStage::ast) {
    fe::print_ast(out, sm, *kernel);
    return 0;
  }
  auto mod = lower_ast_to_tir(*kernel, defines, *target, diags, path);
  if (!mod) {
    std::string msg = llvm::toString(mod.takeError());
    if (!diags.has_errors()) err << "error: " << msg << "\n"; // an internal problem
    return 1;
  }
  tir::print_module(out, *mod);
  return 0;
}

} // namespace nk
