// bench/seed.h — the tutorial's linear regression (DESIGN.md, part 3), shared by the benchmarks: the
// data, the loss and update step written with jx, and the same computations written by hand in plain
// C++ loops as the baselines every jx figure is compared against.
#pragma once

#include <cstdint>
#include <vector>

#include "jx/jx.h"

namespace seed {

namespace jnp = jx::numpy;

struct Params {
  jx::Array weight, bias;
};
JX_PYTREE(Params, weight, bias);

constexpr float kLearningRate = 0.005f;
constexpr std::int64_t kPoints = 128;

inline jx::Array loss(const Params& params, const jx::Array& x, const jx::Array& y) {
  const jx::Array prediction = params.weight * x + params.bias;
  return jnp::mean(jnp::power(prediction - y, 2));
}

inline Params update(const Params& params, const jx::Array& x, const jx::Array& y) {
  const Params grad = jx::grad(loss)(params, x, y);
  return jx::tree::map([](const jx::Array& p, const jx::Array& g) { return p - g * kLearningRate; }, params, grad);
}

struct Data {
  jx::Array x, y;
  std::vector<float> xs, ys;  // the same values, for the hand-written loops
};

inline Data data() {
  const jx::Key key = jx::random::PRNGKey(42);
  auto [x_key, noise_key] = jx::random::split(key);
  const jx::Array x = jx::random::normal(x_key, {kPoints, 1});
  const jx::Array noise = jx::random::normal(noise_key, {kPoints, 1}) * 0.5f;
  const jx::Array y = x * 2 + -1 + noise;
  return {x, y, x.to_vector<float>(), y.to_vector<float>()};
}

// The hand-written baselines: what a C++ programmer writes for this model without a framework.
struct HandParams {
  float weight, bias;
};

inline float hand_loss(HandParams p, const std::vector<float>& xs, const std::vector<float>& ys) {
  float total = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const float r = p.weight * xs[i] + p.bias - ys[i];
    total += r * r;
  }
  return total / static_cast<float>(xs.size());
}

// One gradient step with the gradient derived by hand: d/dw mean(r^2) = mean(2 r x), d/db = mean(2 r).
inline HandParams hand_update(HandParams p, const std::vector<float>& xs, const std::vector<float>& ys) {
  float grad_weight = 0, grad_bias = 0;
  const float scale = 2.0f / static_cast<float>(xs.size());
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const float r = p.weight * xs[i] + p.bias - ys[i];
    grad_weight += r * xs[i];
    grad_bias += r;
  }
  return {p.weight - kLearningRate * scale * grad_weight, p.bias - kLearningRate * scale * grad_bias};
}

}  // namespace seed
