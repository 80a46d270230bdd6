// The collectives of jx/lax/parallel.h under a named vmap: each against its definition written as a
// loop over the devices' values (the examples of the vmap), over one and two named axes, eagerly and
// under jit, inside control flow, and differentiated (check_grads on the mapped function as a whole,
// and grad inside the map against closed forms under JAX's efficient-transposition semantics).
#include <gtest/gtest.h>

#include <vector>

#include "array_close.h"
#include "error_expectations.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/lax/parallel.h"
#include "jx/numpy.h"
#include "jx/test_util.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/control_flow.h"
#include "jx/transforms/jit.h"
#include "jx/transforms/vmap.h"

namespace jnp = jx::numpy;
namespace lax = jx::lax;

namespace {

using jx_test::expect_error;

constexpr int kDevices = 4;

// Device d's value: row d of a [4, ...] array of distinct, non-symmetric numbers.
jx::Array per_device(const jx::Shape& example) {
  jx::Shape shape{kDevices};
  for (int d = 0; d < example.ndim(); ++d) shape.push_back(example[d]);
  const jx::Array counting = jnp::arange(static_cast<double>(shape.num_elements()), jx::DType::float32);
  return jnp::reshape(jnp::sin(counting * 1.3f) * 3.0f + counting * 0.1f, shape);
}

using jx::testing::values;

void expect_values(const jx::Array& got, const jx::Shape& shape, const std::vector<double>& want, double tol = 1e-5) {
  ASSERT_EQ(got.shape(), shape);
  const std::vector<double> g = values(got);
  ASSERT_EQ(g.size(), want.size());
  for (std::size_t i = 0; i < g.size(); ++i)
    EXPECT_NEAR(g[i], want[i], tol * (1 + std::abs(want[i]))) << "element " << i;
}

jx::VmapOptions named(const char* name) { return {.axis_name = name}; }

TEST(Collectives, PsumPmeanPmaxPminAgainstLoops) {
  const jx::Array x = per_device({3});  // [4, 3]
  const std::vector<double> v = values(x);
  std::vector<double> sum(3, 0), max(3, -1e30), min(3, 1e30);
  for (int d = 0; d < kDevices; ++d) {
    for (int j = 0; j < 3; ++j) {
      const double e = v[static_cast<std::size_t>(d * 3 + j)];
      sum[static_cast<std::size_t>(j)] += e;
      max[static_cast<std::size_t>(j)] = std::max(max[static_cast<std::size_t>(j)], e);
      min[static_cast<std::size_t>(j)] = std::min(min[static_cast<std::size_t>(j)], e);
    }
  }
  auto every_device = [](const std::vector<double>& row) {
    std::vector<double> all;
    for (int d = 0; d < kDevices; ++d) all.insert(all.end(), row.begin(), row.end());
    return all;
  };
  std::vector<double> mean = sum;
  for (double& m : mean) m /= kDevices;
  expect_values(jx::vmap([](const jx::Array& a) { return lax::psum(a, "i"); }, named("i"))(x), {4, 3},
                every_device(sum));
  expect_values(jx::vmap([](const jx::Array& a) { return lax::pmean(a, "i"); }, named("i"))(x), {4, 3},
                every_device(mean));
  expect_values(jx::vmap([](const jx::Array& a) { return lax::pmax(a, "i"); }, named("i"))(x), {4, 3},
                every_device(max));
  expect_values(jx::vmap([](const jx::Array& a) { return lax::pmin(a, "i"); }, named("i"))(x), {4, 3},
                every_device(min));
  // JAX's documented example: x / psum(x) over arange(4).
  expect_values(jx::vmap([](const jx::Array& a) { return a / lax::psum(a, "i"); }, named("i"))(jnp::arange(4.0f)), {4},
                {0, 1.0 / 6, 2.0 / 6, 3.0 / 6});
}

TEST(Collectives, ResultsThatDoNotVaryMayLeaveTheAxisUnmapped) {
  // psum's result is the same on every device, so out_axes = std::nullopt accepts it; x itself varies.
  const jx::Array x = per_device({2});
  const jx::Array total =
      jx::vmap([](const jx::Array& a) { return lax::psum(a, "i"); }, {.out_axes = std::nullopt, .axis_name = "i"})(x);
  expect_values(total, {2}, values(jnp::sum(x, 0)));
  expect_error<jx::ValueError>(
      [&] { jx::vmap([](const jx::Array& a) { return a * 2.0f; }, {.out_axes = std::nullopt, .axis_name = "i"})(x); },
      {"depends on the mapped axis"});
}

TEST(Collectives, PsumOfAValueThatDoesNotVaryMultipliesIt) {
  const jx::Array c = jnp::array({1.5f, -2.0f});
  const jx::Array x = per_device({2});
  const jx::Array got = jx::vmap([&](const jx::Array& a) { return a + lax::psum(c, "i"); }, named("i"))(x);
  const std::vector<double> v = values(x);
  std::vector<double> want;
  for (std::size_t i = 0; i < v.size(); ++i) want.push_back(v[i] + kDevices * (i % 2 == 0 ? 1.5 : -2.0));
  expect_values(got, {4, 2}, want);
  EXPECT_EQ(
      jx::vmap([](const jx::Array&) { return jnp::array(lax::axis_size("i")); }, named("i"))(x).to_vector<int64_t>(),
      std::vector<int64_t>(4, 4));
}

TEST(Collectives, NestedAxesReduceOverEitherOrBoth) {
  const jx::Array x = per_device({3, 2});  // devices i (4) × j (3), a value of 2 each
  const std::vector<double> v = values(x);
  auto at = [&](int i, int j, int k) { return v[static_cast<std::size_t>((i * 3 + j) * 2 + k)]; };
  auto mapped = [](const lax::AxisName& axes) {
    return jx::vmap(jx::vmap([axes](const jx::Array& a) { return lax::psum(a, axes); }, named("j")), named("i"));
  };
  std::vector<double> over_i, over_j, over_both;
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 3; ++j) {
      for (int k = 0; k < 2; ++k) {
        double si = 0, sj = 0, sb = 0;
        for (int a = 0; a < 4; ++a) si += at(a, j, k);
        for (int b = 0; b < 3; ++b) sj += at(i, b, k);
        for (int a = 0; a < 4; ++a) {
          for (int b = 0; b < 3; ++b) sb += at(a, b, k);
        }
        over_i.push_back(si);
        over_j.push_back(sj);
        over_both.push_back(sb);
      }
    }
  }
  expect_values(mapped("i")(x), {4, 3, 2}, over_i);
  expect_values(mapped("j")(x), {4, 3, 2}, over_j);
  expect_values(mapped({"i", "j"})(x), {4, 3, 2}, over_both);
  expect_values(jx::jit(mapped({"j", "i"}))(x), {4, 3, 2}, over_both);
}

