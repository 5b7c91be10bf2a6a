// Parses text assembly (format in docs/isa.md) into a Program. Errors are
// reported clang-style through llvm::SourceMgr (FILE:LINE:COL: error: ...,
// the line and a caret); all errors of the text are collected into the
// returned llvm::Error, whose message is the rendered diagnostics.
#pragma once

#include "runtime/program.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace nk {

llvm::Expected<Program> parse_assembly(llvm::StringRef text, llvm::StringRef filename);

} // namespace nk
