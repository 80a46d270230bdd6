// jx::flatten_util::ravel_pytree: the flat vector is the leaves raveled in tree order (NumPy's
// concatenate of the ravels as the oracle), with JAX's promoted dtype; unravel restores shapes, dtypes
// and structure; gradients flow through both under jit; misuse is a clear error.
#include "jx/flatten_util.h"

#include <gtest/gtest.h>

#include <vector>

#include "jx/jx.h"

namespace {

namespace jnp = jx::numpy;

struct Layer {
  jx::Array weight, bias;
};
JX_PYTREE(Layer, weight, bias);

struct Mixed {
  jx::Array scale;   // float32
  jx::Array counts;  // int32
};
JX_PYTREE(Mixed, scale, counts);

TEST(RavelPytree, TheLeavesInTreeOrderAndBack) {
  const std::vector<Layer> layers{{jnp::arange(6.0f).reshape({2, 3}), jnp::array({10.0f, 11.0f})},
                                  {jnp::arange(4.0f).reshape({2, 2}) + 20.0f, jnp::array({30.0f})}};
  const auto [flat, unravel] = jx::flatten_util::ravel_pytree(layers);
  EXPECT_EQ(flat.shape(), jx::Shape({13}));
  EXPECT_EQ(flat.dtype(), jx::float32);
  EXPECT_EQ(flat.to_vector<float>(),
            (std::vector<float>{0, 1, 2, 3, 4, 5, 10, 11, 20, 21, 22, 23, 30}));  // np.concatenate of the ravels
  const std::vector<Layer> back = unravel(flat * 2.0f);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].weight.shape(), jx::Shape({2, 3}));
  EXPECT_EQ(back[1].weight.to_vector<float>(), (std::vector<float>{40, 42, 44, 46}));
  EXPECT_EQ(back[1].bias.to_vector<float>(), (std::vector<float>{60}));
}

TEST(RavelPytree, DtypesPromoteAndComeBack) {
  const Mixed m{jnp::array({1.5f, 2.5f}), jnp::array({3, 4, 5})};
  const auto [flat, unravel] = jx::flatten_util::ravel_pytree(m);
  EXPECT_EQ(flat.dtype(), jx::float32);  // jnp.result_type(float32, int32)
  const Mixed back = unravel(flat + 0.25f);
  EXPECT_EQ(back.counts.dtype(), jx::int32);
  EXPECT_EQ(back.counts.to_vector<int>(), (std::vector<int>{3, 4, 5}));  // 3.25 -> 3, as astype truncates
  EXPECT_EQ(back.scale.to_vector<float>(), (std::vector<float>{1.75f, 2.75f}));
  // Half-precision leaves of two kinds meet at float32 on JAX's lattice.
  const std::vector<jx::Array> halves{jnp::ones({2}, jx::bfloat16), jnp::ones({2}, jx::float16)};
  EXPECT_EQ(jx::flatten_util::ravel_pytree(halves).first.dtype(), jx::float32);
  // Nothing to ravel: an empty float32 vector.
  const auto [empty, unravel_empty] = jx::flatten_util::ravel_pytree(std::vector<jx::Array>{});
  EXPECT_EQ(empty.shape(), jx::Shape({0}));
  EXPECT_TRUE(unravel_empty(empty).empty());
}

TEST(RavelPytree, GradientsFlowThroughUnravelUnderJit) {
  const Layer layer{jnp::array({1.0f, -2.0f, 3.0f}), jnp::array({0.5f})};
  const auto [flat, unravel] = jx::flatten_util::ravel_pytree(layer);
  // loss(v) = sum(weight^2) + 3 * bias: its gradient is (2 w, 3), laid out as the vector.
  const auto loss = [&](const jx::Array& v) {
    const Layer l = unravel(v);
    return jnp::sum(l.weight * l.weight) + 3.0f * jnp::sum(l.bias);
  };
  EXPECT_EQ(jx::jit(jx::grad(loss))(flat).to_vector<float>(), (std::vector<float>{2.0f, -4.0f, 6.0f, 3.0f}));
  // And through ravel: the gradient of a function of the vector, as a pytree.
  const Layer g =
      jx::grad([](const Layer& l) { return jnp::sum(jnp::square(jx::flatten_util::ravel_pytree(l).first)); })(layer);
  EXPECT_EQ(g.weight.to_vector<float>(), (std::vector<float>{2.0f, -4.0f, 6.0f}));
  EXPECT_EQ(g.bias.to_vector<float>(), (std::vector<float>{1.0f}));
}

TEST(RavelPytree, UnravelChecksItsArgument) {
  const auto [flat, unravel] = jx::flatten_util::ravel_pytree(Layer{jnp::ones({2, 2}), jnp::ones({2})});
  EXPECT_THROW(unravel(jnp::ones({5})), jx::ValueError);
  EXPECT_THROW(unravel(jnp::ones({2, 3})), jx::ValueError);
  // One leaf dtype: unravel keeps the dtype it is given, as JAX's does.
  EXPECT_EQ(unravel(jnp::ones({6}, jx::int32)).weight.dtype(), jx::int32);
  // Mixed leaf dtypes: the raveled dtype is required.
  const auto [mixed, unravel_mixed] = jx::flatten_util::ravel_pytree(Mixed{jnp::ones({2}), jnp::array({1, 2})});
  EXPECT_THROW(unravel_mixed(jnp::ones({4}, jx::int32)), jx::TypeError);
}

}  // namespace
