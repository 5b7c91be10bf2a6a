// Recursive-descent parser for .tile (grammar in docs/language.md).
#include "compiler/frontend/parser.h"
#include "runtime/dtype.h"

#include <algorithm>

namespace nk::fe {

namespace {

class Parser {
public:
  Parser(DiagnosticEngine &diags, const std::vector<Token> &toks) : diags_(diags), toks_(toks) {}

  // NEWLINE* (def | kernel)* EOF, exactly one kernel; helpers may come
  // before or after it.
  std::unique_ptr<Kernel> parse_file() {
    skip_newlines();
    if (!cur().is(Tok::kw_kernel) && !cur().is(Tok::kw_def)) {
      error_here("expected 'kernel' or 'def' at the start of the file");
      return nullptr;
    }
    std::unique_ptr<Kernel> k;
    std::vector<std::unique_ptr<FuncDef>> defs;
    while (!cur().is(Tok::eof)) {
      failed_line_ = false;
      if (cur().is(Tok::kw_def)) {
        if (auto d = parse_def())
          defs.push_back(std::move(d));
        else
          sync_to_line_end(); // the rest of the header and the body
      } else if (cur().is(Tok::kw_kernel)) {
        if (k) {
          error_here("only one kernel per file is supported");
          break;
        }
        k = parse_kernel_def();
        if (!k) return nullptr;
      } else {
        error_here("unexpected " + describe(cur()) + " at file level (expected 'def' or 'kernel')");
        break;
      }
      skip_newlines();
    }
    if (!k) {
      if (!defs.empty()) diags_.error(defs.front()->name_range, "the file defines helpers but no kernel");
      return nullptr;
    }
    // Duplicate helper names are sema's to report (it knows the built-ins).
    k->defs = std::move(defs);
    return k;
  }

private:
  // ---- token helpers ------------------------------------------------------
  const Token &cur() const { return toks_[pos_]; }
  const Token &peek(unsigned n = 1) const { return toks_[std::min<size_t>(pos_ + n, toks_.size() - 1)]; }
  const Token &advance() {
    const Token &t = toks_[pos_];
    if (pos_ + 1 < toks_.size()) ++pos_;
    return t;
  }
  bool accept(Tok k) {
    if (!cur().is(k)) return false;
    advance();
    return true;
  }
  static std::string describe(const Token &t) {
    switch (t.kind) {
    case Tok::eof: return "end of file";
    case Tok::newline: return "end of line";
    case Tok::indent: return "indentation";
    case Tok::dedent: return "end of block";
    case Tok::identifier: return "identifier '" + t.text.str() + "'";
    case Tok::integer:
    case Tok::floating: return "number '" + t.text.str() + "'";
    default: return "'" + token_kind_name(t.kind).str() + "'";
    }
  }
  void error_here(const llvm::Twine &msg) {
    if (failed_line_) return; // one error per line: the rest is usually fallout
    failed_line_ = true;
    if (cur().is(Tok::error)) return; // the lexer reported it
    diags_.error(cur().range(), msg);
  }
  bool expect(Tok k, llvm::StringRef what) {
    if (accept(k)) return true;
    error_here("expected " + what + ", found " + describe(cur()));
    return false;
  }
  void skip_newlines() {
    while (cur().is(Tok::newline)) advance();
  }
  // Error recovery: drop the rest of the logical line (and any block that
  // hangs off it).
  void sync_to_line_end() {
    int depth = 0;
    while (!cur().is(Tok::eof)) {
      if (cur().is(Tok::indent)) ++depth;
      if (cur().is(Tok::dedent)) {
        if (depth == 0) return;
        --depth;
        advance();
        if (depth == 0) return;
        continue;
      }
      if (cur().is(Tok::newline) && depth == 0) {
        advance();
        if (!cur().is(Tok::indent)) return;
        continue; // the failed line opened a block: skip it too
      }
      advance();
    }
  }
  llvm::SMRange range_from(llvm::SMLoc start) const {
    const Token &prev = toks_[pos_ > 0 ? pos_ - 1 : 0];
    llvm::SMLoc end = prev.range().End;
    if (end.getPointer() < start.getPointer()) end = start;
    return llvm::SMRange(start, end);
  }

