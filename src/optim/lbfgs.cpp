// scale_by_lbfgs (the two-loop recursion of Nocedal and Wright's algorithm 7.4 over a ring buffer of
// secant pairs) and the lbfgs optimizer chained from it.
#include "jx/optim/lbfgs.h"

#include <fmt/format.h>

#include <utility>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/optim/transforms.h"
#include "optim/linesearch.h"
#include "optim/state.h"

namespace jx::optim {

namespace jnp = jx::numpy;
using detail::PresentLeaves;
using detail::strong;

namespace {

// x modulo the memory size (a step's slot in the ring buffer), in x's integer dtype.
Array slot_of(const Array& x, std::int64_t memory_size) {
  return jnp::remainder(x, detail::scalar(static_cast<double>(memory_size), x.dtype()));
}

// Per-leaf stacks of memory_size zeros shaped like the parameters, empty where a leaf is hidden.
OptState zero_memory(const tree::TreeDef& structure, std::span<const Array> params, std::int64_t memory_size) {
  std::vector<Array> stacks(params.size());
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (!params[i].valid()) continue;
    Shape shape = params[i].shape();
    shape.insert(0, memory_size);
    stacks[i] = jnp::zeros(shape, params[i].dtype());
  }
  return detail::per_leaf_tree(structure, stacks);
}

std::vector<Array> cast_each_like(std::vector<Array> values, std::span<const Array> like) {
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = strong(values[i], like[i].dtype());
  return values;
}

// The secant pairs (parameter and update differences) and their weights 1 / <du, dw>, the rows of
// each stack indexed by step modulo the memory size.
struct Memory {
  std::vector<Array> diff_params, diff_updates;  // per present leaf, (memory_size, *shape)
  Array weights;                                 // (memory_size,)

  // Row `index` of every stack.
  std::vector<Array> rows(const std::vector<Array>& stacks, const Array& index) const {
    std::vector<Array> result;
    result.reserve(stacks.size());
    for (const Array& stack : stacks) result.push_back(lax::dynamic_index_in_dim(stack, index, 0, false));
    return result;
  }
};

// P u for the L-BFGS inverse-Hessian approximation P. `oldest` is the slot of the oldest pair (the next
// one overwritten); the pairs are visited from newest to oldest and back, and empty ones (weight 0)
// change nothing.
std::vector<Array> precondition(const std::vector<Array>& updates, const Memory& memory, const Array& identity_scale,
                                const Array& oldest, std::int64_t memory_size) {
  const DType weight_dtype = memory.weights.dtype();
  const Array order = slot_of(oldest + jnp::arange(memory_size, oldest.dtype()), memory_size);
  using Vector = std::vector<Array>;
  auto backward = [&](const Vector& vector, const Array& index) {
    const Array rho = lax::dynamic_index_in_dim(memory.weights, index, 0, false);
    const Array alpha = rho * detail::real_vdot(memory.rows(memory.diff_params, index), vector, weight_dtype);
    const Vector diff_updates = memory.rows(memory.diff_updates, index);
    Vector next(vector.size());
    for (std::size_t i = 0; i < vector.size(); ++i) next[i] = vector[i] - alpha * diff_updates[i];
    return std::pair<Vector, Array>(cast_each_like(std::move(next), vector), alpha);
  };
  auto [scaled, alphas] = lax::scan(backward, updates, order, {.reverse = true});
  for (Array& leaf : scaled) leaf = strong(leaf * identity_scale, leaf.dtype());
  auto forward = [&](const Vector& vector, const std::pair<Array, Array>& index_alpha) {
    const auto& [index, alpha] = index_alpha;
    const Array rho = lax::dynamic_index_in_dim(memory.weights, index, 0, false);
    const Array beta = rho * detail::real_vdot(memory.rows(memory.diff_updates, index), vector, weight_dtype);
    const Vector diff_params = memory.rows(memory.diff_params, index);
    Vector next(vector.size());
    for (std::size_t i = 0; i < vector.size(); ++i) next[i] = vector[i] + (alpha - beta) * diff_params[i];
    return std::pair<Vector, std::tuple<>>(cast_each_like(std::move(next), vector), {});
  };
  return lax::scan(forward, scaled, std::pair<Array, Array>(order, alphas)).first;
}

}  // namespace

