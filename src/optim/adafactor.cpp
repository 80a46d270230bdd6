// Adafactor: scale_by_factored_rms and the chain Optax makes adafactor of.
#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <optional>
#include <utility>
#include <vector>

#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/optim/adaptive_transforms.h"
#include "jx/optim/clipping.h"
#include "jx/optim/factored.h"
#include "jx/optim/transforms.h"
#include "optim/numerics.h"
#include "optim/state.h"

namespace jx::optim {

namespace jnp = jx::numpy;

namespace {

using detail::abs_sq;

// The two longest axes (second longest, longest) when the leaf is factored; ties keep the lower axis
// first, as NumPy's argsort does on so few elements.
std::optional<std::pair<int, int>> factored_dims(const Shape& shape, bool factored, std::int64_t min_dim_size) {
  if (!factored || shape.ndim() < 2) return std::nullopt;
  std::vector<int> order(static_cast<std::size_t>(shape.ndim()));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&shape](int a, int b) { return shape[a] < shape[b]; });
  const int second = order[order.size() - 2];
  if (shape[second] < min_dim_size) return std::nullopt;
  return std::pair{second, order.back()};
}

Shape without_axis(const Shape& shape, int axis) {
  Shape result = shape;
  result.erase(axis);
  return result;
}

Array placeholder(DType dtype) { return jnp::zeros({1}, dtype); }

// Adafactor's default decay: 1 - (step + 1)^-decay_rate, the step counted in float32.
Array decay_rate_pow(const Array& step, double exponent) {
  const Array t = (step + 1).astype(float32);
  return 1.0 - jnp::power(t, Array(-exponent));
}

}  // namespace

GradientTransformation scale_by_factored_rms(ScaleByFactoredRmsOptions options) {
  const std::string name = "scale_by_factored_rms";
  return GradientTransformation(
      name,
      [options](const tree::TreeDef& structure, std::span<const Array> params) {
        std::vector<Array> v_row(params.size()), v_col(params.size()), v(params.size());
        for (std::size_t i = 0; i < params.size(); ++i) {
          const Array& p = params[i];
          if (!p.valid()) continue;
          const auto dims = factored_dims(p.shape(), options.factored, options.min_dim_size_to_factor);
          if (dims) {
            v_row[i] = jnp::zeros(without_axis(p.shape(), dims->second), p.dtype());
            v_col[i] = jnp::zeros(without_axis(p.shape(), dims->first), p.dtype());
            v[i] = placeholder(p.dtype());
          } else {
            v_row[i] = placeholder(p.dtype());
            v_col[i] = placeholder(p.dtype());
            v[i] = jnp::zeros(p.shape(), p.dtype());
          }
        }
        return OptState::dict({{"count", detail::zero_count()},
                               {"v_row", detail::per_leaf_tree(structure, v_row)},
                               {"v_col", detail::per_leaf_tree(structure, v_col)},
                               {"v", detail::per_leaf_tree(structure, v)}});
      },
      [options, name](const tree::TreeDef& structure, std::vector<Array>& updates, const OptState& state,
                      std::span<const Array> params) {
        if (params.empty()) {
          throw ValueError("optim::update",
                           fmt::format("{} needs the parameters: call update(grads, state, params)", name));
        }
        const Array count = detail::state_count(state, name);
        std::vector<Array> v_row = detail::field_arrays(structure, state, "v_row", name);
        std::vector<Array> v_col = detail::field_arrays(structure, state, "v_col", name);
        std::vector<Array> v = detail::field_arrays(structure, state, "v", name);
        const Array step = count - options.step_offset;
        const Array decay = options.decay_rate_fn ? options.decay_rate_fn(step, options.decay_rate)
                                                  : decay_rate_pow(step, options.decay_rate);
        for (std::size_t i = 0; i < updates.size(); ++i) {
          const Array& g = updates[i];
          if (!g.valid()) continue;
          const DType dtype = params[i].dtype();
          const auto dims = factored_dims(params[i].shape(), options.factored, options.min_dim_size_to_factor);
          const Array grad_sqr = abs_sq(g) + options.epsilon;
          if (dims) {
            const auto [second, longest] = *dims;
            const Array row = (decay * v_row[i] + (1.0 - decay) * jnp::mean(grad_sqr, longest)).astype(dtype);
            const Array col = (decay * v_col[i] + (1.0 - decay) * jnp::mean(grad_sqr, second)).astype(dtype);
            // v_row lost the longest axis: the second longest moved down by one if it came after it.
            const int reduced = second > longest ? second - 1 : second;
            const Array row_col_mean = jnp::mean(row, {.axis = reduced, .keepdims = true});
            const Array row_factor = jnp::power(row / row_col_mean, Array(-0.5));
            const Array col_factor = jnp::power(col, Array(-0.5));
            updates[i] = g * jnp::expand_dims(row_factor, longest) * jnp::expand_dims(col_factor, second);
            v_row[i] = row;
            v_col[i] = col;
            v[i] = placeholder(dtype);
          } else {
            const Array full = (decay * v[i] + (1.0 - decay) * grad_sqr).astype(dtype);
            updates[i] = g * jnp::power(full, Array(-0.5));
            v_row[i] = placeholder(dtype);
            v_col[i] = placeholder(dtype);
            v[i] = full;
          }
        }
        return OptState::dict({{"count", detail::safe_increment(count)},
                               {"v_row", detail::per_leaf_tree(structure, v_row)},
                               {"v_col", detail::per_leaf_tree(structure, v_col)},
                               {"v", detail::per_leaf_tree(structure, v)}});
      });
}

GradientTransformation adafactor(std::optional<ScalarOrSchedule> learning_rate, AdafactorOptions options) {
  std::vector<GradientTransformation> parts;
  parts.push_back(scale_by_factored_rms({.factored = options.factored,
                                         .decay_rate = options.decay_rate,
                                         .step_offset = options.decay_offset,
                                         .min_dim_size_to_factor = options.min_dim_size_to_factor,
                                         .epsilon = options.eps}));
  if (options.clipping_threshold) parts.push_back(clip_by_block_rms(*options.clipping_threshold));
  if (learning_rate) parts.push_back(scale_by_learning_rate(std::move(*learning_rate), {.flip_sign = false}));
  if (options.multiply_by_parameter_scale) parts.push_back(scale_by_param_block_rms());
  if (options.momentum) {
    parts.push_back(ema(*options.momentum, {.debias = false, .accumulator_dtype = options.dtype_momentum}));
  }
  if (options.weight_decay_rate) {
    parts.push_back(add_decayed_weights(std::move(*options.weight_decay_rate), std::move(options.weight_decay_mask)));
  }
  parts.push_back(scale(-1.0));
  return chain(std::move(parts));
}

}  // namespace jx::optim
