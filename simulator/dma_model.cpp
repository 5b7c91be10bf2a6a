// DMA bandwidth sharing (dma_model.h).
#include "simulator/dma_model.h"

#include <algorithm>

namespace nk {

void DmaModel::add(uint64_t id, double flow_start, double bytes, double peak, bool uses_hbm,
                   unsigned queue) {
  waiting_.push_back(Transfer{id, flow_start, bytes, peak > 0 ? peak : 1e-9, uses_hbm, queue});
  next_ = compute_next_event();
}

bool DmaModel::queue_busy(unsigned q) const {
  for (const Transfer &f : flowing_)
    if (f.queue == q) return true;
  return false;
}

double DmaModel::compute_next_event() const {
  double t = kNever;
  // A waiting transfer behind a flowing one of its queue starts when that
  // one ends, which is already an event.
  for (const Transfer &w : waiting_)
    if (!queue_busy(w.queue)) t = std::min(t, std::max(w.start, now_));
  for (const Transfer &f : flowing_) t = std::min(t, end_time(f));
  return t;
}

void DmaModel::advance(double t, std::vector<uint64_t> &ended) {
  // Flows ending by t end; the rest move on at their current rates.
  std::vector<Transfer> still;
  still.reserve(flowing_.size());
  for (Transfer &f : flowing_) {
    if (end_time(f) <= t) {
      ended.push_back(f.id);
    } else {
      f.remaining -= f.rate * (t - now_);
      still.push_back(f);
    }
  }
  flowing_.swap(still);
  now_ = t;
  // Transfers whose latency is over start flowing (empty ones end at once),
  // the oldest first, one per queue at a time.
  for (size_t i = 0; i < waiting_.size();) {
    if (waiting_[i].start <= t && !queue_busy(waiting_[i].queue)) {
      bool older_waiting = false;  // keep each queue's issue order
      for (size_t j = 0; j < i; ++j)
        if (waiting_[j].queue == waiting_[i].queue) older_waiting = true;
      if (older_waiting) { ++i; continue; }
      if (waiting_[i].remaining <= 0) ended.push_back(waiting_[i].id);
      else flowing_.push_back(waiting_[i]);
      waiting_.erase(waiting_.begin() + long(i));
      i = 0;  // an empty transfer may free its queue for the next one
    } else {
      ++i;
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
