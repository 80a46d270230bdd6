// A table of functions that together reach every differentiable primitive (through the jx::numpy,
// jx::nn and jx::lax functions users call), with inputs where they are smooth. Shared by the
// derivative tests and the batching tests.
#pragma once

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "jx/lax.h"
#include "jx/nn.h"
#include "jx/numpy.h"
#include "jx/scipy.h"

namespace primitive_cases {

namespace jnp = jx::numpy;
namespace lax = jx::lax;

using Function = std::function<jx::Array(std::span<const jx::Array>)>;

struct Case {
  std::string name;
  Function f;
  std::vector<jx::Array> args;
  double tolerance = 1e-5;
};

// Deterministic inputs in a range, with a shape.
inline jx::Array values_in(double low, double high, const jx::Shape& shape, int salt = 0) {
  const std::int64_t n = shape.num_elements();
  std::vector<float> data(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    const double t = std::fmod(0.37 * static_cast<double>(i + 1) + 0.11 * salt, 1.0);
    data[static_cast<std::size_t>(i)] = static_cast<float>(low + (high - low) * t);
  }
  return jnp::array(data, shape);
}

inline Case unary(std::string name, std::function<jx::Array(const jx::Array&)> f, double low, double high) {
  return {name, [f](std::span<const jx::Array> a) { return f(a[0]); }, {values_in(low, high, {2, 3})}};
}

inline Case binary(std::string name, std::function<jx::Array(const jx::Array&, const jx::Array&)> f, double low,
                   double high, jx::Shape a = {2, 3}, jx::Shape b = {3}) {
  return {name,
          [f](std::span<const jx::Array> v) { return f(v[0], v[1]); },
          {values_in(low, high, a), values_in(low, high, b, 3)}};
}

inline Case one(std::string name, std::function<jx::Array(const jx::Array&)> f, jx::Array x) {
  return {name, [f](std::span<const jx::Array> a) { return f(a[0]); }, {std::move(x)}};
}

inline std::vector<Case> cases() {
  std::vector<Case> c = {
      unary("negative", jnp::negative, -2, 2), unary("abs", jnp::abs, 0.5, 2), unary("exp", jnp::exp, -1, 1),
      unary("exp2", jnp::exp2, -1, 1), unary("expm1", jnp::expm1, -1, 1), unary("log", jnp::log, 0.5, 2),
      unary("log1p", jnp::log1p, 0.1, 2), unary("log2", jnp::log2, 0.5, 2), unary("log10", jnp::log10, 0.5, 2),
      unary("sqrt", jnp::sqrt, 0.5, 2), unary("cbrt", jnp::cbrt, 0.5, 2), unary("square", jnp::square, -2, 2),
      unary("reciprocal", jnp::reciprocal, 0.5, 2), unary("sin", jnp::sin, -2, 2), unary("cos", jnp::cos, -2, 2),
      unary("tan", jnp::tan, -1, 1), unary("arcsin", jnp::arcsin, -0.8, 0.8), unary("arccos", jnp::arccos, -0.8, 0.8),
      unary("arctan", jnp::arctan, -2, 2), unary("sinh", jnp::sinh, -1, 1), unary("cosh", jnp::cosh, -1, 1),
      unary("tanh", jnp::tanh, -1, 1), unary("arcsinh", jnp::arcsinh, -2, 2), unary("arccosh", jnp::arccosh, 1.5, 3),
      unary("arctanh", jnp::arctanh, -0.8, 0.8), unary("floor", jnp::floor, 0.1, 0.9), unary("sign", jnp::sign, 0.1, 0.9),
      one("round", [](const jx::Array& x) { return jnp::round(x); }, values_in(0.1, 0.4, {4})),
      one("logistic", [](const jx::Array& x) { return jx::nn::sigmoid(x); }, values_in(-2, 2, {5})),
      one("erf", [](const jx::Array& x) { return jx::scipy::special::erf(x); }, values_in(-1.5, 1.5, {5})),
      one("erf_inv", [](const jx::Array& x) { return jx::scipy::special::erfinv(x); }, values_in(-0.8, 0.8, {5})),
      one("rsqrt", [](const jx::Array& x) { return lax::rsqrt(x); }, values_in(0.5, 2, {4})),
      binary("add", [](const jx::Array& a, const jx::Array& b) { return a + b; }, -2, 2),
      binary("subtract", [](const jx::Array& a, const jx::Array& b) { return a - b; }, -2, 2),
      binary("multiply", [](const jx::Array& a, const jx::Array& b) { return a * b; }, -2, 2),
      binary("divide", [](const jx::Array& a, const jx::Array& b) { return a / b; }, 0.5, 2),
      binary("power", [](const jx::Array& a, const jx::Array& b) { return jnp::power(a, b); }, 0.5, 2),
      binary("maximum", [](const jx::Array& a, const jx::Array& b) { return jnp::maximum(a, b); }, -2, 2),
      binary("minimum", [](const jx::Array& a, const jx::Array& b) { return jnp::minimum(a, b); }, -2, 2),
      binary("arctan2", [](const jx::Array& a, const jx::Array& b) { return jnp::arctan2(a, b); }, 0.5, 2),
      binary("fmod", [](const jx::Array& a, const jx::Array& b) { return jnp::fmod(a * 3, b); }, 0.6, 0.9),
      binary("scalar_operand", [](const jx::Array& a, const jx::Array& b) { return a * b[0]; }, -2, 2),
      one("integer_pow", [](const jx::Array& x) { return jnp::power(x, 3) + jnp::power(x, -2); }, values_in(0.5, 2, {4})),
      one("where", [](const jx::Array& x) { return jnp::where(x > 0, x * x, jnp::sin(x)); }, values_in(-2, 2, {6})),
      // Through float32 and back: finite differences see float32's rounding, hence the tolerance.
      {"convert", [](std::span<const jx::Array> a) { return (a[0].astype(jx::float32) * 2).astype(jx::float64); },
       {values_in(-2, 2, {3})}, 2e-3},
      one("sum", [](const jx::Array& x) { return jnp::sum(x * x, 0); }, values_in(-2, 2, {3, 4})),
      one("mean_keepdims", [](const jx::Array& x) { return jnp::mean(x * x, {.axis = 1, .keepdims = true}); }, values_in(-2, 2, {3, 4})),
      one("max", [](const jx::Array& x) { return jnp::max(x, 1); }, values_in(-2, 2, {3, 4})),
      one("min", [](const jx::Array& x) { return jnp::min(x); }, values_in(-2, 2, {5})),
      one("prod", [](const jx::Array& x) { return jnp::prod(x, 1); }, values_in(0.5, 1.5, {2, 4})),
      one("prod_with_zero", [](const jx::Array& x) { return jnp::prod(x * jnp::array({1.0f, 0.0f, 1.0f})); }, values_in(0.5, 1.5, {3})),
      one("var", [](const jx::Array& x) { return jnp::var(x, {.axis = 0, .ddof = 1}); }, values_in(-2, 2, {4, 2})),
      one("cumsum", [](const jx::Array& x) { return jnp::cumsum(x * x, 0); }, values_in(-2, 2, {4, 2})),
      one("cumprod", [](const jx::Array& x) { return jnp::cumprod(x, 1); }, values_in(0.5, 1.5, {2, 3})),
      one("cumprod_with_zero_reverse", [](const jx::Array& x) {
        return lax::cumprod(x * jnp::array({1.0f, 1.0f, 0.0f, 1.0f, 1.0f}), 0, true); }, values_in(0.5, 1.5, {5})),
      one("cummax", [](const jx::Array& x) { return lax::cummax(x, 0); }, values_in(-2, 2, {5})),
      one("cummin_reverse", [](const jx::Array& x) { return lax::cummin(x, 0, true); }, values_in(-2, 2, {5})),
      one("logsumexp", [](const jx::Array& x) { return jx::nn::logsumexp(x, 1); }, values_in(-2, 2, {2, 3})),
      one("softmax", [](const jx::Array& x) { return jx::nn::softmax(x); }, values_in(-2, 2, {2, 3})),
      one("log_softmax", [](const jx::Array& x) { return jx::nn::log_softmax(x, 0); }, values_in(-2, 2, {3, 2})),
      one("gelu", [](const jx::Array& x) { return jx::nn::gelu(x) + jx::nn::gelu(x, false); }, values_in(-2, 2, {4})),
      one("silu_softplus", [](const jx::Array& x) { return jx::nn::silu(x) * jx::nn::softplus(x); }, values_in(-2, 2, {4})),
      one("reshape_transpose", [](const jx::Array& x) { return jnp::transpose(x.reshape({3, 2})) * x.reshape({2, 3}); }, values_in(-2, 2, {6})),
      one("broadcast_expand_squeeze", [](const jx::Array& x) {
        return jnp::squeeze(jnp::expand_dims(x, 0)) * jnp::broadcast_to(x, {2, 3}); }, values_in(-2, 2, {3})),
      one("flip_slice", [](const jx::Array& x) { return jnp::flip(x, 0)(jx::Slice{1, 4}) * x(jx::Slice{.step = 2}); }, values_in(-2, 2, {6})),
      one("pad", [](const jx::Array& x) { return jnp::pad(x * x, {{1, 2}}); }, values_in(-2, 2, {3})),
      one("lax_pad_interior_negative", [](const jx::Array& x) {
        return lax::pad(x, jnp::array(0.5), {{-1, 2, 1}}) * 2; }, values_in(-2, 2, {4})),
      one("concatenate_stack_split", [](const jx::Array& x) {
        const auto parts = jnp::split(x, 2);
        return jnp::concatenate({parts[1], parts[0] * parts[0]}) + jnp::stack({x, x * 2})[1]; }, values_in(-2, 2, {4})),
      one("tile_repeat", [](const jx::Array& x) { return jnp::tile(x, {2}) * jnp::repeat(x, 2); }, values_in(-2, 2, {3})),
      binary("matmul_batched", [](const jx::Array& a, const jx::Array& b) { return jnp::matmul(a, b); }, -2, 2, {2, 2, 3}, {3, 2}),
      binary("dot_vector", [](const jx::Array& a, const jx::Array& b) { return jnp::dot(a, b); }, -2, 2, {2, 3}, {3}),
      binary("einsum", [](const jx::Array& a, const jx::Array& b) { return jnp::einsum("ij,kj->ik", a, b); }, -2, 2, {2, 3}, {4, 3}),
      one("take", [](const jx::Array& x) { return jnp::take(x, jnp::array({2, 0, 2, -1}), 1); }, values_in(-2, 2, {2, 3})),
      one("take_along_axis", [](const jx::Array& x) {
        return jnp::take_along_axis(x, jnp::array({{0, 2}, {1, 1}}), 1); }, values_in(-2, 2, {2, 3})),
      one("index_array", [](const jx::Array& x) { return x[jnp::array({1, 1, 0})] * 2; }, values_in(-2, 2, {3, 2})),
      one("at_set_add", [](const jx::Array& x) {
        return x.at(jnp::array({0, 2})).set(x[1] * x[1]).at(jx::Slice{1, 3}).add(x(jx::Slice{0, 2}) * 3); }, values_in(-2, 2, {4})),
      one("dynamic_slices", [](const jx::Array& x) {
        const jx::Array window = lax::dynamic_slice(x, {jnp::array(1)}, {2});
        return lax::dynamic_update_slice(x * 2, window * window, {jnp::array(2)}); }, values_in(-2, 2, {5})),
      one("sort", [](const jx::Array& x) { return jnp::sort(x * x) * jnp::arange(4.0); }, values_in(-2, 2, {4})),
      // Repeated indices (two updates multiply into element 0) and an out-of-range one (dropped).
      one("at_mul", [](const jx::Array& x) {
        return x.at(jnp::array({0, 2, 0, 9})).mul(x(jx::Slice{1, 5}) * 1.5); }, values_in(0.5, 1.5, {5})),
      // One update is exactly 0 (x[1] - 1), in the same place as another: the product of the others
      // must not divide by it, to second order.
      one("at_mul_zero_update", [](const jx::Array& x) {
        return x.at(jnp::array({0, 2, 0, 9})).mul(x(jx::Slice{1, 5}) - 1.0); }, jnp::array({0.8f, 1.0f, 1.2f, 0.7f, 1.3f})),
      // Updates 2x - 0.5 = {0.1, -2.9, 1.1, 2.5, -1.3} at {1, 3, 1, 9, 0}: for max, update 2 beats
      // x[1] and update 0, x[3] and x[0] are kept; for min the other way round. No ties (finite
      // differences cannot see through a tie to second order; ties have their own test).
      one("at_max", [](const jx::Array& x) {
        return x.at(jnp::array({1, 3, 1, 9, 0})).max(x * 2 - 0.5); }, jnp::array({0.3f, -1.2f, 0.8f, 1.5f, -0.4f})),
      one("at_min", [](const jx::Array& x) {
        return x.at(jnp::array({1, 3, 1, 9, 0})).min(x * 2 - 0.5); }, jnp::array({0.3f, -1.2f, 0.8f, 1.5f, -0.4f})),
      unary("ceil", jnp::ceil, 0.1, 0.9),
      // Values on both sides of both bounds, none near them.
      one("clip", [](const jx::Array& x) {
        return jnp::clip(x * x, jnp::array(0.5f), jnp::array(2.0f)) + jnp::clip(x, jnp::array(-1.0f), std::nullopt); },
          values_in(-2, 2, {6})),
      one("std_ddof", [](const jx::Array& x) { return jnp::std(x, {.axis = 0, .ddof = 1}); }, values_in(-2, 2, {4, 2})),
  };
  return c;
}

}  // namespace primitive_cases
