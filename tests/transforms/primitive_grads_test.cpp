// check_grads (orders 1 and 2, forward and reverse, against float64 finite differences) for every
// differentiable primitive, through the jx::numpy functions that reach it, on broadcasting shapes;
// and the same gradients eagerly and under jit; and the same checks on the jitted function.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "jx/lax.h"
#include "jx/nn.h"
#include "jx/numpy.h"
#include "jx/scipy.h"
#include "jx/test_util.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/jit.h"
#include "transforms/primitive_cases.h"

namespace jnp = jx::numpy;
namespace lax = jx::lax;

namespace {

using primitive_cases::Case;
using primitive_cases::cases;

class PrimitiveGrads : public testing::TestWithParam<std::size_t> {};

TEST_P(PrimitiveGrads, MatchFiniteDifferencesToSecondOrder) {
  static const std::vector<Case> all = cases();
  const Case& c = all[GetParam()];
  SCOPED_TRACE(c.name);
  EXPECT_NO_THROW(jx::test::check_grads_flat(c.f, c.args, 2, jx::test::Modes::both, c.tolerance, c.tolerance, 1e-4,
                                             std::source_location::current()));
  // The gradient of a scalar projection is the same eagerly and under jit.
  auto projected = [&](const std::vector<jx::Array>& args) {
    const jx::Array out = c.f(args);
    return jnp::sum(out * jnp::cos(jnp::arange(static_cast<double>(out.size())).reshape(out.shape())));
  };
  const std::vector<jx::Array> eager = jx::grad(projected)(c.args);
  const std::vector<jx::Array> jitted =
      jx::jit([&](const std::vector<jx::Array>& a) { return jx::grad(projected)(a); })(c.args);
  ASSERT_EQ(eager.size(), jitted.size());
  for (std::size_t i = 0; i < eager.size(); ++i) {
    const auto e = eager[i].to_vector<double>(), j = jitted[i].to_vector<double>();
    ASSERT_EQ(e.size(), j.size());
    for (std::size_t k = 0; k < e.size(); ++k) EXPECT_NEAR(e[k], j[k], 1e-5 * (1 + std::abs(e[k]))) << "argument " << i;
  }
}

// The same checks on jit(f): derivatives through the jitted call, to second order (grad of grad of
// jit, jvp of jit), in both modes.
TEST_P(PrimitiveGrads, JittedMatchFiniteDifferencesToSecondOrder) {
  static const std::vector<Case> all = cases();
  const Case& c = all[GetParam()];
  SCOPED_TRACE(c.name);
  const auto jitted = jx::jit([f = c.f](const std::vector<jx::Array>& args) { return f(args); });
  const jx::test::ArrayFunction through_jit = [jitted](std::span<const jx::Array> args) {
    return jitted(std::vector<jx::Array>(args.begin(), args.end()));
  };
  EXPECT_NO_THROW(jx::test::check_grads_flat(through_jit, c.args, 2, jx::test::Modes::both, c.tolerance, c.tolerance,
                                             1e-4, std::source_location::current()));
}

INSTANTIATE_TEST_SUITE_P(All, PrimitiveGrads, testing::Range<std::size_t>(0, cases().size()),
                         [](const testing::TestParamInfo<std::size_t>& param) { return cases()[param.param].name; });

}  // namespace
