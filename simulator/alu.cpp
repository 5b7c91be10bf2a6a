// ALU ops, activation functions and reductions in fp32 (alu.h).
#include "simulator/alu.h"

#include <algorithm>
#include <cmath>

namespace nk {

namespace {

// NaN-propagating max/min, as np.maximum / np.minimum.
inline float max_nan(float a, float b) { return (a != a || a > b) ? a : b; }
inline float min_nan(float a, float b) { return (a != a || a < b) ? a : b; }

template <typename F>
void loop2(const float *a, const float *b, float *out, size_t n, F f) {
  for (size_t i = 0; i < n; ++i) out[i] = f(a[i], b[i]);
}
template <typename F>
void loop1(const float *a, float s, float *out, size_t n, F f) {
  for (size_t i = 0; i < n; ++i) out[i] = f(a[i], s);
}

} // namespace

float alu_apply(AluOp op, float a, float b) {
  switch (op) {
  case AluOp::bypass: return a;
  case AluOp::add: return a + b;
  case AluOp::subtract: return a - b;
  case AluOp::multiply: return a * b;
  case AluOp::divide: return a / b;
  case AluOp::max: return max_nan(a, b);
  case AluOp::min: return min_nan(a, b);
  case AluOp::pow: return std::pow(a, b);
  case AluOp::abs_max: return max_nan(std::fabs(a), std::fabs(b));
  case AluOp::is_equal: return a == b ? 1.0f : 0.0f;
  case AluOp::not_equal: return a != b ? 1.0f : 0.0f;
  case AluOp::is_gt: return a > b ? 1.0f : 0.0f;
  case AluOp::is_ge: return a >= b ? 1.0f : 0.0f;
  case AluOp::is_lt: return a < b ? 1.0f : 0.0f;
  case AluOp::is_le: return a <= b ? 1.0f : 0.0f;
  // NKI 2.26 lists the logical ops as arithmetic (fp32) ops "similar to"
  // NumPy's: nonzero is true (NaN != 0, so NaN too), the result 1 or 0.
  case AluOp::logical_and: return (a != 0.0f && b != 0.0f) ? 1.0f : 0.0f;
  case AluOp::logical_or: return (a != 0.0f || b != 0.0f) ? 1.0f : 0.0f;
  case AluOp::logical_xor: return ((a != 0.0f) != (b != 0.0f)) ? 1.0f : 0.0f;
  // One-operand ops (tensor_scalar only; b, the scalar operand, is unused).
  // NKI 2.26 says GpSimd's rsqrt is more precise than the Scalar engine's
  // activation but not how precise: computed in double, rounded once.
  // reciprocal is an fp32 division, as the reciprocal instruction's.
  case AluOp::rsqrt: return float(1.0 / std::sqrt(double(a)));
  case AluOp::reciprocal: return 1.0f / a;
  case AluOp::abs: return std::fabs(a);
  // Bitwise ops on fp32 are refused by validation; keep them total anyway.
  case AluOp::bitwise_and:
  case AluOp::bitwise_or:
  case AluOp::bitwise_xor: return float(alu_apply_int(op, f32_to_i32(a), f32_to_i32(b)));
  }
  return a;
}

// The common ops get their own loops (vectorisable); the rest go through
// alu_apply element by element.
#define NK_ALU_FAST(X)                                                                                                 \
  X(add, x + y)                                                                                                        \
  X(subtract, x - y)                                                                                                   \
  X(multiply, x *y)                                                                                                    \
  X(divide, x / y)                                                                                                     \
  X(max, max_nan(x, y))                                                                                                \
  X(min, min_nan(x, y))

void alu_tensor_tensor(AluOp op, const float *a, const float *b, float *out, size_t n) {
  switch (op) {
#define X(e, expr)                                                                                                     \
  case AluOp::e: loop2(a, b, out, n, [](float x, float y) { return expr; }); return;
    NK_ALU_FAST(X)
#undef X
  default:
    for (size_t i = 0; i < n; ++i) out[i] = alu_apply(op, a[i], b[i]);
  }
}

void alu_tensor_scalar(AluOp op, const float *a, float s, bool reverse, float *out, size_t n) {
  if (op == AluOp::bypass) {
    if (out != a)
      for (size_t i = 0; i < n; ++i) out[i] = a[i];
    return;
  }
  if (alu_is_unary(op)) { // the operand (and so reverse) plays no part
    for (size_t i = 0; i < n; ++i) out[i] = alu_apply(op, a[i], s);
    return;
  }
  if (!reverse) {
    switch (op) {
#define X(e, expr)                                                                                                     \
  case AluOp::e: loop1(a, s, out, n, [](float x, float y) { return expr; }); return;
      NK_ALU_FAST(X)
#undef X
    default:
      for (size_t i = 0; i < n; ++i) out[i] = alu_apply(op, a[i], s);
    }
  } else {
    for (size_t i = 0; i < n; ++i) out[i] = alu_apply(op, s, a[i]);
  }
}

int64_t alu_apply_int(AluOp op, int64_t a, int64_t b) {
  switch (op) {
  case AluOp::bitwise_and: return a & b;
  case AluOp::bitwise_or: return a | b;
  case AluOp::bitwise_xor: return a ^ b;
  case AluOp::bypass: return a;
  default: return f32_to_i32(alu_apply(op, float(a), float(b)));
  }
}

namespace {

// The functions NKI 2.26 added to our list (NKI 2.26 nki.isa, activation;
// the activation-function table): the hardware evaluates piecewise
// polynomials whose values are not published, so these are the exact
// functions, computed in double and rounded once to fp32 (docs/isa.md).
// Limits at +-inf are taken where the double formula would give inf * 0.
constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794; // 1 / sqrt(2 pi)
constexpr double kTwoOverSqrtPi = 1.12837916709551257390;

double sigmoid_d(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double softplus_d(double x) { return std::max(x, 0.0) + std::log1p(std::exp(-std::fabs(x))); }

float act_exact(ActFunc f, float xf) {
  const double x = xf;
  const bool inf = std::isinf(x);
  switch (f) {
  case ActFunc::gelu: // 0.5 x (1 + erf(x / sqrt 2))
    if (inf) return x > 0 ? xf : -0.0f;
    return float(0.5 * x * std::erfc(-x * kInvSqrt2));
  case ActFunc::gelu_dx: // Phi(x) + x phi(x)
    if (inf) return x > 0 ? 1.0f : 0.0f;
    return float(0.5 * std::erfc(-x * kInvSqrt2) + x * kInvSqrt2Pi * std::exp(-0.5 * x * x));
  case ActFunc::gelu_apprx_sigmoid: // x sigmoid(1.702 x)
    if (inf) return x > 0 ? xf : -0.0f;
    return float(x * sigmoid_d(1.702 * x));
  case ActFunc::silu_dx: { // sigmoid(x) (1 + x (1 - sigmoid(x)))
    if (inf) return x > 0 ? 1.0f : 0.0f;
    const double s = sigmoid_d(x);
    return float(s * (1.0 + x * (1.0 - s)));
  }
  case ActFunc::softplus: return float(softplus_d(x)); // log(1 + e^x)
  case ActFunc::mish:                                  // x tanh(softplus(x))
    if (inf) return x > 0 ? xf : -0.0f;
    return float(x * std::tanh(softplus_d(x)));
  case ActFunc::erf: return float(std::erf(x));
  case ActFunc::erf_dx: return float(kTwoOverSqrtPi * std::exp(-x * x)); // 2/sqrt(pi) e^(-x^2)
  case ActFunc::sin: return float(std::sin(x));
  case ActFunc::arctan: return float(std::atan(x));
  case ActFunc::sign: return x != x ? xf : x > 0 ? 1.0f : x < 0 ? -1.0f : 0.0f; // np.sign: +0 for +-0
  default: return xf;
  }
}

} // namespace

float act_apply(ActFunc f, float x) {
  switch (f) {
  case ActFunc::identity: return x;
  case ActFunc::exp: return std::exp(x);
  case ActFunc::log: return std::log(x);
  case ActFunc::reciprocal: return 1.0f / x;
  case ActFunc::tanh: return std::tanh(x);
  case ActFunc::sigmoid: return 1.0f / (1.0f + std::exp(-x));
  case ActFunc::gelu_apprx_tanh: // in fp32 operations, as docs/isa.md states
    return 0.5f * x * (1.0f + std::tanh(0.7978845608028654f * (x + 0.044715f * x * x * x)));
  case ActFunc::silu: return x / (1.0f + std::exp(-x));
  case ActFunc::relu: return x != x ? x : (x > 0.0f ? x : 0.0f);
  case ActFunc::sqrt: return std::sqrt(x);
  case ActFunc::rsqrt: return 1.0f / std::sqrt(x);
  case ActFunc::square: return x * x;
  case ActFunc::abs: return std::fabs(x);
  case ActFunc::gelu:
  case ActFunc::gelu_dx:
  case ActFunc::gelu_apprx_sigmoid:
  case ActFunc::silu_dx:
  case ActFunc::softplus:
  case ActFunc::mish:
  case ActFunc::erf:
  case ActFunc::erf_dx:
  case ActFunc::sin:
  case ActFunc::arctan:
  case ActFunc::sign: return act_exact(f, x);
  }
  return x;
}

void act_inplace(ActFunc f, float *x, size_t n) {
  switch (f) {
  case ActFunc::identity: return;
  case ActFunc::exp:
    for (size_t i = 0; i < n; ++i) x[i] = std::exp(x[i]);
    return;
  case ActFunc::square:
    for (size_t i = 0; i < n; ++i) x[i] = x[i] * x[i];
    return;
  case ActFunc::reciprocal:
    for (size_t i = 0; i < n; ++i) x[i] = 1.0f / x[i];
    return;
  default:
    for (size_t i = 0; i < n; ++i) x[i] = act_apply(f, x[i]);
  }
}

float pairwise_sum(const float *x, size_t n) {
  if (n < 8) {
    float res = 0.0f;
    for (size_t i = 0; i < n; ++i) res += x[i];
    return res;
  }
  if (n <= 128) {
    float r[8];
    for (int j = 0; j < 8; ++j) r[j] = x[j];
    size_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (int j = 0; j < 8; ++j) r[j] += x[i + j];
    float res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += x[i];
    return res;
  }
  size_t n2 = n / 2;
  n2 -= n2 % 8;
  return pairwise_sum(x, n2) + pairwise_sum(x + n2, n - n2);
}

float reduce_values(AluOp op, const float *x, size_t n) {
  if (op == AluOp::add) return pairwise_sum(x, n);
  // A logical reduction is 1 or 0 even over one element (np.logical_and.reduce).
  float acc = alu_kind(op) == AluKind::logical ? (x[0] != 0.0f ? 1.0f : 0.0f) : x[0];
  switch (op) {
  case AluOp::max:
    for (size_t i = 1; i < n; ++i) acc = max_nan(acc, x[i]);
    return acc;
  case AluOp::min:
    for (size_t i = 1; i < n; ++i) acc = min_nan(acc, x[i]);
    return acc;
  default: // multiply, subtract (x0 - x1 - x2 ...: NKI 2.26 documents no order), logical ops
    for (size_t i = 1; i < n; ++i) acc = alu_apply(op, acc, x[i]);
    return acc;
  }
}

int64_t reduce_values_int(AluOp op, const int64_t *x, size_t n) {
  int64_t acc = x[0];
  for (size_t i = 1; i < n; ++i) acc = alu_apply_int(op, acc, x[i]);
  return acc;
}

} // namespace nk