TEST(Collectives, AllGatherStacksOrConcatenates) {
  const jx::Array x = per_device({2, 3});
  const std::vector<double> v = values(x);
  auto gather = [&](lax::AllGatherOptions options) {
    return jx::vmap([options](const jx::Array& a) { return lax::all_gather(a, "i", options); }, named("i"))(x);
  };
  // axis 0: every device holds x itself.
  std::vector<double> stacked;
  for (int d = 0; d < kDevices; ++d) stacked.insert(stacked.end(), v.begin(), v.end());
  expect_values(gather({}), {4, 4, 2, 3}, stacked);
  expect_values(gather({.tiled = true}), {4, 8, 3}, stacked);
  // axis 1: element [r][d][c] = x[d][r][c]; tiled along axis 1: [r][d*3 + c].
  std::vector<double> middle;
  for (int r = 0; r < 2; ++r) {
    for (int d = 0; d < kDevices; ++d) {
      for (int c = 0; c < 3; ++c) middle.push_back(v[static_cast<std::size_t>((d * 2 + r) * 3 + c)]);
    }
  }
  std::vector<double> every;
  for (int d = 0; d < kDevices; ++d) every.insert(every.end(), middle.begin(), middle.end());
  expect_values(gather({.axis = 1}), {4, 2, 4, 3}, every);
  expect_values(gather({.axis = 1, .tiled = true}), {4, 2, 12}, every);
}

TEST(Collectives, PsumScatterKeepsEachDevicesBlockOfTheSum) {
  const jx::Array x = per_device({4, 2});
  const std::vector<double> v = values(x);
  std::vector<double> want;  // device i: sum over d of x[d][i]
  for (int i = 0; i < kDevices; ++i) {
    for (int k = 0; k < 2; ++k) {
      double s = 0;
      for (int d = 0; d < kDevices; ++d) s += v[static_cast<std::size_t>((d * 4 + i) * 2 + k)];
      want.push_back(s);
    }
  }
  expect_values(jx::vmap([](const jx::Array& a) { return lax::psum_scatter(a, "i"); }, named("i"))(x), {4, 2}, want);
  // Tiled over the last dimension of [2, 8]: device i keeps columns 2i, 2i+1.
  const jx::Array y = per_device({2, 8});
  const std::vector<double> w = values(y);
  std::vector<double> tiled;
  for (int i = 0; i < kDevices; ++i) {
    for (int r = 0; r < 2; ++r) {
      for (int c = 0; c < 2; ++c) {
        double s = 0;
        for (int d = 0; d < kDevices; ++d) s += w[static_cast<std::size_t>((d * 2 + r) * 8 + 2 * i + c)];
        tiled.push_back(s);
      }
    }
  }
  expect_values(
      jx::vmap([](const jx::Array& a) { return lax::psum_scatter(a, "i", {.scatter_dimension = -1, .tiled = true}); },
               named("i"))(y),
      {4, 2, 2}, tiled);
}

