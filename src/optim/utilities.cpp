// Optax's utilities: tree norms and moments, safe norms and counters, parameter averaging,
// transformations made from plain functions, tree_map_params and the diagonal Gaussian.
#include "jx/optim/utilities.h"

#include <fmt/format.h>

#include <cmath>
#include <typeinfo>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/numpy/dtypes.h"
#include "jx/scipy/stats.h"
#include "jx/transforms/control_flow.h"
#include "optim/numerics.h"
#include "optim/state.h"

namespace jx::optim {

namespace jnp = jx::numpy;
using tree::Tree;

namespace {

using detail::abs_sq;

using detail::power;

// The shape a norm over `axis` leaves without keepdims.
Shape reduced_shape(const Shape& kept, const std::optional<Axes>& axis) {
  if (!axis) return Shape{};
  const int ndim = kept.ndim();
  std::vector<bool> dropped(static_cast<std::size_t>(ndim), false);
  for (int a : *axis) dropped[static_cast<std::size_t>(((a % ndim) + ndim) % ndim)] = true;
  Shape result;
  for (int i = 0; i < ndim; ++i)
    if (!dropped[static_cast<std::size_t>(i)]) result.push_back(kept[i]);
  return result;
}

}  // namespace

namespace detail {

Array global_norm_leaves(std::span<const Array> leaves, bool squared) {
  Array total;
  for (const Array& leaf : leaves) {
    if (!leaf.valid()) continue;
    const Array sum = jnp::sum(abs_sq(leaf));
    total = total.valid() ? total + sum : sum;
  }
  if (!total.valid()) total = Array(0);  // Optax's sum starts at 0
  return squared ? total : jnp::sqrt(total);
}

std::vector<Array> leaves_in_structure(const tree::TreeDef& structure, const Tree& tree, const std::string& what) {
  return per_leaf_arrays(structure, tree, what);
}

Array update_moment_leaf(const Array& update, const Array& moment, double decay, double order) {
  return (1 - decay) * power(update, order) + decay * moment;
}

Array update_infinity_moment_leaf(const Array& update, const Array& moment, double decay, double eps) {
  return jnp::maximum(jnp::abs(update) + eps, decay * moment);
}

Array update_moment_per_elem_norm_leaf(const Array& update, const Array& moment, double decay, double order) {
  const Array norm = is_complex(update.dtype()) ? power(abs_sq(update), order / 2) : power(update, order);
  return (1 - decay) * norm + decay * moment;
}

Array bias_correction_leaf(const Array& moment, double decay, const Array& count) {
  return bias_corrected(moment, one_minus_power(decay, count));
}

std::vector<Array> periodic_update_leaves(std::vector<Array> new_tensors, std::vector<Array> old_tensors,
                                          const Array& steps, const Array& update_period, Loc loc) {
  CallSite site(loc);
  using Leaves = std::vector<Array>;
  return lax::cond(
      jnp::mod(steps, update_period) == 0, [](const Leaves& current, const Leaves&) { return current; },
      [](const Leaves&, const Leaves& previous) { return previous; }, new_tensors, old_tensors);
}

}  // namespace detail

// --- Numerics ----------------------------------------------------------------------------------------

Array safe_norm(const Array& x, const Array& min_norm, numpy::linalg::NormOptions options, Loc loc) {
  CallSite site(loc);
  numpy::linalg::NormOptions kept = options;
  kept.keepdims = true;
  const Array norm_kept = jnp::linalg::norm(x, kept);
  // Where the norm is at most min_norm, the second norm sees ones instead of x: its gradient there
  // is finite, and the where below gives it zero weight.
  const Array masked_x = jnp::where(norm_kept <= min_norm, jnp::ones_like(x), x);
  const Array norm = options.keepdims ? norm_kept : norm_kept.reshape(reduced_shape(norm_kept.shape(), options.axis));
  const Array masked_norm = jnp::linalg::norm(masked_x, options);
  return jnp::where(norm <= min_norm, min_norm, masked_norm);
}

Array safe_root_mean_squares(const Array& x, const Array& min_rms, Loc loc) {
  CallSite site(loc);
  const Array rms = jnp::sqrt(jnp::mean(abs_sq(x)));
  const Array masked_x = jnp::where(rms <= min_rms, jnp::ones_like(x), x);
  return jnp::where(rms <= min_rms, min_rms, jnp::sqrt(jnp::mean(abs_sq(masked_x))));
}

Array safe_increment(const Array& count, Loc loc) {
  CallSite site(loc);
  const DType dtype = count.dtype();
  Array largest;
  if (is_signed_integer(dtype)) {
    largest = jnp::array(static_cast<std::int64_t>(jnp::iinfo(dtype).max), dtype);
  } else if (is_unsigned_integer(dtype)) {
    largest = jnp::array(static_cast<std::uint64_t>(jnp::iinfo(dtype).max), dtype);
  } else if (is_floating(dtype)) {
    largest = jnp::array(jnp::finfo(dtype).max, dtype);
  } else {
    throw ValueError("optim::safe_increment",
                     fmt::format("cannot safely increment a count of dtype {}: it must be an integer or a float",
                                 dtype_name(dtype)));
  }
  return jnp::where(count < largest, count + jnp::array(1, dtype), largest);
}

Array safe_int32_increment(const Array& count, Loc loc) { return safe_increment(count, loc); }

// --- Transformations from functions ------------------------------------------------------------------

GradientTransformation set_to_zero() {
  return GradientTransformation(
      "set_to_zero", init_empty_state,
      [](const tree::TreeDef&, std::vector<Array>& updates, const OptState& state, std::span<const Array>) {
        for (Array& update : updates)
          if (update.valid()) update = jnp::zeros_like(update);
        return state;
      });
}

GradientTransformation stateless(StatelessFunction f) {
  return GradientTransformation(
      "stateless", init_empty_state,
      [f = std::move(f)](const tree::TreeDef& structure, std::vector<Array>& updates, const OptState&,
                         std::span<const Array> params) {
        const Tree params_tree = params.empty() ? Tree::none() : detail::per_leaf_tree(structure, params);
        const Tree result = f(detail::per_leaf_tree(structure, updates), params_tree);
        updates = detail::per_leaf_arrays(structure, result, "the result of stateless's function");
        return OptState::none();
      });
}

GradientTransformation stateless_with_tree_map(StatelessLeafFunction f) {
  return GradientTransformation("stateless_with_tree_map", init_empty_state,
                                [f = std::move(f)](const tree::TreeDef&, std::vector<Array>& updates, const OptState&,
                                                   std::span<const Array> params) {
                                  for (std::size_t i = 0; i < updates.size(); ++i)
                                    if (updates[i].valid())
                                      updates[i] = f(updates[i], params.empty() ? Array() : params[i]);
                                  return OptState::none();
                                });
}

// --- tree_map_params ---------------------------------------------------------------------------------

namespace {

const std::string kParamsPlaceholder = "optax._ParamsPlaceholder";

bool is_placeholder(const Tree& t) {
  return t.is_static() && t.static_leaf().type() == typeid(std::string) && t.value<std::string>() == kParamsPlaceholder;
}

[[noreturn]] void mismatch(const std::string& what, const Tree& expected, const Tree& found) {
  throw TreeError("optim::tree_map_params", fmt::format("{} does not match: expected a tree like {}, found {}", what,
                                                        expected.to_string(), found.to_string()));
}

// Walks the state that init made for the placeholder next to the real state: where the placeholder
// stands, the real state holds a tree of the parameters' structure.
class ParamsMapper {
 public:
  ParamsMapper(const ParamsLeafFunction& f, std::span<const Tree> rest, const TreeMapParamsOptions& options)
      : f_(f), rest_(rest), options_(options) {}

