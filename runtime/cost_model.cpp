// Instruction costs. The formulas are NKI's published "estimated instruction
// cost" notes ([isa-cost] in target.cpp); N is the free size (elements per
// partition) of the instruction's main operand. Every constant comes from the
// Target.
#include "runtime/cost_model.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace nk {

namespace {
double free_size(const AccessPattern &a) { return double(a.free_elements()); }
// Elements of the longest contiguous innermost run of `a`'s dims from
// `first_dim` on (for an HBM pattern, 1 skips the dim that maps to
// partitions).
uint64_t contiguous_run(const AccessPattern &a, unsigned first_dim) {
  uint64_t run = 1;
  int64_t next_stride = 1;
  for (int d = int(a.num_dims) - 1; d >= int(first_dim); --d) {
    const Dim &dim = a.dims[unsigned(d)];
    if (dim.count == 1) continue;
    if (dim.stride != next_stride) break;
    run *= dim.count;
    next_stride = int64_t(run);
  }
  return run;
}
uint64_t row_elements(const AccessPattern &a, unsigned first_dim) {
  uint64_t n = 1;
  for (unsigned d = first_dim; d < a.num_dims; ++d) n *= a.dims[d].count;
  return n;
}
// Elements one after another in each partition (all dims merge into one run).
bool contiguous(const AccessPattern &a) { return contiguous_run(a, 0) >= row_elements(a, 0); }
bool touches(const Instruction &inst, Memory m) {
  const OpInfo &info = op_info(inst.op);
  for (unsigned i = 0; i < info.num_aps; ++i)
    if (inst.ap[i].mem == m) return true;
  return false;
}
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
    // NKI 2.26 nki.isa.nc_matmul: 4x for float32 inputs; tfloat32 runs at
    // the bf16/fp16/fp8 rate. is_stationary_onezero / is_moving_onezero
    // ("could lead to 2x better performance" for a float32 operand, no
    // effect otherwise): each hint on a float32 operand halves the float32
    // factor; both hints on two float32 operands compose to the bf16 rate
    // (our reading: NKI states each hint's 2x alone) [est].
    const Dtype st_dtype = inst.ap[ap::nc_matmul::stationary].dtype, mv_dtype = inst.ap[ap::nc_matmul::moving].dtype;
    if (st_dtype == Dtype::f32 || mv_dtype == Dtype::f32) {
      double factor = t.pe_fp32_factor;
      if (st_dtype == Dtype::f32 && inst.get_bool(attr::nc_matmul::is_stationary_onezero)) factor /= 2;
      if (mv_dtype == Dtype::f32 && inst.get_bool(attr::nc_matmul::is_moving_onezero)) factor /= 2;
      busy *= std::max(1.0, factor);
    }
    // PE tiling (tile_rows x tile_cols of the array): the documented cost
    // of the instruction itself; NKI 2.26 says matmuls on different PE
    // tiles run in parallel, which the simulator's Tensor-engine timing
    // models (simulator/scheduler.cpp: each matmul holds its tile's 32 x 32
    // blocks; a stream moves on while a tiled matmul runs).
    break;
  }
  case Opcode::nc_transpose: {
    const AccessPattern &src = inst.ap[ap::nc_transpose::src];
    double p = src.num_partitions, f = free_size(src);
    busy = e == Engine::tensor ? std::max(p, std::min(double(t.pe_stationary_min), f)) : std::max(min_ii, f);
    // NKI's cost note for transposes has no fp32 factor (unlike nc_matmul).
    break;
  }
  case Opcode::activation: {
    // NKI 2.26 nki.isa.activation: the reduce_cmd register updates are
    // free; reading the registers out into reduce_res is an extra
    // instruction (activation_reduce's "+ MIN_II").
    busy = std::max(min_ii, free_size(inst.ap[ap::activation::src]));
    if (inst.ap[ap::activation::reduce_dst].present()) busy += min_ii;
    break;
  }
  case Opcode::tensor_tensor: {
    // One input in PSUM: N. Both in SBUF: 2N, except N for bf16 add /
    // subtract / multiply on contiguous data (all operands bf16).
    const AccessPattern &a = inst.ap[ap::tensor_tensor::src0], &b = inst.ap[ap::tensor_tensor::src1],
                        &d = inst.ap[ap::tensor_tensor::dst];
    const double n = free_size(a);
    const auto op = AluOp(inst.get_int(attr::tensor_tensor::op));
    const bool fast_bf16 = a.dtype == Dtype::bf16 && b.dtype == Dtype::bf16 && d.dtype == Dtype::bf16 &&
                           (op == AluOp::add || op == AluOp::subtract || op == AluOp::multiply) && contiguous(a) &&
                           contiguous(b) && contiguous(d);
    busy = any_in_psum(inst) || fast_bf16 ? std::max(min_ii, n) : std::max(min_ii, 2 * n);
    break;
  }
  case Opcode::tensor_scalar: {
    // max(MIN_II, N) on Vector or Scalar (NKI 2.26 nki.isa.tensor_scalar).
    // GpSimd (rsqrt only): its throughput is "4x lower than Scalar Engine"
    // (nki.api.shared.rst, "NKI Engine Selection"), whose rsqrt
    // (activation) costs max(MIN_II, N): max(MIN_II, 4N) [derived].
    const double n = free_size(inst.ap[ap::tensor_scalar::src]);
    busy = std::max(min_ii, e == Engine::gpsimd ? 4 * n : n);
    break;
  }
  case Opcode::tensor_scalar_reduce: // the reduction costs one more MIN_II
    busy = std::max(min_ii, free_size(inst.ap[ap::tensor_scalar_reduce::src])) + min_ii;
    break;
  case Opcode::tensor_reduce: {
    // N/2 when input and output are bf16 and the reduction adds or takes the
    // max; else N. (The note defines MIN_II without using it; we keep it as
    // the floor every other note has.)
    const AccessPattern &src = inst.ap[ap::tensor_reduce::src], &dst = inst.ap[ap::tensor_reduce::dst];
    const auto op = AluOp(inst.get_int(attr::tensor_reduce::op));
    const double n = free_size(src);
    const bool half = src.dtype == Dtype::bf16 && dst.dtype == Dtype::bf16 && (op == AluOp::add || op == AluOp::max);
    busy = std::max(min_ii, half ? n / 2 : n);
    break;
  }
  case Opcode::tensor_copy: busy = std::max(min_ii, free_size(inst.ap[ap::tensor_copy::src])); break;
  case Opcode::memset: {
    // Zero into bf16/fp16: N/2.
    const AccessPattern &dst = inst.ap[ap::memset::dst];
    const bool half =
        inst.get_float(attr::memset::value) == 0.0f && (dst.dtype == Dtype::bf16 || dst.dtype == Dtype::f16);
    busy = std::max(min_ii, half ? free_size(dst) / 2 : free_size(dst));
    break;
  }
  case Opcode::select: busy = std::max(min_ii, free_size(inst.ap[ap::select::dst])); break;
  case Opcode::tensor_copy_predicated: { // N with src and predicate in different memories, 2N both in SBUF
    using F = ap::tensor_copy_predicated;
    const double n = free_size(inst.ap[F::dst]);
    const bool both_sbuf = inst.ap[F::src].mem == Memory::sbuf && inst.ap[F::predicate].mem == Memory::sbuf;
    busy = std::max(min_ii, both_sbuf ? 2 * n : n);
    break;
  }
  case Opcode::select_reduce: { // [est] NKI 2.26 documents no cost: tensor_copy_predicated's note
    // (the same two tile reads, predicate and data, under the same memory
    // rule); the max reduction adds nothing, as in range_select's note.
    using F = ap::select_reduce;
    const double n = free_size(inst.ap[F::dst]);
    const bool both_sbuf = inst.ap[F::on_true].mem == Memory::sbuf && inst.ap[F::predicate].mem == Memory::sbuf;
    busy = std::max(min_ii, both_sbuf ? 2 * n : n);
    break;
  }
  case Opcode::nc_stream_shuffle: // N, src's elements per partition
    busy = std::max(min_ii, free_size(inst.ap[ap::nc_stream_shuffle::src]));
    break;
  case Opcode::iota: busy = t.gpsimd_fixed_cycles + free_size(inst.ap[ap::iota::dst]); break;
  case Opcode::affine_select: busy = t.gpsimd_fixed_cycles + free_size(inst.ap[ap::affine_select::src]); break;
  // NKI 2.26's estimated-cost notes (docs/targets.md cites each line).
  case Opcode::tensor_tensor_scan: // two inputs: 2N
    busy = std::max(min_ii, 2 * free_size(inst.ap[ap::tensor_tensor_scan::data0]));
    break;
  case Opcode::bn_stats: busy = std::max(min_ii, free_size(inst.ap[ap::bn_stats::src])); break;
  case Opcode::bn_aggr: // 13 cycles per (count, mean, M2) triple
    busy = std::max(min_ii, 13 * std::floor(free_size(inst.ap[ap::bn_aggr::src]) / 3));
    break;
  case Opcode::max8: // the note gives N, with no MIN_II floor
    busy = free_size(inst.ap[ap::max8::src]);
    break;
  case Opcode::nc_find_index8: // N = data's free size, no MIN_II floor
    busy = free_size(inst.ap[ap::nc_find_index8::data]);
    break;
  case Opcode::scalar_tensor_tensor: {
    // N for bf16 data and operand1 with subtract then multiply and N even;
    // else 2N; no MIN_II term.
    using F = ap::scalar_tensor_tensor;
    const double n = free_size(inst.ap[F::data]);
    const bool fast = inst.ap[F::data].dtype == Dtype::bf16 && inst.ap[F::operand1].dtype == Dtype::bf16 &&
                      inst.get_alu(attr::scalar_tensor_tensor::op0) == AluOp::subtract &&
                      inst.get_alu(attr::scalar_tensor_tensor::op1) == AluOp::multiply && std::fmod(n, 2) == 0;
    busy = fast ? n : 2 * n;
    break;
  }
  case Opcode::reciprocal: // about 8x an ordinary Vector op
    busy = std::max(min_ii, 8 * free_size(inst.ap[ap::reciprocal::src]));
    break;
  case Opcode::tensor_partition_reduce:
    // NKI documents no cost. Estimate [est], by analogy with the GpSimd
    // notes it does give (iota, affine_select): GPSIMD_START + N.
    busy = t.gpsimd_fixed_cycles + free_size(inst.ap[ap::tensor_partition_reduce::data]);
    break;
  case Opcode::sequence_bounds: // [est]: no documented cost; GPSIMD_START + N like iota
    busy = t.gpsimd_fixed_cycles + free_size(inst.ap[ap::sequence_bounds::segment_ids]);
    break;
  case Opcode::dropout: busy = std::max(min_ii, free_size(inst.ap[ap::dropout::src])); break;
  case Opcode::range_select: // NKI 2.26's estimate has no term for the reduction or reduce_res
    busy = std::max(min_ii, free_size(inst.ap[ap::range_select::on_true]));
    break;
  case Opcode::tensor_copy_dynamic_src: // N = the elements copied (the window)
    busy = std::max(double(t.min_ii_dynamic_cycles), free_size(inst.ap[ap::tensor_copy_dynamic_src::dst]));
    break;
  case Opcode::tensor_copy_dynamic_dst:
    busy = std::max(double(t.min_ii_dynamic_cycles), free_size(inst.ap[ap::tensor_copy_dynamic_dst::src]));
    break;
  case Opcode::local_gather: {
    // 150 + nv*E / C, C = ((28 + t*E) / (t*E)) / min(4 / dtype_size, E), t = 4 (NKI 2.26).
    const AccessPattern &src = inst.ap[ap::local_gather::src];
    const double e = double(inst.get_int(attr::local_gather::num_elem_per_idx));
    const double nv = free_size(inst.ap[ap::local_gather::dst]) / e; // dst holds nv*E per partition
    const double c = ((28 + 4 * e) / (4 * e)) / std::min(4.0 / dtype_size(src.dtype), e);
    busy = t.gpsimd_fixed_cycles + nv * e / c;
    break;
  }
  case Opcode::nc_match_replace8: // the note says min(MIN_II, N), read as max (see docs/targets.md)
    busy = std::max(min_ii, free_size(inst.ap[ap::nc_match_replace8::data]));
    break;
  case Opcode::sem_signal:
  case Opcode::sem_wait:
  case Opcode::core_barrier: // a remote semaphore update and a local wait [est]
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

