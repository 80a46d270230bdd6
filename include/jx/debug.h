// jx/debug.h — the sanctioned side effects: run-time printing and callbacks.
//
// Inside jit a C++ side effect happens once, while tracing. These are recorded in the program as
// effects and run every time it runs, eagerly or jitted, in program order; no pass removes, merges or
// reorders them (so every callback is what JAX calls `ordered`).
//
//   auto step = jx::jit([](const jx::Array& x) {
//     jx::debug::print("x = {}, sum = {}", x, jnp::sum(x));   // printed on every call
//     jx::debug::callback([](const jx::Array& v, const Params& p) { log(v, p); }, x, params);
//     return x * 2;
//   });
//   jx::debug::callback([](std::span<const jx::Array> values) { log(values[0]); }, {loss, accuracy});
//   jx::debug::breakpoint({{"y", y}, {"z", z}});   // pauses every run: (jdb) p y
#pragma once

#include <functional>
#include <source_location>
#include <span>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <vector>

#include "jx/core/array.h"
#include "jx/core/caller_location.h"
#include "jx/tree.h"

namespace jx::debug {

// print's format string remembers the line of the call (jx/core/caller_location.h).
using jx::FormatString;

// Prints the format string with each "{}" replaced by the next array (as NumPy prints it), then a
// newline, to standard output.
void print_impl(std::string format, std::vector<Array> arrays, std::source_location loc);
template <class... A>
void print(FormatString format, const A&... arrays) {
  print_impl(std::move(format.text), std::vector<Array>{Array(arrays)...}, format.where);
}

// As print, to the log (standard error, std::clog) with a "jx.debug.log: " prefix, as jax.debug.log
// writes to Python's logging rather than to standard output.
void log_impl(std::string format, std::vector<Array> arrays, std::source_location loc);
template <class... A>
void log(FormatString format, const A&... arrays) {
  log_impl(std::move(format.text), std::vector<Array>{Array(arrays)...}, format.where);
}

// JAX's `ordered=True`: accepted for JAX code's sake; jx runs every callback in program order.
struct CallbackOptions {
  bool ordered = false;
};

namespace detail {
// Records a callback on flat leaves; `description` identifies it (equal programs on retracing).
void callback_flat(std::function<void(std::span<const Array>)> fn, std::string description, std::vector<Array> leaves,
                   std::source_location loc);
}  // namespace detail

// jx::debug::callback(fn, args...): calls fn(args...) when the program runs, with each argument a
// pytree of the concrete values (as jax.debug.callback). A CallbackOptions may come last.
inline constexpr struct callback_function : jx::detail::CallWithLocation<callback_function> {
  using CallWithLocation::operator();
  // The flat form: fn(values) with the arrays' concrete values, callback(fn, {x, y}).
  void operator()(std::function<void(std::span<const Array>)> fn, std::vector<Array> arrays,
                  std::source_location where = std::source_location::current()) const {
    detail::callback_flat(fn, std::string("callback ") + fn.target_type().name(), std::move(arrays), where);
  }

  template <class Fn, class... Args>
  void invoke(std::source_location where, const Fn& fn, const Args&... args) const {
    if constexpr (sizeof...(Args) > 0 &&
                  std::is_same_v<std::tuple_element_t<sizeof...(Args) - 1, std::tuple<Args...>>, CallbackOptions>) {
      // Drop the options (every jx callback is ordered).
      std::apply([&](const auto&... rest) { record(where, fn, rest...); },
                 drop_last(std::forward_as_tuple(args...), std::make_index_sequence<sizeof...(Args) - 1>{}));
    } else {
      record(where, fn, args...);
    }
  }

 private:
  template <class Tuple, std::size_t... I>
  static auto drop_last(const Tuple& t, std::index_sequence<I...>) {
    return std::forward_as_tuple(std::get<I>(t)...);
  }
  template <class Fn, class... Args>
  static void record(std::source_location where, const Fn& fn, const Args&... args) {
    static_assert(std::is_invocable_v<const Fn&, const Args&...>,
                  "jx::debug::callback: the function cannot be called with these arguments");
    auto [leaves, structure] = tree::flatten(std::forward_as_tuple(args...));
    detail::callback_flat(
        [fn, structure = std::move(structure)](std::span<const Array> values) {
          std::apply(fn, tree::unflatten<std::tuple<Args...>>(structure, values));
        },
        std::string("callback ") + typeid(Fn).name(), std::move(leaves), where);
  }
} callback{};

// jax.debug.breakpoint: pauses the program each time this point runs (eagerly, or every call of a
// jitted function; once per element under vmap; only when its branch of a cond is taken) and reads
// debugger commands from standard input, as JAX's text debugger "jdb" does. C++ has no frame to look
// into by name, so the values to inspect are given with their names:
//
//   jx::debug::breakpoint({{"y", y}, {"z", z}});
//
//   Entering jdb:
//   (jdb) p y                      p NAME / NAME: repr; pp NAME: as print shows it
//   Array(0.9092974, dtype=float32, weak_type=True)
//   (jdb) c                        c(ont(inue)): resume
//
// Also l(ist) (the breakpoint's source lines), w(here)/bt, u(p), d(own), h(elp), and q(uit)/exit,
// which ends the program as JAX's does. At the end of the input the program continues, so that a
// run without a terminal (a CI job) does not stop silently.
using NamedValues = std::vector<std::pair<std::string, Array>>;
void breakpoint(NamedValues values = {}, std::source_location where = std::source_location::current());

}  // namespace jx::debug
