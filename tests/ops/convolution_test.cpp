// lax.conv_general_dilated: values and both gradients against a direct-loop oracle written here (every
// padding, stride, dilation and grouping case, in several layouts and dtypes, small and tiled sizes),
// finite-difference derivatives at orders 1 and 2 in both modes, vmap against a loop, jit against
// eager, dimension-number resolution and the errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "error_expectations.h"
#include "jx/core/config.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/test_util.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/jit.h"
#include "jx/transforms/vmap.h"

namespace jnp = jx::numpy;
namespace lax = jx::lax;

namespace {

using jx_test::expect_error;

// --- The oracle: XLA's convolution as nested loops over canonical indices -----------------------

struct Specs {
  std::vector<int> lhs, rhs, out;  // (batch, feature, spatial...), (out feature, in feature, spatial...)
};

// A layout string's axis numbers, spatial letters in rhs's order (written independently of jx's).
Specs specs_of(const std::string& lhs, const std::string& rhs, const std::string& out) {
  auto one = [&](const std::string& s, char a, char b) {
    std::vector<int> spec{static_cast<int>(s.find(a)), static_cast<int>(s.find(b))};
    for (char c : rhs) {
      if (c != 'O' && c != 'I') spec.push_back(static_cast<int>(s.find(c)));
    }
    return spec;
  };
  return {one(lhs, 'N', 'C'), one(rhs, 'O', 'I'), one(out, 'N', 'C')};
}

struct Geometry {
  std::vector<std::int64_t> strides, lhs_dilation, rhs_dilation;
  std::vector<std::pair<std::int64_t, std::int64_t>> padding;
  std::int64_t feature_groups = 1, batch_groups = 1;
};

std::int64_t flat_index(const jx::Shape& shape, const std::vector<int>& spec,
                        const std::vector<std::int64_t>& canonical) {
  std::vector<std::int64_t> index(static_cast<std::size_t>(shape.ndim()));
  for (std::size_t j = 0; j < spec.size(); ++j) index[static_cast<std::size_t>(spec[j])] = canonical[j];
  std::int64_t flat = 0;
  for (int d = 0; d < shape.ndim(); ++d) flat = flat * shape[d] + index[static_cast<std::size_t>(d)];
  return flat;
}

struct Oracle {
  jx::Shape out_shape;
  std::vector<double> out, lhs_grad, rhs_grad;  // gradients of sum(out * cotangent)
};

Oracle reference_conv(const std::vector<double>& lhs, const jx::Shape& lhs_shape, const std::vector<double>& rhs,
                      const jx::Shape& rhs_shape, const Specs& s, const Geometry& g,
                      const std::vector<double>* cotangent = nullptr) {
  const int nsp = lhs_shape.ndim() - 2;
  const std::int64_t batch = lhs_shape[s.lhs[0]], out_features = rhs_shape[s.rhs[0]];
  const std::int64_t in_features = rhs_shape[s.rhs[1]];
  const std::int64_t groups = std::max(g.feature_groups, g.batch_groups);
  const std::int64_t out_batch = batch / g.batch_groups, group_size = out_features / groups;
  std::vector<std::int64_t> canonical_out{out_batch, out_features};
  for (int d = 0; d < nsp; ++d) {
    const auto u = static_cast<std::size_t>(d);
    const std::int64_t in = lhs_shape[s.lhs[u + 2]], k = rhs_shape[s.rhs[u + 2]];
    const std::int64_t padded =
        (in == 0 ? 0 : (in - 1) * g.lhs_dilation[u] + 1) + g.padding[u].first + g.padding[u].second;
    const std::int64_t window = k == 0 ? 0 : (k - 1) * g.rhs_dilation[u] + 1;
    canonical_out.push_back(padded < window ? 0 : (padded - window) / g.strides[u] + 1);
  }
  Oracle result;
  result.out_shape = lhs_shape;
  for (std::size_t j = 0; j < s.out.size(); ++j) result.out_shape[s.out[j]] = canonical_out[j];
  result.out.assign(static_cast<std::size_t>(result.out_shape.num_elements()), 0.0);
  result.lhs_grad.assign(lhs.size(), 0.0);
  result.rhs_grad.assign(rhs.size(), 0.0);
  // Odometers over (out batch, out feature, out spatial...) and (in feature, kernel spatial...).
  std::vector<std::int64_t> o(canonical_out.size(), 0);
  std::vector<std::int64_t> kernel_extent{in_features};
  for (int d = 0; d < nsp; ++d) kernel_extent.push_back(rhs_shape[s.rhs[static_cast<std::size_t>(d) + 2]]);
  auto advance = [](std::vector<std::int64_t>& index, const std::vector<std::int64_t>& extent) {
    for (std::size_t j = index.size(); j-- > 0;) {
      if (++index[j] < extent[j]) return true;
      index[j] = 0;
    }
    return false;
  };
  for (std::int64_t e : canonical_out) {
    if (e == 0) return result;
  }
  for (std::int64_t e : kernel_extent) {
    if (e == 0) return result;
  }
  do {
    const std::int64_t group = o[1] / group_size;
    const std::int64_t out_flat = flat_index(result.out_shape, s.out, o);
    std::vector<std::int64_t> tap(kernel_extent.size(), 0);
    double sum = 0;
    do {
      std::vector<std::int64_t> l{g.batch_groups > 1 ? group * out_batch + o[0] : o[0],
                                  g.feature_groups > 1 ? group * in_features + tap[0] : tap[0]};
      bool inside = true;
      for (int d = 0; d < nsp && inside; ++d) {
        const auto u = static_cast<std::size_t>(d);
        const std::int64_t x = o[u + 2] * g.strides[u] + tap[u + 1] * g.rhs_dilation[u] - g.padding[u].first;
        inside = x >= 0 && x % g.lhs_dilation[u] == 0 && x / g.lhs_dilation[u] < lhs_shape[s.lhs[u + 2]];
        l.push_back(x / g.lhs_dilation[u]);
      }
      if (!inside) continue;
      std::vector<std::int64_t> r{o[1], tap[0]};
      for (int d = 0; d < nsp; ++d) r.push_back(tap[static_cast<std::size_t>(d) + 1]);
      const std::int64_t lhs_flat = flat_index(lhs_shape, s.lhs, l), rhs_flat = flat_index(rhs_shape, s.rhs, r);
      sum += lhs[static_cast<std::size_t>(lhs_flat)] * rhs[static_cast<std::size_t>(rhs_flat)];
      if (cotangent) {
        const double ct = (*cotangent)[static_cast<std::size_t>(out_flat)];
        result.lhs_grad[static_cast<std::size_t>(lhs_flat)] += ct * rhs[static_cast<std::size_t>(rhs_flat)];
        result.rhs_grad[static_cast<std::size_t>(rhs_flat)] += ct * lhs[static_cast<std::size_t>(lhs_flat)];
      }
    } while (advance(tap, kernel_extent));
    result.out[static_cast<std::size_t>(out_flat)] = sum;
  } while (advance(o, canonical_out));
  return result;
}

// --- Cases ----------------------------------------------------------------------------------------

std::vector<double> values(std::int64_t n, int salt, bool integers = false) {
  std::vector<double> v(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    const double t = std::fmod(0.6180339887 * static_cast<double>(i + 1) + 0.137 * salt, 1.0);
    v[static_cast<std::size_t>(i)] = integers ? std::floor(t * 7) - 3 : 2 * t - 1;
  }
  return v;
}

struct Case {
  std::string name;
  jx::Shape lhs_shape, rhs_shape;
  std::string lhs_layout, rhs_layout, out_layout;  // empty: NCHW / OIHW / NCHW
  std::vector<std::int64_t> strides;
  lax::Padding padding;
  std::vector<std::int64_t> lhs_dilation = {}, rhs_dilation = {};
  std::int64_t feature_groups = 1, batch_groups = 1;
};

std::vector<Case> cases() {
  return {
      {"nhwc_valid", {2, 7, 6, 4}, {3, 2, 4, 6}, "NHWC", "HWIO", "NHWC", {1, 1}, "VALID"},
      {"nhwc_same_stride2", {2, 7, 6, 4}, {3, 3, 4, 6}, "NHWC", "HWIO", "NHWC", {2, 2}, "SAME"},
      {"nchw_same_lower_strides23", {2, 4, 7, 8}, {6, 4, 2, 3}, "NCHW", "OIHW", "NCHW", {2, 3}, "SAME_LOWER"},
      {"nchw_explicit_rhs_dilation",
       {2, 4, 7, 6},
       {6, 4, 3, 2},
       "NCHW",
       "OIHW",
       "NCHW",
       {1, 1},
       {{2, 1}, {0, 3}},
       {},
       {2, 1}},
      {"nhwc_lhs_dilation", {2, 5, 4, 3}, {3, 2, 3, 5}, "NHWC", "HWIO", "NHWC", {1, 2}, {{1, 2}, {2, 0}}, {2, 3}},
      {"nhwc_negative_padding", {2, 7, 6, 4}, {2, 2, 4, 3}, "NHWC", "HWIO", "NHWC", {1, 1}, {{-1, 1}, {1, -2}}},
      {"nhwc_all_at_once",
       {2, 8, 7, 4},
       {3, 2, 2, 6},
       "NHWC",
       "HWIO",
       "NHWC",
       {2, 1},
       {{1, 2}, {-1, 2}},
       {2, 1},
       {1, 2},
       2},
      {"feature_groups", {2, 6, 5, 4}, {3, 3, 2, 6}, "NHWC", "HWIO", "NHWC", {1, 1}, "SAME", {}, {}, 2},
      {"depthwise", {2, 6, 5, 4}, {3, 3, 1, 8}, "NHWC", "HWIO", "NHWC", {1, 1}, "SAME", {}, {}, 4},
      {"batch_groups", {4, 3, 6, 5}, {6, 3, 2, 2}, "NCHW", "OIHW", "NCHW", {1, 1}, "VALID", {}, {}, 1, 2},
      {"mixed_layouts", {2, 7, 6, 4}, {6, 4, 3, 2}, "NHWC", "OIHW", "NCHW", {2, 1}, "SAME"},
      {"default_layout", {2, 3, 6, 5}, {4, 3, 3, 3}, "", "", "", {1, 1}, "SAME"},
      {"odd_layout", {4, 2, 6, 5}, {3, 2, 6, 4}, "CNHW", "HWOI", "HCWN", {1, 2}, "SAME"},
      {"conv1d", {2, 9, 3}, {3, 3, 5}, "NWC", "WIO", "NWC", {2}, "SAME"},
      {"conv3d", {1, 4, 5, 4, 2}, {2, 3, 2, 2, 3}, "NDHWC", "DHWIO", "NDHWC", {1, 2, 1}, "SAME"},
      // More input than output features: computed from the input side (a product, then a scatter).
      {"narrowing_strided_dilated", {3, 9, 8, 8}, {3, 3, 8, 3}, "NHWC", "HWIO", "NHWC", {2, 2}, "SAME", {}, {1, 2}},
      {"narrowing_lhs_dilation_nchw",
       {2, 8, 5, 4},
       {3, 8, 2, 3},
       "NCHW",
       "OIHW",
       "NCHW",
       {1, 2},
       {{1, 2}, {0, 1}},
       {2, 1}},
      {"narrowing_groups", {2, 6, 5, 8}, {3, 2, 4, 4}, "NHWC", "HWIO", "NHWC", {1, 1}, {{2, 0}, {-1, 1}}, {}, {}, 2},
      {"window_larger_than_input", {2, 2, 2, 3}, {3, 3, 3, 4}, "NHWC", "HWIO", "NHWC", {1, 1}, "VALID"},
      // Sizes that take several tiles of output positions (forward) and several tiles of kernel taps
      // split between threads (the kernel gradient); NCHW writes column-major tiles in place.
      {"tiled_nhwc", {3, 24, 22, 20}, {3, 3, 20, 24}, "NHWC", "HWIO", "NHWC", {1, 1}, "SAME"},
      {"tiled_nchw", {3, 20, 24, 22}, {24, 20, 3, 3}, "NCHW", "OIHW", "NCHW", {1, 1}, "SAME"},
  };
}

Specs specs_for(const Case& c) {
  if (c.lhs_layout.empty()) {
    std::vector<int> identity(static_cast<std::size_t>(c.lhs_shape.ndim()));
    for (std::size_t i = 0; i < identity.size(); ++i) identity[i] = static_cast<int>(i);
    return {identity, identity, identity};
  }
  return specs_of(c.lhs_layout, c.rhs_layout, c.out_layout);
}

// The explicit padding of a case, resolved independently of jx for the named ones.
Geometry geometry_for(const Case& c, const Specs& s) {
  const auto nsp = static_cast<std::size_t>(c.lhs_shape.ndim() - 2);
  Geometry g;
  g.strides = c.strides;
  g.lhs_dilation = c.lhs_dilation.empty() ? std::vector<std::int64_t>(nsp, 1) : c.lhs_dilation;
  g.rhs_dilation = c.rhs_dilation.empty() ? std::vector<std::int64_t>(nsp, 1) : c.rhs_dilation;
  g.feature_groups = c.feature_groups;
  g.batch_groups = c.batch_groups;
  for (std::size_t d = 0; d < nsp; ++d) {
    if (!c.padding.is_named()) {
      g.padding.push_back(c.padding.pairs()[d]);
      continue;
    }
    const std::int64_t in = c.lhs_shape[s.lhs[d + 2]];
    const std::int64_t window = (c.rhs_shape[s.rhs[d + 2]] - 1) * g.rhs_dilation[d] + 1;
    const std::int64_t out = (in + g.strides[d] - 1) / g.strides[d];
    const std::int64_t total =
        c.padding.type() == "VALID" ? 0 : std::max<std::int64_t>((out - 1) * g.strides[d] + window - in, 0);
    g.padding.emplace_back(c.padding.type() == "SAME_LOWER" ? total - total / 2 : total / 2,
                           c.padding.type() == "SAME_LOWER" ? total / 2 : total - total / 2);
  }
  return g;
}

jx::Array conv_of(const Case& c, const jx::Array& lhs, const jx::Array& rhs) {
  lax::ConvOptions options{.lhs_dilation = c.lhs_dilation,
                           .rhs_dilation = c.rhs_dilation,
                           .feature_group_count = c.feature_groups,
                           .batch_group_count = c.batch_groups};
  if (!c.lhs_layout.empty()) options.dimension_numbers = {c.lhs_layout, c.rhs_layout, c.out_layout};
  return lax::conv_general_dilated(lhs, rhs, c.strides, c.padding, options);
}

void expect_values(const jx::Array& got, const std::vector<double>& want, const jx::Shape& shape, double tolerance,
                   const std::string& what) {
  ASSERT_EQ(got.shape(), shape) << what;
  const std::vector<double> g = got.astype(jx::float64).to_vector<double>();
  ASSERT_EQ(g.size(), want.size()) << what;
  for (std::size_t i = 0; i < g.size(); ++i) {
    ASSERT_NEAR(g[i], want[i], tolerance * (1 + std::abs(want[i]))) << what << ", element " << i;
  }
}

// --- Values and gradients against the oracle -------------------------------------------------------

TEST(ConvGeneralDilated, MatchesTheDirectLoopInEveryCase) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  for (const Case& c : cases()) {
    const Specs s = specs_for(c);
    const Geometry g = geometry_for(c, s);
    const std::vector<double> lhs = values(c.lhs_shape.num_elements(), 1), rhs = values(c.rhs_shape.num_elements(), 2);
    const Oracle want = reference_conv(lhs, c.lhs_shape, rhs, c.rhs_shape, s, g);
    for (jx::DType dtype : {jx::float32, jx::float64}) {
      const jx::Array out = conv_of(c, jnp::array(lhs, c.lhs_shape, dtype), jnp::array(rhs, c.rhs_shape, dtype));
      EXPECT_EQ(out.dtype(), dtype);
      expect_values(out, want.out, want.out_shape, dtype == jx::float32 ? 2e-5 : 1e-12,
                    c.name + " " + std::string(jx::dtype_name(dtype)));
    }
  }
}

