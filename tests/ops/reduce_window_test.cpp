// lax.reduce_window (sum, max, min) and nn::max_pool / avg_pool: values against a direct-loop oracle
// written here for every padding, stride and dilation case, the gradient of max pooling against the
// scatter to each window's first maximum, finite-difference derivatives at orders 1 and 2 in both
// modes, vmap against a loop, jit against eager, and the errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "backends/cpu/thread_pool.h"
#include "error_expectations.h"
#include "jx/core/config.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/nn/pooling.h"
#include "jx/numpy.h"
#include "jx/test_util.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/jit.h"
#include "jx/transforms/vmap.h"

namespace jnp = jx::numpy;
namespace lax = jx::lax;

namespace {

using jx_test::expect_error;

enum class Kind { sum, max, min };

struct Window {
  jx::Shape dimensions;
  std::vector<std::int64_t> strides;
  std::vector<std::pair<std::int64_t, std::int64_t>> padding;
  std::vector<std::int64_t> base_dilation, window_dilation;
};

struct Oracle {
  jx::Shape shape;
  std::vector<double> out;
  std::vector<double> gradient;  // of sum(out * cotangent), for max and min: at each window's first pick
};

// XLA's reduce_window as nested loops: padding and holes hold the identity and never win a max.
Oracle reference(Kind kind, const std::vector<double>& x, const jx::Shape& shape, const Window& w,
                 const std::vector<double>* cotangent = nullptr) {
  const int n = shape.ndim();
  Oracle result;
  for (int d = 0; d < n; ++d) {
    const auto u = static_cast<std::size_t>(d);
    const std::int64_t padded =
        (shape[d] == 0 ? 0 : (shape[d] - 1) * w.base_dilation[u] + 1) + w.padding[u].first + w.padding[u].second;
    const std::int64_t window = (w.dimensions[d] - 1) * w.window_dilation[u] + 1;
    result.shape.push_back(padded < window ? 0 : (padded - window) / w.strides[u] + 1);
  }
  result.out.assign(static_cast<std::size_t>(result.shape.num_elements()), 0.0);
  result.gradient.assign(x.size(), 0.0);
  if (result.shape.num_elements() == 0) return result;
  std::vector<std::int64_t> o(static_cast<std::size_t>(n), 0), k(static_cast<std::size_t>(n), 0);
  auto advance = [n](std::vector<std::int64_t>& index, auto extent) {
    for (int d = n - 1; d >= 0; --d) {
      if (++index[static_cast<std::size_t>(d)] < extent(d)) return true;
      index[static_cast<std::size_t>(d)] = 0;
    }
    return false;
  };
  std::int64_t out_flat = 0;
  do {
    double acc = kind == Kind::sum ? 0 : kind == Kind::max ? -INFINITY : INFINITY;
    std::int64_t pick = -1;
    std::fill(k.begin(), k.end(), 0);
    do {
      std::int64_t flat = 0;
      bool inside = true;
      for (int d = 0; d < n && inside; ++d) {
        const auto u = static_cast<std::size_t>(d);
        const std::int64_t y = o[u] * w.strides[u] + k[u] * w.window_dilation[u] - w.padding[u].first;
        inside = y >= 0 && y % w.base_dilation[u] == 0 && y / w.base_dilation[u] < shape[d];
        flat = flat * shape[d] + y / w.base_dilation[u];
      }
      if (!inside) continue;
      const double v = x[static_cast<std::size_t>(flat)];
      if (kind == Kind::sum) {
        acc += v;
        if (cotangent)
          result.gradient[static_cast<std::size_t>(flat)] += (*cotangent)[static_cast<std::size_t>(out_flat)];
      } else if (pick < 0 || (kind == Kind::max ? !(acc >= v) : !(acc <= v))) {
        acc = v;
        pick = flat;
      }
    } while (advance(k, [&](int d) { return w.dimensions[d]; }));
    result.out[static_cast<std::size_t>(out_flat)] = acc;
    if (cotangent && pick >= 0)
      result.gradient[static_cast<std::size_t>(pick)] += (*cotangent)[static_cast<std::size_t>(out_flat)];
    ++out_flat;
  } while (advance(o, [&](int d) { return result.shape[d]; }));
  return result;
}

// Distinct values (a permutation of a grid), so that maxima are unique and finite differences never
// cross a tie.
std::vector<double> distinct_values(std::int64_t n, int salt) {
  std::vector<double> v(static_cast<std::size_t>(n));
  const std::int64_t step = 7919 % std::max<std::int64_t>(n, 1) == 0 ? 1 : 7919;
  for (std::int64_t i = 0; i < n; ++i) {
    v[static_cast<std::size_t>(i)] = static_cast<double>((i * step + salt) % n) / static_cast<double>(n) * 4 - 2;
  }
  return v;
}

struct Case {
  std::string name;
  jx::Shape shape;
  Window window;
};

std::vector<Case> cases() {
  // NHWC-style operands: windows over the middle axes, the first and last untouched.
  return {
      {"pool2x2",
       {2, 6, 6, 3},
       {{1, 2, 2, 1}, {1, 2, 2, 1}, {{0, 0}, {0, 0}, {0, 0}, {0, 0}}, {1, 1, 1, 1}, {1, 1, 1, 1}}},
      {"overlapping3x3",
       {2, 7, 6, 2},
       {{1, 3, 3, 1}, {1, 2, 2, 1}, {{0, 0}, {1, 1}, {1, 1}, {0, 0}}, {1, 1, 1, 1}, {1, 1, 1, 1}}},
      {"asymmetric_padding",
       {1, 5, 7, 2},
       {{1, 2, 3, 1}, {1, 1, 2, 1}, {{0, 0}, {2, 0}, {0, 3}, {0, 0}}, {1, 1, 1, 1}, {1, 1, 1, 1}}},
      {"window_dilation",
       {2, 8, 7, 2},
       {{1, 2, 2, 1}, {1, 1, 2, 1}, {{0, 0}, {1, 0}, {0, 0}, {0, 0}}, {1, 1, 1, 1}, {1, 2, 3, 1}}},
      {"base_dilation",
       {1, 4, 5, 2},
       {{1, 3, 2, 1}, {1, 2, 1, 1}, {{0, 0}, {1, 1}, {0, 1}, {0, 0}}, {1, 2, 3, 1}, {1, 1, 1, 1}}},
      {"negative_padding",
       {2, 6, 6, 1},
       {{1, 2, 2, 1}, {1, 1, 1, 1}, {{0, 0}, {-1, 0}, {0, -2}, {0, 0}}, {1, 1, 1, 1}, {1, 1, 1, 1}}},
      {"every_axis", {3, 5, 4}, {{2, 2, 3}, {1, 2, 1}, {{1, 0}, {0, 1}, {1, 1}}, {1, 1, 1}, {1, 1, 1}}},
      {"last_axis_windowed", {4, 9}, {{1, 3}, {1, 2}, {{0, 0}, {1, 1}}, {1, 1}, {1, 1}}},
      {"everything_padding",
       {1, 2, 2, 1},
       {{1, 2, 2, 1}, {1, 3, 3, 1}, {{0, 0}, {3, 3}, {3, 3}, {0, 0}}, {1, 1, 1, 1}, {1, 1, 1, 1}}},
      {"large_nhwc",
       {4, 28, 28, 16},
       {{1, 2, 2, 1}, {1, 2, 2, 1}, {{0, 0}, {0, 0}, {0, 0}, {0, 0}}, {1, 1, 1, 1}, {1, 1, 1, 1}}},
  };
}

jx::Array reduce(Kind kind, const jx::Array& x, const Window& w) {
  const lax::ReduceWindowOptions options{.base_dilation = w.base_dilation, .window_dilation = w.window_dilation};
  switch (kind) {
    case Kind::sum:
      return lax::reduce_window(x, 0.0, lax::add, w.dimensions, w.strides, w.padding, options);
    case Kind::max:
      return lax::reduce_window(x, -INFINITY, lax::max, w.dimensions, w.strides, w.padding, options);
    case Kind::min:
      return lax::reduce_window_min(x, w.dimensions, w.strides, w.padding, options);
  }
  return {};
}

std::string kind_name(Kind kind) { return kind == Kind::sum ? "sum" : kind == Kind::max ? "max" : "min"; }

void expect_values(const jx::Array& got, const std::vector<double>& want, const jx::Shape& shape, double tolerance,
                   const std::string& what) {
  ASSERT_EQ(got.shape(), shape) << what;
  const std::vector<double> g = got.astype(jx::float64).to_vector<double>();
  ASSERT_EQ(g.size(), want.size()) << what;
  for (std::size_t i = 0; i < g.size(); ++i) {
    if (std::isinf(want[i])) {
      ASSERT_EQ(g[i], want[i]) << what << ", element " << i;
    } else {
      ASSERT_NEAR(g[i], want[i], tolerance * (1 + std::abs(want[i]))) << what << ", element " << i;
    }
  }
}

// --- Values and gradients against the oracle -------------------------------------------------------

TEST(ReduceWindow, MatchesTheDirectLoopInEveryCase) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  for (const Case& c : cases()) {
    const std::vector<double> x = distinct_values(c.shape.num_elements(), 3);
    for (Kind kind : {Kind::sum, Kind::max, Kind::min}) {
      const Oracle want = reference(kind, x, c.shape, c.window);
      for (jx::DType dtype : {jx::float32, jx::float64}) {
        const jx::Array out = reduce(kind, jnp::array(x, c.shape, dtype), c.window);
        EXPECT_EQ(out.dtype(), dtype);
        expect_values(out, want.out, want.shape, dtype == jx::float32 ? 1e-6 : 1e-14,
                      c.name + " " + kind_name(kind) + " " + std::string(jx::dtype_name(dtype)));
      }
    }
    // Integers: sums exact; the max of nothing (all padding) is the lowest integer.
    std::vector<double> ints(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) ints[i] = std::round(x[i] * 10);
    const Oracle sums = reference(Kind::sum, ints, c.shape, c.window);
    expect_values(reduce(Kind::sum, jnp::array(ints, c.shape, jx::int32), c.window), sums.out, sums.shape, 0,
                  c.name + " int32 sum");
    const jx::Array int_max = reduce(Kind::max, jnp::array(ints, c.shape, jx::int32), c.window);
    const Oracle maxima = reference(Kind::max, ints, c.shape, c.window);
    const std::vector<double> got = int_max.astype(jx::float64).to_vector<double>();
    for (std::size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i], std::isinf(maxima.out[i]) ? std::numeric_limits<std::int32_t>::lowest() : maxima.out[i]);
    }
  }
}

