// See rendered_diagnostics.h.
#include "runtime/rendered_diagnostics.h"

namespace nk {

char RenderedDiagnostics::ID = 0;

std::optional<std::string> take_rendered(llvm::Error &e) {
  if (!e.isA<RenderedDiagnostics>()) return std::nullopt;
  std::optional<std::string> text;
  llvm::handleAllErrors(std::move(e), [&](const RenderedDiagnostics &d) { text = d.text(); });
  e = llvm::Error::success();
  return text;
}

} // namespace nk
