// Random .tile kernels and their reference evaluation (random_kernel.h).
//
// A kernel is a list of nodes (one `let` each; operands are earlier nodes,
// so values are shared like a DAG) placed in one of three loop structures:
//   single      the nodes at top level, one store;
//   chunked     for i in parallel|sequential|static(n): each iteration loads
//               a column chunk and stores its own output chunk;
//   accumulate  var acc; for i in sequential(n): acc = acc OP node;
// each optionally inside an outer parallel loop over row blocks. The same
// node list is evaluated by eval_node for every (row block, chunk).
#include "fuzz/diff/random_kernel.h"

#include "compiler/frontend/frontend.h"
#include "compiler/pipeline.h"
#include "oracle/array.h"
#include "runtime/hbm_binding.h"
#include "simulator/session.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <vector>

namespace nk::diff {

using oracle::Array;
using oracle::ElemType;

namespace {

class Rng {
public:
  explicit Rng(uint64_t seed) : g_(seed * 0x2545f4914f6cdd1dull + 12345) {}
  uint64_t below(uint64_t n) { return g_.next() % n; }
  int64_t range(int64_t lo, int64_t hi) { return lo + int64_t(below(uint64_t(hi - lo + 1))); }
  bool chance(unsigned percent) { return below(100) < percent; }
  template <typename T>
  const T &pick(const std::vector<T> &v) {
    return v[below(v.size())];
  }
  // Multiples of 1/8 in [-2, 2]: exact in fp32, so immediates carry no
  // rounding of their own.
  double small_constant() { return double(range(-16, 16)) / 8.0; }

private:
  SplitMix64 g_;
};

enum class Kind { load, full, iota, binary, scalar, safe_divide, unary, reduce, where, transpose2, matmul };

struct Node {
  Kind kind = Kind::load;
  bool col = false;                       // shape [P | 1] rather than [P | F]
  int a = -1, b = -1;                     // operand nodes
  int input = 0;                          // load: input index; where: mask input
  std::string op;                         // binary/unary/reduce name, where comparison
  double imm = 0;                         // full, scalar, where threshold / else value
  bool imm_left = false;                  // scalar: `c OP t`; where: else branch is imm
  int64_t base = 0, pstep = 0, fstep = 1; // iota
  double bound = 1;                       // max |value| this node can take
};

enum class Structure { single, chunked, accumulate };

struct KernelDesc {
  int64_t P = 1, F = 1; // tile shape [P | F]
  int64_t n_rows = 1;   // outer parallel loop trip count (row blocks)
  bool outer = false;   // outer loop present
  int64_t n_chunks = 1; // inner loop trip count
  Structure structure = Structure::single;
  std::string loop_kind; // chunked: parallel | sequential | static
  int n_inputs = 1;
  bool weight = false; // a [P, P] input `w` for matmul nodes
  std::vector<Node> nodes;
  std::string acc_update; // accumulate: add | augmented | maximum | decay
  double acc_init = 0;
};

const std::vector<std::string> kBinaryOps = {"+", "-", "*", "maximum", "minimum"};
const std::vector<std::string> kUnaryOps = {"exp",    "log",  "tanh",     "sigmoid", "gelu",
                                            "silu",   "relu", "sqrt",     "rsqrt",   "reciprocal",
                                            "square", "abs",  "identity", "copy",    "neg"};
const std::vector<std::string> kReduceOps = {"max", "min", "sum"};
const std::vector<std::string> kCompareOps = {"<", "<=", ">", ">="};
constexpr double kMaxBound = 1e4;

// ---- generation -------------------------------------------------------------

double unary_bound(const std::string &op, double b) {
  if (op == "exp") return std::exp(b);
  if (op == "log") return std::log(b + 1) + 1;
  if (op == "tanh" || op == "sigmoid" || op == "rsqrt" || op == "reciprocal") return 1;
  if (op == "sqrt") return std::sqrt(b) + 1;
  if (op == "square") return b * b;
  return b + 1; // gelu, silu, relu, abs, identity, copy, neg
}

Node random_node(Rng &rng, const KernelDesc &k, const std::vector<Node> &nodes) {
  auto any = [&]() { return int(rng.below(nodes.size())); };
  // Prefer recent nodes so chains get deep.
  auto recent = [&]() {
    int n = int(nodes.size());
    return rng.chance(60) ? n - 1 - int(rng.below(std::min<uint64_t>(3, n))) : any();
  };
  auto load = [&]() {
    Node n;
    n.kind = Kind::load;
    n.input = int(rng.below(k.n_inputs));
    return n;
  };
  for (int attempt = 0; attempt < 8; ++attempt) {
    Node n;
    switch (rng.below(20)) {
    case 0:
    case 1: return load();
    case 2:
      n.kind = Kind::full;
      n.imm = rng.small_constant();
      n.col = rng.chance(30);
      n.bound = std::fabs(n.imm);
      return n;
    case 3:
      n.kind = Kind::iota;
      n.base = rng.range(-4, 4);
      n.pstep = rng.range(-1, 1);
      n.fstep = rng.range(-1, 1);
      n.bound = std::abs(n.base) + std::abs(n.pstep) * (k.P - 1) + std::abs(n.fstep) * (k.F - 1);
      return n;
    case 4:
    case 5:
    case 6:
    case 7:
      n.kind = Kind::binary;
      n.op = rng.pick(kBinaryOps);
      n.a = recent();
      n.b = any();
      n.col = nodes[n.a].col && nodes[n.b].col;
      n.bound = n.op == "*"                    ? nodes[n.a].bound * nodes[n.b].bound
                : (n.op == "+" || n.op == "-") ? nodes[n.a].bound + nodes[n.b].bound
                                               : std::max(nodes[n.a].bound, nodes[n.b].bound);
      break;
    case 8:
    case 9:
      n.kind = Kind::scalar;
      n.op = rng.pick(std::vector<std::string>{"+", "-", "*"});
      n.a = recent();
      n.imm = rng.small_constant();
      n.imm_left = rng.chance(50);
      n.col = nodes[n.a].col;
      n.bound = n.op == "*" ? nodes[n.a].bound * std::fabs(n.imm) : nodes[n.a].bound + std::fabs(n.imm);
      break;
    case 10:
      n.kind = Kind::safe_divide;
      n.a = recent();
      n.b = any();
      n.col = nodes[n.a].col && nodes[n.b].col;
      n.bound = nodes[n.a].bound;
      break;
    case 11:
    case 12:
    case 13:
    case 14:
      n.kind = Kind::unary;
      n.op = rng.pick(kUnaryOps);
      n.a = recent();
      if (n.op == "exp" && nodes[n.a].bound > 6) continue;
      n.col = nodes[n.a].col;
      n.bound = unary_bound(n.op, nodes[n.a].bound);
      break;
    case 15:
    case 16:
      n.kind = Kind::reduce;
      n.op = rng.pick(kReduceOps);
      n.a = recent();
      n.col = true;
      n.bound = n.op == "sum" ? nodes[n.a].bound * double(nodes[n.a].col ? 1 : k.F) : nodes[n.a].bound;
      break;
    case 17:
      n.kind = Kind::where;
      n.op = rng.pick(kCompareOps);
      n.input = int(rng.below(k.n_inputs)); // the mask compares a loaded input (exact values)
      n.a = any();
      n.imm_left = rng.chance(40);
      n.imm = rng.small_constant();
      if (!n.imm_left) n.b = any();
      n.col = false;
      n.bound = std::max(nodes[n.a].bound, n.imm_left ? std::fabs(n.imm) : nodes[n.b].bound);
      break;
    case 18:
      n.kind = Kind::transpose2;
      n.a = recent();
      if (!nodes[n.a].col && k.F > 128) continue; // transpose: free size <= 128
      n.col = nodes[n.a].col;
      n.bound = nodes[n.a].bound;
      break;
    case 19:
      if (!k.weight) continue;
      n.kind = Kind::matmul;
      n.a = recent();
      n.col = nodes[n.a].col;
      n.bound = nodes[n.a].bound * double(k.P);
      break;
    }
    if (n.bound <= kMaxBound) return n;
  }
  return load();
}

KernelDesc random_desc(Rng &rng) {
  KernelDesc k;
  // Mostly small shapes (fast), sometimes the hardware limits.
  k.P = rng.chance(15) ? 128 : rng.pick(std::vector<int64_t>{1, 2, 3, 4, 7, 8, 16, 32, 64});
  k.F = rng.chance(10) ? rng.pick(std::vector<int64_t>{128, 256, 512}) : rng.range(1, 48);
  switch (rng.below(3)) {
  case 0: k.structure = Structure::single; break;
  case 1: k.structure = Structure::chunked; break;
  default: k.structure = Structure::accumulate; break;
  }
  if (k.structure != Structure::single) {
    k.n_chunks = rng.range(1, 4);
    k.loop_kind = rng.pick(std::vector<std::string>{"parallel", "sequential", "static"});
  }
  k.outer = rng.chance(30);
  if (k.outer) k.n_rows = rng.range(1, 3);
  if (int64_t(k.P) * k.n_rows > 128 * 3) k.n_rows = 1;
  k.n_inputs = int(rng.range(1, 3));
  k.weight = rng.chance(25);
  k.acc_update = rng.pick(std::vector<std::string>{"add", "augmented", "maximum", "decay"});
  k.acc_init = rng.chance(50) ? 0.0 : rng.small_constant();

  int n_nodes = int(rng.range(1, 8));
  for (int i = 0; i < n_nodes; ++i) {
    if (k.nodes.empty()) {
      Node n;
      n.input = int(rng.below(k.n_inputs));
      k.nodes.push_back(n);
      continue;
    }
    k.nodes.push_back(random_node(rng, k, k.nodes));
  }
  // The result must be a full [P | F] tile and bounded.
  if (k.nodes.back().col) {
    Node n;
    n.kind = Kind::binary;
    n.op = "+";
    n.a = int(k.nodes.size()) - 1;
    n.b = 0; // node 0 is always a load: full shape
    n.bound = k.nodes[n.a].bound + 1;
    k.nodes.push_back(n);
  }
  return k;
}

// ---- rendering --------------------------------------------------------------

std::string num(double v) { return fmt::format("{:.4f}", v); }

std::string render_node(const KernelDesc &k, const Node &n, const std::string &rows, const std::string &cols) {
  auto t = [](int i) { return fmt::format("t{}", i); };
  auto view = [&](int input) {
    if (rows.empty() && cols.empty()) return fmt::format("x{}", input);
    return fmt::format("x{}[{}, {}]", input, rows.empty() ? ":" : rows, cols.empty() ? ":" : cols);
  };
  std::string shape = fmt::format("sbuf f32[{} | {}]", k.P, n.col ? 1 : k.F);
  switch (n.kind) {
  case Kind::load: return fmt::format("load({})", view(n.input));
  case Kind::full: return fmt::format("full({}, {})", shape, num(n.imm));
  case Kind::iota:
    return fmt::format("iota({}, base={}, partition_step={}, free_step={})", shape, n.base, n.pstep, n.fstep);
  case Kind::binary:
    if (n.op == "maximum" || n.op == "minimum") return fmt::format("{}({}, {})", n.op, t(n.a), t(n.b));
    return fmt::format("{} {} {}", t(n.a), n.op, t(n.b));
  case Kind::scalar:
    return n.imm_left ? fmt::format("{} {} {}", num(n.imm), n.op, t(n.a))
                      : fmt::format("{} {} {}", t(n.a), n.op, num(n.imm));
  case Kind::safe_divide: return fmt::format("{} / (abs({}) + 1.0)", t(n.a), t(n.b));
  case Kind::unary:
    if (n.op == "log") return fmt::format("log(abs({}) + 1.0)", t(n.a));
    if (n.op == "sqrt") return fmt::format("sqrt(abs({}))", t(n.a));
    if (n.op == "rsqrt" || n.op == "reciprocal") return fmt::format("{}(abs({}) + 1.0)", n.op, t(n.a));
    if (n.op == "neg") return fmt::format("-{}", t(n.a));
    return fmt::format("{}({})", n.op, t(n.a));
  case Kind::reduce: return fmt::format("{}({}, axis=1, keepdims=true)", n.op, t(n.a));
  case Kind::where: {
    std::string other = n.imm_left ? num(n.imm) : t(n.b);
    return fmt::format("where(load({}) {} {}, {}, {})", view(n.input), n.op, num(n.imm), t(n.a), other);
  }
  case Kind::transpose2: return fmt::format("transpose(transpose({}))", t(n.a));
  case Kind::matmul: return fmt::format("matmul(wt, {}, transpose_x=true)", t(n.a));
  }
  return "";
}

std::string render(const KernelDesc &k, const std::string &name) {
  const bool chunked = k.structure != Structure::single;
  const int64_t R = k.P * k.n_rows;
  const int64_t W = k.F * (k.structure == Structure::chunked ? k.n_chunks : 1);
  const int64_t in_w = k.F * (chunked ? k.n_chunks : 1);
  std::string src = fmt::format("# Random kernel (tools: fuzz/diff_fuzz.cpp)\nkernel {}(", name);
  for (int i = 0; i < k.n_inputs; ++i) src += fmt::format("{}x{}: f32[{}, {}]", i ? ", " : "", i, R, in_w);
  if (k.weight) src += fmt::format(", w: f32[{}, {}]", k.P, k.P);
  src += fmt::format(") -> f32[{}, {}]:\n", R, W);

  std::string ind = "    ";
  if (k.weight) src += ind + "let wt = load(w)\n";
  std::string rows;
  if (k.outer) {
    src += ind + fmt::format("for j in parallel({}):\n", k.n_rows);
    ind += "    ";
    rows = fmt::format("j*{} : +{}", k.P, k.P);
  }
  std::string cols;
  if (k.structure == Structure::accumulate) {
    src += ind + fmt::format("var acc = full(sbuf f32[{} | {}], {})\n", k.P, k.F, num(k.acc_init));
    src += ind + fmt::format("for i in sequential({}):\n", k.n_chunks);
    ind += "    ";
    cols = fmt::format("i*{} : +{}", k.F, k.F);
  } else if (k.structure == Structure::chunked) {
    src += ind + fmt::format("for i in {}({}):\n", k.loop_kind, k.n_chunks);
    ind += "    ";
    cols = fmt::format("i*{} : +{}", k.F, k.F);
  }
  for (size_t i = 0; i < k.nodes.size(); ++i)
    src += ind + fmt::format("let t{} = {}\n", i, render_node(k, k.nodes[i], rows, cols));
  std::string last = fmt::format("t{}", k.nodes.size() - 1);
  std::string out_rows = rows.empty() ? ":" : rows;
  if (k.structure == Structure::accumulate) {
    if (k.acc_update == "add")
      src += ind + "acc = acc + " + last + "\n";
    else if (k.acc_update == "augmented")
      src += ind + "acc += " + last + "\n";
    else if (k.acc_update == "maximum")
      src += ind + "acc = maximum(acc, " + last + ")\n";
    else
      src += ind + "acc = acc * 0.5 + " + last + "\n";
    ind.resize(ind.size() - 4);
    src += ind + (rows.empty() ? "store(out, acc)\n" : fmt::format("store(out[{}, :], acc)\n", rows));
  } else if (k.structure == Structure::chunked) {
    src += ind + fmt::format("store(out[{}, {}], {})\n", out_rows, cols, last);
  } else {
    src += ind +
           (rows.empty() ? fmt::format("store(out, {})\n", last) : fmt::format("store(out[{}, :], {})\n", rows, last));
  }
  return src;
}

// ---- reference evaluation ---------------------------------------------------

// rows [r0, r0+nr) and columns [c0, c0+nc) of a 2-D array.
Array slice2(const Array &a, int64_t r0, int64_t nr, int64_t c0, int64_t nc) {
  Array out(a.type(), {nr, nc});
  int64_t w = a.shape()[1];
  for (int64_t r = 0; r < nr; ++r)
    for (int64_t c = 0; c < nc; ++c) out.mutable_values()[size_t(r * nc + c)] = a[(r0 + r) * w + c0 + c];
  return out;
}

Array map(const Array &a, const std::function<double(double)> &f) {
  Array out = a;
  for (double &v : out.mutable_values()) v = oracle::round_to(a.type(), f(v));
  return out;
}

double act(const std::string &op, double x) {
  if (op == "exp") return std::exp(x);
  if (op == "log") return std::log(x);
  if (op == "tanh") return std::tanh(x);
  if (op == "sigmoid") return 1.0 / (1.0 + std::exp(-x));
  if (op == "gelu") return 0.5 * x * std::erfc(-x * 0.70710678118654752440); // the erf form (docs/isa.md)
  if (op == "silu") return x / (1.0 + std::exp(-x));
  if (op == "relu") return x > 0 ? x : 0.0;
  if (op == "sqrt") return std::sqrt(x);
  if (op == "rsqrt") return 1.0 / std::sqrt(x);
  if (op == "reciprocal") return 1.0 / x;
  if (op == "square") return x * x;
  if (op == "abs") return std::fabs(x);
  if (op == "neg") return -x;
  return x; // identity, copy
}

// Sum along axis 1 (keepdims), accumulating left to right in the array's type.
Array row_sum(const Array &a) {
  int64_t rows = a.shape()[0], cols = a.shape()[1];
  Array out(a.type(), {rows, 1});
  for (int64_t r = 0; r < rows; ++r) {
    double s = 0;
    for (int64_t c = 0; c < cols; ++c) s = oracle::round_to(a.type(), s + a[r * cols + c]);
    out.mutable_values()[size_t(r)] = s;
  }
  return out;
}

// w^T @ x (w: [K, K], x: [K, N]), accumulating in k order in the array's type.
Array matmul_t(const Array &w, const Array &x) {
  int64_t K = w.shape()[0], N = x.shape()[1];
  Array out(x.type(), {K, N});
  for (int64_t m = 0; m < K; ++m)
    for (int64_t n = 0; n < N; ++n) {
      double s = 0;
      for (int64_t kk = 0; kk < K; ++kk)
        s = oracle::round_to(x.type(), s + oracle::round_to(x.type(), w[kk * K + m] * x[kk * N + n]));
      out.mutable_values()[size_t(m * N + n)] = s;
    }
  return out;
}

Array abs_plus_one(const Array &a) {
  return oracle::add(map(a, [](double v) { return std::fabs(v); }), 1.0);
}

struct EvalContext {
  const KernelDesc &k;
  std::vector<Array> inputs; // in type t
  Array weight;
  int64_t r0 = 0, c0 = 0; // this iteration's row block and column chunk
};

std::vector<Array> eval_nodes(const EvalContext &ctx, ElemType t) {
  const KernelDesc &k = ctx.k;
  std::vector<Array> v;
  for (const Node &n : k.nodes) {
    int64_t F = n.col ? 1 : k.F;
    switch (n.kind) {
    case Kind::load: v.push_back(slice2(ctx.inputs[size_t(n.input)], ctx.r0, k.P, ctx.c0, k.F)); break;
    case Kind::full: v.push_back(Array::full({k.P, F}, n.imm, t)); break;
    case Kind::iota: {
      Array a(t, {k.P, F});
      for (int64_t p = 0; p < k.P; ++p)
        for (int64_t j = 0; j < F; ++j)
          a.mutable_values()[size_t(p * F + j)] = double(n.base + n.pstep * p + n.fstep * j);
      v.push_back(a);
      break;
    }
    case Kind::binary: {
      const Array &a = v[size_t(n.a)], &b = v[size_t(n.b)];
      if (n.op == "+")
        v.push_back(oracle::add(a, b));
      else if (n.op == "-")
        v.push_back(oracle::subtract(a, b));
      else if (n.op == "*")
        v.push_back(oracle::multiply(a, b));
      else if (n.op == "maximum")
        v.push_back(oracle::maximum(a, b));
      else
        v.push_back(oracle::minimum(a, b));
      break;
    }
    case Kind::scalar: {
      const Array &a = v[size_t(n.a)];
      if (n.op == "+")
        v.push_back(oracle::add(a, n.imm));
      else if (n.op == "*")
        v.push_back(oracle::multiply(a, n.imm));
      else if (n.imm_left)
        v.push_back(oracle::add(oracle::negative(a), n.imm)); // c - a
      else
        v.push_back(oracle::add(a, -n.imm));
      break;
    }
    case Kind::safe_divide: v.push_back(oracle::divide(v[size_t(n.a)], abs_plus_one(v[size_t(n.b)]))); break;
    case Kind::unary: {
      const Array &a = v[size_t(n.a)];
      if (n.op == "log" || n.op == "rsqrt" || n.op == "reciprocal")
        v.push_back(map(abs_plus_one(a), [&](double x) { return act(n.op, x); }));
      else if (n.op == "sqrt")
        v.push_back(map(a, [](double x) { return std::sqrt(std::fabs(x)); }));
      else
        v.push_back(map(a, [&](double x) { return act(n.op, x); }));
      break;
    }
    case Kind::reduce: {
      const Array &a = v[size_t(n.a)];
      if (n.op == "sum")
        v.push_back(row_sum(a));
      else if (n.op == "max")
        v.push_back(oracle::max(a, 1, true));
      else
        v.push_back(oracle::min(a, 1, true));
      break;
    }
    case Kind::where: {
      Array mask_src = slice2(ctx.inputs[size_t(n.input)], ctx.r0, k.P, ctx.c0, k.F);
      const Array &a = v[size_t(n.a)];
      Array out(t, {k.P, k.F});
      for (int64_t p = 0; p < k.P; ++p)
        for (int64_t j = 0; j < k.F; ++j) {
          double m = mask_src[p * k.F + j];
          bool c = n.op == "<" ? m < n.imm : n.op == "<=" ? m <= n.imm : n.op == ">" ? m > n.imm : m >= n.imm;
          auto elem = [&](const Array &x) { return x[p * x.shape()[1] + (x.shape()[1] == 1 ? 0 : j)]; };
          out.mutable_values()[size_t(p * k.F + j)] = c ? elem(a) : n.imm_left ? n.imm : elem(v[size_t(n.b)]);
        }
      v.push_back(out);
      break;
    }
    case Kind::transpose2: v.push_back(v[size_t(n.a)]); break;
    case Kind::matmul: v.push_back(matmul_t(ctx.weight, v[size_t(n.a)])); break;
    }
  }
  return v;
}

// The kernel's output, evaluated in type t.
Array evaluate(const KernelDesc &k, const std::map<std::string, HostTensor> &inputs, ElemType t) {
  EvalContext ctx{k, {}, {}};
  for (int i = 0; i < k.n_inputs; ++i)
    ctx.inputs.push_back(Array::from_host(inputs.at(fmt::format("x{}", i))).astype(t));
  if (k.weight) ctx.weight = Array::from_host(inputs.at("w")).astype(t);
  const int64_t R = k.P * k.n_rows;
  const int64_t W = k.F * (k.structure == Structure::chunked ? k.n_chunks : 1);
  Array out(t, {R, W});
  auto put = [&](const Array &tile, int64_t r0, int64_t c0) {
    for (int64_t p = 0; p < k.P; ++p)
      for (int64_t j = 0; j < k.F; ++j) out.mutable_values()[size_t((r0 + p) * W + c0 + j)] = tile[p * k.F + j];
  };
  for (int64_t rb = 0; rb < k.n_rows; ++rb) {
    ctx.r0 = rb * k.P;
    if (k.structure == Structure::single) {
      ctx.c0 = 0;
      put(eval_nodes(ctx, t).back(), ctx.r0, 0);
    } else if (k.structure == Structure::chunked) {
      for (int64_t c = 0; c < k.n_chunks; ++c) {
        ctx.c0 = c * k.F;
        put(eval_nodes(ctx, t).back(), ctx.r0, ctx.c0);
      }
    } else {
      Array acc = Array::full({k.P, k.F}, k.acc_init, t);
      for (int64_t c = 0; c < k.n_chunks; ++c) {
        ctx.c0 = c * k.F;
        Array last = eval_nodes(ctx, t).back();
        if (k.acc_update == "maximum")
          acc = oracle::maximum(acc, last);
        else if (k.acc_update == "decay")
          acc = oracle::add(oracle::multiply(acc, 0.5), last);
        else
          acc = oracle::add(acc, last);
      }
      put(acc, ctx.r0, 0);
    }
  }
  return out;
}

} // namespace

RandomKernel generate_kernel(uint64_t seed) {
  Rng rng(seed);
  KernelDesc k = random_desc(rng);
  RandomKernel r;
  r.seed = seed;
  r.name = fmt::format("rk{}", seed);
  r.source = render(k, r.name);
  return r;
}

llvm::Expected<DiffResult> check_kernel(const RandomKernel &rk, const Target &target) {
  // Regenerate the description (the source is derived from it).
  Rng rng(rk.seed);
  KernelDesc k = random_desc(rng);
  auto fail = [&](const std::string &what) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "random kernel seed %llu: %s\n%s",
                                   (unsigned long long)rk.seed, what.c_str(), rk.source.c_str());
  };
  DiffResult res;
  std::string diag_text;
  llvm::raw_string_ostream diag_os(diag_text);
  llvm::SourceMgr sm;
  unsigned id =
      sm.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(rk.source, rk.name + ".tile"), llvm::SMLoc());
  DiagnosticEngine diags(sm, diag_os);
  auto mod = build_tile_ir(sm, id, {}, target, diags);
  if (!mod) {
    llvm::consumeError(mod.takeError());
    return fail("front end rejected it:\n" + diag_os.str());
  }
  PipelineOptions popts;
  popts.dump = &llvm::nulls();
  auto prog = run_pipeline(std::move(*mod), target, popts);
  if (!prog) return fail("compile failed: " + llvm::toString(prog.takeError()));
  res.compiled = true;
  res.instructions = prog->num_instructions();
  const Program program = *prog; // for the second run below
  auto session = Session::from_program(std::move(*prog));
  if (!session) return fail("Session::from_program: " + llvm::toString(session.takeError()));
  session->bind_random(rk.seed);
  SimOptions sopts;
  sopts.strict = true; // compiled code must never read uninitialised memory
  auto stats = session->run(sopts);
  if (!stats) return fail("simulation failed: " + llvm::toString(stats.takeError()));
  auto out = session->output("out");
  if (!out) return fail(llvm::toString(out.takeError()));
  {
    // The same run with a second host thread making the random loads
    // (simulator/background_fill.h) must give the same bytes.
    auto again = Session::from_program(program);
    if (!again) return fail("Session::from_program: " + llvm::toString(again.takeError()));
    again->bind_random(rk.seed);
    SimOptions two = sopts;
    two.threads = 2;
    auto stats2 = again->run(two);
    if (!stats2) return fail("simulation with two threads failed: " + llvm::toString(stats2.takeError()));
    auto out2 = again->output("out");
    if (!out2) return fail(llvm::toString(out2.takeError()));
    if (out2->data != out->data || stats2->total_ns != stats->total_ns)
      return fail("two host threads gave other output bytes or another time than one");
  }

  Array actual = Array::from_host(*out);
  Array ref64 = evaluate(k, session->inputs(), ElemType::f64);
  Array ref32 = evaluate(k, session->inputs(), ElemType::f32);
  if (actual.shape() != ref64.shape())
    return fail("output shape " + oracle::shape_str(actual.shape()) + " but the reference has " +
                oracle::shape_str(ref64.shape()));
  std::string bad;
  int n_bad = 0;
  int64_t W = ref64.shape()[1];
  for (int64_t i = 0; i < ref64.size(); ++i) {
    double want = ref64[i], got = actual[i];
    double tol = 1e-4 * std::fabs(want) + 1e-5 + 16 * std::fabs(ref32[i] - want);
    if (!(std::fabs(got - want) <= tol)) {
      if (n_bad < 5)
        bad += fmt::format("  out[{}, {}] = {} but the reference is {} (float32 evaluation {}, tolerance {})\n", i / W,
                           i % W, got, want, ref32[i], tol);
      ++n_bad;
    }
  }
  res.elements = uint64_t(ref64.size());
  if (n_bad) return fail(fmt::format("{} of {} output elements differ:\n{}", n_bad, ref64.size(), bad));
  return res;
}

} // namespace nk::diff
