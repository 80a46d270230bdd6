// jx/transforms/checkify.h — run-time checks in jitted code, functionalized into an error value
// (jax.experimental.checkify).
//
// A C++ `if` cannot look at a traced value, and throwing from inside a compiled program would leave
// nothing to report. checkify turns f into a function that returns (Error, f's output): the checks
// that fail are recorded in the Error, a pytree that jit can return like any other.
//
//   namespace checkify = jx::checkify;
//   auto safe_log = checkify::checkify([](const jx::Array& x) {
//     checkify::check(jnp::all(x > 0), "x must be positive, got {}", x);
//     return jnp::log(x);
//   });
//   auto [err, y] = jx::jit(safe_log)(x);
//   if (auto message = err.get()) std::cerr << *message << "\n";   // the first failed check
//   err.throw_if_error();                                           // or: jx::CheckifyError
//
//   // Automatic checks: NaNs produced by any operation, integer division by zero, out-of-bounds indices.
//   auto checked = checkify::checkify(f, checkify::nan_checks | checkify::div_checks | checkify::index_checks);
//
// Inside checkify, checks are seen through jit, vmap (a batch fails if any example does) and grad.
// A check inside a control-flow body (cond, scan, while_loop) is not functionalized: it throws
// CheckifyError when the body runs, as a check outside checkify does.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <source_location>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "jx/core/array.h"
#include "jx/core/caller_location.h"
#include "jx/core/error.h"
#include "jx/transforms/arguments.h"
#include "jx/tree.h"

namespace jx::checkify {

// Which failures a checkified function reports (JAX's error sets; combine them with |).
class ErrorSet {
 public:
  constexpr explicit ErrorSet(unsigned bits) : bits_(bits) {}
  constexpr ErrorSet operator|(ErrorSet other) const { return ErrorSet(bits_ | other.bits_); }
  constexpr bool contains(ErrorSet other) const { return (bits_ & other.bits_) == other.bits_; }

 private:
  unsigned bits_;
};
inline constexpr ErrorSet user_checks{1};   // checkify::check
inline constexpr ErrorSet nan_checks{2};    // an operation produced a NaN
inline constexpr ErrorSet div_checks{4};    // integer division (div, rem) by zero
inline constexpr ErrorSet index_checks{8};  // gather, scatter or dynamic slice out of bounds
inline constexpr ErrorSet float_checks = nan_checks | div_checks;
inline constexpr ErrorSet automatic_checks = float_checks | index_checks;
inline constexpr ErrorSet all_checks = automatic_checks | user_checks;

// The checks a checkified function ran, and which failed first. A pytree: its leaves are the index of
// the failed check and the values its message formats; the messages are static.
class Error {
 public:
  struct Check {
    std::string message;   // with "{}" for each formatted value
    std::string where;     // the check's line, when known
    std::size_t num_args;  // how many values the message formats
    bool operator==(const Check&) const = default;
  };
  struct Table {
    std::vector<Check> checks;
    bool operator==(const Table&) const = default;
  };

  Error();  // no checks, no failure
  Error(Array code, std::vector<Array> payload, Table table);

  // The first failed check's message, formatted with its values; nothing when every check passed.
  // Needs concrete values (call it outside jit, on what the jitted function returned).
  std::optional<std::string> get() const;
  // Throws CheckifyError with that message, naming the check's line.
  void throw_if_error() const;

  // The pytree's parts (jx_pytree_flatten below).
  const Array& code() const { return code_; }  // int32: the failed check's index, -1 for none
  const std::vector<Array>& payload() const { return payload_; }
  const Table& table() const { return table_; }

 private:
  Array code_;
  std::vector<Array> payload_;
  Table table_;
};

inline auto jx_pytree_flatten(const Error& e) { return std::tuple{e.code(), e.payload(), e.table()}; }
inline Error jx_pytree_unflatten(std::type_identity<Error>, std::tuple<Array, std::vector<Array>, Error::Table> parts) {
  return Error(std::move(std::get<0>(parts)), std::move(std::get<1>(parts)), std::move(std::get<2>(parts)));
}

namespace detail {
void check_flat(const Array& pred, std::string message, std::vector<Array> args, std::source_location where);

// Runs the function under a trace that records checks (and, for the automatic error sets, checks
// every operation), then gathers them into an Error.
class Collector {
 public:
  explicit Collector(ErrorSet errors);
  ~Collector();
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;
  Error finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};
}  // namespace detail

// checkify::check(pred, message, values...): inside a checkified function, records that pred (a
// boolean array: every element must be true) must hold, with the message formatting the values at
// its "{}"s. Elsewhere it throws CheckifyError when pred is false — eagerly at once, in a jitted
// function when the program runs.
template <class... A>
void check(const Array& pred, FormatString message, const A&... values) {
  detail::check_flat(pred, std::move(message.text), std::vector<Array>{Array(values)...}, message.where);
}

// Throws CheckifyError if err holds a failure — under jit, when the program runs (checkify.check_error).
void check_error(const Error& err, std::source_location where = std::source_location::current());

template <class F>
class Checkified : public jx::detail::CallWithLocation<Checkified<F>> {
 public:
  Checkified(F f, ErrorSet errors) : f_(std::move(f)), errors_(errors) {}

  // Numbers are traced where f takes arrays (jx/transforms/arguments.h).
  template <std::size_t I, class... Args>
  static constexpr bool array_parameter = jx::detail::array_parameter<F, I, Args...>();

  // (Error, f(args...)).
  template <class... Args>
  auto invoke(std::source_location where, const Args&... args) const {
    return jx::detail::with_traced_numbers<F>(
        [&](const auto&... arguments) {
          using Output = std::remove_cvref_t<std::invoke_result_t<const F&, decltype(arguments)...>>;
          CallSite site(where);
          detail::Collector collector(errors_);
          std::optional<Output> output;
          {
            UserCodeScope user;
            output.emplace(f_(arguments...));
          }
          Error error = collector.finish();
          return std::pair<Error, Output>{std::move(error), std::move(*output)};
        },
        args...);
  }

 private:
  F f_;
  ErrorSet errors_;
};

// checkify::checkify(f, errors = user_checks): f returning (Error, f's output).
template <class F>
Checkified<F> checkify(F f, ErrorSet errors = user_checks) {
  return Checkified<F>(std::move(f), errors);
}

}  // namespace jx::checkify

template <>
struct std::hash<jx::checkify::Error::Table> {
  std::size_t operator()(const jx::checkify::Error::Table& table) const noexcept;
};
