// Optax's self-supervised losses (jx/optim/losses.h): NT-Xent, the contrastive loss of SimCLR (Chen et
// al., 2020), and the triplet margin loss (Balntas et al., 2016).
#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <string>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/numpy/dtypes.h"
#include "jx/optim/losses.h"
#include "optim/losses_common.h"
#include "optim/numerics.h"

namespace jx::optim {

namespace jnp = jx::numpy;

namespace {

using detail::kInfinity;

using detail::power;

}  // namespace

Array ntxent_function::operator()(const Array& embeddings, const Array& labels, const Array& temperature,
                                  Loc loc) const {
  CallSite site(loc);
  constexpr std::string_view loss = "ntxent";
  detail::require_floating(loss, "embeddings", embeddings);
  detail::require_rank(loss, "embeddings", embeddings, 2);
  if (labels.ndim() != 1 || labels.shape()[0] != embeddings.shape()[0]) {
    throw ShapeError(fmt::format("optim::{}", loss),
                     fmt::format("labels must be (batch) for embeddings (batch, features), but their shapes are {} "
                                 "and {}",
                                 labels.shape().to_string(), embeddings.shape().to_string()));
  }
  const std::int64_t batch = embeddings.shape()[0];
  // similarity[i, j]: the cosine of embeddings i and j, over the temperature.
  const Array similarity = cosine_similarity(jnp::expand_dims(embeddings, 0), jnp::expand_dims(embeddings, 1),
                                             {.epsilon = jnp::finfo(embeddings.dtype()).eps}) /
                           temperature;
  const Array same_group = jnp::expand_dims(labels, 1) == jnp::expand_dims(labels, 0);
  const Array negative = !same_group;
  const Array positive = same_group & !jnp::eye(batch, std::nullopt, 0, DType::bool_);  // not an embedding itself
  // Pairs of the other kind (and each embedding with itself) are -inf, so that they add nothing.
  const Array negative_similarity = jnp::where(negative, similarity, -kInfinity);
  const Array positive_similarity = jnp::where(positive, similarity, -kInfinity);
  // Each row's largest similarity is shifted out, without gradient, so that exp cannot overflow.
  const Array row_maximum = lax::stop_gradient(
      jnp::max(jnp::concatenate({negative_similarity, positive_similarity}, -1), {.axis = 1, .keepdims = true}));
  const Array shifted_positive = positive_similarity - row_maximum;
  // For the positive pair (i, j): exp(s_ij) over exp(s_ij) plus the sum over i's negatives.
  const Array denominator =
      jnp::sum(jnp::exp(negative_similarity - row_maximum), {.axis = 1, .keepdims = true}) + jnp::exp(shifted_positive);
  const Array log_ratio = shifted_positive - jnp::log(denominator);
  return -jnp::sum(jnp::where(positive, log_ratio, 0)) / jnp::sum(positive);
}

Array triplet_margin_loss_function::operator()(const Array& anchors, const Array& positives, const Array& negatives,
                                               TripletMarginLossOptions options, Loc loc) const {
  CallSite site(loc);
  constexpr std::string_view loss = "triplet_margin_loss";
  detail::require_floating(loss, "anchors", anchors);
  detail::require_floating(loss, "positives", positives);
  detail::require_floating(loss, "negatives", negatives);
  // (sum(d^p) + eps)^(1/p) over the axis; d keeps its sign, as in Optax (so odd p are not norms).
  auto distance = [&](const Array& other) {
    const Array powered = power(anchors - other, options.norm_degree);
    const Array summed =
        jnp::sum(powered, {.axis = detail::as_axes(detail::normalized_axes(loss, options.axis, powered.ndim()))});
    return jnp::power(summed + options.eps, Array(1.0 / options.norm_degree));
  };
  return jnp::maximum(distance(positives) - distance(negatives) + options.margin, 0);
}

}  // namespace jx::optim
