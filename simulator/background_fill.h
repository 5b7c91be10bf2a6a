// Large tile loads (random inputs made, or bytes of the HBM image copied)
// done on a second host thread while the simulation goes on, the way a DMA
// engine fills SBUF while the engines compute.
//
// Assumes: the caller (Executor) hands over only writes into on-chip
// memory, of deferred random inputs or of bytes copied from the HBM image;
// no two unfinished jobs write the same bytes (the caller waits for a job
// before submitting another that overlaps it); it waits for a job (wait())
// before anything else reads or writes bytes the job writes, or writes
// bytes it copies from; the DeferredInputs outlive the jobs.
// Guarantees: wait(job) returns once every piece of the job has written
// its bytes (release / acquire: the writes are visible to the caller). A
// waiting caller makes the job's unclaimed pieces itself rather than sit
// idle. The values are a function of each element's index alone
// (counter-based generator, runtime/hbm_binding.h), so they are the same
// bytes whichever thread makes them. The destructor finishes every job.
#pragma once

#include "runtime/hbm_binding.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace nk {

class BackgroundFill {
public:
  // `count` values of `input` from element `first`, written to `out`; or,
  // with no input, `count` bytes copied from `src` (a load of bytes in the
  // HBM image).
  struct Piece {
    const DeferredInput *input;
    uint64_t first, count;
    uint8_t *out;
    const uint8_t *src = nullptr;
  };
  // Pieces are claimed one at a time, by the worker or by a waiting caller.
  struct Job {
    explicit Job(std::vector<Piece> p) : pieces(std::move(p)), unfinished(pieces.size()) {}
    const std::vector<Piece> pieces;
    std::atomic<size_t> next_unclaimed{0};
    std::atomic<size_t> unfinished;
    bool done() const { return unfinished.load(std::memory_order_acquire) == 0; }
  };

  BackgroundFill();
  ~BackgroundFill();
  BackgroundFill(const BackgroundFill &) = delete;
  BackgroundFill &operator=(const BackgroundFill &) = delete;

  // Queues a job for the worker.
  std::shared_ptr<Job> submit(std::vector<Piece> pieces);
  // Returns once `job` is done, making its unclaimed pieces meanwhile.
  void wait(Job &job);

private:
  void worker();
  // Claims and makes pieces of `job` until none is left unclaimed.
  static void make_pieces(Job &job);

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> queue_; // under mutex_
  bool sleeping_ = false;                  // under mutex_
  bool stop_ = false;                      // under mutex_
  std::atomic<uint64_t> submitted_{0};     // jobs ever queued (read by the spinning worker)
  std::thread thread_;                     // last: starts once the members above exist
};

// The processors this process may run on (sched_getaffinity), at least 1.
unsigned available_processors();
// The host threads a simulation uses when the user gave no count:
// NKSIM_THREADS from the environment when it is a positive integer (batch
// runners that start several simulations at once set it to 1: two
// simulations of two threads each on two processors took 1.26-1.45x the
// time of one thread each), else 2 when the process may use two
// processors, else 1.
unsigned default_threads();

} // namespace nk