TEST(Collectives, PpermuteSendsAlongThePairsAndZerosTheRest) {
  const jx::Array x = per_device({3});
  const std::vector<double> v = values(x);
  const jx::Array ring = jx::vmap(
      [](const jx::Array& a) {
        return lax::ppermute(a, "i", {{0, 1}, {1, 2}, {2, 3}, {3, 0}});
      },
      named("i"))(x);
  std::vector<double> want;
  for (int d = 0; d < kDevices; ++d) {
    const int from = (d + kDevices - 1) % kDevices;
    for (int k = 0; k < 3; ++k) want.push_back(v[static_cast<std::size_t>(from * 3 + k)]);
  }
  expect_values(ring, {4, 3}, want);
  const jx::Array partial = jx::vmap([](const jx::Array& a) { return lax::ppermute(a, "i", {{2, 0}}); }, named("i"))(x);
  std::vector<double> only(12, 0.0);
  for (int k = 0; k < 3; ++k) only[static_cast<std::size_t>(k)] = v[static_cast<std::size_t>(6 + k)];
  expect_values(partial, {4, 3}, only);
  expect_error<jx::ValueError>(
      [&] {
        jx::vmap([](const jx::Array& a) { return lax::ppermute(a, "i", {{0, 1}, {2, 1}}); }, named("i"))(x);
      },
      {"ppermute", "destination of two pairs"});
  expect_error<jx::ValueError>(
      [&] {
        jx::vmap([](const jx::Array& a) { return lax::ppermute(a, "i", {{0, 4}}); }, named("i"))(x);
      },
      {"ppermute", "outside the axis"});
}

TEST(Collectives, AllToAllExchangesChunks) {
  // Not tiled, split 1, concat 0: device j gets out[i][r] = x_i[r][j].
  const jx::Array x = per_device({3, 4});
  const std::vector<double> v = values(x);
  std::vector<double> want;
  for (int j = 0; j < kDevices; ++j) {
    for (int i = 0; i < kDevices; ++i) {
      for (int r = 0; r < 3; ++r) want.push_back(v[static_cast<std::size_t>((i * 3 + r) * 4 + j)]);
    }
  }
  expect_values(jx::vmap([](const jx::Array& a) { return lax::all_to_all(a, "i", 1, 0); }, named("i"))(x), {4, 4, 3},
                want);
  // Tiled, split 0, concat 1: device j gets out[r][i*3 + c] = x_i[2j + r][c].
  const jx::Array y = per_device({8, 3});
  const std::vector<double> w = values(y);
  std::vector<double> tiled;
  for (int j = 0; j < kDevices; ++j) {
    for (int r = 0; r < 2; ++r) {
      for (int i = 0; i < kDevices; ++i) {
        for (int c = 0; c < 3; ++c) tiled.push_back(w[static_cast<std::size_t>((i * 8 + 2 * j + r) * 3 + c)]);
      }
    }
  }
  expect_values(
      jx::vmap([](const jx::Array& a) { return lax::all_to_all(a, "i", 0, 1, {.tiled = true}); }, named("i"))(y),
      {4, 2, 12}, tiled);
  expect_error<jx::ShapeError>(
      [&] { jx::vmap([](const jx::Array& a) { return lax::all_to_all(a, "i", 0, 0); }, named("i"))(x); },
      {"all_to_all", "must be equal to the axis size 4"});
}

TEST(Collectives, AxisIndexNumbersTheDevices) {
  const jx::Array x = per_device({2});
  const jx::Array got = jx::vmap([](const jx::Array& a) { return a * lax::axis_index("i"); }, named("i"))(x);
  const std::vector<double> v = values(x);
  std::vector<double> want;
  for (std::size_t k = 0; k < v.size(); ++k) want.push_back(v[k] * static_cast<double>(k / 2));
  expect_values(got, {4, 2}, want);
  // Nested: the outer index, seen from the inner map.
  const jx::Array outer = jx::vmap(jx::vmap([](const jx::Array&) { return lax::axis_index("i"); }, named("j")),
                                   named("i"))(per_device({3, 1}));
  EXPECT_EQ(outer.to_vector<int>(), (std::vector<int>{0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3}));
}

