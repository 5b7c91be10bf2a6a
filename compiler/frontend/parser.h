// Recursive-descent parser: tokens -> AST (ast.h).
// Assumes: tokens come from lex() (layout tokens present, EOF last).
// Guarantees: syntax errors are diagnostics with the offending token's range;
// after an error the parser skips to the next line and goes on, so several
// independent errors are reported in one run; nesting deeper than
// kMaxNesting (expressions or blocks) is a diagnostic, never a stack
// overflow. Returns null only when no kernel header could be parsed.
#pragma once

#include "compiler/frontend/ast.h"
#include "compiler/frontend/lexer.h"

namespace nk::fe {

constexpr unsigned kMaxNesting = 200;

std::unique_ptr<Kernel> parse_kernel(DiagnosticEngine &diags, const std::vector<Token> &tokens);

} // namespace nk::fe
