// jx/random.h — jx::random, JAX's functional PRNG (jax.random), bit for bit.
//
// A jx::Key is an array of PRNG keys (threefry2x32, as JAX's typed keys): it is a pytree leaf, goes
// through jit like any array, and never gets a gradient. Randomness is explicit: a key is consumed by
// one draw, and `split` makes new keys. The same seed gives the same keys, bits, uniforms, normals
// and integers as JAX, in both threefry modes (config::threefry_partitionable, on by default, and the
// legacy mode); config::debug_key_reuse(true) makes consuming a key twice throw KeyReuseError.
//
//   auto key = jx::random::PRNGKey(42);
//   auto [x_key, noise_key] = jx::random::split(key);
//   auto xs = jx::random::normal(x_key, {128, 1});
//   auto keys = jx::random::split(noise_key, 4);          // a Key of shape (4,)
//   auto ints = jx::random::randint(keys[0], {3}, 0, 10);
//   auto flips = jx::random::bernoulli(keys[1], 0.3f, {8});
//   auto pairs = jx::random::multivariate_normal(keys[2], jnp::zeros({2}), jnp::eye(2), jx::Shape{5});
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>
#include <utility>

#include "jx/core/array.h"
#include "jx/numpy.h"

namespace jx {

// An array of PRNG keys (dtype key). Indexing, reshaping and the like keep it a Key.
class Key : public Array {
 public:
  Key() = default;  // an empty handle
  // Checks the dtype: key arrays only (and float0, the "gradient" autodiff gives key leaves).
  explicit Key(Array keys);

