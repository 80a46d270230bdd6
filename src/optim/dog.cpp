// Layer-wise DoG: scale_by_distance_over_gradients.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/optim/step_size.h"
#include "optim/state.h"

namespace jx::optim {

namespace jnp = jx::numpy;

namespace {

Array l2_norm(const Array& x) { return jnp::sqrt(jnp::sum(jnp::square(x))); }

}  // namespace

GradientTransformation scale_by_distance_over_gradients(ScaleByDistanceOverGradientsOptions options) {
  const std::string name = "scale_by_distance_over_gradients";
  return GradientTransformation(
      name,
      [options](const tree::TreeDef& structure, std::span<const Array> params) {
        std::vector<Array> max_dist(params.size()), sum_of_squares(params.size()), initial(params.size());
        for (std::size_t i = 0; i < params.size(); ++i) {
          const Array& p = params[i];
          if (!p.valid()) continue;
          // A first distance above 0, or the first steps would be 0.
          max_dist[i] = options.reps_rel * (1.0 + l2_norm(p));
          sum_of_squares[i] = jnp::zeros({1}, float32);
          initial[i] = detail::cast(p, options.param_dtype);
        }
        return OptState::dict({{"max_dist", detail::per_leaf_tree(structure, max_dist)},
                               {"grad_sum_of_squares", detail::per_leaf_tree(structure, sum_of_squares)},
                               {"init_params", detail::per_leaf_tree(structure, initial)}});
      },
      [options, name](const tree::TreeDef& structure, std::vector<Array>& updates, const OptState& state,
                      std::span<const Array> params) {
        if (params.empty()) {
          throw ValueError("optim::update",
                           fmt::format("{} needs the parameters: call update(grads, state, params)", name));
        }
        std::vector<Array> max_dist = detail::field_arrays(structure, state, "max_dist", name);
        std::vector<Array> sum_of_squares = detail::field_arrays(structure, state, "grad_sum_of_squares", name);
        const std::vector<Array> initial = detail::field_arrays(structure, state, "init_params", name);
        for (std::size_t i = 0; i < updates.size(); ++i) {
          const Array& g = updates[i];
          if (!g.valid()) continue;
          const Array distance = jnp::maximum(max_dist[i], l2_norm(params[i] - initial[i]));
          const Array squares = sum_of_squares[i] + jnp::sum(jnp::square(g));
          // Optax's step has the sum's shape (1,); taken as a scalar, so that a scalar leaf's update
          // stays a scalar (the values are the same).
          const Array eta = options.global_scale * (distance / jnp::sqrt(squares + options.eps));
          updates[i] = jnp::reshape(eta, {}).astype(g.dtype()) * g;
          max_dist[i] = detail::cast_like(distance, max_dist[i]);
          sum_of_squares[i] = detail::cast_like(squares, sum_of_squares[i]);
        }
        return OptState::dict({{"max_dist", detail::per_leaf_tree(structure, max_dist)},
                               {"grad_sum_of_squares", detail::per_leaf_tree(structure, sum_of_squares)},
                               {"init_params", detail::state_field(state, "init_params", name)}});
      });
}

}  // namespace jx::optim
