// Optax's segmentation losses (jx/optim/losses.h): the soft Dice loss in its Tversky form (Milletari
// et al., 2016), the generalized Dice loss with classes weighted by their inverse squared frequency
// (Sudre et al., 2017), and the binary Dice loss.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "jx/core/error.h"
#include "jx/nn.h"
#include "jx/numpy.h"
#include "jx/optim/losses.h"
#include "optim/losses_common.h"

namespace jx::optim {

namespace jnp = jx::numpy;

namespace {

// jnp.sum over `axes`; over no axes, x itself (NumPy's axis=()).
Array sum_over(const Array& x, const std::vector<int>& axes) {
  return axes.empty() ? x : jnp::sum(x, {.axis = detail::as_axes(axes)});
}

void require_reduction(std::string_view loss, std::string_view reduction) {
  if (reduction != "mean" && reduction != "sum" && reduction != "none") {
    throw ValueError(fmt::format("optim::{}", loss),
                     fmt::format("reduction must be \"mean\", \"sum\" or \"none\", not \"{}\"", reduction));
  }
}

// Probabilities must sum to 1 over the classes. Optax reads the sums on the host; a traced array
// cannot be read, so there the check is left out rather than made an error.
void require_distributions(std::string_view loss, const Array& predictions) {
  const Array sums = jnp::sum(predictions, -1);
  if (!sums.is_concrete() || jnp::allclose(sums, 1.0, {.rtol = 1e-5}).item<bool>()) return;
  throw ValueError(fmt::format("optim::{}", loss),
                   fmt::format("with apply_softmax false, predictions must be probabilities summing to 1 over the "
                               "class axis, but their sums range over [{:.6f}, {:.6f}]",
                               jnp::min(sums).item<double>(), jnp::max(sums).item<double>()));
}

Array dice_loss_of(std::string_view loss, const Array& predictions, const Array& targets,
                   const DiceLossOptions& options) {
  require_reduction(loss, options.reduction);
  // One class may come without its axis of size 1.
  Array p = predictions;
  Array t = targets;
  if (p.ndim() == t.ndim() - 1) p = jnp::expand_dims(p, -1);
  if (t.ndim() == p.ndim() - 1) t = jnp::expand_dims(t, -1);
  detail::require_same_shape(loss, "predictions", p, "targets", t);
  if (p.ndim() == 0) detail::require_rank(loss, "predictions", p, 1);
  if (!options.apply_softmax) require_distributions(loss, p);
  const std::int64_t num_classes = p.shape()[p.ndim() - 1];
  Array probabilities = p;
  if (options.apply_softmax) probabilities = num_classes == 1 ? nn::sigmoid(p) : nn::softmax(p, -1);
  // By default the sums run over the spatial axes: all but the first (batch) and the last (classes).
  std::vector<int> axes;
  if (options.axis) {
    axes = detail::normalized_axes(loss, options.axis, probabilities.ndim());
  } else {
    for (int d = 1; d < probabilities.ndim() - 1; ++d) axes.push_back(d);
  }
  const Array intersection = sum_over(probabilities * t, axes);
  const Array predicted = sum_over(probabilities, axes);
  const Array target = sum_over(t, axes);
  const Array numerator = intersection + options.smooth;
  const Array denominator = intersection + options.alpha * (predicted - intersection) +
                            options.beta * (target - intersection) + options.smooth;
  Array per_class = 1.0 - numerator / denominator;
  if (options.class_weights) {
    detail::require_rank(loss, "class_weights", *options.class_weights, 1);
    per_class = per_class * *options.class_weights;
  }
  if (options.ignore_background && num_classes > 1) per_class = per_class(ellipsis, Slice{.start = 1});
  if (options.reduction == "mean") return jnp::mean(per_class, -1);
  if (options.reduction == "sum") return jnp::sum(per_class, -1);
  return per_class;
}

}  // namespace

Array dice_loss_function::operator()(const Array& predictions, const Array& targets, DiceLossOptions options,
                                     Loc loc) const {
  CallSite site(loc);
  return dice_loss_of("dice_loss", predictions, targets, options);
}

Array multiclass_generalized_dice_loss_function::operator()(const Array& predictions, const Array& targets,
                                                            MulticlassGeneralizedDiceLossOptions options,
                                                            Loc loc) const {
  CallSite site(loc);
  constexpr std::string_view loss = "multiclass_generalized_dice_loss";
  detail::require_same_shape(loss, "predictions", predictions, "targets", targets);
  if (predictions.ndim() == 0) detail::require_rank(loss, "predictions", predictions, 1);
  std::vector<int> all_but_classes;
  for (int d = 0; d < targets.ndim() - 1; ++d) all_but_classes.push_back(d);
  const Array class_frequencies = sum_over(targets, all_but_classes);
  // Rare classes weigh more: 1 / frequency^2 (1e-7 keeps an absent class finite), normalized so that
  // the weights average 1.
  const Array inverse_squares = 1.0 / (jnp::square(class_frequencies) + 1e-7);
  const Array class_weights =
      inverse_squares / jnp::sum(inverse_squares) * static_cast<double>(class_frequencies.shape()[0]);
  return jnp::mean(dice_loss_of(loss, predictions, targets,
                                {.class_weights = class_weights,
                                 .smooth = options.smooth,
                                 .apply_softmax = options.apply_softmax,
                                 .reduction = "none",
                                 .ignore_background = options.ignore_background}));
}

Array binary_dice_loss_function::operator()(const Array& predictions, const Array& targets,
                                            BinaryDiceLossOptions options, Loc loc) const {
  CallSite site(loc);
  constexpr std::string_view loss = "binary_dice_loss";
  Array p = predictions;
  Array t = targets;
  // Both given without the class axis: add it (dice_loss adds it when only one lacks it).
  if (p.ndim() >= 1 && p.ndim() == t.ndim() && p.shape()[p.ndim() - 1] != 1) {
    p = jnp::expand_dims(p, -1);
    t = jnp::expand_dims(t, -1);
  }
  return dice_loss_of(loss, p, t, {.smooth = options.smooth, .apply_softmax = options.apply_sigmoid});
}

}  // namespace jx::optim
