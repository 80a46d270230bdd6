// Optax's utilities: tree norms and moments, safe norms and counters,
// averaging, transformations made from functions, tree_map_params and
// multi_normal, against closed forms computed here in double precision;
// gradients of the safe functions at zero; jit agreement where values are
// traced.
#include "jx/optim/utilities.h"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstdint>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

#include "array_close.h"
#include "jx/core/error.h"
#include "jx/jx.h"
#include "jx/optim/clipping.h"

namespace {

namespace jnp = jx::numpy;
namespace optim = jx::optim;
using jx::Array;
using jx::tree::Tree;

struct Params {
  Array w, b;
};
JX_PYTREE(Params, w, b);

using jx::testing::values;

void expect_near(const Array& actual, const std::vector<double>& expected, double tolerance, const std::string& what) {
  const std::vector<double> got = values(actual);
  ASSERT_EQ(got.size(), expected.size()) << what;
  for (std::size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], expected[i], tolerance * std::max(1.0, std::abs(expected[i]))) << what << "[" << i << "]";
}

Params grads() { return {jnp::array({{1.0f, -2.0f, 0.5f}, {0.0f, 3.0f, -1.5f}}), jnp::array({2.0f, -0.25f, 1.0f})}; }
Params moments() { return {jnp::array({{0.5f, 0.5f, 0.1f}, {1.0f, -1.0f, 2.0f}}), jnp::array({0.0f, 1.0f, -3.0f})}; }

// Applies a rule to the leaves of grads() and moments() element by element, in
// double.
std::vector<std::vector<double>> elementwise(double (*rule)(double, double)) {
  std::vector<std::vector<double>> result;
  const Params g = grads(), m = moments();
  for (const auto& [gl, ml] : {std::pair{g.w, m.w}, std::pair{g.b, m.b}}) {
    const std::vector<double> a = values(gl), b = values(ml);
    std::vector<double> out;
    for (std::size_t i = 0; i < a.size(); ++i) out.push_back(rule(a[i], b[i]));
    result.push_back(out);
  }
  return result;
}

TEST(OptimUtilities, GlobalNorm) {
  double sum = 0;
  for (const Array& leaf : {grads().w, grads().b})
    for (double v : values(leaf)) sum += v * v;
  EXPECT_NEAR(optim::global_norm(grads()).item<double>(), std::sqrt(sum), 1e-6);
  EXPECT_NEAR(jx::jit([](const Params& p) { return optim::global_norm(p); })(grads()).item<double>(), std::sqrt(sum),
              1e-6);
  EXPECT_EQ(optim::global_norm(std::vector<Array>{}).item<float>(), 0.0f);
}

TEST(OptimUtilities, Moments) {
  const double decay = 0.9;
  auto check = [](const Params& actual, const std::vector<std::vector<double>>& expected, const std::string& what) {
    expect_near(actual.w, expected[0], 1e-6, what + ".w");
    expect_near(actual.b, expected[1], 1e-6, what + ".b");
  };
  check(optim::update_moment(grads(), moments(), decay, 2),
        elementwise([](double g, double t) { return 0.1 * g * g + 0.9 * t; }), "update_moment");
  check(optim::update_moment(grads(), moments(), decay, 1),
        elementwise([](double g, double t) { return 0.1 * g + 0.9 * t; }), "order 1");
  check(optim::update_infinity_moment(grads(), moments(), decay, 0.01),
        elementwise([](double g, double t) { return std::max(std::abs(g) + 0.01, 0.9 * t); }), "infinity");
  check(optim::update_moment_per_elem_norm(grads(), moments(), decay, 2),
        elementwise([](double g, double t) { return 0.1 * g * g + 0.9 * t; }), "per_elem_norm");
  // Moments as an optimizer state holds them (a dict of the fields), read in
  // the updates' order.
  const Tree state_form = jx::tree::to_dynamic(moments());
  check(optim::update_moment(grads(), state_form, decay, 2),
        elementwise([](double g, double t) { return 0.1 * g * g + 0.9 * t; }), "from a state");
  EXPECT_THROW(optim::update_moment(grads(), Tree::dict({{"w", moments().w}}), decay, 2), jx::TreeError);
  // Complex updates: the modulus' power.
  const Array z = jnp::array(std::vector<std::complex<float>>{{3.0f, 4.0f}, {0.0f, 1.0f}});
  expect_near(optim::update_moment_per_elem_norm(z, jnp::ones({2}), 0.5, 2), {0.5 * 25 + 0.5, 0.5 * 1 + 0.5}, 1e-6,
              "complex");
  expect_near(optim::update_moment_per_elem_norm(z, jnp::ones({2}), 0.5, 3), {0.5 * 125 + 0.5, 0.5 * 1 + 0.5}, 1e-6,
              "complex order 3");
}

