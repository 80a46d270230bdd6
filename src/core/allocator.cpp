// The caching allocator behind every Buffer (see buffer.h for why it caches).
//
// Blocks are grouped in size classes: multiples of 64 bytes up to 1 KiB, then four classes per power
// of two. Freed small blocks go to a per-thread cache (no lock on the eager dispatch path); the rest go
// to a global cache, bounded in total bytes. Large blocks are mapped 2 MiB-aligned and advised to use
// huge pages, so a fresh large array takes one fault per 2 MiB instead of one per 4 KiB.
//
// The statistics are per-thread counters that only their thread writes, with a plain load and store
// instead of an atomic read-modify-write, and stats() sums them: with five atomic updates per array,
// allocating and freeing took ~24 ns of a ~290 ns eager op, now ~3 ns.
#include <fmt/format.h>
#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <new>
#include <vector>

#include "core/buffer.h"
#include "jx/core/error.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define JX_ALLOCATOR_CACHES 0  // let the sanitizers see every allocation and free
#else
#define JX_ALLOCATOR_CACHES 1
#endif

namespace jx {
namespace allocator {
namespace {

constexpr std::size_t kAlignment = 64;
constexpr std::size_t kHugePage = std::size_t{2} << 20;
constexpr std::size_t kMapThreshold = std::size_t{4} << 20;
constexpr std::size_t kThreadCacheMaxBlock = std::size_t{256} << 10;
constexpr int kThreadCacheDepth = 8;
constexpr int kNumClasses = 16 + 4 * 54;  // up to 2^64

struct SizeClass {
  int index;
  std::size_t bytes;
};

SizeClass size_class(std::size_t bytes) {
  if (bytes <= 1024) {
    const std::size_t units = bytes == 0 ? 1 : (bytes + 63) / 64;
    return {static_cast<int>(units - 1), units * 64};
  }
  const int power = 63 - __builtin_clzll(bytes - 1);  // 2^power < bytes <= 2^(power+1)
  const std::size_t base = std::size_t{1} << power;
  const std::size_t step = base / 4;
  const std::size_t steps = (bytes - base + step - 1) / step;  // 1..4
  return {16 + (power - 10) * 4 + static_cast<int>(steps - 1), base + steps * step};
}

// Bytes in the global cache (changed under its lock), and blocks obtained from the OS.
std::atomic<std::size_t> g_cached{0};
std::atomic<std::size_t> g_os_allocations{0};

void* os_allocate(std::size_t bytes) {
  g_os_allocations.fetch_add(1, std::memory_order_relaxed);
  if (bytes >= kMapThreshold) {
    // Over-map by one huge page to align the block, then unmap the slack on both sides.
    const std::size_t mapped = bytes + kHugePage;
    void* raw = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) return nullptr;
    auto start = reinterpret_cast<std::uintptr_t>(raw);
    const std::uintptr_t aligned = (start + kHugePage - 1) & ~(kHugePage - 1);
    if (aligned > start) munmap(raw, aligned - start);
    const std::uintptr_t end = start + mapped;
    if (end > aligned + bytes) munmap(reinterpret_cast<void*>(aligned + bytes), end - (aligned + bytes));
    madvise(reinterpret_cast<void*>(aligned), bytes, MADV_HUGEPAGE);
    return reinterpret_cast<void*>(aligned);
  }
  return std::aligned_alloc(kAlignment, bytes);
}

void os_free(void* block, std::size_t bytes) {
  if (bytes >= kMapThreshold)
    munmap(block, bytes);
  else
    std::free(block);
}

// The global cache. Leaked on purpose: jx's singletons outlive static destructors, so arrays held by
// namespace-scope objects can be freed after main returns.
class GlobalCache {
 public:
  GlobalCache() {
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long page_size = sysconf(_SC_PAGE_SIZE);
    const std::size_t physical = pages > 0 && page_size > 0 ? static_cast<std::size_t>(pages) * page_size : 0;
    limit_ = physical ? physical / 8 : (std::size_t{1} << 30);
    if (const char* env = std::getenv("JX_ALLOCATOR_CACHE_BYTES")) limit_ = std::strtoull(env, nullptr, 10);
  }
  std::size_t limit() const { return limit_.load(std::memory_order_relaxed); }
  void set_limit(std::size_t bytes) {
    limit_.store(bytes, std::memory_order_relaxed);
    if (g_cached.load(std::memory_order_relaxed) > bytes) trim();
  }

