// The CPU kernels' numerics and layout paths, against closed forms and float64 references: float32
// sums stay accurate over long rows and do not depend on the number of threads; vectorized floor,
// ceil and float32 tanh (SLEEF's 3.5-ulp variant) keep the edge values and accuracy NumPy gives;
// transposed views, which the kernels copy in blocks, give the same values as a plain walk; gathers
// and scatters of whole rows, pad in runs and iota by periods agree with element-by-element loops.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "backends/cpu/kernels.h"
#include "backends/cpu/thread_pool.h"
#include "jx/core/config.h"
#include "jx/lax.h"
#include "jx/numpy.h"

namespace jnp = jx::numpy;

namespace {

std::vector<float> uniform_floats(std::size_t n, float low, float high, unsigned seed) {
  std::mt19937 engine(seed);
  std::uniform_real_distribution<float> distribution(low, high);
  std::vector<float> values(n);
  for (float& v : values) v = distribution(engine);
  return values;
}

// Distance in float32 ulps of the exact value (at the exact value's magnitude).
double ulps(float got, double exact) {
  const float rounded = static_cast<float>(exact);
  const double ulp = std::nextafter(std::abs(rounded), std::numeric_limits<float>::infinity()) - std::abs(rounded);
  return std::abs(static_cast<double>(got) - exact) / ulp;
}

// Runs f with the kernels' thread pool at `threads`, restoring the previous size after.
template <class F>
auto with_threads(int threads, F f) {
  const int saved = jx::cpu::num_threads();
  jx::cpu::set_num_threads(threads);
  auto result = f();
  jx::cpu::set_num_threads(saved);
  return result;
}

TEST(CpuSum, Float32OfManyEqualTermsIsExactToAFewUlps) {
  // 2^24 copies of 0.1f sum to 1677721.625 exactly (0.1f = 13421773 * 2^-27); adding them one by one
  // in float32 stalls near 2^21, when each term falls below half an ulp of the running sum.
  const std::int64_t n = std::int64_t{1} << 24;
  const float total = jnp::sum(jnp::full({n}, 0.1f)).item<float>();
  EXPECT_LE(ulps(total, 1677721.625), 2.0) << total;
  EXPECT_LE(ulps(jnp::mean(jnp::full({n}, 0.1f)).item<float>(), static_cast<double>(0.1f)), 1.0);
}

TEST(CpuSum, Float32MatchesFloat64ReferenceWithLargeOffset) {
  // Terms around 1000 with small variations: every float32 partial sum rounds, so the error of a
  // careless order grows with n (here to ~1e-4 relative for a running sum).
  const std::size_t n = 3'000'017;  // not a multiple of any block or chunk size
  std::vector<float> values = uniform_floats(n, -1, 1, 11);
  for (float& v : values) v += 1000.0f;
  double exact = 0, magnitude = 0;
  for (float v : values) {
    exact += v;
    magnitude += std::abs(v);
  }
  const jx::Array x = jnp::array(values, {static_cast<std::int64_t>(n)});
  const float total = jnp::sum(x).item<float>();
  EXPECT_LE(std::abs(total - exact), 1e-7 * magnitude) << total << " vs " << exact;
  EXPECT_LE(ulps(total, exact), 4.0);
}

TEST(CpuSum, ResultsDoNotDependOnTheNumberOfThreads) {
  const std::int64_t rows = 700, columns = 3001;
  const jx::Array x = jnp::array(uniform_floats(rows * columns, -1, 1, 12), {rows, columns});
  auto sums = [&] {
    return std::vector<jx::Array>{jnp::sum(x), jnp::sum(x, 0), jnp::sum(x, 1), jnp::sum(x.transpose(), 1)};
  };
  const auto one = with_threads(1, sums);
  const auto two = with_threads(2, sums);
  const auto five = with_threads(5, sums);
  for (std::size_t i = 0; i < one.size(); ++i) {
    EXPECT_EQ(one[i].to_vector<float>(), two[i].to_vector<float>()) << "reduction " << i;
    EXPECT_EQ(one[i].to_vector<float>(), five[i].to_vector<float>()) << "reduction " << i;
  }
}

TEST(CpuSum, AxesOfViewsMatchFloat64Reference) {
  const std::int64_t a = 37, b = 300, c = 129;
  const std::vector<float> values = uniform_floats(a * b * c, -1, 1, 13);
  const jx::Array x = jnp::array(values, {a, b, c});
  auto at = [&](std::int64_t i, std::int64_t j, std::int64_t k) { return double(values[(i * b + j) * c + k]); };
  // Sum over the middle axis, of the array and of a view with the last two axes swapped.
  const std::vector<float> middle = jnp::sum(x, 1).to_vector<float>();
  const std::vector<float> swapped = jnp::sum(jnp::swapaxes(x, 1, 2), 2).to_vector<float>();
  for (std::int64_t i = 0; i < a; ++i) {
    for (std::int64_t k = 0; k < c; ++k) {
      double exact = 0;
      for (std::int64_t j = 0; j < b; ++j) exact += at(i, j, k);
      EXPECT_NEAR(middle[static_cast<std::size_t>(i * c + k)], exact, 1e-5) << i << ", " << k;
      EXPECT_NEAR(swapped[static_cast<std::size_t>(i * c + k)], exact, 1e-5) << i << ", " << k;
    }
  }
}

TEST(CpuSum, LeadingAxisMatchesFloat64Reference) {
  // Rows summed four at a time, a remainder of three, and two chunks of 1024 rows.
  const std::int64_t rows = 1027, columns = 67;
  const std::vector<float> values = uniform_floats(rows * columns, -1, 1, 16);
  const std::vector<float> got = jnp::sum(jnp::array(values, {rows, columns}), 0).to_vector<float>();
  for (std::int64_t k = 0; k < columns; ++k) {
    double exact = 0, magnitude = 0;
    for (std::int64_t r = 0; r < rows; ++r) {
      exact += values[static_cast<std::size_t>(r * columns + k)];
      magnitude += std::abs(values[static_cast<std::size_t>(r * columns + k)]);
    }
    // Each group of four rows is added in float32 (two roundings, at most 2^-23 of its magnitude),
    // then the total rounds once more to float32.
    const double bound = 0.5 * std::abs(exact) * 0x1p-23 + magnitude * 0x1p-23;
    EXPECT_LE(std::abs(got[static_cast<std::size_t>(k)] - exact), bound) << "column " << k;
  }
}

// jx's float32 tanh is XLA's rational approximation (what JAX computes on CPU): 4.6 ulp at worst.
TEST(CpuUnary, Float32TanhIsWithinFiveUlps) {
  std::vector<float> values;
  for (int i = -40000; i <= 40000; ++i) values.push_back(static_cast<float>(i) * 5e-4f);  // [-20, 20]
  for (int e = -140; e <= 0; ++e) {
    values.push_back(std::ldexp(1.3f, e));
    values.push_back(-std::ldexp(1.7f, e));
  }
  const std::vector<float> got =
      jnp::tanh(jnp::array(values, {static_cast<std::int64_t>(values.size())})).to_vector<float>();
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double exact = std::tanh(static_cast<double>(values[i]));
    if (exact == 0) continue;
    EXPECT_LE(ulps(got[i], exact), 5.0) << "tanh(" << values[i] << ") = " << got[i];
  }
}