TEST(ReduceWindow, GradientsMatchTheDirectLoop) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  for (const Case& c : cases()) {
    const std::vector<double> x = distinct_values(c.shape.num_elements(), 4);
    for (Kind kind : {Kind::sum, Kind::max, Kind::min}) {
      const Oracle shape_only = reference(kind, x, c.shape, c.window);
      const std::vector<double> ct = distinct_values(shape_only.shape.num_elements(), 5);
      const Oracle want = reference(kind, x, c.shape, c.window, &ct);
      for (jx::DType dtype : {jx::float32, jx::float64}) {
        auto [out, pullback] =
            jx::vjp([&](const jx::Array& a) { return reduce(kind, a, c.window); }, jnp::array(x, c.shape, dtype));
        auto [gradient] = pullback(jnp::array(ct, want.shape, dtype));
        expect_values(gradient, want.gradient, c.shape, dtype == jx::float32 ? 1e-6 : 1e-14,
                      c.name + " " + kind_name(kind) + " gradient");
        // Forward mode: the tangent of the picked element (max, min), or the window sum of tangents.
        const std::vector<double> t = distinct_values(c.shape.num_elements(), 6);
        const auto [primal, tangent] =
            jx::jvp([&](const jx::Array& a) { return reduce(kind, a, c.window); },
                    std::tuple{jnp::array(x, c.shape, dtype)}, std::tuple{jnp::array(t, c.shape, dtype)});
        // <jvp(t), ct> = <t, vjp(ct)>.
        double forward = 0, backward = 0;
        const auto tangent_values = tangent.astype(jx::float64).to_vector<double>();
        for (std::size_t i = 0; i < ct.size(); ++i) forward += tangent_values[i] * ct[i];
        for (std::size_t i = 0; i < t.size(); ++i) backward += t[i] * want.gradient[i];
        EXPECT_NEAR(forward, backward, 1e-4 * (1 + std::abs(backward))) << c.name << " " << kind_name(kind);
      }
    }
  }
}

