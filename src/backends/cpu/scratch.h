// src/backends/cpu/scratch.h — typed, uninitialized scratch memory for CPU kernels, from jx's caching
// allocator (core/buffer.h).
//
//   jx::cpu::Scratch<double> work(n * n);   // n * n doubles, not zeroed
//   lapack::getrf(n, n, work.data(), n, ...);
//
// Kernels take their temporaries (LAPACK workspaces, column-major copies, partial sums) from here
// rather than from std::vector: glibc maps large blocks afresh on each allocation and unmaps them on
// free, so a kernel that allocates a 1 MiB workspace per call pays a page fault per 4 KiB every call
// (measured here: eigh of 256 x 256 doubles took 1.9x as long as LAPACK alone, all of it in faults);
// the caching allocator keeps freed blocks. Nothing is value-initialized either.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "core/buffer.h"

namespace jx::cpu {

template <class T>
class Scratch {
  static_assert(std::is_trivially_destructible_v<T>, "scratch memory holds plain numbers");

 public:
  explicit Scratch(std::int64_t count)
      : size_(static_cast<std::size_t>(std::max<std::int64_t>(count, 0))),
        bytes_(std::max<std::size_t>(size_ * sizeof(T), 1)),
        data_(static_cast<T*>(allocator::allocate(bytes_))) {}
  ~Scratch() { allocator::deallocate(data_, bytes_); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  T* data() const { return data_; }
  std::size_t size() const { return size_; }
  T* begin() const { return data_; }
  T* end() const { return data_ + size_; }
  T& operator[](std::size_t i) const { return data_[i]; }

 private:
  std::size_t size_;
  std::size_t bytes_;
  T* data_;
};

}  // namespace jx::cpu