TEST(CpuUnary, Float32TanhEdgeValues) {
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> got =
      jnp::tanh(jnp::array(std::vector<float>{0.0f, -0.0f, inf, -inf, NAN, 20.0f, -1e-30f}, {7})).to_vector<float>();
  EXPECT_EQ(got[0], 0.0f);
  EXPECT_FALSE(std::signbit(got[0]));
  EXPECT_EQ(got[1], 0.0f);
  EXPECT_TRUE(std::signbit(got[1]));
  EXPECT_EQ(got[2], 1.0f);
  EXPECT_EQ(got[3], -1.0f);
  EXPECT_TRUE(std::isnan(got[4]));
  EXPECT_EQ(got[5], 1.0f);
  EXPECT_EQ(got[6], -1e-30f);
}

template <class T>
void expect_floor_and_ceil() {
  const T inf = std::numeric_limits<T>::infinity();
  // 35 values: two full float32 registers and a tail.
  std::vector<T> values = {T(-0.5),  T(0.5), T(-0.0), T(0.0), T(1.5),   T(-1.5),   T(2.0),  T(-2.0), T(1e30),
                           T(-1e30), inf,    -inf,    T(NAN), T(0.999), T(-0.999), T(3.25), T(-3.25)};
  while (values.size() < 35) values.push_back(static_cast<T>(values.size()) * T(-0.37));
  const jx::Array x = jnp::array(values, {static_cast<std::int64_t>(values.size())});
  const std::vector<T> floors = jnp::floor(x).template to_vector<T>();
  const std::vector<T> ceils = jnp::ceil(x).template to_vector<T>();
  for (std::size_t i = 0; i < values.size(); ++i) {
    const T f = std::floor(values[i]), c = std::ceil(values[i]);
    if (std::isnan(values[i])) {
      EXPECT_TRUE(std::isnan(floors[i]) && std::isnan(ceils[i]));
      continue;
    }
    EXPECT_EQ(floors[i], f) << "floor(" << values[i] << ")";
    EXPECT_EQ(std::signbit(floors[i]), std::signbit(f)) << "floor(" << values[i] << ")";
    EXPECT_EQ(ceils[i], c) << "ceil(" << values[i] << ")";
    EXPECT_EQ(std::signbit(ceils[i]), std::signbit(c)) << "ceil(" << values[i] << ")";  // ceil(-0.5) is -0
  }
}

