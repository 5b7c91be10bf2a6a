// DiagnosticEngine: clang-style messages through llvm::SourceMgr.
#include "runtime/diagnostics.h"

#include <algorithm>

namespace nk {

std::pair<unsigned, unsigned> SourceLines::line_and_column(llvm::SMLoc loc) {
  const char *p = loc.getPointer();
  if (!last_ || p < last_->begin || p > last_->end) {
    unsigned id = sm_.FindBufferContainingLoc(loc);
    auto [it, fresh] = buffers_.try_emplace(id);
    last_ = &it->second;
    if (fresh) {
      llvm::StringRef buf = sm_.getMemoryBuffer(id)->getBuffer();
      last_->begin = buf.begin();
      last_->end = buf.end();
      for (size_t i = 0; i < buf.size(); ++i) {
        if (buf[i] == '\n') last_->newlines.push_back(i);
        if (buf[i] == '\n' || buf[i] == '\r') last_->breaks.push_back(i);
      }
    }
  }
  const Index &ix = *last_;
  size_t off = size_t(p - ix.begin);
  // Line: 1 + the '\n's before p. Column: p's distance from the last
  // '\n' or '\r' before it (from one before the buffer if none), as
  // SourceMgr::getLineAndColumn counts.
  size_t line = 1 + size_t(std::lower_bound(ix.newlines.begin(), ix.newlines.end(), off) - ix.newlines.begin());
  auto b = std::lower_bound(ix.breaks.begin(), ix.breaks.end(), off);
  size_t col = b == ix.breaks.begin() ? off + 1 : off - *std::prev(b);
  return {unsigned(line), unsigned(col)};
}

void DiagnosticEngine::print(llvm::SMRange range, llvm::SourceMgr::DiagKind kind, const llvm::Twine &msg) {
  llvm::SmallVector<llvm::SMRange, 1> ranges;
  // A one-character range shows just the caret; longer ones get tildes.
  if (range.Start.isValid() && range.End.isValid() && range.End.getPointer() > range.Start.getPointer() + 1)
    ranges.push_back(range);
  sm_.PrintMessage(os_, range.Start, kind, msg, ranges);
}

void DiagnosticEngine::error(llvm::SMRange range, const llvm::Twine &msg) {
  flush_context();
  ++errors_;
  if (errors_ > kMaxErrors) {
    if (!dropping_) os_ << "error: too many errors emitted, stopping now\n";
    dropping_ = true;
    return;
  }
  print(range, llvm::SourceMgr::DK_Error, msg);
  owed_.assign(context_.rbegin(), context_.rend());
}

void DiagnosticEngine::flush_context() {
  for (auto &[range, msg] : owed_) print(range, llvm::SourceMgr::DK_Note, msg);
  owed_.clear();
}

void DiagnosticEngine::push_context(llvm::SMRange range, std::string msg) {
  context_.emplace_back(range, std::move(msg));
}

void DiagnosticEngine::pop_context() {
  flush_context();
  if (!context_.empty()) context_.pop_back();
}

void DiagnosticEngine::note(llvm::SMRange range, const llvm::Twine &msg) {
  if (dropping_) return;
  print(range, llvm::SourceMgr::DK_Note, msg);
}

void DiagnosticEngine::error_in_file(const llvm::Twine &msg) {
  flush_context();
  ++errors_;
  if (errors_ > kMaxErrors) return;
  os_ << sm_.getMemoryBuffer(sm_.getMainFileID())->getBufferIdentifier() << ": error: " << msg << "\n";
}

void DiagnosticEngine::note_in_file(const llvm::Twine &msg) {
  if (dropping_) return;
  os_ << sm_.getMemoryBuffer(sm_.getMainFileID())->getBufferIdentifier() << ": note: " << msg << "\n";
}

void DiagnosticEngine::error_no_loc(const llvm::Twine &msg) {
  flush_context();
  ++errors_;
  if (errors_ > kMaxErrors) return;
  os_ << "error: " << msg << "\n";
}

} // namespace nk
