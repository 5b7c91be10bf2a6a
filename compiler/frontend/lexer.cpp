// Lexer for .tile sources (see lexer.h for the contract).
#include "compiler/frontend/lexer.h"

#include "llvm/ADT/StringSwitch.h"

#include <cerrno>
#include <cstdlib>

namespace nk::fe {

llvm::StringRef token_kind_name(Tok k) {
  switch (k) {
#define X(e, s)                                                                                                        \
  case Tok::e: return s;
    NK_TOKEN_KINDS(X)
#undef X
  }
  return "?";
}

namespace {

// Indentation deeper than this is refused: it bounds the DEDENT bookkeeping
// and, with the parser's depth cap, the recursion on pathological input.
constexpr unsigned kMaxIndentLevels = 64;

class Lexer {
public:
  Lexer(DiagnosticEngine &diags, llvm::StringRef buf) : diags_(diags), buf_(buf) {}

  std::vector<Token> run() {
    cur_ = buf_.begin();
    at_line_start_ = true;
    while (cur_ < buf_.end()) {
      if (at_line_start_ && paren_depth_ == 0) {
        if (!handle_line_start()) continue;
      }
      lex_one();
    }
    if (!tokens_.empty() && !tokens_.back().is(Tok::newline) && !tokens_.back().is(Tok::dedent))
      push(Tok::newline, cur_, 0);
    while (indents_.size() > 1) {
      indents_.pop_back();
      push(Tok::dedent, cur_, 0);
    }
    push(Tok::eof, cur_, 0);
    return std::move(tokens_);
  }

private:
  void push(Tok k, const char *start, size_t len) {
    Token t;
    t.kind = k;
    t.text = llvm::StringRef(start, len);
    t.loc = llvm::SMLoc::getFromPointer(start);
    tokens_.push_back(t);
  }
  llvm::SMLoc loc(const char *p) { return llvm::SMLoc::getFromPointer(p); }

  // Measures indentation at the start of a line; emits INDENT/DEDENT.
  // Returns false when the line was blank or a comment (consumed).
  bool handle_line_start() {
    const char *p = cur_;
    unsigned width = 0;
    while (p < buf_.end() && (*p == ' ' || *p == '\t')) {
      if (*p == '\t') diags_.error(loc(p), "tab in indentation; indent with spaces");
      ++width;
      ++p;
    }
    if (p == buf_.end() || *p == '\n' || *p == '\r' || *p == '#') {
      while (p < buf_.end() && *p != '\n') ++p;
      if (p < buf_.end()) ++p;
      cur_ = p;
      return false;
    }
    at_line_start_ = false;
    cur_ = p;
    if (width > indents_.back()) {
      if (indents_.size() >= kMaxIndentLevels) {
        // Give up on the rest of the file: everything below is deeper still.
        diags_.error(loc(p), "blocks nested too deeply (at most " + llvm::Twine(kMaxIndentLevels) + " levels)");
        push_error(p, 0);
        cur_ = buf_.end();
        return false;
      }
      indents_.push_back(width);
      push(Tok::indent, p, 0);
    } else {
      while (width < indents_.back()) {
        indents_.pop_back();
        push(Tok::dedent, p, 0);
      }
      if (width != indents_.back()) // recover: treat it as the enclosing level
        diags_.error(loc(p), "unindent does not match any outer indentation level");
    }
    return true;
  }

