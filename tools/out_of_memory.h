// Host memory exhaustion as an error, not an abort. llvm::InitLLVM installs
// a new-handler that prints "LLVM ERROR: out of memory" and aborts (exit
// 134), which a script cannot tell from a crash. The drivers instead let
// operator new throw std::bad_alloc and catch it at the top: the stack
// unwinds (so staged output files are discarded, runtime/output_files.h),
// the message names the cause, and the exit status is 2 like any error that
// is not a --check mismatch. LLVM's own allocation failures (safe_malloc)
// cannot unwind; their handler removes the files registered for removal on
// signals (staged outputs are) and exits 2.
#pragma once

#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/Signals.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <new>

namespace nk {

// Call after llvm::InitLLVM.
inline void report_out_of_memory_as_error(const char *tool) {
  static const char *tool_name = tool;
  std::set_new_handler(nullptr);
  llvm::remove_bad_alloc_error_handler();
  llvm::install_bad_alloc_error_handler(
      [](void *, const char *reason, bool) {
        llvm::WithColor::error(llvm::errs(), tool_name)
            << "out of host memory (" << reason << "); a smaller size may fit\n";
        llvm::sys::RunInterruptHandlers();
        std::_Exit(2);
      },
      nullptr);
}

// Runs `body`; a std::bad_alloc becomes an error message and exit status 2.
template <typename Body>
int exit_status_of(const char *tool, Body &&body) {
  try {
    return body();
  } catch (const std::bad_alloc &) {
    llvm::WithColor::error(llvm::errs(), tool)
        << "out of host memory: the run needs more memory than this machine can allocate; a smaller "
           "size may fit\n";
    return 2;
  }
}

} // namespace nk
