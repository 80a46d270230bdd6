// jx::optim's losses (jx/optim/losses.h) against Optax's definitions: every case of
// tests/data/optax_losses_oracle.json (tools/optax_losses_oracle.py, float64 NumPy written from Optax's
// documented formulas) replayed eagerly, under jit and under vmap; derivatives against finite
// differences (jx::test::check_grads, in float64); a few losses inside jitted and vmapped gradient
// computations against the same computations run eagerly; and the errors bad input raises.
#include "jx/optim/losses.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>
#include <source_location>
#include <string>
#include <tuple>
#include <vector>

#include "error_expectations.h"
#include "jx/core/config.h"
#include "jx/core/error.h"
#include "jx/nn.h"
#include "jx/numpy.h"
#include "jx/test_util.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/jit.h"
#include "jx/transforms/vmap.h"
#include "oracle_replay.h"

namespace {

namespace jnp = jx::numpy;
namespace optim = jx::optim;
using jx::Array;
using jx::Axes;
using jx::testing::Arrays;
using jx::testing::json;
using jx::testing::OracleOp;
using jx::testing::OracleOps;
using jx_test::expect_error;

constexpr double kInfinity = std::numeric_limits<double>::infinity();
constexpr const char* kOracle = "optax_losses_oracle.json";

// --- Reading a case's options ------------------------------------------------------------------------

// A case's params, read keyword by keyword; a keyword jx did not read fails the test, so that the
// generator and jx agree on Optax's names. "family" and the flags saying how the arguments are laid
// out ("targets", "where", "weights", "class_weights") are the generator's own.
class Keywords {
 public:
  Keywords(const json& params, const std::string& op) : params_(params), op_(op) {}
  Keywords(const Keywords&) = delete;
  Keywords& operator=(const Keywords&) = delete;
  ~Keywords() {
    for (const auto& [key, value] : params_.items()) {
      const bool layout =
          key == "family" || key == "targets" || key == "where" || key == "weights" || key == "class_weights";
      if (!layout && !used_.contains(key)) ADD_FAILURE() << op_ << ": jx read no keyword '" << key << "'";
    }
  }

  bool flag(const char* key) const { return params_.value(key, false); }
  template <class T>
  T value(const char* key, T fallback) {
    if (!params_.contains(key)) return fallback;
    used_.insert(key);
    return params_.at(key).get<T>();
  }
  std::optional<double> optional_number(const char* key) {
    if (!params_.contains(key) || params_.at(key).is_null()) return std::nullopt;
    used_.insert(key);
    return params_.at(key).get<double>();
  }
  std::string text(const char* key, const std::string& fallback) { return value<std::string>(key, fallback); }
  // Optax's axis: absent (the loss's default), null (all axes), an int, or a list.
  std::optional<Axes> axis(std::optional<Axes> fallback) {
    if (!params_.contains("axis")) return fallback;
    used_.insert("axis");
    const json& axis = params_.at("axis");
    if (axis.is_null()) return std::nullopt;
    if (axis.is_number()) return Axes(axis.get<int>());
    Axes axes;
    for (const json& a : axis) axes.push_back(a.get<int>());
    return axes;
  }