TEST(OptimUtilities, BiasCorrection) {
  for (const int count : {1, 3, 50}) {
    const Params corrected = optim::bias_correction(moments(), 0.999, jnp::array(count, jx::int32));
    const double factor = 1 - std::pow(0.999, count);
    std::vector<double> expected;
    for (double v : values(moments().w)) expected.push_back(v / factor);
    expect_near(corrected.w, expected, 2e-6, "count " + std::to_string(count));
  }
  // Traced count.
  auto jitted = jx::jit([](const Params& m, const Array& c) { return optim::bias_correction(m, 0.9, c); });
  expect_near(jitted(moments(), jnp::array(2, jx::int32)).b, {0.0, 1.0 / 0.19, -3.0 / 0.19}, 1e-6, "jit");
}

TEST(OptimUtilities, IncrementalAndPeriodicUpdates) {
  const Params current = grads(), average = moments();
  std::vector<double> expected;
  const std::vector<double> a = values(current.w), b = values(average.w);
  for (std::size_t i = 0; i < a.size(); ++i) expected.push_back(0.1 * a[i] + 0.9 * b[i]);
  expect_near(optim::incremental_update(current, average, 0.1).w, expected, 1e-6, "polyak");
  auto traced =
      jx::jit([](const Params& n, const Params& o, const Array& s) { return optim::incremental_update(n, o, s); });
  expect_near(traced(current, average, jnp::array(0.1f)).w, expected, 1e-6, "polyak under jit");
  // The target network takes the online one every 5 steps; the step may be
  // traced.
  auto periodic = jx::jit(
      [](const Params& n, const Params& o, const Array& step) { return optim::periodic_update(n, o, step, 5); });
  for (const int step : {0, 3, 5, 7, 10}) {
    const bool take = step % 5 == 0;
    const Params eager = optim::periodic_update(current, average, jnp::array(step), 5);
    const Params jitted = periodic(current, average, jnp::array(step, jx::int32));
    for (const Params* p : {&eager, &jitted}) EXPECT_EQ(values(p->b), values(take ? current.b : average.b)) << step;
  }
  EXPECT_EQ(periodic.trace_count(), 1u);
}

TEST(OptimUtilities, SafeNormValuesAndZeroGradients) {
  EXPECT_FLOAT_EQ(optim::safe_norm(jnp::array({3.0f, 4.0f}), 1.0).item<float>(), 5.0f);
  EXPECT_FLOAT_EQ(optim::safe_norm(jnp::zeros({2}), 0.5).item<float>(), 0.5f);
  // d/dx max(|x|, m): x / |x| above the floor, 0 (not NaN) at and below it.
  auto norm = [](const Array& x) { return optim::safe_norm(x, 0.5); };
  expect_near(jx::grad(norm)(jnp::array({3.0f, 4.0f})), {0.6, 0.8}, 1e-6, "grad");
  expect_near(jx::grad(norm)(jnp::zeros({2})), {0.0, 0.0}, 0, "grad at 0");
  expect_near(jx::jit(jx::grad(norm))(jnp::zeros({2})), {0.0, 0.0}, 0, "jit grad at 0");
  // Per row (axis 1), keepdims, and ord 1.
  const Array x = jnp::array({{3.0f, 4.0f, 0.0f}, {0.0f, 0.0f, 0.1f}});
  const Array rows = optim::safe_norm(x, 1.0, {.axis = 1});
  EXPECT_EQ(rows.shape(), jx::Shape({2}));
  expect_near(rows, {5.0, 1.0}, 1e-6, "rows");
  EXPECT_EQ(optim::safe_norm(x, 1.0, {.axis = 1, .keepdims = true}).shape(), jx::Shape({2, 1}));
  expect_near(optim::safe_norm(x, 0.05, {.ord = 1, .axis = 1}), {7.0, 0.1}, 1e-6, "ord 1");
  const Array row_grads = jx::grad([](const Array& m) { return jnp::sum(optim::safe_norm(m, 1.0, {.axis = 1})); })(x);
  expect_near(row_grads, {0.6, 0.8, 0.0, 0.0, 0.0, 0.0}, 1e-6, "row grads");
}

