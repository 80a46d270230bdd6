// What scale_by_lbfgs and the line searches share, and finding the value and gradient a line search
// stored in an optimizer's state (value_and_grad_from_state).
#include "optim/linesearch.h"

#include <fmt/format.h>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/optim/lbfgs.h"
#include "jx/transforms/autodiff.h"
#include "optim/state.h"

namespace jx::optim::detail {

namespace jnp = jx::numpy;

PresentLeaves::PresentLeaves(std::span<const Array> leaves) : total_(leaves.size()) {
  for (std::size_t i = 0; i < leaves.size(); ++i)
    if (leaves[i].valid()) positions_.push_back(i);
}

std::vector<Array> PresentLeaves::take(std::span<const Array> all) const {
  std::vector<Array> present;
  present.reserve(positions_.size());
  for (std::size_t position : positions_) present.push_back(all[position]);
  return present;
}

std::vector<Array> PresentLeaves::put(std::span<const Array> present) const {
  std::vector<Array> all(total_);
  for (std::size_t k = 0; k < positions_.size(); ++k) all[positions_[k]] = present[k];
  return all;
}

Array scalar(double value, DType dtype) { return lax::convert_element_type(Array(value), dtype); }

Array strong(const Array& x, DType dtype) {
  if (x.dtype() == dtype && !x.weak_type()) return x;
  return lax::convert_element_type(is_complex(x.dtype()) && !is_complex(dtype) ? jnp::real(x) : x, dtype);
}

DType value_dtype(std::span<const Array> leaves) {
  for (const Array& leaf : leaves)
    if (leaf.valid()) return real_dtype(leaf.dtype());
  return default_float_dtype();
}

namespace {

// sum over the leaves of Re(sum(term(a, b))), in dtype.
template <class Term>
Array summed(std::span<const Array> a, std::span<const Array> b, DType dtype, const Term& term) {
  Array total;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (!a[i].valid() || !b[i].valid()) continue;
    const Array part = strong(jnp::sum(term(a[i], b[i])), dtype);
    total = total.valid() ? total + part : part;
  }
  return total.valid() ? total : scalar(0.0, dtype);
}

Array conjugated(const Array& x) { return is_complex(x.dtype()) ? jnp::conj(x) : x; }

}  // namespace

Array real_dot(std::span<const Array> a, std::span<const Array> b, DType dtype) {
  return summed(a, b, dtype, [](const Array& x, const Array& y) { return x * y; });
}

Array real_vdot(std::span<const Array> a, std::span<const Array> b, DType dtype) {
  return summed(a, b, dtype, [](const Array& x, const Array& y) { return conjugated(x) * y; });
}

Array squared_norm(std::span<const Array> a, DType dtype) { return real_vdot(a, a, dtype); }

std::vector<Array> step_along(std::span<const Array> params, const Array& stepsize, std::span<const Array> direction) {
  std::vector<Array> result(params.size());
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (!params[i].valid()) continue;
    const Array moved = params[i] + strong(stepsize, real_dtype(params[i].dtype())) * direction[i];
    result[i] = strong(moved, params[i].dtype());
  }
  return result;
}

std::vector<Array> cast_all_like(std::span<const Array> leaves, std::span<const Array> like) {
  std::vector<Array> result(leaves.size());
  for (std::size_t i = 0; i < leaves.size(); ++i)
    if (leaves[i].valid()) result[i] = strong(leaves[i], like[i].dtype());
  return result;
}

Array violation(const Array& error) { return jnp::where(jnp::isnan(error), infinity, jnp::maximum(error, 0.0)); }

namespace {

// The objective's value as a scalar: Optax accepts a scalar or an array of one element.
Array as_scalar_value(const Array& value) {
  if (value.ndim() == 0) return value;
  if (value.size() == 1) return value.reshape({});
  throw ShapeError("optim::update", fmt::format("value_fn must return a scalar (or an array of one element), got {}",
                                                value.type().to_string()));
}

}  // namespace

Array Objective::value(std::span<const Array> params) const {
  return strong(as_scalar_value(value_fn_(present_.put(params))), dtype_);
}

std::pair<Array, std::vector<Array>> Objective::value_and_grad(std::span<const Array> params) const {
  const std::vector<Array> at(params.begin(), params.end());
  auto [value, grad] = jx::value_and_grad(
      [this](const std::vector<Array>& leaves) { return as_scalar_value(value_fn_(present_.put(leaves))); })(at);
  return {strong(value, dtype_), cast_all_like(grad, at)};
}

void require_line_search_arguments(const std::string& transformation, std::span<const Array> params,
                                   const ExtraArgs& extra) {
  auto missing = [&](const char* what) {
    throw ValueError("optim::update",
                     fmt::format("{} needs {}: call update(grads, state, params, {{.value = value, .grad = grad, "
                                 ".value_fn = objective}})",
                                 transformation, what));
  };
  if (params.empty()) missing("the parameters");
  if (!extra.value) missing("the objective's value at the parameters (.value)");
  if (extra.grad.empty()) missing("the objective's gradient at the parameters (.grad)");
  if (!extra.value_fn) missing("the objective (.value_fn), which it evaluates at trial steps");
  if (extra.value->size() != 1) {
    throw ShapeError("optim::update",
                     fmt::format("{} needs a scalar value, got {}", transformation, extra.value->type().to_string()));
  }
}

Array value_argument(const ExtraArgs& extra, DType dtype) { return strong(as_scalar_value(*extra.value), dtype); }

namespace {

// Every dict in the state holding both a 'value' array and a 'grad' (a line search's state).
void find_stored(const OptState& state, std::vector<const OptState*>& found) {
  if (state.is_dict()) {
    if (state.contains("value") && state.contains("grad") && state["value"].is_array()) {
      found.push_back(&state);
      return;
    }
    for (const auto& [key, child] : state.as_dict()) find_stored(child, found);
  } else if (state.is_list()) {
    for (std::size_t i = 0; i < state.size(); ++i) find_stored(state[i], found);
  }
}

}  // namespace

std::pair<Array, std::vector<Array>> stored_value_and_grad(const OptState& state, const tree::TreeDef& structure) {
  std::vector<const OptState*> found;
  find_stored(state, found);
  if (found.size() != 1) {
    throw ValueError("optim::value_and_grad_from_state",
                     fmt::format("the state must hold exactly one line search's 'value' and 'grad', found {}: "
                                 "use an optimizer with a line search that stores them, such as lbfgs()",
                                 found.size()));
  }
  const OptState& search = *found[0];
  if (search["grad"].is_none()) {
    throw ValueError("optim::value_and_grad_from_state",
                     "the line search stores no gradient: create scale_by_backtracking_linesearch with "
                     "{.store_grad = true}");
  }
  std::vector<Array> grad = per_leaf_arrays(structure, search["grad"], "the line search's 'grad'");
  for (const Array& leaf : grad) {
    if (!leaf.valid()) {
      throw ValueError("optim::value_and_grad_from_state",
                       "the line search stores no gradient for some parameters (it is masked)");
    }
  }
  return {search["value"].array(), std::move(grad)};
}

Array cast_to_stored(const Array& x, const Array& like) { return strong(x, like.dtype()); }

}  // namespace jx::optim::detail
