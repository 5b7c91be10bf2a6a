// DiagnosticEngine: the one place source diagnostics are reported, by the
// front end and by the text parsers (assembly, LIR: runtime/asm_syntax.h).
// Assumes: every location is an SMLoc/SMRange inside a buffer of the given
// llvm::SourceMgr. Guarantees: messages print as clang does
// (FILE:LINE:COL: error: ..., the source line, a caret/range); errors are
// counted so callers can stop after a stage; after kMaxErrors errors further
// ones are dropped (one "too many errors" line) so junk input cannot flood.
#pragma once

#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace nk {

// Line and column of a location, exactly as llvm::SourceMgr::getLineAndColumn
// computes them (columns restart after '\n' or '\r'), in O(log n) per call:
// getLineAndColumn scans back to the start of the line every time, which
// made printing the tokens of one long line quadratic. Indexes each buffer
// once, on first use.
class SourceLines {
public:
  explicit SourceLines(const llvm::SourceMgr &sm) : sm_(sm) {}
  // loc must lie in a buffer of the SourceMgr.
  std::pair<unsigned, unsigned> line_and_column(llvm::SMLoc loc);

private:
  struct Index {
    const char *begin = nullptr, *end = nullptr;
    std::vector<size_t> newlines; // offsets of '\n'
    std::vector<size_t> breaks;   // offsets of '\n' and '\r'
  };
  const llvm::SourceMgr &sm_;
  std::map<unsigned, Index> buffers_; // by buffer id
  Index *last_ = nullptr;
};

class DiagnosticEngine {
public:
  static constexpr unsigned kMaxErrors = 50;

  explicit DiagnosticEngine(llvm::SourceMgr &sm, llvm::raw_ostream &os = llvm::errs()) : sm_(sm), os_(os) {}

  void error(llvm::SMRange range, const llvm::Twine &msg);
  void error(llvm::SMLoc loc, const llvm::Twine &msg) { error(llvm::SMRange(loc, loc), msg); }
  // A note attaches to the last error (dropped when that error was dropped).
  void note(llvm::SMRange range, const llvm::Twine &msg);
  void note(llvm::SMLoc loc, const llvm::Twine &msg) { note(llvm::SMRange(loc, loc), msg); }
  // An error without a source location (e.g. a bad -D flag).
  void error_no_loc(const llvm::Twine &msg);
  // An error or note about the main source file as a whole ("FILE: error:
  // ...", no line): something missing from it, such as a required header.
  void error_in_file(const llvm::Twine &msg);
  void note_in_file(const llvm::Twine &msg);

  // Context notes, as clang's "in instantiation of" notes: while a context
  // is pushed (sema inlining a helper call), every error is followed, after
  // its own notes, by one note per context, innermost first ("in call to
  // 'f' here" at each call site). pop_context prints what the last error
  // still owes.
  void push_context(llvm::SMRange range, std::string msg);
  void pop_context();

  // Line and column of `loc` (see SourceLines).
  std::pair<unsigned, unsigned> line_and_column(llvm::SMLoc loc) { return lines_.line_and_column(loc); }

  unsigned num_errors() const { return errors_; }
  bool has_errors() const { return errors_ > 0; }
  // Past kMaxErrors: nothing more will be shown, so further checking is
  // wasted work (a static loop stops unrolling).
  bool stopped() const { return dropping_; }
  llvm::SourceMgr &source_mgr() { return sm_; }

private:
  void print(llvm::SMRange range, llvm::SourceMgr::DiagKind kind, const llvm::Twine &msg);
  void flush_context();

  std::vector<std::pair<llvm::SMRange, std::string>> context_; // outermost first
  std::vector<std::pair<llvm::SMRange, std::string>> owed_;    // the last error's, innermost first

  llvm::SourceMgr &sm_;
  llvm::raw_ostream &os_;
  SourceLines lines_{sm_};
  unsigned errors_ = 0;
  bool dropping_ = false;
};

} // namespace nk
