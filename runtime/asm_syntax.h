// The line-oriented text syntax shared by the assembler (asm_parser.cpp) and
// the LIR parser (compiler/lir/parse.cpp): a line lexer, clang-style
// diagnostics through llvm::SourceMgr, and the ISA-table-driven parsing of
// access patterns, attributes, `!loc(...)` and an instruction's `name=value`
// fields. Everything about an instruction's fields comes from the table
// (runtime/isa.def): a new instruction or attribute needs no change here.
//
// Assumes: one statement per line; `#` starts a comment.
// Guarantees: every problem is reported as FILE:LINE:COL: error: ... with
// the source line and a caret (collected in diag_text()); a failing
// statement throws ParseError, which for_each_line catches, so one run
// reports every bad line (up to 50).
#pragma once

#include "runtime/program.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "runtime/diagnostics.h"

#include "llvm/Support/SourceMgr.h"

#include <string>

namespace nk::asm_syntax {

enum class Tok { Ident, Number, String, Punct, End };

struct Token {
  Tok kind = Tok::End;
  llvm::StringRef text; // for String: the raw text including quotes
};

class LineLexer {
public:
  explicit LineLexer(llvm::StringRef line) : s(line) {}
  Token next();
  llvm::StringRef s;
  size_t pos = 0;
};

struct ParseError {};

class LineParser {
public:
  LineParser(llvm::StringRef text, llvm::StringRef filename);
  unsigned errors() const { return diags_.num_errors(); }
  const std::string &diag_text() const { return diag_text_; }

protected:
  llvm::SourceMgr sm;
  LineLexer lex{""};
  Token tok;

  // Calls fn(line) for each line of the text, stopping after 50 errors.
  void for_each_line(llvm::function_ref<void(llvm::StringRef)> fn);

  // ---- diagnostics ----
  [[noreturn]] void fail(llvm::StringRef at, const llvm::Twine &msg);
  void report(llvm::StringRef at, const llvm::Twine &msg);
  void error_at_end(const llvm::Twine &msg);
  void note_at_end(const llvm::Twine &msg);
  // Where the current token is (the end of the line when there is none).
  llvm::StringRef here() const { return tok.text.empty() ? lex.s.substr(lex.s.size()) : tok.text; }

  // ---- tokens ----
  void advance() { tok = lex.next(); }
  bool is_punct(char c) const { return tok.kind == Tok::Punct && tok.text[0] == c; }
  void expect_punct(char c, const char *what);
  llvm::StringRef expect_ident(const char *what);
  int64_t parse_int(const char *what, int64_t lo, int64_t hi);
  uint64_t parse_u64(const char *what);
  float parse_float_value();
  std::string parse_quoted(const char *what);
  void expect_end();

  // ---- ISA syntax ----
  // `NAME DTYPE[d0,d1,...] @OFFSET KIND` (a tensor declaration after its
  // directive); `existing` are the tensors declared so far (a name twice is
  // an error).
  TensorDecl parse_tensor_decl(const std::vector<TensorDecl> &existing);
  // `mem:dtype[p0:p1]+offset[[stride,count],...]` (no partitions for hbm).
  AccessPattern parse_access_pattern();
  // The same after the memory, which the caller has set in `a.mem`: from
  // the ':' on.
  void parse_pattern_after_memory(AccessPattern &a);
  // The attribute whose (first) slot is attrs[slot], as the table says.
  void parse_attr(const AttrFieldInfo &f, std::array<AttrValue, kMaxAttrs> &attrs, unsigned slot);
  // `(FILE:LINE:COL)` after `!loc`; FILE is 0 or at most num_files (the
  // files `file_directive` declares).
  void parse_loc_body(DebugLoc &loc, size_t num_files, const char *file_directive);
  // The rest of an instruction line after its name (`name` is that token):
  // `field=value` pairs in any order, each at most once, then `!loc(...)`
  // or another `!NAME(...)` extension, which `extension` parses (it returns
  // false for a name it does not know). Access patterns are parsed by
  // `operand(slot)`; attributes by the table. Required fields are checked.
  void parse_fields(Instruction &inst, llvm::StringRef name, size_t num_files, const char *file_directive,
                    llvm::function_ref<void(unsigned slot)> operand,
                    llvm::function_ref<bool(llvm::StringRef ext)> extension);

private:
  // Rendered by the same engine as the front end's diagnostics, into a
  // string the caller returns as RenderedDiagnostics.
  std::string diag_text_;
  llvm::raw_string_ostream diag_os_{diag_text_};
  DiagnosticEngine diags_{sm, diag_os_};
};

} // namespace nk::asm_syntax
