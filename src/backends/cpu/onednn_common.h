// src/backends/cpu/onednn_common.h — what jx's oneDNN products share: the engine, the one-thread
// rule, data types and the primitive cache. Included only by the oneDNN sources (it pulls in
// oneDNN's C++ header, which nothing else should pay for).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "jx/core/dtype.h"

namespace jx::cpu::onednn {

dnnl::engine& cpu_engine();
// This thread's stream (oneDNN's streams are not shared between threads).
dnnl::stream& thread_stream();
// Before a thread's first primitive: its OpenMP limit becomes 1, so oneDNN never starts a team.
void hold_to_one_thread();
std::optional<dnnl::memory::data_type> data_type_of(DType dtype);
// Whether oneDNN chose its reference code (correct but slower than jx's own kernels).
bool is_reference(const std::string& implementation);
void note_implementation(std::string_view implementation);
// Primitive attributes jx always uses: the caller provides scratch memory (per thread, below), so that
// one primitive may run on several threads at once.
dnnl::primitive_attr default_attributes();
// This thread's scratch memory for a primitive, grown as needed and kept.
dnnl::memory thread_scratchpad(const dnnl::memory::desc& desc);

// Primitives by problem, created on first use and shared by every later call (and thread). Bounded:
// when full it starts over, as programs that keep changing shapes would otherwise grow it forever.
template <class Key, class Value, class Hash>
class PrimitiveCache {
 public:
  using Create = std::shared_ptr<const Value> (*)(const Key&);
  std::shared_ptr<const Value> get(const Key& key, Create create) {
    {
      std::lock_guard lock(mutex_);
      if (auto it = entries_.find(key); it != entries_.end()) return it->second;
    }
    std::shared_ptr<const Value> made = create(key);  // outside the lock: creation takes milliseconds
    std::lock_guard lock(mutex_);
    if (entries_.size() >= kLimit) entries_.clear();
    return entries_.emplace(key, std::move(made)).first->second;
  }
  std::size_t size() {
    std::lock_guard lock(mutex_);
    return entries_.size();
  }
  void clear() {
    std::unordered_map<Key, std::shared_ptr<const Value>, Hash> taken;
    {
      std::lock_guard lock(mutex_);
      taken.swap(entries_);
    }
  }

 private:
  static constexpr std::size_t kLimit = 1024;
  std::mutex mutex_;
  std::unordered_map<Key, std::shared_ptr<const Value>, Hash> entries_;
};

// A problem split over jx's threads along one axis of `extent` items: `count` parts of `size` items,
// the last one `last_size` (so at most two distinct primitives per problem).
struct Split {
  std::int64_t count = 1, size = 0, last_size = 0;
};
// At most `wanted` parts (at least one, at most one per item).
Split split(std::int64_t extent, std::int64_t wanted);
// The primitives of a split problem's parts, `key_of(size)` naming each: the same one twice when the
// parts are equal.
template <class Cache, class KeyOf, class Create>
auto part_primitives(Cache& cache, const Split& parts, const KeyOf& key_of, Create create) {
  auto full = cache.get(key_of(parts.size), create);
  auto last = parts.last_size == parts.size ? full : cache.get(key_of(parts.last_size), create);
  return std::pair{std::move(full), std::move(last)};
}
// Runs part(i) for every part, on jx's pool (inline for one part), each thread held to one OpenMP thread.
void run_parts(const Split& parts, const std::function<void(std::int64_t)>& part);

// Scratch memory of one call from jx's caching allocator (aligned, uninitialized: every use writes
// it first), so that a step's large scratch buffers are not mapped and faulted in anew every call.
class Buffer {
 public:
  explicit Buffer(std::size_t bytes);
  ~Buffer();
  Buffer(Buffer&& other) noexcept;
  Buffer& operator=(Buffer&& other) noexcept;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  std::byte* data() const { return data_; }

 private:
  std::byte* data_ = nullptr;
  std::size_t bytes_ = 0;
};

// The convolution and pooling primitives' caches (onednn_convolution.cpp, onednn_pooling.cpp).
std::size_t convolution_cache_size();
void clear_convolution_cache();
std::size_t pooling_cache_size();
void clear_pooling_cache();

}  // namespace jx::cpu::onednn