// Windows that tile the image exactly run on their own kernel (reduce_window.cpp's Tiling): ties (a
// ReLU's zeros, +0 next to -0) pick the first maximum in window order, in the forward and in the
// gradient, on 1 and 2 threads, float32 and float64, as the direct loop does.
TEST(ReduceWindow, TiledWindowsPickTheFirstMaximumOfATie) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const jx::Shape shape{8, 12, 12, 16};
  const Window pool{{1, 2, 2, 1}, {1, 2, 2, 1}, {{0, 0}, {0, 0}, {0, 0}, {0, 0}}, {1, 1, 1, 1}, {1, 1, 1, 1}};
  std::vector<double> x = distinct_values(shape.num_elements(), 7);
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (i % 3 == 0) x[i] = 0.0;  // many windows tie at zero
    if (i % 7 == 0) x[i] = -0.0;
  }
  const Oracle shape_only = reference(Kind::max, x, shape, pool);
  const std::vector<double> ct = distinct_values(shape_only.shape.num_elements(), 8);
  const Oracle want = reference(Kind::max, x, shape, pool, &ct);
  const int saved = jx::cpu::num_threads();
  for (int threads : {1, 2}) {
    jx::cpu::set_num_threads(threads);
    for (jx::DType dtype : {jx::float32, jx::float64}) {
      const std::string what = std::to_string(threads) + " threads " + std::string(jx::dtype_name(dtype));
      auto [out, pullback] =
          jx::vjp([&](const jx::Array& a) { return reduce(Kind::max, a, pool); }, jnp::array(x, shape, dtype));
      const double tolerance = dtype == jx::float32 ? 1e-6 : 1e-14;  // the float32 rounding of the values
      expect_values(out, want.out, want.shape, tolerance, "tiled forward " + what);
      auto [gradient] = pullback(jnp::array(ct, want.shape, dtype));
      expect_values(gradient, want.gradient, shape, tolerance, "tiled gradient " + what);
    }
  }
  jx::cpu::set_num_threads(saved);
}