  Tree over_state(const Tree& shape, const Tree& value) const {
    if (is_placeholder(shape)) {
      std::vector<const Tree*> rest;
      for (const Tree& r : rest_) rest.push_back(&r);
      return over_params(value, rest);
    }
    if (shape.is_list()) {
      if (!value.is_list() || value.size() != shape.size()) mismatch("the state", shape, value);
      Tree::List items;
      for (std::size_t i = 0; i < shape.size(); ++i) items.push_back(over_state(shape[i], value[i]));
      return Tree::list(std::move(items));
    }
    if (shape.is_dict()) {
      if (!value.is_dict() || value.size() != shape.size()) mismatch("the state", shape, value);
      Tree::Dict items;
      for (const auto& [key, child] : shape.as_dict()) {
        if (!value.contains(key)) mismatch("the state", shape, value);
        items.emplace(key, over_state(child, value[key]));
      }
      return Tree::dict(std::move(items));
    }
    if (shape.is_array() && options_.transform_non_params) return options_.transform_non_params(value);
    return value;
  }

 private:
  Tree over_params(const Tree& value, const std::vector<const Tree*>& rest) const {
    if (value.is_array() || (options_.is_leaf && options_.is_leaf(value))) {
      std::vector<Tree> others;
      for (const Tree* r : rest) others.push_back(*r);
      return f_(value, others);
    }
    if (value.is_list()) {
      Tree::List items;
      for (std::size_t i = 0; i < value.size(); ++i) {
        std::vector<const Tree*> children;
        for (const Tree* r : rest) {
          if (!r->is_list() || r->size() != value.size()) mismatch("a tree of `rest`", value, *r);
          children.push_back(&(*r)[i]);
        }
        items.push_back(over_params(value[i], children));
      }
      return Tree::list(std::move(items));
    }
    if (value.is_dict()) {
      Tree::Dict items;
      for (const auto& [key, child] : value.as_dict()) {
        std::vector<const Tree*> children;
        for (const Tree* r : rest) {
          if (!r->is_dict() || !r->contains(key)) mismatch("a tree of `rest`", value, *r);
          children.push_back(&(*r)[key]);
        }
        items.emplace(key, over_params(child, children));
      }
      return Tree::dict(std::move(items));
    }
    return value;  // None (a masked leaf) and static leaves
  }

