// scale_by_zoom_linesearch: a step satisfying the strong Wolfe conditions, by Nocedal and Wright's
// algorithms 3.5 (find an interval holding one) and 3.6 (zoom into it), with Hager and Zhang's
// approximate decrease criterion near a minimum. The whole search is one lax::while_loop whose
// iterations each evaluate the objective and its gradient once.
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

// A point of the line eta -> f(w + eta u): the step, the value there and the derivative along u.
struct Sample {
  Array stepsize, value, slope;
};
JX_PYTREE(Sample, stepsize, value, slope);

// The loop's carry (Optax's ZoomLinesearchState without its constants). `low` and `high` bound an
// interval holding an acceptable step, with value(low) <= value(high) (not low < high); `safe` is the
// best step with sufficient decrease seen, taken when the curvature condition cannot be met.
struct ZoomSearch {
  Array count;
  Sample current;
  std::vector<Array> grad;
  Array decrease_error, curvature_error, error;
  Array interval_found, done, failed;
  Sample low, high;
  Array cubic_ref, value_cubic_ref;  // a third point for the cubic interpolation
  Array safe_stepsize, safe_value;
  std::vector<Array> safe_grad;
};
JX_PYTREE(ZoomSearch, count, current, grad, decrease_error, curvature_error, error, interval_found, done, failed, low,
          high, cubic_ref, value_cubic_ref, safe_stepsize, safe_value, safe_grad);

Sample where(const Array& condition, const Sample& if_true, const Sample& if_false) {
  return {jnp::where(condition, if_true.stepsize, if_false.stepsize),
          jnp::where(condition, if_true.value, if_false.value), jnp::where(condition, if_true.slope, if_false.slope)};
}

std::vector<Array> where(const Array& condition, const std::vector<Array>& if_true,
                         const std::vector<Array>& if_false) {
  std::vector<Array> result(if_true.size());
  for (std::size_t i = 0; i < result.size(); ++i) result[i] = jnp::where(condition, if_true[i], if_false[i]);
  return result;
}

// The critical point of the cubic through (a, fa), (b, fb), (c, fc) with slope fpa at a; NaN when it
// has none (the caller then does not use it).
Array cubic_minimum(const Array& a, const Array& fa, const Array& fpa, const Array& b, const Array& fb, const Array& c,
                    const Array& fc) {
  const Array db = b - a, dc = c - a;
  const Array denominator = jnp::square(db * dc) * (db - dc);
  const Array rb = fb - fa - fpa * db, rc = fc - fa - fpa * dc;
  const Array cubic = (dc * dc * rb - db * db * rc) / denominator;
  const Array quadratic = (-dc * dc * dc * rb + db * db * db * rc) / denominator;
  const Array radical = quadratic * quadratic - 3.0 * cubic * fpa;
  return a + (-quadratic + jnp::sqrt(radical)) / (3.0 * cubic);
}

// The critical point of the quadratic through (a, fa) and (b, fb) with slope fpa at a.
Array quadratic_minimum(const Array& a, const Array& fa, const Array& fpa, const Array& b, const Array& fb) {
  const Array db = b - a;
  const Array curvature = (fb - fa - fpa * db) / (db * db);
  return a - fpa / (2.0 * curvature);
}

}  // namespace

