#include "backends/cpu/arena_planner.h"

#include <iterator>

namespace jx::cpu {
namespace {
std::size_t aligned(std::size_t bytes) {
  return (bytes + ArenaPlanner::kAlignment - 1) / ArenaPlanner::kAlignment * ArenaPlanner::kAlignment;
}
}  // namespace

void ArenaPlanner::add_free(std::size_t offset, std::size_t bytes) {
  free_.emplace(offset, bytes);
  by_size_.emplace(bytes, offset);
}

void ArenaPlanner::remove_free(std::map<std::size_t, std::size_t>::iterator range) {
  by_size_.erase({range->second, range->first});
  free_.erase(range);
}

std::size_t ArenaPlanner::allocate(std::size_t bytes) {
  bytes = aligned(bytes == 0 ? 1 : bytes);
  // Best fit: the smallest free range that is large enough (the lowest offset among equals).
  if (auto best = by_size_.lower_bound({bytes, 0}); best != by_size_.end()) {
    const auto [size, offset] = *best;
    remove_free(free_.find(offset));
    if (size > bytes) add_free(offset + bytes, size - bytes);
    return offset;
  }
  // Nothing fits: grow the arena, starting inside a free range that reaches its end.
  if (!free_.empty()) {
    auto last = std::prev(free_.end());
    if (last->first + last->second == end_) {
      const std::size_t offset = last->first;
      remove_free(last);
      end_ = offset + bytes;
      return offset;
    }
  }
  const std::size_t offset = end_;
  end_ += bytes;
  return offset;
}

void ArenaPlanner::release(std::size_t offset, std::size_t bytes) {
  bytes = aligned(bytes == 0 ? 1 : bytes);
  // Merge with the following and the preceding free ranges.
  if (auto next = free_.find(offset + bytes); next != free_.end()) {
    bytes += next->second;
    remove_free(next);
  }
  if (auto after = free_.lower_bound(offset); after != free_.begin()) {
    auto previous = std::prev(after);
    if (previous->first + previous->second == offset) {
      offset = previous->first;
      bytes += previous->second;
      remove_free(previous);
    }
  }
  add_free(offset, bytes);
}

}  // namespace jx::cpu
