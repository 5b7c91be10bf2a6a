// The --stats report (print_stats in simulator.h). Plain aligned text, one
// row per stream, so tests can FileCheck it and users can read it.
#include "simulator/simulator.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include <fmt/format.h>

namespace nk {

void print_stats(llvm::raw_ostream &os, const SimStats &st) {
  const Target &t = *st.target;
  const double clock = t.clock_ghz[unsigned(Engine::tensor)];
  os << fmt::format("kernel {} on {} ({})", st.kernel, t.name, t.description);
  if (st.cores > 1) os << fmt::format(" x {}: one logical core (LNC={})", st.cores, st.cores);
  os << '\n';
  os << fmt::format("total time: {:.1f} ns = {:.0f} cycles at the Tensor engine clock ({} GHz)\n", st.total_ns,
                    st.total_ns * clock, clock);
  for (size_t c = 0; c < st.core_end_ns.size(); ++c) {
    // Per core: its end, and its compute engines' mean busy share of the kernel's time.
    double busy = 0;
    unsigned engines = 0;
    for (const StreamStats &s : st.streams)
      if (s.id.core == c && s.id.engine != Engine::dma) busy += s.busy_ns, ++engines;
    os << fmt::format("core {}: ends at {:.1f} ns; compute engines busy {:.1f}% on average\n", c, st.core_end_ns[c],
                      st.total_ns > 0 && engines ? 100.0 * busy / (engines * st.total_ns) : 0.0);
  }
  size_t w = 8; // stream names: "core1.tensor" with two cores
  for (const StreamStats &s : st.streams) w = std::max(w, stream_name(s.id).size());
  os << fmt::format("{:<{}} {:>8} {:>12} {:>7} {:>12} {:>12}\n", "stream", w, "insts", "busy ns", "busy %",
                    "blocked ns", "idle ns");
  for (const StreamStats &s : st.streams) {
    double pct = st.total_ns > 0 ? 100.0 * s.busy_ns / st.total_ns : 0.0;
    os << fmt::format("{:<{}} {:>8} {:>12.1f} {:>6.1f}% {:>12.1f} {:>12.1f}\n", stream_name(s.id), w, s.instructions,
                      s.busy_ns, pct, s.blocked_ns, s.idle_ns);
  }
  os << fmt::format("dma: {} transfers, {} bytes, {:.2f} GB/s achieved; a transfer in flight {:.1f}% of the time\n",
                    st.dma_transfers, st.dma_bytes, st.achieved_gb_per_s(),
                    st.total_ns > 0 ? 100.0 * st.dma_active_ns / st.total_ns : 0.0);
  os << fmt::format("hbm: {} bytes; roofline {:.1f} GB/s; {:.1f}% of the HBM roofline\n", st.hbm_bytes,
                    st.cores * t.hbm_bytes_per_ns, 100.0 * st.hbm_roofline_fraction());
  os << fmt::format("stalls: {:.1f} ns on same-engine dependencies, {:.1f} ns on shared ports; "
                    "{} activation-table loads\n",
                    st.dependency_stall_ns, st.port_stall_ns, st.act_table_loads);
  if (t.dma_issue_units && st.total_ns > 0)
    os << fmt::format("dma descriptor generators: {} busy {:.1f}% of the time; queues waited {:.1f} ns for one\n",
                      st.cores * t.dma_issue_units,
                      100.0 * st.dge_busy_ns / (st.cores * t.dma_issue_units * st.total_ns), st.dge_stall_ns);
  if (st.num_warnings) os << fmt::format("warnings: {}\n", st.num_warnings);
}

void write_stats_json(llvm::raw_ostream &os, const Program &program, const SimStats &stats) {
  llvm::json::Array streams;
  for (const StreamStats &ss : stats.streams) {
    streams.push_back(llvm::json::Object{{"stream", stream_name(ss.id)},
                                         {"instructions", int64_t(ss.instructions)},
                                         {"busy_ns", ss.busy_ns},
                                         {"blocked_ns", ss.blocked_ns},
                                         {"idle_ns", ss.idle_ns},
                                         {"busy_fraction", stats.total_ns > 0 ? ss.busy_ns / stats.total_ns : 0.0}});
  }
  llvm::json::Object o{
      {"kernel", stats.kernel},
      {"target", stats.target ? stats.target->name : ""},
      // The fixed part of every dma_copy, so scripts can separate it out.
      {"dma_issue_ns", stats.target ? stats.target->dma_issue_ns : 0.0},
      {"dma_fixed_latency_ns", stats.target ? stats.target->dma_fixed_latency_ns : 0.0},
      {"instructions", int64_t(program.num_instructions())},
      {"total_ns", stats.total_ns},
      {"dma_transfers", int64_t(stats.dma_transfers)},
      {"dma_bytes", int64_t(stats.dma_bytes)},
      {"dma_active_fraction", stats.total_ns > 0 ? stats.dma_active_ns / stats.total_ns : 0.0},
      {"hbm_bytes", int64_t(stats.hbm_bytes)},
      {"achieved_gb_per_s", stats.achieved_gb_per_s()},
      {"hbm_roofline_fraction", stats.hbm_roofline_fraction()},
      {"dependency_stall_ns", stats.dependency_stall_ns},
      {"port_stall_ns", stats.port_stall_ns},
      {"dge_stall_ns", stats.dge_stall_ns},
      {"dge_busy_fraction", stats.target && stats.target->dma_issue_units && stats.total_ns > 0
                                ? stats.dge_busy_ns / (stats.cores * stats.target->dma_issue_units * stats.total_ns)
                                : 0.0},
      {"act_table_loads", int64_t(stats.act_table_loads)},
      {"streams", std::move(streams)}};
  if (!stats.core_end_ns.empty()) { // two cores (one-core output unchanged)
    o["cores"] = int64_t(stats.cores);
    llvm::json::Array ends;
    for (double e : stats.core_end_ns) ends.push_back(e);
    o["core_end_ns"] = std::move(ends);
  }
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(o))) << '\n';
}

} // namespace nk