TEST(ConvGeneralDilated, IntegersAndHalfPrecision) {
  for (const Case& c : cases()) {
    if (c.lhs_shape.num_elements() > 1000) continue;
    const Specs s = specs_for(c);
    const Geometry g = geometry_for(c, s);
    const std::vector<double> lhs = values(c.lhs_shape.num_elements(), 3, true);
    const std::vector<double> rhs = values(c.rhs_shape.num_elements(), 4, true);
    const Oracle want = reference_conv(lhs, c.lhs_shape, rhs, c.rhs_shape, s, g);
    const jx::Array ints = conv_of(c, jnp::array(lhs, c.lhs_shape, jx::int32), jnp::array(rhs, c.rhs_shape, jx::int32));
    EXPECT_EQ(ints.dtype(), jx::int32);
    expect_values(ints, want.out, want.out_shape, 0, c.name + " int32");
    // Small integers are exact in float16 and bfloat16 products, and their sums here stay exact.
    for (jx::DType dtype : {jx::float16, jx::bfloat16}) {
      const jx::Array half = conv_of(c, jnp::array(lhs, c.lhs_shape, dtype), jnp::array(rhs, c.rhs_shape, dtype));
      EXPECT_EQ(half.dtype(), dtype);
      expect_values(half, want.out, want.out_shape, 0, c.name + " " + std::string(jx::dtype_name(dtype)));
    }
  }
}

