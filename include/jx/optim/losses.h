// jx/optim/losses.h — Optax's loss functions (optax.losses), on jx::Array.
//
// What it offers, grouped as Optax groups them:
//   - Regression: squared_error, l2_loss, huber_loss, log_cosh, cosine_similarity, cosine_distance.
//   - Classification: sigmoid_binary_cross_entropy, sigmoid_focal_loss, softmax_cross_entropy,
//     safe_softmax_cross_entropy, softmax_cross_entropy_with_integer_labels, poly_loss_cross_entropy,
//     kl_divergence, kl_divergence_with_log_targets, generalized_kl_divergence (convex_kl_divergence,
//     its deprecated name), hinge_loss, multiclass_hinge_loss, perceptron_loss,
//     multiclass_perceptron_loss, sparsemax_loss, multiclass_sparsemax_loss, ctc_loss,
//     ctc_loss_with_forward_probs, make_fenchel_young_loss.
//   - Label smoothing: smooth_labels.
//   - Self-supervised: ntxent, triplet_margin_loss.
//   - Ranking: ranking_softmax_loss.
//   - Segmentation: dice_loss, multiclass_generalized_dice_loss, binary_dice_loss.
// Names, argument order, defaults and results are Optax's: a loss returns one value per example (its
// reduced axes removed), never a mean over the batch unless Optax's does (ntxent,
// ranking_softmax_loss, multiclass_generalized_dice_loss). Optax's keyword arguments are designated initializers named
// as Optax names them; `axis` is an int or a list of axes ({1, 2}), and std::nullopt where Optax accepts None (all
// axes); `where` is a boolean mask of the elements that count. Every loss is written with jx's ops, so
// it differentiates, jits and vmaps; each is an object (as jx::numpy's functions are), so it can be
// passed by name: jx::grad(jx::optim::l2_loss).
//
//   namespace jnp = jx::numpy;
//   auto logits = jnp::array({{1.2f, -0.8f, -0.5f}, {0.9f, -1.2f, 1.1f}});
//   auto labels = jnp::array({0, 1});
//   auto per_example = jx::optim::softmax_cross_entropy_with_integer_labels(logits, labels);  // [0.2761 2.9518]
//   auto smoothed = jx::optim::smooth_labels(jx::nn::one_hot(labels, 3), 0.1);
//   auto loss = jnp::mean(jx::optim::softmax_cross_entropy(logits, smoothed));
//   auto masked = jx::optim::softmax_cross_entropy(logits, smoothed, {.where = jnp::array({true, false})});
//   auto huber = jx::optim::huber_loss(jnp::array({0.3f, 2.0f}), jnp::zeros({2}), {.delta = 0.5});  // [0.045 0.875]
//   auto mean_loss = [&](const jx::Array& x) { return jnp::mean(jx::optim::softmax_cross_entropy(x, smoothed)); };
//   auto gradient = jx::grad(mean_loss)(logits);
//
// Bad input throws as Optax does, with jx's error types: a non-floating input where Optax checks for
// one, or labels that are not integers, is a jx::DTypeError; shapes Optax requires to be equal, a wrong
// rank or an axis out of range is a jx::ShapeError; an unknown reduction is a jx::ValueError. Each
// names the loss (optim::softmax_cross_entropy) and the shapes or dtypes it was given.
#pragma once

#include <functional>
#include <optional>
#include <source_location>
#include <string_view>
#include <tuple>

#include "jx/core/array.h"
#include "jx/core/keywords_only.h"
#include "jx/core/shape.h"

