// jx::lax::associative_scan and cumlogsumexp (jx/lax/scans.h), against sequential loops, closed forms
// and finite differences, and jit/vmap against eager results.
#include <gtest/gtest.h>

#include <cmath>
#include <utility>
#include <vector>

#include "error_expectations.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/lax/scans.h"
#include "jx/numpy.h"
#include "jx/test_util.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/jit.h"
#include "jx/transforms/vmap.h"

namespace {

namespace jnp = jx::numpy;
namespace lax = jx::lax;
using jx::Array;
using jx_test::expect_error;

TEST(LaxScans, AssociativeScanMatchesASequentialLoop) {
  const std::vector<float> values = {3, -1, 4, 1, -5, 9, 2};
  // Every length from 0 to 7 exercises the odd and even cases of the recursion.
  for (std::size_t n = 0; n <= values.size(); ++n) {
    const std::vector<float> prefix(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(n));
    std::vector<float> sums, maxima, reversed(n);
    float total = 0, best = -INFINITY;
    for (float v : prefix) {
      sums.push_back(total += v);
      maxima.push_back(best = std::max(best, v));
    }
    float tail = 0;
    for (std::size_t i = n; i-- > 0;) reversed[i] = tail += prefix[i];
    const Array x = jnp::array(prefix);
    EXPECT_EQ(lax::associative_scan(lax::add, x).to_vector<float>(), sums) << n;
    EXPECT_EQ(lax::associative_scan(lax::max, x).to_vector<float>(), maxima) << n;
    EXPECT_EQ(lax::associative_scan(lax::add, x, true).to_vector<float>(), reversed) << n;
  }
  // A non-commutative operator: 2x2 matrix products in order, on axis 1 of (2, 3, 2, 2) stacks.
  const Array mats = jnp::reshape(jnp::arange(24.0f), {2, 3, 2, 2}) * 0.1f;
  const Array chained =
      lax::associative_scan([](const Array& a, const Array& b) { return jnp::matmul(a, b); }, mats, false, 1);
  Array expected = jnp::matmul(jnp::matmul(mats(0, 0), mats(0, 1)), mats(0, 2));
  EXPECT_TRUE(jnp::allclose(chained(0, 2), expected).item<bool>());
}

TEST(LaxScans, AssociativeScanOverAPairSolvesALinearRecurrence) {
  // h[t] = a[t] h[t - 1] + b[t], h[-1] = 0, as pairs (a, b) composed as affine maps.
  using Pair = std::pair<Array, Array>;
  const std::vector<float> a = {0.5f, 2.0f, -1.0f, 0.25f, 3.0f}, b = {1.0f, -1.0f, 2.0f, 4.0f, 0.5f};
  const auto [a_total, h] = lax::associative_scan(
      [](const Pair& l, const Pair& r) {
        return Pair{l.first * r.first, r.first * l.second + r.second};
      },
      Pair{jnp::array(a), jnp::array(b)});
  std::vector<float> want;
  float state = 0;
  for (std::size_t t = 0; t < a.size(); ++t) want.push_back(state = a[t] * state + b[t]);
  EXPECT_EQ(h.to_vector<float>(), want);
  // jit and vmap (over a leading batch, scanning axis 1 of the batch) agree with eager.
  auto scan_sum = [](const Array& v) { return lax::associative_scan(lax::add, v, false, 0); };
  const Array batch = jnp::reshape(jnp::arange(12.0f), {3, 4});
  EXPECT_EQ(jx::jit(scan_sum)(batch).to_vector<float>(), jnp::cumsum(batch, 0).to_vector<float>());
  EXPECT_EQ(jx::vmap(scan_sum)(batch).to_vector<float>(), jnp::cumsum(batch, 1).to_vector<float>());
  jx::test::check_grads([](const Array& v) { return lax::associative_scan(lax::mul, v); },
                        {jnp::array({0.5, 1.5, -2.0, 0.75, 1.25})}, 2);
  expect_error<jx::ShapeError>(
      [] {
        lax::associative_scan([](const Pair& l, const Pair&) { return l; }, Pair{jnp::ones({3}), jnp::ones({4})});
      },
      {"associative_scan"});
}

TEST(LaxScans, CumlogsumexpIsLogOfCumsumOfExpWithoutOverflow) {
  const Array x = jnp::array({0.0f, 1.0f, -2.0f, 3.0f});
  // numpy: np.logaddexp.accumulate([0, 1, -2, 3])
  const std::vector<double> want = {0.0, 1.3132616875182228, 1.3490122167681864, 3.1755153626167147};
  const auto got = lax::cumlogsumexp(x).to_vector<double>();
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-6);
  const auto large = lax::cumlogsumexp(jnp::array({1000.0f, 1000.0f})).to_vector<float>();
  EXPECT_NEAR(large[1], 1000.0f + std::log(2.0f), 1e-3);
  const auto from_end = lax::cumlogsumexp(x, 0, true).to_vector<double>();
  EXPECT_NEAR(from_end[0], want[3], 1e-6);  // the whole sum
  EXPECT_EQ(lax::cumlogsumexp(jnp::array({-INFINITY, -INFINITY, 0.0f})).to_vector<float>(),
            (std::vector<float>{-INFINITY, -INFINITY, 0.0f}));
  // The derivative of the last entry is softmax(x).
  jx::test::check_grads([](const Array& v) { return lax::cumlogsumexp(v, 1); },
                        {jnp::array({{0.5, -1.0, 2.0}, {1.0, 1.3, 0.7}})}, 2);
  expect_error<jx::DTypeError>([] { lax::cumlogsumexp(jnp::array({1, 2})); }, {"cumlogsumexp"});
}

}  // namespace
