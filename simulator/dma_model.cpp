// DMA engines and HBM bandwidth sharing (dma_model.h).
#include "simulator/dma_model.h"

#include <algorithm>

namespace nk {

namespace {
// Pieces whose end is within this many ns of an event end with it, so that
// the equal pieces of one transfer (and rounding) make one event, not many.
constexpr double kEndSlackNs = 1e-6;
} // namespace

void DmaModel::add(uint64_t id, double flow_start, const std::vector<double> &engine_work, bool uses_hbm,
                   unsigned queue) {
  if (queue >= queues_.size()) queues_.resize(queue + 1);
  Transfer tr{id, flow_start, uses_hbm, queue, {}};
  for (unsigned e = 0; e < engine_work.size() && e < num_engines_; ++e)
    if (engine_work[e] > 0) tr.pieces.push_back(Piece{e, engine_work[e]});
  queues_[queue].waiting.push_back(std::move(tr));
  ++num_waiting_;
  next_ = compute_next_event();
}

double DmaModel::compute_next_event() const {
  double t = kNever;
  // A queue whose front transfer is not flowing starts it when its latency
  // is over; a flowing piece ends at remaining / rate.
  for (const Queue &q : queues_)
    if (!q.flowing && !q.waiting.empty()) t = std::min(t, std::max(q.waiting.front().start, now_));
  for (const Transfer &f : flowing_)
    for (const Piece &p : f.pieces) t = std::min(t, now_ + p.remaining / p.rate);
  return t;
}

void DmaModel::advance(double t, std::vector<uint64_t> &ended) {
  // Pieces move on at their rates; those done by t (within the slack) end,
  // and a transfer with no piece left ends.
  const double dt = t - now_;
  size_t keep = 0;
  for (size_t i = 0; i < flowing_.size(); ++i) {
    Transfer &f = flowing_[i];
    size_t kp = 0;
    for (Piece &p : f.pieces) {
      p.remaining -= p.rate * dt;
      if (p.remaining > p.rate * kEndSlackNs) f.pieces[kp++] = p;
    }
    f.pieces.resize(kp);
    if (f.pieces.empty()) {
      ended.push_back(f.id);
      queues_[f.queue].flowing = false;
    } else {
      if (keep != i) flowing_[keep] = std::move(f); // never self-move: it would empty the pieces
      ++keep;
    }
  }
  flowing_.resize(keep);
  now_ = t;
  // Each idle queue starts its oldest transfer once its latency is over
  // (transfers with no bytes end at once and let the next one in).
  for (Queue &q : queues_) {
    while (!q.flowing && !q.waiting.empty() && q.waiting.front().start <= t) {
      Transfer tr = std::move(q.waiting.front());
      q.waiting.pop_front();
      --num_waiting_;
      if (tr.pieces.empty()) {
        ended.push_back(tr.id);
      } else {
        flowing_.push_back(std::move(tr));
        q.flowing = true;
      }
    }
  }
  recompute_rates();
  next_ = compute_next_event();
}

void DmaModel::recompute_rates() {
  // Each engine serves its pieces round robin: an equal share each.
  std::fill(load_.begin(), load_.end(), 0u);
  for (const Transfer &f : flowing_)
    for (const Piece &p : f.pieces) ++load_[p.engine];
  double hbm_demand = 0;
  for (Transfer &f : flowing_)
    for (Piece &p : f.pieces) {
      p.rate = engine_bytes_per_ns_ / double(load_[p.engine]);
      if (f.uses_hbm) hbm_demand += p.rate;
    }
  // HBM is shared by every engine: past its bandwidth, all HBM traffic slows
  // by the same factor.
  if (hbm_demand > hbm_bytes_per_ns_) {
    const double factor = hbm_bytes_per_ns_ / hbm_demand;
    for (Transfer &f : flowing_)
      if (f.uses_hbm)
        for (Piece &p : f.pieces) p.rate *= factor;
  }
  for (Transfer &f : flowing_)
    for (Piece &p : f.pieces) p.rate = std::max(p.rate, 1e-9);
}

} // namespace nk