SharedPorts shared_ports(const Target &t, Engine e, const Instruction &inst) {
  SharedPorts p;
  p.sbuf =
      t.vector_gpsimd_share_sbuf_port && (e == Engine::vector || e == Engine::gpsimd) && touches(inst, Memory::sbuf);
  p.psum = t.vector_scalar_share_psum && (e == Engine::vector || e == Engine::scalar) && touches(inst, Memory::psum);
  return p;
}

double DmaCost::peak_bytes_per_ns(const Target &t) const {
  // Every engine works at its full rate; the transfer ends with the engine
  // that has the most work.
  double bytes = 0, work = 0;
  for (size_t e = 0; e < engine_work.size(); ++e) {
    bytes += engine_bytes[e];
    work = std::max(work, engine_work[e]);
  }
  if (work <= 0) return t.dma_engine_bytes_per_ns;
  return bytes / (work / t.dma_engine_bytes_per_ns);
}

DmaCost dma_cost(const Target &t, const Instruction &inst) {
  const AccessPattern &dst = inst.ap[ap::dma_copy::dst];
  const AccessPattern &src = inst.ap[ap::dma_copy::src];
  DmaCost c;
  // dge_mode none (0): descriptors precomputed on the host, no on-device
  // generation ([dge]: "zero on-device overhead"); swdge (1), hwdge (2),
  // unknown (3): the target's issue time (no figure is published for
  // swdge's GpSimd cycles: the same cost, docs/targets.md).
  c.issue_ns = inst.get_int(attr::dma_copy::dge_mode) == 0 ? 0.0 : t.dma_issue_ns;
  c.latency_ns = t.dma_fixed_latency_ns;
  c.engine_work.assign(t.dma_engines, 0.0);
  c.engine_bytes.assign(t.dma_engines, 0.0);
  // Rows: the on-chip side's partitions (SBUF-to-SBUF: the destination's);
  // HBM to HBM, the first dim's rows, numbered from 0.
  const AccessPattern &chip = dst.on_chip() ? dst : src;
  uint64_t first_row = 0, rows = 1;
  if (chip.on_chip()) {
    first_row = chip.start_partition;
    rows = chip.num_partitions;
  } else if (chip.num_dims > 1) {
    rows = chip.dims[0].count;
  }
  if (rows == 0) return c;
  const uint64_t elements = src.num_elements();
  const double row_bytes =
      double(elements) / double(rows) * double(std::max(dtype_size(src.dtype), dtype_size(dst.dtype)));
  // Descriptors: contiguous runs of HBM bytes (the DMA's unit of work on
  // the HBM side), per row on whichever side is more fragmented. When the
  // HBM side is one contiguous block and every row one run, the rows an
  // engine serves are adjacent in HBM: one descriptor for all of them.
  auto runs_per_row = [&](const AccessPattern &a) -> double {
    const unsigned first = a.on_chip() ? 0 : 1;
    if (!a.on_chip() && a.num_dims <= 1) return 1; // a flat HBM block: rows are its slices
    const uint64_t per_row = row_elements(a, first);
    const uint64_t run = contiguous_run(a, first);
    const uint64_t descriptors = (per_row + run - 1) / run; // whole descriptors: a ceiling
    return double(descriptors);
  };
  const double desc_per_row = std::max(runs_per_row(src), runs_per_row(dst));
  const AccessPattern *hbm = src.mem == Memory::hbm ? &src : dst.mem == Memory::hbm ? &dst : nullptr;
  const bool one_block = hbm && desc_per_row == 1 && contiguous_run(*hbm, 0) >= hbm->num_elements();
  const double desc_work = t.dma_descriptor_ns * t.dma_engine_bytes_per_ns;
  std::vector<unsigned> rows_on(t.dma_engines, 0);
  for (uint64_t r = first_row; r < first_row + rows; ++r)
    ++rows_on[unsigned((r / t.dma_partitions_per_engine) % t.dma_engines)];
  for (unsigned e = 0; e < t.dma_engines; ++e) {
    if (!rows_on[e]) continue;
    const double descriptors = one_block ? 1.0 : rows_on[e] * desc_per_row;
    c.engine_bytes[e] = rows_on[e] * row_bytes;
    c.engine_work[e] =
        rows_on[e] * row_bytes + descriptors * desc_work + t.dma_transfer_engine_ns * t.dma_engine_bytes_per_ns;
  }
  return c;
}

} // namespace nk
