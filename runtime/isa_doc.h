// Renders the ISA table as the Markdown reference embedded in docs/isa.md
// (a lit test keeps the two identical).
#pragma once

#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace nk {
void describe_isa_markdown(llvm::raw_ostream &os);
// The NKI 2.26 coverage table alone (part of describe_isa_markdown).
void describe_nki_coverage(llvm::raw_ostream &os);
// How many NKI 2.26 instructions have `status` (modelled | partly | absent).
unsigned nki_coverage_count(const char *status);
// Our opcodes the coverage table names, for a test that they exist.
std::vector<std::string> nki_coverage_opcodes();
} // namespace nk
