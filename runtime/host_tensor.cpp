// HostTensor helpers (see host_tensor.h).
#include "runtime/host_tensor.h"

#include "llvm/ADT/Twine.h"
#include "llvm/Support/ErrorHandling.h"

namespace nk {

uint64_t shape_num_elements(const std::vector<int64_t> &shape) {
  uint64_t n = 1;
  for (int64_t d : shape) n *= uint64_t(d);
  return n;
}

HostTensor::HostTensor(Dtype t, std::vector<int64_t> s)
    : dtype(t), shape(std::move(s)), data(shape_num_elements(shape) * dtype_size(t), 0) {}

HostTensor HostTensor::from_floats(Dtype t, std::vector<int64_t> s, const std::vector<float> &values) {
  HostTensor h(t, std::move(s));
  if (values.size() != h.num_elements()) // a bug in the caller, not user input
    llvm::report_fatal_error("HostTensor::from_floats: " + llvm::Twine(values.size()) + " values for shape " +
                                 format_shape(h.shape),
                             /*gen_crash_diag=*/false);
  for (uint64_t i = 0; i < values.size(); ++i) h.set_f32(i, values[i]);
  return h;
}

uint64_t HostTensor::num_elements() const { return shape_num_elements(shape); }

std::vector<float> HostTensor::to_floats() const {
  std::vector<float> out(num_elements());
  for (uint64_t i = 0; i < out.size(); ++i) out[i] = get_f32(i);
  return out;
}

std::string format_shape(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

std::string format_tensor_type(Dtype t, const std::vector<int64_t> &shape) {
  return std::string(dtype_name(t)) + format_shape(shape);
}

} // namespace nk
