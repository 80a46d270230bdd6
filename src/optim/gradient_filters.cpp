// Transformations that filter or guard the updates — keep_params_nonnegative, zero_nans — or work
// across steps — apply_every, apply_if_finite — with the should-skip tests and scale_gradient.
#include <fmt/format.h>

#include <string>
#include <tuple>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/optim/clipping.h"
#include "jx/optim/utilities.h"
#include "jx/transforms/control_flow.h"
#include "jx/transforms/custom_derivatives.h"
#include "optim/state.h"

namespace jx::optim {

namespace jnp = jx::numpy;

GradientTransformation keep_params_nonnegative() {
  const std::string name = "keep_params_nonnegative";
  return GradientTransformation(
      name, init_empty_state,
      [name](const tree::TreeDef&, std::vector<Array>& updates, const OptState& state, std::span<const Array> params) {
        if (params.empty()) {
          throw ValueError("optim::update",
                           fmt::format("{} needs the parameters: call update(grads, state, params)", name));
        }
        for (std::size_t i = 0; i < updates.size(); ++i)
          if (updates[i].valid()) updates[i] = jnp::where(params[i] + updates[i] < 0.0, -params[i], updates[i]);
        return state;
      });
}

GradientTransformation zero_nans() {
  auto found_nan_state = [](const tree::TreeDef& structure, const std::vector<Array>& found) {
    return OptState::dict({{"found_nan", detail::per_leaf_tree(structure, found)}});
  };
  return GradientTransformation(
      "zero_nans",
      [found_nan_state](const tree::TreeDef& structure, std::span<const Array> params) {
        std::vector<Array> found;
        for (const Array& param : params) found.push_back(param.valid() ? jnp::array(false) : Array());
        return found_nan_state(structure, found);
      },
      [found_nan_state](const tree::TreeDef& structure, std::vector<Array>& updates, const OptState&,
                        std::span<const Array>) {
        std::vector<Array> found(updates.size());
        for (std::size_t i = 0; i < updates.size(); ++i) {
          if (!updates[i].valid()) continue;
          const Array is_nan = jnp::isnan(updates[i]);
          found[i] = jnp::any(is_nan);
          updates[i] = jnp::where(is_nan, jnp::zeros_like(updates[i]), updates[i]);
        }
        return found_nan_state(structure, found);
      });
}

GradientTransformation apply_every(std::int64_t k, Loc loc) {
  CallSite site(loc);
  if (k < 1) throw ValueError("optim::apply_every", fmt::format("k must be at least 1, got {}", k));
  const std::string name = "apply_every";
  return GradientTransformation(
      name,
      [](const tree::TreeDef& structure, std::span<const Array> params) {
        return OptState::dict({{"count", detail::zero_count()}, {"grad_acc", detail::zeros_tree(structure, params)}});
      },
      [k, name](const tree::TreeDef& structure, std::vector<Array>& updates, const OptState& state,
                std::span<const Array>) {
        const Array count = detail::state_count(state, name);
        std::vector<Array> accumulated = detail::field_arrays(structure, state, "grad_acc", name);
        // A new window starts when count is 0 mod k; the sum is emitted on its last step. Optax
        // multiplies by the flags (so an infinity left in the accumulator makes NaNs, as there).
        const Array phase = jnp::remainder(count, k);
        const Array keep = phase != 0, emit = phase == k - 1;
        for (std::size_t i = 0; i < updates.size(); ++i) {
          if (!updates[i].valid()) continue;
          const Array sum = keep.astype(accumulated[i].dtype()) * accumulated[i] + updates[i];
          updates[i] = (emit.astype(sum.dtype()) * sum).astype(updates[i].dtype());
          accumulated[i] = detail::cast_like(sum, accumulated[i]);
        }
        return OptState::dict({{"count", jnp::remainder(detail::safe_increment(count), k)},
                               {"grad_acc", detail::per_leaf_tree(structure, accumulated)}});
      });
}

GradientTransformation apply_if_finite(GradientTransformation inner, std::int64_t max_consecutive_errors) {
  const std::string name = "apply_if_finite";
  auto init = [inner](const tree::TreeDef& structure, std::span<const Array> params) {
    return OptState::dict({{"notfinite_count", detail::zero_count()},
                           {"last_finite", jnp::array(true)},
                           {"total_notfinite", detail::zero_count()},
                           {"inner_state", inner.init_leaves(structure, params)}});
  };
  auto update = [inner, max_consecutive_errors, name](const tree::TreeDef& structure, std::vector<Array>& updates,
                                                      const OptState& state, std::span<const Array> params,
                                                      const ExtraArgs& extra) {
    const Array notfinite_count = detail::state_field(state, "notfinite_count", name).array();
    const Array total_notfinite = detail::state_field(state, "total_notfinite", name).array();
    const OptState& inner_state = detail::state_field(state, "inner_state", name);
    // lax::cond takes the present leaves only (a masked-out leaf is an empty Array).
    std::vector<std::size_t> present;
    Array is_finite = jnp::array(true);
    for (std::size_t i = 0; i < updates.size(); ++i) {
      if (!updates[i].valid()) continue;
      present.push_back(i);
      is_finite = jnp::logical_and(is_finite, jnp::all(jnp::isfinite(updates[i])));
    }
    auto take = [&present](std::span<const Array> leaves) {
      std::vector<Array> taken;
      if (!leaves.empty())
        for (std::size_t i : present) taken.push_back(leaves[i]);
      return taken;
    };
    auto spread = [&present, &updates](const std::vector<Array>& taken) {
      std::vector<Array> full(updates.size());
      for (std::size_t j = 0; j < taken.size(); ++j) full[present[j]] = taken[j];
      return full;
    };
    const Array count = jnp::where(is_finite, detail::zero_count(), detail::safe_increment(notfinite_count));
    using Result = std::pair<std::vector<Array>, OptState>;
    auto apply = [&](const std::vector<Array>& present_updates, const OptState& previous,
                     const std::vector<Array>& present_params) -> Result {
      std::vector<Array> full = spread(present_updates);
      const std::vector<Array> full_params = present_params.empty() ? std::vector<Array>{} : spread(present_params);
      OptState next = inner.update_leaves(structure, full, previous, nullptr, full_params, extra);
      return {take(full), std::move(next)};
    };
    auto reject = [](const std::vector<Array>& present_updates, const OptState& previous,
                     const std::vector<Array>&) -> Result {
      std::vector<Array> zeros;
      for (const Array& leaf : present_updates) zeros.push_back(jnp::zeros_like(leaf));
      return {std::move(zeros), previous};
    };
    // A cond, not a C++ branch: under jit whether the updates are finite is only known when it runs.
    auto [present_updates, next_inner] = lax::cond(jnp::logical_or(is_finite, count > max_consecutive_errors), apply,
                                                   reject, take(updates), inner_state, take(params));
    const std::vector<Array> full = spread(present_updates);
    for (std::size_t i : present) updates[i] = full[i];
    return OptState::dict(
        {{"notfinite_count", count},
         {"last_finite", is_finite},
         {"total_notfinite", jnp::where(is_finite, total_notfinite, detail::safe_increment(total_notfinite))},
         {"inner_state", std::move(next_inner)}});
  };
  return GradientTransformation(name, std::move(init),
                                GradientTransformation::UpdateWithExtraArgsFunction(std::move(update)));
}

std::pair<Array, OptState> skip_large_updates(std::span<const Array> updates, const Array&, std::span<const Array>,
                                              const Array& max_squared_norm) {
  const Array norm_squared = detail::global_norm_leaves(updates, /*squared=*/true);
  const Array should_skip = jnp::logical_not(norm_squared < max_squared_norm);
  return {should_skip, OptState::dict({{"should_skip", should_skip}, {"norm_squared", norm_squared}})};
}

Array scale_gradient(const Array& inputs, double scale, Loc loc) {
  CallSite site(loc);
  if (scale == 1.0) return inputs;
  if (scale == 0.0) return lax::stop_gradient(inputs);
  // One custom function for every scale (passed as a non-differentiated argument), so that
  // retracing gives the same program.
  static const auto scaled = jx::custom_vjp(
      [](const Array&, const Array& x) { return x; },
      [](const Array&, const Array& x) { return std::make_pair(x, std::tuple<>{}); },
      [](const Array& factor, const std::tuple<>&, const Array& g) { return std::tuple{g * factor.astype(g.dtype())}; },
      jx::nondiff_argnums<0>);
  return scaled(Array(scale), inputs);
}

}  // namespace jx::optim