TEST(OptimUtilities, SafeRootMeanSquares) {
  const Array x = jnp::array({1.0f, -2.0f, 3.0f, 4.0f});
  EXPECT_NEAR(optim::safe_root_mean_squares(x, 0.1).item<double>(), std::sqrt(30.0 / 4), 1e-6);
  EXPECT_FLOAT_EQ(optim::safe_root_mean_squares(jnp::zeros({3}), 0.1).item<float>(), 0.1f);
  const Array g = jx::grad([](const Array& v) { return optim::safe_root_mean_squares(v, 0.1); })(jnp::zeros({3}));
  expect_near(g, {0, 0, 0}, 0, "grad at 0");
  // Above the floor: x / (n rms).
  const double rms = std::sqrt(30.0 / 4);
  expect_near(jx::grad([](const Array& v) { return optim::safe_root_mean_squares(v, 0.1); })(x),
              {1 / (4 * rms), -2 / (4 * rms), 3 / (4 * rms), 4 / (4 * rms)}, 1e-6, "grad");
}

TEST(OptimUtilities, SafeIncrementStopsAtTheLargestValue) {
  const Array largest = jnp::array(std::numeric_limits<std::int32_t>::max(), jx::int32);
  EXPECT_EQ(optim::safe_increment(largest).item<std::int32_t>(), std::numeric_limits<std::int32_t>::max());
  EXPECT_EQ(optim::safe_int32_increment(jnp::array(1, jx::int32)).item<int>(), 2);
  const Array five = optim::safe_increment(jnp::array(5, jx::int32));
  EXPECT_EQ(five.dtype(), jx::int32);
  EXPECT_EQ(five.item<int>(), 6);
  EXPECT_EQ(optim::safe_increment(jnp::array(255, jx::uint8)).item<int>(), 255);
  EXPECT_EQ(optim::safe_increment(jnp::array(127, jx::int8)).item<int>(), 127);
  EXPECT_EQ(optim::safe_increment(jnp::array(126, jx::int8)).item<int>(), 127);
  EXPECT_EQ(optim::safe_increment(jnp::array(1.5f)).item<float>(), 2.5f);
  const float max_float = std::numeric_limits<float>::max();
  EXPECT_EQ(optim::safe_increment(jnp::array(max_float)).item<float>(), max_float);
  EXPECT_EQ(jx::jit([](const Array& c) { return optim::safe_increment(c); })(largest).item<std::int32_t>(),
            std::numeric_limits<std::int32_t>::max());
  try {
    optim::safe_increment(jnp::array(true));
    FAIL();
  } catch (const jx::ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("bool"), std::string::npos) << e.what();
  }
}

TEST(OptimUtilities, TransformationsFromFunctions) {
  const Params g = grads(), p = moments();
  const auto zero = optim::set_to_zero();
  const auto [zeros, zero_state] = zero.update(g, zero.init(p));
  EXPECT_TRUE(zero_state.is_none());
  EXPECT_EQ(values(zeros.w), std::vector<double>(6, 0.0));
  // stateless: f on dynamic trees (structs as dicts); params None when not
  // given.
  const auto add_params = optim::stateless([](const Tree& updates, const Tree& params) {
    if (params.is_none()) return updates;
    return jx::tree::map([](const Array& u, const Array& q) { return u + 2.0f * q; }, updates, params);
  });
  EXPECT_TRUE(add_params.init(p).is_none());
  const Params added = add_params.update(g, {}, p).first;
  std::vector<double> expected;
  for (std::size_t i = 0; i < 3; ++i) expected.push_back(values(g.b)[i] + 2 * values(p.b)[i]);
  expect_near(added.b, expected, 1e-6, "stateless");
  EXPECT_EQ(values(add_params.update(g, {}).first.w), values(g.w));
  const auto wrong = optim::stateless([](const Tree&, const Tree&) { return Tree::dict({{"w", jnp::ones({2})}}); });
  EXPECT_THROW(wrong.update(g, {}), jx::TreeError);
  // stateless_with_tree_map: leaf by leaf, an empty param without parameters.
  const auto scaled =
      optim::stateless_with_tree_map([](const Array& u, const Array& q) { return q.valid() ? u * q : -u; });
  expected.clear();
  for (std::size_t i = 0; i < 3; ++i) expected.push_back(values(g.b)[i] * values(p.b)[i]);
  expect_near(scaled.update(g, {}, p).first.b, expected, 1e-6, "with params");
  expect_near(scaled.update(g, {}).first.b, {-2.0, 0.25, -1.0}, 0, "without");
  auto jitted = jx::jit([scaled](const Params& u, const Params& q) { return scaled.update(u, {}, q).first; });
  expect_near(jitted(g, p).b, expected, 1e-6, "jit");
  // init_empty_state as an init function and on a tree.
  EXPECT_TRUE(optim::init_empty_state(p).is_none());
  const optim::GradientTransformation custom(
      "custom", optim::init_empty_state,
      [](const jx::tree::TreeDef&, std::vector<Array>& u, const optim::OptState& s, std::span<const Array>) {
        for (Array& leaf : u) leaf = leaf * 3.0f;
        return s;
      });
  EXPECT_TRUE(custom.init(p).is_none());
  expect_near(custom.update(g, {}).first.b, {6.0, -0.75, 3.0}, 0, "custom");
}

