// pure_callback: host code called on concrete values eagerly and from jit, with declared results
// checked, each vmap_method's calling convention, and the errors JAX gives.
#include "jx/transforms/pure_callback.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <tuple>
#include <vector>

#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/jit.h"
#include "jx/transforms/vmap.h"

namespace jnp = jx::numpy;

namespace {

// Sorts on the host (jx could sort too: the oracle below is std::sort on the test's own copy).
jx::Array host_sort(const jx::Array& x) {
  std::vector<float> v = x.to_vector<float>();
  std::sort(v.begin(), v.end());
  return jnp::array(v).reshape(x.shape());
}

TEST(PureCallback, EagerAndJittedCallsSeeConcreteValues) {
  std::atomic<int> calls = 0;
  auto sorted = [&](const jx::Array& x) {
    ++calls;
    EXPECT_TRUE(x.is_concrete());
    return host_sort(x);
  };
  const jx::Array x = jnp::array({3.0f, -1.0f, 2.0f});
  auto f = [&](const jx::Array& v) {
    return jx::pure_callback(sorted, jx::ShapeDtypeStruct{{3}, jx::float32}, v) * 2.0f;
  };
  EXPECT_EQ(f(x).to_vector<float>(), (std::vector<float>{-2.0f, 4.0f, 6.0f}));
  const auto jitted = jx::jit(f);
  EXPECT_EQ(jitted(x).to_vector<float>(), (std::vector<float>{-2.0f, 4.0f, 6.0f}));
  EXPECT_EQ(jitted(jnp::array({0.0f, 5.0f, 1.0f})).to_vector<float>(), (std::vector<float>{0.0f, 2.0f, 10.0f}));
  EXPECT_GE(calls.load(), 3);  // once per evaluation (jit runs it when the program runs)
}

TEST(PureCallback, PytreesInAndOut) {
  auto stats = [](const std::vector<jx::Array>& xs, const jx::Array& scale) {
    double total = 0;
    int count = 0;
    for (const jx::Array& x : xs) {
      for (float v : x.to_vector<float>()) total += v, ++count;
    }
    return std::make_tuple(jnp::array(static_cast<float>(total) * scale.item<float>()), jnp::array(count));
  };
  const std::tuple<jx::ShapeDtypeStruct, jx::ShapeDtypeStruct> declared{{{}, jx::float32}, {{}, jx::int32}};
  auto f = jx::jit(
      [&](const std::vector<jx::Array>& xs) { return jx::pure_callback(stats, declared, xs, jnp::array(0.5f)); });
  const auto [total, count] = f(std::vector<jx::Array>{jnp::array({1.0f, 2.0f}), jnp::array({3.0f})});
  EXPECT_EQ(total.item<float>(), 3.0f);
  EXPECT_EQ(count.item<int>(), 3);
}

TEST(PureCallback, VmapMethods) {
  const jx::Array rows = jnp::array({3.0f, 1.0f, 2.0f, 9.0f, 7.0f, 8.0f}).reshape({2, 3});
  const std::vector<float> expected{1, 2, 3, 7, 8, 9};
  // sequential: one call per row, each seeing one row.
  auto per_row = [](const jx::Array& row) {
    EXPECT_EQ(row.shape(), jx::Shape({3}));
    return host_sort(row);
  };
  const jx::Array s = jx::vmap([&](const jx::Array& row) {
    return jx::pure_callback(per_row, jx::ShapeDtypeStruct{{3}, jx::float32}, row,
                             jx::PureCallbackOptions{.vmap_method = jx::VmapMethod::sequential});
  })(rows);
  EXPECT_EQ(s.to_vector<float>(), expected);
  // expand_dims: one call with the batch first; an unbatched argument gets a leading axis of size 1.
  auto whole = [](const jx::Array& batch, const jx::Array& offset) {
    EXPECT_EQ(batch.shape(), jx::Shape({2, 3}));
    EXPECT_EQ(offset.shape(), jx::Shape({1, 1}));  // (1,) given a leading axis
    std::vector<float> v = batch.to_vector<float>();
    std::sort(v.begin(), v.begin() + 3);
    std::sort(v.begin() + 3, v.end());
    return jnp::array(v).reshape({2, 3}) + offset;
  };
  const jx::Array offset = jnp::array({10.0f});
  auto expand = jx::vmap([&](const jx::Array& row) {
    return jx::pure_callback(whole, jx::ShapeDtypeStruct{{3}, jx::float32}, row, offset,
                             jx::PureCallbackOptions{.vmap_method = jx::VmapMethod::expand_dims});
  });
  EXPECT_EQ(expand(rows).to_vector<float>(), (std::vector<float>{11, 12, 13, 17, 18, 19}));
  // broadcast_all: the unbatched argument is broadcast to the batch.
  auto broadcast_seen = [](const jx::Array& batch, const jx::Array& o) {
    EXPECT_EQ(o.shape(), jx::Shape({2, 1}));
    return batch + o;
  };
  const jx::Array b = jx::jit(jx::vmap([&](const jx::Array& row) {
    return jx::pure_callback(broadcast_seen, jx::ShapeDtypeStruct{{3}, jx::float32}, row, offset,
                             jx::PureCallbackOptions{.vmap_method = jx::VmapMethod::broadcast_all});
  }))(rows);
  EXPECT_EQ(b.to_vector<float>()[0], 13.0f);
  // Without a vmap_method, vmap is an error, as in JAX.
  EXPECT_THROW(jx::vmap([&](const jx::Array& row) {
                 return jx::pure_callback(per_row, jx::ShapeDtypeStruct{{3}, jx::float32}, row);
               })(rows),
               jx::ValueError);
}

TEST(PureCallback, ErrorsForWrongResultsAndDifferentiation) {
  auto wrong = [](const jx::Array& x) { return jnp::concatenate({x, x}); };
  EXPECT_THROW(jx::pure_callback(wrong, jx::ShapeDtypeStruct{{3}, jx::float32}, jnp::ones({3})), jx::TypeError);
  EXPECT_THROW(jx::pure_callback(host_sort, jx::ShapeDtypeStruct{{3}, jx::int32}, jnp::ones({3})), jx::TypeError);
  auto f = [](const jx::Array& x) {
    return jnp::sum(jx::pure_callback(host_sort, jx::ShapeDtypeStruct{{3}, jx::float32}, x));
  };
  EXPECT_THROW(jx::grad(f)(jnp::ones({3})), jx::TypeError);
}

}  // namespace
