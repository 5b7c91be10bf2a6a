// AST printing for --emit=ast: one statement per line, children indented,
// expressions in fully parenthesised source form; every statement ends with
// @LINE:COL so golden tests can pin locations.
#include "compiler/frontend/ast.h"
#include "runtime/diagnostics.h"

#include "llvm/Support/Format.h"

namespace nk::fe {

namespace {

void print_float(llvm::raw_ostream &os, double v) {
  char buf[64];
  snprintf(buf, sizeof buf, "%.17g", v);
  std::string s = buf;
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  os << s;
}

void print_index(llvm::raw_ostream &os, const Expr &e) {
  if (e.kind != ExprKind::slice) {
    print_expr(os, e);
    return;
  }
  if (e.start) print_expr(os, *e.start);
  os << ":";
  if (e.plus_len) os << "+";
  if (e.stop) print_expr(os, *e.stop);
  if (e.step) {
    os << ":";
    print_expr(os, *e.step);
  }
}

} // namespace

void print_expr(llvm::raw_ostream &os, const Expr &e) {
  switch (e.kind) {
  case ExprKind::integer: os << e.int_value; break;
  case ExprKind::floating: print_float(os, e.float_value); break;
  case ExprKind::boolean: os << (e.int_value ? "true" : "false"); break;
  case ExprKind::name: os << e.name; break;
  case ExprKind::unary:
    os << "(" << e.name << (e.name == "not" ? " " : "");
    print_expr(os, *e.args[0]);
    os << ")";
    break;
  case ExprKind::binary:
    os << "(";
    print_expr(os, *e.args[0]);
    os << " " << e.name << " ";
    print_expr(os, *e.args[1]);
    os << ")";
    break;
  case ExprKind::call: {
    os << e.name << "(";
    bool first = true;
    for (auto &a : e.args) {
      if (!first) os << ", ";
      first = false;
      print_expr(os, *a);
    }
    for (auto &k : e.keywords) {
      if (!first) os << ", ";
      first = false;
      os << k.name << "=";
      print_expr(os, *k.value);
    }
    os << ")";
    break;
  }
  case ExprKind::subscript:
    print_expr(os, *e.args[0]);
    os << "[";
    for (size_t i = 1; i < e.args.size(); ++i) {
      if (i > 1) os << ", ";
      print_index(os, *e.args[i]);
    }
    os << "]";
    break;
  case ExprKind::slice: print_index(os, e); break;
  case ExprKind::list:
    os << "[";
    for (size_t i = 0; i < e.args.size(); ++i) {
      if (i) os << ", ";
      print_expr(os, *e.args[i]);
    }
    os << "]";
    break;
  case ExprKind::tile_type:
    os << e.name << " " << e.dtype << "[";
    print_expr(os, *e.args[0]);
    for (size_t i = 1; i < e.args.size(); ++i) {
      os << (i == 1 ? " | " : ", ");
      print_expr(os, *e.args[i]);
    }
    os << "]";
    break;
  }
}

namespace {

struct AstPrinter {
  llvm::raw_ostream &os;
  SourceLines lines;

  void at(const Stmt &s) {
    auto lc = lines.line_and_column(s.range.Start);
    os << "  @" << lc.first << ":" << lc.second;
  }

  void indent(unsigned n) { os.indent(n * 2); }

  void block(const Block &b, unsigned depth) {
    for (auto &s : b) stmt(*s, depth);
  }

  void stmt(const Stmt &s, unsigned depth) {
    indent(depth);
    switch (s.kind) {
    case StmtKind::let:
    case StmtKind::var:
      os << (s.kind == StmtKind::let ? "Let " : "Var ") << s.name << " = ";
      print_expr(os, *s.value);
      break;
    case StmtKind::assign:
      os << "Assign ";
      print_expr(os, *s.target);
      os << " " << s.op << "= ";
      print_expr(os, *s.value);
      break;
    case StmtKind::expr:
      os << "Eval ";
      print_expr(os, *s.value);
      break;
    case StmtKind::requires_: {
      os << "Requires ";
      for (size_t i = 0; i < s.conds.size(); ++i) {
        if (i) os << ", ";
        print_expr(os, *s.conds[i]);
      }
      break;
    }
    case StmtKind::for_:
      os << "For " << s.name << " in " << s.op << "(";
      print_expr(os, *s.value);
      os << ")";
      at(s);
      os << "\n";
      block(s.body, depth + 1);
      return;
    case StmtKind::if_:
      os << "If ";
      print_expr(os, *s.value);
      at(s);
      os << "\n";
      block(s.body, depth + 1);
      if (!s.else_body.empty()) {
        indent(depth);
        os << "Else\n";
        block(s.else_body, depth + 1);
      }
      return;
    case StmtKind::pass: os << "Pass"; break;
    case StmtKind::return_:
      os << "Return";
      if (s.value) {
        os << " ";
        print_expr(os, *s.value);
      }
      break;
    }
    at(s);
    os << "\n";
  }
};

void print_tensor(llvm::raw_ostream &os, const TensorParam &t) {
  os << t.name << ": " << t.dtype << "[";
  for (size_t i = 0; i < t.shape.size(); ++i) {
    if (i) os << ", ";
    print_expr(os, *t.shape[i]);
  }
  os << "]";
}

} // namespace

void print_ast(llvm::raw_ostream &os, const llvm::SourceMgr &sm, const Kernel &k) {
  os << "Kernel " << k.name << "\n";
  for (auto &s : k.sizes) {
    os << "  Size " << s.name;
    if (s.default_value) {
      os << " = ";
      print_expr(os, *s.default_value);
    }
    os << "\n";
  }
  for (auto &p : k.params) {
    os << "  Param ";
    print_tensor(os, p);
    os << "\n";
  }
  if (k.has_result) {
    os << "  Result ";
    print_tensor(os, k.result);
    os << "\n";
  }
  os << "  Body\n";
  AstPrinter printer{os, SourceLines(sm)};
  printer.block(k.body, 2);
  for (auto &d : k.defs) {
    os << "Def " << d->name << "(";
    for (size_t i = 0; i < d->params.size(); ++i) {
      if (i) os << ", ";
      os << d->params[i].name;
      if (d->params[i].default_value) {
        os << " = ";
        print_expr(os, *d->params[i].default_value);
      }
    }
    os << ")\n";
    printer.block(d->body, 1);
  }
}

} // namespace nk::fe
