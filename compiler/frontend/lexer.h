// Lexer for .tile sources: characters -> tokens, Python-style layout.
// Assumes: the whole source is one SourceMgr buffer. Guarantees: every token
// carries its source range; indentation becomes INDENT/DEDENT tokens and line
// ends NEWLINE tokens (both suppressed inside (), []); a bad character, a
// literal that does not fit (int64 / finite double), a tab in indentation or
// an inconsistent dedent is a diagnostic, never a crash; the token list
// always ends with EOF after the DEDENTs that close open blocks. Bad input
// yields an `error` token (already reported) so the parser stays quiet.
#pragma once

#include "runtime/diagnostics.h"

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>
#include <vector>

namespace nk::fe {

// clang-format off
#define NK_TOKEN_KINDS(X)                                                    \
  X(eof, "eof") X(error, "error") X(newline, "newline") X(indent, "indent") X(dedent, "dedent") \
  X(identifier, "identifier") X(integer, "integer") X(floating, "float")      \
  X(kw_kernel, "kernel") X(kw_let, "let") X(kw_var, "var") X(kw_for, "for")   \
  X(kw_in, "in") X(kw_if, "if") X(kw_elif, "elif") X(kw_else, "else")         \
  X(kw_requires, "requires") X(kw_and, "and") X(kw_or, "or")                  \
  X(kw_not, "not") X(kw_true, "true") X(kw_false, "false") X(kw_pass, "pass") \
  X(kw_sbuf, "sbuf") X(kw_psum, "psum") X(kw_def, "def") X(kw_return, "return") \
  X(l_paren, "(") X(r_paren, ")") X(l_square, "[") X(r_square, "]")           \
  X(comma, ",") X(colon, ":") X(pipe, "|") X(dot, ".") X(arrow, "->")         \
  X(plus, "+") X(minus, "-") X(star, "*") X(slash, "/")                       \
  X(slash_slash, "//") X(percent, "%") X(equal, "=") X(equal_equal, "==")     \
  X(not_equal, "!=") X(less, "<") X(less_equal, "<=") X(greater, ">")         \
  X(greater_equal, ">=") X(plus_equal, "+=") X(minus_equal, "-=")             \
  X(star_equal, "*=") X(slash_equal, "/=")
// clang-format on

enum class Tok : uint8_t {
#define X(e, s) e,
  NK_TOKEN_KINDS(X)
#undef X
};
llvm::StringRef token_kind_name(Tok k);

struct Token {
  Tok kind = Tok::eof;
  llvm::StringRef text;   // the spelling (empty for layout tokens)
  llvm::SMLoc loc;        // first character
  int64_t int_value = 0;  // integer
  double float_value = 0; // floating

  llvm::SMRange range() const {
    return llvm::SMRange(loc, llvm::SMLoc::getFromPointer(loc.getPointer() + text.size()));
  }
  bool is(Tok k) const { return kind == k; }
};

// Lexes the whole buffer `buffer_id` of the engine's SourceMgr.
std::vector<Token> lex(DiagnosticEngine &diags, unsigned buffer_id);

// One token per line: "LINE:COL kind 'text'" (for --emit=tokens).
void print_tokens(llvm::raw_ostream &os, llvm::SourceMgr &sm, const std::vector<Token> &tokens);

} // namespace nk::fe
