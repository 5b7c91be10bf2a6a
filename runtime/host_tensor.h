// HostTensor: an n-d array in host memory, C order (row-major), contiguous,
// with one of the machine's element types. It is what .npy files, the HBM
// image, random inputs and the oracle exchange. Plain data: the bytes are
// stored exactly as they would sit in HBM (little-endian), so binding a
// tensor is one memcpy.
#pragma once

#include "runtime/dtype.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace nk {

struct HostTensor {
  Dtype dtype = Dtype::f32;
  std::vector<int64_t> shape; // empty = 0-d (one element)
  std::vector<uint8_t> data;  // num_elements() * dtype_size(dtype) bytes

  HostTensor() = default;
  // Zero-filled tensor of the given type and shape.
  HostTensor(Dtype t, std::vector<int64_t> s);
  // An f32 (or narrower: values are rounded as store_from_f32 does) tensor
  // from float values in C order; values.size() must equal the element count
  // (a mismatch is a caller bug: reported with llvm::report_fatal_error).
  static HostTensor from_floats(Dtype t, std::vector<int64_t> s, const std::vector<float> &values);

  uint64_t num_elements() const;
  uint64_t size_bytes() const { return num_elements() * dtype_size(dtype); }

  // Element i (C-order flat index) widened to fp32.
  float get_f32(uint64_t i) const { return load_as_f32(dtype, data.data() + i * dtype_size(dtype)); }
  void set_f32(uint64_t i, float v) { store_from_f32(dtype, data.data() + i * dtype_size(dtype), v); }
  // Every element widened to fp32, in C order.
  std::vector<float> to_floats() const;

  bool operator==(const HostTensor &o) const { return dtype == o.dtype && shape == o.shape && data == o.data; }
  bool operator!=(const HostTensor &o) const { return !(*this == o); }
};

// "f32[4,8]", the notation the assembly and the diagnostics use.
std::string format_tensor_type(Dtype t, const std::vector<int64_t> &shape);

// A tensor whose bytes are held elsewhere (a HostTensor, a NumPy array's
// buffer, ...): what binding an input reads, so that the bytes are copied
// once, into the HBM image. It must not outlive them.
struct HostTensorRef {
  Dtype dtype = Dtype::f32;
  std::vector<int64_t> shape;
  const uint8_t *data = nullptr;
  uint64_t size = 0; // bytes at data
  HostTensorRef(Dtype d, std::vector<int64_t> s, const uint8_t *bytes, uint64_t n)
      : dtype(d), shape(std::move(s)), data(bytes), size(n) {}
  HostTensorRef(const HostTensor &t) // NOLINT(google-explicit-constructor): a HostTensor binds as itself
      : dtype(t.dtype), shape(t.shape), data(t.data.data()), size(t.data.size()) {}
};
// "[4,8]"; "[]" for a 0-d tensor.
std::string format_shape(const std::vector<int64_t> &shape);
// The product of the extents (1 for a 0-d shape).
uint64_t shape_num_elements(const std::vector<int64_t> &shape);

} // namespace nk
