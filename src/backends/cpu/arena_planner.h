// src/backends/cpu/arena_planner.h — offsets in one arena for values whose lifetimes are known ahead.
//
// The planned executor walks a program once, in order: it asks for memory for each value as the
// equation defining it is reached, and gives it back after the value's last use. Later values reuse the
// freed ranges (best fit, neighbours merged), so the arena is about the size of the largest set of
// values alive at once rather than the sum of all of them. Free ranges are indexed by offset (to merge
// neighbours) and by size (to find the best fit), so each call is O(log n) in the number of ranges: a
// program of 100k equations plans in linear-logarithmic time.
//
//   ArenaPlanner planner;
//   const std::size_t a = planner.allocate(4096);
//   planner.release(a, 4096);
//   const std::size_t b = planner.allocate(1024);   // == a: the freed range is reused
#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <utility>

namespace jx::cpu {

class ArenaPlanner {
 public:
  static constexpr std::size_t kAlignment = 64;

  // The offset of `bytes` of memory (kAlignment-aligned) no live allocation overlaps.
  std::size_t allocate(std::size_t bytes);
  void release(std::size_t offset, std::size_t bytes);
  // Bytes the arena needs for everything allocated so far.
  std::size_t size() const { return end_; }

 private:
  void add_free(std::size_t offset, std::size_t bytes);
  void remove_free(std::map<std::size_t, std::size_t>::iterator range);

  std::map<std::size_t, std::size_t> free_;                // offset -> bytes, no two adjacent
  std::set<std::pair<std::size_t, std::size_t>> by_size_;  // (bytes, offset) of the same ranges
  std::size_t end_ = 0;
};

}  // namespace jx::cpu
