// The LIR parser: reads the text print_program (lir.h) writes, at any stage
// of the back end (after legalize, elide-memsets, schedule,
// assign-dma-queues, allocate-memory or insert-semaphores), so that each
// back-end pass can be run alone on a file (`nkc FILE.lir --run-pass=PASS`)
// and tested on a small hand-written input. Grammar: docs/tile-ir.md, "LIR
// text".
//
// Assumes: nothing of the text (any bytes may be given).
// Guarantees: on success, a Program that print_program writes back byte for
// byte as it was read when the text is print_program's output (the round
// trip holds at every pass boundary: tests/unit/test_lir_parse.cpp), that
// names a known target, and that passes lir::verify_program at the stage
// the text shows (reached_stage), and whose compute instructions are each
// legal on some engine of their set by the runtime verifier's operand
// rules (legal_engines; legalize guarantees it, and the scheduler and its
// cost model rely on it). Otherwise a RenderedDiagnostics error:
// FILE:LINE:COL: error: ... with the line and a caret, for every bad line
// (a problem the verifier finds points at the instruction's or buffer's
// line). Instruction fields are the ISA table's (runtime/isa.def), parsed
// by the assembler's shared syntax (runtime/asm_syntax.h): a new
// instruction or attribute needs no change here.
#pragma once

#include "compiler/lir/lir.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace nk::lir {

llvm::Expected<Program> parse_program(llvm::StringRef text, llvm::StringRef filename);

} // namespace nk::lir
