// The front end's public entry points: source buffer -> tokens -> AST ->
// Tile IR. The lowering (next stage) calls build_tile_ir; nkc's --emit
// stages call the others.
#pragma once

#include "compiler/frontend/ast.h"
#include "runtime/diagnostics.h"
#include "compiler/frontend/lexer.h"
#include "compiler/tir/tir.h"
#include "runtime/target.h"

#include "llvm/Support/Error.h"

#include <map>
#include <string>

namespace nk {

// Parses, binds sizes (`defines` override defaults), type-checks and builds
// the Tile IR of the kernel in `buffer`. Every problem is reported through
// `diags` (all of them, not just the first); on any error the result is an
// llvm::Error saying how many errors were reported. The returned module has
// passed tir::verify_module.
// `max_ops` caps the ops static unrolling may create (an error past it);
// the tools use the default (docs/language.md), the fuzzers a smaller one.
constexpr size_t kDefaultMaxTirOps = 200'000;
llvm::Expected<tir::Module> build_tile_ir(llvm::SourceMgr &sm, unsigned buffer,
                                          const std::map<std::string, int64_t> &defines, const Target &target,
                                          DiagnosticEngine &diags, size_t max_ops = kDefaultMaxTirOps);

// Sema alone, for callers that already hold the AST.
llvm::Expected<tir::Module> lower_ast_to_tir(const fe::Kernel &kernel, const std::map<std::string, int64_t> &defines,
                                             const Target &target, DiagnosticEngine &diags, llvm::StringRef file_name,
                                             size_t max_ops = kDefaultMaxTirOps);

// Parses `-D name=value` text (value: a decimal integer, optional sign).
llvm::Expected<std::pair<std::string, int64_t>> parse_define(llvm::StringRef text);

} // namespace nk