 private:
  const json& params_;
  std::string op_;
  std::set<std::string> used_;
};

// The next optional argument (a mask, weights), when the case's flag says it is there; `next` moves past it.
std::optional<Array> optional_argument(const Arrays& a, std::size_t& next, bool present) {
  if (!present) return std::nullopt;
  return a.at(next++);
}

// --- The oracle's ops ----------------------------------------------------------------------------------

// Regression losses whose targets may be absent ("targets": false).
template <class F>
OracleOp with_optional_targets(const F& loss) {
  return {[loss](const Arrays& a, const json& p) {
    Keywords keywords(p, "regression");
    if (!p.value("targets", true)) return Arrays{loss(a[0])};
    return Arrays{loss(a[0], a[1])};
  }};
}

OracleOp huber() {
  return {[](const Arrays& a, const json& p) {
    Keywords keywords(p, "huber_loss");
    const optim::HuberLossOptions options{.delta = keywords.value("delta", 1.0)};
    if (!p.value("targets", true)) return Arrays{optim::huber_loss(a[0], options)};
    return Arrays{optim::huber_loss(a[0], a[1], options)};
  }};
}

template <class F>
OracleOp cosine(const F& loss) {
  return {[loss](const Arrays& a, const json& p) {
    Keywords keywords(p, "cosine");
    std::size_t next = 2;
    return Arrays{loss(a[0], a[1],
                       optim::CosineSimilarityOptions{.epsilon = keywords.value("epsilon", 0.0),
                                                      .axis = keywords.axis(-1),
                                                      .where = optional_argument(a, next, keywords.flag("where"))})};
  }};
}

// The losses that take ClassAxisOptions (softmax_cross_entropy, the KL divergences).
template <class F>
OracleOp class_axis(const F& loss) {
  return {[loss](const Arrays& a, const json& p) {
    Keywords keywords(p, "class-axis loss");
    std::size_t next = 2;
    return Arrays{loss(a[0], a[1],
                       optim::ClassAxisOptions{.axis = keywords.axis(-1),
                                               .where = optional_argument(a, next, keywords.flag("where"))})};
  }};
}

template <class F>
OracleOp two_arrays(const F& loss) {
  return {[loss](const Arrays& a, const json& p) {
    Keywords keywords(p, "two-argument loss");
    return Arrays{loss(a[0], a[1])};
  }};
}

// Optax's impossible CTC states hold sums of log_epsilon (about -1e5); the oracle's are -inf.
// Reachable states stay above -100 for the oracle's inputs.
Array impossible_as_minus_infinity(const Array& log_alpha) {
  return jnp::where(log_alpha < -1e4, -kInfinity, log_alpha);
}

optim::CtcLossOptions ctc_options(Keywords& keywords) { return {.blank_id = keywords.value("blank_id", 0)}; }

const OracleOps& loss_ops() {
  static const OracleOps ops = {
      {"squared_error", with_optional_targets([](const auto&... a) { return optim::squared_error(a...); })},
      {"l2_loss", with_optional_targets([](const auto&... a) { return optim::l2_loss(a...); })},
      {"log_cosh", with_optional_targets([](const auto&... a) { return optim::log_cosh(a...); })},
      {"huber_loss", huber()},
      {"cosine_similarity", cosine(optim::cosine_similarity)},
      {"cosine_distance", cosine(optim::cosine_distance)},
      {"sigmoid_binary_cross_entropy", two_arrays(optim::sigmoid_binary_cross_entropy)},
      {"sigmoid_focal_loss", {[](const Arrays& a, const json& p) {
         Keywords keywords(p, "sigmoid_focal_loss");
         return Arrays{optim::sigmoid_focal_loss(
             a[0], a[1], {.alpha = keywords.optional_number("alpha"), .gamma = keywords.value("gamma", 2.0)})};
       }}},
      {"softmax_cross_entropy", class_axis(optim::softmax_cross_entropy)},
      {"safe_softmax_cross_entropy", two_arrays(optim::safe_softmax_cross_entropy)},
      {"softmax_cross_entropy_with_integer_labels", {[](const Arrays& a, const json& p) {
         Keywords keywords(p, "softmax_cross_entropy_with_integer_labels");
         std::size_t next = 2;
         return Arrays{optim::softmax_cross_entropy_with_integer_labels(
             a[0], a[1], {.axis = *keywords.axis(-1), .where = optional_argument(a, next, keywords.flag("where"))})};
       }}},
      {"poly_loss_cross_entropy", {[](const Arrays& a, const json& p) {
         Keywords keywords(p, "poly_loss_cross_entropy");
         std::size_t next = 2;
         return Arrays{optim::poly_loss_cross_entropy(a[0], a[1],
                                                      {.epsilon = keywords.value("epsilon", 2.0),
                                                       .axis = keywords.axis(-1),
                                                       .where = optional_argument(a, next, keywords.flag("where"))})};
       }}},
      {"kl_divergence", class_axis(optim::kl_divergence)},
      {"kl_divergence_with_log_targets", class_axis(optim::kl_divergence_with_log_targets)},
      {"generalized_kl_divergence", class_axis(optim::generalized_kl_divergence)},
      {"convex_kl_divergence", class_axis(optim::convex_kl_divergence)},
      {"hinge_loss", two_arrays(optim::hinge_loss)},
      {"perceptron_loss", two_arrays(optim::perceptron_loss)},
      {"multiclass_hinge_loss", two_arrays(optim::multiclass_hinge_loss)},
      {"multiclass_perceptron_loss", two_arrays(optim::multiclass_perceptron_loss)},
      {"sparsemax_loss", two_arrays(optim::sparsemax_loss)},
      {"multiclass_sparsemax_loss", two_arrays(optim::multiclass_sparsemax_loss)},
      {"make_fenchel_young_loss(logsumexp)", {[](const Arrays& a, const json& p) {
         Keywords keywords(p, "make_fenchel_young_loss");
         const optim::FenchelYoungLoss loss =
             optim::make_fenchel_young_loss([](const Array& row) { return jx::nn::logsumexp(row); });
         return Arrays{loss(a[0], a[1])};
       }}},
      {"smooth_labels", {[](const Arrays& a, const json& p) {
         Keywords keywords(p, "smooth_labels");
         std::size_t next = 2;
         return Arrays{optim::smooth_labels(
             a[0], a[1], {.axis = keywords.axis(-1), .where = optional_argument(a, next, keywords.flag("where"))})};
       }}},
      {"ntxent", {[](const Arrays& a, const json& p) {
         Keywords keywords(p, "ntxent");
         return Arrays{a.size() > 2 ? optim::ntxent(a[0], a[1], a[2]) : optim::ntxent(a[0], a[1])};
       }}},
      {"triplet_margin_loss", {[](const Arrays& a, const json& p) {
         Keywords keywords(p, "triplet_margin_loss");
         return Arrays{optim::triplet_margin_loss(a[0], a[1], a[2],
                                                  {.axis = keywords.value("axis", -1),
                                                   .norm_degree = keywords.value("norm_degree", 2.0),
                                                   .margin = keywords.value("margin", 1.0),
                                                   .eps = keywords.value("eps", 1e-6)})};
       }}},
      {"ranking_softmax_loss", {[](const Arrays& a, const json& p) {
         Keywords keywords(p, "ranking_softmax_loss");
         std::size_t next = 2;
         optim::RankingSoftmaxLossOptions options;
         options.where = optional_argument(a, next, keywords.flag("where"));
         options.weights = optional_argument(a, next, keywords.flag("weights"));
         const std::string reduce_fn = keywords.text("reduce_fn", "mean");
         options.reduce_fn = reduce_fn;
         return Arrays{optim::ranking_softmax_loss(a[0], a[1], options)};
       }}},
      {"dice_loss", {[](const Arrays& a, const json& p) {
         Keywords keywords(p, "dice_loss");
         std::size_t next = 2;
         const std::string reduction = keywords.text("reduction", "mean");
         return Arrays{optim::dice_loss(a[0], a[1],
                                        {.class_weights = optional_argument(a, next, keywords.flag("class_weights")),
                                         .smooth = keywords.value("smooth", 1.0),
                                         .alpha = keywords.value("alpha", 0.5),
                                         .beta = keywords.value("beta", 0.5),
                                         .apply_softmax = keywords.value("apply_softmax", true),
                                         .reduction = reduction,
                                         .ignore_background = keywords.value("ignore_background", false),
                                         .axis = keywords.axis(std::nullopt)})};
       }}},
      {"multiclass_generalized_dice_loss", {[](const Arrays& a, const json& p) {
         Keywords keywords(p, "multiclass_generalized_dice_loss");
         return Arrays{optim::multiclass_generalized_dice_loss(
             a[0], a[1],
             {.smooth = keywords.value("smooth", 1.0),
              .apply_softmax = keywords.value("apply_softmax", true),
              .ignore_background = keywords.value("ignore_background", false)})};
       }}},
      {"binary_dice_loss", {[](const Arrays& a, const json& p) {
         Keywords keywords(p, "binary_dice_loss");
         return Arrays{optim::binary_dice_loss(
             a[0], a[1],
             {.smooth = keywords.value("smooth", 1.0), .apply_sigmoid = keywords.value("apply_sigmoid", true)})};
       }}},
      {"ctc_loss", {[](const Arrays& a, const json& p) {
         Keywords keywords(p, "ctc_loss");
         return Arrays{optim::ctc_loss(a[0], a[1], a[2], a[3], ctc_options(keywords))};
       }}},
      {"ctc_loss_with_forward_probs", {[](const Arrays& a, const json& p) {
         Keywords keywords(p, "ctc_loss_with_forward_probs");
         const auto [loss, log_alpha_blank, log_alpha_label] =
             optim::ctc_loss_with_forward_probs(a[0], a[1], a[2], a[3], ctc_options(keywords));
         return Arrays{loss, impossible_as_minus_infinity(log_alpha_blank),
                       impossible_as_minus_infinity(log_alpha_label)};
       }}},
  };
  return ops;
}

// (a) Every oracle case, eagerly, jitted, and vmapped over two stacked copies of its arguments, with
// the tolerance the case states: 64 roundings of float32 (float64 for the x64 case) relative, and as
// much absolute at the magnitude of the terms summed into one result, since jx computes in float32
// what the oracle computes in float64 (tools/optax_losses_oracle.py; NumPy's own float32 replay of
// the same formulas uses at most 1% of it).
TEST(OptimLosses, MatchTheOracle) { jx::testing::replay_family(kOracle, "losses", loss_ops()); }

TEST(OptimLosses, EveryOracleCaseHasAnOp) {
  for (const json& c : jx::testing::oracle_cases(kOracle)) EXPECT_TRUE(loss_ops().contains(c.at("op"))) << c.at("name");
}

// --- (b) Derivatives against finite differences ---------------------------------------------------------
// check_grads runs in float64: central differences with step 1e-4 are then accurate to about 1e-8
// relative for these smooth functions, well inside its default 1e-5 tolerances. Arguments that are
// labels (integers) or that the loss is not differentiable in are closed over. Inputs stay away from
// the kinks of the piecewise losses (hinge, Huber, sparsemax), where one-sided differences disagree.

// A float32 matrix; check_grads widens its arguments to float64 itself.
Array matrix(std::initializer_list<std::initializer_list<double>> rows) { return jnp::array(rows, jx::float32); }

TEST(OptimLossesGradients, Regression) {
  const Array p = matrix({{0.3, -1.7, 2.2}, {0.9, 0.1, -0.4}});
  const Array t = matrix({{-0.2, 0.4, 0.5}, {1.6, -0.3, 0.25}});  // errors 0.5, 2.1, 1.7, 0.7, 0.4, 0.65
  jx::test::check_grads([](const Array& x, const Array& y) { return optim::squared_error(x, y); }, {p, t});
  jx::test::check_grads([](const Array& x, const Array& y) { return optim::l2_loss(x, y); }, {p, t});
  jx::test::check_grads([](const Array& x) { return optim::l2_loss(x); }, {p});
  jx::test::check_grads([](const Array& x, const Array& y) { return optim::log_cosh(x, y); }, {p, t});
  // Huber is C1 with a jump in its second derivative at |e| = delta: first order only.
  jx::test::check_grads([](const Array& x, const Array& y) { return optim::huber_loss(x, y, {.delta = 1.0}); }, {p, t},
                        1);
  jx::test::check_grads([](const Array& x, const Array& y) { return optim::cosine_similarity(x, y); }, {p, t});
  jx::test::check_grads([](const Array& x, const Array& y) { return optim::cosine_distance(x, y, {.axis = 0}); },
                        {p, t});
}

TEST(OptimLossesGradients, SigmoidLosses) {
  const Array logits = matrix({{-3.0, -0.5, 0.2}, {1.4, 4.0, -7.5}});
  const Array soft = matrix({{0.1, 0.8, 0.3}, {0.65, 0.0, 1.0}});  // away from 0.5, where the focal form switches sides
  jx::test::check_grads([](const Array& x, const Array& y) { return optim::sigmoid_binary_cross_entropy(x, y); },
                        {logits, soft});
  jx::test::check_grads([&](const Array& x) { return optim::sigmoid_focal_loss(x, soft); }, {logits});
  jx::test::check_grads(
      [&](const Array& x) { return optim::sigmoid_focal_loss(x, soft, {.alpha = 0.25, .gamma = 0.5}); }, {logits});
}

TEST(OptimLossesGradients, SoftmaxLosses) {
  const Array logits = matrix({{1.2, -0.8, -0.5, 0.3}, {0.9, -1.2, 1.1, 2.0}, {-0.4, 0.6, 0.0, -2.2}});
  const Array soft = matrix({{0.7, 0.1, 0.1, 0.1}, {0.0, 0.25, 0.5, 0.25}, {0.4, 0.3, 0.2, 0.1}});
  const Array labels = jnp::array({0, 2, 3});
  const Array examples = jnp::array({true, false, true});
  jx::test::check_grads([](const Array& x, const Array& y) { return optim::softmax_cross_entropy(x, y); },
                        {logits, soft});
  jx::test::check_grads([&](const Array& x) { return optim::softmax_cross_entropy(x, soft, {.where = examples}); },
                        {logits});
  jx::test::check_grads([](const Array& x, const Array& y) { return optim::safe_softmax_cross_entropy(x, y); },
                        {logits, soft}, 1);
  jx::test::check_grads([&](const Array& x) { return optim::softmax_cross_entropy_with_integer_labels(x, labels); },
                        {logits});
  const Array labels_over_two_axes = jnp::array({5, 0});
  jx::test::check_grads(
      [&](const Array& x) {
        return optim::softmax_cross_entropy_with_integer_labels(jnp::reshape(x, {2, 2, 3}), labels_over_two_axes,
                                                                {.axis = {1, 2}});
      },
      {jnp::reshape(logits, {12})});
  jx::test::check_grads([&](const Array& x) { return optim::poly_loss_cross_entropy(x, soft); }, {logits});
  const optim::FenchelYoungLoss fenchel_young =
      optim::make_fenchel_young_loss([](const Array& row) { return jx::nn::logsumexp(row); });
  jx::test::check_grads([&](const Array& x, const Array& y) { return fenchel_young(x, y); }, {logits, soft});
}

TEST(OptimLossesGradients, SafeSoftmaxCrossEntropyStaysFiniteAtMinusInfinity) {
  // Rows with a logit of -inf and no weight on it: the gradient in the logits is softmax - labels
  // (the labels sum to 1), 0 at the -inf entry, where the plain form's gradient is NaN.
  const Array logits = jnp::array({{-kInfinity, 0.0, 1.0}, {-kInfinity, 2.0, -kInfinity}});
  const Array labels = jnp::array({{0.0, 0.5, 0.5}, {0.0, 1.0, 0.0}});
  const Array gradient =
      jx::grad([&](const Array& x) { return jnp::sum(optim::safe_softmax_cross_entropy(x, labels)); })(logits);
  const double e = std::exp(1.0);
  const std::vector<double> expected = {0, 1 / (1 + e) - 0.5, e / (1 + e) - 0.5, 0, 0, 0};
  const std::vector<double> actual = gradient.to_vector<double>();
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(actual[i], expected[i], 1e-6) << i;
}

TEST(OptimLossesGradients, DivergencesAndMargins) {
  const Array log_predictions = matrix({{-1.2, -0.9, -1.3}, {-0.4, -2.0, -1.5}});
  const Array targets = matrix({{0.2, 0.5, 0.3}, {0.6, 0.1, 0.3}});
  jx::test::check_grads([](const Array& x, const Array& y) { return optim::kl_divergence(x, y); },
                        {log_predictions, targets});
  jx::test::check_grads([](const Array& x, const Array& y) { return optim::kl_divergence_with_log_targets(x, y); },
                        {log_predictions, jnp::log(targets)});
  jx::test::check_grads([](const Array& x, const Array& y) { return optim::generalized_kl_divergence(x, y); },
                        {log_predictions, targets});
  // Margins away from the hinge's kink (1 - y t != 0) and the perceptron's (y t != 0).
  const Array outputs = matrix({{0.3, -1.7, 2.2}, {0.9, 0.1, -0.4}});
  const Array signs = matrix({{1, 1, -1}, {-1, 1, 1}});
  jx::test::check_grads([&](const Array& x) { return optim::hinge_loss(x, signs); }, {outputs}, 1);
  jx::test::check_grads([&](const Array& x) { return optim::perceptron_loss(x, signs); }, {outputs}, 1);
  const Array scores = matrix({{0.3, -1.7, 2.2, 0.5}, {0.9, 0.1, -0.4, 1.3}});
  const Array labels = jnp::array({1, 3});
  jx::test::check_grads([&](const Array& x) { return optim::multiclass_hinge_loss(x, labels); }, {scores}, 1);
  jx::test::check_grads([&](const Array& x) { return optim::multiclass_perceptron_loss(x, labels); }, {scores}, 1);
  const Array binary_labels = jnp::array({{1, 0, 0}, {1, 1, 0}});
  jx::test::check_grads([&](const Array& x) { return optim::sparsemax_loss(x, binary_labels); },
                        {matrix({{0.3, -0.7, 2.2}, {0.9, -1.4, -0.4}})}, 1);
  // Supports of 2 and 3 classes; the gradient is sparsemax(scores) - one_hot(label).
  jx::test::check_grads([&](const Array& x) { return optim::multiclass_sparsemax_loss(x, labels); },
                        {matrix({{0.3, -1.7, 0.6, 0.5}, {0.9, 0.1, -0.4, 0.7}})}, 1);
}

TEST(OptimLossesGradients, CtcLoss) {
  // Two sequences of 5 frames over 4 classes: labels [1, 1] (a repeat) and [2] with its last frame
  // padded. First order, forward and reverse mode, through the scan.
  const Array logits = jnp::reshape(jnp::sin(jnp::arange(40.0f) * 0.7) * 2.0, {2, 5, 4});
  const Array logit_paddings = jnp::array({{0.0f, 0.0f, 0.0f, 0.0f, 0.0f}, {0.0f, 0.0f, 0.0f, 0.0f, 1.0f}});
  const Array labels = jnp::array({{1, 1}, {2, 0}});
  const Array label_paddings = jnp::array({{0.0f, 0.0f}, {0.0f, 1.0f}});
  jx::test::check_grads([&](const Array& x) { return optim::ctc_loss(x, logit_paddings, labels, label_paddings); },
                        {logits}, 1);
  jx::test::check_grads(
      [&](const Array& x) { return optim::ctc_loss(x, logit_paddings, labels, label_paddings, {.blank_id = 3}); },
      {logits}, 1);
}

TEST(OptimLossesGradients, SmoothingSelfSupervisedRankingAndDice) {
  const Array labels = matrix({{1, 0, 0}, {0, 0, 1}});
  jx::test::check_grads([](const Array& y, const Array& alpha) { return optim::smooth_labels(y, alpha); },
                        {labels, jnp::array(0.1f)});
  // A temperature of 0.5 keeps the third derivatives small enough for the difference step.
  const Array embeddings = matrix({{0.3, -1.7, 0.2}, {0.9, 0.1, -0.4}, {-0.5, 0.8, 1.1}, {1.2, 0.4, 0.3}});
  const Array groups = jnp::array({0, 0, 1, 1});
  jx::test::check_grads([&](const Array& e, const Array& temperature) { return optim::ntxent(e, groups, temperature); },
                        {embeddings, jnp::array(0.5f)});
  // A margin of 5 keeps every triplet inside the hinge's linear part.
  jx::test::check_grads(
      [](const Array& a, const Array& p, const Array& n) { return optim::triplet_margin_loss(a, p, n, {.margin = 5}); },
      {embeddings, jnp::flip(embeddings, 0), jnp::roll(embeddings, 1, 0)});
  const Array scores = matrix({{0.3, -1.7, 2.2, 0.5}, {0.9, 0.1, -0.4, 1.3}});
  const Array relevance = matrix({{1, 0, 2, 0}, {0, 0, 1, 1}});
  const Array valid = jnp::array({{true, true, false, true}, {true, true, true, true}});
  jx::test::check_grads([&](const Array& s) { return optim::ranking_softmax_loss(s, relevance, {.where = valid}); },
                        {scores});
  jx::test::check_grads([&](const Array& s, const Array& y) { return optim::ranking_softmax_loss(s, y); },
                        {scores, relevance});
  const Array dice_logits = jnp::reshape(jnp::cos(jnp::arange(24.0f)), {2, 2, 2, 3});
  const Array dice_targets = jx::nn::one_hot(jnp::array({{{0, 1}, {2, 2}}, {{1, 0}, {0, 2}}}), 3);
  jx::test::check_grads([&](const Array& x) { return optim::dice_loss(x, dice_targets); }, {dice_logits});
  jx::test::check_grads([&](const Array& x) { return optim::multiclass_generalized_dice_loss(x, dice_targets); },
                        {dice_logits});
  jx::test::check_grads([&](const Array& x) { return optim::binary_dice_loss(x, dice_targets(jx::ellipsis, 0)); },
                        {dice_logits(jx::ellipsis, 1)});
}

// --- (c) Inside jit and vmap, against the same computation run eagerly -------------------------------
// The same float32 operations run either way, so the results agree to a few roundings (the jitted
// program may fuse and reorder them): 1e-5 relative.

void expect_close(const Array& actual, const Array& expected, const std::string& what) {
  ASSERT_EQ(actual.shape(), expected.shape()) << what;
  const std::vector<double> a = actual.to_vector<double>();
  const std::vector<double> e = expected.to_vector<double>();
  for (std::size_t i = 0; i < a.size(); ++i)
    EXPECT_NEAR(a[i], e[i], 1e-5 * (1 + std::abs(e[i]))) << what << " [" << i << "]";
}

TEST(OptimLossesTransforms, JittedGradientsMatchEager) {
  const Array logits = jnp::reshape(jnp::sin(jnp::arange(60.0f) * 0.37f) * 3.0f, {3, 4, 5});
  const Array logit_paddings =
      jnp::array({{0.0f, 0.0f, 0.0f, 0.0f}, {0.0f, 0.0f, 0.0f, 1.0f}, {0.0f, 0.0f, 1.0f, 1.0f}});
  const Array labels = jnp::array({{1, 2}, {3, 3}, {4, 0}});
  const Array label_paddings = jnp::array({{0.0f, 0.0f}, {0.0f, 0.0f}, {0.0f, 1.0f}});
  auto mean_ctc = [&](const Array& x) { return jnp::mean(optim::ctc_loss(x, logit_paddings, labels, label_paddings)); };
  const auto eager = jx::value_and_grad(mean_ctc)(logits);
  const auto jitted_step = jx::jit(jx::value_and_grad(mean_ctc));
  for (int call = 0; call < 2; ++call) {
    const auto [value, gradient] = jitted_step(logits);
    expect_close(value, eager.first, "ctc value");
    expect_close(gradient, eager.second, "ctc gradient");
  }
  EXPECT_EQ(jitted_step.trace_count(), 1u);

  const Array scores = jnp::reshape(jnp::cos(jnp::arange(20.0f)), {4, 5});
  const Array targets = jx::nn::one_hot(jnp::array({0, 3, 1, 4}), 5);
  auto smoothed = [&](const Array& x, const Array& alpha) {
    return jnp::mean(optim::softmax_cross_entropy(x, optim::smooth_labels(targets, alpha)));
  };
  const Array eager_gradient = jx::grad(smoothed)(scores, jnp::array(0.1f));
  expect_close(jx::jit(jx::grad(smoothed))(scores, jnp::array(0.1f)), eager_gradient, "smoothed cross-entropy");
}

TEST(OptimLossesTransforms, PerExampleGradientsUnderVmap) {
  // vmap(grad) over examples gives each example's gradient, as grad on that example alone does.
  const Array logits = jnp::reshape(jnp::sin(jnp::arange(15.0f)), {3, 5});
  const Array labels = jnp::array({4, 0, 2});
  auto example_loss = [](const Array& x, const Array& label) {
    return optim::softmax_cross_entropy_with_integer_labels(x, label);
  };
  const Array batched = jx::vmap(jx::grad(example_loss))(logits, labels);
  for (std::int64_t i = 0; i < 3; ++i)
    expect_close(batched[i], jx::grad(example_loss)(logits[i], labels[i]), "example " + std::to_string(i));
  // And a loss of a whole batch, vmapped over a leading axis of batches.
  auto focal = [](const Array& x, const Array& y) { return jnp::sum(optim::sigmoid_focal_loss(x, y)); };
  const Array batches = jnp::reshape(jnp::cos(jnp::arange(24.0f)) * 4.0f, {2, 3, 4});
  const Array batch_labels = (jnp::sin(jnp::arange(24.0f)) > 0).astype(jx::float32).reshape({2, 3, 4});
  const Array per_batch = jx::jit(jx::vmap(focal))(batches, batch_labels);
  for (std::int64_t b = 0; b < 2; ++b) expect_close(per_batch[b], focal(batches[b], batch_labels[b]), "batch");
}

TEST(OptimLossesTransforms, LossesPassByName) {
  // d/dx huber(x) with delta 1 is clip(x, -1, 1); d/dx l2_loss(x) = x.
  EXPECT_FLOAT_EQ(jx::grad(optim::huber_loss)(jnp::array(3.0f)).item<float>(), 1.0f);
  EXPECT_FLOAT_EQ(jx::grad(optim::huber_loss)(jnp::array(-0.25f)).item<float>(), -0.25f);
  EXPECT_FLOAT_EQ(jx::grad(optim::l2_loss)(jnp::array(1.5f)).item<float>(), 1.5f);
}

// --- (d) Bad input ------------------------------------------------------------------------------------

TEST(OptimLossesErrors, NameTheLossTheShapesAndTheCaller) {
  const Array logits = jnp::zeros({4, 5});
  const Array labels = jnp::array({0, 1, 2, 3});
  const auto loc = std::source_location::current();
  try {
    optim::softmax_cross_entropy_with_integer_labels(logits, jnp::zeros({4, 5}).astype(jx::int32), {}, loc);
    FAIL() << "expected a ShapeError";
  } catch (const jx::ShapeError& e) {
    EXPECT_EQ(e.op(), "optim::softmax_cross_entropy_with_integer_labels");
    EXPECT_NE(e.detail().find("(4, 5)"), std::string::npos) << e.what();
    EXPECT_EQ(e.where(), jx::format_location(loc));
  }
  expect_error<jx::DTypeError>(
      [&] {
        optim::softmax_cross_entropy(jnp::zeros({4, 5}, jx::int32), logits);
      },
      {"[optim::softmax_cross_entropy]", "logits", "int32"});
  expect_error<jx::DTypeError>(
      [&] { optim::softmax_cross_entropy_with_integer_labels(logits, labels.astype(jx::float32)); },
      {"[optim::softmax_cross_entropy_with_integer_labels]", "labels", "float32"});
  expect_error<jx::ShapeError>([&] { optim::softmax_cross_entropy(logits, logits, {.axis = 2}); },
                               {"[optim::softmax_cross_entropy]", "axis 2"});
  expect_error<jx::ShapeError>(
      [&] {
        optim::squared_error(jnp::zeros({3}), jnp::zeros({3, 1}));
      },
      {"[optim::squared_error]", "(3,)", "(3, 1)"});
  expect_error<jx::ShapeError>([&] { optim::perceptron_loss(jnp::zeros({2}), jnp::zeros({3})); },
                               {"[optim::perceptron_loss]", "(2,)", "(3,)"});
  expect_error<jx::DTypeError>([&] { optim::l2_loss(jnp::array({1, 2})); }, {"[optim::l2_loss]", "int32"});
}

TEST(OptimLossesErrors, MasksAndReductions) {
  const Array logits = jnp::zeros({4, 5});
  expect_error<jx::DTypeError>(
      [&] {
        optim::softmax_cross_entropy(logits, logits, {.where = jnp::ones({4, 5})});
      },
      {"[optim::softmax_cross_entropy]", "where", "float32"});
  expect_error<jx::ShapeError>([&] { optim::kl_divergence(logits, logits, {.where = jnp::ones({3}, jx::bool_)}); },
                               {"[optim::kl_divergence]", "(3,)", "(4, 5)"});
  expect_error<jx::ValueError>([&] { optim::ranking_softmax_loss(logits, logits, {.reduce_fn = "max"}); },
                               {"[optim::ranking_softmax_loss]", "max"});
  expect_error<jx::ValueError>([&] { optim::dice_loss(logits, logits, {.reduction = "median"}); },
                               {"[optim::dice_loss]", "median"});
  // Probabilities that do not sum to 1 over the classes, when the loss is told not to normalize.
  expect_error<jx::ValueError>(
      [&] {
        optim::dice_loss(jnp::full({2, 3, 2}, 0.2f), jnp::ones({2, 3, 2}), {.apply_softmax = false});
      },
      {"[optim::dice_loss]", "sum"});
  expect_error<jx::ShapeError>(
      [&] {
        optim::dice_loss(logits, logits, {.class_weights = jnp::ones({5, 1})});
      },
      {"[optim::dice_loss]", "class_weights"});
}

TEST(OptimLossesErrors, Ctc) {
  const Array logits = jnp::zeros({2, 6, 4});
  const Array logit_paddings = jnp::zeros({2, 6});
  const Array labels = jnp::array({{1, 2}, {3, 0}});
  const Array label_paddings = jnp::array({{0.0f, 0.0f}, {0.0f, 1.0f}});
  expect_error<jx::ShapeError>(
      [&] {
        optim::ctc_loss(jnp::zeros({2, 6}), logit_paddings, labels, label_paddings);
      },
      {"[optim::ctc_loss]", "logits", "(2, 6)"});
  expect_error<jx::DTypeError>(
      [&] { optim::ctc_loss(logits, logit_paddings, labels.astype(jx::float32), label_paddings); },
      {"[optim::ctc_loss]", "labels", "float32"});
  expect_error<jx::ShapeError>(
      [&] {
        optim::ctc_loss(logits, logit_paddings, jnp::array({{1, 2}}), jnp::array({{0.0f, 0.0f}}));
      },
      {"[optim::ctc_loss]", "batch"});
  expect_error<jx::ShapeError>(
      [&] {
        optim::ctc_loss(logits, jnp::zeros({2, 5}), labels, label_paddings);
      },
      {"[optim::ctc_loss]", "logit_paddings", "(2, 5)"});
  expect_error<jx::ShapeError>(
      [&] {
        optim::ctc_loss(logits, logit_paddings, labels, jnp::zeros({2, 3}));
      },
      {"[optim::ctc_loss]", "label_paddings"});
  expect_error<jx::ValueError>(
      [&] { optim::ctc_loss_with_forward_probs(logits, logit_paddings, labels, label_paddings, {.blank_id = 4}); },
      {"[optim::ctc_loss_with_forward_probs]", "blank_id 4"});
}

TEST(OptimLossesErrors, LabelsAndEmbeddings) {
  expect_error<jx::ShapeError>(
      [&] {
        optim::ntxent(jnp::zeros({4, 3}), jnp::array({0, 0, 1}));
      },
      {"[optim::ntxent]", "(3,)", "(4, 3)"});
  expect_error<jx::DTypeError>(
      [&] {
        optim::multiclass_sparsemax_loss(jnp::zeros({2, 3}), jnp::array({0.0f, 1.0f}));
      },
      {"[optim::multiclass_sparsemax_loss]", "labels"});
  expect_error<jx::ShapeError>(
      [&] {
        optim::multiclass_hinge_loss(jnp::zeros({2, 3}), jnp::array({0, 1, 2}));
      },
      {"[optim::multiclass_hinge_loss]", "(2, 3)", "(3,)"});
  expect_error<jx::ShapeError>(
      [&] {
        optim::triplet_margin_loss(jnp::zeros({2, 3}), jnp::zeros({2, 3}), jnp::zeros({2, 3}), {.axis = 3});
      },
      {"[optim::triplet_margin_loss]", "axis 3"});
}

}  // namespace
