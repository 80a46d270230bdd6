// jx/nn/rng.h — Haiku's helpers for randomness: PRNGSequence, an iterator of keys, and the functions
// that draw from, reserve in, replace or override the sequence of the running transformed function.
//
//   jx::nn::PRNGSequence keys(42);                    // or from a jx::Key
//   auto w = jx::random::normal(keys.next(), {3});
//
//   auto model = jx::nn::transform([](const jx::Array& x) {
//     const jx::Key pair = jx::nn::next_rng_keys(2);              // a Key of shape (2,)
//     jx::Array y = jx::nn::dropout(pair[0], 0.1f, x);
//     if (auto key = jx::nn::maybe_next_rng_key()) y = y + jx::random::normal(*key, x.shape());
//     auto scope = jx::nn::with_rng(jx::random::PRNGKey(7));      // next_rng_key draws from this one
//     return jx::nn::dropout(jx::nn::next_rng_key(), 0.5f, y);
//   });
//   auto deterministic = jx::nn::without_apply_rng(other_model);  // deterministic.apply(params, x)
//
// Keys come out as Haiku hands them out: a sequence keeps a key and a queue of keys split off ahead.
// reserve(n) replaces the key k by split(k, n + 1)[0] and queues split(k, n + 1)[1..n]; next() takes
// the queue's front, reserving one first when it is empty (so it gives split(k)[1] and keeps
// split(k)[0]); take(n) reserves what the queue lacks, then takes n. Equal seeds give the keys Haiku
// gives.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <source_location>
#include <type_traits>
#include <utility>
#include <vector>

#include "jx/nn/transform.h"
#include "jx/tree/traits.h"

namespace jx::nn {

// What a PRNGSequence holds: the key split next and the keys already split off (a pytree).
struct PRNGSequenceState {
  Key key;
  std::vector<Key> subkeys;
};
JX_PYTREE(PRNGSequenceState, key, subkeys);

// An iterator of keys (hk.PRNGSequence). Keys must be single keys (shape ()); anything else throws
// ValueError.
class PRNGSequence {
 public:
  explicit PRNGSequence(std::int64_t seed);
  // A key (a jx::Key, or raw uint32 words of shape (2,)), or a seed as an integer array of shape ()
  // (traceable).
  explicit PRNGSequence(const Array& key_or_seed);
  explicit PRNGSequence(PRNGSequenceState state);

  Key next();
  std::vector<Key> take(std::int64_t num);
  // Splits `num` more keys off now; next() and take() hand them out first.
  void reserve(std::int64_t num);

  PRNGSequenceState internal_state() const;
  void replace_internal_state(PRNGSequenceState state);

 private:
  Key key_;
  std::deque<Key> subkeys_;
};

// --- Inside a transformed function (the key given to init or apply seeds the sequence) -----------
// Outside one, each throws ValueError; those that need a key throw ValueError when it was given none.

// `num` fresh keys as one Key of shape (num,): as take(num) of the sequence, so with nothing
// reserved they are split(k, num + 1)[1..num], not the keys num calls of next_rng_key would give
// (those split again after each key).
Key next_rng_keys(std::int64_t num, std::source_location loc = std::source_location::current());
// next_rng_key() when the function was given a key, std::nullopt when it was not.
std::optional<Key> maybe_next_rng_key(std::source_location loc = std::source_location::current());
// Splits `num` keys off ahead, for the next calls of next_rng_key (one split instead of num).
void reserve_rng_keys(std::int64_t num, std::source_location loc = std::source_location::current());
// The sequence's state (std::nullopt when the function was given no key), and its replacement: the
// way a scan threads the sequence through its carry.
std::optional<PRNGSequenceState> maybe_get_rng_sequence_state(
    std::source_location loc = std::source_location::current());
void replace_rng_sequence_state(const PRNGSequenceState& state,
                                std::source_location loc = std::source_location::current());

// Until it is destroyed, next_rng_key and its relatives draw from a new sequence seeded with `key`;
// then the function's own sequence resumes where it was (hk.with_rng).
class [[nodiscard]] RngScope {
 public:
  explicit RngScope(const Key& key, std::source_location loc = std::source_location::current());
  ~RngScope();
  RngScope(const RngScope&) = delete;
  RngScope& operator=(const RngScope&) = delete;

 private:
  detail::RngSequenceSlot slot_;
  std::optional<Key> saved_key_;
  std::deque<Key> saved_reserved_;
};
inline RngScope with_rng(const Key& key, std::source_location loc = std::source_location::current()) {
  return RngScope(key, loc);
}

// --- without_apply_rng: a transformed function whose apply takes no key (it runs with none) -------

template <class T>
class WithoutApplyRng;

template <class F>
class WithoutApplyRng<Transformed<F>> {
 public:
  explicit WithoutApplyRng(const Transformed<F>& f) : init(f.init), apply{{}, f.apply} {}

  typename Transformed<F>::Init init;
  // apply(params, args...)
  struct Apply : jx::detail::CallWithLocation<Apply> {
    typename Transformed<F>::Apply inner;
    template <class... Args>
    auto invoke(std::source_location where, const Params& params, const Args&... args) const {
      return inner.invoke(where, params, std::optional<Key>(), args...);
    }
  } apply;
};

template <class F>
class WithoutApplyRng<TransformedWithState<F>> {
 public:
  explicit WithoutApplyRng(const TransformedWithState<F>& f) : init(f.init), apply{{}, f.apply} {}

  typename TransformedWithState<F>::Init init;
  // apply(params, state, args...)
  struct Apply : jx::detail::CallWithLocation<Apply> {
    typename TransformedWithState<F>::Apply inner;
    template <class... Args>
    auto invoke(std::source_location where, const Params& params, const State& state, const Args&... args) const {
      return inner.invoke(where, params, state, std::optional<Key>(), args...);
    }
  } apply;
};

template <class F>
WithoutApplyRng<Transformed<F>> without_apply_rng(const Transformed<F>& f) {
  return WithoutApplyRng<Transformed<F>>(f);
}
template <class F>
WithoutApplyRng<TransformedWithState<F>> without_apply_rng(const TransformedWithState<F>& f) {
  return WithoutApplyRng<TransformedWithState<F>>(f);
}

}  // namespace jx::nn
