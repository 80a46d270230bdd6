// L-BFGS (jx/optim/lbfgs.h): scale_by_lbfgs's direction against the closed form of the L-BFGS
// inverse-Hessian approximation (Nocedal and Wright's recursion H <- V^T H V + rho s s^T, computed here
// with plain double matrices), its state, and lbfgs converging on a quadratic (to A^-1 b, solved here
// by Gaussian elimination) and on Rosenbrock's function (to its minimum (1, 1)), eagerly and under
// jit; and the errors for missing arguments.
#include "jx/optim/lbfgs.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "jx/core/error.h"
#include "jx/jx.h"

namespace {

namespace jnp = jx::numpy;
namespace optim = jx::optim;
using jx::Array;

using Vector = std::vector<double>;
using Matrix = std::vector<Vector>;

double dot(const Vector& a, const Vector& b) {
  double total = 0;
  for (std::size_t i = 0; i < a.size(); ++i) total += a[i] * b[i];
  return total;
}

Vector minus(const Vector& a, const Vector& b) {
  Vector result(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) result[i] = a[i] - b[i];
  return result;
}

Vector matvec(const Matrix& m, const Vector& v) {
  Vector result(m.size(), 0.0);
  for (std::size_t i = 0; i < m.size(); ++i) result[i] = dot(m[i], v);
  return result;
}

Matrix multiply(const Matrix& a, const Matrix& b) {
  const std::size_t n = a.size();
  Matrix result(n, Vector(n, 0.0));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < n; ++k)
      for (std::size_t j = 0; j < n; ++j) result[i][j] += a[i][k] * b[k][j];
  return result;
}

Matrix transpose(const Matrix& a) {
  Matrix result(a.size(), Vector(a.size()));
  for (std::size_t i = 0; i < a.size(); ++i)
    for (std::size_t j = 0; j < a.size(); ++j) result[j][i] = a[i][j];
  return result;
}

// The L-BFGS inverse-Hessian approximation from secant pairs (s, y), oldest first: gamma I with
// gamma = s.y / y.y of the newest pair, then H <- V^T H V + rho s s^T, V = I - rho y s^T, rho = 1 / y.s.
Matrix lbfgs_inverse_hessian(const std::vector<std::pair<Vector, Vector>>& pairs, std::size_t n) {
  const auto& [s_new, y_new] = pairs.back();
  const double gamma = dot(s_new, y_new) / dot(y_new, y_new);
  Matrix h(n, Vector(n, 0.0));
  for (std::size_t i = 0; i < n; ++i) h[i][i] = gamma;
  for (const auto& [s, y] : pairs) {
    const double rho = 1.0 / dot(y, s);
    Matrix v(n, Vector(n, 0.0));
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) v[i][j] = (i == j ? 1.0 : 0.0) - rho * y[i] * s[j];
    h = multiply(transpose(v), multiply(h, v));
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) h[i][j] += rho * s[i] * s[j];
  }
  return h;
}

// A x = b by Gaussian elimination with partial pivoting.
Vector solve(Matrix a, Vector b) {
  const std::size_t n = b.size();
  for (std::size_t col = 0; col < n; ++col) {
    std::size_t pivot = col;
    for (std::size_t r = col + 1; r < n; ++r)
      if (std::abs(a[r][col]) > std::abs(a[pivot][col])) pivot = r;
    std::swap(a[col], a[pivot]);
    std::swap(b[col], b[pivot]);
    for (std::size_t r = col + 1; r < n; ++r) {
      const double factor = a[r][col] / a[col][col];
      for (std::size_t c = col; c < n; ++c) a[r][c] -= factor * a[col][c];
      b[r] -= factor * b[col];
    }
  }
  Vector x(n);
  for (std::size_t i = n; i-- > 0;) {
    double rest = b[i];
    for (std::size_t j = i + 1; j < n; ++j) rest -= a[i][j] * x[j];
    x[i] = rest / a[i][i];
  }
  return x;
}

Vector values(const Array& x) {
  const std::vector<float> v = x.to_vector<float>();
  return Vector(v.begin(), v.end());
}

Array array_of(const Vector& v) { return jnp::array(std::vector<float>(v.begin(), v.end())); }

void expect_near_all(const Vector& actual, const Vector& expected, double tolerance, const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (std::size_t i = 0; i < actual.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], tolerance * (1.0 + std::abs(expected[i]))) << what << " [" << i << "]";
}

struct Params {
  Array w, b;
};
JX_PYTREE(Params, w, b);