TEST(ReduceWindow, FiniteDifferencesOrdersOneAndTwoBothModes) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  for (const Case& c : cases()) {
    if (c.shape.num_elements() > 200) continue;
    SCOPED_TRACE(c.name);
    const jx::Array x = jnp::array(distinct_values(c.shape.num_elements(), 7), c.shape, jx::float64);
    for (Kind kind : {Kind::sum, Kind::max, Kind::min}) {
      // A window of padding (or holes) alone has the max -inf, whose square has no finite differences.
      const Oracle values = reference(kind, x.to_vector<double>(), c.shape, c.window);
      if (std::any_of(values.out.begin(), values.out.end(), [](double v) { return std::isinf(v); })) continue;
      // Squared, so that second derivatives are not all zero (through select_and_gather_add's and
      // select_and_scatter_add's transposes of each other).
      try {
        jx::test::check_grads([&](const jx::Array& a) { return jnp::square(reduce(kind, a, c.window)); }, {x}, 2,
                              jx::test::Modes::both, 1e-6, 1e-6, 1e-5);
      } catch (const jx::Error& e) {
        ADD_FAILURE() << c.name << " " << kind_name(kind) << ": " << e.what();
      }
    }
  }
}

TEST(ReduceWindow, VmapMatchesALoop) {
  for (const Case& c : cases()) {
    if (c.shape.num_elements() > 1000) continue;
    SCOPED_TRACE(c.name);
    for (Kind kind : {Kind::sum, Kind::max}) {
      for (int axis : {0, -1}) {
        jx::Shape batched = c.shape;
        batched.insert(axis < 0 ? c.shape.ndim() : axis, 3);
        const jx::Array xs = jnp::array(distinct_values(batched.num_elements(), 8), batched);
        const auto f = [&](const jx::Array& a) { return reduce(kind, a, c.window); };
        const jx::Array mapped = jx::vmap(f, {.in_axes = {axis}, .out_axes = axis})(xs);
        std::vector<jx::Array> slices;
        for (int b = 0; b < 3; ++b) slices.push_back(f(jnp::take(xs, jnp::array(b), axis)));
        const jx::Array looped = jnp::stack(slices, axis);
        expect_values(mapped, looped.astype(jx::float64).to_vector<double>(), looped.shape(), 1e-6, c.name);
        // Per-example gradients of max pooling: vmap(grad) against grad per example.
        if (kind == Kind::max) {
          const auto g = jx::grad([&](const jx::Array& a) { return jnp::sum(jnp::square(f(a))); });
          const jx::Array mapped_grads = jx::vmap(g, {.in_axes = {axis}, .out_axes = axis})(xs);
          std::vector<jx::Array> grads;
          for (int b = 0; b < 3; ++b) grads.push_back(g(jnp::take(xs, jnp::array(b), axis)));
          const jx::Array looped_grads = jnp::stack(grads, axis);
          expect_values(mapped_grads, looped_grads.astype(jx::float64).to_vector<double>(), looped_grads.shape(), 1e-6,
                        c.name + " gradients");
        }
      }
    }
  }
}

