// Sema's internal interface, one class implemented by five files, one per
// responsibility (each file's header states its contract; the members below
// are grouped the same way): sema.cpp the driver, sema_names.cpp name
// resolution, sema_types.cpp type and shape inference, sema_const.cpp
// constant evaluation and unrolling, sema_isa.cpp isa.* calls.
// Not for use outside compiler/frontend.
//
// Sema evaluates the AST once sizes are bound: compile-time values (ints,
// floats, bools, types) are computed on the spot, static loops and ifs are
// resolved, and every tile operation is emitted as a Tile IR op with
// inferred, checked type. Errors produce a poison value that later checks
// accept silently, so one mistake yields one diagnostic.
#pragma once

#include "compiler/frontend/ast.h"
#include "runtime/diagnostics.h"
#include "compiler/tir/tir.h"
#include "runtime/target.h"

#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace nk::fe {

// A compile-time view of what an expression evaluated to.
struct SV {
  enum Kind : uint8_t { poison, integer, floating, boolean, index, tile, hbm, ttype, dtype };
  Kind k = poison;
  int64_t i = 0;         // integer, boolean
  double f = 0;          // floating
  tir::Affine aff;       // index
  tir::ValueId v = 0;    // tile, hbm
  tir::Type type;        // type
  Dtype dt = Dtype::f32; // dtype

  static SV make_int(int64_t x) {
    SV s;
    s.k = integer;
    s.i = x;
    return s;
  }
  static SV make_float(double x) {
    SV s;
    s.k = floating;
    s.f = x;
    return s;
  }
  static SV make_bool(bool b) {
    SV s;
    s.k = boolean;
    s.i = b;
    return s;
  }
  static SV make_value(Kind k, tir::ValueId id) {
    SV s;
    s.k = k;
    s.v = id;
    return s;
  }
  bool ok() const { return k != poison; }
  bool is_number() const { return k == integer || k == floating; }
  double number() const { return k == integer ? double(i) : f; }
};

struct Binding {
  enum Kind : uint8_t { size, tensor, let, var, loop };
  Kind kind;
  SV value;
  llvm::SMRange def;
  // A compile-time integer var: its value is cvars_[cvar] (value is unused),
  // shared by every helper parameter bound to it.
  int cvar = -1;
  bool param = false; // a helper's parameter
};

// A compile-time integer var (`var n = 7`).
struct CVar {
  SV value;          // an integer, or poison after a bad assignment
  size_t loops;      // loops_.size() where it was defined
  llvm::SMRange def; // its name in the `var` statement
  std::string name;
};

// A helper call being inlined.
struct CallFrame {
  const FuncDef *def;
  const Expr *call;
  size_t loops; // loops_.size() at the call: 'return' cannot leave a loop opened inside
  SV ret;
  bool returned_value = false;
};

struct LoopCtx {
  tir::LoopKind kind;
  tir::ValueId index;
  size_t scope_depth; // scopes_.size() inside the loop
};

// A built-in function's parameter, matched by position or keyword.
struct BuiltinParam {
  const char *name;
  bool required;
};

class Sema {
public:
  Sema(const Kernel &k, const std::map<std::string, int64_t> &defines, const Target &target, DiagnosticEngine &diags,
       llvm::StringRef file, size_t max_tir_ops);
  bool run(tir::Module &out);

  // ---- driver (sema.cpp): emitting ops, dispatching statements and ---------
  // ---- expressions, describing values in diagnostics ----------------------
  DiagnosticEngine &diags;
  const Target &target;
  // Unrolling static loops stops with a diagnostic past this many ops, so
  // a huge static trip count cannot exhaust memory or time. (The pipeline
  // then unrolls the other loops too: tir::kMaxUnrolledOps bounds that.)
  const size_t max_tir_ops_;
  tir::Module mod;

  tir::Loc loc(llvm::SMLoc l);
  SV eval(const Expr &e);
  SV poison() { return SV(); }
  // A copy, not a reference: emitting an op adds a value and may move every
  // Type, and `const Type &t = type_of(v)` held across an emit was a
  // use-after-free (fuzz_compile, `var = 0.0`). A temporary bound to a
  // const reference lives as long as the reference.
  tir::Type type_of(tir::ValueId id) const { return mod.value(id).type; }
  // Emits `op` with a fresh result of type `t`; returns the tile/hbm SV.
  SV emit(tir::Op op, tir::Type t, const std::string &name = "");
  void emit_no_result(tir::Op op);
  // A note "NAME defined here" for a value that has a source name.
  void note_def(tir::ValueId id);
  // Describes a value's kind for messages ("an integer", "a tile", ...).
  static std::string describe(const SV &v);
  std::string describe_value(const SV &v) const;
  std::unordered_map<tir::ValueId, size_t> var_depth_; // var -> loops_.size() at creation
  // Writing a var from inside a parallel loop it was defined outside of is
  // an error unless the write is a slice indexed by that loop's index.
  bool check_parallel_write(tir::ValueId dst, llvm::SMRange r);

private:
  SV eval_expr(const Expr &e);
  void block(const Block &b);
  void stmt(const Stmt &s);
  void stmt_assign(const Stmt &s);

