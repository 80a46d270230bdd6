#include "backends/cpu/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace jx::cpu {
namespace {

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
    {
      std::lock_guard lock(mutex_);
      job_ = &job;
      parts_ = parts;
      next_part_.store(0);
      remaining_ = parts;
      error_ = nullptr;
      ++generation_;
    }
    wake_.notify_all();
    take_parts();
    std::unique_lock lock(mutex_);
    done_.wait(lock, [&] { return remaining_ == 0; });
    job_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

  bool busy_on_this_thread() const { return inside_job_; }

 private:
  void take_parts() {
    inside_job_ = true;
    for (int part; (part = next_part_.fetch_add(1)) < parts_;) {
      try {
        (*job_)(part);
      } catch (...) {
        std::lock_guard lock(mutex_);
        if (!error_) error_ = std::current_exception();
      }
      std::lock_guard lock(mutex_);
      if (--remaining_ == 0) done_.notify_all();
    }
    inside_job_ = false;
  }

  void work() {
    std::uint64_t seen = 0;
    std::unique_lock lock(mutex_);
    while (true) {
      wake_.wait(lock, [&] { return stopping_ || (generation_ != seen && job_); });
      if (stopping_) return;
      seen = generation_;
      lock.unlock();
      take_parts();
      lock.lock();
    }
  }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& worker : workers_) worker.join();
    workers_.clear();
  }

  std::mutex run_mutex_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  const std::function<void(int)>* job_ = nullptr;
  std::atomic<int> parts_{0};
  std::atomic<int> next_part_{0};
  int remaining_ = 0;
  std::exception_ptr error_;
  std::uint64_t generation_ = 0;
  bool stopping_ = false;
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
  const std::int64_t max_parts = std::min<std::int64_t>(p.size(), (n + grain - 1) / std::max<std::int64_t>(grain, 1));
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
