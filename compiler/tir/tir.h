// Tile IR: the compiler's middle form, produced by sema (build_tile_ir) and
// consumed by the lowering passes.
//
// Assumes: all sizes are bound (every shape is a constant). Guarantees:
// - Values are SSA: each has one defining op (or is a kernel parameter or a
//   loop index) and a fixed Type. Tiles live in SBUF/PSUM with shape
//   [partitions | free...]; HBM values are tensors or views of them.
// - A `var` is a mutable tile buffer (Value::is_var): `assign` ops write it
//   in place and ops reading it see its contents at that point of program
//   order. Every other value is immutable.
// - Views (OpKind::view) keep (base, per-dim start/step/count) with starts
//   affine in loop indices, so they map directly onto access patterns; a
//   view of HBM or of an SBUF tile may also permute its kept dims (perm):
//   isa.dma_transpose's source (an SBUF one lowers to one dma_copy per
//   source partition).
// - Loops are regions (Op::body) with a constant trip count; `parallel`
//   iterations are independent, `sequential` ones may carry state through
//   vars. Static loops and `if`s were resolved by sema.
// - Every op carries its source location.
// Passes walk Module::body recursively (walk_ops) and rewrite ops in place.
#pragma once

#include "runtime/isa.h"

#include "llvm/Support/SMLoc.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace nk {
struct Target;
}

namespace nk::tir {

using ValueId = uint32_t;
constexpr ValueId kNoValue = 0; // ids start at 1

struct Loc {
  uint32_t line = 0, col = 0;
  llvm::SMLoc sm; // for diagnostics from later passes
};

// Memory::hbm: an HBM tensor or view, shape = all dims.
// Memory::sbuf / psum: a tile, shape[0] = partitions, shape[1..] = free dims.
// Memory::none: a loop index (integer, shape empty).
struct Type {
  Memory mem = Memory::none;
  Dtype dtype = Dtype::i32;
  std::vector<int64_t> shape;

  bool is_tile() const { return mem == Memory::sbuf || mem == Memory::psum; }
  bool is_hbm() const { return mem == Memory::hbm; }
  bool is_index() const { return mem == Memory::none; }
  int64_t partitions() const { return shape.empty() ? 1 : shape[0]; }
  int64_t free_elements() const; // product of shape[1..]
  bool operator==(const Type &o) const { return mem == o.mem && dtype == o.dtype && shape == o.shape; }
  bool operator!=(const Type &o) const { return !(*this == o); }
};
std::string type_str(const Type &t); // "sbuf f32[8|128]", "hbm f32[2, 128, 512]"

// constant + sum(coef * index value)
struct Affine {
  int64_t constant = 0;
  std::vector<std::pair<ValueId, int64_t>> terms; // index value, coefficient
  bool is_constant() const { return terms.empty(); }
};

struct ViewDim {
  Affine start;
  int64_t step = 1;
  int64_t count = 1;
  bool dropped = false; // integer index: the dim is removed from the result
  // The index is a value read at run time: the view op's second operand, a
  // one-element integer tile (start is 0; the dim is dropped). HBM views
  // only, at most one dim; loads lower it to an indirect dma_copy.
  bool dynamic = false;
};

struct Value {
  ValueId id = kNoValue;
  Type type;
  std::string name; // source name hint ("" for temporaries)
  bool is_var = false;
  Loc loc;
};

// scratch: an HBM tensor the kernel declares for itself (scratch(), e.g. the
// partial results two cores exchange); neither bound nor returned.
enum class TensorRole : uint8_t { input, output, scratch };

#define NK_TIR_OPS(X)                                                                                                  \
  X(load, "load")             /* result tile <- operands[0] hbm view */                                                \
  X(store, "store")           /* operands: hbm view, tile */                                                           \
  X(view, "view")             /* result <- view of operands[0] (dims) */                                               \
  X(matmul, "matmul")         /* result sbuf f32[M|N] <- x, y (transpose_x) */                                         \
  X(transpose, "transpose")   /* result [F|P] <- [P|F] */                                                              \
  X(copy, "copy")             /* result <- operands[0], dtype converted */                                             \
  X(binary, "binary")         /* result <- operands[0] alu operands[1] (broadcast) */                                  \
  X(binary_imm, "binary_imm") /* result <- operands[0] alu imm (or imm_first) */                                       \
  X(activation, "activation") /* result <- act(operands[0]) */                                                         \
  X(reduce, "reduce")         /* result <- reduce(alu) over free axis `axis` */                                        \
  X(full, "full")             /* result <- imm everywhere */                                                           \
  X(iota, "iota")             /* result[p,j] <- base + pstep*p + fstep*j */                                            \
  X(where, "where")           /* result <- operands[0] != 0 ? a : b (imm when operand missing) */                      \
  X(var, "var")               /* result (mutable) <- copy of operands[0] */                                            \
  X(assign, "assign")         /* operands[0] (var or view of var) <- operands[1] */                                    \
  X(isa, "isa")               /* one instruction; fields below */                                                      \
  X(loop, "for")              /* body region; result = index value */

enum class OpKind : uint8_t {
#define X(e, s) e,
  NK_TIR_OPS(X)
#undef X
};
llvm::StringRef op_kind_name(OpKind k);

enum class LoopKind : uint8_t { parallel, sequential };

struct Op {
  explicit Op(OpKind k = OpKind::load) : kind(k) {}
  OpKind kind;
  Loc loc;
  ValueId result = kNoValue;
  std::vector<ValueId> operands;