  void* take(int index) {
    std::lock_guard lock(mutex_);
    auto& blocks = free_[static_cast<std::size_t>(index)];
    if (blocks.empty()) return nullptr;
    void* block = blocks.back();
    blocks.pop_back();
    return block;
  }

  // Keeps the block unless the cache is full; returns false if the caller must free it.
  bool put(int index, void* block, std::size_t bytes) {
    if (g_cached.load(std::memory_order_relaxed) + bytes > limit()) return false;
    std::lock_guard lock(mutex_);
    free_[static_cast<std::size_t>(index)].push_back(block);
    g_cached.fetch_add(bytes, std::memory_order_relaxed);
    return true;
  }
  void note_taken(std::size_t bytes) { g_cached.fetch_sub(bytes, std::memory_order_relaxed); }

  void trim() {
    std::lock_guard lock(mutex_);
    for (std::size_t index = 0; index < free_.size(); ++index) {
      for (void* block : free_[index]) {
        const std::size_t bytes = class_bytes(static_cast<int>(index));
        os_free(block, bytes);
        g_cached.fetch_sub(bytes, std::memory_order_relaxed);
      }
      free_[index].clear();
    }
  }

  static std::size_t class_bytes(int index) {
    if (index < 16) return static_cast<std::size_t>(index + 1) * 64;
    const int power = 10 + (index - 16) / 4;
    const std::size_t base = std::size_t{1} << power;
    return base + static_cast<std::size_t>((index - 16) % 4 + 1) * (base / 4);
  }

 private:
  std::mutex mutex_;
  std::array<std::vector<void*>, kNumClasses> free_;
  std::atomic<std::size_t> limit_;
};

GlobalCache& global_cache() {
  static auto* cache = new GlobalCache();
  return *cache;
}

// Counters of one thread, or of all threads that have exited. Blocks may be freed by another thread
// than the one that allocated them, so one thread's bytes_in_use may wrap below zero; the sum is right
// (modulo 2^64, like the unsigned arithmetic that computes it).
struct Counters {
  std::atomic<std::size_t> in_use{0};
  std::atomic<std::size_t> cached{0};  // in this thread's cache
  std::atomic<std::size_t> allocations{0};

  // Only the owning thread writes, so no read-modify-write is needed (readers only load).
  static void add(std::atomic<std::size_t>& counter, std::size_t value) {
    counter.store(counter.load(std::memory_order_relaxed) + value, std::memory_order_relaxed);
  }
};

struct ThreadCache;

// Every live thread's counters, plus those of the threads gone (and of frees after a thread's cache
// was destroyed), for stats().
struct Registry {
  std::mutex mutex;
  std::vector<const ThreadCache*> live;
  Counters retired;  // written with atomic read-modify-writes, from any thread
};

Registry& registry() {
  static auto* instance = new Registry();  // leaked: outlives every thread and static destructor
  return *instance;
}

struct ThreadCache {
  struct Slot {
    std::array<void*, kThreadCacheDepth> blocks{};
    int count = 0;
  };
  std::array<Slot, 16 + 4 * 8> slots;  // classes up to 256 KiB
  Counters counters;

  ThreadCache();
  ~ThreadCache();
};

// The calling thread's cache; null once it has been destroyed (at thread exit, arrays held by other
// thread_local objects may still be freed). The pointer is a trivial thread_local: no guard on access.
thread_local ThreadCache* t_cache = nullptr;
thread_local bool t_cache_destroyed = false;

ThreadCache::ThreadCache() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.live.push_back(this);
}

ThreadCache::~ThreadCache() {
  t_cache = nullptr;
  t_cache_destroyed = true;
  for (std::size_t index = 0; index < slots.size(); ++index) {
    const std::size_t bytes = GlobalCache::class_bytes(static_cast<int>(index));
    for (int i = 0; i < slots[index].count; ++i) {
      void* block = slots[index].blocks[static_cast<std::size_t>(i)];
      if (!global_cache().put(static_cast<int>(index), block, bytes)) os_free(block, bytes);
    }
    slots[index].count = 0;
  }
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.retired.in_use.fetch_add(counters.in_use.load(std::memory_order_relaxed), std::memory_order_relaxed);
  r.retired.allocations.fetch_add(counters.allocations.load(std::memory_order_relaxed), std::memory_order_relaxed);
  std::erase(r.live, this);
}

ThreadCache* thread_cache() {
  if (t_cache) [[likely]]
    return t_cache;
  if (t_cache_destroyed) return nullptr;
  thread_local ThreadCache cache;
  t_cache = &cache;
  return t_cache;
}

void count_in_use(ThreadCache* cache, std::size_t bytes) {
  if (cache)
    Counters::add(cache->counters.in_use, bytes);
  else
    registry().retired.in_use.fetch_add(bytes, std::memory_order_relaxed);
}

std::atomic<std::int64_t> g_fail_after{-1};

[[noreturn]] void out_of_memory(std::size_t bytes) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double amount = static_cast<double>(bytes);
  int unit = 0;
  while (amount >= 1024 && unit < 6) {
    amount /= 1024;
    ++unit;
  }
  throw ResourceExhaustedError("allocate", fmt::format("out of memory: the system refused {:.2f} {} ({} bytes), even "
                                                       "after jx returned its cached memory",
                                                       amount, units[unit], bytes));
}

}  // namespace

