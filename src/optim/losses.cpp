// Optax's regression, classification, label-smoothing and ranking losses (jx/optim/losses.h), written
// with jx's ops so that they differentiate, jit and vmap. Each follows the formula and the numerical
// form Optax documents (log-space where Optax works in log space); what they share is in
// optim/losses_common.h. The CTC loss is in ctc_loss.cpp, the self-supervised losses in
// self_supervised_losses.cpp, the segmentation losses in dice_losses.cpp.
#include "jx/optim/losses.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <tuple>
#include <utility>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/nn.h"
#include "jx/numpy.h"
#include "jx/numpy/vectorize.h"
#include "jx/transforms/custom_derivatives.h"
#include "optim/losses_common.h"
#include "optim/numerics.h"

namespace jx::optim {

namespace jnp = jx::numpy;
using detail::masked_log_softmax;
using detail::masked_logsumexp;
using detail::masked_sum;
using detail::normalized_axes;
using detail::require_floating;
using detail::require_integer;
using detail::require_same_shape;

namespace {

using detail::kInfinity;

int last_axis(const Array& x) { return x.ndim() - 1; }

// --- Regression ------------------------------------------------------------------------------------

// predictions - targets (broadcast), or predictions where there are no targets.
Array errors_of(const Array& predictions, const std::optional<Array>& targets) {
  return targets ? predictions - *targets : predictions;
}

Array squared_errors(std::string_view loss, const Array& predictions, const std::optional<Array>& targets) {
  require_floating(loss, "predictions", predictions);
  // Optax compares the shapes rather than let the subtraction broadcast them.
  if (targets) require_same_shape(loss, "predictions", predictions, "targets", *targets);
  return jnp::square(errors_of(predictions, targets));
}

Array huber(const Array& predictions, const std::optional<Array>& targets, double delta) {
  require_floating("huber_loss", "predictions", predictions);
  const Array absolute_errors = jnp::abs(errors_of(predictions, targets));
  const Array quadratic = jnp::minimum(absolute_errors, delta);
  // max(|e| - delta, 0) written without a second kink at |e| = delta, where the two pieces meet and
  // a maximum would add half a gradient of its own.
  const Array linear = absolute_errors - quadratic;
  return 0.5 * jnp::square(quadratic) + delta * linear;
}

Array log_cosh_of(const Array& predictions, const std::optional<Array>& targets) {
  require_floating("log_cosh", "predictions", predictions);
  const Array e = errors_of(predictions, targets);
  // log((e^x + e^-x) / 2) without overflowing for large |e|.
  return jnp::logaddexp(e, -e) - std::log(2.0);
}

Array cosine_similarity_of(std::string_view loss, const Array& predictions, const Array& targets,
                           const CosineSimilarityOptions& options) {
  require_floating(loss, "predictions", predictions);
  require_floating(loss, "targets", targets);
  auto unit = [&](const Array& v) {
    const Array squared_norm =
        masked_sum(loss, jnp::square(v), normalized_axes(loss, options.axis, v.ndim()), options.where, true);
    // The squared norm (not the norm) is clipped, so the smallest norm divided by is sqrt(epsilon).
    return v / jnp::sqrt(jnp::clip(squared_norm, Array(options.epsilon), std::nullopt));
  };
  const Array product = unit(predictions) * unit(targets);
  return masked_sum(loss, product, normalized_axes(loss, options.axis, product.ndim()), options.where);
}

// --- Softmax cross-entropies -----------------------------------------------------------------------

Array softmax_cross_entropy_of(std::string_view loss, const Array& logits, const Array& labels,
                               const std::optional<Axes>& axis, std::optional<Array> where) {
  require_floating(loss, "logits", logits);
  if (where) where = detail::expand_mask(loss, *where, axis, logits.ndim());
  const Array log_probabilities = masked_log_softmax(loss, logits, normalized_axes(loss, axis, logits.ndim()), where);
  const Array terms = labels * log_probabilities;
  return -masked_sum(loss, terms, normalized_axes(loss, axis, terms.ndim()), where);
}

// weights * log_softmax(x) over the last axis, 0 where weights is 0 (even where x is -inf: 0 log 0 =
// 0). The derivative is written out, as Optax writes it, so that it stays finite there: autodiff of
// the select would multiply a zero cotangent by the infinite log-probability.
Array weighted_log_softmax(const Array& x, const Array& weights) {
  static const auto function = custom_jvp(
      [](const Array& logits, const Array& w) {
        const Array log_probabilities = nn::log_softmax(logits, -1);
        return jnp::where(w != 0, w * log_probabilities, jnp::zeros_like(log_probabilities));
      },
      [](const std::tuple<Array, Array>& primals, const std::tuple<Array, Array>& tangents) {
        const auto& [logits, w] = primals;
        const auto& [logits_dot, w_dot] = tangents;
        const Array log_probabilities = nn::log_softmax(logits, -1);
        const Array value = jnp::where(w != 0, w * log_probabilities, jnp::zeros_like(log_probabilities));
        const Array probabilities = nn::softmax(logits, -1);
        // Optax's rule multiplies w_dot by the log-probability everywhere; at 0 log 0 entries (w = 0,
        // logits -inf) that is 0 * -inf = NaN even when only the logits are differentiated (the labels'
        // tangent is then an instantiated zero), so the labels' derivative is taken as 0 there.
        const Array zero_log_zero = (w == 0) & (log_probabilities == -kInfinity);
        const Array labels_derivative = jnp::where(zero_log_zero, 0, log_probabilities);
        const Array tangent = w * logits_dot -
                              w * jnp::sum(logits_dot * probabilities, {.axis = -1, .keepdims = true}) +
                              w_dot * labels_derivative;
        return std::pair{value, tangent};
      });
  return function(x, weights);
}

// The Euclidean projection of each row (the last axis) onto the probability simplex, sparsemax:
// max(x - tau, 0) with tau such that the row sums to 1, found by sorting (Martins & Astudillo, 2016).
Array project_rows_onto_simplex(const Array& x) {
  const std::int64_t size = x.shape()[last_axis(x)];
  const Array descending = jnp::flip(jnp::sort(x, -1), -1);
  const Array cumulative = jnp::cumsum(descending, -1);
  const Array ranks = jnp::arange(1, size + 1, 1, x.dtype());
  // The support is the k largest entries for the largest k with 1 + k u_k > u_1 + ... + u_k.
  const Array in_support = 1.0 / ranks + (descending - cumulative / ranks) > 0;
  const Array support_size = jnp::sum(in_support.astype(DType::int32), {.axis = -1, .keepdims = true});
  const Array support_sum = jnp::take_along_axis(cumulative, support_size - 1, -1);
  const Array k = support_size.astype(x.dtype());
  return nn::relu(1.0 / k + (x - support_sum / k));
}

// The projection with its derivative written out, as Optax writes it: on the support, the tangent
// less its mean over the support; 0 off it. (Differentiating the sort would give the same almost
// everywhere, at the cost of the sort's derivative.)
Array sparsemax_rows(const Array& scores) {
  static const auto function =
      custom_jvp([](const Array& x) { return project_rows_onto_simplex(x); },
                 [](const std::tuple<Array>& primals, const std::tuple<Array>& tangents) {
                   const Array p = project_rows_onto_simplex(std::get<0>(primals));
                   const Array& t = std::get<0>(tangents);
                   const Array support = (p > 0).astype(p.dtype());
                   const Array support_size = jnp::sum(support, {.axis = -1, .keepdims = true});
                   const Array support_mean = jnp::sum(support * t, {.axis = -1, .keepdims = true}) / support_size;
                   return std::pair{p, support * t - support_mean * support};
                 });
  return function(scores);
}

// jax.nn.one_hot's default float dtype, as Optax's multiclass losses use it.
Array one_hot_of(const Array& labels, const Array& scores) {
  return nn::one_hot(labels, scores.shape()[last_axis(scores)]);
}

// Scores (..., num_classes) and integer labels for their examples: labels of the examples' shape
// (`exact`, for the losses Optax maps over examples one by one), or, for the others, of a shape that
// broadcasts against it, as Optax's one-hot arithmetic allows.
void require_class_scores(std::string_view loss, const Array& scores, const Array& labels, bool exact) {
  bool fits = scores.ndim() >= 1;
  if (fits) {
    const Shape examples(scores.shape().begin(), scores.shape().end() - 1);
    if (exact) {
      fits = labels.shape() == examples;
    } else {
      for (int i = 1; fits && i <= std::min(labels.ndim(), examples.ndim()); ++i) {
        const std::int64_t a = labels.shape()[labels.ndim() - i], b = examples[examples.ndim() - i];
        fits = a == b || a == 1 || b == 1;
      }
    }
  }
  if (!fits) {
    throw ShapeError(fmt::format("optim::{}", loss),
                     fmt::format("scores must be (..., num_classes) and labels (...), but their shapes are {} and {}",
                                 scores.shape().to_string(), labels.shape().to_string()));
  }
}

}  // namespace

// --- Regression ------------------------------------------------------------------------------------

Array squared_error_function::operator()(const Array& predictions, Loc loc) const {
  CallSite site(loc);
  return squared_errors("squared_error", predictions, std::nullopt);
}
Array squared_error_function::operator()(const Array& predictions, const Array& targets, Loc loc) const {
  CallSite site(loc);
  return squared_errors("squared_error", predictions, targets);
}

Array l2_loss_function::operator()(const Array& predictions, Loc loc) const {
  CallSite site(loc);
  return 0.5 * squared_errors("l2_loss", predictions, std::nullopt);
}
Array l2_loss_function::operator()(const Array& predictions, const Array& targets, Loc loc) const {
  CallSite site(loc);
  return 0.5 * squared_errors("l2_loss", predictions, targets);
}

Array huber_loss_function::operator()(const Array& predictions, HuberLossOptions options, Loc loc) const {
  CallSite site(loc);
  return huber(predictions, std::nullopt, options.delta);
}
Array huber_loss_function::operator()(const Array& predictions, const Array& targets, HuberLossOptions options,
                                      Loc loc) const {
  CallSite site(loc);
  return huber(predictions, targets, options.delta);
}

Array log_cosh_function::operator()(const Array& predictions, Loc loc) const {
  CallSite site(loc);
  return log_cosh_of(predictions, std::nullopt);
}
Array log_cosh_function::operator()(const Array& predictions, const Array& targets, Loc loc) const {
  CallSite site(loc);
  return log_cosh_of(predictions, targets);
}

Array cosine_similarity_function::operator()(const Array& predictions, const Array& targets,
                                             CosineSimilarityOptions options, Loc loc) const {
  CallSite site(loc);
  return cosine_similarity_of("cosine_similarity", predictions, targets, options);
}

Array cosine_distance_function::operator()(const Array& predictions, const Array& targets,
                                           CosineSimilarityOptions options, Loc loc) const {
  CallSite site(loc);
  return 1.0 - cosine_similarity_of("cosine_distance", predictions, targets, options);
}

// --- Sigmoid losses --------------------------------------------------------------------------------

Array sigmoid_binary_cross_entropy_function::operator()(const Array& logits, const Array& labels, Loc loc) const {
  CallSite site(loc);
  require_floating("sigmoid_binary_cross_entropy", "logits", logits);
  const Array y = labels.astype(logits.dtype());
  // log(1 - sigmoid(x)) as log_sigmoid(-x), which keeps its digits for large x.
  return -y * nn::log_sigmoid(logits) - (1.0 - y) * nn::log_sigmoid(-logits);
}

Array sigmoid_focal_loss_function::operator()(const Array& logits, const Array& labels, SigmoidFocalLossOptions options,
                                              Loc loc) const {
  CallSite site(loc);
  require_floating("sigmoid_focal_loss", "logits", logits);
  const Array y = labels.astype(logits.dtype());
  const Array cross_entropy = sigmoid_binary_cross_entropy(logits, y);
  // log(1 - p_t) = log(y (1 - p) + (1 - y) p) with p = sigmoid(x). Factoring out the larger of y and
  // 1 - y (y' below, with x' the logit seen from its side) leaves
  //   log sigmoid(x') + log y' + log(1 + exp(-x') (1 - y') / y'),
  // a sum of terms that neither overflow nor cancel, even for hard labels (log1p(-1) = -inf makes
  // the last term 0).
  const Array positive_side = y >= 0.5;
  const Array y_major = jnp::where(positive_side, y, 1.0 - y);
  const Array x_major = jnp::where(positive_side, -logits, logits);
  const Array log_one_minus_p_t =
      nn::log_sigmoid(x_major) + jnp::log(y_major) + nn::softplus(-x_major + jnp::log1p(-y_major) - jnp::log(y_major));
  const Array loss = cross_entropy * jnp::exp(options.gamma * log_one_minus_p_t);
  if (!options.alpha) return loss;
  const double alpha = *options.alpha;
  return (alpha * y + (1.0 - alpha) * (1.0 - y)) * loss;
}

// --- Softmax losses --------------------------------------------------------------------------------

Array softmax_cross_entropy_function::operator()(const Array& logits, const Array& labels,
                                                 SoftmaxCrossEntropyOptions options, Loc loc) const {
  CallSite site(loc);
  return softmax_cross_entropy_of("softmax_cross_entropy", logits, labels, options.axis, options.where);
}

Array safe_softmax_cross_entropy_function::operator()(const Array& logits, const Array& labels, Loc loc) const {
  CallSite site(loc);
  require_floating("safe_softmax_cross_entropy", "logits", logits);
  // Integer or bool labels would get float0 tangents in the rule; as floats they give the same values.
  const Array weights = is_inexact(labels.dtype()) ? labels : labels.astype(logits.dtype());
  return -jnp::sum(weighted_log_softmax(logits, weights), {.axis = -1});
}

Array softmax_cross_entropy_with_integer_labels_function::operator()(const Array& logits, const Array& labels,
                                                                     IntegerLabelsOptions options, Loc loc) const {
  CallSite site(loc);
  constexpr std::string_view loss = "softmax_cross_entropy_with_integer_labels";
  require_floating(loss, "logits", logits);
  require_integer(loss, "labels", labels);
  std::optional<Array> where = options.where;
  if (where) where = detail::expand_mask(loss, *where, options.axis, logits.ndim());
  const std::vector<int> class_axes = detail::normalized_axes_in_given_order(loss, options.axis, logits.ndim());
  Array x = logits;
  int class_axis = class_axes.empty() ? 0 : class_axes[0];
  if (class_axes.size() != 1) {
    // Several class axes: move them last, in the order given, and flatten them into one, so that a
    // label is a row-major index into them in that order (where is moved the same way).
    std::vector<int> order;
    Shape flat_shape;
    for (int d = 0; d < logits.ndim(); ++d) {
      if (std::find(class_axes.begin(), class_axes.end(), d) == class_axes.end()) {
        order.push_back(d);
        flat_shape.push_back(logits.shape()[d]);
      }
    }
    class_axis = static_cast<int>(order.size());
    order.insert(order.end(), class_axes.begin(), class_axes.end());
    flat_shape.push_back(-1);
    x = jnp::reshape(jnp::transpose(logits, order), flat_shape);
    if (where) {
      detail::require_rank(loss, "where", *where, logits.ndim());
      Shape flat_mask_shape;
      for (int i = 0; i < class_axis; ++i)
        flat_mask_shape.push_back(where->shape()[order[static_cast<std::size_t>(i)]]);
      flat_mask_shape.push_back(-1);
      where = jnp::reshape(jnp::transpose(*where, order), flat_mask_shape);
    }
  }
  if (labels.ndim() != x.ndim() - 1) {
    throw ShapeError(fmt::format("optim::{}", loss),
                     fmt::format("labels must have the shape of logits without the class axes, but logits are {} "
                                 "and labels {}",
                                 logits.shape().to_string(), labels.shape().to_string()));
  }
  // logits[label] - logsumexp(logits): the normalizer is subtracted from the labels' logits only,
  // not from every logit as log_softmax would.
  const Array label_logits =
      lax::squeeze(jnp::take_along_axis(x, jnp::expand_dims(labels, class_axis), class_axis), {class_axis});
  const Array result = masked_logsumexp(loss, x, {class_axis}, where) - label_logits;
  if (!where) return result;
  return jnp::where(jnp::any(*where, class_axis), result, 0);
}

Array poly_loss_cross_entropy_function::operator()(const Array& logits, const Array& labels, PolyLossOptions options,
                                                   Loc loc) const {
  CallSite site(loc);
  constexpr std::string_view loss = "poly_loss_cross_entropy";
  require_floating(loss, "logits", logits);
  require_floating(loss, "labels", labels);
  const Array probabilities =
      jnp::exp(masked_log_softmax(loss, logits, normalized_axes(loss, options.axis, logits.ndim()), options.where));
  const Array mass_off_target = labels * (1.0 - probabilities);
  const Array one_minus_p_t =
      masked_sum(loss, mass_off_target, normalized_axes(loss, options.axis, mass_off_target.ndim()), options.where);
  return softmax_cross_entropy_of(loss, logits, labels, options.axis, options.where) + options.epsilon * one_minus_p_t;
}

// --- Divergences -----------------------------------------------------------------------------------

Array kl_divergence_function::operator()(const Array& log_predictions, const Array& targets,
                                         KlDivergenceOptions options, Loc loc) const {
  CallSite site(loc);
  constexpr std::string_view loss = "kl_divergence";
  require_floating(loss, "log_predictions", log_predictions);
  require_floating(loss, "targets", targets);
  const Array terms = targets * (jnp::where(targets == 0, 0, jnp::log(targets)) - log_predictions);
  return masked_sum(loss, terms, normalized_axes(loss, options.axis, terms.ndim()), options.where);
}

Array kl_divergence_with_log_targets_function::operator()(const Array& log_predictions, const Array& log_targets,
                                                          KlDivergenceOptions options, Loc loc) const {
  CallSite site(loc);
  constexpr std::string_view loss = "kl_divergence_with_log_targets";
  require_floating(loss, "log_predictions", log_predictions);
  require_floating(loss, "log_targets", log_targets);
  const Array terms = jnp::exp(log_targets) * (log_targets - log_predictions);
  return masked_sum(loss, terms, normalized_axes(loss, options.axis, terms.ndim()), options.where);
}

Array generalized_kl_divergence_function::operator()(const Array& log_predictions, const Array& targets,
                                                     KlDivergenceOptions options, Loc loc) const {
  CallSite site(loc);
  constexpr std::string_view loss = "generalized_kl_divergence";
  const Array divergence = kl_divergence(log_predictions, targets, options);
  const Array mass_difference = jnp::exp(log_predictions) - targets;
  return divergence +
         masked_sum(loss, mass_difference, normalized_axes(loss, options.axis, mass_difference.ndim()), options.where);
}

// --- Margin losses ---------------------------------------------------------------------------------

Array hinge_loss_function::operator()(const Array& predictor_outputs, const Array& targets, Loc loc) const {
  CallSite site(loc);
  return jnp::maximum(0, 1 - predictor_outputs * targets);
}

Array multiclass_hinge_loss_function::operator()(const Array& scores, const Array& labels, Loc loc) const {
  CallSite site(loc);
  require_class_scores("multiclass_hinge_loss", scores, labels, /*exact=*/false);
  const Array one_hot = one_hot_of(labels, scores);
  return jnp::max(scores + 1.0 - one_hot, -1) - jnp::sum(scores * one_hot, -1);
}

Array perceptron_loss_function::operator()(const Array& predictor_outputs, const Array& targets, Loc loc) const {
  CallSite site(loc);
  require_same_shape("perceptron_loss", "predictor_outputs", predictor_outputs, "targets", targets);
  return jnp::maximum(0, -predictor_outputs * targets);
}

Array multiclass_perceptron_loss_function::operator()(const Array& scores, const Array& labels, Loc loc) const {
  CallSite site(loc);
  require_class_scores("multiclass_perceptron_loss", scores, labels, /*exact=*/false);
  return jnp::max(scores, -1) - jnp::sum(scores * one_hot_of(labels, scores), -1);
}

// --- Sparsemax losses ------------------------------------------------------------------------------

Array sparsemax_loss_function::operator()(const Array& logits, const Array& labels, Loc loc) const {
  CallSite site(loc);
  const Array positive = labels.dtype() == DType::bool_ ? labels : labels != 0;
  return nn::sparse_plus(jnp::where(positive, -logits, logits));
}

Array multiclass_sparsemax_loss_function::operator()(const Array& scores, const Array& labels, Loc loc) const {
  CallSite site(loc);
  constexpr std::string_view loss = "multiclass_sparsemax_loss";
  require_floating(loss, "scores", scores);
  require_integer(loss, "labels", labels);
  require_class_scores(loss, scores, labels, /*exact=*/true);
  const Array p = sparsemax_rows(scores);
  const Array label_scores = jnp::take_along_axis(scores, jnp::expand_dims(labels, -1), -1);
  // scores - scores[label], exactly 0 at the label itself (even for an infinite score there).
  const Array is_label = nn::one_hot(labels, scores.shape()[last_axis(scores)], DType::bool_);
  const Array relative_scores = jnp::where(is_label, 0, scores - label_scores);
  // <p, scores> - scores[label] + (1 - <p, p>) / 2: the conjugate of the Gini negentropy at the
  // scores, minus the label's score. Entries off the support do not count, even where infinite.
  return jnp::sum(p * jnp::where(p != 0, relative_scores, 0), -1) + 0.5 * (1.0 - jnp::sum(p * p, -1));
}

// --- Fenchel-Young losses --------------------------------------------------------------------------

FenchelYoungLoss make_fenchel_young_loss(std::function<Array(const Array&)> max_fun) {
  return [max_fun = std::move(max_fun)](const Array& scores, const Array& targets) {
    const auto row_maximum = jnp::vectorize(max_fun, {.signature = "(n)->()"});
    return row_maximum(scores) - jnp::sum(targets * scores, -1);
  };
}

// --- Label smoothing -------------------------------------------------------------------------------

Array smooth_labels_function::operator()(const Array& labels, const Array& alpha, SmoothLabelsOptions options,
                                         Loc loc) const {
  CallSite site(loc);
  constexpr std::string_view loss = "smooth_labels";
  require_floating(loss, "labels", labels);
  if (options.where) {
    // The number of categories each example spreads alpha over: those its mask keeps.
    const Array& where = *options.where;
    const std::vector<int> axes = normalized_axes(loss, options.axis, where.ndim());
    const Array categories = jnp::sum(where, {.axis = detail::as_axes(axes), .keepdims = true});
    return (1.0 - alpha) * labels + alpha / categories;
  }
  std::int64_t categories = 1;
  for (int axis : normalized_axes(loss, options.axis, labels.ndim())) categories *= labels.shape()[axis];
  return (1.0 - alpha) * labels + alpha / static_cast<double>(categories);
}

// --- Ranking ---------------------------------------------------------------------------------------

Array ranking_softmax_loss_function::operator()(const Array& logits, const Array& labels,
                                                RankingSoftmaxLossOptions options, Loc loc) const {
  CallSite site(loc);
  constexpr std::string_view loss = "ranking_softmax_loss";
  require_floating(loss, "logits", logits);
  if (options.reduce_fn != "mean" && options.reduce_fn != "sum" && options.reduce_fn != "none") {
    throw ValueError(fmt::format("optim::{}", loss),
                     fmt::format("reduce_fn must be \"mean\", \"sum\" or \"none\", not \"{}\"", options.reduce_fn));
  }
  Array scores = logits;
  Array relevance = labels.astype(logits.dtype());
  std::optional<Array> where;
  if (options.where) {
    // Invalid items get no relevance and a logit of -inf, so that they drop out of the softmax.
    where = detail::mask_of(loss, *options.where, logits.shape());
    relevance = jnp::where(*where, relevance, 0);
    scores = jnp::where(*where, scores, -kInfinity);
  }
  if (options.weights) relevance = relevance * *options.weights;
  const int items_axis = last_axis(scores);
  const Array terms = relevance * masked_log_softmax(loss, scores, {items_axis}, std::nullopt);
  const Array per_list = -masked_sum(loss, terms, {items_axis}, where);
  // Lists with no valid item are left out of the reduction.
  const std::optional<Array> valid_lists = where ? std::optional(jnp::any(*where, -1)) : std::nullopt;
  if (options.reduce_fn == "none") return valid_lists ? jnp::where(*valid_lists, per_list, 0) : per_list;
  const std::vector<int> all_lists = normalized_axes(loss, std::nullopt, per_list.ndim());
  const Array total = masked_sum(loss, per_list, all_lists, valid_lists);
  if (options.reduce_fn == "sum") return total;
  const Array count = valid_lists ? jnp::sum(*valid_lists) : Array(static_cast<double>(per_list.size()));
  const Array mean = total / count;
  // A mean over no list is 0/0; Optax makes it 0, unless the losses themselves hold a NaN, which it
  // lets through.
  const Array inputs_are_numbers = jnp::logical_not(jnp::any(jnp::isnan(per_list)));
  return jnp::where(jnp::isnan(mean) & inputs_are_numbers, 0, mean);
}

}  // namespace jx::optim
