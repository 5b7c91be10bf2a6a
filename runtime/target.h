// Target machine descriptions: every machine number the compiler and the
// simulator use, in one place, each with its public source (target.cpp and
// docs/targets.md). Nothing else in the project hard-codes a machine number.
#pragma once

#include "runtime/isa.h"

#include <string>
#include <string_view>
#include <vector>

namespace nk {

struct Target {
  const char *name;        // "trn1", "trn2"
  const char *description; // e.g. "NeuronCore-v2 (Trn1/Inf2)"
  unsigned nc_version;     // NeuronCore generation (NKI's nc_version): 2 trn1, 3 trn2

  // On-chip memories.
  unsigned partitions; // SBUF/PSUM partitions
  uint64_t sbuf_bytes_per_partition;
  uint64_t psum_bytes_per_partition;
  unsigned psum_banks;            // banks per partition
  bool psum_accumulate_fp32_only; // matmul into PSUM must be fp32

  // Tensor engine limits.
  unsigned pe_max_contraction;     // K (partitions of both operands)
  unsigned pe_max_stationary_free; // M
  unsigned pe_max_moving_free;     // N
  unsigned dve_transpose_max;      // Vector-engine transpose block edge
  // nc_matmul is_transpose moves NaN, Inf and -0 unchanged; without it the
  // transpose is the matmul by the identity, where they spread along the
  // product's rows.
  bool pe_transpose_bit_accurate;

  // Engine clocks in GHz, indexed by Engine (dma unused).
  double clock_ghz[kNumEngines];

  // Cost model parameters (cycles of the engine running the instruction).
  unsigned min_ii_cycles;         // minimum initiation interval
  unsigned sbuf_access_cycles;    // fixed access latency per instruction
  unsigned semaphore_cycles;      // a sem_signal / satisfied sem_wait
  unsigned pe_fp32_factor;        // fp32 matmul is this many times slower
  unsigned pe_stationary_min;     // min(pe_stationary_min, M) term
  unsigned gpsimd_fixed_cycles;   // iota / affine_select fixed cost
  unsigned min_ii_dynamic_cycles; // MIN_II_DYNAMIC: tensor_copy_dynamic_src/dst
  double speedup[kNumEngines];    // per-engine throughput multiplier vs v2
  // An instruction that reads what an earlier instruction of the same engine
  // wrote starts no earlier than that one's start + busy + this.
  unsigned dependent_latency_cycles[kNumEngines];
  bool vector_gpsimd_share_sbuf_port; // their SBUF-touching instructions never overlap
  bool vector_scalar_share_psum;      // their PSUM-touching instructions never overlap
  double act_table_load_ns;           // Scalar switching to a function in another table

  // DMA and HBM.
  unsigned dma_engines;               // DMA engines per core
  unsigned dma_queues;                // queues (streams) a program may use
  unsigned dma_partitions_per_engine; // partitions one DMA engine serves
  double dma_engine_bytes_per_ns;     // bandwidth of one DMA engine
  double dma_fixed_latency_ns;        // per-transfer latency before bytes flow
  double dma_issue_ns;                // queue occupied per dma_copy (descriptor generation)
  unsigned dma_issue_units;           // descriptor generators shared by all queues (0: one per queue)
  double dma_descriptor_ns;           // engine time per descriptor (contiguous run per row)
  double dma_transfer_engine_ns;      // engine time per transfer, on each engine it uses
  unsigned dma_max_in_flight;         // transfers in flight per queue (0: no bound)
  double hbm_bytes_per_ns;            // HBM bandwidth per core (the roofline)
  // HBM capacity per core (the device's HBM over its cores): nkc refuses
  // kernels whose tensors need more, the verifier programs that address
  // more (.hbm_size), and nksim never allocates more for the simulated HBM.
  uint64_t hbm_bytes;

  unsigned num_semaphores; // per physical core

  // Physical cores a program may group into its logical core (the LNC
  // degree): 1 on NeuronCore-v2, 2 on v3. Each core brings its own engines,
  // DMA engines and queues, SBUF, PSUM, semaphores and share of the HBM
  // bandwidth (hbm_bytes_per_ns is per core); HBM itself is shared.
  unsigned max_cores;

  uint64_t sbuf_bytes() const { return sbuf_bytes_per_partition * partitions; }
  uint64_t psum_bank_bytes() const { return psum_bytes_per_partition / psum_banks; }
  double cycles_to_ns(Engine e, double cycles) const { return cycles / clock_ghz[unsigned(e)]; }
};

const Target *find_target(std::string_view name);
// "12 GiB of HBM per NeuronCore of trn2 (12884901888 bytes)", for messages.
std::string hbm_capacity(const Target &t);
const std::vector<const Target *> &all_targets();
constexpr std::string_view kDefaultTarget = "trn2";

} // namespace nk
