// microbatch (jx/optim/wrappers.h) against the function on the whole batch computed directly (sums,
// means, the batch's rows in order), and Optax's order of the microbatches (microbatch i holds rows
// i, i + n, ...) through early stopping; gradients of a loss, other axes, per-result accumulators,
// jit, and the errors.
#include <gtest/gtest.h>

#include <cmath>
#include <utility>
#include <vector>

#include "jx/core/error.h"
#include "jx/jx.h"
#include "jx/optim/wrappers.h"

namespace {

namespace jnp = jx::numpy;
namespace optim = jx::optim;
using jx::Array;

struct Params {
  Array w, b;
};
JX_PYTREE(Params, w, b);

// A batch of 6 rows of 2: row r is (r, r^2 / 10).
Array batch() {
  std::vector<float> v;
  for (int r = 0; r < 6; ++r) v.insert(v.end(), {static_cast<float>(r), r * r / 10.0f});
  return jnp::array(v, {6, 2});
}

Array sum_of_squares(const Array& x) { return jnp::sum(jnp::square(x)); }

TEST(OptimMicrobatch, SumMeanAndConcatEqualTheWholeBatch) {
  const Array x = batch();
  double total = 0;
  for (float v : x.ravel().to_vector<float>()) total += v * v;
  EXPECT_NEAR(optim::microbatch(sum_of_squares, {0}, 2)(x).item<float>(), total, 1e-4);
  // The mean of the microbatches' means is the batch's mean (equal sizes).
  const auto mean_of = [](const Array& rows) { return jnp::mean(rows, 0); };
  const Array mean = optim::microbatch(mean_of, {0}, 3, {.accumulator = {optim::AccumulationType::mean}})(x);
  EXPECT_TRUE(jnp::allclose(mean, jnp::mean(x, 0), {.rtol = 1e-6}).item<bool>());
  const Array running = optim::microbatch(mean_of, {0}, 2, {.accumulator = {optim::AccumulationType::running_mean}})(x);
  EXPECT_TRUE(jnp::allclose(running, jnp::mean(x, 0), {.rtol = 1e-6}).item<bool>());
  // Row-wise results concatenated come back in the batch's order.
  const auto doubled = [](const Array& rows) { return rows * 2.0f + 1.0f; };
  const Array concat = optim::microbatch(doubled, {0}, 2, {.accumulator = {optim::AccumulationType::concat}})(x);
  EXPECT_TRUE(jnp::array_equal(concat, x * 2.0f + 1.0f).item<bool>());
  // Without a microbatch size: the function itself.
  EXPECT_NEAR(optim::microbatch(sum_of_squares, {0}, std::nullopt)(x).item<float>(), total, 1e-4);
}

TEST(OptimMicrobatch, MicrobatchesAreStridedAsOptaxCutsThem) {
  // 3 microbatches of 2 rows: microbatch i holds rows i and i + 3. Stopping after 2 of them sums rows
  // 0, 3, 1 and 4.
  const Array x = batch();
  const auto first_column = [](const Array& rows) { return jnp::sum(rows(jx::Slice{}, 0)); };
  const Array partial = optim::microbatch(first_column, {0}, 2, {.num_real_microbatches = jnp::array(2)})(x);
  EXPECT_NEAR(partial.item<float>(), 0 + 3 + 1 + 4, 1e-6);
  // concat puts each microbatch's rows back where they were in the batch.
  const auto rows_seen = [](const Array& rows) { return rows(jx::Slice{}, 0); };
  const Array seen = optim::microbatch(rows_seen, {0}, 2, {.accumulator = {optim::AccumulationType::concat}})(x);
  EXPECT_EQ(seen.to_vector<float>(), (std::vector<float>{0, 1, 2, 3, 4, 5}));
}

Array loss(const Params& p, const Array& xs, const Array& ys) {
  return jnp::sum(jnp::square(jnp::matmul(xs, p.w) + p.b - ys));
}

TEST(OptimMicrobatch, GradientsOfASumLossAddUp) {
  const Params params{jnp::array({{0.5f}, {-1.0f}}), jnp::array({0.25f})};
  const Array xs = batch();
  const Array ys = jnp::arange(6.0f).reshape({6, 1}) * 0.3f;
  const auto gradient = [](const Params& p, const Array& x, const Array& y) { return jx::grad(loss)(p, x, y); };
  const Params whole = gradient(params, xs, ys);
  const Params micro = optim::microbatch(gradient, {1, 2}, 2)(params, xs, ys);
  EXPECT_TRUE(jnp::allclose(micro.w, whole.w, {.rtol = 1e-5}).item<bool>());
  EXPECT_TRUE(jnp::allclose(micro.b, whole.b, {.rtol = 1e-5}).item<bool>());
  // Under jit as well.
  auto jitted = jx::jit([gradient](const Params& p, const Array& x, const Array& y) {
    return optim::microbatch(gradient, {1, 2}, 3)(p, x, y);
  });
  EXPECT_TRUE(jnp::allclose(jitted(params, xs, ys).w, whole.w, {.rtol = 1e-5}).item<bool>());
}

TEST(OptimMicrobatch, OtherAxesAndOneAccumulatorPerResult) {
  const Array x = jnp::transpose(batch());  // (2, 6): the batch on axis 1
  const auto stats = [](const Array& columns) { return std::pair{jnp::sum(columns), columns * 1.0f}; };
  const auto [total, rows] = optim::microbatch(
      stats, {0}, 3,
      {.accumulator = {optim::AccumulationType::sum, optim::AccumulationType::concat}, .in_axes = {1}})(x);
  EXPECT_NEAR(total.item<float>(), jnp::sum(x).item<float>(), 1e-5);
  // concat works on axis 0 whatever in_axes is, as Optax's: the two (2, 3) results interleave into (4, 3).
  EXPECT_EQ(rows.shape(), jx::Shape({4, 3}));
}

TEST(OptimMicrobatch, Errors) {
  const Array x = batch();
  EXPECT_THROW(optim::microbatch(sum_of_squares, {0}, 4)(x), jx::ValueError);  // 6 rows
  const auto two = [](const Array& a, const Array& b) { return jnp::sum(a) + jnp::sum(b); };
  EXPECT_THROW(optim::microbatch(two, {0, 1}, 2)(x, jnp::ones({4})), jx::ValueError);  // 6 and 4 rows
  EXPECT_THROW(optim::microbatch(sum_of_squares, {1}, 2)(x), jx::ValueError);          // no argument 1
  const auto count = [](const Array& rows) { return jnp::sum(rows > 1.0f).astype(jx::int32); };
  EXPECT_THROW(optim::microbatch(count, {0}, 2, {.accumulator = {optim::AccumulationType::mean}})(x), jx::ValueError);
}

}  // namespace