GradientTransformation scale_by_lbfgs(ScaleByLbfgsOptions options) {
  const std::string name = "scale_by_lbfgs";
  if (options.memory_size < 1) {
    throw ValueError("optim::scale_by_lbfgs",
                     fmt::format("memory_size must be at least 1, got {}", options.memory_size));
  }
  const std::int64_t memory_size = options.memory_size;
  auto init = [memory_size](const tree::TreeDef& structure, std::span<const Array> params) {
    return OptState::dict({{"count", detail::zero_count()},
                           {"params", detail::zeros_tree(structure, params)},
                           {"updates", detail::zeros_tree(structure, params)},
                           {"diff_params_memory", zero_memory(structure, params, memory_size)},
                           {"diff_updates_memory", zero_memory(structure, params, memory_size)},
                           {"weights_memory", jnp::zeros({memory_size}, default_float_dtype())}});
  };
  auto update = [options, memory_size, name](const tree::TreeDef& structure, std::vector<Array>& updates,
                                             const OptState& state, std::span<const Array> params) {
    if (params.empty()) {
      throw ValueError("optim::update",
                       fmt::format("{} needs the parameters: call update(grads, state, params)", name));
    }
    const PresentLeaves present(updates);
    const std::vector<Array> u = present.take(updates), w = present.take(params);
    const std::vector<Array> last_params = present.take(detail::field_arrays(structure, state, "params", name));
    const std::vector<Array> last_updates = present.take(detail::field_arrays(structure, state, "updates", name));
    Memory memory{present.take(detail::field_arrays(structure, state, "diff_params_memory", name)),
                  present.take(detail::field_arrays(structure, state, "diff_updates_memory", name)),
                  detail::state_field(state, "weights_memory", name).array()};
    const Array count = detail::state_count(state, name);
    const DType dtype = detail::value_dtype(u);

    // 1. The newest secant pair, from the parameters and updates before the line search's step and
    // after it, written in the slot before this step's (none at the first step: zeros of weight 0).
    const Array started = count > 0;
    std::vector<Array> diff_params(u.size()), diff_updates(u.size());
    for (std::size_t i = 0; i < u.size(); ++i) {
      diff_params[i] = jnp::where(started, w[i] - last_params[i], jnp::zeros_like(w[i]));
      diff_updates[i] = jnp::where(started, u[i] - last_updates[i], jnp::zeros_like(u[i]));
    }
    const Array curvature = detail::real_vdot(diff_updates, diff_params, dtype);
    const Array weight = jnp::where(started & (curvature != 0.0), 1.0 / curvature, 0.0);
    const Array slot = slot_of(count - 1, memory_size);
    for (std::size_t i = 0; i < u.size(); ++i) {
      memory.diff_params[i] = lax::dynamic_update_index_in_dim(memory.diff_params[i], diff_params[i], slot, 0);
      memory.diff_updates[i] = lax::dynamic_update_index_in_dim(memory.diff_updates[i], diff_updates[i], slot, 0);
    }
    memory.weights = lax::dynamic_update_index_in_dim(memory.weights, strong(weight, memory.weights.dtype()), slot, 0);

    // 2. gamma I, the approximation the pairs correct: <du, dw> / <du, du> of the newest pair, and at
    // the first step min(1, 1 / ||u||), which keeps the first trial step within the unit ball.
    Array identity_scale = detail::scalar(1.0, dtype);
    if (options.scale_init_precond) {
      const Array squared = detail::squared_norm(diff_updates, dtype);
      const Array secant_scale = jnp::where(squared > 0.0, curvature / squared, 1.0);
      std::vector<Array> constant_updates;
      for (const Array& leaf : u) constant_updates.push_back(lax::stop_gradient(leaf));
      const Array capped_inverse_norm =
          jnp::minimum(1.0, 1.0 / jnp::sqrt(detail::squared_norm(constant_updates, dtype)));
      identity_scale = strong(jnp::where(started, secant_scale, capped_inverse_norm), dtype);
    }

    // 3. P u by the two-loop recursion, the newest pair first.
    if (!u.empty()) {
      const std::vector<Array> preconditioned =
          precondition(u, memory, identity_scale, slot_of(count, memory_size), memory_size);
      const std::vector<Array> all = present.put(preconditioned);
      for (std::size_t i = 0; i < updates.size(); ++i)
        if (all[i].valid()) updates[i] = all[i];
    }
    return OptState::dict({{"count", detail::safe_increment(count)},
                           {"params", detail::per_leaf_tree(structure, present.put(cast_each_like(w, last_params)))},
                           {"updates", detail::per_leaf_tree(structure, present.put(cast_each_like(u, last_updates)))},
                           {"diff_params_memory", detail::per_leaf_tree(structure, present.put(memory.diff_params))},
                           {"diff_updates_memory", detail::per_leaf_tree(structure, present.put(memory.diff_updates))},
                           {"weights_memory", memory.weights}});
  };
  return GradientTransformation(name, std::move(init), std::move(update));
}

GradientTransformation default_lbfgs_linesearch() {
  return scale_by_zoom_linesearch(20, {.initial_guess_strategy = InitialGuessStrategy::one});
}

GradientTransformation lbfgs(LbfgsOptions options) {
  GradientTransformation scaling =
      options.learning_rate ? scale_by_learning_rate(std::move(*options.learning_rate)) : scale(-1.0);
  return chain(scale_by_lbfgs({.memory_size = options.memory_size, .scale_init_precond = options.scale_init_precond}),
               std::move(scaling), options.linesearch ? std::move(*options.linesearch) : identity());
}

}  // namespace jx::optim
