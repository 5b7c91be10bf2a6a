// A one-line progress display on stderr for long compiles, runs and sweeps.
//
// Assumes: called from one thread. Guarantees: prints only when stderr is a
// terminal (and TERM is not "dumb"), the caller did not ask for quiet, and
// the work has run for more than a second (NK_PROGRESS_AFTER_MS overrides
// the delay, for tests); at most 10 updates a second; the line is erased by
// finish() (and by the destructor), so nothing is left in the output. Output
// that is not a terminal (a log, a pipe, ctest) never sees it.
#pragma once

#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cstdlib>
#include <string>

namespace nk {

class ProgressLine {
public:
  explicit ProgressLine(bool quiet) : start_(Clock::now()), last_(start_) {
    const char *term = std::getenv("TERM");
    enabled_ = !quiet && llvm::sys::Process::StandardErrIsDisplayed() && !(term && std::string(term) == "dumb");
    if (const char *ms = std::getenv("NK_PROGRESS_AFTER_MS")) after_ = std::chrono::milliseconds(std::atoll(ms));
  }
  ProgressLine(const ProgressLine &) = delete;
  ProgressLine &operator=(const ProgressLine &) = delete;
  ~ProgressLine() { finish(); }

  // Shows `text` (replacing the previous one) if the display is due.
  void update(const std::string &text) {
    if (!enabled_) return;
    const auto now = Clock::now();
    if (now - start_ < after_ || (shown_ && now - last_ < std::chrono::milliseconds(100))) return;
    last_ = now;
    shown_ = true;
    llvm::errs() << "\r\x1b[K" << text;
    llvm::errs().flush();
  }
  // Erases the line, if one is shown.
  void finish() {
    if (!shown_) return;
    llvm::errs() << "\r\x1b[K";
    llvm::errs().flush();
    shown_ = false;
  }

private:
  using Clock = std::chrono::steady_clock;
  Clock::time_point start_, last_;
  std::chrono::milliseconds after_{1000};
  bool enabled_ = false;
  bool shown_ = false;
};

} // namespace nk