  // Nesting is capped twice, with one message (reported once per file):
  // the parser's own recursion (DepthGuard: blocks, elif, parentheses,
  // unary operators, nested calls and subscripts), and the depth of the
  // tree it builds (checked() below), which grows without recursion in the
  // parser's loops (a + b + ..., a and b and ..., x[0][0]...) but not in
  // sema, print_ast or the destructors, which all recurse over the tree.
  void too_deep(llvm::SMRange at) {
    failed_line_ = true;
    if (depth_reported_) return;
    depth_reported_ = true;
    diags_.error(at, "nesting is too deep (more than " + llvm::Twine(kMaxNesting) + " levels)");
  }

  struct DepthGuard {
    Parser &p;
    bool ok;
    explicit DepthGuard(Parser &p) : p(p), ok(++p.depth_ <= kMaxNesting) {
      if (!ok && !p.cur().is(Tok::error)) p.too_deep(p.cur().range());
      if (!ok) p.failed_line_ = true;
    }
    ~DepthGuard() { --p.depth_; }
  };

  // A statement nesting level (a block, an elif): counted with the depth of
  // the expressions inside it.
  struct StmtLevel {
    Parser &p;
    explicit StmtLevel(Parser &p) : p(p) { ++p.stmt_depth_; }
    ~StmtLevel() { --p.stmt_depth_; }
  };

  // Sets e's tree depth from its children; refuses (null, one diagnostic
  // at `at`, the token that made it too deep) a tree that, with the
  // statements around it, is deeper than kMaxNesting.
  ExprPtr checked(ExprPtr e, llvm::SMRange at) {
    unsigned d = 0;
    auto see = [&](const ExprPtr &c) {
      if (c) d = std::max(d, c->depth);
    };
    for (const ExprPtr &a : e->args) see(a);
    for (const Keyword &k : e->keywords) see(k.value);
    see(e->start);
    see(e->stop);
    see(e->step);
    e->depth = d + 1;
    max_depth_ = std::max(max_depth_, stmt_depth_ + e->depth);
    if (stmt_depth_ + e->depth > kMaxNesting) {
      too_deep(at);
      return nullptr;
    }
    return e;
  }

  // ---- kernel header -------------------------------------------------------
  std::unique_ptr<Kernel> parse_kernel_def() {
    auto k = std::make_unique<Kernel>();
    advance(); // kernel
    failed_line_ = false;
    if (!cur().is(Tok::identifier)) {
      error_here("expected the kernel name after 'kernel'");
      return nullptr;
    }
    k->name = cur().text.str();
    k->name_range = cur().range();
    advance();
    if (accept(Tok::l_square)) {
      do {
        if (!cur().is(Tok::identifier)) {
          error_here("expected a size parameter name, found " + describe(cur()));
          return nullptr;
        }
        SizeParam sp;
        sp.name = cur().text.str();
        sp.range = cur().range();
        advance();
        if (accept(Tok::equal)) {
          sp.default_value = parse_expr();
          if (!sp.default_value) return nullptr;
        }
        k->sizes.push_back(std::move(sp));
      } while (accept(Tok::comma));
      if (!expect(Tok::r_square, "',' or ']' after size parameters")) return nullptr;
    }
    if (!expect(Tok::l_paren, "'(' to open the kernel's tensor parameters")) return nullptr;
    if (!cur().is(Tok::r_paren)) {
      do {
        TensorParam tp;
        if (!cur().is(Tok::identifier)) {
          error_here("expected a tensor parameter name, found " + describe(cur()));
          return nullptr;
        }
        tp.name = cur().text.str();
        tp.range = cur().range();
        advance();
        if (!expect(Tok::colon, "':' and a tensor type after the parameter name")) return nullptr;
        if (!parse_tensor_type(tp)) return nullptr;
        k->params.push_back(std::move(tp));
      } while (accept(Tok::comma));
    }
    if (!expect(Tok::r_paren, "',' or ')' after tensor parameters")) return nullptr;
    if (accept(Tok::arrow)) {
      k->result.name = "out";
      k->result.range = cur().range();
      if (!parse_tensor_type(k->result)) return nullptr;
      k->has_result = true;
    }
    if (!expect(Tok::colon, "':' after the kernel signature")) return nullptr;
    if (!parse_block(k->body)) return nullptr;
    return k;
  }

