// The trn1 and trn2 target descriptions. Sources (see docs/targets.md):
//  [arch-v2]  NKI "Trainium/Inferentia2 Architecture Guide" (NeuronCore-v2)
//  [arch-v3]  NKI "Trainium2 Architecture Guide" / "NeuronCore-v3
//             Architecture" (NeuronCore-v3)
//  [isa-cost] NKI nki.isa reference, per-instruction "estimated instruction
//             cost" notes (aws-neuron-sdk nki/api/nki/isa/__init__.py, 2025)
//  [dma-bw]   NKI DMA bandwidth guide
//  [perf]     NKI performance guide (nki_perf_guide.rst)
//  [dge]      NKI descriptor generation page (nki-dge.rst)
//  [dma-ov]   NKI DMA overview (nki-dma-overview.rst), profile figures
//  [lnc]      NKI "Using Logical NeuronCores (LNC) with NKI"
//             (nki/get-started/about/lnc) and nki.isa.core_barrier
//  [est]      our estimate, documented as such in docs/targets.md
#include "runtime/target.h"

namespace nk {

namespace {

const Target kTrn1 = {
    "trn1",
    "NeuronCore-v2 (Trn1, Inf2)",
    /*nc_version=*/2,
    /*partitions=*/128,                      // [arch-v2]
    /*sbuf_bytes_per_partition=*/192 * 1024, // [arch-v2] 24 MiB / 128
    /*psum_bytes_per_partition=*/16 * 1024,  // [arch-v2] 2 MiB / 128
    /*psum_banks=*/8,                        // [arch-v2] 8 x 2 KiB
    /*psum_accumulate_fp32_only=*/true,      // [isa-cost] nc_matmul: fp32 result
    /*pe_max_contraction=*/128,              // [isa-cost] nc_matmul
    /*pe_max_stationary_free=*/128,          // [isa-cost]
    /*pe_max_moving_free=*/512,              // [isa-cost]
    /*dve_transpose_max=*/32,                // [arch-v2] 32x32 block transpose
    /*pe_transpose_bit_accurate=*/false,     // [isa-cost] nc_transpose: "On NeuronCore-v2, such matmul-style
                                             // transpose is not bit-accurate if the input data contains NaN/Inf"
    // tensor, vector, scalar, gpsimd, dma (unused)   [arch-v2] engine sections
    {2.8, 1.12, 1.4, 1.4, 1.4},
    /*min_ii_cycles=*/64,          // [isa-cost] "roughly 64 cycles"
    /*sbuf_access_cycles=*/60,     // [arch-v2] fixed access latency
    /*semaphore_cycles=*/4,        // [est] a few engine cycles
    /*pe_fp32_factor=*/4,          // [isa-cost] fp32 matmul 4x
    /*pe_stationary_min=*/64,      // [isa-cost] max(min(64,M),N)
    /*gpsimd_fixed_cycles=*/150,   // [isa-cost] iota/affine_select
    /*min_ii_dynamic_cycles=*/600, // [isa-cost] tensor_copy_dynamic_*: "roughly 600"
    {1.0, 1.0, 1.0, 1.0, 1.0},     // v2 is the reference
    // tensor, vector, scalar, gpsimd, dma: [perf] dependent one-element
    // Scalar instructions issue every 264 cycles = MIN_II 64 + 200.
    {0, 200, 200, 200, 0},
    /*vector_gpsimd_share_sbuf_port=*/true, // [arch-v2]
    /*vector_scalar_share_psum=*/true,      // [arch-v2]
    /*act_table_load_ns=*/1300.0,           // [dma-ov] fig. 3 (a trn2 profile) [est] for v2
    /*dma_engines=*/16,                     // [arch-v2] 16 per core
    /*dma_queues=*/16,                      // [arch-v2]
    /*dma_partitions_per_engine=*/8,        // [dma-bw] 128 / 16
    /*dma_engine_bytes_per_ns=*/17.0,       // [arch-v2] ~17 B/ns per engine
    /*dma_fixed_latency_ns=*/1300.0,        // [dma-bw] ~1.3 us per transfer
    /*dma_issue_ns=*/0.0,                   // [dge] descriptors are built by software ahead of time
    /*dma_issue_units=*/0,
    /*dma_descriptor_ns=*/12.7, // [dma-ov] size curve (a trn2 figure; v2 [est])
                                // [perf] "the transfer size on Trainium/Inferentia2 should be larger
                                // than 32KiB to achieve ideal bandwidth": an engine's 32 KiB share at
                                // 90% of 17 B/ns leaves (32768 / 17) * (1/0.9 - 1) = 214 ns per transfer.
    /*dma_transfer_engine_ns=*/214.0,
    /*dma_max_in_flight=*/0,          // no published bound
    /*hbm_bytes_per_ns=*/410.0,       // [arch-v2] 820 GB/s / 2 cores
    /*hbm_bytes=*/uint64_t(16) << 30, // [arch-v2] 32 GiB / 2 cores
    /*num_semaphores=*/256,           // [est]
    /*max_cores=*/1,                  // [lnc] LNC begins with Trainium2
};

const Target kTrn2 = {
    "trn2",
    "NeuronCore-v3 (Trn2), one physical core",
    /*nc_version=*/3,
    /*partitions=*/128,                      // [arch-v3]
    /*sbuf_bytes_per_partition=*/224 * 1024, // [arch-v3] 128 x 224 KiB
    /*psum_bytes_per_partition=*/16 * 1024,  // [arch-v3] same as v2
    /*psum_banks=*/8,                        // [arch-v3]
    /*psum_accumulate_fp32_only=*/true,      // [isa-cost]
    /*pe_max_contraction=*/128,
    /*pe_max_stationary_free=*/128,
    /*pe_max_moving_free=*/512,
    /*dve_transpose_max=*/32,
    // [isa-cost] nc_transpose's NaN/Inf note names NeuronCore-v2 only: v3 bit-accurate [est]
    /*pe_transpose_bit_accurate=*/true,
    {2.4, 0.96, 1.2, 1.2, 1.2},    // [arch-v3] engine sections
    /*min_ii_cycles=*/64,          // [isa-cost]
    /*sbuf_access_cycles=*/60,     // [arch-v2]; v3 not published [est]
    /*semaphore_cycles=*/4,        // [est]
    /*pe_fp32_factor=*/4,          // [isa-cost]
    /*pe_stationary_min=*/64,      // [isa-cost]
    /*gpsimd_fixed_cycles=*/150,   // [isa-cost]
    /*min_ii_dynamic_cycles=*/600, // [isa-cost]
    // v3 costs are published only as speed-ups over v2; none is confirmed
    // yet, so these stay 1.0 [est] until a source gives a figure.
    {1.0, 1.0, 1.0, 1.0, 1.0},
    {0, 200, 200, 200, 0},                   // [perf] (a v2 figure) [est] for v3
    /*vector_gpsimd_share_sbuf_port=*/false, // [arch-v3] v3 lifts v2's restriction
    /*vector_scalar_share_psum=*/false,      // [arch-v3] (unless both hit one PSUM bank: not modelled)
    /*act_table_load_ns=*/1300.0,            // [dma-ov] fig. 3: ~1.3 us before a [4, 4096] exp
    /*dma_engines=*/16,                      // [arch-v3] 16 per physical core
    /*dma_queues=*/16,
    /*dma_partitions_per_engine=*/8,
    /*dma_engine_bytes_per_ns=*/23.0, // [arch-v3] ~23 B/ns per engine
    /*dma_fixed_latency_ns=*/1300.0,  // [dma-bw] (v2 figure) [est]
    /*dma_issue_ns=*/600.0,           // [dge] hardware descriptor generation per DMA instruction
    /*dma_issue_units=*/2,            // [dge] two DGE instances per NeuronCore-v3
    /*dma_descriptor_ns=*/12.7,       // [dma-ov] throughput-vs-size curve: 2 KiB runs reach
                                      // 81%, 4 KiB 96.6% of 32 KiB's; d = 293 B / 23 B/ns
    /*dma_transfer_engine_ns=*/0.0,   // the 32 KiB rule is stated for v2 only
    /*dma_max_in_flight=*/0,          // no published bound
    /*hbm_bytes_per_ns=*/375.0,       // [arch-v3] 3 TB/s / 8 cores
    /*hbm_bytes=*/uint64_t(12) << 30, // [arch-v3] 96 GiB / 8 cores
    /*num_semaphores=*/256,           // [est]
    /*max_cores=*/2,                  // [lnc] an LNC degree of 1 or 2
};

} // namespace

const std::vector<const Target *> &all_targets() {
  static const std::vector<const Target *> t = {&kTrn1, &kTrn2};
  return t;
}

const Target *find_target(std::string_view name) {
  for (const Target *t : all_targets())
    if (name == t->name) return t;
  return nullptr;
}

std::string hbm_capacity(const Target &t) {
  return std::to_string(t.hbm_bytes >> 30) + " GiB of HBM per NeuronCore of " + t.name + " (" +
         std::to_string(t.hbm_bytes) + " bytes)";
}

} // namespace nk
