// tests/random/statistics.h — goodness-of-fit measures for the distribution tests.
//
//   EXPECT_LT(ks_statistic(samples.to_vector<double>(), normal_cdf), 2.5);
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <numbers>
#include <vector>

namespace jx_test {

inline double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }

// sqrt(n) times the Kolmogorov-Smirnov distance of the samples `x` from `cdf`.
inline double ks_statistic(std::vector<double> x, const std::function<double(double)>& cdf) {
  std::sort(x.begin(), x.end());
  const auto n = static_cast<double>(x.size());
  double d = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double f = cdf(x[i]);
    d = std::max({d, f - static_cast<double>(i) / n, static_cast<double>(i + 1) / n - f});
  }
  return std::sqrt(n) * d;
}

}  // namespace jx_test
