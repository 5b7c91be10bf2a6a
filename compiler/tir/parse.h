// The Tile IR parser: reads the text print_module (tir.h) writes, before or
// after unroll-loops (`nkc --emit=tir`, `--print-after=unroll-loops`), so
// that the middle passes run alone on a file (`nkc FILE.tir
// --run-pass=unroll-loops,legalize`) and are tested on small hand-written
// inputs. Grammar: docs/tile-ir.md, "Tile IR text".
//
// Assumes: nothing of the text (any bytes may be given).
// Guarantees: on success, a Module that print_module writes back byte for
// byte as it was read when the text is print_module's output (the round
// trip holds after sema and after unroll-loops for every kernel:
// tests/unit/test_tir_parse.cpp), that names a known target, and that
// passes tir::verify_module for it. Value ids are the text's (%NAME.ID, %ID;
// tensors take 1, 2, ... in declaration order); ids the text skips are
// unused slots. Otherwise a RenderedDiagnostics error: FILE:LINE:COL: error:
// ... with the line and a caret, for every bad line (a problem the verifier
// finds points at the op's line). Nesting is at most kMaxLoopNesting loops
// deep, so no input makes a recursive walk overflow the stack. isa ops'
// fields are the ISA table's (runtime/isa.def), parsed by the assembler's
// shared syntax (runtime/asm_syntax.h).
#pragma once

#include "compiler/tir/tir.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace nk::tir {

constexpr unsigned kMaxLoopNesting = 100;

llvm::Expected<Module> parse_module(llvm::StringRef text, llvm::StringRef filename);

} // namespace nk::tir
