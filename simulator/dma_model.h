// DMA transfer timing: fixed latency, then bytes flowing at a shared rate.
//
// Each transfer waits its latency (pipelined: transfers of one queue wait
// concurrently), then flows; a queue moves the bytes of one transfer at a
// time, in issue order (a DMA ring works through its descriptors in order),
// so a transfer flows once its latency is over and its queue's previous
// transfer has finished. Flows that touch HBM share the HBM bandwidth
// max-min fairly (water-filling): each gets min(its own peak, an equal
// share of what the slower flows leave); SBUF-to-SBUF flows run at their own
// peak, within what the DMA engines have left (all flows share the DMA
// engines' total rate). Rates are recomputed whenever a flow starts or ends, so a transfer's
// end time is only known when it happens: the scheduler asks for the next
// event time and advances to it.
//
// Guarantees: events come out in time order; transfers ending at the same
// instant are reported in the order they were added.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <vector>

namespace nk {

class DmaModel {
public:
  // `engine_bytes_per_ns`: all DMA engines together, shared by every flow
  // (HBM or not); `hbm_bytes_per_ns`: shared by the flows that touch HBM.
  DmaModel(double hbm_bytes_per_ns, double engine_bytes_per_ns)
      : hbm_bytes_per_ns_(hbm_bytes_per_ns), engine_bytes_per_ns_(engine_bytes_per_ns) {}

  static constexpr double kNever = std::numeric_limits<double>::infinity();

  // A transfer whose bytes start flowing at `flow_start` (issue + latency).
  void add(uint64_t id, double flow_start, double bytes, double peak_bytes_per_ns, bool uses_hbm,
           unsigned queue = 0);
  // Time of the next flow start or end; kNever when idle.
  double next_event() const { return next_; }
  // Advances to `t` (<= next_event()) and appends the transfers that ended.
  void advance(double t, std::vector<uint64_t> &ended);
  bool idle() const { return num_waiting_ == 0 && flowing_.empty(); }

private:
  struct Transfer {
    uint64_t id;
    double start;      // flow start: issue + latency
    double remaining;  // bytes
    double peak;
    bool uses_hbm;
    unsigned queue;
    double rate = 0;
  };
  struct Queue {
    std::deque<Transfer> waiting;  // issue order
    bool flowing = false;          // its front transfer is in flowing_
  };
  void recompute_rates();
  double compute_next_event() const;
  double end_time(const Transfer &t) const {
    return t.remaining <= 0 ? now_ : now_ + t.remaining / t.rate;
  }

  double hbm_bytes_per_ns_;
  double engine_bytes_per_ns_;
  double now_ = 0;
  double next_ = kNever;  // cached: the scheduler asks after every step
  std::vector<Queue> queues_;      // by queue id
  std::vector<Transfer> flowing_;  // at most one per queue
  size_t num_waiting_ = 0;
};

} // namespace nk
