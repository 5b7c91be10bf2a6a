// Random tile loads made on a second host thread while the simulation goes
// on, the way a DMA engine fills SBUF while the engines compute.
//
// Assumes: the caller (Executor) hands over only writes of deferred random
// inputs into on-chip memory, and waits for a job (wait()) before anything
// reads or writes bytes the job writes; the DeferredInputs outlive the jobs.
// Guarantees: jobs run in submission order on one worker thread; wait(n)
// returns once job n and every earlier one have written all their bytes
// (a release / acquire pair: the writes are visible to the caller). The
// values are a function of each element's index alone (counter-based
// generator, runtime/hbm_binding.h), so they are the same bytes as a
// synchronous fill. The destructor finishes the queued jobs first.
#pragma once

#include "runtime/hbm_binding.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace nk {

class BackgroundFill {
public:
  // `count` values of `input` from element `first`, written to `out`.
  struct Piece {
    const DeferredInput *input;
    uint64_t first, count;
    uint8_t *out;
  };

  BackgroundFill();
  ~BackgroundFill();
  BackgroundFill(const BackgroundFill &) = delete;
  BackgroundFill &operator=(const BackgroundFill &) = delete;

  // Queues one job; returns its number (1, 2, ...: increasing).
  uint64_t submit(std::vector<Piece> pieces);
  // Returns once job `job` and every earlier one have finished.
  void wait(uint64_t job);
  bool finished(uint64_t job) const { return finished_.load(std::memory_order_acquire) >= job; }

private:
  void worker();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::vector<Piece>> queue_; // under mutex_
  bool sleeping_ = false;                // under mutex_
  bool stop_ = false;                    // under mutex_
  std::atomic<uint64_t> submitted_{0};   // written under mutex_; read by the spinning worker
  std::atomic<uint64_t> finished_{0};
  std::thread thread_; // last: starts once the members above exist
};

// The processors this process may run on (sched_getaffinity), at least 1.
unsigned available_processors();

} // namespace nk