  const ParamsLeafFunction& f_;
  std::span<const Tree> rest_;
  const TreeMapParamsOptions& options_;
};

}  // namespace

OptState tree_map_params(const GradientTransformation& initable, const ParamsLeafFunction& f, const OptState& state,
                         std::span<const Tree> rest, TreeMapParamsOptions options, Loc loc) {
  CallSite site(loc);
  // As Optax, init on a placeholder: a structure of one static leaf and no arrays, which every
  // parameter-shaped part of the state then holds in place of the parameters' tree.
  const tree::TreeDef placeholder = tree::structure(Tree::static_value(kParamsPlaceholder));
  const OptState shape = initable.init_leaves(placeholder, {}, loc);
  return ParamsMapper(f, rest, options).over_state(shape, state);
}

OptState tree_map_params(const GradientTransformation& initable, const std::function<Tree(const Tree&)>& f,
                         const OptState& state, TreeMapParamsOptions options, Loc loc) {
  return tree_map_params(
      initable, [&f](const Tree& leaf, std::span<const Tree>) { return f(leaf); }, state, {}, std::move(options), loc);
}

// --- multi_normal ------------------------------------------------------------------------------------

MultiNormalDiagFromLogScale::MultiNormalDiagFromLogScale(Array loc, Array log_scale, Loc where)
    : log_scale_(std::move(log_scale)), scale_(jnp::exp(log_scale_)), mean_(std::move(loc)) {
  CallSite site(where);
  param_shape_ = jnp::broadcast_shapes(mean_.shape(), scale_.shape());
}

Array MultiNormalDiagFromLogScale::sample(const Shape& shape, const jx::Key& key, Loc where) const {
  CallSite site(where);
  Shape sample_shape = shape;
  for (std::int64_t dim : param_shape_) sample_shape.push_back(dim);
  return random::normal(key, sample_shape) * scale_ + mean_;
}

Array MultiNormalDiagFromLogScale::log_prob(const Array& x, Loc where) const {
  CallSite site(where);
  const Array log_prob = scipy::stats::norm::logpdf(x, mean_, scale_);
  if (param_shape_.ndim() == 0) return log_prob;
  Axes parameter_axes;
  for (int i = 0; i < param_shape_.ndim(); ++i) parameter_axes.push_back(-(i + 1));
  return jnp::sum(log_prob, {.axis = parameter_axes});
}

MultiNormalDiagFromLogScale multi_normal(const Array& loc, const Array& log_scale, Loc where) {
  return MultiNormalDiagFromLogScale(loc, log_scale, where);
}

}  // namespace jx::optim