  const Kernel &kernel_;
  const std::map<std::string, int64_t> &defines_;
  std::string file_;
  unsigned nest_ = 0; // eval() and block() frames on the stack
  std::vector<tir::Op> *cur_ = nullptr;
  size_t emitted_ = 0;

  // ---- name resolution (sema_names.cpp) ------------------------------------
public:
  const Binding *lookup(const std::string &name) const;
  // A binding's current value (a compile-time var's lives in cvars_).
  SV value_of(const Binding &b) const { return b.cvar >= 0 ? cvars_[size_t(b.cvar)].value : b.value; }
  // Helpers: `def`s, inlined at each call (sema_const.cpp).
  const FuncDef *find_helper(const std::string &name) const;
  // The name a let/var/loop index gets in the Tile IR: inside a helper,
  // prefixed with the helper's name (`softmax_step.m_new`).
  std::string ir_name(const std::string &name) const;

private:
  void bind_sizes(const std::map<std::string, int64_t> &defines);
  void declare(const std::string &name, Binding b, llvm::SMRange r);
  void check_helpers();
  SV eval_name(const Expr &e);

  // scopes_[0] holds the sizes and tensors, scopes_[1] the kernel body's
  // top level. A helper's body sees scopes_[0] and its own scopes, from
  // scope_floor_ up (0: no helper, every scope).
  std::vector<std::unordered_map<std::string, Binding>> scopes_;
  size_t scope_floor_ = 0;
  std::vector<CVar> cvars_;
  std::unordered_map<std::string, const FuncDef *> helpers_;

  // ---- type and shape inference (sema_types.cpp) ---------------------------
public:
  // Checks a tile type built from user sizes against the target. Returns
  // false (with a diagnostic) when it does not fit.
  bool check_tile_type(const tir::Type &t, llvm::SMRange r);
  bool check_hbm_dims(const tir::Type &t, llvm::SMRange r);
  // Elementwise binary on tiles/numbers (operators and named functions).
  SV elementwise(AluOp op, const SV &a, const SV &b, llvm::SMRange ra, llvm::SMRange rb, llvm::SMRange whole);
  bool broadcast_shapes(const tir::Type &a, const tir::Type &b, tir::ValueId ida, tir::ValueId idb, llvm::SMRange r,
                        std::vector<int64_t> &out);
  static Dtype promote(Dtype a, Dtype b);
  // The var a value writes through (itself, or the root of a view), or 0.
  tir::ValueId var_root(tir::ValueId id) const;

  SV eval_call(const Expr &e);
  // The high-level built-ins are a table (sema_types.cpp, builtin_table):
  // one row per name with its parameters and the member below that checks
  // the bound arguments (a[i] is parameter i, null when not given) and
  // emits the op. A new built-in is a row and a member, nothing else.
  struct Builtin {
    const char *name;
    std::vector<BuiltinParam> params;
    SV (Sema::*emit)(const Expr &e, llvm::ArrayRef<const Expr *> a);
    // max/min of two or more numbers fold at compile time (fold_min_max)
    // before the arguments are bound as a reduction's.
    bool folds_numbers = false;
  };
  static bool is_builtin_function(llvm::StringRef name);
  SV builtin_load(const Expr &e, llvm::ArrayRef<const Expr *> a);
  SV builtin_store(const Expr &e, llvm::ArrayRef<const Expr *> a);
  SV builtin_matmul(const Expr &e, llvm::ArrayRef<const Expr *> a);
  SV builtin_transpose(const Expr &e, llvm::ArrayRef<const Expr *> a);
  SV builtin_copy(const Expr &e, llvm::ArrayRef<const Expr *> a);
  SV builtin_elementwise(const Expr &e, llvm::ArrayRef<const Expr *> a); // add, subtract, ... by name
  SV builtin_activation(const Expr &e, llvm::ArrayRef<const Expr *> a);  // exp, tanh, ... by name
  SV builtin_reduce(const Expr &e, llvm::ArrayRef<const Expr *> a);      // max, min, sum
  SV builtin_full(const Expr &e, llvm::ArrayRef<const Expr *> a);        // full, zeros
  SV builtin_iota(const Expr &e, llvm::ArrayRef<const Expr *> a);
  SV builtin_where(const Expr &e, llvm::ArrayRef<const Expr *> a);
  SV builtin_scratch(const Expr &e, llvm::ArrayRef<const Expr *> a);
  // Argument checks shared by the built-ins; each reports and returns
  // poison / nullopt on a bad argument. A null `x` is a parameter not given.
  tir::Op new_op(tir::OpKind kind, const Expr &e);
  SV tile_arg(const Expr *x, const llvm::Twine &what);
  std::optional<Dtype> dtype_arg(const Expr *x, Dtype dflt);
  std::optional<bool> bool_arg(const Expr *x, bool dflt);
  std::optional<tir::Type> type_arg(const Expr *x);

