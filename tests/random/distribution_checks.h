// Kolmogorov-Smirnov checks of samplers, shared by the jx::random tests: the largest gap between the
// empirical CDF of the draws and a CDF given as a jx function, and an expectation that it stays below
// 1.95 / sqrt(n) (a 0.1% level; the tests use fixed keys, so each is deterministic).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "jx/core/config.h"
#include "jx/numpy.h"

namespace jx::testing {

inline double ks_distance(const Array& draws, const std::function<Array(const Array&)>& cdf) {
  auto x64 = config::scoped({.enable_x64 = true});
  const Array sorted = numpy::sort(numpy::astype(numpy::ravel(draws), float64));
  const auto f = cdf(sorted).to_vector<double>();
  double d = 0;
  const auto n = static_cast<double>(f.size());
  for (std::size_t i = 0; i < f.size(); ++i) {
    d = std::max({d, std::fabs(f[i] - static_cast<double>(i + 1) / n), std::fabs(f[i] - static_cast<double>(i) / n)});
  }
  return d;
}

inline void expect_distributed(const Array& draws, const std::function<Array(const Array&)>& cdf, const char* what) {
  EXPECT_LT(ks_distance(draws, cdf), 1.95 / std::sqrt(static_cast<double>(draws.size()))) << what;
}

}  // namespace jx::testing
