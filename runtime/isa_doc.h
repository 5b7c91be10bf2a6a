// Renders the ISA table as the Markdown reference embedded in docs/isa.md
// (a lit test keeps the two identical).
#pragma once

#include "llvm/Support/raw_ostream.h"

namespace nk {
void describe_isa_markdown(llvm::raw_ostream &os);
}
