// Array: a small NumPy-equivalent n-d array for the oracle. float32 arrays
// (and float64 where NumPy would promote), C order, with NumPy's
// broadcasting, elementwise ops, reductions (sum with NumPy's pairwise
// summation, max, min), matmul, transpose, reshape and softmax.
//
// Guarantees: each float32 op rounds exactly as NumPy's float32 op does
// (+ - * / sqrt, max/min, and sums along the last axis bit for bit); exp is
// correctly rounded (NumPy's SIMD expf may differ by an ulp); matmul
// accumulates in float64 and rounds once (BLAS orders differ per machine).
// See docs/oracle.md for the exact rules.
//
// Assumes: shapes are valid for each op. The kernel references validate user
// shapes first and return llvm::Error; a shape error inside the oracle is a
// bug in the oracle and stops the program with a message
// (llvm::report_fatal_error), never undefined behaviour.
#pragma once

#include "runtime/host_tensor.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nk::oracle {

enum class ElemType { f32, f64 };
std::string_view elem_type_name(ElemType t);
// NumPy's promotion between array operands: f64 if either is f64.
inline ElemType promote(ElemType a, ElemType b) {
  return a == ElemType::f64 || b == ElemType::f64 ? ElemType::f64 : ElemType::f32;
}
// The value as the element type stores it (round to nearest even for f32).
inline double round_to(ElemType t, double v) { return t == ElemType::f32 ? double(float(v)) : v; }

using Shape = std::vector<int64_t>;
std::string shape_str(const Shape &s); // "(2, 3)" like NumPy

class Array {
public:
  Array() = default;
  // Zeros of the given type and shape.
  Array(ElemType type, Shape shape);
  static Array from_floats(Shape shape, const std::vector<float> &values);
  static Array from_doubles(Shape shape, const std::vector<double> &values, ElemType type = ElemType::f64);
  static Array full(Shape shape, double value, ElemType type = ElemType::f32);
  static Array scalar(double value, ElemType type = ElemType::f32); // 0-d
  // Any HostTensor widened to float32 (bf16/f16 exactly; i32/u8 as
  // np.asarray(x, np.float32) would).
  static Array from_host(const HostTensor &t);
  // Rounded to `dtype` as NumPy's astype would (runtime/dtype.h rules).
  HostTensor to_host(Dtype dtype = Dtype::f32) const;

  ElemType type() const { return type_; }
  const Shape &shape() const { return shape_; }
  int64_t ndim() const { return int64_t(shape_.size()); }
  int64_t size() const { return int64_t(data_.size()); }
  const std::vector<double> &values() const { return data_; }
  std::vector<double> &mutable_values() { return data_; }
  double operator[](int64_t flat) const { return data_[size_t(flat)]; }
  // Element at an n-d index (one entry per axis).
  double at(const Shape &index) const;

  Array astype(ElemType t) const;
  Array reshape(Shape shape) const; // one extent may be -1
  Array transpose() const;          // reverse the axes, like a.T
  Array transpose(const std::vector<int> &axes) const;
  Array index(int64_t i) const; // a[i]: the sub-array along axis 0

private:
  ElemType type_ = ElemType::f32;
  Shape shape_;
  // Values as double; for f32 arrays every value is exactly a float, so
  // rounding a double result to float reproduces the float32 operation.
  std::vector<double> data_;
};

// Elementwise with broadcasting. Array-array ops promote (f32, f64) -> f64.
// Scalar operands act like a Python float in NumPy: they take the array's
// type (so `x * 0.125` stays float32, the scalar first rounded to float32).
Array add(const Array &a, const Array &b);
Array subtract(const Array &a, const Array &b);
Array multiply(const Array &a, const Array &b);
Array divide(const Array &a, const Array &b);
Array maximum(const Array &a, const Array &b); // NaN propagates
Array minimum(const Array &a, const Array &b);
Array add(const Array &a, double s);
Array multiply(const Array &a, double s);
Array divide(const Array &a, double s);
Array negative(const Array &a);
Array exp(const Array &a);
Array sqrt(const Array &a);
Array reciprocal(const Array &a);
inline Array operator+(const Array &a, const Array &b) { return add(a, b); }
inline Array operator-(const Array &a, const Array &b) { return subtract(a, b); }
inline Array operator*(const Array &a, const Array &b) { return multiply(a, b); }
inline Array operator/(const Array &a, const Array &b) { return divide(a, b); }
inline Array operator*(const Array &a, double s) { return multiply(a, s); }
inline Array operator*(double s, const Array &a) { return multiply(a, s); }
inline Array operator/(const Array &a, double s) { return divide(a, s); }
inline Array operator-(const Array &a) { return negative(a); }

// The broadcast shape of a and b (NumPy rules), or nullopt if incompatible.
std::optional<Shape> broadcast_shapes(const Shape &a, const Shape &b);

// Reductions over one axis (negative counts from the end) or, with no axis,
// over all elements. sum uses NumPy's summation order (see docs/oracle.md).
// max/min propagate NaN and need a non-empty axis.
Array sum(const Array &a, std::optional<int> axis = std::nullopt, bool keepdims = false);
Array max(const Array &a, std::optional<int> axis = std::nullopt, bool keepdims = false);
Array min(const Array &a, std::optional<int> axis = std::nullopt, bool keepdims = false);

// NumPy's pairwise sum of n values at p with the given stride, accumulating
// in float (f32) or double (f64): the routine np.add.reduce uses along a
// contiguous axis.
double pairwise_sum(ElemType type, const double *p, int64_t n, int64_t stride);

// np.matmul: 1-D operands are promoted and the added axis removed; batch
// axes broadcast. Products are accumulated in float64, rounded once.
Array matmul(const Array &a, const Array &b);
// np.stack(arrays, axis=0).
Array stack(const std::vector<Array> &arrays);

// The common NumPy formulation: e = exp(x - max(x, axis, keepdims=True)),
// e / sum(e, axis, keepdims=True).
Array softmax(const Array &x, int axis = -1);

} // namespace nk::oracle
