// src/debug/profiler_events.h — how jx's own code records events for jx/profiler.h.
//
//   if (profiler::detail::tracing()) [[unlikely]] {
//     const auto start = profiler::detail::now_ns();
//     ...;
//     profiler::detail::record("name", "category", start, profiler::detail::now_ns());
//   }
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace jx::profiler::detail {

extern std::atomic<bool> g_tracing;

inline bool tracing() { return g_tracing.load(std::memory_order_relaxed); }

// Nanoseconds of a monotonic clock.
std::int64_t now_ns();

// One complete event ("X" in the trace-event format) on the calling thread.
void record(std::string_view name, std::string_view category, std::int64_t start_ns, std::int64_t end_ns);

}  // namespace jx::profiler::detail