  Key operator[](Index index) const { return Key(Array::operator[](std::move(index))); }
  template <class... I>
  Key operator()(I&&... indices) const {
    return Key(Array::operator()(std::forward<I>(indices)...));
  }
  Key reshape(const Shape& shape, std::source_location loc = std::source_location::current()) const {
    return Key(Array::reshape(shape, loc));
  }
  Key flatten(std::source_location loc = std::source_location::current()) const { return Key(Array::flatten(loc)); }
};

namespace random {

using Loc = std::source_location;

// --- Keys ---------------------------------------------------------------------------------------

// A key from a 64-bit seed as JAX makes it: [0, seed mod 2^32] with x64 off (the seed is narrowed
// to 32 bits), [high word, low word] with x64 on. PRNGKey and key are the same in jx (typed keys).
Key PRNGKey(std::int64_t seed, Loc loc = Loc::current());
inline constexpr struct key_function {
  Key operator()(std::int64_t seed, Loc loc = Loc::current()) const;
  Key operator()(const Array& seed, Loc loc = Loc::current()) const;
} key{};
// From an integer array seed (traceable): 32-bit seeds give [0, low word] in either mode.
Key PRNGKey(const Array& seed, Loc loc = Loc::current());

// The raw words: uint32 of shape keys.shape + (2,).
inline constexpr struct key_data_function {
  Array operator()(const Key& keys, Loc loc = Loc::current()) const;
} key_data{};
// uint32 data of shape (..., 2) as keys of shape (...).
inline constexpr struct wrap_key_data_function {
  Key operator()(const Array& data, Loc loc = Loc::current()) const;
} wrap_key_data{};
// The same keys as new keys (jax.random.clone): under config::debug_key_reuse each copy may be
// consumed once more; otherwise an identity.
inline constexpr struct clone_function { Key operator()(const Key& keys, Loc loc = Loc::current()) const; } clone{};
// The keys' PRNG implementation (jax.random.key_impl): "threefry2x32", jx's one implementation, as
// JAX's default.
inline constexpr struct key_impl_function {
  std::string operator()(const Key& keys, Loc loc = Loc::current()) const;
} key_impl{};
// The dtype of typed keys (jax.random.key_dtype()).
inline DType key_dtype() { return DType::key; }

// split is the one function here that is not an object: split<3>(key) needs a function template.
// Two new keys, for structured bindings: auto [a, b] = split(key).
std::array<Key, 2> split(const Key& prng_key, Loc loc = Loc::current());
// `num` new keys as one Key of shape (num,); or of any shape.
Key split(const Key& prng_key, std::int64_t num, Loc loc = Loc::current());
Key split(const Key& prng_key, const Shape& shape, Loc loc = Loc::current());
// N new keys as a std::array, for structured bindings: auto [a, b, c] = split<3>(key). The same keys
// as split(key, N).
template <std::size_t N>
std::array<Key, N> split(const Key& prng_key, Loc loc = Loc::current()) {
  const Key keys = split(prng_key, static_cast<std::int64_t>(N), loc);
  std::array<Key, N> result;
  for (std::size_t i = 0; i < N; ++i) result[i] = keys[static_cast<std::int64_t>(i)];
  return result;
}
// A new key mixing in 32 bits of data (wrapped to uint32, as JAX converts it).
inline constexpr struct fold_in_function {
  Key operator()(const Key& prng_key, std::uint32_t data, Loc loc = Loc::current()) const;
  Key operator()(const Key& prng_key, const Array& data, Loc loc = Loc::current()) const;
} fold_in{};

// Random unsigned integers: uint8/16/32/64 (default uint32, uint64 with x64; 64-bit types narrow
// to 32 bits without x64).
inline constexpr struct bits_function {
  Array operator()(const Key& prng_key, const Shape& shape = {}, std::optional<DType> dtype = std::nullopt,
                   Loc loc = Loc::current()) const;
} bits{};

// --- Distributions ----------------------------------------------------------------------------
// Float dtypes default to float32 (float64 with x64). `shape` is positional as in JAX; where JAX's
// default is None (the parameters' broadcast shape), an empty optional means the same.

// Uniform on [minval, maxval).
inline constexpr struct uniform_function {
  Array operator()(const Key& prng_key, const Shape& shape = {}, std::optional<DType> dtype = std::nullopt,
                   const Array& minval = 0.0, const Array& maxval = 1.0, Loc loc = Loc::current()) const;
  Array operator()(const Key& prng_key, const Shape& shape, const Array& minval, const Array& maxval,
                   Loc loc = Loc::current()) const;
} uniform{};
inline constexpr struct normal_function {
  Array operator()(const Key& prng_key, const Shape& shape = {}, std::optional<DType> dtype = std::nullopt,
                   Loc loc = Loc::current()) const;
} normal{};
// Integers in [minval, maxval) (default int32, int64 with x64).
inline constexpr struct randint_function {
  Array operator()(const Key& prng_key, const Shape& shape, const Array& minval, const Array& maxval,
                   std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) const;
} randint{};
// How many random bits a Bernoulli draw uses: "low" (JAX's default: u < p for one uniform u, so
// p below the uniform's resolution, 2^-23 in float32, is not honoured) or "high" (a second uniform
// refines the first: u2 * 2^-nmant < p - u1).
enum class BernoulliMode { low, high };
// True with probability p.
inline constexpr struct bernoulli_function {
  Array operator()(const Key& prng_key, const Array& p = 0.5, std::optional<Shape> shape = std::nullopt,
                   BernoulliMode mode = BernoulliMode::low, Loc loc = Loc::current()) const;
  // The same with a shape written in place, bernoulli(key, 0.3f, {8}): a brace list cannot become a
  // std::optional<Shape>, so each function with an optional shape has this overload.
  Array operator()(const Key& prng_key, const Array& p, const Shape& shape, BernoulliMode mode = BernoulliMode::low,
                   Loc loc = Loc::current()) const;
} bernoulli{};
// Standard normal restricted to (lower, upper).
inline constexpr struct truncated_normal_function {
  Array operator()(const Key& prng_key, const Array& lower, const Array& upper,
                   std::optional<Shape> shape = std::nullopt, std::optional<DType> dtype = std::nullopt,
                   Loc loc = Loc::current()) const;
  Array operator()(const Key& prng_key, const Array& lower, const Array& upper, const Shape& shape,
                   std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) const;
} truncated_normal{};
// How many random bits a Gumbel draw uses: "low" (JAX's default) or "high" (two uniforms).
enum class GumbelMode { low, high };
inline constexpr struct gumbel_function {
  Array operator()(const Key& prng_key, const Shape& shape = {}, std::optional<DType> dtype = std::nullopt,
                   GumbelMode mode = GumbelMode::low, Loc loc = Loc::current()) const;
} gumbel{};
inline constexpr struct exponential_function {
  Array operator()(const Key& prng_key, const Shape& shape = {}, std::optional<DType> dtype = std::nullopt,
                   Loc loc = Loc::current()) const;
} exponential{};
inline constexpr struct laplace_function {
  Array operator()(const Key& prng_key, const Shape& shape = {}, std::optional<DType> dtype = std::nullopt,
                   Loc loc = Loc::current()) const;
} laplace{};
inline constexpr struct logistic_function {
  Array operator()(const Key& prng_key, const Shape& shape = {}, std::optional<DType> dtype = std::nullopt,
                   Loc loc = Loc::current()) const;
} logistic{};
// -1 or 1 with equal probability (default int32).
inline constexpr struct rademacher_function {
  Array operator()(const Key& prng_key, const Shape& shape = {}, std::optional<DType> dtype = std::nullopt,
                   Loc loc = Loc::current()) const;
} rademacher{};

struct CategoricalOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  bool replace = true;
  GumbelMode mode = GumbelMode::low;
};
// Indices drawn from softmax(logits) along `axis` (Gumbel max, or top-k without replacement).
inline constexpr struct categorical_function {
  Array operator()(const Key& prng_key, const Array& logits, int axis = -1, std::optional<Shape> shape = std::nullopt,
                   CategoricalOptions options = {}, Loc loc = Loc::current()) const;
  Array operator()(const Key& prng_key, const Array& logits, int axis, const Shape& shape,
                   CategoricalOptions options = {}, Loc loc = Loc::current()) const;
} categorical{};

struct ChoiceOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  bool replace = true;
  std::optional<Array> p = std::nullopt;  // probabilities of the entries along `axis`
  int axis = 0;
  GumbelMode mode = GumbelMode::low;
};
// Samples of `shape` from the entries of `a` along options.axis (or from arange(n)).
inline constexpr struct choice_function {
  Array operator()(const Key& prng_key, const Array& a, const Shape& shape = {}, ChoiceOptions options = {},
                   Loc loc = Loc::current()) const;
  Array operator()(const Key& prng_key, std::int64_t n, const Shape& shape = {}, ChoiceOptions options = {},
                   Loc loc = Loc::current()) const;
} choice{};

