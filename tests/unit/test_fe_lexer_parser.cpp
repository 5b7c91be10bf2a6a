// Unit tests for the .tile lexer and parser: layout tokens, literals and
// their limits, operator precedence, slices, and error recovery.
#include "compiler/frontend/lexer.h"
#include "compiler/frontend/parser.h"

#include "llvm/Support/MemoryBuffer.h"

#include <doctest/doctest.h>

using namespace nk;
using namespace nk::fe;

namespace {

struct Src {
  llvm::SourceMgr sm;
  std::string diag_text;
  llvm::raw_string_ostream diag_os{diag_text};
  DiagnosticEngine diags{sm, diag_os};
  unsigned id;
  explicit Src(llvm::StringRef text) {
    id = sm.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(text, "t.tile"), llvm::SMLoc());
  }
  std::vector<Token> tokens() { return lex(diags, id); }
  std::string diagnostics() { return diag_os.str(); }
};

std::vector<Tok> kinds(const std::vector<Token> &ts) {
  std::vector<Tok> k;
  for (auto &t : ts) k.push_back(t.kind);
  return k;
}

std::string expr_of(const std::string &e) {
  Src s("kernel k() -> f32[1]:\n    let x = " + e + "\n");
  auto ts = s.tokens();
  auto k = parse_kernel(s.diags, ts);
  REQUIRE(k);
  REQUIRE(k->body.size() == 1);
  std::string out;
  llvm::raw_string_ostream os(out);
  print_expr(os, *k->body[0]->value);
  return os.str();
}

} // namespace

TEST_CASE("lexer: indentation becomes INDENT/DEDENT, brackets join lines") {
  Src s("kernel k():\n  if a:\n    b\n\n  # comment\n  c(1,\n 2)\n");
  auto ts = s.tokens();
  CHECK(s.diags.num_errors() == 0);
  std::vector<Tok> want = {Tok::kw_kernel,  Tok::identifier, Tok::l_paren,    Tok::r_paren,    Tok::colon,
                           Tok::newline,    Tok::indent,     Tok::kw_if,      Tok::identifier, Tok::colon,
                           Tok::newline,    Tok::indent,     Tok::identifier, Tok::newline,    Tok::dedent,
                           Tok::identifier, Tok::l_paren,    Tok::integer,    Tok::comma,      Tok::integer,
                           Tok::r_paren,    Tok::newline,    Tok::dedent,     Tok::eof};
  CHECK(kinds(ts) == want);
}

TEST_CASE("lexer: literal values and limits") {
  Src s("9223372036854775807 1.5e3 .25 9223372036854775808 1e999\n");
  auto ts = s.tokens();
  REQUIRE(ts.size() >= 5);
  CHECK(ts[0].int_value == INT64_MAX);
  CHECK(ts[1].float_value == 1500.0);
  CHECK(ts[2].float_value == 0.25);
  CHECK(s.diags.num_errors() == 2);
  CHECK(s.diagnostics().find("integer literal is too large") != std::string::npos);
  CHECK(s.diagnostics().find("floating-point literal is too large") != std::string::npos);
}

TEST_CASE("lexer: embedded NUL and junk bytes are errors, once per run") {
  std::string text = "let x = 1\n";
  text += std::string("\0\x01\xff\xfe", 4);
  text += "\nlet y = 2\n";
  Src s(text);
  auto ts = s.tokens();
  CHECK(s.diags.num_errors() == 1);
  CHECK(ts.back().kind == Tok::eof);
}

TEST_CASE("lexer: error count is capped") {
  // Printable bad characters are one error each; the engine prints the
  // first kMaxErrors and one "too many errors" line.
  Src s(std::string(5000, '$'));
  s.tokens();
  CHECK(s.diags.num_errors() == 5000);
  std::string out = s.diagnostics();
  size_t printed = 0;
  for (size_t at = out.find("error: unexpected character"); at != std::string::npos;
       at = out.find("error: unexpected character", at + 1))
    ++printed;
  CHECK(printed == DiagnosticEngine::kMaxErrors);
  CHECK(out.find("too many errors emitted") != std::string::npos);
}

TEST_CASE("parser: precedence and associativity") {
  CHECK(expr_of("1 + 2 * 3 - 4") == "((1 + (2 * 3)) - 4)");
  CHECK(expr_of("-a * b") == "((-a) * b)");
  CHECK(expr_of("a < b and not c or d") == "(((a < b) and (not c)) or d)");
  CHECK(expr_of("a // b % c") == "((a // b) % c)");
  CHECK(expr_of("f(x, axis=1)[0, :]") == "f(x, axis=1)[0, :]");
  CHECK(expr_of("isa.nc_matmul(dst=psum f32[4 | 8])") == "isa.nc_matmul(dst=psum f32[4 | 8])");
}

TEST_CASE("parser: slice forms") {
  CHECK(expr_of("x[a:b, c:+4, ::2, 3, :]") == "x[a:b, c:+4, ::2, 3, :]");
  CHECK(expr_of("x[t*128 : +128]") == "x[(t * 128):+128]");
}

TEST_CASE("parser: recovers and reports every bad line") {
  Src s(
      "kernel k() -> f32[1]:\n    let = 1\n    let ok = 2\n    let y 3\n    for in x:\n        pass\n    let z = )\n");
  auto ts = s.tokens();
  auto k = parse_kernel(s.diags, ts);
  REQUIRE(k);
  CHECK(s.diags.num_errors() == 4);
  // The good statement survives.
  bool found = false;
  for (auto &st : k->body) found |= st->kind == StmtKind::let && st->name == "ok";
  CHECK(found);
}

TEST_CASE("parser: elif chains nest in else") {
  Src s("kernel k() -> f32[1]:\n    if a:\n        pass\n    elif b:\n        pass\n    else:\n        pass\n");
  auto ts = s.tokens();
  auto k = parse_kernel(s.diags, ts);
  REQUIRE(k);
  CHECK(s.diags.num_errors() == 0);
  REQUIRE(k->body.size() == 1);
  const Stmt &top = *k->body[0];
  REQUIRE(top.else_body.size() == 1);
  CHECK(top.else_body[0]->kind == StmtKind::if_);
  CHECK(top.else_body[0]->else_body.size() == 1);
}

TEST_CASE("SourceLines gives SourceMgr's line and column everywhere, in two buffers") {
  llvm::SourceMgr sm;
  const char *texts[] = {"ab\ncd\r\nef\rgh\n\n  x", "\r\nkernel\n"};
  unsigned ids[2];
  for (int b = 0; b < 2; ++b)
    ids[b] = sm.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(texts[b], "t.tile"), llvm::SMLoc());
  SourceLines lines(sm);
  for (int pass = 0; pass < 2; ++pass) // the second pass finds the buffers indexed
    for (int b = 0; b < 2; ++b) {
      llvm::StringRef buf = sm.getMemoryBuffer(ids[b])->getBuffer();
      for (size_t i = 0; i <= buf.size(); ++i) { // the end too (where EOF is)
        llvm::SMLoc loc = llvm::SMLoc::getFromPointer(buf.data() + i);
        CAPTURE(b);
        CAPTURE(i);
        CHECK(lines.line_and_column(loc) == sm.getLineAndColumn(loc));
      }
    }
}