GradientTransformation scale_by_zoom_linesearch(std::int64_t max_linesearch_steps, ZoomLinesearchOptions options) {
  const std::string name = "scale_by_zoom_linesearch";
  if (max_linesearch_steps < 0) {
    throw ValueError("optim::scale_by_zoom_linesearch",
                     fmt::format("max_linesearch_steps must not be negative, got {}", max_linesearch_steps));
  }
  auto init = [](const tree::TreeDef& structure, std::span<const Array> params) {
    const DType dtype = detail::value_dtype(params);
    return OptState::dict(
        {{"learning_rate", detail::scalar(1.0, dtype)},
         {"value", detail::scalar(infinity, dtype)},
         {"grad", detail::zeros_tree(structure, params)},
         {"info", OptState::dict({{"num_linesearch_steps", detail::zero_count()},
                                  {"decrease_error", detail::scalar(infinity, default_float_dtype())},
                                  {"curvature_error", detail::scalar(infinity, default_float_dtype())}})}});
  };
  auto update = [options, max_linesearch_steps, name](const tree::TreeDef& structure, std::vector<Array>& updates,
                                                      const OptState& state, std::span<const Array> params,
                                                      const ExtraArgs& extra) {
    detail::require_line_search_arguments(name, params, extra);
    const Array last_learning_rate = detail::state_field(state, "learning_rate", name).array();
    const DType dtype = last_learning_rate.dtype();
    const detail::PresentLeaves present(updates);
    const std::vector<Array> direction = present.take(updates), at = present.take(params);
    const std::vector<Array> grad_init = detail::cast_all_like(present.take(extra.grad), at);
    const Array value_init = detail::value_argument(extra, dtype);
    const Array slope_init = detail::real_dot(grad_init, direction, dtype);
    const Array stepsize_guess = options.initial_guess_strategy == InitialGuessStrategy::one
                                     ? detail::scalar(1.0, dtype)
                                     : strong(last_learning_rate, dtype);
    const detail::Objective objective(extra.value_fn, present, dtype);

    // The value, gradient and slope at w + stepsize u.
    auto evaluate = [&](const Array& stepsize) {
      auto [value, grad] = objective.value_and_grad(detail::step_along(at, stepsize, direction));
      Sample sample{stepsize, value, detail::real_dot(grad, direction, dtype)};
      return std::pair<Sample, std::vector<Array>>(std::move(sample), std::move(grad));
    };
    // Sufficient decrease (Armijo), or near a minimum (a value within approx_dec_rtol |f(w)| of f(w)),
    // Hager and Zhang's slope(eta) <= (2 c1 - 1) slope(0), which rounding does not defeat.
    auto decrease_error = [&](const Sample& at_step) {
      Array error = at_step.value - value_init - options.slope_rtol * at_step.stepsize * slope_init;
      if (options.approx_dec_rtol) {
        const Array approximate =
            jnp::maximum(at_step.slope - (2.0 * options.slope_rtol - 1.0) * slope_init,
                         at_step.value - value_init - *options.approx_dec_rtol * jnp::abs(value_init));
        error = jnp::minimum(approximate, error);
      }
      return strong(detail::violation(error), dtype);
    };
    auto curvature_error = [&](const Sample& at_step) {
      return strong(detail::violation(jnp::abs(at_step.slope) - options.curv_rtol * jnp::abs(slope_init)), dtype);
    };
    const Array no = Array(false);

    // Algorithm 3.5: grow the step until [previous, new] must hold an acceptable one.
    auto search_interval = [&](const ZoomSearch& s) {
      Array stepsize = jnp::where(s.count == 0, stepsize_guess, options.increase_factor * s.current.stepsize);
      Array max_reached = no;
      if (options.max_learning_rate) {
        max_reached = stepsize >= *options.max_learning_rate;
        stepsize = jnp::minimum(stepsize, *options.max_learning_rate);
      }
      auto [sample, grad] = evaluate(strong(stepsize, dtype));
      ZoomSearch next = s;
      next.decrease_error = decrease_error(sample);
      next.curvature_error = curvature_error(sample);
      next.error = jnp::maximum(next.decrease_error, next.curvature_error);
      const Array sufficient_decrease = next.decrease_error <= options.tol;
      next.safe_stepsize = jnp::where(sufficient_decrease, sample.stepsize, s.safe_stepsize);
      next.safe_value = jnp::where(sufficient_decrease, sample.value, s.safe_value);
      next.safe_grad = where(sufficient_decrease, grad, s.safe_grad);
      // Too far (no decrease, or higher than the previous trial): the minimum is before the new step;
      // rising (positive slope): it is between them, the new step the lower end.
      const Array set_high = (next.decrease_error > 0.0) | ((sample.value >= s.current.value) & (s.count > 0));
      const Array set_low = (sample.slope >= 0.0) & jnp::logical_not(set_high);
      next.low = where(set_low, sample, s.current);
      next.high = where(set_low, s.current, sample);
      next.cubic_ref = next.low.stepsize;
      next.value_cubic_ref = next.low.value;
      next.interval_found = set_high | set_low | (next.error <= options.tol);
      // At the largest step with no interval, the curvature condition would need a larger one: stop there.
      next.done = (next.error <= options.tol) | (max_reached & jnp::logical_not(next.interval_found));
      next.failed = (s.count + 1 >= max_linesearch_steps) & jnp::logical_not(next.done);
      next.count = detail::safe_increment(s.count);
      next.current = std::move(sample);
      next.grad = std::move(grad);
      return next;
    };

    // Algorithm 3.6: a trial inside the interval (cubic interpolation, else quadratic, else bisection,
    // each only well inside it), and the interval shrunk around it.
    auto zoom = [&](const ZoomSearch& s) {
      const Sample& low = s.low;
      const Sample& high = s.high;
      const Array length = jnp::abs(high.stepsize - low.stepsize);
      const Array left = jnp::minimum(high.stepsize, low.stepsize), right = jnp::maximum(high.stepsize, low.stepsize);
      const Array cubic =
          cubic_minimum(low.stepsize, low.value, low.slope, high.stepsize, high.value, s.cubic_ref, s.value_cubic_ref);
      const Array use_cubic = (cubic > left + 0.2 * length) & (cubic < right - 0.2 * length);
      const Array quadratic = quadratic_minimum(low.stepsize, low.value, low.slope, high.stepsize, high.value);
      const Array use_quadratic =
          jnp::logical_not(use_cubic) & (quadratic > left + 0.1 * length) & (quadratic < right - 0.1 * length);
      Array middle = jnp::where(use_cubic, cubic, s.cubic_ref);
      middle = jnp::where(use_quadratic, quadratic, middle);
      middle = jnp::where(jnp::logical_not(use_cubic | use_quadratic), (low.stepsize + high.stepsize) / 2.0, middle);

      auto [sample, grad] = evaluate(strong(middle, dtype));
      ZoomSearch next = s;
      next.decrease_error = decrease_error(sample);
      next.curvature_error = curvature_error(sample);
      next.error = jnp::maximum(next.decrease_error, next.curvature_error);
      const Array better_safe = (next.decrease_error <= options.tol) & (sample.value < s.safe_value);
      next.safe_stepsize = jnp::where(better_safe, sample.stepsize, s.safe_stepsize);
      next.safe_value = jnp::where(better_safe, sample.value, s.safe_value);
      next.safe_grad = where(better_safe, grad, s.safe_grad);
      next.done = next.error <= options.tol;
      const Array high_to_middle = (next.decrease_error > 0.0) | (sample.value >= low.value);
      const Array high_to_low =
          (sample.slope * (high.stepsize - low.stepsize) >= 0.0) & jnp::logical_not(high_to_middle);
      next.high = where(high_to_low, low, where(high_to_middle, sample, high));
      next.low = where(high_to_middle, low, sample);
      // The endpoint dropped from the interval is the cubic's third point.
      const Array high_changed = high_to_middle | high_to_low;
      next.cubic_ref = jnp::where(high_changed, high.stepsize, low.stepsize);
      next.value_cubic_ref = jnp::where(high_changed, high.value, low.value);
      // An interval below stepsize_precision ends the search once some step decreases enough; without
      // one it goes on (very steep objectives need tiny steps).
      const Array too_short = length <= options.stepsize_precision;
      next.failed = ((s.count + 1 >= max_linesearch_steps) | (too_short & (next.safe_stepsize > 0.0))) &
                    jnp::logical_not(next.done);
      next.count = detail::safe_increment(s.count);
      next.current = std::move(sample);
      next.grad = std::move(grad);
      return next;
    };

    auto keep_searching = [](const ZoomSearch& s) { return jnp::logical_not(s.done | s.failed); };
    auto step = [&](const ZoomSearch& s) {
      ZoomSearch next = lax::cond(s.interval_found, zoom, search_interval, s);
      // A failed search falls back on the best step with sufficient decrease, or on no step at all when
      // the last trial's value was not finite.
      const Array fall_back = next.failed & ((next.safe_stepsize > 0.0) | jnp::isinf(next.decrease_error));
      next.current.stepsize = jnp::where(fall_back, next.safe_stepsize, next.current.stepsize);
      next.current.value = jnp::where(fall_back, next.safe_value, next.current.value);
      next.grad = where(fall_back, next.safe_grad, next.grad);
      return next;
    };
    const Array zero = detail::scalar(0.0, dtype), unknown = detail::scalar(infinity, dtype);
    const Sample origin{zero, value_init, slope_init};
    const ZoomSearch start{.count = detail::zero_count(),
                           .current = origin,
                           .grad = grad_init,
                           .decrease_error = unknown,
                           .curvature_error = unknown,
                           .error = unknown,
                           .interval_found = no,
                           .done = no,
                           .failed = no,
                           .low = origin,
                           .high = origin,
                           .cubic_ref = zero,
                           .value_cubic_ref = value_init,
                           .safe_stepsize = zero,
                           .safe_value = value_init,
                           .safe_grad = grad_init};
    const ZoomSearch found = lax::while_loop(keep_searching, step, start);

    const Array learning_rate = detail::cast_like(found.current.stepsize, last_learning_rate);
    for (Array& leaf : updates)
      if (leaf.valid()) leaf = strong(learning_rate * leaf, leaf.dtype());
    const std::vector<Array> last_grad = present.take(detail::field_arrays(structure, state, "grad", name));
    const OptState& info = detail::state_field(state, "info", name);
    auto info_like = [&](const Array& value, const char* key) {
      return strong(value, detail::state_field(info, key, name).array().dtype());
    };
    return OptState::dict(
        {{"learning_rate", learning_rate},
         {"value", strong(found.current.value, detail::state_field(state, "value", name).array().dtype())},
         {"grad", detail::per_leaf_tree(structure, present.put(detail::cast_all_like(found.grad, last_grad)))},
         {"info", OptState::dict({{"num_linesearch_steps", info_like(found.count, "num_linesearch_steps")},
                                  {"decrease_error", info_like(found.decrease_error, "decrease_error")},
                                  {"curvature_error", info_like(found.curvature_error, "curvature_error")}})}});
  };
  return GradientTransformation(name, std::move(init), GradientTransformation::UpdateWithExtraArgsFunction(update));
}

}  // namespace jx::optim
