// scale_by_backtracking_linesearch: the largest step of a geometric sequence with sufficient decrease
// (the Armijo criterion), searched by a lax::while_loop.
#include <fmt/format.h>

#include <utility>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/optim/lbfgs.h"
#include "optim/linesearch.h"
#include "optim/state.h"

namespace jx::optim {

namespace {

namespace jnp = jx::numpy;
using detail::strong;

using detail::infinity;

// The loop's carry: the trial step, the value there (the gradient too with store_grad, once the
// search ends), how far it is from sufficient decrease, and the trials made.
struct BacktrackingSearch {
  Array learning_rate, value;
  std::vector<Array> grad;
  Array decrease_error, iteration;
};
JX_PYTREE(BacktrackingSearch, learning_rate, value, grad, decrease_error, iteration);

}  // namespace

GradientTransformation scale_by_backtracking_linesearch(std::int64_t max_backtracking_steps,
                                                        BacktrackingLinesearchOptions options) {
  const std::string name = "scale_by_backtracking_linesearch";
  if (max_backtracking_steps < 0) {
    throw ValueError("optim::scale_by_backtracking_linesearch",
                     fmt::format("max_backtracking_steps must not be negative, got {}", max_backtracking_steps));
  }
  auto init = [options](const tree::TreeDef& structure, std::span<const Array> params) {
    const DType dtype = detail::value_dtype(params);
    return OptState::dict({{"learning_rate", detail::scalar(1.0, dtype)},
                           {"value", detail::scalar(infinity, dtype)},
                           {"grad", options.store_grad ? detail::zeros_tree(structure, params) : OptState::none()},
                           {"info", OptState::dict({{"num_linesearch_steps", detail::zero_count()},
                                                    {"decrease_error", detail::scalar(infinity, dtype)}})}});
  };
  auto update = [options, max_backtracking_steps, name](const tree::TreeDef& structure, std::vector<Array>& updates,
                                                        const OptState& state, std::span<const Array> params,
                                                        const ExtraArgs& extra) {
    detail::require_line_search_arguments(name, params, extra);
    const Array last_learning_rate = detail::state_field(state, "learning_rate", name).array();
    const DType dtype = last_learning_rate.dtype();
    const detail::PresentLeaves present(updates);
    const std::vector<Array> direction = present.take(updates), at = present.take(params);
    const std::vector<Array> grad = present.take(extra.grad);
    const Array value = detail::value_argument(extra, dtype);
    // The derivative of eta -> f(w + eta u) at 0; sufficient decrease needs it negative (a descent
    // direction), or no step but an infinitesimal one satisfies the criterion.
    const Array slope = detail::real_dot(direction, grad, dtype);
    const detail::Objective objective(extra.value_fn, present, dtype);
    auto decrease_error = [&](const Array& learning_rate, const Array& new_value) {
      return detail::violation(new_value - (1.0 + options.rtol) * value - learning_rate * options.slope_rtol * slope);
    };

    auto keep_searching = [&](const BacktrackingSearch& search) {
      // (The error is never NaN: violation makes it infinite.)
      return (search.decrease_error > options.atol) & (search.iteration <= max_backtracking_steps);
    };
    auto backtrack = [&](const BacktrackingSearch& search) {
      // The first trial is the guess itself; each later one shrinks the step.
      const Array learning_rate =
          strong(jnp::where(search.iteration > 0, options.decrease_factor * search.learning_rate, search.learning_rate),
                 dtype);
      const std::vector<Array> trial = detail::step_along(at, learning_rate, direction);
      BacktrackingSearch next{learning_rate, objective.value(trial), search.grad, Array(), search.iteration + 1};
      next.decrease_error = strong(decrease_error(learning_rate, next.value), dtype);
      if (options.store_grad) {
        // The gradient only at the step the search ends with, the next update's gradient.
        const Array ends = (next.decrease_error <= options.atol) | (search.iteration == max_backtracking_steps);
        next.grad = lax::cond(
            ends, [&](const std::vector<Array>& point) { return objective.value_and_grad(point).second; },
            [&](const std::vector<Array>&) { return search.grad; }, trial);
      }
      return next;
    };
    std::vector<Array> no_grad;
    if (options.store_grad)
      for (const Array& leaf : at) no_grad.push_back(jnp::zeros_like(leaf));
    const BacktrackingSearch start{
        strong(jnp::minimum(options.increase_factor * last_learning_rate, options.max_learning_rate), dtype), value,
        std::move(no_grad), detail::scalar(infinity, dtype), detail::zero_count()};
    const BacktrackingSearch found = lax::while_loop(keep_searching, backtrack, start);

    // A search that never saw a finite value takes no step rather than one to infinities or NaNs.
    const Array learning_rate = strong(jnp::where(jnp::isinf(found.decrease_error), 0.0, found.learning_rate), dtype);
    for (Array& leaf : updates)
      if (leaf.valid()) leaf = strong(learning_rate * leaf, leaf.dtype());
    OptState stored_grad = OptState::none();
    if (options.store_grad) {
      const std::vector<Array> last_grad = present.take(detail::field_arrays(structure, state, "grad", name));
      stored_grad = detail::per_leaf_tree(structure, present.put(detail::cast_all_like(found.grad, last_grad)));
    }
    const OptState& info = detail::state_field(state, "info", name);
    return OptState::dict(
        {{"learning_rate", learning_rate},
         {"value", strong(found.value, detail::state_field(state, "value", name).array().dtype())},
         {"grad", std::move(stored_grad)},
         {"info", OptState::dict({{"num_linesearch_steps", strong(found.iteration, int32)},
                                  {"decrease_error",
                                   detail::cast_like(found.decrease_error,
                                                     detail::state_field(info, "decrease_error", name).array())}})}});
  };
  return GradientTransformation(name, std::move(init), GradientTransformation::UpdateWithExtraArgsFunction(update));
}

}  // namespace jx::optim
