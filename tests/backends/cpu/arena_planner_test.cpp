#include "backends/cpu/arena_planner.h"

#include <gtest/gtest.h>

namespace {

using jx::cpu::ArenaPlanner;

TEST(ArenaPlanner, ReusesFreedRangesAndAligns) {
  ArenaPlanner planner;
  const std::size_t a = planner.allocate(100);  // rounded up to 128
  const std::size_t b = planner.allocate(64);
  EXPECT_EQ(a, 0u);
  EXPECT_EQ(b, 128u);
  EXPECT_EQ(planner.size(), 192u);
  planner.release(a, 100);
  EXPECT_EQ(planner.allocate(64), 0u);   // fits in the freed range
  EXPECT_EQ(planner.allocate(64), 64u);  // the rest of it
  EXPECT_EQ(planner.size(), 192u);
}

TEST(ArenaPlanner, MergesNeighboursAndPicksTheBestFit) {
  ArenaPlanner planner;
  const std::size_t a = planner.allocate(64), b = planner.allocate(64), kept = planner.allocate(64),
                    c = planner.allocate(256), d = planner.allocate(64);
  EXPECT_EQ(planner.size(), 512u);
  planner.release(a, 64);
  planner.release(b, 64);  // merges with a: 128 bytes at 0
  planner.release(c, 256);
  EXPECT_EQ(planner.allocate(128), 0u);    // the 128-byte range fits exactly; c's is larger
  EXPECT_EQ(planner.allocate(256), 192u);  // then c's
  EXPECT_EQ(planner.size(), 512u);
  (void)kept;
  (void)d;
}

TEST(ArenaPlanner, GrowsFromAFreeRangeAtTheEnd) {
  ArenaPlanner planner;
  const std::size_t a = planner.allocate(64);
  const std::size_t b = planner.allocate(64);
  planner.release(b, 64);
  // 128 bytes do not fit in b's 64, but b reaches the end of the arena: grow from there.
  EXPECT_EQ(planner.allocate(128), 64u);
  EXPECT_EQ(planner.size(), 192u);
  (void)a;
}

}  // namespace
