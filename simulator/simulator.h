// nksim's public interface: run a runtime Program on a modelled NeuronCore.
//
// Assumes: nothing about the Program beyond its types; every access pattern,
// attribute and shape is re-checked (validate.cpp) before anything runs, so
// any Program, however malformed, gets an llvm::Error instead of a crash.
// Guarantees: on success the HBM image holds the kernel's results, the
// returned SimStats describe the timing, and warnings (uninitialised reads)
// are returned in SimStats, never printed from inside the simulator.
// Deadlocks, races, out-of-bounds accesses (and uninitialised reads under
// `strict`) are errors whose message names the instructions involved.
//
// The model: docs/simulator.md. Numbers: runtime/target.cpp only.
#pragma once

#include "runtime/hbm_binding.h"
#include "runtime/program.h"
#include "runtime/target.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace nk {

// Parts of the cost model that can be switched off, to see what each costs
// a kernel (nksim --without=...; the fidelity suite's before/after tables).
enum class Mechanism : unsigned {
  dma_issue = 1u << 0,         // descriptor generation per dma_copy
  dma_descriptors = 1u << 1,   // engine time per contiguous run
  dependent_latency = 1u << 2, // same-engine result latency
  shared_ports = 1u << 3,      // Vector/GpSimd SBUF port, Vector/Scalar PSUM
  act_table = 1u << 4,         // activation-table loads
  dma_transfer = 1u << 5,      // engine time per transfer (trn1)
};
// "dma-issue", ... -> the mechanism; nullopt if unknown.
std::optional<Mechanism> parse_mechanism(llvm::StringRef name);
const char *mechanism_names(); // "dma-issue, dma-descriptors, ..." for help texts
// `t` with the mechanisms in `off` (a mask of Mechanism bits) switched off.
Target without_mechanisms(const Target &t, unsigned off);

struct SimOptions {
  bool strict = false;         // uninitialised SBUF/PSUM reads are errors
  bool check_races = true;     // happens-before race detection
  unsigned max_warnings = 100; // warnings kept in SimStats (the rest counted)
  // Timing and checks only: no instruction computes anything, so outputs are
  // not produced. Nothing the timing model or the checks look at depends on
  // data values, so times, races and uninitialised reads are the same as a
  // full run's; a published kernel at its real size (billions of MACs)
  // simulates in seconds.
  bool timing_only = false;
  unsigned mechanisms_off = 0; // Mechanism bits: parts of the cost model switched off
  // Host threads. With 2 or more, a second thread makes large random tile
  // loads while the simulation goes on, and another faults in the on-chip
  // memories ahead of use (simulator/background_fill.h). Results are the
  // same bytes for any count; 0 and 1 run everything on the calling thread.
  unsigned threads = 1;
  // Called every few thousand instructions with how many have executed, of
  // how many, and the simulated time so far (progress display). May be empty.
  std::function<void(uint64_t executed, uint64_t total, double simulated_ns)> progress;
  // A check of the program to run before anything is simulated (Session::run
  // passes the program verifier). With threads > 1 it runs on a second
  // thread beside the simulator's own validation; its error comes first
  // either way, so the result is the same as running the two in turn.
  std::function<llvm::Error()> check_first;
};

// Per stream (engine or DMA queue). busy + blocked + idle = total time.
struct StreamStats {
  StreamId id;
  uint64_t instructions = 0;
  double busy_ns = 0;    // compute: sum of busy times; DMA: time with a transfer in flight
  double blocked_ns = 0; // waiting in sem_wait for a semaphore
  double idle_ns = 0;    // everything else (draining, finished early, ...)
};

struct SimWarning {
  std::string message;
};

// What the host spent on each phase of Session::run, wall seconds (not
// simulated time). Not part of --stats-json: it varies from run to run.
struct HostTimes {
  double verify_s = 0;                 // SimOptions::check_first, the program verifier (0 when skipped)
  bool verify_beside_validate = false; // on a second thread: its time overlaps validate_s
  double validate_s = 0;               // the simulator's own safety checks of the program
  double simulate_s = 0;               // the simulation, values and checks included
};

struct SimStats {
  std::string kernel;
  const Target *target = nullptr;
  double total_ns = 0;              // the later core's end, with two cores
  unsigned cores = 1;               // physical cores the program ran on
  std::vector<double> core_end_ns;  // with two cores: when each core's last work ended
  std::vector<StreamStats> streams; // in Program::streams order
  uint64_t dma_transfers = 0;
  uint64_t dma_bytes = 0;       // bytes moved by dma_copy (the larger side of each)
  uint64_t hbm_bytes = 0;       // bytes read from or written to HBM
  uint64_t act_table_loads = 0; // Scalar activation-table switches
  double dma_active_ns = 0;     // time with at least one transfer in flight, any queue
  // Time instructions waited, ready to issue: for a result of their own
  // engine (dependent latency), for a port another engine held, and (DMA
  // queues, summed over queues) for a shared descriptor generator.
  double dependency_stall_ns = 0;
  double port_stall_ns = 0;
  double dge_stall_ns = 0;
  double dge_busy_ns = 0; // summed over the shared descriptor generators
  std::vector<SimWarning> warnings;
  uint64_t num_warnings = 0; // including those not kept
  HostTimes host;

  // HBM bytes / peak HBM bandwidth (every core's share), divided by the
  // simulated time.
  double hbm_roofline_fraction() const;
  double achieved_gb_per_s() const; // dma_bytes / total time (GB/s == B/ns)
};

// What the trace records while simulating; turned into JSON by
// write_trace_json. Kept as plain records so tracing costs little.
struct TraceSlice {
  enum Kind : uint8_t { instruction, sem_blocked };
  Kind kind = instruction;
  uint32_t stream = 0; // index into Program::streams
  uint32_t lane = 0;   // DMA: concurrent transfers of one queue get lanes
  uint64_t inst = 0;   // instruction index within its stream
  double start_ns = 0;
  double dur_ns = 0;
};
struct TraceCounter {
  uint32_t sem = 0; // core c's semaphore k is c * num_semaphores + k; then core_barrier's, one per core
  double time_ns = 0;
  int64_t value = 0;
};
struct SimTrace {
  std::vector<TraceSlice> slices;
  std::vector<TraceCounter> sem_values;
};

// Runs `program` on `target`. `hbm` is the HBM image (Program::hbm_size bytes,
// tensors at their TensorDecl::hbm_offset); results are written into it.
// `deferred` inputs are not in the image: DMA reads generate their bytes, and
// an input is written into the image (and marked materialized) before
// anything writes to it or reads it other than in contiguous runs of its own
// dtype.
llvm::Expected<SimStats> simulate(const Program &program, const Target &target, llvm::MutableArrayRef<uint8_t> hbm,
                                  const SimOptions &options, SimTrace *trace = nullptr,
                                  llvm::MutableArrayRef<DeferredInput> deferred = {});

// The --stats report.
void print_stats(llvm::raw_ostream &os, const SimStats &stats);
// The same figures as JSON (--stats-json), for scripts and benchmarks.
void write_stats_json(llvm::raw_ostream &os, const Program &program, const SimStats &stats);

// Chrome/Perfetto trace-event JSON (one track per engine and DMA queue lane).
void write_trace_json(llvm::raw_ostream &os, const Program &program, const SimStats &stats, const SimTrace &trace);

} // namespace nk
