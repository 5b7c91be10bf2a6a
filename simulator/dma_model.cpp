// DMA bandwidth sharing (dma_model.h).
#include "simulator/dma_model.h"

#include <algorithm>

namespace nk {

void DmaModel::add(uint64_t id, double flow_start, double bytes, double peak, bool uses_hbm,
                   unsigned queue) {
  if (queue >= queues_.size()) queues_.resize(queue + 1);
  queues_[queue].waiting.push_back(Transfer{id, flow_start, bytes, peak > 0 ? peak : 1e-9, uses_hbm, queue});
  ++num_waiting_;
  next_ = compute_next_event();
}

// Work per event is O(queues + flowing transfers), never O(transfers).
double DmaModel::compute_next_event() const {
  double t = kNever;
  // A queue whose front transfer is not flowing starts it when its latency
  // is over; one that is flowing moves on when that transfer ends.
  for (const Queue &q : queues_)
    if (!q.flowing && !q.waiting.empty()) t = std::min(t, std::max(q.waiting.front().start, now_));
  for (const Transfer &f : flowing_) t = std::min(t, end_time(f));
  return t;
}

void DmaModel::advance(double t, std::vector<uint64_t> &ended) {
  // Flows ending by t end; the rest move on at their current rates.
  size_t keep = 0;
  for (Transfer &f : flowing_) {
    if (end_time(f) <= t) {
      ended.push_back(f.id);
      queues_[f.queue].flowing = false;
    } else {
      f.remaining -= f.rate * (t - now_);
      flowing_[keep++] = f;
    }
  }
  flowing_.resize(keep);
  now_ = t;
  // Each idle queue starts its oldest transfer once its latency is over
  // (empty transfers end at once and let the next one in).
  for (Queue &q : queues_) {
    while (!q.flowing && !q.waiting.empty() && q.waiting.front().start <= t) {
      Transfer tr = q.waiting.front();
      q.waiting.pop_front();
      --num_waiting_;
      if (tr.remaining <= 0) {
        ended.push_back(tr.id);
      } else {
        flowing_.push_back(tr);
        q.flowing = true;
      }
    }
  }
  recompute_rates();
  next_ = compute_next_event();
}

void DmaModel::recompute_rates() {
  // Water-filling: each flow gets min(its peak, an equal share of what the
  // slower flows leave). HBM flows share min(HBM, DMA engines); the other
  // flows share what the DMA engines have left.
  auto fill = [](std::vector<Transfer *> &flows, double capacity) {
    std::sort(flows.begin(), flows.end(), [](const Transfer *a, const Transfer *b) {
      return a->peak != b->peak ? a->peak < b->peak : a->id < b->id;
    });
    double left = capacity;
    size_t n = flows.size();
    for (Transfer *f : flows) {
      f->rate = std::max(1e-9, std::min(f->peak, left / double(n--)));
      left -= f->rate;
    }
    return std::max(0.0, capacity - left);
  };
  std::vector<Transfer *> hbm, other;
  for (Transfer &f : flowing_) (f.uses_hbm ? hbm : other).push_back(&f);
  double used = fill(hbm, std::min(hbm_bytes_per_ns_, engine_bytes_per_ns_));
  fill(other, std::max(engine_bytes_per_ns_ - used, 1e-9));
}

} // namespace nk