TEST(ConvGeneralDilated, BothGradientsMatchTheDirectLoop) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  for (const Case& c : cases()) {
    const Specs s = specs_for(c);
    const Geometry g = geometry_for(c, s);
    const std::vector<double> lhs = values(c.lhs_shape.num_elements(), 5), rhs = values(c.rhs_shape.num_elements(), 6);
    const Oracle shape_only = reference_conv(lhs, c.lhs_shape, rhs, c.rhs_shape, s, g);
    const std::vector<double> ct = values(shape_only.out_shape.num_elements(), 7);
    const Oracle want = reference_conv(lhs, c.lhs_shape, rhs, c.rhs_shape, s, g, &ct);
    for (jx::DType dtype : {jx::float32, jx::float64}) {
      const auto f = [&](const jx::Array& a, const jx::Array& b) { return conv_of(c, a, b); };
      auto [out, pullback] = jx::vjp(f, jnp::array(lhs, c.lhs_shape, dtype), jnp::array(rhs, c.rhs_shape, dtype));
      auto [lhs_grad, rhs_grad] = pullback(jnp::array(ct, want.out_shape, dtype));
      const double tolerance = dtype == jx::float32 ? 5e-5 : 1e-12;
      const std::string what = c.name + " " + std::string(jx::dtype_name(dtype));
      expect_values(lhs_grad, want.lhs_grad, c.lhs_shape, tolerance, what + " lhs gradient");
      expect_values(rhs_grad, want.rhs_grad, c.rhs_shape, tolerance, what + " rhs gradient");
    }
  }
}

