// scale_by_param_block_norm and scale_by_param_block_rms (jx/optim/factored.h) against their closed
// forms: each leaf's update times max(||p||, min_scale) or max(rms(p), min_scale); finite gradients at
// zero parameters, and the errors.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "jx/core/error.h"
#include "jx/jx.h"
#include "jx/optim/factored.h"

namespace {

namespace jnp = jx::numpy;
namespace optim = jx::optim;
using jx::Array;

struct Params {
  Array w, b;
};
JX_PYTREE(Params, w, b);

TEST(OptimBlockNorms, ScaleEachLeafByItsParametersNorm) {
  const Params params{jnp::array({{3.0f, 4.0f}, {0.0f, 12.0f}}), jnp::array({1e-5f, -1e-5f})};
  const Params grads{jnp::array({{1.0f, -2.0f}, {0.5f, 1.0f}}), jnp::array({2.0f, 3.0f})};
  const auto norm = optim::scale_by_param_block_norm();
  EXPECT_TRUE(norm.init(params).is_none());
  const Params u = norm.update(grads, norm.init(params), params).first;
  // ||w|| = sqrt(9 + 16 + 144) = 13; ||b|| = 1.4e-5 < 1e-3, so min_scale.
  const std::vector<float> w = u.w.ravel().to_vector<float>();
  const std::vector<float> expected_w = {13.0f, -26.0f, 6.5f, 13.0f};
  for (std::size_t i = 0; i < w.size(); ++i) EXPECT_NEAR(w[i], expected_w[i], 1e-5f);
  EXPECT_NEAR(u.b[0].item<float>(), 2e-3f, 1e-9f);
  EXPECT_NEAR(u.b[1].item<float>(), 3e-3f, 1e-9f);
  // A larger floor applies to every leaf below it.
  const Params floored = optim::scale_by_param_block_norm(20.0).update(grads, {}, params).first;
  EXPECT_NEAR(floored.w(0, 1).item<float>(), -40.0f, 1e-5f);
}

TEST(OptimBlockNorms, ScaleEachLeafByItsParametersRms) {
  const Params params{jnp::array({{3.0f, 4.0f}, {0.0f, 12.0f}}), jnp::array({1e-5f, -1e-5f})};
  const Params grads{jnp::ones({2, 2}), jnp::ones({2})};
  const Params u = optim::scale_by_param_block_rms().update(grads, {}, params).first;
  // rms(w) = sqrt(169 / 4) = 6.5.
  EXPECT_NEAR(u.w(1, 0).item<float>(), 6.5f, 1e-5f);
  EXPECT_NEAR(u.b[1].item<float>(), 1e-3f, 1e-9f);
  const Params u2 = optim::scale_by_param_block_rms(10.0).update(grads, {}, params).first;
  EXPECT_NEAR(u2.w(0, 0).item<float>(), 10.0f, 1e-6f);
}

TEST(OptimBlockNorms, GradientsAreFiniteAtZeroParameters) {
  // Differentiating the scaled update through the parameters: the floor's branch has gradient 0, and
  // the norm is never differentiated at 0 (where its derivative is NaN).
  for (const auto& transformation : {optim::scale_by_param_block_norm(), optim::scale_by_param_block_rms()}) {
    const auto scaled_sum = [&transformation](const Array& p) {
      return jnp::sum(transformation.update(jnp::ones({3}), {}, p).first);
    };
    const Array at_zero = jx::grad(scaled_sum)(jnp::zeros({3}));
    EXPECT_TRUE(jnp::all(at_zero == 0.0f).item<bool>()) << at_zero;
    // Above the floor: d/dp 3 ||p|| = 3 p / ||p|| (the rms: 3 p / (3 rms)).
    const Array p = jnp::array({1.0f, 2.0f, 2.0f});
    const Array g = jx::grad(scaled_sum)(p);
    const float expected =
        transformation.name() == "scale_by_param_block_norm" ? 3.0f * 2.0f / 3.0f : 2.0f / std::sqrt(3.0f);
    EXPECT_NEAR(g[1].item<float>(), expected, 1e-5f) << transformation.name();
  }
}

TEST(OptimBlockNorms, WorkUnderJit) {
  const auto norm = optim::scale_by_param_block_norm();
  auto step = jx::jit([norm](const Array& p, const Array& g) { return norm.update(g, {}, p).first; });
  EXPECT_NEAR(step(jnp::array({3.0f, 4.0f}), jnp::ones({2}))[0].item<float>(), 5.0f, 1e-6f);
  EXPECT_NEAR(step(jnp::array({6.0f, 8.0f}), jnp::ones({2}))[1].item<float>(), 10.0f, 1e-6f);
  EXPECT_EQ(step.trace_count(), 1u);
}

TEST(OptimBlockNorms, NeedTheParameters) {
  const Array g = jnp::ones({2});
  try {
    optim::scale_by_param_block_rms().update(g, {});
    FAIL();
  } catch (const jx::ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("scale_by_param_block_rms needs the parameters"), std::string::npos);
  }
  EXPECT_THROW(optim::scale_by_param_block_norm().update(g, {}), jx::ValueError);
}

}  // namespace