namespace jx::optim {

using Loc = std::source_location;

// --- Regression ------------------------------------------------------------------------------------
// Each takes optional targets of predictions' shape; without them the targets are zero.

// (predictions - targets)^2, elementwise. Targets must have predictions' shape (ShapeError).
inline constexpr struct squared_error_function {
  Array operator()(const Array& predictions, Loc loc = Loc::current()) const;
  Array operator()(const Array& predictions, const Array& targets, Loc loc = Loc::current()) const;
} squared_error{};

// 0.5 * squared_error (Bishop's convention).
inline constexpr struct l2_loss_function {
  Array operator()(const Array& predictions, Loc loc = Loc::current()) const;
  Array operator()(const Array& predictions, const Array& targets, Loc loc = Loc::current()) const;
} l2_loss{};

struct HuberLossOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double delta = 1.0;  // where the loss turns from quadratic to linear
};
// 0.5 e^2 for |e| <= delta, 0.5 delta^2 + delta (|e| - delta) beyond, with e = predictions - targets
// (broadcast): its gradient is l2_loss's clipped to [-delta, delta].
inline constexpr struct huber_loss_function {
  Array operator()(const Array& predictions, HuberLossOptions options = {}, Loc loc = Loc::current()) const;
  Array operator()(const Array& predictions, const Array& targets, HuberLossOptions options = {},
                   Loc loc = Loc::current()) const;
} huber_loss{};

// log(cosh(e)), e = predictions - targets, computed as logaddexp(e, -e) - log 2 so that it neither
// overflows nor loses small e.
inline constexpr struct log_cosh_function {
  Array operator()(const Array& predictions, Loc loc = Loc::current()) const;
  Array operator()(const Array& predictions, const Array& targets, Loc loc = Loc::current()) const;
} log_cosh{};

struct CosineSimilarityOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double epsilon = 0.0;                       // the squared norms are clipped below at epsilon
  std::optional<Axes> axis = -1;              // the vector axes (all when std::nullopt)
  std::optional<Array> where = std::nullopt;  // bool: the elements of the vectors that count
};
// <a, b> / (|a| |b|) over `axis`, with each squared norm at least epsilon.
inline constexpr struct cosine_similarity_function {
  Array operator()(const Array& predictions, const Array& targets, CosineSimilarityOptions options = {},
                   Loc loc = Loc::current()) const;
} cosine_similarity{};
// 1 - cosine_similarity.
inline constexpr struct cosine_distance_function {
  Array operator()(const Array& predictions, const Array& targets, CosineSimilarityOptions options = {},
                   Loc loc = Loc::current()) const;
} cosine_distance{};

// --- Classification --------------------------------------------------------------------------------

// -labels log sigmoid(logits) - (1 - labels) log sigmoid(-logits), elementwise (logits floating;
// labels, 0/1 or probabilities, are cast to logits' dtype).
inline constexpr struct sigmoid_binary_cross_entropy_function {
  Array operator()(const Array& logits, const Array& labels, Loc loc = Loc::current()) const;
} sigmoid_binary_cross_entropy{};

struct SigmoidFocalLossOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  std::optional<double> alpha = std::nullopt;  // weight of the positives (1 - alpha for negatives); none: no weighting
  double gamma = 2.0;                          // exponent of the modulating factor (1 - p_t)
};
// sigmoid_binary_cross_entropy * (1 - p_t)^gamma, times alpha_t when alpha is given, where
// 1 - p_t = labels (1 - p) + (1 - labels) p for p = sigmoid(logits) (labels may be soft). The factor
// is computed in log space, accurate for extreme logits and gamma < 2.
inline constexpr struct sigmoid_focal_loss_function {
  Array operator()(const Array& logits, const Array& labels, SigmoidFocalLossOptions options = {},
                   Loc loc = Loc::current()) const;
} sigmoid_focal_loss{};

// The `axis` and `where` of the losses that reduce over classes (Optax's axis=-1, where=None).
struct ClassAxisOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  std::optional<Axes> axis = -1;              // the class axes (all when std::nullopt)
  std::optional<Array> where = std::nullopt;  // bool: the elements that count
};
using SoftmaxCrossEntropyOptions = ClassAxisOptions;
using KlDivergenceOptions = ClassAxisOptions;
using SmoothLabelsOptions = ClassAxisOptions;

