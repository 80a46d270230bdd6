// power_iteration, matrix_inverse_pth_root and nnls against NumPy/SciPy, closed
// forms and Optax's docstring, eagerly and under jit, and the shapes they
// refuse.
//
// The expected values were printed by this script (python3-numpy 1.24,
// python3-scipy 1.10):
//   import numpy as np, scipy.optimize as so
//   rng = np.random.default_rng(7)
//   B = rng.standard_normal((4, 4)); S = (B @ B.T + 0.5 * np.eye(4)).round(3)
//   w, V = np.linalg.eigh(S)                      # eigenvalues, and V[:, -1]
//   with V[0, -1] > 0 for p in (2, 4):                               # S^(-1/p)
//   with Optax's ridge of 1e-6 * max eigenvalue
//     R = V @ np.diag((w + 1e-6 * w[-1]) ** (-1.0 / p)) @ V.T
//   A = rng.standard_normal((6, 4)).round(3); b = rng.standard_normal((6,
//   2)).round(3) so.nnls(A, b[:, k])[0] for k in (0, 1)
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "array_close.h"
#include "jx/core/error.h"
#include "jx/jx.h"
#include "jx/optim/utilities.h"

namespace {

namespace jnp = jx::numpy;
namespace optim = jx::optim;
using jx::Array;

using jx::testing::values;

void expect_near(const Array& actual, const std::vector<double>& expected, double tolerance, const std::string& what) {
  const std::vector<double> got = values(actual);
  ASSERT_EQ(got.size(), expected.size()) << what;
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], tolerance) << what << "[" << i << "]";
}

Array spd_matrix() {
  return jnp::array({{1.458f, -1.507f, -0.638f, -0.889f},
                     {-1.507f, 3.49f, 1.347f, 1.805f},
                     {-0.638f, 1.347f, 1.495f, 0.759f},
                     {-0.889f, 1.805f, 0.759f, 1.861f}});
}
constexpr double kTopEigenvalue = 6.040056886428881;
const std::vector<double> kTopEigenvector = {0.3762620538790363, -0.7282412178932406, -0.34499904892536926,
                                             -0.457238724970545};

// An eigenvector is known up to its sign: compare with the first component made
// positive.
std::vector<double> signed_first_positive(const Array& v) {
  std::vector<double> x = values(v);
  if (x[0] < 0)
    for (double& e : x) e = -e;
  return x;
}

TEST(OptimLinearAlgebra, PowerIterationFindsTheDominantEigenpair) {
  const Array S = spd_matrix();
  auto check = [](const std::pair<Array, Array>& result, const std::string& what) {
    EXPECT_NEAR(result.first.item<double>(), kTopEigenvalue, 1e-4) << what;
    const std::vector<double> v = signed_first_positive(result.second);
    for (std::size_t i = 0; i < 4; ++i) EXPECT_NEAR(v[i], kTopEigenvector[i], 1e-3) << what << i;
  };
  check(optim::power_iteration(S), "default v0");
  check(optim::power_iteration(S, {.key = jx::random::PRNGKey(5)}), "key");
  check(optim::power_iteration(S, {.v0 = jnp::ones({4})}), "v0");
  check(jx::jit([](const Array& m) { return optim::power_iteration(m); })(S), "jit");
  // A diagonal matrix: the largest entry, along its axis.
  const auto [value, vector] = optim::power_iteration(jnp::diag(jnp::array({1.0f, 5.0f, 2.0f})));
  EXPECT_NEAR(value.item<double>(), 5.0, 1e-5);
  EXPECT_NEAR(std::abs(values(vector)[1]), 1.0, 1e-5);
  // One iteration from v0 = e_0 + e_1: the eigenvalue estimate is the Rayleigh
  // quotient of S v0 / |S v0|.
  const auto [one_step, unused] =
      optim::power_iteration(jnp::diag(jnp::array({1.0f, 3.0f})), {.v0 = jnp::array({1.0f, 1.0f}), .num_iters = 1});
  // v = (1, 3) / sqrt(10), S v = (1, 9) / sqrt(10): v . S v = 28 / 10.
  EXPECT_NEAR(one_step.item<double>(), 2.8, 1e-6);
}

struct Blocks {
  Array w, b;
};
JX_PYTREE(Blocks, w, b);

TEST(OptimLinearAlgebra, PowerIterationOnALinearMapOfAPytree) {
  // Block-diagonal: w -> diag(1, 3) w, b -> [[4, 1], [1, 4]] b, whose
  // eigenvalues are 1, 3, 3, 5: the dominant pair is 5 with b = (1, 1) /
  // sqrt(2), w = 0.
  const Array A = jnp::array({{4.0f, 1.0f}, {1.0f, 4.0f}});
  auto mvp = [&A](const Blocks& v) { return Blocks{v.w * jnp::array({1.0f, 3.0f}), jnp::matmul(A, v.b)}; };
  const Blocks v0{jnp::array({0.3f, -0.2f}), jnp::array({1.0f, 0.1f})};
  const auto [value, vector] = optim::power_iteration(mvp, v0);
  EXPECT_NEAR(value.item<double>(), 5.0, 1e-4);
  const double sign = values(vector.b)[0] < 0 ? -1 : 1;
  expect_near(vector.b * float(sign), {std::sqrt(0.5), std::sqrt(0.5)}, 1e-3, "b");
  expect_near(vector.w, {0.0, 0.0}, 1e-3, "w");
}

TEST(OptimLinearAlgebra, PowerIterationRefusesNonSquareMatrices) {
  EXPECT_THROW(optim::power_iteration(jnp::ones({2, 3})), jx::ShapeError);
  EXPECT_THROW(optim::power_iteration(jnp::ones({3})), jx::ShapeError);
}