  bool parse_tensor_type(TensorParam &tp) {
    if (!cur().is(Tok::identifier)) {
      error_here("expected a dtype (" + dtype_name_list() + "), found " + describe(cur()));
      return false;
    }
    tp.dtype = cur().text.str();
    tp.dtype_range = cur().range();
    advance();
    if (!expect(Tok::l_square, "'[' and the tensor's shape after its dtype")) return false;
    do {
      auto e = parse_expr();
      if (!e) return false;
      tp.shape.push_back(std::move(e));
    } while (accept(Tok::comma));
    return expect(Tok::r_square, "',' or ']' in the tensor shape");
  }

  // def NAME '(' [NAME ['=' expr] (',' NAME ['=' expr])*] ')' ':' block
  std::unique_ptr<FuncDef> parse_def() {
    llvm::SMLoc start = cur().loc;
    auto d = std::make_unique<FuncDef>();
    advance(); // def
    if (!cur().is(Tok::identifier)) {
      error_here("expected the helper's name after 'def', found " + describe(cur()));
      return nullptr;
    }
    d->name = cur().text.str();
    d->name_range = cur().range();
    advance();
    if (!expect(Tok::l_paren, "'(' and the helper's parameters")) return nullptr;
    if (!cur().is(Tok::r_paren)) {
      do {
        if (!cur().is(Tok::identifier)) {
          error_here("expected a parameter name, found " + describe(cur()));
          return nullptr;
        }
        DefParam p;
        p.name = cur().text.str();
        p.range = cur().range();
        advance();
        for (const DefParam &q : d->params)
          if (q.name == p.name) {
            diags_.error(p.range, "duplicate parameter '" + p.name + "'");
            diags_.note(q.range, "'" + p.name + "' is declared here");
            failed_line_ = true;
            return nullptr;
          }
        if (accept(Tok::equal)) {
          p.default_value = parse_expr();
          if (!p.default_value) return nullptr;
        } else if (!d->params.empty() && d->params.back().default_value) {
          diags_.error(p.range, "parameter '" + p.name + "' needs a default: it follows a parameter with one");
          failed_line_ = true;
          return nullptr;
        }
        d->params.push_back(std::move(p));
      } while (accept(Tok::comma));
    }
    if (!expect(Tok::r_paren, "',' or ')' after the helper's parameters")) return nullptr;
    d->range = range_from(start);
    if (!expect(Tok::colon, "':' after the helper's parameters")) return nullptr;
    in_def_ = true;
    max_depth_ = 0;
    bool ok = parse_block(d->body);
    in_def_ = false;
    d->depth = std::max(max_depth_, 2u);
    if (!ok) return nullptr;
    return d;
  }

  // ---- statements -------------------------------------------------------------
  // NEWLINE INDENT stmt+ DEDENT
  bool parse_block(Block &out) {
    DepthGuard guard(*this);
    if (!guard.ok) return false;
    StmtLevel level(*this);
    if (!cur().is(Tok::newline)) {
      error_here("expected a new line after ':' (statements go on their own indented lines)");
      sync_to_line_end();
    } else {
      advance();
    }
    failed_line_ = false;
    if (!cur().is(Tok::indent)) {
      error_here("expected an indented block");
      return true;
    }
    advance();
    bool after_return = false; // "statement after 'return'" reported
    while (!cur().is(Tok::dedent) && !cur().is(Tok::eof)) {
      failed_line_ = false;
      if (!out.empty() && out.back()->kind == StmtKind::return_ && !after_return) {
        diags_.error(cur().range(), "statement after 'return' is never reached");
        after_return = true; // once per block
      }
      bool is_if = cur().is(Tok::kw_if);
      if (auto s = parse_stmt()) {
        out.push_back(std::move(s));
      } else {
        sync_to_line_end();
        // The elif/else clauses of a failed if belong to it: skip them
        // rather than report each as a statement of its own.
        while (is_if && (cur().is(Tok::kw_elif) || cur().is(Tok::kw_else))) sync_to_line_end();
      }
    }
    accept(Tok::dedent);
    return true;
  }

  bool end_of_stmt() {
    if (accept(Tok::newline)) return true;
    if (cur().is(Tok::dedent) || cur().is(Tok::eof)) return true;
    error_here("expected end of line, found " + describe(cur()));
    return false;
  }