// --- Finite differences, vmap, jit ----------------------------------------------------------------

TEST(ConvGeneralDilated, FiniteDifferencesOrdersOneAndTwoBothModes) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  for (const Case& c : cases()) {
    if (c.lhs_shape.num_elements() > 400 || c.name == "window_larger_than_input") continue;
    const jx::Array lhs = jnp::array(values(c.lhs_shape.num_elements(), 8), c.lhs_shape, jx::float64);
    const jx::Array rhs = jnp::array(values(c.rhs_shape.num_elements(), 9), c.rhs_shape, jx::float64);
    SCOPED_TRACE(c.name);
    jx::test::check_grads([&](const jx::Array& a, const jx::Array& b) { return conv_of(c, a, b); }, {lhs, rhs}, 2,
                          jx::test::Modes::both, 1e-6, 1e-6);
    // Under jit as well: the transposes and their transposes are lowered too.
    auto jitted = jx::jit([&](const jx::Array& a, const jx::Array& b) { return conv_of(c, a, b); });
    jx::test::check_grads([&](const jx::Array& a, const jx::Array& b) { return jitted(a, b); }, {lhs, rhs}, 1,
                          jx::test::Modes::both, 1e-6, 1e-6);
  }
}

TEST(ConvGeneralDilated, VmapMatchesALoop) {
  // Each mapping (lhs, rhs, both) on every grouping, with the batch axis first and last.
  for (const Case& c : cases()) {
    if (c.lhs_shape.num_elements() > 1000 || c.name == "window_larger_than_input") continue;
    SCOPED_TRACE(c.name);
    const std::int64_t size = 3;
    const auto with_batch = [&](const jx::Shape& shape, int axis, int salt) {
      jx::Shape batched = shape;
      batched.insert(axis < 0 ? shape.ndim() : axis, size);
      return jnp::array(values(batched.num_elements(), salt), batched);
    };
    for (int axis : {0, -1}) {
      for (const auto& [map_lhs, map_rhs] :
           std::vector<std::pair<bool, bool>>{{true, false}, {false, true}, {true, true}}) {
        const jx::Array lhs = map_lhs ? with_batch(c.lhs_shape, axis, 10)
                                      : jnp::array(values(c.lhs_shape.num_elements(), 10), c.lhs_shape);
        const jx::Array rhs = map_rhs ? with_batch(c.rhs_shape, axis, 11)
                                      : jnp::array(values(c.rhs_shape.num_elements(), 11), c.rhs_shape);
        const auto f = [&](const jx::Array& a, const jx::Array& b) { return conv_of(c, a, b); };
        const jx::Array mapped = jx::vmap(f, {.in_axes = {map_lhs ? std::optional<int>(axis) : std::nullopt,
                                                          map_rhs ? std::optional<int>(axis) : std::nullopt},
                                              .out_axes = axis})(lhs, rhs);
        std::vector<jx::Array> slices;
        for (std::int64_t b = 0; b < size; ++b) {
          const jx::Array a = map_lhs ? jnp::take(lhs, jnp::array(static_cast<int>(b)), axis) : lhs;
          const jx::Array k = map_rhs ? jnp::take(rhs, jnp::array(static_cast<int>(b)), axis) : rhs;
          slices.push_back(f(a, k));
        }
        const jx::Array looped = jnp::stack(slices, axis);
        expect_values(mapped, looped.astype(jx::float64).to_vector<double>(), looped.shape(), 1e-5,
                      c.name + (map_lhs ? " lhs" : "") + (map_rhs ? " rhs" : ""));
      }
    }
  }
}

