// src/core/buffer.h — reference-counted storage for array data, from a caching allocator.
//
// Every concrete array points into a Buffer. Buffers come from size classes whose freed blocks are
// kept for reuse instead of being returned to the OS: glibc unmaps blocks of 32 MiB and more on free,
// and an allocator that lets it pays page faults on every large temporary (measured here: 3x on big
// elementwise ops). The count of references is intrusive so that jx can ask "is this the only
// owner?" cheaply, which is what in-place updates and buffer donation need.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <utility>

namespace jx {

class Buffer {
 public:
  // A buffer of at least `bytes` bytes, 64-byte aligned, with one reference.
  static Buffer* create(std::size_t bytes);
  // A buffer over memory jx does not own (the planned executor's arena): freeing it leaves the data
  // alone. Arrays over it must not outlive that memory.
  static Buffer* borrow(std::byte* data, std::size_t bytes);

  std::byte* data() { return data_; }
  const std::byte* data() const { return data_; }
  std::size_t size() const { return size_; }

  void retain() { references_.fetch_add(1, std::memory_order_relaxed); }
  void release() {
    if (references_.fetch_sub(1, std::memory_order_acq_rel) == 1) destroy();
  }
  int use_count() const { return references_.load(std::memory_order_acquire); }

 private:
  Buffer(std::byte* data, std::size_t size, bool borrowed) : data_(data), size_(size), borrowed_(borrowed) {}
  void destroy();

  std::byte* data_;
  std::size_t size_;
  std::atomic<int> references_{1};
  bool borrowed_;
};

// An owning handle to a Buffer.
class BufferRef {
 public:
  BufferRef() = default;
  explicit BufferRef(Buffer* adopted) : buffer_(adopted) {}  // takes over one reference
  BufferRef(const BufferRef& other) : buffer_(other.buffer_) {
    if (buffer_) buffer_->retain();
  }
  BufferRef(BufferRef&& other) noexcept : buffer_(std::exchange(other.buffer_, nullptr)) {}
  BufferRef& operator=(BufferRef other) noexcept {
    std::swap(buffer_, other.buffer_);
    return *this;
  }
  ~BufferRef() {
    if (buffer_) buffer_->release();
  }

  static BufferRef allocate(std::size_t bytes) { return BufferRef(Buffer::create(bytes)); }
  static BufferRef borrow(std::byte* data, std::size_t bytes) { return BufferRef(Buffer::borrow(data, bytes)); }

  Buffer* get() const { return buffer_; }
  Buffer* operator->() const { return buffer_; }
  explicit operator bool() const { return buffer_ != nullptr; }

 private:
  Buffer* buffer_ = nullptr;
};

namespace allocator {

// Raw blocks, for jx's scratch memory. The block's real capacity is at least `bytes`. When the system
// has no memory left, even after the caches are returned to it, throws ResourceExhaustedError (op
// "allocate"; callers that know what the memory is for rethrow it naming that).
void* allocate(std::size_t bytes);
void deallocate(void* block, std::size_t bytes);

struct Stats {
  std::size_t bytes_in_use = 0;    // handed out and not yet returned
  std::size_t bytes_cached = 0;    // returned and kept for reuse
  std::size_t os_allocations = 0;  // blocks obtained from the OS so far
  std::size_t allocations = 0;     // calls to allocate() so far (cached blocks included)
};
Stats stats();
// Whether freed blocks are kept for reuse: not in the sanitizer builds, which must see every allocation
// and free (a runtime answer, for code compiled apart from the library, as the tests may be).
bool caches_blocks();
// Returns every cached block to the OS.
void trim();
// The most bytes the global cache keeps for reuse (default: an eighth of physical memory; env
// JX_ALLOCATOR_CACHE_BYTES). Lowering it trims what is above the new limit.
void set_cache_limit(std::size_t bytes);
std::size_t cache_limit();
// For tests: the allocation after the next `successes` ones fails as if the system had no memory left
// (a negative count turns this off).
void fail_after(std::int64_t successes);

}  // namespace allocator
}  // namespace jx
