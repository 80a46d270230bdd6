#include "backends/cpu/arena_planner.h"

#include <iterator>

namespace jx::cpu {
namespace {
std::size_t aligned(std::size_t bytes) {
  return (bytes + ArenaPlanner::kAlignment - 1) / ArenaPlanner::kAlignment * ArenaPlanner::kAlignment;
}
}  // namespace

std::size_t ArenaPlanner::allocate(std::size_t bytes) {
  bytes = aligned(bytes == 0 ? 1 : bytes);
  auto best = free_.end();
  for (auto it = free_.begin(); it != free_.end(); ++it) {
    if (it->second >= bytes && (best == free_.end() || it->second < best->second)) best = it;
  }
  if (best != free_.end()) {
    const std::size_t offset = best->first;
    const std::size_t rest = best->second - bytes;
    free_.erase(best);
    if (rest > 0) free_.emplace(offset + bytes, rest);
    return offset;
  }
  // Nothing fits: grow the arena, starting inside a free range that reaches its end.
  if (!free_.empty()) {
    auto last = std::prev(free_.end());
    if (last->first + last->second == end_) {
      const std::size_t offset = last->first;
      free_.erase(last);
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
  auto it = free_.emplace(offset, bytes).first;
  // Merge with the following and the preceding free ranges.
  if (auto next = std::next(it); next != free_.end() && offset + bytes == next->first) {
    it->second += next->second;
    free_.erase(next);
  }
  if (it != free_.begin()) {
    auto previous = std::prev(it);
    if (previous->first + previous->second == offset) {
      previous->second += it->second;
      free_.erase(it);
    }
  }
}

}  // namespace jx::cpu