// -sum(labels * log_softmax(logits)) over `axis`. A `where` of fewer dimensions than logits names
// whole examples (it gains the class axes); masked classes are left out of the softmax too.
inline constexpr struct softmax_cross_entropy_function {
  Array operator()(const Array& logits, const Array& labels, SoftmaxCrossEntropyOptions options = {},
                   Loc loc = Loc::current()) const;
} softmax_cross_entropy{};

// softmax_cross_entropy over the last axis, taking labels * log_softmax(logits) as 0 where
// labels == 0 (so that logits of -inf give 0 log 0 = 0, and a finite gradient, instead of NaN).
inline constexpr struct safe_softmax_cross_entropy_function {
  Array operator()(const Array& logits, const Array& labels, Loc loc = Loc::current()) const;
} safe_softmax_cross_entropy{};

struct IntegerLabelsOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  Axes axis = -1;  // the class axis; several are flattened, row-major in the order given, for a label to index
  std::optional<Array> where = std::nullopt;  // bool: the elements that count
};
// logsumexp(logits) - logits[label] over `axis`; labels are integers with logits' shape less the
// class axes (DTypeError, ShapeError otherwise). Examples whose `where` is all false give 0; labels
// out of range give NaN, as JAX's take_along_axis does.
inline constexpr struct softmax_cross_entropy_with_integer_labels_function {
  Array operator()(const Array& logits, const Array& labels, IntegerLabelsOptions options = {},
                   Loc loc = Loc::current()) const;
} softmax_cross_entropy_with_integer_labels{};

struct PolyLossOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double epsilon = 2.0;  // the coefficient of the first polynomial term (Leng et al.: 2 for ImageNet)
  std::optional<Axes> axis = -1;
  std::optional<Array> where = std::nullopt;
};
// softmax_cross_entropy + epsilon * sum(labels * (1 - softmax(logits))) (Poly-1); labels floating.
inline constexpr struct poly_loss_cross_entropy_function {
  Array operator()(const Array& logits, const Array& labels, PolyLossOptions options = {},
                   Loc loc = Loc::current()) const;
} poly_loss_cross_entropy{};

// sum(targets * (log(targets) - log_predictions)) over `axis`, with 0 log 0 = 0.
inline constexpr struct kl_divergence_function {
  Array operator()(const Array& log_predictions, const Array& targets, KlDivergenceOptions options = {},
                   Loc loc = Loc::current()) const;
} kl_divergence{};
// The same with the targets given as logs: sum(exp(log_targets) * (log_targets - log_predictions)).
inline constexpr struct kl_divergence_with_log_targets_function {
  Array operator()(const Array& log_predictions, const Array& log_targets, KlDivergenceOptions options = {},
                   Loc loc = Loc::current()) const;
} kl_divergence_with_log_targets{};
// kl_divergence + sum(exp(log_predictions) - targets): the Bregman divergence of x log x - x, for
// unnormalized distributions.
inline constexpr struct generalized_kl_divergence_function {
  Array operator()(const Array& log_predictions, const Array& targets, KlDivergenceOptions options = {},
                   Loc loc = Loc::current()) const;
} generalized_kl_divergence{};
// Optax's deprecated name of generalized_kl_divergence.
inline constexpr generalized_kl_divergence_function convex_kl_divergence{};

// max(0, 1 - predictor_outputs * targets), targets in {-1, 1}.
inline constexpr struct hinge_loss_function {
  Array operator()(const Array& predictor_outputs, const Array& targets, Loc loc = Loc::current()) const;
} hinge_loss{};
// max(scores + 1 - one_hot(labels)) - scores[labels] over the last axis; labels are integers.
inline constexpr struct multiclass_hinge_loss_function {
  Array operator()(const Array& scores, const Array& labels, Loc loc = Loc::current()) const;
} multiclass_hinge_loss{};
// max(0, -predictor_outputs * targets), targets in {-1, 1} of predictor_outputs' shape.
inline constexpr struct perceptron_loss_function {
  Array operator()(const Array& predictor_outputs, const Array& targets, Loc loc = Loc::current()) const;
} perceptron_loss{};
// max(scores) - scores[labels] over the last axis; labels are integers.
inline constexpr struct multiclass_perceptron_loss_function {
  Array operator()(const Array& scores, const Array& labels, Loc loc = Loc::current()) const;
} multiclass_perceptron_loss{};

