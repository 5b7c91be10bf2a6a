// The .tile abstract syntax tree: plain data produced by the parser and
// consumed by sema. Assumes nothing about meaning (names are unresolved,
// shapes unevaluated). Guarantees: every node has a source range; children
// are owned (unique_ptr); print_ast gives a stable, indented dump.
#pragma once

#include "llvm/Support/SMLoc.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace nk::fe {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

enum class ExprKind : uint8_t {
  integer,   // int_value
  floating,  // float_value
  boolean,   // int_value (0/1)
  name,      // name
  unary,     // op ("-", "not"), args[0]
  binary,    // op ("+", "-", "*", "/", "//", "%", "==", ..., "and", "or"), args[0..1]
  call,      // callee (name, possibly "isa.nc_matmul"), args, keywords
  subscript, // args[0] = base, args[1..] = indices (each an expression or a slice)
  slice,     // start:stop:step or start:+len; absent parts are null
  tile_type, // memory name ("sbuf"/"psum"), dtype name, args = [partition, free...]
  list,      // [a, b, ...]: args (only as the value of a list attribute, e.g. shuffle_mask)
};

struct Keyword {
  std::string name;
  llvm::SMRange range; // of the name
  ExprPtr value;
};

struct Expr {
  ExprKind kind;
  llvm::SMRange range;
  llvm::SMLoc op_loc; // binary: the operator (where the op happens)
  int64_t int_value = 0;
  double float_value = 0;
  std::string name;  // name, callee, operator, tile_type memory
  std::string dtype; // tile_type dtype
  std::vector<ExprPtr> args;
  std::vector<Keyword> keywords;
  // slice: start, stop, step (any may be null); plus_len marks start:+len.
  ExprPtr start, stop, step;
  bool plus_len = false;
  // Levels of the tree this node roots (1 for a leaf), set by the parser,
  // which refuses trees deeper than kMaxNesting (parser.h): every recursive
  // walk of an expression (sema, print_expr, the destructor) is that deep.
  unsigned depth = 1;

  Expr(ExprKind k, llvm::SMRange r) : kind(k), range(r) {}
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Block = std::vector<StmtPtr>;

enum class StmtKind : uint8_t {
  let,       // let name = value
  var,       // var name = value
  assign,    // target = value; op is "" or "+", "-", "*", "/" for augmented
  expr,      // a call evaluated for its effect (store, isa.* into dst)
  requires_, // requires cond, cond...
  for_,      // for name in loop_kind(count): body
  if_,       // if cond: body [else: else_body]  (elif nests an if in else_body)
  pass,
  return_, // return [value] (helpers only; value may be null)
};

struct Stmt {
  StmtKind kind;
  llvm::SMRange range;
  std::string name; // let/var/for variable
  llvm::SMRange name_range;
  std::string op;             // assign: augmented operator; for: loop kind
  llvm::SMRange op_range;     // for: loop kind
  ExprPtr target;             // assign
  ExprPtr value;              // let/var/assign/expr value; for: trip count; if: condition
  std::vector<ExprPtr> conds; // requires
  Block body, else_body;

  Stmt(StmtKind k, llvm::SMRange r) : kind(k), range(r) {}
};

struct SizeParam {
  std::string name;
  llvm::SMRange range;
  ExprPtr default_value; // may be null
};

struct TensorParam {
  std::string name;
  llvm::SMRange range;
  std::string dtype;
  llvm::SMRange dtype_range;
  std::vector<ExprPtr> shape;
};

// A helper, `def NAME(PARAM, PARAM = DEFAULT, ...): BODY`, inlined at each
// call by sema.
struct DefParam {
  std::string name;
  llvm::SMRange range;
  ExprPtr default_value; // may be null
};

struct FuncDef {
  std::string name;
  llvm::SMRange name_range;
  llvm::SMRange range; // the header, 'def' to ')'
  std::vector<DefParam> params;
  Block body;
  // The deepest nesting in the body (blocks plus expression depth, as the
  // parser counts it against kMaxNesting): sema bounds the nesting of
  // inlined calls with it.
  unsigned depth = 1;
};

struct Kernel {
  std::string name;
  llvm::SMRange name_range;
  std::vector<SizeParam> sizes;
  std::vector<TensorParam> params;
  TensorParam result; // named "out"
  bool has_result = false;
  Block body;
  // The file's helpers, in source order (before or after the kernel).
  std::vector<std::unique_ptr<FuncDef>> defs;
};

// Statements end with @LINE:COL of their first token.
void print_ast(llvm::raw_ostream &os, const llvm::SourceMgr &sm, const Kernel &k);
void print_expr(llvm::raw_ostream &os, const Expr &e); // source-like, one line

} // namespace nk::fe