// The leaves of Params in flattening order (w row-major, then b).
Vector flat(const Params& p) {
  Vector result = values(p.w.reshape({4}));
  const Vector b = values(p.b);
  result.insert(result.end(), b.begin(), b.end());
  return result;
}

Params unflat(const Vector& v) {
  return {array_of(Vector(v.begin(), v.begin() + 4)).reshape({2, 2}), array_of(Vector(v.begin() + 4, v.end()))};
}

TEST(OptimLbfgs, FirstStepIsTheUpdateScaledByItsCappedInverseNorm) {
  const Array params = jnp::array({1.0f, 2.0f, 3.0f});
  const optim::GradientTransformation opt = optim::scale_by_lbfgs();
  const optim::OptState state = opt.init(params);
  // ||g|| = 5: the first direction is g / 5, a step of length 1.
  const Array large = jnp::array({3.0f, -4.0f, 0.0f});
  expect_near_all(values(opt.update(large, state, params).first), {0.6, -0.8, 0.0}, 1e-6, "g / ||g||");
  // ||g|| = 0.5: the scale is capped at 1.
  const Array small = jnp::array({0.3f, 0.4f, 0.0f});
  expect_near_all(values(opt.update(small, state, params).first), {0.3, 0.4, 0.0}, 1e-6, "capped");
  // Without scale_init_precond the first direction is the update itself.
  const optim::GradientTransformation plain = optim::scale_by_lbfgs({.scale_init_precond = false});
  expect_near_all(values(plain.update(large, plain.init(params), params).first), {3.0, -4.0, 0.0}, 1e-6, "plain");
}

TEST(OptimLbfgs, DirectionsMatchTheInverseHessianClosedForm) {
  // Gradients of an SPD quadratic at a sequence of points of a two-leaf tree; memory_size 2, so from
  // the fourth step on the oldest pairs leave the ring buffer.
  const std::size_t n = 7;
  Matrix a(n, Vector(n, 0.1));
  for (std::size_t i = 0; i < n; ++i) a[i][i] = 1.0 + static_cast<double>(i);
  const Vector c = {0.5, -1.0, 2.0, 0.0, 1.5, -0.5, 1.0};
  std::vector<Vector> points, grads;
  for (int k = 0; k < 6; ++k) {
    Vector x(n);
    for (std::size_t i = 0; i < n; ++i) x[i] = std::sin(1.3 * static_cast<double>(i) + 0.7 * k) + 0.1 * k;
    points.push_back(x);
    grads.push_back(minus(matvec(a, x), c));
  }
  const std::size_t memory_size = 2;
  const optim::GradientTransformation opt = optim::scale_by_lbfgs({.memory_size = memory_size});
  optim::OptState state = opt.init(unflat(points[0]));
  for (std::size_t k = 0; k < points.size(); ++k) {
    auto [direction, next] = opt.update(unflat(grads[k]), state, unflat(points[k]));
    Vector expected;
    if (k == 0) {
      const double norm = std::sqrt(dot(grads[0], grads[0]));
      for (double g : grads[0]) expected.push_back(g * std::min(1.0, 1.0 / norm));
    } else {
      std::vector<std::pair<Vector, Vector>> pairs;
      for (std::size_t j = (k > memory_size ? k - memory_size : 0); j < k; ++j)
        pairs.emplace_back(minus(points[j + 1], points[j]), minus(grads[j + 1], grads[j]));
      expected = matvec(lbfgs_inverse_hessian(pairs, n), grads[k]);
    }
    expect_near_all(flat(direction), expected, 2e-4, "step " + std::to_string(k));
    state = next;
  }
  EXPECT_EQ(state["count"].array().item<int>(), 6);
}

TEST(OptimLbfgs, StateMirrorsOptax) {
  const Params params{jnp::ones({2, 2}), jnp::zeros({3})};
  const optim::OptState state = optim::scale_by_lbfgs({.memory_size = 4}).init(params);
  EXPECT_EQ(state["count"].array().dtype(), jx::int32);
  EXPECT_EQ(state["params"]["w"].array().shape(), jx::Shape({2, 2}));
  EXPECT_EQ(state["updates"]["b"].array().shape(), jx::Shape({3}));
  EXPECT_EQ(state["diff_params_memory"]["w"].array().shape(), jx::Shape({4, 2, 2}));
  EXPECT_EQ(state["diff_updates_memory"]["b"].array().shape(), jx::Shape({4, 3}));
  EXPECT_EQ(state["weights_memory"].array().shape(), jx::Shape({4}));
  EXPECT_EQ(state["weights_memory"].array().dtype(), jx::float32);
  // lbfgs: the L-BFGS state, scale(-1) (none), the zoom line search's state.
  const optim::OptState chained = optim::lbfgs().init(params);
  ASSERT_TRUE(chained.is_list());
  ASSERT_EQ(chained.size(), 3u);
  EXPECT_TRUE(chained[1].is_none());
  EXPECT_TRUE(std::isinf(chained[2]["value"].array().item<float>()));
  EXPECT_EQ(chained[2]["learning_rate"].array().item<float>(), 1.0f);
}

