// DMA transfer timing: fixed latency, then bytes flowing at a shared rate.
//
// Each transfer waits its latency (pipelined: transfers of one queue wait
// concurrently), then flows. Flows that touch HBM share the HBM bandwidth
// max-min fairly (water-filling): each gets min(its own peak, an equal
// share of what the slower flows leave); SBUF-to-SBUF flows run at their own
// peak. Rates are recomputed whenever a flow starts or ends, so a transfer's
// end time is only known when it happens: the scheduler asks for the next
// event time and advances to it.
//
// Guarantees: events come out in time order; transfers ending at the same
// instant are reported in the order they were added.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

namespace nk {

class DmaModel {
public:
  explicit DmaModel(double hbm_bytes_per_ns) : hbm_bytes_per_ns_(hbm_bytes_per_ns) {}

  static constexpr double kNever = std::numeric_limits<double>::infinity();

  // A transfer whose bytes start flowing at `flow_start` (issue + latency).
  void add(uint64_t id, double flow_start, double bytes, double peak_bytes_per_ns, bool uses_hbm);
  // Time of the next flow start or end; kNever when idle.
  double next_event() const;
  // Advances to `t` (<= next_event()) and appends the transfers that ended.
  void advance(double t, std::vector<uint64_t> &ended);
  bool idle() const { return waiting_.empty() && flowing_.empty(); }

private:
  struct Transfer {
    uint64_t id;
    double start;      // flow start (waiting) / unused (flowing)
    double remaining;  // bytes
    double peak;
    bool uses_hbm;
    double rate = 0;
  };
  void recompute_rates();
  double end_time(const Transfer &t) const {
    return t.remaining <= 0 ? now_ : now_ + t.remaining / t.rate;
  }

  double hbm_bytes_per_ns_;
  double now_ = 0;
  std::vector<Transfer> waiting_;  // in latency
  std::vector<Transfer> flowing_;
};

} // namespace nk
