// Instruction costs. The formulas are NKI's published "estimated instruction
// cost" notes ([isa-cost] in target.cpp); N is the free size (elements per
// partition) of the instruction's main operand. Every constant comes from the
// Target.
#include "runtime/cost_model.h"

#include <algorithm>

namespace nk {

namespace {
double free_size(const AccessPattern &a) { return double(a.free_elements()); }
bool any_in_psum(const Instruction &inst) {
  const OpInfo &info = op_info(inst.op);
  for (unsigned i = 0; i < info.num_aps; ++i)
    if (info.aps[i].role == FieldRole::In && inst.ap[i].mem == Memory::psum) return true;
  return false;
}
} // namespace

InstructionCost instruction_cost(const Target &t, Engine e, const Instruction &inst) {
  const double min_ii = t.min_ii_cycles;
  double busy = 0;
  double latency = t.sbuf_access_cycles;
  switch (inst.op) {
  case Opcode::nc_matmul: {
    double m = free_size(inst.ap[ap::nc_matmul::stationary]);
    double n = free_size(inst.ap[ap::nc_matmul::moving]);
    busy = std::max(std::min(double(t.pe_stationary_min), m), n);
    bool fp32 = inst.ap[ap::nc_matmul::stationary].dtype == Dtype::f32 ||
                inst.ap[ap::nc_matmul::moving].dtype == Dtype::f32;
    if (fp32) busy *= t.pe_fp32_factor;
    break;
  }
  case Opcode::nc_transpose: {
    const AccessPattern &src = inst.ap[ap::nc_transpose::src];
    double p = src.num_partitions, f = free_size(src);
    busy = e == Engine::tensor ? std::max(p, std::min(double(t.pe_stationary_min), f))
                               : std::max(min_ii, f);
    // NKI's cost note for transposes has no fp32 factor (unlike nc_matmul).
    break;
  }
  case Opcode::activation: {
    busy = std::max(min_ii, free_size(inst.ap[ap::activation::src]));
    if (inst.ap[ap::activation::reduce_dst].present()) busy += min_ii;
    break;
  }
  case Opcode::tensor_tensor: {
    double n = free_size(inst.ap[ap::tensor_tensor::src0]);
    busy = any_in_psum(inst) ? std::max(min_ii, n) : 2 * n;
    break;
  }
  case Opcode::tensor_scalar:
    busy = std::max(min_ii, free_size(inst.ap[ap::tensor_scalar::src]));
    break;
  case Opcode::tensor_reduce: {
    const AccessPattern &src = inst.ap[ap::tensor_reduce::src];
    double n = free_size(src);
    busy = std::max(min_ii, dtype_size(src.dtype) <= 2 ? n / 2 : n);
    break;
  }
  case Opcode::tensor_copy:
    busy = std::max(min_ii, free_size(inst.ap[ap::tensor_copy::src]));
    break;
  case Opcode::memset:
    busy = std::max(min_ii, free_size(inst.ap[ap::memset::dst]));
    break;
  case Opcode::select:
    busy = std::max(min_ii, free_size(inst.ap[ap::select::dst]));
    break;
  case Opcode::iota:
    busy = t.gpsimd_fixed_cycles + free_size(inst.ap[ap::iota::dst]);
    break;
  case Opcode::affine_select:
    busy = t.gpsimd_fixed_cycles + free_size(inst.ap[ap::affine_select::src]);
    break;
  case Opcode::sem_signal:
  case Opcode::sem_wait:
    busy = t.semaphore_cycles;
    latency = 0;
    break;
  case Opcode::dma_copy:
    busy = 0;
    latency = 0;
    break;
  }
  busy /= t.speedup[unsigned(e)];
  return {busy, latency};
}

DmaCost dma_cost(const Target &t, const Instruction &inst) {
  // A transfer's partitions are spread over the DMA engines, each serving
  // dma_partitions_per_engine partitions; HBM-to-HBM copies use one engine
  // per partitions_per_engine rows of the first dim.
  const AccessPattern &dst = inst.ap[ap::dma_copy::dst];
  const AccessPattern &src = inst.ap[ap::dma_copy::src];
  const AccessPattern &chip = dst.on_chip() ? dst : src;
  uint64_t rows = chip.on_chip() ? chip.num_partitions
                                 : (chip.num_dims ? chip.dims[0].count : 1);
  uint64_t engines = (rows + t.dma_partitions_per_engine - 1) / t.dma_partitions_per_engine;
  engines = std::clamp<uint64_t>(engines, 1, t.dma_engines);
  return {t.dma_fixed_latency_ns, double(engines) * t.dma_engine_bytes_per_ns};
}

} // namespace nk
