// The front end's pipeline: lex -> parse -> sema -> outputs written ->
// verify (frontend.h).
#include "compiler/frontend/frontend.h"
#include "compiler/frontend/check_outputs.h"
#include "compiler/frontend/parser.h"
#include "compiler/frontend/sema_impl.h"

namespace nk {

llvm::Expected<tir::Module> lower_ast_to_tir(const fe::Kernel &kernel, const std::map<std::string, int64_t> &defines,
                                             const Target &target, DiagnosticEngine &diags, llvm::StringRef file_name,
                                             size_t max_ops) {
  tir::Module m;
  fe::Sema sema(kernel, defines, target, diags, file_name, max_ops);
  if (!sema.run(m) || !check_outputs_written(m, diags))
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "%u error(s) generated", diags.num_errors());
  std::string problem = tir::verify_module(m, target);
  if (!problem.empty())
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "internal error: Tile IR verifier: %s",
                                   problem.c_str());
  return m;
}

llvm::Expected<tir::Module> build_tile_ir(llvm::SourceMgr &sm, unsigned buffer,
                                          const std::map<std::string, int64_t> &defines, const Target &target,
                                          DiagnosticEngine &diags, size_t max_ops) {
  auto tokens = fe::lex(diags, buffer);
  auto kernel = fe::parse_kernel(diags, tokens);
  if (!kernel || diags.has_errors())
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "%u error(s) generated", diags.num_errors());
  return lower_ast_to_tir(*kernel, defines, target, diags, sm.getMemoryBuffer(buffer)->getBufferIdentifier(), max_ops);
}

llvm::Expected<std::pair<std::string, int64_t>> parse_define(llvm::StringRef text) {
  auto [name, value] = text.split('=');
  name = name.trim();
  value = value.trim();
  auto bad = [&](const char *why) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "-D %s: %s", text.str().c_str(), why);
  };
  if (!text.contains('=')) return bad("expected NAME=VALUE");
  if (name.empty() || !(isalpha(uint8_t(name[0])) || name[0] == '_')) return bad("expected a size name before '='");
  for (char c : name)
    if (!isalnum(uint8_t(c)) && c != '_') return bad("a size name has letters, digits and '_' only");
  int64_t v;
  if (value.getAsInteger(10, v)) return bad("the value must be a decimal integer that fits in 64 bits");
  return std::make_pair(name.str(), v);
}

} // namespace nk