// The binary sparsemax loss: sparse_plus(-logits) where labels (0 or 1, or bool) are set, else
// sparse_plus(logits). Zero exactly when jx::nn::sparse_sigmoid(logits) == labels.
inline constexpr struct sparsemax_loss_function {
  Array operator()(const Array& logits, const Array& labels, Loc loc = Loc::current()) const;
} sparsemax_loss{};
// The multiclass sparsemax loss over the last axis: <p, scores> - scores[label] + (1 - |p|^2) / 2
// with p = sparsemax(scores), the Euclidean projection of the scores onto the probability simplex.
// Its gradient is p - one_hot(label). Scores (..., K), integer labels (...).
inline constexpr struct multiclass_sparsemax_loss_function {
  Array operator()(const Array& scores, const Array& labels, Loc loc = Loc::current()) const;
} multiclass_sparsemax_loss{};

struct CtcLossOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  int blank_id = 0;           // the class of the blank symbol
  double log_epsilon = -1e5;  // stands for log(0), keeping the recursion finite
};
// Connectionist temporal classification (Graves et al., 2006): -log p(labels | logits) summed over
// every alignment, by the forward recursion over time (a lax::scan). logits (B, T, K); logit_paddings
// (B, T), 1 at padded frames (skipped wherever they are); labels (B, N) integers, right-padded, with
// label_paddings (B, N) 1 at the padding. Returns (loss (B), log alpha of the blank states (T, B, N + 1),
// log alpha of the label states (T, B, N)): entry (t, b, n) is the log probability of frames 0..t
// having produced labels 0..n-1 and then a blank (label n, for the second). States no alignment
// reaches hold sums of log_epsilon (about -1e5), not -inf.
inline constexpr struct ctc_loss_with_forward_probs_function {
  std::tuple<Array, Array, Array> operator()(const Array& logits, const Array& logit_paddings, const Array& labels,
                                             const Array& label_paddings, CtcLossOptions options = {},
                                             Loc loc = Loc::current()) const;
} ctc_loss_with_forward_probs{};
// The loss of ctc_loss_with_forward_probs alone, (B).
inline constexpr struct ctc_loss_function {
  Array operator()(const Array& logits, const Array& logit_paddings, const Array& labels, const Array& label_paddings,
                   CtcLossOptions options = {}, Loc loc = Loc::current()) const;
} ctc_loss{};

// A Fenchel-Young loss from a max function: loss(scores, targets) = max_fun(scores) - <targets, scores>
// over the last axis, max_fun applied to each row (it maps a vector to a scalar; jx::nn::logsumexp
// gives the softmax cross-entropy).
using FenchelYoungLoss = std::function<Array(const Array& scores, const Array& targets)>;
FenchelYoungLoss make_fenchel_young_loss(std::function<Array(const Array&)> max_fun);

// --- Label smoothing -------------------------------------------------------------------------------

// (1 - alpha) * labels + alpha / num_categories, num_categories being the size of `axis` (or, with
// `where`, how many of its elements are set). labels floating.
inline constexpr struct smooth_labels_function {
  Array operator()(const Array& labels, const Array& alpha, SmoothLabelsOptions options = {},
                   Loc loc = Loc::current()) const;
} smooth_labels{};

// --- Self-supervised -------------------------------------------------------------------------------

// NT-Xent (Chen et al., SimCLR), a scalar: embeddings (batch, features), labels (batch) naming the
// groups of positive pairs. The mean over positive pairs (i, j), i != j, of
// -log(exp(s_ij) / (exp(s_ij) + sum over negatives k of exp(s_ik))), with s the cosine similarities
// (squared norms clipped at the dtype's epsilon) divided by temperature.
inline constexpr struct ntxent_function {
  Array operator()(const Array& embeddings, const Array& labels, const Array& temperature = 0.07,
                   Loc loc = Loc::current()) const;
} ntxent{};

