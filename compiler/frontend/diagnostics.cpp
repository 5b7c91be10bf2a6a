// DiagnosticEngine: clang-style messages through llvm::SourceMgr.
#include "compiler/frontend/diagnostics.h"

namespace nk {

void DiagnosticEngine::print(llvm::SMRange range, llvm::SourceMgr::DiagKind kind,
                             const llvm::Twine &msg) {
  llvm::SmallVector<llvm::SMRange, 1> ranges;
  // A one-character range shows just the caret; longer ones get tildes.
  if (range.Start.isValid() && range.End.isValid() &&
      range.End.getPointer() > range.Start.getPointer() + 1)
    ranges.push_back(range);
  sm_.PrintMessage(os_, range.Start, kind, msg, ranges);
}

void DiagnosticEngine::error(llvm::SMRange range, const llvm::Twine &msg) {
  ++errors_;
  if (errors_ > kMaxErrors) {
    if (!dropping_)
      os_ << "error: too many errors emitted, stopping now\n";
    dropping_ = true;
    return;
  }
  print(range, llvm::SourceMgr::DK_Error, msg);
}

void DiagnosticEngine::note(llvm::SMRange range, const llvm::Twine &msg) {
  if (dropping_) return;
  print(range, llvm::SourceMgr::DK_Note, msg);
}

void DiagnosticEngine::error_no_loc(const llvm::Twine &msg) {
  ++errors_;
  if (errors_ > kMaxErrors) return;
  os_ << "error: " << msg << "\n";
}

} // namespace nk