TEST(OptimLinearAlgebra, MatrixInversePthRootMatchesNumpy) {
  const std::vector<double> root2 = {
      1.087281389838953,   0.25651398410021037,  0.059366297797941975, 0.10655111390675949,
      0.2565139841002104,  0.8175522314490091,   -0.20609841281938998, -0.2874633862258042,
      0.05936629779794197, -0.20609841281938998, 0.9914945460969357,   -0.06399423018055117,
      0.10655111390675943, -0.2874633862258042,  -0.06399423018055117, 1.0006995919351698};
  const std::vector<double> root4 = {
      1.0300566042593462,  0.14304322007082362,  0.039196924574734116, 0.06532243225960425,
      0.14304322007082357, 0.8698726986560655,   -0.11782752166255446, -0.16287735236199435,
      0.03919692457473414, -0.11782752166255452, 0.9870065906507609,   -0.04350646333178548,
      0.06532243225960431, -0.16287735236199435, -0.0435064633317854,  0.9838753617784959};
  const Array S = spd_matrix();
  for (const auto& [p, expected] : {std::pair{2, root2}, std::pair{4, root4}}) {
    SCOPED_TRACE(p);
    const auto [root, error] = optim::matrix_inverse_pth_root(S, p);
    EXPECT_EQ(root.dtype(), jx::float32);
    expect_near(root, expected, 2e-5, "root");
    EXPECT_LT(error.item<double>(), 1e-5);
    const auto jitted = jx::jit([p = p](const Array& m) { return optim::matrix_inverse_pth_root(m, p).first; })(S);
    expect_near(jitted, expected, 2e-5, "jit");
  }
  // 1 x 1: (m + ridge)^(-1/p) with ridge 1e-6 * m.
  const auto [scalar_root, scalar_error] = optim::matrix_inverse_pth_root(jnp::array({{4.0f}}), 2);
  expect_near(scalar_root, {1.0 / std::sqrt(4.0 + 4e-6)}, 1e-7, "1x1");
  EXPECT_EQ(scalar_error.item<double>(), 0.0);
  EXPECT_THROW(optim::matrix_inverse_pth_root(S, 0), jx::ValueError);
  EXPECT_THROW(optim::matrix_inverse_pth_root(jnp::ones({2, 3}), 2), jx::ShapeError);
}

Array nnls_A() {
  return jnp::array({{-1.344f, -0.458f, -1.901f, -1.29f},
                     {-1.842f, -0.235f, -1.267f, 0.271f},
                     {0.157f, -0.187f, -2.517f, -0.539f},
                     {-0.049f, 0.113f, -1.53f, -0.478f},
                     {-0.979f, -0.809f, 1.061f, -0.808f},
                     {-0.033f, 0.884f, -0.584f, -0.112f}});
}
Array nnls_b() {
  return jnp::array(
      {{0.11f, 0.064f}, {-1.225f, 0.076f}, {1.359f, -1.547f}, {0.859f, 0.119f}, {-0.641f, 2.0f}, {0.762f, -1.199f}});
}

TEST(OptimLinearAlgebra, NnlsMatchesScipy) {
  // scipy.optimize.nnls, column by column.
  const std::vector<double> first = {0.3627877735588801, 0.359224240118216, 0.0, 0.0};
  const std::vector<double> second = {0.0, 0.0, 0.4111421674286306, 0.0};
  const Array A = nnls_A(), b = nnls_b();
  expect_near(optim::nnls(A, b(jx::Slice{}, 0), 1000), first, 1e-5, "column 0");
  // Both columns at once: x of shape (4, 2).
  const Array both = optim::nnls(A, b, 1000);
  EXPECT_EQ(both.shape(), jx::Shape({4, 2}));
  expect_near(both.transpose(), {first[0], first[1], first[2], first[3], second[0], second[1], second[2], second[3]},
              1e-5, "both");
  auto jitted = jx::jit([](const Array& a, const Array& y) { return optim::nnls(a, y, 1000, {.unroll = 4}); });
  expect_near(jitted(A, b(jx::Slice{}, 1)), second, 1e-5, "jit");
  // Optax's docstring: A = [[1, 2], [3, 4]], b = [5, 6] gives (0.00, 1.70).
  expect_near(optim::nnls(jnp::array({{1.0f, 2.0f}, {3.0f, 4.0f}}), jnp::array({5.0f, 6.0f}), 1000), {0.0, 1.7}, 1e-5,
              "docstring");
  // An explicit bound on the spectral radius of A^T A (its largest
  // eigenvalue, 29.87 here, is within it).
  expect_near(
      optim::nnls(jnp::array({{1.0f, 2.0f}, {3.0f, 4.0f}}), jnp::array({5.0f, 6.0f}), 1000, {.L = jnp::array(30.0f)}),
      {0.0, 1.7}, 1e-5, "with L");
  // No iterations: zeros.
  expect_near(optim::nnls(A, b, 0), std::vector<double>(8, 0.0), 0, "no iterations");
}

TEST(OptimLinearAlgebra, NnlsShapes) {
  EXPECT_THROW(optim::nnls(jnp::ones({3}), jnp::ones({3}), 10), jx::ShapeError);
  EXPECT_THROW(optim::nnls(jnp::ones({3, 2}), jnp::ones({4}), 10), jx::ShapeError);
  EXPECT_THROW(optim::nnls(jnp::ones({3, 2}), jnp::ones({3, 2, 1}), 10), jx::ShapeError);
  try {
    optim::nnls(jnp::ones({3, 2}), jnp::ones({2}), 10);
    FAIL();
  } catch (const jx::ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("nnls"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("(3, 2)"), std::string::npos) << e.what();
  }
}

}  // namespace