TEST(ConvGeneralDilated, JitAgreesWithEagerForValuesAndGradients) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    const jx::Array lhs = jnp::array(values(c.lhs_shape.num_elements(), 12), c.lhs_shape);
    const jx::Array rhs = jnp::array(values(c.rhs_shape.num_elements(), 13), c.rhs_shape);
    const auto f = [&](const jx::Array& a, const jx::Array& b) { return conv_of(c, a, b); };
    const jx::Array eager = f(lhs, rhs);
    expect_values(jx::jit(f)(lhs, rhs), eager.astype(jx::float64).to_vector<double>(), eager.shape(), 1e-6, c.name);
    const auto loss = [&](const jx::Array& a, const jx::Array& b) { return jnp::sum(jnp::sin(f(a, b))); };
    const auto grads = jx::grad(loss, jx::argnums<0, 1>);
    const auto [eager_lhs, eager_rhs] = grads(lhs, rhs);
    const auto [jit_lhs, jit_rhs] = jx::jit(grads)(lhs, rhs);
    expect_values(jit_lhs, eager_lhs.astype(jx::float64).to_vector<double>(), eager_lhs.shape(), 1e-5, c.name + " lhs");
    expect_values(jit_rhs, eager_rhs.astype(jx::float64).to_vector<double>(), eager_rhs.shape(), 1e-5, c.name + " rhs");
  }
}