void* allocate(std::size_t bytes) {
  if (g_fail_after.load(std::memory_order_relaxed) >= 0) [[unlikely]] {
    if (g_fail_after.fetch_sub(1, std::memory_order_relaxed) == 0) out_of_memory(bytes);
  }
  const SizeClass sc = size_class(bytes);
  ThreadCache* cache = thread_cache();
  if (cache) {
    Counters::add(cache->counters.allocations, 1);
  } else {
    registry().retired.allocations.fetch_add(1, std::memory_order_relaxed);
  }
#if JX_ALLOCATOR_CACHES
  if (cache && sc.bytes <= kThreadCacheMaxBlock) {
    auto& slot = cache->slots[static_cast<std::size_t>(sc.index)];
    if (slot.count > 0) {
      Counters::add(cache->counters.cached, 0 - sc.bytes);
      Counters::add(cache->counters.in_use, sc.bytes);
      return slot.blocks[static_cast<std::size_t>(--slot.count)];
    }
  }
  if (void* block = global_cache().take(sc.index)) {
    global_cache().note_taken(sc.bytes);
    count_in_use(cache, sc.bytes);
    return block;
  }
#endif
  void* block = os_allocate(sc.bytes);
  if (!block) {
    trim();
    block = os_allocate(sc.bytes);
    if (!block) out_of_memory(bytes);
  }
  count_in_use(cache, sc.bytes);
  return block;
}

void deallocate(void* block, std::size_t bytes) {
  if (!block) return;
  const SizeClass sc = size_class(bytes);
  ThreadCache* cache = thread_cache();
  count_in_use(cache, 0 - sc.bytes);
#if JX_ALLOCATOR_CACHES
  if (cache && sc.bytes <= kThreadCacheMaxBlock) {
    auto& slot = cache->slots[static_cast<std::size_t>(sc.index)];
    if (slot.count < kThreadCacheDepth) {
      slot.blocks[static_cast<std::size_t>(slot.count++)] = block;
      Counters::add(cache->counters.cached, sc.bytes);
      return;
    }
  }
  if (global_cache().put(sc.index, block, sc.bytes)) return;
#endif
  os_free(block, sc.bytes);
}

bool caches_blocks() { return JX_ALLOCATOR_CACHES != 0; }

Stats stats() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  Stats result{r.retired.in_use.load(), g_cached.load(), g_os_allocations.load(), r.retired.allocations.load()};
  for (const ThreadCache* cache : r.live) {
    result.bytes_in_use += cache->counters.in_use.load(std::memory_order_relaxed);
    result.bytes_cached += cache->counters.cached.load(std::memory_order_relaxed);
    result.allocations += cache->counters.allocations.load(std::memory_order_relaxed);
  }
  return result;
}

void trim() { global_cache().trim(); }

void set_cache_limit(std::size_t bytes) { global_cache().set_limit(bytes); }
std::size_t cache_limit() { return global_cache().limit(); }
void fail_after(std::int64_t successes) { g_fail_after.store(successes, std::memory_order_relaxed); }

}  // namespace allocator

Buffer* Buffer::create(std::size_t bytes) {
  // The header sits in the first 64 bytes of the block, the data after it.
  void* block = allocator::allocate(bytes + 64);
  auto* data = static_cast<std::byte*>(block) + 64;
  return new (block) Buffer(data, bytes, false);
}

Buffer* Buffer::borrow(std::byte* data, std::size_t bytes) {
  return new (allocator::allocate(64)) Buffer(data, bytes, true);
}

void Buffer::destroy() {
  const std::size_t bytes = borrowed_ ? 64 : size_ + 64;
  void* block = this;
  this->~Buffer();
  allocator::deallocate(block, bytes);
}

}  // namespace jx
