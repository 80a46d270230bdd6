// PRNGSequence and the sequence helpers of transformed functions (jx/nn/rng.h). The running function's
// sequence lives in its frame (src/nn/frame.cpp), reached through detail::current_rng_sequence.
#include "jx/nn/rng.h"

#include <fmt/format.h>

#include <algorithm>

#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/random.h"

namespace jx::nn {
namespace {

namespace jnp = jx::numpy;

// Haiku's assert_is_prng_key: a sequence hands out keys one at a time, so it takes single keys only.
Key single_key(const Array& key, const char* what) {
  if (key.dtype() != DType::key || key.ndim() != 0) {
    throw ValueError(what,
                     fmt::format("needs a single PRNG key (a jx::Key of shape ()), got {}", key.type().to_string()));
  }
  return Key(key);
}

void check_count(std::int64_t num, const char* what) {
  if (num < 0) throw ValueError(what, fmt::format("the number of keys must be non-negative, got {}", num));
}

PRNGSequence load(const detail::RngSequenceSlot& slot) {
  return PRNGSequence(PRNGSequenceState{**slot.key, {slot.reserved->begin(), slot.reserved->end()}});
}

void store(const detail::RngSequenceSlot& slot, const PRNGSequence& sequence) {
  PRNGSequenceState state = sequence.internal_state();
  *slot.key = std::move(state.key);
  slot.reserved->assign(state.subkeys.begin(), state.subkeys.end());
}

// The running function's sequence, which must have a key (Haiku's rng_seq_or_fail).
detail::RngSequenceSlot keyed_sequence(const char* what) {
  const detail::RngSequenceSlot slot = detail::current_rng_sequence(what);
  if (!*slot.key) {
    throw ValueError(what, "no PRNG key: this function draws randomness, so pass a key to init and apply");
  }
  return slot;
}

detail::RngSequenceSlot sequence_at(const char* what, std::source_location loc) {
  CallSite site(loc);
  return detail::current_rng_sequence(what);
}

}  // namespace

PRNGSequence::PRNGSequence(std::int64_t seed) : key_(random::PRNGKey(seed)) {}

PRNGSequence::PRNGSequence(const Array& key_or_seed) {
  const DType dtype = key_or_seed.dtype();
  if (dtype == DType::key) {
    key_ = single_key(key_or_seed, "PRNGSequence");
  } else if (is_integer(dtype) && key_or_seed.ndim() == 0) {
    key_ = random::PRNGKey(key_or_seed);
  } else if (dtype == DType::uint32 && key_or_seed.shape() == Shape{2}) {
    key_ = random::wrap_key_data(key_or_seed);  // a raw key, as jax.random.PRNGKey made them
  } else {
    throw ValueError("PRNGSequence",
                     fmt::format("needs a PRNG key or an integer seed, got {}", key_or_seed.type().to_string()));
  }
}

PRNGSequence::PRNGSequence(PRNGSequenceState state) { replace_internal_state(std::move(state)); }

void PRNGSequence::reserve(std::int64_t num) {
  check_count(num, "PRNGSequence::reserve");
  if (num == 0) return;
  // Key 0 of each split is kept for the next split; the others go to the user in order.
  const Key keys = random::split(key_, num + 1);
  key_ = keys[0];
  for (std::int64_t i = 1; i <= num; ++i) subkeys_.push_back(keys[i]);
}

Key PRNGSequence::next() {
  if (subkeys_.empty()) reserve(1);  // Haiku's default rng_reserve_size
  Key key = std::move(subkeys_.front());
  subkeys_.pop_front();
  return key;
}

std::vector<Key> PRNGSequence::take(std::int64_t num) {
  check_count(num, "PRNGSequence::take");
  reserve(std::max<std::int64_t>(num - static_cast<std::int64_t>(subkeys_.size()), 0));
  std::vector<Key> keys;
  keys.reserve(static_cast<std::size_t>(num));
  for (std::int64_t i = 0; i < num; ++i) keys.push_back(next());
  return keys;
}

PRNGSequenceState PRNGSequence::internal_state() const {
  return {key_, std::vector<Key>(subkeys_.begin(), subkeys_.end())};
}

void PRNGSequence::replace_internal_state(PRNGSequenceState state) {
  Key key = single_key(state.key, "PRNGSequence");
  std::deque<Key> subkeys;
  for (const Key& subkey : state.subkeys) subkeys.push_back(single_key(subkey, "PRNGSequence"));
  key_ = std::move(key);
  subkeys_ = std::move(subkeys);
}

Key next_rng_keys(std::int64_t num, std::source_location loc) {
  CallSite site(loc);
  const detail::RngSequenceSlot slot = keyed_sequence("next_rng_keys");
  if (num <= 0) throw ValueError("next_rng_keys", fmt::format("needs a positive number of keys, got {}", num));
  PRNGSequence sequence = load(slot);
  const std::vector<Key> keys = sequence.take(num);
  store(slot, sequence);
  std::vector<Array> words;
  words.reserve(keys.size());
  for (const Key& key : keys) words.push_back(random::key_data(key));
  return random::wrap_key_data(jnp::stack(words));
}

std::optional<Key> maybe_next_rng_key(std::source_location loc) {
  CallSite site(loc);
  if (!*detail::current_rng_sequence("maybe_next_rng_key").key) return std::nullopt;
  return next_rng_key();
}

void reserve_rng_keys(std::int64_t num, std::source_location loc) {
  CallSite site(loc);
  const detail::RngSequenceSlot slot = keyed_sequence("reserve_rng_keys");
  PRNGSequence sequence = load(slot);
  sequence.reserve(num);
  store(slot, sequence);
}

std::optional<PRNGSequenceState> maybe_get_rng_sequence_state(std::source_location loc) {
  CallSite site(loc);
  const detail::RngSequenceSlot slot = detail::current_rng_sequence("maybe_get_rng_sequence_state");
  if (!*slot.key) return std::nullopt;
  return load(slot).internal_state();
}

void replace_rng_sequence_state(const PRNGSequenceState& state, std::source_location loc) {
  CallSite site(loc);
  const detail::RngSequenceSlot slot = detail::current_rng_sequence("replace_rng_sequence_state");
  if (!*slot.key) {
    throw ValueError("replace_rng_sequence_state",
                     "needs a PRNG key passed to the transformed function's init or apply");
  }
  store(slot, PRNGSequence(state));
}

RngScope::RngScope(const Key& key, std::source_location loc) : slot_(sequence_at("with_rng", loc)) {
  CallSite site(loc);
  const Key checked = single_key(key, "with_rng");
  saved_key_ = std::move(*slot_.key);
  saved_reserved_ = std::move(*slot_.reserved);
  *slot_.key = checked;
  slot_.reserved->clear();
}

RngScope::~RngScope() {
  *slot_.key = std::move(saved_key_);
  *slot_.reserved = std::move(saved_reserved_);
}

}  // namespace jx::nn
