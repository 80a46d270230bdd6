// Clipping (element-wise, per block, unit-wise relative to the parameters, per example) and the
// stateless reshapings of the updates: centralization and normalization by the global norm.
#include "jx/optim/clipping.h"

#include <fmt/format.h>

#include <cmath>
#include <numeric>
#include <string>

#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/optim/utilities.h"
#include "optim/state.h"

namespace jx::optim {

namespace jnp = jx::numpy;

namespace {

using detail::no_state;

// A transformation without state that rewrites each present leaf on its own.
GradientTransformation leafwise(std::string name, std::function<Array(const Array&)> rewrite) {
  return GradientTransformation(std::move(name), no_state,
                                [rewrite = std::move(rewrite)](const tree::TreeDef&, std::vector<Array>& updates,
                                                               const OptState& state, std::span<const Array>) {
                                  for (Array& update : updates)
                                    if (update.valid()) update = rewrite(update);
                                  return state;
                                });
}

// The axes 1, ..., ndim - 1 (all but the examples' or the rows' axis).
Axes trailing_axes(int ndim) {
  Axes axes;
  for (int axis = 1; axis < ndim; ++axis) axes.push_back(axis);
  return axes;
}

// The L2 norm of each unit of x, broadcast back to x's shape (Optax's unitwise_norm).
Array unitwise_norm(const Array& x, const std::optional<Axes>& axis) {
  const Array squared = x * x;
  Array squared_norm;
  if (axis) {
    squared_norm = jnp::sum(squared, {.axis = *axis, .keepdims = true});
  } else if (x.squeeze().ndim() <= 1) {  // scalars and vectors, however many axes of length 1
    squared_norm = jnp::sum(squared, {.keepdims = true});
  } else if (x.ndim() == 2 || x.ndim() == 3) {  // linear layers (IO) and multi-head linear layers
    squared_norm = jnp::sum(squared, {.axis = 0, .keepdims = true});
  } else if (x.ndim() == 4) {  // HWIO convolution kernels
    squared_norm = jnp::sum(squared, {.axis = Axes{0, 1, 2}, .keepdims = true});
  } else if (x.ndim() == 5) {  // DHWIO kernels
    squared_norm = jnp::sum(squared, {.axis = Axes{0, 1, 2, 3}, .keepdims = true});
  } else {
    throw ValueError("optim::adaptive_grad_clip",
                     fmt::format("expected parameters of rank 1 to 5, got shape {}: give an axis for other shapes",
                                 x.shape().to_string()));
  }
  return jnp::broadcast_to(jnp::sqrt(squared_norm), x.shape());
}

void check_batch_axis(const char* op, std::span<const Array> grads) {
  bool ok = !grads.empty() && grads[0].ndim() >= 1;
  for (const Array& g : grads) ok = ok && g.ndim() >= 1 && g.shape()[0] == grads[0].shape()[0];
  if (!ok) {
    std::string shapes;
    for (const Array& g : grads) shapes += (shapes.empty() ? "" : ", ") + g.shape().to_string();
    throw ValueError(op, fmt::format("unlike other transformations, it expects every gradient leaf to have the "
                                     "examples on axis 0, the same number in each; got shapes [{}]",
                                     shapes));
  }
}

std::pair<std::vector<Array>, Array> clip_examples(std::span<const Array> grads, const Array& l2_norm_clip) {
  // Each example's squared norm over all leaves, then the factor that brings it within the bound
  // (1 for a zero gradient: 0 / 0 is NaN, read as "not clipped").
  Array squared_norms;
  for (const Array& g : grads) {
    const Array squares = g * g;
    const Array per_example = g.ndim() > 1 ? jnp::sum(squares, {.axis = trailing_axes(g.ndim())}) : squares;
    squared_norms = squared_norms.valid() ? squared_norms + per_example : per_example;
  }
  const Array multipliers = jnp::nan_to_num(jnp::minimum(l2_norm_clip / jnp::sqrt(squared_norms), 1.0), {.nan = 1.0});
  const Array num_clipped = jnp::sum(multipliers < 1.0);
  std::vector<Array> sums;
  sums.reserve(grads.size());
  for (const Array& g : grads) sums.push_back(jnp::tensordot(multipliers, g, 1));
  return {std::move(sums), num_clipped};
}

}  // namespace

GradientTransformation clip(double max_delta) {
  return leafwise("clip", [max_delta](const Array& u) { return jnp::clip(u, Array(-max_delta), Array(max_delta)); });
}

GradientTransformation clip_by_block_rms(double threshold) {
  return leafwise("clip_by_block_rms", [threshold](const Array& u) {
    const Array denominator = jnp::maximum(1.0, jnp::sqrt(jnp::mean(u * u)) / threshold);
    return u / denominator;
  });
}

GradientTransformation adaptive_grad_clip(double clipping, AdaptiveGradClipOptions options) {
  const std::string name = "adaptive_grad_clip";
  return GradientTransformation(
      name, no_state,
      [clipping, options, name](const tree::TreeDef&, std::vector<Array>& updates, const OptState& state,
                                std::span<const Array> params) {
        if (params.empty()) {
          throw ValueError("optim::update",
                           fmt::format("{} needs the parameters: call update(grads, state, params)", name));
        }
        for (std::size_t i = 0; i < updates.size(); ++i) {
          if (!updates[i].valid()) continue;
          const Array update_norm = unitwise_norm(updates[i], options.axis);
          const Array max_norm = clipping * jnp::maximum(unitwise_norm(params[i], options.axis), options.eps);
          const Array clipped = updates[i] * (max_norm / jnp::maximum(update_norm, 1e-6));
          updates[i] = jnp::where(update_norm < max_norm, updates[i], clipped);
        }
        return state;
      });
}

namespace detail {

std::pair<std::vector<Array>, Array> per_example_global_norm_clip_leaves(std::span<const Array> grads,
                                                                         const Array& l2_norm_clip, Loc loc) {
  CallSite site(loc);
  check_batch_axis("optim::per_example_global_norm_clip", grads);
  return clip_examples(grads, l2_norm_clip);
}

std::pair<std::vector<Array>, std::vector<Array>> per_example_layer_norm_clip_leaves(std::span<const Array> grads,
                                                                                     const Array& global_l2_norm_clip,
                                                                                     bool uniform, Loc loc) {
  CallSite site(loc);
  check_batch_axis("optim::per_example_layer_norm_clip", grads);
  std::int64_t total_params = 0;
  for (const Array& g : grads) total_params += g.size() / g.shape()[0];
  std::vector<Array> sums, counts;
  for (const Array& g : grads) {
    const double share = uniform ? 1.0 / static_cast<double>(grads.size())
                                 : static_cast<double>(g.size() / g.shape()[0]) / static_cast<double>(total_params);
    auto [sum, count] = clip_examples(std::span<const Array>(&g, 1), global_l2_norm_clip * std::sqrt(share));
    sums.push_back(std::move(sum[0]));
    counts.push_back(std::move(count));
  }
  return {std::move(sums), std::move(counts)};
}

}  // namespace detail

GradientTransformation centralize() {
  return leafwise("centralize", [](const Array& g) {
    return g.ndim() > 1 ? g - jnp::mean(g, {.axis = trailing_axes(g.ndim()), .keepdims = true}) : g;
  });
}

GradientTransformation normalize_by_update_norm(NormalizeByUpdateNormOptions options) {
  return GradientTransformation(
      "normalize_by_update_norm", no_state,
      [options](const tree::TreeDef&, std::vector<Array>& updates, const OptState& state, std::span<const Array>) {
        const Array norm = (detail::global_norm_leaves(updates) + options.eps) / options.scale_factor;
        for (Array& update : updates)
          if (update.valid()) update = update / norm;
        return state;
      });
}

}  // namespace jx::optim