// 0.5 x^T A x - b^T x for a small SPD A.
struct Quadratic {
  Matrix a = {{4, 1, 0, 0}, {1, 3, 0.5, 0}, {0, 0.5, 2, 0.2}, {0, 0, 0.2, 1.5}};
  Vector b = {1, 2, 3, 4};
  Array a_array = jnp::array(
      {{4.0f, 1.0f, 0.0f, 0.0f}, {1.0f, 3.0f, 0.5f, 0.0f}, {0.0f, 0.5f, 2.0f, 0.2f}, {0.0f, 0.0f, 0.2f, 1.5f}});
  Array b_array = jnp::array({1.0f, 2.0f, 3.0f, 4.0f});

  Array operator()(const Array& x) const { return 0.5f * jnp::dot(x, jnp::matmul(a_array, x)) - jnp::dot(b_array, x); }
};

Array rosenbrock(const Array& x) { return jnp::square(1.0f - x[0]) + 100.0f * jnp::square(x[1] - jnp::square(x[0])); }

// One L-BFGS step, reusing the line search's value and gradient, returning the value before it.
template <class F>
auto lbfgs_step(const optim::GradientTransformation& solver, const F& f) {
  return [solver, f](const Array& x, const optim::OptState& state) {
    auto [value, grad] = optim::value_and_grad_from_state(f)(x, state);
    auto [updates, next] = solver.update(grad, state, x, {.value = value, .grad = grad, .value_fn = f});
    return std::tuple{optim::apply_updates(x, updates), next, value};
  };
}

TEST(OptimLbfgs, ConvergesOnAQuadraticInAHandfulOfSteps) {
  const Quadratic f;
  const Vector solution = solve(f.a, f.b);
  const optim::GradientTransformation solver = optim::lbfgs();
  Array x = jnp::zeros({4});
  optim::OptState state = solver.init(x);
  const auto step = lbfgs_step(solver, f);
  Array value;
  for (int k = 0; k < 10; ++k) std::tie(x, state, value) = step(x, state);
  expect_near_all(values(x), solution, 1e-4, "A^-1 b");
  // The minimum is -b^T A^-1 b / 2.
  EXPECT_NEAR(value.item<float>(), -0.5 * dot(f.b, solution), 1e-4);
}

TEST(OptimLbfgs, JittedStepsAgreeWithEagerOnesAndTraceOnce) {
  const Quadratic f;
  const optim::GradientTransformation solver = optim::lbfgs();
  const auto step = lbfgs_step(solver, f);
  auto jitted = jx::jit(step);
  Array x = jnp::array({1.0f, -1.0f, 0.5f, 2.0f}), x_jit = x;
  optim::OptState state = solver.init(x), state_jit = state;
  Array value, value_jit;
  for (int k = 0; k < 5; ++k) {
    std::tie(x, state, value) = step(x, state);
    std::tie(x_jit, state_jit, value_jit) = jitted(x_jit, state_jit);
    expect_near_all(values(x_jit), values(x), 1e-4, "step " + std::to_string(k));
    EXPECT_NEAR(state_jit[2]["learning_rate"].array().item<float>(), state[2]["learning_rate"].array().item<float>(),
                1e-4);
  }
  EXPECT_EQ(jitted.trace_count(), 1u);
  // The state keeps its signature from step to step.
  const auto [leaves, structure] = jx::tree::flatten(solver.init(x));
  const auto [next_leaves, next_structure] = jx::tree::flatten(state_jit);
  EXPECT_EQ(next_structure, structure);
  for (std::size_t i = 0; i < leaves.size(); ++i) EXPECT_EQ(next_leaves[i].type(), leaves[i].type()) << i;
}