  StmtPtr parse_stmt() {
    llvm::SMLoc start = cur().loc;
    switch (cur().kind) {
    case Tok::kw_let:
    case Tok::kw_var: {
      auto s = std::make_unique<Stmt>(cur().is(Tok::kw_let) ? StmtKind::let : StmtKind::var, cur().range());
      advance();
      if (!cur().is(Tok::identifier)) {
        error_here("expected a name, found " + describe(cur()));
        return nullptr;
      }
      s->name = cur().text.str();
      s->name_range = cur().range();
      advance();
      if (!expect(Tok::equal, "'=' after the name")) return nullptr;
      s->value = parse_expr();
      if (!s->value) return nullptr;
      s->range = range_from(start);
      if (!end_of_stmt()) return nullptr;
      return s;
    }
    case Tok::kw_requires: {
      auto s = std::make_unique<Stmt>(StmtKind::requires_, cur().range());
      advance();
      do {
        auto e = parse_expr();
        if (!e) return nullptr;
        s->conds.push_back(std::move(e));
      } while (accept(Tok::comma));
      s->range = range_from(start);
      if (!end_of_stmt()) return nullptr;
      return s;
    }
    case Tok::kw_pass: {
      auto s = std::make_unique<Stmt>(StmtKind::pass, cur().range());
      advance();
      if (!end_of_stmt()) return nullptr;
      return s;
    }
    case Tok::kw_for: return parse_for();
    case Tok::kw_if: return parse_if();
    case Tok::kw_def: error_here("helpers are defined at file level, not inside a block"); return nullptr;
    case Tok::kw_return: {
      if (!in_def_) {
        error_here("'return' outside a helper: only the body of a 'def' can return");
        return nullptr;
      }
      auto s = std::make_unique<Stmt>(StmtKind::return_, cur().range());
      advance();
      if (!cur().is(Tok::newline) && !cur().is(Tok::dedent) && !cur().is(Tok::eof)) {
        s->value = parse_expr();
        if (!s->value) return nullptr;
      }
      s->range = range_from(start);
      if (!end_of_stmt()) return nullptr;
      return s;
    }
    case Tok::indent: error_here("unexpected indentation"); return nullptr;
    default: break;
    }
    auto e = parse_expr();
    if (!e) return nullptr;
    std::string op;
    switch (cur().kind) {
    case Tok::equal: op = "="; break;
    case Tok::plus_equal: op = "+"; break;
    case Tok::minus_equal: op = "-"; break;
    case Tok::star_equal: op = "*"; break;
    case Tok::slash_equal: op = "/"; break;
    default: break;
    }
    if (op.empty()) {
      auto s = std::make_unique<Stmt>(StmtKind::expr, e->range);
      s->value = std::move(e);
      if (!end_of_stmt()) return nullptr;
      return s;
    }
    auto s = std::make_unique<Stmt>(StmtKind::assign, e->range);
    s->op = op == "=" ? "" : op;
    s->op_range = cur().range();
    advance();
    s->target = std::move(e);
    s->value = parse_expr();
    if (!s->value) return nullptr;
    s->range = range_from(start);
    if (!end_of_stmt()) return nullptr;
    return s;
  }

  StmtPtr parse_for() {
    llvm::SMLoc start = cur().loc;
    auto s = std::make_unique<Stmt>(StmtKind::for_, cur().range());
    advance();
    if (!cur().is(Tok::identifier)) {
      error_here("expected the loop variable after 'for', found " + describe(cur()));
      return nullptr;
    }
    s->name = cur().text.str();
    s->name_range = cur().range();
    advance();
    if (!expect(Tok::kw_in, "'in' after the loop variable")) return nullptr;
    if (!cur().is(Tok::identifier)) {
      error_here("expected parallel(N), sequential(N) or static(N), found " + describe(cur()));
      return nullptr;
    }
    s->op = cur().text.str();
    s->op_range = cur().range();
    advance();
    if (!expect(Tok::l_paren, "'(' and a trip count")) return nullptr;
    s->value = parse_expr();
    if (!s->value) return nullptr;
    if (!expect(Tok::r_paren, "')' after the trip count")) return nullptr;
    s->range = range_from(start);
    if (!expect(Tok::colon, "':' after the loop header")) return nullptr;
    if (!parse_block(s->body)) return nullptr;
    return s;
  }

