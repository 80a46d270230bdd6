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
Key key(std::int64_t seed, Loc loc = Loc::current());
// From an integer array seed (traceable): 32-bit seeds give [0, low word] in either mode.
Key PRNGKey(const Array& seed, Loc loc = Loc::current());
Key key(const Array& seed, Loc loc = Loc::current());

// The raw words: uint32 of shape keys.shape + (2,).
Array key_data(const Key& keys, Loc loc = Loc::current());
// uint32 data of shape (..., 2) as keys of shape (...).
Key wrap_key_data(const Array& data, Loc loc = Loc::current());

// Two new keys, for structured bindings: auto [a, b] = split(key).
std::array<Key, 2> split(const Key& key, Loc loc = Loc::current());
// `num` new keys as one Key of shape (num,); or of any shape.
Key split(const Key& key, std::int64_t num, Loc loc = Loc::current());
Key split(const Key& key, const Shape& shape, Loc loc = Loc::current());
// A new key mixing in 32 bits of data (wrapped to uint32, as JAX converts it).
Key fold_in(const Key& key, std::uint32_t data, Loc loc = Loc::current());
Key fold_in(const Key& key, const Array& data, Loc loc = Loc::current());

// Random unsigned integers: uint8/16/32/64 (default uint32, uint64 with x64; 64-bit types narrow
// to 32 bits without x64).
Array bits(const Key& key, const Shape& shape = {}, std::optional<DType> dtype = std::nullopt,
           Loc loc = Loc::current());

// --- Distributions ----------------------------------------------------------------------------
// Float dtypes default to float32 (float64 with x64). `shape` is positional as in JAX; where JAX's
// default is None (the parameters' broadcast shape), an empty optional means the same.

// Uniform on [minval, maxval).
Array uniform(const Key& key, const Shape& shape = {}, std::optional<DType> dtype = std::nullopt,
              const Array& minval = 0.0, const Array& maxval = 1.0, Loc loc = Loc::current());
Array uniform(const Key& key, const Shape& shape, const Array& minval, const Array& maxval, Loc loc = Loc::current());
Array normal(const Key& key, const Shape& shape = {}, std::optional<DType> dtype = std::nullopt,
             Loc loc = Loc::current());
// Integers in [minval, maxval) (default int32, int64 with x64).
Array randint(const Key& key, const Shape& shape, const Array& minval, const Array& maxval,
              std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current());
// How many random bits a Bernoulli draw uses: "low" (JAX's default: u < p for one uniform u, so
// p below the uniform's resolution, 2^-23 in float32, is not honoured) or "high" (a second uniform
// refines the first: u2 * 2^-nmant < p - u1).
enum class BernoulliMode { low, high };
// True with probability p.
Array bernoulli(const Key& key, const Array& p = 0.5, std::optional<Shape> shape = std::nullopt,
                BernoulliMode mode = BernoulliMode::low, Loc loc = Loc::current());
// The same with a shape written in place, bernoulli(key, 0.3f, {8}): a brace list cannot become a
// std::optional<Shape>, so each function with an optional shape has this overload.
Array bernoulli(const Key& key, const Array& p, const Shape& shape, BernoulliMode mode = BernoulliMode::low,
                Loc loc = Loc::current());
// Standard normal restricted to (lower, upper).
Array truncated_normal(const Key& key, const Array& lower, const Array& upper,
                       std::optional<Shape> shape = std::nullopt, std::optional<DType> dtype = std::nullopt,
                       Loc loc = Loc::current());
Array truncated_normal(const Key& key, const Array& lower, const Array& upper, const Shape& shape,
                       std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current());
// How many random bits a Gumbel draw uses: "low" (JAX's default) or "high" (two uniforms).
enum class GumbelMode { low, high };
Array gumbel(const Key& key, const Shape& shape = {}, std::optional<DType> dtype = std::nullopt,
             GumbelMode mode = GumbelMode::low, Loc loc = Loc::current());
Array exponential(const Key& key, const Shape& shape = {}, std::optional<DType> dtype = std::nullopt,
                  Loc loc = Loc::current());
Array laplace(const Key& key, const Shape& shape = {}, std::optional<DType> dtype = std::nullopt,
              Loc loc = Loc::current());
Array logistic(const Key& key, const Shape& shape = {}, std::optional<DType> dtype = std::nullopt,
               Loc loc = Loc::current());
// -1 or 1 with equal probability (default int32).
Array rademacher(const Key& key, const Shape& shape = {}, std::optional<DType> dtype = std::nullopt,
                 Loc loc = Loc::current());

struct CategoricalOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  bool replace = true;
  GumbelMode mode = GumbelMode::low;
};
// Indices drawn from softmax(logits) along `axis` (Gumbel max, or top-k without replacement).
Array categorical(const Key& key, const Array& logits, int axis = -1, std::optional<Shape> shape = std::nullopt,
                  CategoricalOptions options = {}, Loc loc = Loc::current());
Array categorical(const Key& key, const Array& logits, int axis, const Shape& shape, CategoricalOptions options = {},
                  Loc loc = Loc::current());

struct ChoiceOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  bool replace = true;
  std::optional<Array> p = std::nullopt;  // probabilities of the entries along `axis`
  int axis = 0;
  GumbelMode mode = GumbelMode::low;
};
// Samples of `shape` from the entries of `a` along options.axis (or from arange(n)).
Array choice(const Key& key, const Array& a, const Shape& shape = {}, ChoiceOptions options = {},
             Loc loc = Loc::current());
Array choice(const Key& key, std::int64_t n, const Shape& shape = {}, ChoiceOptions options = {},
             Loc loc = Loc::current());

struct PermutationOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  bool independent = false;  // shuffle each slice along the axis separately
};
// A random permutation of arange(n), or of x along `axis`.
Array permutation(const Key& key, std::int64_t n, Loc loc = Loc::current());
Array permutation(const Key& key, const Array& x, int axis = 0, PermutationOptions options = {},
                  Loc loc = Loc::current());

// Normal vectors with mean (..., n) and covariance (..., n, n): mean + L z with L the Cholesky factor
// of cov (JAX's method="cholesky"; jx has no eigh or svd yet, so the other methods are missing) and
// z standard normal of shape `shape` + (n,). `shape` defaults to the broadcast batch shapes of mean
// and cov, dtype to their promoted float type. A covariance that is not positive definite gives NaN.
Array multivariate_normal(const Key& key, const Array& mean, const Array& cov,
                          std::optional<Shape> shape = std::nullopt, std::optional<DType> dtype = std::nullopt,
                          Loc loc = Loc::current());
Array multivariate_normal(const Key& key, const Array& mean, const Array& cov, const Shape& shape,
                          std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current());

}  // namespace random
}  // namespace jx
