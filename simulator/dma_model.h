// DMA transfer timing: fixed latency, then each DMA engine the transfer
// touches works through its share of the bytes, sharing the engine with the
// other transfers on it, and HBM with every transfer that touches HBM.
//
// Each transfer waits its latency (pipelined: transfers of one queue wait
// concurrently), then flows; a queue moves the bytes of one transfer at a
// time, in issue order (a DMA ring works through its descriptors in order),
// so a transfer flows once its latency is over and its queue's previous
// transfer has finished.
//
// A flowing transfer is a set of pieces, one per DMA engine it uses (the
// engines its partitions map to: runtime/cost_model.h). An engine splits its
// rate equally between the pieces on it (its queues are served round
// robin); if the pieces of transfers that touch HBM then ask for more than
// the HBM bandwidth, all of them are slowed by the same factor. A transfer
// ends when its last piece does. Rates are recomputed whenever a piece
// starts or ends, so a transfer's end time is only known when it happens:
// the scheduler asks for the next event time and advances to it.
//
// Guarantees: events come out in time order; transfers ending at the same
// instant are reported in the order they were added. Work per event is
// O(queues x engines), never O(transfers).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <vector>

namespace nk {

class DmaModel {
public:
  // `num_engines` DMA engines of `engine_bytes_per_ns` each; HBM traffic of
  // all engines together is capped at `hbm_bytes_per_ns`.
  DmaModel(unsigned num_engines, double engine_bytes_per_ns, double hbm_bytes_per_ns)
      : num_engines_(num_engines), engine_bytes_per_ns_(engine_bytes_per_ns), hbm_bytes_per_ns_(hbm_bytes_per_ns),
        load_(num_engines, 0) {}

  static constexpr double kNever = std::numeric_limits<double>::infinity();

  // A transfer whose bytes start flowing at `flow_start` (issue + latency),
  // with `engine_work[e]` bytes of work for engine e (size num_engines; zero:
  // not used). A transfer with no work ends when it would start to flow.
  void add(uint64_t id, double flow_start, const std::vector<double> &engine_work, bool uses_hbm, unsigned queue = 0);
  // Time of the next flow start or end; kNever when idle.
  double next_event() const { return next_; }
  // Advances to `t` (<= next_event()) and appends the transfers that ended.
  void advance(double t, std::vector<uint64_t> &ended);
  bool idle() const { return num_waiting_ == 0 && flowing_.empty(); }

private:
  struct Piece {
    unsigned engine;
    double remaining; // bytes of work
    double rate = 0;
  };
  struct Transfer {
    uint64_t id;
    double start; // flow start: issue + latency
    bool uses_hbm;
    unsigned queue;
    std::vector<Piece> pieces; // unfinished pieces only, while flowing
  };
  struct Queue {
    std::deque<Transfer> waiting; // issue order
    bool flowing = false;         // its front transfer is in flowing_
  };
  void recompute_rates();
  double compute_next_event() const;

  unsigned num_engines_;
  double engine_bytes_per_ns_;
  double hbm_bytes_per_ns_;
  double now_ = 0;
  double next_ = kNever;          // cached: the scheduler asks after every step
  std::vector<Queue> queues_;     // by queue id
  std::vector<Transfer> flowing_; // at most one per queue, in start order
  std::vector<unsigned> load_;    // pieces per engine (scratch)
  size_t num_waiting_ = 0;
};

} // namespace nk
