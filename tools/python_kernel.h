// Tracing an NKI kernel file (.py) into .tile source, for `nksim run K.py`.
//
// Assumes: the Python package built next to the tools (build/python, found
// from the executable's directory as ../python, or from $NKC_PYTHONPATH) and
// an interpreter with NumPy ($NKSIM_PYTHON, else /usr/bin/python3).
// Guarantees: the .tile text `python3 -m nkc.nki_sim emit-tile` prints, or an
// Error holding the tracer's own message (FILE.py:LINE: error: ...).
#pragma once

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>

namespace nk {

// `inputs` are the NAME=FILE.npy bindings of the run: the arrays' shapes and
// dtypes are the kernel's. `kernel` may be empty when the file has one
// @nki.jit function.
llvm::Expected<std::string> trace_python_kernel(const char *argv0, llvm::StringRef path, llvm::StringRef kernel,
                                                llvm::ArrayRef<std::string> inputs);

} // namespace nk