  // Per-kind payload (plain fields, unused ones stay default). Passes copy
  // an Op whole (unroll-loops clones it, then remaps its values), so a new
  // field here needs no change there; only the value-carrying fields
  // (result, operands, aps, Affine terms) are remapped.
  AluOp alu = AluOp::bypass;       // binary, binary_imm, reduce
  ActFunc act = ActFunc::identity; // activation
  double imm = 0, imm2 = 0;        // binary_imm, full, where (imm = then, imm2 = else)
  bool transpose_x = false;        // matmul: x is given as [K|M], already transposed
  bool imm_first = false;          // binary_imm: `imm alu x` (the immediate is the left operand)
  bool keepdims = false;           // reduce: the reduced axis stays, with size 1
  uint8_t where_imm_mask = 0;      // where: bit0 = then is imm, bit1 = else is imm
  int64_t axis = 0;                // reduce
  Affine base;                     // iota base
  int64_t pstep = 0, fstep = 0;    // iota
  std::vector<ViewDim> dims;       // view
  // view: result dim i is kept dim perm[i] (kept dims numbered in order;
  // empty: no permutation). Static views of HBM or of an SBUF tile only:
  // isa.dma_transpose's source, which its dma_copy(s) walk in that order.
  std::vector<uint8_t> perm;
  // isa
  Opcode opcode = Opcode::tensor_copy;
  std::optional<Engine> engine;
  std::array<ValueId, kMaxAps> aps{}; // by op_info ap slot; kNoValue = absent
  std::array<AttrValue, kMaxAttrs> attrs{};
  // loop
  LoopKind loop_kind = LoopKind::sequential;
  int64_t trip_count = 0;
  std::vector<Op> body;
};

struct TensorParam {
  ValueId value;
  std::string name;
  TensorRole role;
};

struct Module {
  std::string kernel;
  std::string target;
  std::string file;
  std::vector<std::pair<std::string, int64_t>> sizes; // bound size parameters, in order
  std::vector<TensorParam> tensors;                   // inputs in order, then out
  std::vector<Value> values;                          // index = ValueId (slot 0 unused)
  std::vector<Op> body;

  Module() { values.emplace_back(); }
  const Value &value(ValueId id) const { return values[id]; }
  Value &value(ValueId id) { return values[id]; }
  ValueId add_value(Type t, std::string name, Loc loc, bool is_var = false);
  size_t num_ops() const;
};

// The most ops a module may unroll to (every loop expanded: unroll-loops
// is the pipeline's first pass). Sema refuses a kernel past it at the loop
// responsible, before anything is unrolled; unroll_loops checks again. At
// the cap the pipeline needs about 1.6 GB of host memory; the largest
// kernels of the test suite and bench/ unroll to about 230,000 ops.
constexpr uint64_t kMaxUnrolledOps = 1'000'000;

// What unrolling `ops` costs, in ops: each op once per iteration of the
// loops around it, loop ops included (a loop whose body is empty counts
// once, whatever its trip count). Saturates at UINT64_MAX.
uint64_t unrolled_size(const std::vector<Op> &ops);

// Pre-order walk over every op, loop bodies included.
void walk_ops(std::vector<Op> &ops, const std::function<void(Op &)> &fn);
void walk_ops(const std::vector<Op> &ops, const std::function<void(const Op &)> &fn);

void print_module(llvm::raw_ostream &os, const Module &m);

// Structural checks (SSA dominance, operand types per op, machine limits),
// then every rule sema checks of an op's operands and result (op_rules.h,
// runtime/operand_rules.h; verifier.cpp lists them).
// Returns a description of the first problem, or "" when the module is sound.
std::string verify_module(const Module &m, const Target &target);
// The same, with the op at fault (null when the problem is not an op's).
struct VerifyProblem {
  std::string message;
  const Op *op = nullptr;
};
VerifyProblem find_problem(const Module &m, const Target &target);

} // namespace nk::tir
