// Prints a Program as text assembly (format in docs/isa.md). The output is
// canonical: parse_assembly() of it gives back an identical Program, and
// printing that again gives identical text.
#pragma once

#include "runtime/program.h"

#include "llvm/Support/raw_ostream.h"

#include <string>

namespace nk {

void print_program(llvm::raw_ostream &os, const Program &p);
void print_instruction(llvm::raw_ostream &os, const Instruction &inst);
// Just the non-default attributes, each as " name=value".
void print_attributes(llvm::raw_ostream &os, const Instruction &inst);
std::string format_access_pattern(const AccessPattern &a);
std::string format_instruction(const Instruction &inst);
// A string in double quotes, with \" \\ and \n escaped (as .file writes it).
void print_quoted(llvm::raw_ostream &os, llvm::StringRef s);
// A tensor declaration after its directive: `NAME DTYPE[d0,...] @OFFSET KIND`.
void print_tensor_decl(llvm::raw_ostream &os, const TensorDecl &t);
// A float attribute as the assembly writes it (round-trips exactly).
std::string format_float(float f);

} // namespace nk
