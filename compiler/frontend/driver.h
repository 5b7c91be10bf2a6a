// nkc's front-end stages as a library call, so tools/nkc.cpp stays a thin
// flag parser: read the file, run the pipeline up to `stage`, print it.
#pragma once

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace nk {

enum class EmitStage { tokens, ast, tir };

// Returns the process exit status: 0 on success, 1 when the source has
// errors (diagnostics on `err`), 2 for bad flags or an unreadable file.
// Nothing is printed on `out` unless the stage succeeded.
int run_emit(EmitStage stage, llvm::StringRef path, const std::vector<std::string> &defines,
             llvm::StringRef target_name, llvm::raw_ostream &out, llvm::raw_ostream &err);

} // namespace nk