struct PermutationOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  bool independent = false;  // shuffle each slice along the axis separately
};
// A random permutation of arange(n), or of x along `axis`.
inline constexpr struct permutation_function {
  Array operator()(const Key& prng_key, std::int64_t n, Loc loc = Loc::current()) const;
  Array operator()(const Key& prng_key, const Array& x, int axis = 0, PermutationOptions options = {},
                   Loc loc = Loc::current()) const;
} permutation{};

// Normal vectors with mean (..., n) and covariance (..., n, n): mean + A z with A A^T = cov and z
// standard normal of shape `shape` + (n,). method "cholesky" (JAX's default; A the Cholesky factor,
// NaN for a covariance that is not positive definite), "svd" (A = U sqrt(S)) or "eigh" (A = V sqrt(W);
// both also take positive semidefinite covariances). `shape` defaults to the broadcast batch shapes of
// mean and cov, dtype to their promoted float type.
inline constexpr struct multivariate_normal_function {
  Array operator()(const Key& prng_key, const Array& mean, const Array& cov, std::optional<Shape> shape = std::nullopt,
                   std::optional<DType> dtype = std::nullopt, std::string_view method = "cholesky",
                   Loc loc = Loc::current()) const;
  Array operator()(const Key& prng_key, const Array& mean, const Array& cov, const Shape& shape,
                   std::optional<DType> dtype = std::nullopt, std::string_view method = "cholesky",
                   Loc loc = Loc::current()) const;
} multivariate_normal{};

// Matrices drawn uniformly (by Haar measure) from the orthogonal (unitary, for complex dtypes) n x m
// matrices (m = n by default), with batch shape `shape`: the QR factor of a normal matrix, its
// columns' signs fixed by R's diagonal (jax.random.orthogonal).
inline constexpr struct orthogonal_function {
  Array operator()(const Key& prng_key, std::int64_t n, const Shape& shape = {},
                   std::optional<DType> dtype = std::nullopt, std::optional<std::int64_t> m = std::nullopt,
                   Loc loc = Loc::current()) const;
} orthogonal{};

}  // namespace random
}  // namespace jx

#include "jx/random/counts.h"
#include "jx/random/gamma_family.h"
#include "jx/random/samplers.h"