TEST(ReduceWindow, JitAgreesWithEager) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    const jx::Array x = jnp::array(distinct_values(c.shape.num_elements(), 9), c.shape);
    for (Kind kind : {Kind::sum, Kind::max, Kind::min}) {
      const auto f = [&](const jx::Array& a) { return reduce(kind, a, c.window); };
      const jx::Array eager = f(x);
      EXPECT_EQ(jx::repr(jx::jit(f)(x)), jx::repr(eager));
      const auto g = jx::grad([&](const jx::Array& a) { return jnp::sum(jnp::sin(f(a))); });
      const jx::Array eager_grad = g(x);
      expect_values(jx::jit(g)(x), eager_grad.astype(jx::float64).to_vector<double>(), eager_grad.shape(), 1e-6,
                    c.name);
    }
  }
}

// --- Pooling -------------------------------------------------------------------------------------

TEST(Pooling, MaxAndAvgPoolAsFlaxDefinesThem) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const jx::Shape shape{2, 7, 6, 3};
  const std::vector<double> values = distinct_values(shape.num_elements(), 10);
  const jx::Array x = jnp::array(values, shape, jx::float64);
  struct Pool {
    jx::Shape window;
    std::vector<std::int64_t> strides;
    std::string padding;
  };
  for (const Pool& p : std::vector<Pool>{
           {{2, 2}, {2, 2}, "VALID"}, {{3, 3}, {1, 1}, "SAME"}, {{3, 2}, {2, 1}, "SAME"}, {{2, 3}, {}, "VALID"}}) {
    // The full-rank window of the pooling, with SAME padding worked out by hand.
    Window w{
        {1, p.window[0], p.window[1], 1}, {1, 1, 1, 1}, {{0, 0}, {0, 0}, {0, 0}, {0, 0}}, {1, 1, 1, 1}, {1, 1, 1, 1}};
    for (int d = 0; d < 2; ++d) {
      const std::int64_t stride = p.strides.empty() ? 1 : p.strides[static_cast<std::size_t>(d)];
      w.strides[static_cast<std::size_t>(d) + 1] = stride;
      if (p.padding == "SAME") {
        const std::int64_t in = shape[d + 1], out = (in + stride - 1) / stride;
        const std::int64_t total = std::max<std::int64_t>((out - 1) * stride + p.window[d] - in, 0);
        w.padding[static_cast<std::size_t>(d) + 1] = {total / 2, total - total / 2};
      }
    }
    const jx::nn::PoolOptions options{.strides = p.strides, .padding = p.padding};
    const std::string what = p.window.to_string() + " " + p.padding;
    const Oracle maxima = reference(Kind::max, values, shape, w);
    expect_values(jx::nn::max_pool(x, p.window, options), maxima.out, maxima.shape, 1e-14, "max_pool " + what);
    const Oracle sums = reference(Kind::sum, values, shape, w);
    std::vector<double> means = sums.out;
    for (double& m : means) m /= static_cast<double>(p.window.num_elements());
    expect_values(jx::nn::avg_pool(x, p.window, options), means, sums.shape, 1e-14, "avg_pool " + what);
    // count_include_pad = false divides by the elements each window really covers.
    const Oracle counts = reference(Kind::sum, std::vector<double>(values.size(), 1.0), shape, w);
    std::vector<double> true_means = sums.out;
    for (std::size_t i = 0; i < true_means.size(); ++i) true_means[i] /= counts.out[i];
    jx::nn::PoolOptions exclusive = options;
    exclusive.count_include_pad = false;
    expect_values(jx::nn::avg_pool(x, p.window, exclusive), true_means, sums.shape, 1e-14,
                  "avg_pool exclusive " + what);
  }
  // Without a batch axis, and with explicit padding pairs per window axis.
  const jx::Array image = jnp::array(values, shape, jx::float64)[0];
  const jx::Array unbatched = jx::nn::max_pool(image, {2, 2}, {.strides = {2, 2}, .padding = {{1, 0}, {0, 1}}});
  const Oracle single = reference(Kind::max, std::vector<double>(values.begin(), values.begin() + 7 * 6 * 3), {7, 6, 3},
                                  {{2, 2, 1}, {2, 2, 1}, {{1, 0}, {0, 1}, {0, 0}}, {1, 1, 1}, {1, 1, 1}});
  expect_values(unbatched, single.out, single.shape, 1e-14, "unbatched max_pool");
  // Integers average to floats.
  const jx::Array ints = jnp::arange(16).reshape({1, 4, 4, 1});
  const jx::Array averaged = jx::nn::avg_pool(ints, {2, 2}, {.strides = {2, 2}});
  EXPECT_TRUE(jx::is_floating(averaged.dtype()));
  EXPECT_EQ(averaged.to_vector<double>(), (std::vector<double>{2.5, 4.5, 10.5, 12.5}));
}

