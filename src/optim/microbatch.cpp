// microbatch on flattened arguments: the batch cut into microbatches, a fori_loop over them, and the
// results accumulated (Optax's microbatching).
#include <fmt/format.h>

#include <set>
#include <utility>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/optim/wrappers.h"
#include "jx/transforms/control_flow.h"
#include "jx/transforms/eval_shape.h"

namespace jx::optim::detail {

namespace jnp = jx::numpy;

namespace {

constexpr const char* kMicrobatchOp = "optim::microbatch";

// The carry's first value for a result of this type, per accumulation.
Array initial(const ArrayType& type, AccumulationType accumulation, std::int64_t num_microbatches) {
  if ((accumulation == AccumulationType::mean || accumulation == AccumulationType::running_mean) &&
      !is_floating(type.dtype)) {
    throw ValueError(kMicrobatchOp,
                     fmt::format("the mean and running_mean accumulators need floating-point results, but one "
                                 "is {}",
                                 type.to_string()));
  }
  if (accumulation != AccumulationType::concat) return jnp::zeros(type.shape, type.dtype);
  Shape shape = type.shape;
  shape.insert(0, num_microbatches);
  return jnp::zeros(shape, type.dtype);
}

Array accumulate(const Array& carry, const Array& value, const Array& index, AccumulationType accumulation) {
  switch (accumulation) {
    case AccumulationType::sum:
    case AccumulationType::mean:
      return carry + value;
    case AccumulationType::running_mean: {
      const Array kept = index / (index + 1);
      return (carry * kept + value * (1 - kept)).astype(carry.dtype());
    }
    case AccumulationType::concat:
      return lax::dynamic_update_index_in_dim(carry, value, index, 0);
  }
  return carry;
}

Array finalize(const Array& carry, AccumulationType accumulation, std::int64_t num_microbatches) {
  switch (accumulation) {
    case AccumulationType::sum:
    case AccumulationType::running_mean:
      return carry;
    case AccumulationType::mean:
      return carry / static_cast<double>(num_microbatches);
    case AccumulationType::concat: {
      // carry[i, j] is row i + n j of the batch (column-major): rows j n + i of the transposed carry.
      if (carry.ndim() < 2) return carry;
      std::vector<int> axes{1, 0};
      for (int axis = 2; axis < carry.ndim(); ++axis) axes.push_back(axis);
      Shape shape = carry.shape();
      shape.erase(0);
      shape[0] = carry.shape()[0] * carry.shape()[1];
      return jnp::reshape(jnp::transpose(carry, axes), shape);
    }
  }
  return carry;
}

}  // namespace

std::vector<Array> microbatch_leaves(const std::function<std::vector<Array>(std::span<const Array>)>& function,
                                     std::span<const Array> leaves, std::span<const std::optional<int>> batch_axes,
                                     std::int64_t microbatch_size, const MicrobatchOptions& options) {
  if (microbatch_size < 1)
    throw ValueError(kMicrobatchOp, fmt::format("microbatch_size must be positive, not {}", microbatch_size));
  // Each batched leaf as (..., microbatch_size, n, ...): microbatch i is index i of the new axis.
  std::vector<std::optional<int>> axes(batch_axes.begin(), batch_axes.end());
  std::vector<Array> reshaped(leaves.begin(), leaves.end());
  std::set<std::int64_t> batch_sizes;
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    if (!axes[i]) continue;
    const int ndim = leaves[i].ndim();
    const int axis = *axes[i] < 0 ? *axes[i] + ndim : *axes[i];
    if (axis < 0 || axis >= ndim) {
      throw ValueError(kMicrobatchOp, fmt::format("in_axes {} is out of range for an argument of shape {}", *axes[i],
                                                  leaves[i].shape().to_string()));
    }
    axes[i] = axis;
    batch_sizes.insert(leaves[i].shape()[axis]);
  }
  if (batch_sizes.empty())
    throw ValueError(kMicrobatchOp, "argnums names no argument with arrays to cut into microbatches");
  if (batch_sizes.size() > 1) {
    std::string sizes;
    for (std::int64_t size : batch_sizes) sizes += (sizes.empty() ? "" : ", ") + std::to_string(size);
    throw ValueError(kMicrobatchOp,
                     fmt::format("the batch arguments must have batch axes of one size, but they have {}", sizes));
  }
  const std::int64_t batch_size = *batch_sizes.begin();
  if (batch_size % microbatch_size != 0) {
    throw ValueError(kMicrobatchOp, fmt::format("the batch size {} must be divisible by microbatch_size {}", batch_size,
                                                microbatch_size));
  }
  const std::int64_t num_microbatches = batch_size / microbatch_size;
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    if (!axes[i]) continue;
    Shape shape = leaves[i].shape();
    shape[*axes[i]] = microbatch_size;
    shape.insert(*axes[i] + 1, num_microbatches);
    reshaped[i] = jnp::reshape(leaves[i], shape);
  }
  const auto run = [&](const Array& index) {
    std::vector<Array> inputs = reshaped;
    for (std::size_t i = 0; i < inputs.size(); ++i)
      if (axes[i]) inputs[i] = lax::dynamic_index_in_dim(reshaped[i], index, *axes[i] + 1, false);
    return function(inputs);
  };

  // The results' types, from microbatch 0 traced without computing it.
  const jx::detail::FlatFunction first = [&](std::span<const Array>) { return run(jnp::array(0)); };
  const std::vector<ArrayType> types = jx::detail::eval_shape_flat(first, {}, "microbatch");
  const std::vector<AccumulationType>& accumulators = options.accumulator;
  if (accumulators.size() != 1 && accumulators.size() != types.size()) {
    throw ValueError(kMicrobatchOp,
                     fmt::format("the accumulator gives {} types for {} results: give one, or one per result",
                                 accumulators.size(), types.size()));
  }
  const auto accumulation = [&](std::size_t i) { return accumulators.size() == 1 ? accumulators[0] : accumulators[i]; };
  std::vector<Array> carry;
  carry.reserve(types.size());
  for (std::size_t i = 0; i < types.size(); ++i) carry.push_back(initial(types[i], accumulation(i), num_microbatches));
  if (num_microbatches > 0) {
    const auto body = [&](const Array& index, const std::vector<Array>& current) {
      const std::vector<Array> values = run(index);
      std::vector<Array> next;
      next.reserve(current.size());
      for (std::size_t i = 0; i < current.size(); ++i)
        next.push_back(accumulate(current[i], values[i], index, accumulation(i)));
      return next;
    };
    carry = options.num_real_microbatches ? lax::fori_loop(jnp::array(0), *options.num_real_microbatches, body, carry)
                                          : lax::fori_loop(0, num_microbatches, body, carry);
  }
  for (std::size_t i = 0; i < carry.size(); ++i) carry[i] = finalize(carry[i], accumulation(i), num_microbatches);
  return carry;
}

}  // namespace jx::optim::detail
