// Reading tests/data/complex_oracle.json (written by tools/complex_oracle.py from NumPy) and comparing
// jx's complex results with it: shared by the complex elementwise and complex numbers tests.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "jx/core/array.h"

namespace jx::testing {

inline const nlohmann::json& complex_oracle() {
  static const nlohmann::json data = [] {
    std::ifstream file(std::string(JX_TEST_DATA_DIR) + "/complex_oracle.json");
    if (!file) return nlohmann::json::object();
    return nlohmann::json::parse(file);
  }();
  return data;
}

// Numbers are Python reprs ("0.5", "-inf", "nan"), exact as strtod reads them.
inline double oracle_number(const nlohmann::json& text) {
  return std::strtod(text.get<std::string>().c_str(), nullptr);
}

inline std::vector<std::complex<double>> oracle_complex(const nlohmann::json& pairs) {
  std::vector<std::complex<double>> values;
  for (const auto& pair : pairs) values.emplace_back(oracle_number(pair[0]), oracle_number(pair[1]));
  return values;
}

inline std::vector<double> oracle_real(const nlohmann::json& numbers) {
  std::vector<double> values;
  for (const auto& n : numbers) values.push_back(oracle_number(n));
  return values;
}

// A part of a result: NaN only where NaN is expected, infinities exactly, finite values within
// atol + rtol * scale.
inline bool close_part(double actual, double expected, double atol, double rtol, double scale) {
  if (std::isnan(expected)) return std::isnan(actual);
  if (std::isinf(expected)) return actual == expected;
  return std::abs(actual - expected) <= atol + rtol * scale;
}

// |actual - expected| <= atol + rtol |expected| on the complex magnitude, part by part where the
// expected value is not finite. An infinite part beside a NaN part is C99's "complex infinity"
// (1 / 0 is one): any value with an infinite part matches it, since the signs carry no meaning
// there (NumPy's 1 / (-0 + 0j) is inf + nan i, glibc's -inf - nan i).
inline bool close_complex(std::complex<double> actual, std::complex<double> expected, double atol, double rtol) {
  const bool finite = std::isfinite(expected.real()) && std::isfinite(expected.imag());
  if (finite) return std::abs(actual - expected) <= atol + rtol * std::abs(expected);
  const auto infinite = [](std::complex<double> z) { return std::isinf(z.real()) || std::isinf(z.imag()); };
  const auto has_nan = [](std::complex<double> z) { return std::isnan(z.real()) || std::isnan(z.imag()); };
  if (infinite(expected) && has_nan(expected)) return infinite(actual);
  return close_part(actual.real(), expected.real(), atol, rtol, std::abs(expected.real())) &&
         close_part(actual.imag(), expected.imag(), atol, rtol, std::abs(expected.imag()));
}

inline ::testing::AssertionResult matches_complex(const Array& actual,
                                                  const std::vector<std::complex<double>>& expected, double atol,
                                                  double rtol) {
  const std::vector<std::complex<double>> values = actual.to_vector<std::complex<double>>();
  if (values.size() != expected.size()) {
    return ::testing::AssertionFailure() << values.size() << " values, expected " << expected.size();
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!close_complex(values[i], expected[i], atol, rtol)) {
      return ::testing::AssertionFailure() << "element " << i << ": " << values[i] << ", expected " << expected[i];
    }
  }
  return ::testing::AssertionSuccess();
}

inline ::testing::AssertionResult matches_real(const Array& actual, const std::vector<double>& expected, double atol,
                                               double rtol) {
  const std::vector<double> values = actual.to_vector<double>();
  if (values.size() != expected.size()) {
    return ::testing::AssertionFailure() << values.size() << " values, expected " << expected.size();
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!close_part(values[i], expected[i], atol, rtol, std::abs(expected[i]))) {
      return ::testing::AssertionFailure() << "element " << i << ": " << values[i] << ", expected " << expected[i];
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace jx::testing