TEST(OptimUtilities, TreeMapParamsFindsTheParameterShapedParts) {
  const Params p = moments();
  // adam: [scale_by_adam {count, mu, nu}, scale_by_learning_rate None].
  const auto opt = optim::adam(0.1);
  const optim::OptState state = opt.init(p);
  const optim::OptState sevens =
      optim::tree_map_params(opt, [](const Tree& leaf) { return Tree(jnp::full_like(leaf.array(), 7.0f)); }, state,
                             {.transform_non_params = [](const Tree&) { return Tree::none(); }});
  EXPECT_TRUE(sevens[0]["count"].is_none());
  EXPECT_EQ(values(sevens[0]["mu"]["w"].array()), std::vector<double>(6, 7.0));
  EXPECT_EQ(values(sevens[0]["nu"]["b"].array()), std::vector<double>(3, 7.0));
  EXPECT_TRUE(sevens[1].is_none());
  // With a tree of the parameters' structure: its leaves take the place of the
  // state's.
  const std::vector<Tree> specs = {jx::tree::to_dynamic(Params{jnp::array(1), jnp::array(2)})};
  const optim::OptState mapped = optim::tree_map_params(
      opt, [](const Tree&, std::span<const Tree> rest) { return rest[0]; }, state, specs);
  EXPECT_EQ(mapped[0]["mu"]["b"].array().item<int>(), 2);
  EXPECT_EQ(mapped[0]["nu"]["w"].array().item<int>(), 1);
  EXPECT_EQ(mapped[0]["count"].array().item<int>(),
            0);  // kept without transform_non_params
  // Per-parameter scalars are found too (zero_nans' found_nan), as Optax's
  // placeholder finds them.
  const auto nan_filter = optim::zero_nans();
  const optim::OptState flags = optim::tree_map_params(
      nan_filter, [](const Tree& leaf) { return Tree(leaf.array().astype(jx::int32) + 5); }, nan_filter.init(p));
  EXPECT_EQ(flags["found_nan"]["w"].array().item<int>(), 5);
  // A state of other parameters does not match.
  EXPECT_THROW(optim::tree_map_params(
                   opt, [](const Tree&, std::span<const Tree> rest) { return rest[0]; }, state,
                   std::vector<Tree>{Tree::dict({{"w", jnp::array(1)}})}),
               jx::TreeError);
}

TEST(OptimUtilities, MultiNormal) {
  // Mean (3,) and log scale (2, 1): parameters of shape (2, 3).
  const Array mean = jnp::array({0.5f, -1.0f, 2.0f});
  const Array log_scale = jnp::array({{0.0f}, {std::log(0.5f)}});
  const auto dist = optim::multi_normal(mean, log_scale);
  EXPECT_EQ(dist.params().size(), 2u);
  EXPECT_EQ(values(dist.log_scale()), values(log_scale));
  // log_prob: the sum over (2, 3) of -((x - m) / s)^2 / 2 - log s - log(2 pi)
  // / 2.
  const Array x = jnp::array({{1.0f, 0.0f, 2.0f}, {0.0f, -1.5f, 3.0f}});
  const std::vector<double> xs = values(x), ms = {0.5, -1.0, 2.0}, ss = {1.0, 0.5};
  double expected = 0;
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 3; ++j)
      expected +=
          -0.5 * std::pow((xs[i * 3 + j] - ms[j]) / ss[i], 2) - std::log(ss[i]) - 0.5 * std::log(2 * std::numbers::pi);
  EXPECT_NEAR(dist.log_prob(x).item<double>(), expected, 1e-5);
  // A batch of points: one log probability each.
  EXPECT_EQ(dist.log_prob(jnp::stack({x, x, x})).shape(), jx::Shape({3}));
  // Samples: shape + parameter shape, with the distribution's mean and scale.
  const Array samples = dist.sample({20000}, jx::random::PRNGKey(3));
  EXPECT_EQ(samples.shape(), jx::Shape({20000, 2, 3}));
  expect_near(jnp::mean(samples, 0), {0.5, -1.0, 2.0, 0.5, -1.0, 2.0}, 0.03, "sample mean");
  expect_near(jnp::std(samples, 0), {1.0, 1.0, 1.0, 0.5, 0.5, 0.5}, 0.03, "sample scale");
  EXPECT_THROW(optim::multi_normal(jnp::ones({3}), jnp::ones({2})), jx::Error);
}

}  // namespace
