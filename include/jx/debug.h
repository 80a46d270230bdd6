// jx/debug.h — the sanctioned side effects: run-time printing and callbacks.
//
// Inside jit a C++ side effect happens once, while tracing. These are recorded in the program as
// effects and run every time it runs, eagerly or jitted, in program order; no pass removes, merges or
// reorders them.
//
//   auto step = jx::jit([](const jx::Array& x) {
//     jx::debug::print("x = {}, sum = {}", x, jnp::sum(x));   // printed on every call
//     return x * 2;
//   });
//   jx::debug::callback([](std::span<const jx::Array> values) { log(values[0]); }, loss);
#pragma once

#include <functional>
#include <source_location>
#include <span>
#include <string>
#include <vector>

#include "jx/core/array.h"

namespace jx::debug {

// Prints the format string with each "{}" replaced by the next array (as NumPy prints it), then a
// newline, to standard output.
void print_impl(std::string format, std::vector<Array> arrays, std::source_location loc);
template <class... A>
void print(std::string format, const A&... arrays) {
  print_impl(std::move(format), std::vector<Array>{Array(arrays)...}, std::source_location::current());
}

// Calls fn with the concrete values of the arrays, when the program runs.
void callback(std::function<void(std::span<const Array>)> fn, std::vector<Array> arrays,
              std::source_location loc = std::source_location::current());

}  // namespace jx::debug
