// Recursive-descent parser: tokens -> AST (ast.h).
// Assumes: tokens come from lex() (layout tokens present, EOF last).
// Guarantees: syntax errors are diagnostics with the offending token's range;
// after an error the parser skips to the next line and goes on, so several
// independent errors are reported in one run; nesting deeper than
// kMaxNesting is a diagnostic, never a stack overflow. Nesting counts both
// the parser's recursion and every level of the tree it builds (enclosing
// blocks and elifs plus the expression's depth, Expr::depth), so a long
// left-leaning chain (a + b + ..., x[0][0]...) is refused too and no later
// recursive walk of the AST (sema, print_ast, destructors) can overflow.
// Returns null only when no kernel header could be parsed.
#pragma once

#include "compiler/frontend/ast.h"
#include "compiler/frontend/lexer.h"

namespace nk::fe {

// Real kernels nest fewer than 20 levels. The cap bounds the deepest
// recursion: sema evaluating calls nested to the cap needs under 3 MiB of
// stack under AddressSanitizer (its frames are large: about 25 KiB per
// level) and under 256 KiB in a release build, well inside the default
// 8 MiB. (At the former cap of 200, nested calls needed 5 to 10 MiB under
// AddressSanitizer.)
constexpr unsigned kMaxNesting = 100;

std::unique_ptr<Kernel> parse_kernel(DiagnosticEngine &diags, const std::vector<Token> &tokens);

} // namespace nk::fe
