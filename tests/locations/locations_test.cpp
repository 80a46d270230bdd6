// Errors name the user's file and line without line tables: this file is compiled with -g0 (see
// tests/CMakeLists.txt), so no stack symbolization can find its lines. One case per public function
// family; each call sits on the line its __LINE__ names, so formatting is off below.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "jx/jx.h"
#include "jx/test_util.h"

namespace jnp = jx::numpy;
namespace lax = jx::lax;

namespace locations_test {
struct Params {
  jx::Array weight, bias;
};
JX_PYTREE(Params, weight, bias);
}  // namespace locations_test

namespace {

using locations_test::Params;

// Runs f, which must throw a jx::Error whose location is this file at `line`.
template <class F>
void expect_at(int line, F&& f) {
  try {
    f();
    ADD_FAILURE() << "expected a jx::Error for line " << line;
  } catch (const jx::Error& e) {
    EXPECT_EQ(e.where(), "locations_test.cpp:" + std::to_string(line)) << e.what();
  }
}

const jx::Array x = jnp::ones({2, 3});
const jx::Array y = jnp::ones({4});
const jx::Array s = jnp::array(1.0f);
const jx::Array square_matrix = jnp::ones({2, 2});
const Params params{jnp::ones({3}), jnp::array(0.0f)};

jx::Array sum_of(const jx::Array& v) { return jnp::sum(v); }

// clang-format off
TEST(Locations, ArrayMethods) {
  expect_at(__LINE__, [&] { x.reshape({7}); });
  expect_at(__LINE__, [&] { x.item<float>(); });
  expect_at(__LINE__, [&] { x.at(5, 0).set(1.0f); });
  expect_at(__LINE__, [&] { x.astype(jx::DType::key); });
}

TEST(Locations, Numpy) {
  expect_at(__LINE__, [&] { jnp::eye(-2); });
  expect_at(__LINE__, [&] { jnp::add(x, y); });
  expect_at(__LINE__, [&] { jnp::sum(x, 5); });
  expect_at(__LINE__, [&] { jnp::mean(x, {.axis = jx::Axes(7)}); });
  expect_at(__LINE__, [&] { jnp::reshape(x, {7}); });
  expect_at(__LINE__, [&] { jnp::concatenate({x, y}, 0); });
  expect_at(__LINE__, [&] { jnp::take_along_axis(x, jnp::zeros({2, 3}, jx::int32), 5); });
  expect_at(__LINE__, [&] { jnp::matmul(x, x); });
  expect_at(__LINE__, [&] { jnp::einsum("ij,jk->ik", x, x); });
  expect_at(__LINE__, [&] { jnp::linalg::cholesky(x); });
}

TEST(Locations, LaxScipyNn) {
  expect_at(__LINE__, [&] { lax::add(x, jnp::ones({2, 3}, jx::int32)); });
  expect_at(__LINE__, [&] { lax::reduce_sum(x, {4}); });
  expect_at(__LINE__, [&] { lax::conv_general_dilated(x, x, {1}, "VALID"); });
  expect_at(__LINE__, [&] { lax::linalg::triangular_solve(x, x); });
  expect_at(__LINE__, [&] { jx::scipy::special::logsumexp(x, 5); });
  expect_at(__LINE__, [&] { jx::nn::softmax(x, 5); });
  expect_at(__LINE__, [&] { jx::nn::max_pool(jnp::ones({6, 6}), {2, 2}); });
}

TEST(Locations, Random) {
  const jx::Key key = jx::random::PRNGKey(0);
  expect_at(__LINE__, [&] { jx::random::normal(key, {2}, jx::int32); });
  expect_at(__LINE__, [&] { jx::random::split(key, -1); });
  expect_at(__LINE__, [&] { jx::random::split<2>(jx::random::split(key, 2)); });
  expect_at(__LINE__, [&] { jx::random::bernoulli(key, jnp::full({3}, 0.5f), {2}); });
}

TEST(Locations, Trees) {
  const auto add = [](const jx::Array& a, const jx::Array& b) { return a + b; };
  expect_at(__LINE__, [&] { jx::tree::map(add, params, std::pair{x, x}); });
  expect_at(__LINE__, [&] { jx::tree::map_with_path([](const jx::tree::KeyPath&, const jx::Array& a, const jx::Array& b) { return a + b; }, params, x); });
  const auto [leaves, def] = jx::tree::flatten(std::pair{x, x});
  expect_at(__LINE__, [&] { jx::tree::unflatten<Params>(def, leaves); });
  expect_at(__LINE__, [&] { jx::tree::all(std::vector{x}); });
  expect_at(__LINE__, [&] { jx::tree::from_dynamic<Params>(jx::tree::to_dynamic(std::pair{x, x})); });
  expect_at(__LINE__, [&] { jx::tree::transpose(def, def, params); });
}

TEST(Locations, Autodiff) {
  const auto identity = [](const jx::Array& v) { return v; };
  expect_at(__LINE__, [&] { jx::grad(identity)(x); });
  expect_at(__LINE__, [&] { jx::value_and_grad(identity)(x); });
  expect_at(__LINE__, [&] { jx::grad(sum_of)(jnp::ones({3}, jx::int32)); });
  expect_at(__LINE__, [&] { jx::vjp(identity, x).second(y); });
  expect_at(__LINE__, [&] { jx::vjp([](const jx::Array& v) { return jnp::reshape(v, {5}); }, x); });
  expect_at(__LINE__, [&] { jx::jvp(identity, std::tuple{x}, std::tuple{y}); });
  expect_at(__LINE__, [&] { jx::linearize([](const jx::Array& v) { return v + y; }, x); });
  expect_at(__LINE__, [&] { jx::jacfwd([](const jx::Array& v) { return v + y; })(x); });
  expect_at(__LINE__, [&] { jx::jacrev([](const jx::Array& v) { return v + y; })(x); });
  expect_at(__LINE__, [&] { jx::hessian([](const jx::Array& v) { return jnp::sum(v + y); })(x); });
}

TEST(Locations, JitVmapAndMakeJaxpr) {
  const auto bad = [](const jx::Array& v) { return v + y; };
  expect_at(__LINE__, [&] { jx::jit(bad)(x); });
  expect_at(__LINE__, [&] { jx::jit([](const jx::Array& v) { return jnp::reshape(v, {7}); })(x); });
  expect_at(__LINE__, [&] { jx::make_jaxpr(bad)(x); });
  expect_at(__LINE__, [&] { jx::vmap(jnp::add)(x, y); });
  expect_at(__LINE__, [&] { jx::vmap(jnp::sin, {.in_axes = 3})(x); });
  expect_at(__LINE__, [&] { jx::vmap(jnp::sin, {.in_axes = {0, 0}})(x); });
  expect_at(__LINE__, [&] { jx::vmap(jnp::sin, {.out_axes = 5})(x); });
}

TEST(Locations, ControlFlow) {
  const auto keep = [](const jx::Array& v) { return v; };
  const auto widen = [](const jx::Array& v) { return jnp::concatenate({v, v}, 0); };
  expect_at(__LINE__, [&] { lax::cond(jnp::array(true), keep, widen, x); });
  expect_at(__LINE__, [&] { lax::switch_(jnp::array(0), std::tuple{keep, widen}, x); });
  expect_at(__LINE__, [&] { lax::while_loop([](const jx::Array& v) { return v; }, keep, x); });
  expect_at(__LINE__, [&] { lax::fori_loop(0, 3, [](const jx::Array&, const jx::Array& v) { return jnp::concatenate({v, v}, 0); }, x); });
  expect_at(__LINE__, [&] { lax::scan([](const jx::Array& c, const jx::Array& e) { return std::pair{jnp::concatenate({c, e}, 0), e}; }, s, x); });
  expect_at(__LINE__, [&] { lax::map([](const jx::Array& e) { return e; }, s); });
}

TEST(Locations, CustomDerivativesAndCheckpoint) {
  const auto f = jx::custom_jvp([](const jx::Array& v) { return jnp::sin(v); }, [](const std::tuple<jx::Array>&, const std::tuple<jx::Array>&) { return jnp::ones({5}); });
  expect_at(__LINE__, [&] { jx::jvp(f, std::tuple{s}, std::tuple{s}); });
  expect_at(__LINE__, [&] { jx::checkpoint([](const jx::Array& v) { return v + y; })(x); });
  const auto wrong = jx::custom_jvp([](const jx::Array& v) { return jnp::sin(v); }, [](const std::tuple<jx::Array>& p, const std::tuple<jx::Array>& t) { return 2 * jnp::cos(std::get<0>(p)) * std::get<0>(t); });
  expect_at(__LINE__, [&] { jx::test::check_grads(wrong, {jnp::ones({3})}); });
}

TEST(Locations, NnModulesAndTransforms) {
  // Errors inside a module name the line that calls the module; errors of apply itself, apply's line.
  const int model_line = __LINE__ + 1;
  const auto model = jx::nn::transform_with_state([](const jx::Array& v, bool is_training) { return jx::nn::BatchNorm(true, true, 0.9f)(jx::nn::Linear(4)(v), is_training); });
  const jx::Key key = jx::random::PRNGKey(0);
  auto [p, state] = model.init(key, x, true);
  expect_at(model_line, [&] { model.apply(p, state, key, y, true); });
  expect_at(__LINE__, [&] { model.apply(jx::nn::Params{}, state, key, x, true); });
  const int linear_line = __LINE__ + 1;
  const auto linear = jx::nn::transform([](const jx::Array& v) { return jx::nn::Linear(2)(v); });
  expect_at(linear_line, [&] { linear.init(key, s); });
  expect_at(__LINE__, [&] { jx::nn::Linear(2)(x); });
  expect_at(__LINE__, [&] { jx::nn::get_parameter("w", {2}, jx::nn::initializers::zeros()); });
}

TEST(Locations, OptimDebugRefsAndIo) {
  const auto opt = jx::optim::adam(1e-3f);
  const jx::optim::OptState state = opt.init(params);
  expect_at(__LINE__, [&] { opt.update(std::pair{x, x}, state); });
  expect_at(__LINE__, [&] { jx::optim::apply_updates(params, std::pair{x, x}); });
  const jx::Ref ref = jx::new_ref(jnp::zeros({3}));
  expect_at(__LINE__, [&] { ref.set(jnp::zeros({4})); });
  expect_at(__LINE__, [&] { jx::io::load<Params>(std::filesystem::path("/nonexistent/params.safetensors")); });
  expect_at(__LINE__, [&] { jx::io::load_npy("/nonexistent/x.npy"); });
  expect_at(__LINE__, [&] { jx::io::fashion_mnist(jx::io::Split::train, "/nonexistent"); });
  expect_at(__LINE__, [&] { jx::jit([](const jx::Array& v) { jx::debug::print("{}", v); return v + y; })(x); });
}
// clang-format on

}  // namespace