TEST(ConvGeneralDilated, ReadsStridedViewsInPlace) {
  // Transposed and reversed views as operands give the values of their dense copies.
  const jx::Array x = jnp::array(values(2 * 4 * 7 * 6, 14), {2, 4, 7, 6});  // NCHW
  const jx::Array w = jnp::array(values(3 * 3 * 4 * 5, 15), {3, 3, 4, 5});  // HWIO
  const jx::Array x_view = lax::transpose(x, {0, 2, 3, 1});                 // NHWC, strided
  const jx::Array w_view = lax::rev(w, {0, 1});
  const lax::ConvOptions nhwc{.dimension_numbers = {"NHWC", "HWIO", "NHWC"}};
  const jx::Array from_views = lax::conv_general_dilated(x_view, w_view, {1, 2}, "SAME", nhwc);
  const jx::Array from_copies = lax::conv_general_dilated(x_view + 0.0f, w_view + 0.0f, {1, 2}, "SAME", nhwc);
  expect_values(from_views, from_copies.astype(jx::float64).to_vector<double>(), from_copies.shape(), 1e-6, "views");
}

// --- Dimension numbers, padding helpers, errors ---------------------------------------------------

TEST(ConvGeneralDilated, DimensionNumbersAndPaddingHelpers) {
  const auto nhwc = lax::conv_dimension_numbers({1, 5, 5, 3}, {3, 3, 3, 8}, {"NHWC", "HWIO", "NHWC"});
  EXPECT_EQ(nhwc.lhs_spec, (std::vector<int>{0, 3, 1, 2}));
  EXPECT_EQ(nhwc.rhs_spec, (std::vector<int>{3, 2, 0, 1}));
  EXPECT_EQ(nhwc.out_spec, (std::vector<int>{0, 3, 1, 2}));
  // Spatial axes pair up in rhs's order: "WH" in rhs puts W first everywhere.
  const auto swapped = lax::conv_dimension_numbers({1, 5, 6, 3}, {3, 3, 3, 8}, {"NHWC", "WHIO", "NCWH"});
  EXPECT_EQ(swapped.lhs_spec, (std::vector<int>{0, 3, 2, 1}));
  EXPECT_EQ(swapped.rhs_spec, (std::vector<int>{3, 2, 0, 1}));
  EXPECT_EQ(swapped.out_spec, (std::vector<int>{0, 1, 2, 3}));
  const auto identity = lax::conv_dimension_numbers({1, 3, 5, 5}, {8, 3, 3, 3}, {});
  EXPECT_EQ(identity.rhs_spec, (std::vector<int>{0, 1, 2, 3}));
  // jax.lax.padtype_to_pads((7, 6), (3, 2), (2, 2), "SAME") == [(1, 1), (0, 0)]; SAME_LOWER puts the
  // odd element first.
  EXPECT_EQ(lax::padtype_to_pads({7, 6}, {3, 2}, {2, 2}, "SAME"), (lax::Padding::Pairs{{1, 1}, {0, 0}}));
  EXPECT_EQ(lax::padtype_to_pads({8}, {4}, {1}, "SAME"), (lax::Padding::Pairs{{1, 2}}));
  EXPECT_EQ(lax::padtype_to_pads({8}, {4}, {1}, "SAME_LOWER"), (lax::Padding::Pairs{{2, 1}}));
  EXPECT_EQ(lax::padtype_to_pads({8}, {4}, {3}, "valid"), (lax::Padding::Pairs{{0, 0}}));
  // "SAME" keeps the spatial size at stride 1 (28 x 28 x 32 -> 28 x 28 x 64).
  const jx::Array y = lax::conv_general_dilated(jnp::ones({2, 28, 28, 32}), jnp::ones({3, 3, 32, 64}), {1, 1}, "SAME",
                                                {.dimension_numbers = {"NHWC", "HWIO", "NHWC"}});
  EXPECT_EQ(y.shape(), (jx::Shape{2, 28, 28, 64}));
  EXPECT_EQ(lax::conv(jnp::ones({2, 3, 9, 9}), jnp::ones({4, 3, 3, 3}), {2, 2}, "VALID").shape(),
            (jx::Shape{2, 4, 4, 4}));
}

