// The rescalings of jx/optim/adaptive_transforms.h that keep no moving averages of moments: trust
// ratios, signs, Rprop's step sizes, optimistic gradients, and gradient noise.
#include <fmt/format.h>

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/optim/adaptive_transforms.h"
#include "jx/random.h"
#include "optim/state.h"
#include "optim/wrapping.h"

namespace jx::optim {

namespace jnp = jx::numpy;
using detail::cast_like;
using detail::field_arrays;

namespace {

// The Array at state[key], which must be one.
Array state_array(const OptState& state, const char* key, const std::string& transformation) {
  const OptState& field = detail::state_field(state, key, transformation);
  if (!field.is_array()) {
    throw TreeError("optim::update",
                    fmt::format("the '{}' of {}'s state is {}, not an array", key, transformation, field.to_string()));
  }
  return field.array();
}

using detail::no_state;

// The Frobenius norm of the whole array, or min_norm where it is at most min_norm (Optax's
// numerics.safe_norm). The norm is taken again of ones where it is that small, so that its gradient
// at 0 is 0 rather than NaN.
Array safe_norm(const Array& x, double min_norm) {
  const Array norm = jnp::sqrt(jnp::sum(x * x));
  const Array small = norm <= min_norm;
  const Array safe_x = jnp::where(small, jnp::ones_like(x), x);
  return jnp::where(small, min_norm, jnp::sqrt(jnp::sum(safe_x * safe_x)));
}

}  // namespace

GradientTransformation scale_by_trust_ratio(ScaleByTrustRatioOptions options) {
  const std::string name = "scale_by_trust_ratio";
  return GradientTransformation(name, no_state,
                                [options, name](const tree::TreeDef&, std::vector<Array>& updates,
                                                const OptState& state, std::span<const Array> params) {
                                  detail::require_params(params, name);
                                  for (std::size_t i = 0; i < updates.size(); ++i) {
                                    const Array& update = updates[i];
                                    if (!update.valid()) continue;
                                    const Array param_norm = safe_norm(params[i], options.min_norm);
                                    const Array update_norm = safe_norm(update, options.min_norm);
                                    const Array ratio =
                                        options.trust_coefficient * param_norm / (update_norm + options.eps);
                                    // A zero norm (only without min_norm) would stop the layer for good: leave it
                                    // unscaled.
                                    const Array zero_norm = jnp::logical_or(param_norm == 0.0, update_norm == 0.0);
                                    updates[i] = update * jnp::where(zero_norm, 1.0, ratio);
                                  }
                                  return state;
                                });
}

GradientTransformation scale_by_sign() {
  return GradientTransformation(
      "scale_by_sign", no_state,
      [](const tree::TreeDef&, std::vector<Array>& updates, const OptState& state, std::span<const Array>) {
        for (Array& update : updates)
          if (update.valid()) update = jnp::sign(update);
        return state;
      });
}

GradientTransformation scale_by_rprop(double learning_rate, RpropOptions options) {
  const std::string name = "scale_by_rprop";
  return GradientTransformation(
      name,
      [learning_rate](const tree::TreeDef& structure, std::span<const Array> params) {
        return OptState::dict(
            {{"step_sizes", detail::per_leaf_tree(structure, detail::full_like(params, learning_rate))},
             {"prev_updates", detail::zeros_tree(structure, params)}});
      },
      [options, name](const tree::TreeDef& structure, std::vector<Array>& updates, const OptState& state,
                      std::span<const Array>) {
        std::vector<Array> step_sizes = field_arrays(structure, state, "step_sizes", name);
        std::vector<Array> previous = field_arrays(structure, state, "prev_updates", name);
        for (std::size_t i = 0; i < updates.size(); ++i) {
          const Array& g = updates[i];
          if (!g.valid()) continue;
          // Positive where the gradient kept the previous update's sign, negative where it flipped, zero
          // where either is zero (the first step, a skipped step, a zero gradient).
          const Array agreement = g * previous[i];
          const Array scaled = jnp::clip(step_sizes[i] * jnp::where(agreement > 0, options.eta_plus, options.eta_minus),
                                         Array(options.min_step_size), Array(options.max_step_size));
          const Array step_size = jnp::where(agreement == 0, step_sizes[i], scaled);
          // A flip means the last step overshot: skip this one, and let the next one start afresh.
          const Array flipped = agreement < 0;
          const Array step = jnp::where(flipped, jnp::zeros_like(g), step_size * jnp::sign(g));
          // Optax emits the step kept from the previous update, not this one: its updates lag one step
          // behind (none at the first step), as its docstring's example shows.
          updates[i] = jnp::where(flipped, jnp::zeros_like(previous[i]), previous[i]);
          step_sizes[i] = cast_like(step_size, step_sizes[i]);
          previous[i] = cast_like(step, previous[i]);
        }
        return OptState::dict({{"step_sizes", detail::per_leaf_tree(structure, step_sizes)},
                               {"prev_updates", detail::per_leaf_tree(structure, previous)}});
      });
}

GradientTransformation scale_by_optimistic_gradient(OptimisticGradientDescentOptions options) {
  const std::string name = "scale_by_optimistic_gradient";
  return GradientTransformation(
      name,
      [](const tree::TreeDef& structure, std::span<const Array> params) {
        return OptState::dict(
            {{"is_initial_step", Array(true)}, {"previous_gradient", detail::zeros_tree(structure, params)}});
      },
      [options, name](const tree::TreeDef& structure, std::vector<Array>& updates, const OptState& state,
                      std::span<const Array>) {
        const Array is_initial_step = state_array(state, "is_initial_step", name);
        std::vector<Array> previous = field_arrays(structure, state, "previous_gradient", name);
        for (std::size_t i = 0; i < updates.size(); ++i) {
          const Array& g = updates[i];
          if (!g.valid()) continue;
          // There is no previous gradient at the first step: the current one stands in for it.
          const Array previous_gradient = jnp::where(is_initial_step, g, previous[i]);
          previous[i] = cast_like(g, previous[i]);
          updates[i] = (options.alpha + options.beta) * g - options.beta * previous_gradient;
        }
        return OptState::dict(
            {{"is_initial_step", Array(false)}, {"previous_gradient", detail::per_leaf_tree(structure, previous)}});
      });
}

GradientTransformation add_noise(double eta, double gamma, KeyOrSeed key) {
  const std::string name = "add_noise";
  return GradientTransformation(
      name,
      [key](const tree::TreeDef&, std::span<const Array>) {
        // A seed makes a new key at every init, as Optax's canonicalize_key does (so that initializing
        // twice is no key reuse); a key is used as given.
        const Key initial_key =
            std::holds_alternative<Key>(key) ? std::get<Key>(key) : random::PRNGKey(std::get<std::int64_t>(key));
        return OptState::dict({{"count", detail::zero_count()}, {"rng_key", initial_key}});
      },
      [eta, gamma, name](const tree::TreeDef&, std::vector<Array>& updates, const OptState& state,
                         std::span<const Array>) {
        const Array count = detail::safe_increment(detail::state_count(state, name));
        const Array key_array = state_array(state, "rng_key", name);
        if (key_array.dtype() != random::key_dtype()) {
          throw TreeError("optim::update", fmt::format("the 'rng_key' of {}'s state is a {} array, not a PRNG key",
                                                       name, dtype_name(key_array.dtype())));
        }
        const Key rng_key(key_array);
        auto [next_key, sample_key] = random::split(rng_key);
        std::vector<std::size_t> present;
        for (std::size_t i = 0; i < updates.size(); ++i)
          if (updates[i].valid()) present.push_back(i);
        if (!present.empty()) {
          const Array standard_deviation = jnp::sqrt(eta / jnp::power(count, gamma));
          // One key per leaf the updates have (a masked-out leaf is none), as optax.tree.random_like.
          const Key leaf_keys = random::split(sample_key, static_cast<std::int64_t>(present.size()));
          for (std::size_t j = 0; j < present.size(); ++j) {
            Array& update = updates[present[j]];
            const Array noise = random::normal(leaf_keys[static_cast<std::int64_t>(j)], update.shape(), update.dtype());
            update = update + standard_deviation.astype(update.dtype()) * noise;
          }
        }
        return OptState::dict({{"count", count}, {"rng_key", next_key}});
      });
}

}  // namespace jx::optim