  void lex_one() {
    const char *start = cur_;
    char c = *cur_;
    if (c == ' ' || c == '\t' || c == '\r') {
      ++cur_;
      return;
    }
    if (c == '#') {
      while (cur_ < buf_.end() && *cur_ != '\n') ++cur_;
      return;
    }
    if (c == '\\' && cur_ + 1 < buf_.end() && cur_[1] == '\n') { // line continuation
      cur_ += 2;
      return;
    }
    if (c == '\n') {
      ++cur_;
      // An unclosed bracket would swallow the rest of the file; a line that
      // starts with a statement keyword cannot continue an expression, so
      // end the logical line there and let the parser report the bracket.
      if (paren_depth_ > 0 && next_line_starts_statement()) paren_depth_ = 0;
      if (paren_depth_ == 0) {
        push(Tok::newline, start, 0);
        at_line_start_ = true;
      }
      return;
    }
    if (isalpha(uint8_t(c)) || c == '_') {
      while (cur_ < buf_.end() && (isalnum(uint8_t(*cur_)) || *cur_ == '_')) ++cur_;
      llvm::StringRef word(start, cur_ - start);
      Tok k = llvm::StringSwitch<Tok>(word)
#define KW(e, s) .Case(s, Tok::e)
                  KW(kw_kernel, "kernel") KW(kw_let, "let") KW(kw_var, "var") KW(kw_for, "for") KW(kw_in, "in")
                      KW(kw_if, "if") KW(kw_elif, "elif") KW(kw_else, "else") KW(kw_requires, "requires")
                          KW(kw_and, "and") KW(kw_or, "or") KW(kw_not, "not") KW(kw_true, "true") KW(kw_false, "false")
                              KW(kw_pass, "pass") KW(kw_sbuf, "sbuf") KW(kw_psum, "psum") KW(kw_def, "def")
                                  KW(kw_return, "return")
#undef KW
                                      .Default(Tok::identifier);
      push(k, start, word.size());
      return;
    }
    if (isdigit(uint8_t(c)) || (c == '.' && cur_ + 1 < buf_.end() && isdigit(uint8_t(cur_[1])))) {
      lex_number();
      return;
    }
    auto two = [&](char next) { return cur_ + 1 < buf_.end() && cur_[1] == next; };
    Tok k;
    size_t len = 1;
    switch (c) {
    case '(':
      k = Tok::l_paren;
      ++paren_depth_;
      break;
    case ')':
      k = Tok::r_paren;
      if (paren_depth_) --paren_depth_;
      break;
    case '[':
      k = Tok::l_square;
      ++paren_depth_;
      break;
    case ']':
      k = Tok::r_square;
      if (paren_depth_) --paren_depth_;
      break;
    case ',': k = Tok::comma; break;
    case ':': k = Tok::colon; break;
    case '|': k = Tok::pipe; break;
    case '.': k = Tok::dot; break;
    case '%': k = Tok::percent; break;
    case '+':
      if (two('=')) {
        k = Tok::plus_equal;
        len = 2;
      } else
        k = Tok::plus;
      break;
    case '*':
      if (two('=')) {
        k = Tok::star_equal;
        len = 2;
      } else
        k = Tok::star;
      break;
    case '-':
      if (two('>')) {
        k = Tok::arrow;
        len = 2;
      } else if (two('=')) {
        k = Tok::minus_equal;
        len = 2;
      } else
        k = Tok::minus;
      break;
    case '/':
      if (two('/')) {
        k = Tok::slash_slash;
        len = 2;
      } else if (two('=')) {
        k = Tok::slash_equal;
        len = 2;
      } else
        k = Tok::slash;
      break;
    case '=':
      if (two('=')) {
        k = Tok::equal_equal;
        len = 2;
      } else
        k = Tok::equal;
      break;
    case '<':
      if (two('=')) {
        k = Tok::less_equal;
        len = 2;
      } else
        k = Tok::less;
      break;
    case '>':
      if (two('=')) {
        k = Tok::greater_equal;
        len = 2;
      } else
        k = Tok::greater;
      break;
    case '!':
      if (two('=')) {
        k = Tok::not_equal;
        len = 2;
        break;
      }
      [[fallthrough]];
    default: {
      // Report a run of bad bytes once, not once per byte.
      const char *p = cur_;
      while (p < buf_.end() && !is_plausible(*p)) ++p;
      if (p == cur_) ++p;
      if (uint8_t(c) >= 0x20 && uint8_t(c) < 0x7f)
        diags_.error(loc(start), llvm::Twine("unexpected character '") + llvm::Twine(c) + "'");
      else
        diags_.error(loc(start),
                     "invalid byte in source (0x" + llvm::Twine::utohexstr(uint8_t(c)) + "); .tile sources are ASCII");
      push_error(start, p - start);
      cur_ = p;
      return;
    }
    }
    push(k, start, len);
    cur_ += len;
  }