  StmtPtr parse_if() {
    llvm::SMLoc start = cur().loc;
    auto s = std::make_unique<Stmt>(StmtKind::if_, cur().range());
    advance();
    s->value = parse_expr();
    if (!s->value) return nullptr;
    s->range = range_from(start);
    if (!expect(Tok::colon, "':' after the condition")) return nullptr;
    if (!parse_block(s->body)) return nullptr;
    failed_line_ = false;
    if (cur().is(Tok::kw_elif)) {
      DepthGuard guard(*this);
      if (!guard.ok) return nullptr;
      StmtLevel level(*this);
      auto nested = parse_if(); // 'elif' parses like 'if'
      if (!nested) return nullptr;
      s->else_body.push_back(std::move(nested));
    } else if (accept(Tok::kw_else)) {
      if (!expect(Tok::colon, "':' after 'else'")) return nullptr;
      if (!parse_block(s->else_body)) return nullptr;
    }
    return s;
  }

  // ---- expressions ------------------------------------------------------------
  ExprPtr make_binary(std::string op, ExprPtr lhs, ExprPtr rhs, llvm::SMLoc op_loc) {
    auto e = std::make_unique<Expr>(ExprKind::binary, llvm::SMRange(lhs->range.Start, rhs->range.End));
    e->op_loc = op_loc;
    llvm::SMRange op_range(op_loc, llvm::SMLoc::getFromPointer(op_loc.getPointer() + op.size()));
    e->name = std::move(op);
    e->args.push_back(std::move(lhs));
    e->args.push_back(std::move(rhs));
    return checked(std::move(e), op_range);
  }

