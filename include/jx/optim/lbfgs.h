// jx/optim/lbfgs.h — L-BFGS and the line searches that choose its step (Optax's lbfgs,
// scale_by_lbfgs, scale_by_backtracking_linesearch, scale_by_zoom_linesearch, value_and_grad_from_state).
//
// A line search evaluates the objective at trial points, so its update takes Optax's extra arguments:
// the objective's value and gradient at the parameters and the objective itself. The search is a
// lax::while_loop, the same program eagerly and under jit. The value and gradient at the accepted
// point are kept in the state; value_and_grad_from_state reuses them at the next step instead of
// evaluating the objective again.
//
//   auto f = [](const jx::Array& x) { return jx::numpy::sum(x * x); };
//   auto solver = jx::optim::lbfgs();
//   jx::optim::OptState state = solver.init(params);
//   auto value_and_grad = jx::optim::value_and_grad_from_state(f);
//   for (int step = 0; step < 20; ++step) {
//     auto [value, grad] = value_and_grad(params, state);
//     auto [updates, next] = solver.update(grad, state, params, {.value = value, .grad = grad, .value_fn = f});
//     params = jx::optim::apply_updates(params, updates);
//     state = next;
//   }
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "jx/core/array.h"
#include "jx/core/keywords_only.h"
#include "jx/numpy.h"
#include "jx/optim/schedules.h"
#include "jx/optim/transformation.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/control_flow.h"
#include "jx/tree.h"

namespace jx::optim {

// --- L-BFGS direction -------------------------------------------------------------------------------

struct ScaleByLbfgsOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  std::int64_t memory_size = 10;   // past differences of parameters and updates kept
  bool scale_init_precond = true;  // start from gamma * I (last secant pair), not I
};
// The updates multiplied by the L-BFGS approximation of the inverse Hessian (the two-loop recursion
// over the last memory_size differences; at the first step the updates scaled by min(1, 1/||u||)).
// Needs the parameters. State: {'count', 'params', 'updates', 'diff_params_memory',
// 'diff_updates_memory', 'weights_memory'} (Optax's ScaleByLBFGSState; the memories stack memory_size
// differences on a leading axis). ValueError if memory_size < 1.
GradientTransformation scale_by_lbfgs(ScaleByLbfgsOptions options = {});

// --- Line searches ----------------------------------------------------------------------------------
//
// Both need the parameters and the extra arguments value, grad and value_fn (ValueError naming what
// is missing). Their states keep the accepted step's learning rate and the objective's value there.

struct BacktrackingLinesearchOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double slope_rtol = 1e-4;        // c in the decrease criterion
  double decrease_factor = 0.8;    // the step shrinks by this until the criterion holds
  double increase_factor = 1.5;    // the first trial is the last step times this ...
  double max_learning_rate = 1.0;  // ... capped here
  double atol = 0.0;
  double rtol = 0.0;
  bool store_grad = false;  // also keep the gradient at the accepted step (for value_and_grad_from_state)
};
// The updates scaled by the first step eta (from min(increase_factor * last, max_learning_rate),
// shrinking by decrease_factor, at most max_backtracking_steps times) with sufficient decrease
// (Armijo): f(w + eta u) <= (1 + rtol) f(w) + eta c <u, grad f(w)> + atol. A step whose objective is
// not finite gives a learning rate of 0. State: {'learning_rate', 'value', 'grad' (None without
// store_grad), 'info': {'num_linesearch_steps', 'decrease_error'}}.
GradientTransformation scale_by_backtracking_linesearch(std::int64_t max_backtracking_steps,
                                                        BacktrackingLinesearchOptions options = {});

// Where the zoom line search starts: at 1 (for Newton-like directions) or at the last step.
enum class InitialGuessStrategy { one, keep };