std::string here(int line) { return "convolution_test.cpp:" + std::to_string(line); }

TEST(ConvGeneralDilated, ErrorsNameTheOpTheShapesAndTheCaller) {
  const jx::Array x = jnp::ones({2, 8, 8, 3}), w = jnp::ones({3, 3, 4, 5});
  const lax::ConvOptions nhwc{.dimension_numbers = {"NHWC", "HWIO", "NHWC"}};
  int line = __LINE__ + 3;  // the line of the call inside the lambda below
  expect_error<jx::ShapeError>(
      [&] {
        lax::conv_general_dilated(x, w, {1, 1}, "SAME", nhwc);
      },
      {"[conv_general_dilated]", "f32[2,8,8,3]", "f32[3,3,4,5]", "rhs input feature", here(line)});
  line = __LINE__ + 3;  // the line of the call inside the lambda below
  expect_error<jx::ShapeError>(
      [&] {
        lax::conv_general_dilated(x, jnp::ones({3, 3, 3, 5}), {1}, {{0, 0}, {0, 0}}, nhwc);
      },
      {"[conv_general_dilated]", "window_strides", here(line)});
  line = __LINE__ + 3;  // the line of the call inside the lambda below
  expect_error<jx::ValueError>(
      [&] {
        lax::conv_general_dilated(x, w, {1, 1}, "SAME", {.dimension_numbers = {"NHWC", "HWXO", "NHWC"}});
      },
      {"[conv_general_dilated]", "HWXO", "'I'", here(line)});
  expect_error<jx::ShapeError>(
      [&] {
        lax::conv_general_dilated(x, w, {1, 1}, "SAME", {.dimension_numbers = {"NHW", "HWIO", "NHWC"}});
      },
      {"[conv_general_dilated]", "NHW"});
  expect_error<jx::ShapeError>(
      [&] {
        lax::conv_general_dilated(jnp::ones({2, 8, 8, 4}), w, {1, 1}, "SAME",
                                  {.dimension_numbers = {"NHWC", "HWIO", "NHWC"}, .feature_group_count = 3});
      },
      {"feature_group_count 3", "lhs feature size 4"});
  expect_error<jx::ValueError>(
      [&] {
        lax::conv_general_dilated(jnp::ones({2, 8, 8, 4}), w, {1, 1}, "SAME",
                                  {.lhs_dilation = {2, 2}, .dimension_numbers = {"NHWC", "HWIO", "NHWC"}});
      },
      {"lhs_dilation", "explicit"});
  expect_error<jx::ShapeError>(
      [&] {
        lax::conv_general_dilated(jnp::ones({2, 8, 8, 4}), w, {1, 1}, {{-5, -5}, {0, 0}}, nhwc);
      },
      {"negative padding"});
  expect_error<jx::DTypeError>(
      [&] {
        lax::conv_general_dilated(jnp::ones({2, 8, 8, 4}), w.astype(jx::int32), {1, 1}, "SAME", nhwc);
      },
      {"[conv_general_dilated]", "same dtype"});
  expect_error<jx::ValueError>(
      [&] {
        lax::conv_general_dilated(jnp::ones({2, 8, 8, 4}), w, {1, 1}, "FULL", nhwc);
      },
      {"FULL"});
}

}  // namespace