  ExprPtr parse_expr() {
    DepthGuard guard(*this);
    if (!guard.ok) return nullptr;
    auto lhs = parse_and();
    while (lhs && cur().is(Tok::kw_or)) {
      llvm::SMLoc op_loc = cur().loc;
      advance();
      auto rhs = parse_and();
      if (!rhs) return nullptr;
      lhs = make_binary("or", std::move(lhs), std::move(rhs), op_loc);
    }
    return lhs;
  }
  ExprPtr parse_and() {
    auto lhs = parse_not();
    while (lhs && cur().is(Tok::kw_and)) {
      llvm::SMLoc op_loc = cur().loc;
      advance();
      auto rhs = parse_not();
      if (!rhs) return nullptr;
      lhs = make_binary("and", std::move(lhs), std::move(rhs), op_loc);
    }
    return lhs;
  }
  ExprPtr parse_not() {
    if (cur().is(Tok::kw_not)) {
      DepthGuard guard(*this);
      if (!guard.ok) return nullptr;
      llvm::SMLoc start = cur().loc;
      advance();
      auto operand = parse_not();
      if (!operand) return nullptr;
      auto e = std::make_unique<Expr>(ExprKind::unary, llvm::SMRange(start, operand->range.End));
      e->name = "not";
      e->args.push_back(std::move(operand));
      return checked(std::move(e), llvm::SMRange(start, start));
    }
    return parse_comparison();
  }
  ExprPtr parse_comparison() {
    auto lhs = parse_arith();
    if (!lhs) return nullptr;
    const char *op = nullptr;
    switch (cur().kind) {
    case Tok::equal_equal: op = "=="; break;
    case Tok::not_equal: op = "!="; break;
    case Tok::less: op = "<"; break;
    case Tok::less_equal: op = "<="; break;
    case Tok::greater: op = ">"; break;
    case Tok::greater_equal: op = ">="; break;
    default: return lhs;
    }
    llvm::SMLoc op_loc = cur().loc;
    advance();
    auto rhs = parse_arith();
    if (!rhs) return nullptr;
    return make_binary(op, std::move(lhs), std::move(rhs), op_loc);
  }
  ExprPtr parse_arith() {
    auto lhs = parse_term();
    while (lhs && (cur().is(Tok::plus) || cur().is(Tok::minus))) {
      std::string op = cur().is(Tok::plus) ? "+" : "-";
      llvm::SMLoc op_loc = cur().loc;
      advance();
      auto rhs = parse_term();
      if (!rhs) return nullptr;
      lhs = make_binary(op, std::move(lhs), std::move(rhs), op_loc);
    }
    return lhs;
  }
  ExprPtr parse_term() {
    auto lhs = parse_unary();
    while (lhs) {
      std::string op;
      switch (cur().kind) {
      case Tok::star: op = "*"; break;
      case Tok::slash: op = "/"; break;
      case Tok::slash_slash: op = "//"; break;
      case Tok::percent: op = "%"; break;
      default: return lhs;
      }
      llvm::SMLoc op_loc = cur().loc;
      advance();
      auto rhs = parse_unary();
      if (!rhs) return nullptr;
      lhs = make_binary(op, std::move(lhs), std::move(rhs), op_loc);
    }
    return lhs;
  }
  ExprPtr parse_unary() {
    if (cur().is(Tok::minus) || cur().is(Tok::plus)) {
      DepthGuard guard(*this);
      if (!guard.ok) return nullptr;
      bool neg = cur().is(Tok::minus);
      llvm::SMLoc start = cur().loc;
      advance();
      auto operand = parse_unary();
      if (!operand) return nullptr;
      if (!neg) return operand;
      auto e = std::make_unique<Expr>(ExprKind::unary, llvm::SMRange(start, operand->range.End));
      e->name = "-";
      e->args.push_back(std::move(operand));
      return checked(std::move(e), llvm::SMRange(start, start));
    }
    return parse_postfix();
  }
  ExprPtr parse_postfix() {
    auto e = parse_primary();
    while (e) {
      llvm::SMLoc start = e->range.Start;
      if (accept(Tok::dot)) {
        if (e->kind != ExprKind::name || e->name != "isa" || !cur().is(Tok::identifier)) {
          error_here("'.' is only used in ISA op names such as isa.nc_matmul");
          return nullptr;
        }
        e->name += "." + cur().text.str();
        advance();
        e->range = range_from(start);
      } else if (cur().is(Tok::l_paren)) {
        llvm::SMRange open = cur().range();
        advance();
        auto call = std::make_unique<Expr>(ExprKind::call, e->range);
        if (e->kind != ExprKind::name) {
          diags_.error(e->range, "only named functions can be called");
          failed_line_ = true;
          return nullptr;
        }
        call->name = e->name;
        if (!parse_call_args(*call)) return nullptr;
        call->range = range_from(start);
        e = checked(std::move(call), open);
      } else if (cur().is(Tok::l_square)) {
        llvm::SMRange open = cur().range();
        advance();
        auto sub = std::make_unique<Expr>(ExprKind::subscript, e->range);
        sub->args.push_back(std::move(e));
        do {
          auto idx = parse_index();
          if (!idx) return nullptr;
          sub->args.push_back(std::move(idx));
        } while (accept(Tok::comma));
        if (!expect(Tok::r_square, "',' or ']' in the subscript")) return nullptr;
        sub->range = range_from(start);
        e = checked(std::move(sub), open);
      } else {
        break;
      }
    }
    return e;
  }
  bool parse_call_args(Expr &call) {
    if (accept(Tok::r_paren)) return true;
    do {
      if (cur().is(Tok::identifier) && peek().is(Tok::equal)) {
        Keyword kw;
        kw.name = cur().text.str();
        kw.range = cur().range();
        advance();
        advance();
        kw.value = parse_expr();
        if (!kw.value) return false;
        call.keywords.push_back(std::move(kw));
      } else {
        if (!call.keywords.empty()) {
          error_here("positional argument after a keyword argument");
          return false;
        }
        auto a = parse_expr();
        if (!a) return false;
        call.args.push_back(std::move(a));
      }
    } while (accept(Tok::comma));
    return expect(Tok::r_paren, "',' or ')' in the argument list");
  }
  // expr | [expr] ':' [['+'] expr] [':' expr]
  ExprPtr parse_index() {
    llvm::SMLoc start = cur().loc;
    ExprPtr first;
    if (!cur().is(Tok::colon)) {
      first = parse_expr();
      if (!first) return nullptr;
      if (!cur().is(Tok::colon)) return first;
    }
    advance(); // ':'
    auto s = std::make_unique<Expr>(ExprKind::slice, llvm::SMRange(start, start));
    s->start = std::move(first);
    if (accept(Tok::plus)) {
      s->plus_len = true;
      s->stop = parse_expr();
      if (!s->stop) return nullptr;
    } else if (!cur().is(Tok::colon) && !cur().is(Tok::comma) && !cur().is(Tok::r_square)) {
      s->stop = parse_expr();
      if (!s->stop) return nullptr;
    }
    if (accept(Tok::colon)) {
      s->step = parse_expr();
      if (!s->step) return nullptr;
    }
    s->range = range_from(start);
    return checked(std::move(s), llvm::SMRange(start, start));
  }
  ExprPtr parse_primary() {
    const Token &t = cur();
    switch (t.kind) {
    case Tok::integer: {
      auto e = std::make_unique<Expr>(ExprKind::integer, t.range());
      e->int_value = t.int_value;
      advance();
      return e;
    }
    case Tok::floating: {
      auto e = std::make_unique<Expr>(ExprKind::floating, t.range());
      e->float_value = t.float_value;
      advance();
      return e;
    }
    case Tok::kw_true:
    case Tok::kw_false: {
      auto e = std::make_unique<Expr>(ExprKind::boolean, t.range());
      e->int_value = t.is(Tok::kw_true);
      advance();
      return e;
    }
    case Tok::identifier: {
      auto e = std::make_unique<Expr>(ExprKind::name, t.range());
      e->name = t.text.str();
      advance();
      return e;
    }
    case Tok::l_paren: {
      advance();
      auto e = parse_expr();
      if (!e) return nullptr;
      if (!expect(Tok::r_paren, "')'")) return nullptr;
      return e;
    }
    case Tok::kw_sbuf:
    case Tok::kw_psum: return parse_tile_type();
    case Tok::l_square: return parse_list();
    default: error_here("expected an expression, found " + describe(t)); return nullptr;
    }
  }
  // '[' [expr (',' expr)* [',']] ']'
  ExprPtr parse_list() {
    llvm::SMLoc start = cur().loc;
    advance(); // '['
    auto e = std::make_unique<Expr>(ExprKind::list, llvm::SMRange(start, start));
    while (!cur().is(Tok::r_square)) {
      auto x = parse_expr();
      if (!x) return nullptr;
      e->args.push_back(std::move(x));
      if (!accept(Tok::comma)) break;
    }
    if (!expect(Tok::r_square, "',' or ']' in the list")) return nullptr;
    e->range = range_from(start);
    return checked(std::move(e), llvm::SMRange(start, start));
  }
  // (sbuf|psum) DTYPE '[' P ['|' F (',' F)*] ']'
  ExprPtr parse_tile_type() {
    llvm::SMLoc start = cur().loc;
    auto e = std::make_unique<Expr>(ExprKind::tile_type, cur().range());
    e->name = cur().text.str();
    advance();
    if (!cur().is(Tok::identifier)) {
      error_here("expected a dtype after '" + e->name + "', found " + describe(cur()));
      return nullptr;
    }
    e->dtype = cur().text.str();
    advance();
    if (!expect(Tok::l_square, "'[' and a tile shape [P | F, ...]")) return nullptr;
    auto p = parse_expr();
    if (!p) return nullptr;
    e->args.push_back(std::move(p));
    if (accept(Tok::pipe)) {
      do {
        auto f = parse_expr();
        if (!f) return nullptr;
        e->args.push_back(std::move(f));
      } while (accept(Tok::comma));
    } else if (cur().is(Tok::comma)) {
      error_here("separate the partition size from the free sizes with '|', as in [P | F]");
      return nullptr;
    }
    if (!expect(Tok::r_square, "']' after the tile shape")) return nullptr;
    e->range = range_from(start);
    return checked(std::move(e), llvm::SMRange(start, start));
  }

  DiagnosticEngine &diags_;
  const std::vector<Token> &toks_;
  size_t pos_ = 0;
  unsigned depth_ = 0;      // parser recursion (DepthGuard)
  unsigned stmt_depth_ = 0; // enclosing blocks and elifs (StmtLevel)
  bool failed_line_ = false;
  bool depth_reported_ = false;
  bool in_def_ = false;    // parsing a helper's body: 'return' is allowed
  unsigned max_depth_ = 0; // deepest nesting seen (FuncDef::depth)
};

} // namespace

std::unique_ptr<Kernel> parse_kernel(DiagnosticEngine &diags, const std::vector<Token> &tokens) {
  return Parser(diags, tokens).parse_file();
}

} // namespace nk::fe