TEST(Pooling, FiniteDifferencesOrdersOneAndTwoBothModes) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const jx::Array x = jnp::array(distinct_values(2 * 5 * 6 * 2, 11), {2, 5, 6, 2}, jx::float64);
  for (const std::string padding : {"VALID", "SAME"}) {
    SCOPED_TRACE(padding);
    const jx::nn::PoolOptions options{.strides = {2, 2}, .padding = padding};
    jx::test::check_grads(
        [&](const jx::Array& a) {
          return jnp::square(jx::nn::max_pool(a, {3, 2}, options));
        },
        {x}, 2, jx::test::Modes::both, 1e-6, 1e-6, 1e-5);
    jx::test::check_grads(
        [&](const jx::Array& a) {
          return jnp::square(jx::nn::avg_pool(a, {3, 2}, options));
        },
        {x}, 2, jx::test::Modes::both, 1e-6, 1e-6, 1e-5);
    jx::nn::PoolOptions exclusive = options;
    exclusive.count_include_pad = false;
    jx::test::check_grads(
        [&](const jx::Array& a) {
          return jnp::square(jx::nn::avg_pool(a, {3, 2}, exclusive));
        },
        {x}, 2, jx::test::Modes::both, 1e-6, 1e-6, 1e-5);
  }
}

// --- Errors --------------------------------------------------------------------------------------

std::string here(int line) { return "reduce_window_test.cpp:" + std::to_string(line); }

TEST(ReduceWindow, ErrorsNameTheOpTheShapesAndTheCaller) {
  const jx::Array x = jnp::ones({2, 6, 6, 3});
  int line = __LINE__ + 3;  // the line of the call inside the lambda below
  expect_error<jx::ShapeError>(
      [&] {
        lax::reduce_window_max(x, {2, 2}, {2, 2}, "VALID");
      },
      {"[reduce_window_max]", "f32[2,6,6,3]", "window_dimensions", here(line)});
  line = __LINE__ + 3;  // the line of the call inside the lambda below
  expect_error<jx::ShapeError>(
      [&] {
        lax::reduce_window_sum(x, {1, 0, 2, 1}, {1, 1, 1, 1}, "VALID");
      },
      {"[reduce_window_sum]", "positive", here(line)});
  line = __LINE__ + 3;  // the line of the call inside the lambda below
  expect_error<jx::ValueError>(
      [&] {
        lax::reduce_window(x, 1.0, lax::add, {1, 2, 2, 1}, {1, 1, 1, 1}, "VALID");
      },
      {"[reduce_window]", "init value 0", here(line)});
  // Only the monoids XLA knows are computations; any other function is refused when compiling.
  static_assert(std::is_convertible_v<lax::add_function, lax::ReduceComputation>);
  static_assert(std::is_convertible_v<lax::max_function, lax::ReduceComputation>);
  static_assert(!std::is_convertible_v<lax::mul_function, lax::ReduceComputation>);
  static_assert(!std::is_convertible_v<lax::sub_function, lax::ReduceComputation>);
  line = __LINE__ + 3;  // the line of the call inside the lambda below
  expect_error<jx::ShapeError>(
      [&] {
        jx::nn::max_pool(jnp::ones({6, 6}), {2, 2});
      },
      {"[max_pool]", "f32[6,6]", here(line)});
  expect_error<jx::ShapeError>([&] { jx::nn::avg_pool(x, {2, 2}, {.strides = {2}}); }, {"[avg_pool]", "strides"});
  expect_error<jx::DTypeError>([&] { lax::reduce_window_max(jnp::ones({4}, jx::bool_), {2}, {1}, "VALID"); },
                               {"[reduce_window_max]", "bool"});
  // A max with an init value other than the identity clamps the result by it, as in XLA.
  const jx::Array clamped =
      lax::reduce_window(jnp::array({-3.0f, -1.0f, -4.0f, -2.0f}), -2.5, lax::max, {2}, {2}, "VALID");
  EXPECT_EQ(clamped.to_vector<float>(), (std::vector<float>{-1.0f, -2.0f}));
}

}  // namespace
