// BackgroundFill (background_fill.h).
#include "simulator/background_fill.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <cstdlib>

#if defined(__linux__)
#include <sched.h>
#endif
#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace nk {

namespace {

void cpu_relax() {
#if defined(__x86_64__)
  _mm_pause();
#endif
}

// How long the worker waits for the next job, and the simulation for a job,
// before giving up the processor. A long-context kernel loads a tile every
// ~100 us of simulator time, and waking a sleeping thread costs the waker
// ~10 us of system time on a VM (measured: 2 x 1,024 wake-ups added 25 ms
// to a 0.16 s run), so the worker stays awake across such gaps; 0.2 and
// 2 ms gave the same times on the GQA s = 32768 run.
constexpr auto kWorkerSpin = std::chrono::microseconds(500);
constexpr auto kWaiterSpin = std::chrono::microseconds(200);

// Spins until done() or `limit` has passed; returns done().
template <typename Done, typename Duration>
bool spin_until(Done done, Duration limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (unsigned i = 1;; ++i) {
    if (done()) return true;
    cpu_relax();
    if (i % 64 == 0 && std::chrono::steady_clock::now() > deadline) return done();
  }
}

} // namespace

BackgroundFill::BackgroundFill() : thread_([this] { worker(); }) {}

BackgroundFill::~BackgroundFill() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join(); // after the queued jobs: the worker stops only on an empty queue
}

std::shared_ptr<BackgroundFill::Job> BackgroundFill::submit(std::vector<Piece> pieces) {
  auto job = std::make_shared<Job>(std::move(pieces));
  bool wake;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(job);
    submitted_.fetch_add(1, std::memory_order_release);
    wake = sleeping_;
  }
  if (wake) wake_.notify_one();
  return job;
}

void BackgroundFill::make_pieces(Job &job) {
  for (;;) {
    const size_t i = job.next_unclaimed.fetch_add(1, std::memory_order_relaxed);
    if (i >= job.pieces.size()) return;
    const Piece &p = job.pieces[i];
    if (p.input)
      fill_random_range(p.input->decl, p.input->seed, p.input->scale, p.first, p.count, p.out, p.input->dist);
    else
      std::memcpy(p.out, p.src, p.count);
    job.unfinished.fetch_sub(1, std::memory_order_acq_rel);
  }
}

void BackgroundFill::wait(Job &job) {
  make_pieces(job);
  // Only pieces the worker claimed are left: it is making them now.
  auto done = [&] { return job.done(); };
  while (!spin_until(done, kWaiterSpin)) std::this_thread::yield();
}

void BackgroundFill::worker() {
  uint64_t taken = 0;
  for (;;) {
    spin_until([&] { return submitted_.load(std::memory_order_acquire) != taken; }, kWorkerSpin);
    std::shared_ptr<Job> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      sleeping_ = true;
      wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      sleeping_ = false;
      if (queue_.empty()) return; // stop_, and nothing left to do
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    ++taken;
    make_pieces(*job);
  }
}

unsigned default_threads() {
  if (const char *env = std::getenv("NKSIM_THREADS")) {
    char *end = nullptr;
    const unsigned long n = std::strtoul(env, &end, 10);
    if (end != env && *end == '\0' && n >= 1 && n <= 1024) return unsigned(n);
  }
  return std::min(2u, available_processors());
}

unsigned available_processors() {
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return unsigned(n);
  }
#endif
  const unsigned n = std::thread::hardware_concurrency();
  return n ? n : 1;
}

} // namespace nk