struct TripletMarginLossOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  int axis = -1;           // the feature axis
  double norm_degree = 2;  // p: distances are (sum(d^p) + eps)^(1/p), d taken with its sign as Optax does
  double margin = 1.0;     // by how much the positive should be nearer than the negative
  double eps = 1e-6;       // added under the root
};
// max(distance(anchors, positives) - distance(anchors, negatives) + margin, 0), per example.
inline constexpr struct triplet_margin_loss_function {
  Array operator()(const Array& anchors, const Array& positives, const Array& negatives,
                   TripletMarginLossOptions options = {}, Loc loc = Loc::current()) const;
} triplet_margin_loss{};

// --- Ranking ---------------------------------------------------------------------------------------

struct RankingSoftmaxLossOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  std::optional<Array> where = std::nullopt;    // bool (..., list_size): the items that count
  std::optional<Array> weights = std::nullopt;  // (..., list_size): each item's label is multiplied by it
  // Optax's reduce_fn: "mean" (jnp.mean: lists with no valid item are left out, and the mean of none
  // is 0), "sum" (jnp.sum), or "none" (None: one loss per list, 0 for lists with no valid item).
  std::string_view reduce_fn = "mean";
};
// -sum(labels * log_softmax(logits)) over each list (the last axis), reduced over the lists.
inline constexpr struct ranking_softmax_loss_function {
  Array operator()(const Array& logits, const Array& labels, RankingSoftmaxLossOptions options = {},
                   Loc loc = Loc::current()) const;
} ranking_softmax_loss{};

// --- Segmentation ----------------------------------------------------------------------------------

struct DiceLossOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  std::optional<Array> class_weights = std::nullopt;  // (num_classes): each class's loss is multiplied by it
  double smooth = 1.0;                                // added to the numerator and the denominator
  double alpha = 0.5;                                 // weight of false positives
  double beta = 0.5;                                  // weight of false negatives (alpha = beta = 0.5: Dice)
  bool apply_softmax = true;                // softmax over classes (sigmoid for one class); false: probabilities given
  std::string_view reduction = "mean";      // over classes: "mean", "sum", or "none" (one loss per class)
  bool ignore_background = false;           // leave class 0 out
  std::optional<Axes> axis = std::nullopt;  // the axes summed over; all but the first and the last by default
};
// 1 - (I + smooth) / (I + alpha (P - I) + beta (T - I) + smooth) per class, with I = sum(p t),
// P = sum(p), T = sum(t) over `axis` (the Tversky form of the soft Dice loss). predictions are logits
// (..., num_classes), or (...) / (..., 1) for one class; targets one-hot of the same shape. With
// apply_softmax false, predictions must sum to 1 over classes (ValueError; checked on concrete
// arrays only, since traced values cannot be read).
inline constexpr struct dice_loss_function {
  Array operator()(const Array& predictions, const Array& targets, DiceLossOptions options = {},
                   Loc loc = Loc::current()) const;
} dice_loss{};

struct MulticlassGeneralizedDiceLossOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double smooth = 1.0;
  bool apply_softmax = true;
  bool ignore_background = false;
};
// The mean of dice_loss per class weighted by 1 / (class frequency^2 + 1e-7), the weights normalized
// to average 1 (Sudre et al., 2017): a scalar.
inline constexpr struct multiclass_generalized_dice_loss_function {
  Array operator()(const Array& predictions, const Array& targets, MulticlassGeneralizedDiceLossOptions options = {},
                   Loc loc = Loc::current()) const;
} multiclass_generalized_dice_loss{};

struct BinaryDiceLossOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  double smooth = 1.0;
  bool apply_sigmoid = true;
};
// dice_loss for one class: predictions and targets (...) or (..., 1).
inline constexpr struct binary_dice_loss_function {
  Array operator()(const Array& predictions, const Array& targets, BinaryDiceLossOptions options = {},
                   Loc loc = Loc::current()) const;
} binary_dice_loss{};

}  // namespace jx::optim