TEST(Collectives, InsideControlFlow) {
  const jx::Array x = per_device({3});
  const std::vector<double> total = values(jnp::sum(x, 0));
  // A loop whose body sums over the devices each step: after 2 steps, x + 2 * sum.
  auto looped = jx::vmap(
      [](const jx::Array& a) {
        return lax::fori_loop(
            0, 2, [&a](const jx::Array&, const jx::Array& acc) { return acc + lax::psum(a, "i"); }, a);
      },
      named("i"));
  std::vector<double> want = values(x);
  for (std::size_t k = 0; k < want.size(); ++k) want[k] += 2 * total[k % 3];
  expect_values(looped(x), {4, 3}, want);
  expect_values(jx::jit(looped)(x), {4, 3}, want);
  // A branch that sums a value that does not vary (psum multiplies it), chosen by one that does not.
  const jx::Array c = jnp::array({1.0f, 2.0f, 3.0f});
  auto branch = jx::vmap(
      [&](const jx::Array& a) {
        return a + lax::cond(
                       jnp::array(true), [&](const jx::Array& k) { return lax::psum(k, "i"); },
                       [](const jx::Array& k) { return k; }, c);
      },
      named("i"));
  std::vector<double> expected = values(x);
  for (std::size_t k = 0; k < expected.size(); ++k) expected[k] += kDevices * static_cast<double>(k % 3 + 1);
  expect_values(branch(x), {4, 3}, expected);
}

TEST(Collectives, MappedFunctionsDifferentiateAsAWhole) {
  // check_grads of the whole mapped function: the collectives' batching rules, differentiated.
  const jx::Array x = per_device({4}) * 0.3f;
  jx::test::check_grads(
      [](const jx::Array& a) {
        return jx::vmap([](const jx::Array& e) { return jnp::sin(e) * lax::psum(e * e, "i"); }, named("i"))(a);
      },
      {x}, 2, jx::test::Modes::both, 1e-3, 1e-3, 1e-3);
  jx::test::check_grads(
      [](const jx::Array& a) {
        return jx::vmap(
            [](const jx::Array& e) {
              const jx::Array g = lax::all_gather(e, "i");
              const jx::Array s = lax::psum_scatter(g * g, "i", {.tiled = false});
              return s + lax::ppermute(e, "i", {{0, 1}, {1, 2}, {2, 3}}) * lax::all_to_all(jnp::cos(e), "i", 0, 0);
            },
            named("i"))(a);
      },
      {x}, 1, jx::test::Modes::both, 1e-3, 1e-3, 1e-3);
}

TEST(Collectives, GradInsideTheMapFollowsJaxsTransposition) {
  const jx::Array x = per_device({}) * 0.5f;  // one number per device
  const std::vector<double> v = values(x);
  double s = 0;
  for (double e : v) s += e;
  // A loss that psum makes the same on every device: its gradient is that of the one loss, 2 x_i
  // (psum's transpose passes the invariant cotangent on; it does not multiply it by the devices).
  const jx::Array invariant =
      jx::vmap(jx::grad([](const jx::Array& e) { return lax::psum(e * e, "i"); }), named("i"))(x);
  std::vector<double> want;
  for (double e : v) want.push_back(2 * e);
  expect_values(invariant, {4}, want);
  // A varying loss psum(x) * x_i: the cotangent of psum varies, so it is summed: 2 * sum(x).
  const jx::Array varying = jx::vmap(jx::grad([](const jx::Array& e) { return lax::psum(e, "i") * e; }), named("i"))(x);
  expect_values(varying, {4}, std::vector<double>(4, 2 * s));
  // all_gather's transpose is psum_scatter: d/dx_i of sum_j (gathered[j] * w_j) is w_i summed over devices.
  const jx::Array w = jnp::array({1.0f, 2.0f, 3.0f, 4.0f});
  const jx::Array gathered =
      jx::vmap(jx::grad([&](const jx::Array& e) { return jnp::sum(lax::all_gather(e, "i") * w); }), named("i"))(x);
  expect_values(gathered, {4}, {4, 8, 12, 16});
}

TEST(Collectives, UnboundAxisNamesAreNameErrors) {
  const jx::Array x = per_device({2});
  expect_error<jx::NameError>([&] { lax::psum(x, "i"); }, {"psum", "unbound axis name: i", "none"});
  expect_error<jx::NameError>(
      [&] { jx::vmap([](const jx::Array& a) { return lax::all_gather(a, "k"); }, named("i"))(x); },
      {"all_gather", "unbound axis name: k", "are: i", "lax_parallel_test.cpp"});
  expect_error<jx::NameError>([&] { lax::axis_index("batch"); }, {"axis_index", "unbound axis name: batch"});
}

}  // namespace
