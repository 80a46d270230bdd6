// jx/core/small_vector.h — a vector of trivially copyable values with inline storage.
//
// Shapes, strides and axis lists are short (rank rarely exceeds 6), copied on every op, and live in
// every array header. Keeping the first N elements inline saves a heap allocation per copy on the
// eager dispatch path; longer vectors spill to the heap transparently.
//
//   jx::SmallVector<int64_t, 6> dims = {128, 1};
//   dims.push_back(3);  // still inline
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <new>
#include <span>
#include <type_traits>

namespace jx {

template <class T, std::size_t N>
class SmallVector {
  static_assert(std::is_trivially_copyable_v<T>, "SmallVector holds trivially copyable values only");

 public:
  using value_type = T;
  using iterator = T*;
  using const_iterator = const T*;

  SmallVector() = default;
  SmallVector(std::initializer_list<T> values) { assign(values.begin(), values.size()); }
  explicit SmallVector(std::span<const T> values) { assign(values.data(), values.size()); }
  SmallVector(std::size_t count, T value) {
    resize(count);
    std::fill(begin(), end(), value);
  }
  template <class Iterator>
  SmallVector(Iterator first, Iterator last) {
    for (; first != last; ++first) push_back(static_cast<T>(*first));
  }
  SmallVector(const SmallVector& other) { assign(other.data(), other.size()); }
  SmallVector(SmallVector&& other) noexcept { steal(other); }
  SmallVector& operator=(const SmallVector& other) {
    if (this != &other) assign(other.data(), other.size());
    return *this;
  }
  SmallVector& operator=(SmallVector&& other) noexcept {
    if (this != &other) {
      release();
      steal(other);
    }
    return *this;
  }
  ~SmallVector() { release(); }

  T* data() { return heap_ ? heap_ : inline_; }
  const T* data() const { return heap_ ? heap_ : inline_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T& operator[](std::size_t i) { return data()[i]; }
  const T& operator[](std::size_t i) const { return data()[i]; }
  T& back() { return data()[size_ - 1]; }
  const T& back() const { return data()[size_ - 1]; }
  iterator begin() { return data(); }
  iterator end() { return data() + size_; }
  const_iterator begin() const { return data(); }
  const_iterator end() const { return data() + size_; }
  operator std::span<const T>() const { return {data(), size_}; }  // NOLINT(google-explicit-constructor)

  void push_back(T value) {
    if (size_ == capacity()) grow(capacity() * 2);
    data()[size_++] = value;
  }
  void pop_back() { --size_; }
  void clear() { size_ = 0; }
  void resize(std::size_t count, T value = T{}) {
    if (count > capacity()) grow(std::max(count, capacity() * 2));
    for (std::size_t i = size_; i < count; ++i) data()[i] = value;
    size_ = count;
  }
  void insert(std::size_t position, T value) {
    push_back(value);
    std::rotate(begin() + position, end() - 1, end());
  }
  void erase(std::size_t position) {
    std::copy(begin() + position + 1, end(), begin() + position);
    --size_;
  }

  friend bool operator==(const SmallVector& a, const SmallVector& b) {
    return a.size_ == b.size_ && std::equal(a.begin(), a.end(), b.begin());
  }

 private:
  std::size_t capacity() const { return heap_ ? heap_capacity_ : N; }

  void assign(const T* values, std::size_t count) {
    if (count > capacity()) grow(count);
    if (count) std::memmove(data(), values, count * sizeof(T));
    size_ = count;
  }
  void grow(std::size_t new_capacity) {
    T* fresh = static_cast<T*>(std::malloc(new_capacity * sizeof(T)));
    if (!fresh) throw std::bad_alloc();
    if (size_) std::memcpy(fresh, data(), size_ * sizeof(T));
    std::free(heap_);
    heap_ = fresh;
    heap_capacity_ = new_capacity;
  }
  void steal(SmallVector& other) {
    if (other.heap_) {
      heap_ = other.heap_;
      heap_capacity_ = other.heap_capacity_;
      other.heap_ = nullptr;
    } else if (other.size_) {
      std::memcpy(inline_, other.inline_, other.size_ * sizeof(T));
    }
    size_ = other.size_;
    other.size_ = 0;
  }
  void release() {
    std::free(heap_);
    heap_ = nullptr;
  }

  T inline_[N] = {};
  T* heap_ = nullptr;
  std::size_t heap_capacity_ = 0;
  std::size_t size_ = 0;
};

}  // namespace jx
