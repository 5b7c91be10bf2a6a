// DMA bandwidth sharing (dma_model.h).
#include "simulator/dma_model.h"

#include <algorithm>

namespace nk {

void DmaModel::add(uint64_t id, double flow_start, double bytes, double peak, bool uses_hbm) {
  waiting_.push_back(Transfer{id, flow_start, bytes, peak > 0 ? peak : 1e-9, uses_hbm});
}

double DmaModel::next_event() const {
  double t = kNever;
  for (const Transfer &w : waiting_) t = std::min(t, w.start);
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
  // Transfers whose latency is over start flowing (empty ones end at once).
  for (size_t i = 0; i < waiting_.size();) {
    if (waiting_[i].start <= t) {
      if (waiting_[i].remaining <= 0) ended.push_back(waiting_[i].id);
      else flowing_.push_back(waiting_[i]);
      waiting_.erase(waiting_.begin() + long(i));
    } else {
      ++i;
    }
  }
  recompute_rates();
}

void DmaModel::recompute_rates() {
  std::vector<Transfer *> hbm;
  for (Transfer &f : flowing_) {
    if (f.uses_hbm) hbm.push_back(&f);
    else f.rate = f.peak;
  }
  std::sort(hbm.begin(), hbm.end(), [](const Transfer *a, const Transfer *b) {
    return a->peak != b->peak ? a->peak < b->peak : a->id < b->id;
  });
  double left = hbm_bytes_per_ns_;
  size_t n = hbm.size();
  for (Transfer *f : hbm) {
    f->rate = std::min(f->peak, left / double(n--));
    left -= f->rate;
  }
}

} // namespace nk