TEST(CpuUnary, FloorAndCeilKeepSignedZerosAndSpecialValues) {
  expect_floor_and_ceil<float>();
  jx::config::enable_x64(true);
  expect_floor_and_ceil<double>();
  jx::config::enable_x64(false);
}

// Transposed views large enough for the blocked copy (more than a tile, innermost stride of a cache
// line or more), in every element size, with edges that are not multiples of the block.
template <class T>
void expect_transposed_copy(jx::DType dtype) {
  const std::int64_t a = 3, b = 77, c = 133;
  std::vector<T> flat(static_cast<std::size_t>(a * b * c));
  for (std::size_t i = 0; i < flat.size(); ++i) flat[i] = static_cast<T>(i * 7919 % 127);
  const jx::Array x = jnp::array(flat, {a, b, c}, dtype);
  const jx::Array permuted = jnp::transpose(x, std::vector<int>{2, 0, 1});  // (c, a, b)
  const std::vector<T> got = jx::cpu::contiguous(permuted).to_vector<T>();
  const std::vector<T> added = (permuted + jnp::zeros({c, a, b}, dtype)).to_vector<T>();
  std::size_t mismatches = 0;
  for (std::int64_t k = 0; k < c; ++k) {
    for (std::int64_t i = 0; i < a; ++i) {
      for (std::int64_t j = 0; j < b; ++j) {
        const T want = flat[static_cast<std::size_t>((i * b + j) * c + k)];
        const auto at = static_cast<std::size_t>((k * a + i) * b + j);
        mismatches += got[at] != want || added[at] != want;
      }
    }
  }
  EXPECT_EQ(mismatches, 0u);
}

TEST(CpuCopy, TransposedViewsInEveryElementSize) {
  expect_transposed_copy<std::int8_t>(jx::DType::int8);
  expect_transposed_copy<std::int16_t>(jx::DType::int16);
  expect_transposed_copy<float>(jx::DType::float32);
  jx::config::enable_x64(true);
  expect_transposed_copy<double>(jx::DType::float64);
  jx::config::enable_x64(false);
}

TEST(CpuElementwise, TransposedOperandsOfLargeOps) {
  const std::int64_t rows = 513, columns = 1031;
  const std::vector<float> va = uniform_floats(rows * columns, -1, 1, 14),
                           vb = uniform_floats(rows * columns, -1, 1, 15);
  const jx::Array a = jnp::array(va, {rows, columns}), b = jnp::array(vb, {columns, rows});
  const std::vector<float> sum = (a.transpose() + b).to_vector<float>();
  const std::vector<float> selected = jnp::where(b > 0, a.transpose(), b).to_vector<float>();
  const std::vector<float> exp = jnp::exp(a.transpose()).to_vector<float>();
  std::size_t mismatches = 0;
  for (std::int64_t i = 0; i < columns; ++i) {
    for (std::int64_t j = 0; j < rows; ++j) {
      const auto at = static_cast<std::size_t>(i * rows + j);
      const float x = va[static_cast<std::size_t>(j * columns + i)], y = vb[at];
      mismatches += sum[at] != x + y;
      mismatches += selected[at] != (y > 0 ? x : y);
      mismatches += std::abs(exp[at] - std::exp(x)) > 2e-7f * std::exp(x);
    }
  }
  EXPECT_EQ(mismatches, 0u);
}

