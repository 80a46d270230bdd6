#include "backends/cpu/thread_pool.h"

#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "core/subnormals.h"

namespace jx::cpu {
namespace {

// Waits briefly by spinning: on this machine (a VM) a thread sleeping on a condition variable takes
// ~50 us to wake, and notifying one costs ~15 us, against a few hundred microseconds for a large
// elementwise op. The spin pauses the core and yields it to any other runnable thread every few
// microseconds, so it never holds a core that OpenBLAS's threads are waiting for.
template <class Ready>
bool spin_until(Ready ready, std::chrono::microseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (int round = 0;; ++round) {
    for (int i = 0; i < 64; ++i) {
      if (ready()) return true;
      _mm_pause();
    }
    if (std::chrono::steady_clock::now() >= deadline) return ready();
    if (round % 2 == 1) std::this_thread::yield();
  }
}

class ThreadPool {
 public:
  explicit ThreadPool(int threads) { resize(threads); }

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  void resize(int threads) {
    stop();
    std::lock_guard lock(mutex_);
    stopping_ = false;
    for (int i = 1; i < std::max(threads, 1); ++i) workers_.emplace_back([this] { work(); });
  }

  // Runs job(part) for part in [0, parts) on the workers and the caller.
  void run(int parts, const std::function<void(int)>& job) {
    std::unique_lock run_lock(run_mutex_);  // one parallel region at a time; nested calls run inline
    std::uint64_t generation;
    {
      std::lock_guard lock(mutex_);
      job_ = &job;
      parts_ = parts;
      next_part_ = 0;
      remaining_.store(parts, std::memory_order_relaxed);
      error_ = nullptr;
      generation = generation_.load(std::memory_order_relaxed) + 1;
      generation_.store(generation, std::memory_order_release);
      if (sleeping_workers_ > 0) wake_.notify_all();
    }
    take_parts(generation);
    // The parts still running are on workers now; their end is near, so spin before sleeping.
    if (!spin_until([&] { return remaining_.load(std::memory_order_acquire) == 0; }, std::chrono::milliseconds(2))) {
      std::unique_lock lock(mutex_);
      caller_waiting_ = true;
      done_.wait(lock, [&] { return remaining_.load(std::memory_order_relaxed) == 0; });
      caller_waiting_ = false;
    }
    std::lock_guard lock(mutex_);
    job_ = nullptr;
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  }

  bool busy_on_this_thread() const { return inside_job_; }

 private:
  // Runs parts of the job of `generation` until none are left. Parts are claimed under the lock, so a
  // worker arriving late can never claim a part of a newer job by mistake.
  void take_parts(std::uint64_t generation) {
    inside_job_ = true;
    std::unique_lock lock(mutex_);
    while (generation_.load(std::memory_order_relaxed) == generation && next_part_ < parts_) {
      const int part = next_part_++;
      const std::function<void(int)>* job = job_;
      lock.unlock();
      try {
        (*job)(part);
      } catch (...) {
        lock.lock();
        if (!error_) error_ = std::current_exception();
        lock.unlock();
      }
      lock.lock();
      if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1 && caller_waiting_) done_.notify_all();
    }
    inside_job_ = false;
  }

  void work() {
    flush_subnormals_on_this_thread();  // workers only run kernels (core/subnormals.h)
    std::uint64_t seen = 0;
    while (true) {
      // After a job, stay awake for a moment: eager code runs large ops back to back.
      auto next_job = [&] { return stopping_.load() || generation_.load(std::memory_order_acquire) != seen; };
      if (!spin_until(next_job, std::chrono::microseconds(100))) {
        std::unique_lock lock(mutex_);
        ++sleeping_workers_;
        wake_.wait(lock, next_job);
        --sleeping_workers_;
      }
      if (stopping_.load()) return;
      seen = generation_.load(std::memory_order_acquire);
      take_parts(seen);
    }
  }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      wake_.notify_all();
    }
    for (auto& worker : workers_) worker.join();
    workers_.clear();
  }

  std::mutex run_mutex_;
  std::mutex mutex_;  // guards the job fields below; the atomics are also read without it
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  const std::function<void(int)>* job_ = nullptr;
  int parts_ = 0;
  int next_part_ = 0;
  std::atomic<int> remaining_{0};
  std::exception_ptr error_;
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<bool> stopping_{false};
  int sleeping_workers_ = 0;
  bool caller_waiting_ = false;
  static thread_local bool inside_job_;
};

thread_local bool ThreadPool::inside_job_ = false;

int default_threads() {
  if (const char* env = std::getenv("JX_NUM_THREADS")) {
    const int n = std::atoi(env);
    if (n > 0) return n;
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

ThreadPool& pool() {
  static auto* instance = new ThreadPool(default_threads());  // never destroyed (see DESIGN: singletons)
  return *instance;
}

}  // namespace

int num_threads() { return pool().size(); }
void set_num_threads(int threads) { pool().resize(threads); }

void parallel_for(std::int64_t n, std::int64_t grain, const std::function<void(std::int64_t, std::int64_t)>& body) {
  if (n <= 0) return;
  ThreadPool& p = pool();
  // A few parts per thread, taken in turn by whichever thread is free: when a worker wakes late or
  // another process holds its core (2 cores, shared with builds, here), the others take its share.
  constexpr std::int64_t kPartsPerThread = 4;
  const std::int64_t max_parts =
      std::min<std::int64_t>(p.size() * kPartsPerThread, n / std::max<std::int64_t>(grain, 1));
  if (max_parts <= 1 || p.busy_on_this_thread()) {
    body(0, n);
    return;
  }
  const int parts = static_cast<int>(max_parts);
  p.run(parts, [&](int part) {
    const std::int64_t begin = n * part / parts;
    const std::int64_t end = n * (part + 1) / parts;
    if (begin < end) body(begin, end);
  });
}

}  // namespace jx::cpu
