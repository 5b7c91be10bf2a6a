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

// `message` (a run's error or warning) with each location in the traced
// source -- `traced_name`:LINE:COL -- pointed at the Python line it came
// from, read from the "# FILE.py:LN" comment the tracer ends every traced
// line with: "PY_PATH:LN, traced line LINE:COL". A location whose line has no
// such comment stays as it is.
std::string point_at_python(llvm::StringRef message, llvm::StringRef traced_name, llvm::StringRef traced_source,
                            llvm::StringRef py_path);

} // namespace nk