// Gathers and scatters that move whole trailing runs (one index per row), with clamped (gather) and
// dropped (scatter) out-of-range indices and repeated indices, against plain loops.
TEST(CpuIndex, GatherAndScatterWholeRows) {
  const std::int64_t rows = 50, a = 3, b = 9;  // runs of a * b = 27 elements
  const std::vector<float> values = uniform_floats(rows * a * b, -1, 1, 17);
  const jx::Array x = jnp::array(values, {rows, a, b});
  const std::vector<int> picks = {4, 0, 49, -3, 77, 4, 12};
  const auto count = static_cast<std::int64_t>(picks.size());
  const jx::Array indices = jnp::array(picks, {count, 1, 1});
  const std::vector<float> gathered = jx::lax::gather(x, indices, 0).to_vector<float>();
  ASSERT_EQ(gathered.size(), static_cast<std::size_t>(count * a * b));
  for (std::int64_t r = 0; r < count; ++r) {
    const std::int64_t source = std::clamp<std::int64_t>(picks[static_cast<std::size_t>(r)], 0, rows - 1);
    for (std::int64_t k = 0; k < a * b; ++k) {
      EXPECT_EQ(gathered[static_cast<std::size_t>(r * a * b + k)],
                values[static_cast<std::size_t>(source * a * b + k)]);
    }
  }
  const std::vector<float> updates = uniform_floats(count * a * b, -1, 1, 18);
  const jx::Array update_array = jnp::array(updates, {count, a, b});
  for (const auto mode : {jx::lax::ScatterMode::set, jx::lax::ScatterMode::add, jx::lax::ScatterMode::max}) {
    std::vector<float> want = values;
    for (std::int64_t r = 0; r < count; ++r) {
      const int target = picks[static_cast<std::size_t>(r)];
      if (target < 0 || target >= rows) continue;  // dropped
      for (std::int64_t k = 0; k < a * b; ++k) {
        float& slot = want[static_cast<std::size_t>(target * a * b + k)];
        const float u = updates[static_cast<std::size_t>(r * a * b + k)];
        slot =
            mode == jx::lax::ScatterMode::set ? u : (mode == jx::lax::ScatterMode::add ? slot + u : std::max(slot, u));
      }
    }
    EXPECT_EQ(jx::lax::scatter(x, indices, update_array, 0, mode).to_vector<float>(), want);
  }
}

TEST(CpuCopy, PadInRunsWithCroppingAndInteriorPadding) {
  const std::int64_t rows = 5, columns = 11;
  std::vector<float> values(static_cast<std::size_t>(rows * columns));
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i);
  const jx::Array x = jnp::array(values, {rows, columns});
  // (low, high, interior) per axis: rows cropped on both sides of the last axis, interior padding on
  // the first; then interior padding on the last axis (element runs), with cropping of the first.
  for (const auto& config : {std::vector<jx::lax::PadConfig>{{2, -1, 1}, {-3, -2, 0}},
                             std::vector<jx::lax::PadConfig>{{-1, 2, 0}, {1, 1, 2}}}) {
    const jx::Array padded = jx::lax::pad(x, jnp::array(-1.0f), config);
    const std::int64_t out_rows = padded.shape()[0], out_columns = padded.shape()[1];
    std::vector<float> want(static_cast<std::size_t>(out_rows * out_columns), -1.0f);
    for (std::int64_t r = 0; r < rows; ++r) {
      for (std::int64_t c = 0; c < columns; ++c) {
        const std::int64_t pr = config[0].low + r * (config[0].interior + 1);
        const std::int64_t pc = config[1].low + c * (config[1].interior + 1);
        if (pr >= 0 && pr < out_rows && pc >= 0 && pc < out_columns)
          want[static_cast<std::size_t>(pr * out_columns + pc)] = values[static_cast<std::size_t>(r * columns + c)];
      }
    }
    EXPECT_EQ(padded.to_vector<float>(), want);
  }
}

TEST(CpuCopy, IotaAlongEachAxis) {
  const jx::Shape shape{3, 4, 5};
  for (int axis = 0; axis < 3; ++axis) {
    const std::vector<std::int32_t> got =
        jx::lax::broadcasted_iota(jx::DType::int32, shape, axis).to_vector<std::int32_t>();
    std::size_t at = 0;
    for (std::int64_t i = 0; i < 3; ++i) {
      for (std::int64_t j = 0; j < 4; ++j) {
        for (std::int64_t k = 0; k < 5; ++k) EXPECT_EQ(got[at++], axis == 0 ? i : (axis == 1 ? j : k));
      }
    }
  }
}

}  // namespace