struct ZoomLinesearchOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  std::optional<double> max_learning_rate = std::nullopt;  // none: no upper bound
  double tol = 0.0;
  double increase_factor = 2.0;  // growth of the trial step while no interval is found
  double slope_rtol = 1e-4;      // c1 of the decrease criterion
  double curv_rtol = 0.9;        // c2 of the curvature criterion
  // c3 of Hager and Zhang's approximate decrease criterion, used near a minimum where f(w) - f(w + eta u)
  // is lost to rounding; none: the Armijo criterion only.
  std::optional<double> approx_dec_rtol = 1e-6;
  // An interval this short ends the search at the best step with sufficient decrease found.
  double stepsize_precision = 1e-5;
  InitialGuessStrategy initial_guess_strategy = InitialGuessStrategy::keep;
};
// The updates scaled by a step eta satisfying the strong Wolfe conditions,
//   f(w + eta u) <= f(w) + c1 eta <u, g> + tol   and   |<grad f(w + eta u), u>| <= c2 |<u, g>| + tol,
// found by Nocedal and Wright's algorithms 3.5 (growing the step until an interval holds one) and 3.6
// (zooming in by cubic, quadratic or bisection steps), at most max_linesearch_steps evaluations of
// value and gradient; failing that, the best step with sufficient decrease. State: {'learning_rate',
// 'value', 'grad' (at the accepted step), 'info': {'num_linesearch_steps', 'decrease_error',
// 'curvature_error'}} (Optax's ScaleByZoomLinesearchState).
GradientTransformation scale_by_zoom_linesearch(std::int64_t max_linesearch_steps, ZoomLinesearchOptions options = {});

// --- The optimizer ----------------------------------------------------------------------------------

// The line search lbfgs uses unless told otherwise: scale_by_zoom_linesearch(20) starting at 1.
GradientTransformation default_lbfgs_linesearch();

struct LbfgsOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  std::optional<ScalarOrSchedule> learning_rate = std::nullopt;  // none: scale(-1), the line search sets the step
  std::int64_t memory_size = 10;
  bool scale_init_precond = true;
  std::optional<GradientTransformation> linesearch = default_lbfgs_linesearch();  // nullopt: none (identity)
};
// chain(scale_by_lbfgs, scale(-1) or scale_by_learning_rate(learning_rate), linesearch). Its update
// needs the parameters and, with a line search, value, grad and value_fn.
GradientTransformation lbfgs(LbfgsOptions options = {});

// --- Reusing the line search's evaluations ----------------------------------------------------------

namespace detail {
// The value and gradient (leaves in the structure's order) that a line search stored in `state`,
// wherever it sits in a chain. ValueError when the state holds none, several, or no gradient.
std::pair<Array, std::vector<Array>> stored_value_and_grad(const OptState& state, const tree::TreeDef& structure);
// x in the dtype of `like`, strongly typed.
Array cast_to_stored(const Array& x, const Array& like);
}  // namespace detail

// A function like jx::value_and_grad(value_fn) taking the optimizer's state as well: it returns the
// value and gradient stored there by the line search (computed at these parameters by the last update)
// while the stored value is finite, and evaluates value_fn otherwise (the first step, whose state holds
// an infinite value). Under jit the choice is a lax::cond. Extra arguments go to value_fn.
template <class F>
class ValueAndGradFromState {
 public:
  explicit ValueAndGradFromState(F value_fn) : value_fn_(std::move(value_fn)) {}

  template <tree::Pytree P, class... Args>
  std::pair<Array, std::remove_cvref_t<P>> operator()(const P& params, const OptState& state,
                                                      const Args&... args) const {
    using Params = std::remove_cvref_t<P>;
    const tree::TreeDef structure = tree::flatten(params).second;
    const auto [stored_value, stored_grad] = detail::stored_value_and_grad(state, structure);
    auto reuse = [&](const Params&) {
      return std::pair<Array, Params>(stored_value, tree::unflatten<Params>(structure, stored_grad));
    };
    // Both branches return the stored dtypes, so that the jitted step's signature never changes.
    auto evaluate = [&](const Params& at) {
      auto [value, grad] = jx::value_and_grad(value_fn_)(at, args...);
      std::vector<Array> grad_leaves = tree::flatten(grad).first;
      for (std::size_t i = 0; i < grad_leaves.size() && i < stored_grad.size(); ++i)
        grad_leaves[i] = detail::cast_to_stored(grad_leaves[i], stored_grad[i]);
      return std::pair<Array, Params>(detail::cast_to_stored(value, stored_value),
                                      tree::unflatten<Params>(structure, grad_leaves));
    };
    const Array finite = jx::numpy::isfinite(stored_value);
    if (finite.is_concrete()) return finite.template item<bool>() ? reuse(params) : evaluate(params);
    return lax::cond(finite, reuse, evaluate, Params(params));
  }

 private:
  F value_fn_;
};

// value_and_grad_from_state(value_fn)(params, state, args...) -> (value, grad), Optax's
// value_and_grad_from_state.
template <class F>
ValueAndGradFromState<F> value_and_grad_from_state(F value_fn) {
  return ValueAndGradFromState<F>(std::move(value_fn));
}

}  // namespace jx::optim
