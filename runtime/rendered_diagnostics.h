// RenderedDiagnostics: an llvm::Error whose text is already rendered as
// compiler diagnostics (FILE:LINE:COL: error: ..., the source line, a caret,
// notes). The assembler, the lowering and the Python tracer produce it; the
// drivers print it as it is, where any other error gets their one-line
// "tool: error: ..." form. The type says so, not the message's wording.
#pragma once

#include "llvm/Support/Error.h"

#include <optional>
#include <string>

namespace nk {

class RenderedDiagnostics : public llvm::ErrorInfo<RenderedDiagnostics> {
public:
  static char ID;
  explicit RenderedDiagnostics(std::string text) : text_(std::move(text)) {}
  void log(llvm::raw_ostream &os) const override { os << text_; }
  std::error_code convertToErrorCode() const override { return llvm::inconvertibleErrorCode(); }
  const std::string &text() const { return text_; }

private:
  std::string text_;
};

inline llvm::Error rendered_diagnostics(std::string text) {
  return llvm::make_error<RenderedDiagnostics>(std::move(text));
}

// The rendered text when `e` holds RenderedDiagnostics (then `e` is
// consumed); otherwise nullopt and `e` is left as it was.
std::optional<std::string> take_rendered(llvm::Error &e);

} // namespace nk