  std::unordered_map<tir::ValueId, tir::ValueId> view_root_;              // view -> root value
  std::unordered_map<tir::ValueId, std::vector<tir::ViewDim>> view_dims_; // root-relative
  std::unordered_map<tir::ValueId, tir::ValueId> view_index_;             // view -> its run-time index tile

private:
  SV eval_subscript(const Expr &e);
  SV eval_tile_type(const Expr &e);
  void emit_assign(tir::ValueId dst, const SV &value, llvm::SMRange dst_range, llvm::SMRange value_range,
                   llvm::SMLoc at);

  // ---- constant evaluation and unrolling (sema_const.cpp) ------------------
public:
  // Expects a compile-time integer; reports and returns nullopt otherwise.
  std::optional<int64_t> expect_int(const Expr &e, const char *what);
  std::optional<int64_t> expect_int_value(const SV &v, llvm::SMRange r, const char *what);
  // Loop index range [lo, hi] of an affine expression.
  std::pair<int64_t, int64_t> affine_range(const tir::Affine &a) const;
  // Built-ins evaluated at compile time (rows of builtin_table).
  SV builtin_cdiv(const Expr &e, llvm::ArrayRef<const Expr *> a);
  std::optional<SV> fold_min_max(const Expr &e);
  // Helpers: `def`s inlined at each call.
  SV call_helper(const Expr &e, const FuncDef &d, bool want_value);
  void stmt_return(const Stmt &s);

  std::unordered_map<tir::ValueId, int64_t> loop_trip_; // index -> trip count
  std::vector<LoopCtx> loops_;

private:
  SV eval_unary(const Expr &e);
  SV eval_binary(const Expr &e);
  SV int_arith(const std::string &op, int64_t a, int64_t b, llvm::SMRange r);
  SV affine_arith(const std::string &op, const SV &a, const SV &b, llvm::SMRange r);
  void stmt_requires(const Stmt &s);
  void stmt_if(const Stmt &s);
  void stmt_for(const Stmt &s);
  bool count_unrolled(llvm::SMLoc at);
  void assign_cvar(const Stmt &s, const Binding &b);
  Binding bind_argument(const Expr &x, bool &ok);

  std::vector<CallFrame> calls_; // innermost last
  bool returning_ = false;       // a 'return' ran: the rest of the helper's body is skipped
  // What unroll-loops will make of the ops emitted so far (tir::unrolled_size):
  // each op counts once per iteration of the parallel/sequential loops
  // around it, whose statements are in unrolled_loops_.
  uint64_t unrolled_ = 0;
  uint64_t weight_ = 1;                                          // the product of their trip counts (saturating)
  std::vector<std::pair<const Stmt *, int64_t>> unrolled_loops_; // with trip counts
  std::pair<const Stmt *, int64_t> heaviest_{nullptr, 0};        // finished loop that added the most
  uint64_t heaviest_added_ = 0;
  bool too_big_ = false;
  bool requirement_failed_ =
      false; // a failed `requires` ends the analysis: the rest would only report its consequences

  // ---- ISA-level calls (sema_isa.cpp) --------------------------------------
public:
  SV eval_isa_call(const Expr &e, llvm::StringRef opname);
  // isa.core_barrier(data=HBM, cores=[0, 1], engine=E): NKI's signature; a
  // full fence on this core (the back end orders everything around it).
  SV eval_core_barrier(const Expr &e);
  // isa.dma_transpose(src=HBM, axes=[...], dtype=D, dge_mode=M): NKI's
  // signature; one dma_copy whose source is src's view with its dims in the
  // axes' order (a permuted view), into a new SBUF tile.
  SV eval_dma_transpose(const Expr &e);
};

} // namespace nk::fe