TEST(OptimLbfgs, ConvergesOnRosenbrockFromTheStandardStart) {
  // Rosenbrock's function from (-1.2, 1); its minimum is 0 at (1, 1).
  const optim::GradientTransformation solver = optim::lbfgs();
  auto step = jx::jit(lbfgs_step(solver, [](const Array& p) { return rosenbrock(p); }));
  Array x = jnp::array({-1.2f, 1.0f});
  optim::OptState state = solver.init(x);
  Array value;
  for (int k = 0; k < 50; ++k) std::tie(x, state, value) = step(x, state);
  expect_near_all(values(x), {1.0, 1.0}, 1e-3, "(1, 1)");
  EXPECT_LT(rosenbrock(x).item<float>(), 1e-6f);
}

TEST(OptimLbfgs, OptaxDocstringExample) {
  // Optax's lbfgs example: sum(x^2) from (1, 2, 3) prints 7.52E+00 then 7.46E-14. In closed form: the
  // first direction is x / |x| and the trial step 1 satisfies the Wolfe conditions, leaving
  // (|x| - 1)^2 = (sqrt(14) - 1)^2; the secant pair then gives gamma = 1/2, the inverse of the Hessian
  // 2 I, and the step 1 lands on the minimum 0.
  const auto objective = [](const Array& p) { return jnp::sum(p * p); };
  const optim::GradientTransformation solver = optim::lbfgs();
  Array x = jnp::array({1.0f, 2.0f, 3.0f});
  optim::OptState state = solver.init(x);
  const auto step = lbfgs_step(solver, objective);
  Array value;
  std::tie(x, state, value) = step(x, state);
  EXPECT_NEAR(objective(x).item<float>(), std::pow(std::sqrt(14.0) - 1.0, 2), 1e-5);
  std::tie(x, state, value) = step(x, state);
  EXPECT_LT(objective(x).item<float>(), 1e-10f);
}

TEST(OptimLbfgs, WithoutALineSearchTheStepIsTheScaledDirection) {
  // The first direction is g / ||g|| (here ||g|| = 5); learning_rate scales it, and no extra
  // arguments are needed.
  const Array x = jnp::array({1.0f, 1.0f});
  const Array g = jnp::array({3.0f, 4.0f});
  const optim::GradientTransformation plain = optim::lbfgs({.linesearch = std::nullopt});
  expect_near_all(values(plain.update(g, plain.init(x), x).first), {-0.6, -0.8}, 1e-6, "scale(-1)");
  const optim::GradientTransformation scheduled = optim::lbfgs({.learning_rate = 0.1, .linesearch = std::nullopt});
  expect_near_all(values(scheduled.update(g, scheduled.init(x), x).first), {-0.06, -0.08}, 1e-6, "learning rate");
}

template <class F>
std::string error_of(const F& f) {
  try {
    f();
  } catch (const jx::ValueError& e) {
    return e.what();
  }
  return "no ValueError";
}

TEST(OptimLbfgs, ErrorsNameWhatIsMissing) {
  EXPECT_THROW(optim::scale_by_lbfgs({.memory_size = 0}), jx::ValueError);
  const Array x = jnp::array({1.0f, 2.0f});
  const Array g = jnp::array({0.5f, -0.5f});
  const optim::GradientTransformation direction = optim::scale_by_lbfgs();
  EXPECT_NE(error_of([&] { direction.update(g, direction.init(x)); }).find("needs the parameters"), std::string::npos);

  const optim::GradientTransformation solver = optim::lbfgs();
  const optim::OptState state = solver.init(x);
  const std::function<Array(const Array&)> f = [](const Array& p) { return jnp::sum(p * p); };
  const Array value = f(x);
  EXPECT_NE(error_of([&] { solver.update(g, state, x); }).find("(.value)"), std::string::npos);
  EXPECT_NE(error_of([&] { solver.update(g, state, x, {.grad = g, .value_fn = f}); }).find("(.value)"),
            std::string::npos);
  EXPECT_NE(error_of([&] { solver.update(g, state, x, {.value = value, .grad = g}); }).find("(.value_fn)"),
            std::string::npos);
  // Without .grad the gradients given are the gradient: the same step as with it.
  const Array implicit = solver.update(g, state, x, {.value = value, .value_fn = f}).first;
  const Array explicit_grad = solver.update(g, state, x, {.value = value, .grad = g, .value_fn = f}).first;
  EXPECT_TRUE(jnp::array_equal(implicit, explicit_grad).item<bool>());
  EXPECT_NE(
      error_of([&] { solver.update(g, state, x, {.value = value, .grad = g, .value_fn = f}); }).find("no ValueError"),
      std::string::npos);
}

}  // namespace