  bool next_line_starts_statement() const {
    const char *p = cur_;
    while (p < buf_.end() && (*p == ' ' || *p == '\t')) ++p;
    const char *w = p;
    while (p < buf_.end() && (isalpha(uint8_t(*p)) || *p == '_')) ++p;
    llvm::StringRef word(w, p - w);
    return word == "let" || word == "var" || word == "for" || word == "if" || word == "elif" || word == "else" ||
           word == "requires" || word == "kernel" || word == "pass" || word == "def" || word == "return";
  }

  void push_error(const char *start, size_t len) {
    Token t;
    t.kind = Tok::error;
    t.text = llvm::StringRef(start, len);
    t.loc = loc(start);
    tokens_.push_back(t);
  }

  static bool is_plausible(char c) {
    return (uint8_t(c) >= 0x20 && uint8_t(c) < 0x7f) || c == '\n' || c == '\t' || c == '\r';
  }

  void lex_number() {
    const char *start = cur_;
    bool is_float = false;
    while (cur_ < buf_.end() && isdigit(uint8_t(*cur_))) ++cur_;
    if (cur_ < buf_.end() && *cur_ == '.') {
      is_float = true;
      ++cur_;
      while (cur_ < buf_.end() && isdigit(uint8_t(*cur_))) ++cur_;
    }
    if (cur_ < buf_.end() && (*cur_ == 'e' || *cur_ == 'E')) {
      const char *p = cur_ + 1;
      if (p < buf_.end() && (*p == '+' || *p == '-')) ++p;
      if (p < buf_.end() && isdigit(uint8_t(*p))) {
        is_float = true;
        cur_ = p;
        while (cur_ < buf_.end() && isdigit(uint8_t(*cur_))) ++cur_;
      }
    }
    // A letter glued to a number (12abc) is one bad token, not two tokens.
    if (cur_ < buf_.end() && (isalpha(uint8_t(*cur_)) || *cur_ == '_')) {
      while (cur_ < buf_.end() && (isalnum(uint8_t(*cur_)) || *cur_ == '_')) ++cur_;
      diags_.error(llvm::SMRange(loc(start), loc(cur_)), "invalid number literal");
      push_error(start, cur_ - start);
      return;
    }
    llvm::StringRef text(start, cur_ - start);
    Token t;
    t.text = text;
    t.loc = loc(start);
    if (is_float) {
      std::string s = text.str();
      errno = 0;
      double v = std::strtod(s.c_str(), nullptr);
      if (errno == ERANGE && (v > 1.0 || v < -1.0)) {
        diags_.error(t.range(), "floating-point literal is too large");
        v = 0;
      }
      t.kind = Tok::floating;
      t.float_value = v;
    } else {
      uint64_t v = 0;
      bool overflow = false;
      for (char d : text) {
        if (__builtin_mul_overflow(v, uint64_t(10), &v) || __builtin_add_overflow(v, uint64_t(d - '0'), &v))
          overflow = true;
      }
      if (overflow || v > uint64_t(INT64_MAX)) {
        diags_.error(t.range(), "integer literal is too large (the limit is 2^63-1)");
        v = 0;
      }
      t.kind = Tok::integer;
      t.int_value = int64_t(v);
    }
    tokens_.push_back(t);
  }

  DiagnosticEngine &diags_;
  llvm::StringRef buf_;
  const char *cur_ = nullptr;
  bool at_line_start_ = true;
  unsigned paren_depth_ = 0;
  std::vector<unsigned> indents_{0};
  std::vector<Token> tokens_;
};

} // namespace

std::vector<Token> lex(DiagnosticEngine &diags, unsigned buffer_id) {
  llvm::StringRef buf = diags.source_mgr().getMemoryBuffer(buffer_id)->getBuffer();
  return Lexer(diags, buf).run();
}

void print_tokens(llvm::raw_ostream &os, llvm::SourceMgr &sm, const std::vector<Token> &tokens) {
  SourceLines lines(sm);
  for (const Token &t : tokens) {
    auto lc = lines.line_and_column(t.loc);
    os << lc.first << ":" << lc.second << " " << token_kind_name(t.kind);
    if (t.is(Tok::identifier) || t.is(Tok::integer) || t.is(Tok::floating)) os << " '" << t.text << "'";
    os << "\n";
  }
}

} // namespace nk::fe
