// Comparing a jx result with an expected array elementwise, for the tests of complex-valued and
// real-valued linear algebra and FFTs: |got - want| <= atol + rtol |want| (on the complex magnitude),
// shapes equal, the first failing element reported.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <complex>
#include <vector>

#include "jx/core/array.h"

namespace jx::testing {

inline ::testing::AssertionResult all_close(const Array& got, const Array& want, double atol, double rtol = 0) {
  if (got.shape() != want.shape()) {
    return ::testing::AssertionFailure() << "shape " << got.shape().to_string() << ", expected "
                                         << want.shape().to_string();
  }
  const auto g = got.to_vector<std::complex<double>>(), w = want.to_vector<std::complex<double>>();
  for (std::size_t i = 0; i < g.size(); ++i) {
    if (!(std::abs(g[i] - w[i]) <= atol + rtol * std::abs(w[i]))) {
      return ::testing::AssertionFailure() << "element " << i << ": " << g[i] << ", expected " << w[i];
    }
  }
  return ::testing::AssertionSuccess();
}

// The elements, row-major, as doubles (exactly, for every floating dtype up to float64).
inline std::vector<double> values(const Array& x) { return x.to_vector<double>(); }

// max(1, the largest |element|): the scale of an absolute tolerance relative to the whole array.
inline double magnitude_scale(const Array& x) {
  double scale = 1;
  for (const auto& v : x.to_vector<std::complex<double>>()) scale = std::max(scale, std::abs(v));
  return scale;
}

}  // namespace jx::testing
