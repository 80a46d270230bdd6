// Reading the oracle files whose cases share one format (tests/data/linalg_oracle.json and
// fft_oracle.json, written by tools/linalg_oracle.py and tools/fft_oracle.py): arrays with a dtype,
// a shape and row-major data (complex entries as [re, im], non-finite numbers as "nan"/"inf"/"-inf"),
// and the comparison every case makes, |actual - expected| <= atol + rtol |expected| elementwise.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "jx/core/array.h"
#include "jx/numpy.h"

namespace jx::testing {

using json = nlohmann::json;

// The cases of tests/data/<file>, parsed once per file.
inline const json& oracle_cases(const std::string& file) {
  static std::map<std::string, json> parsed;
  auto it = parsed.find(file);
  if (it != parsed.end()) return it->second;
  std::ifstream in(std::string(JX_TEST_DATA_DIR) + "/" + file);
  if (!in) throw std::runtime_error("tests/data/" + file + " is missing");
  return parsed.emplace(file, json::parse(in).at("cases")).first->second;
}

// A JSON number (a bool counts as 0 or 1), or one of the strings "nan", "inf", "-inf".
inline double case_number(const json& v) {
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s == "nan") return std::nan("");
    if (s == "inf") return HUGE_VAL;
    if (s == "-inf") return -HUGE_VAL;
    throw std::runtime_error("bad number " + s);
  }
  if (v.is_boolean()) return v.get<bool>() ? 1.0 : 0.0;
  return v.get<double>();
}

inline std::optional<double> optional_case_number(const json& params, const char* key) {
  if (!params.contains(key) || params.at(key).is_null()) return std::nullopt;
  return case_number(params.at(key));
}

inline DType case_dtype(const std::string& name) {
  static const std::map<std::string, DType> names = {{"float32", DType::float32},     {"float64", DType::float64},
                                                     {"complex64", DType::complex64}, {"complex128", DType::complex128},
                                                     {"int32", DType::int32},         {"int64", DType::int64},
                                                     {"int8", DType::int8},           {"int16", DType::int16},
                                                     {"uint8", DType::uint8},         {"uint32", DType::uint32},
                                                     {"bool", DType::bool_}};
  return names.at(name);
}

inline Shape case_shape(const json& dims) {
  Shape shape;
  for (const json& d : dims) shape.push_back(d.get<std::int64_t>());
  return shape;
}

inline std::vector<std::complex<double>> case_values(const json& spec) {
  std::vector<std::complex<double>> values;
  for (const json& v : spec.at("data")) {
    if (v.is_array()) {
      values.emplace_back(case_number(v[0]), case_number(v[1]));
    } else {
      values.emplace_back(case_number(v), 0.0);
    }
  }
  return values;
}

inline Array case_array(const json& spec) {
  const DType dtype = case_dtype(spec.at("dtype"));
  const Shape shape = case_shape(spec.at("shape"));
  if (is_integer(dtype)) {  // read exactly: int64 values need not fit a double
    std::vector<std::int64_t> integers;
    for (const json& v : spec.at("data")) integers.push_back(v.get<std::int64_t>());
    return numpy::array(integers, shape, dtype);
  }
  const auto values = case_values(spec);
  if (is_complex(dtype)) return numpy::array(std::span<const std::complex<double>>(values), shape, dtype);
  std::vector<double> reals;
  for (const auto& v : values) reals.push_back(v.real());
  return numpy::array(reals, shape, dtype);
}

// The result has the expected dtype and shape, and values within the case's tolerance (non-finite
// parts exactly).
inline ::testing::AssertionResult matches_case(const Array& actual, const json& expected, double rtol, double atol) {
  const DType dtype = case_dtype(expected.at("dtype"));
  const Shape shape = case_shape(expected.at("shape"));
  if (actual.dtype() != dtype || actual.shape() != shape) {
    return ::testing::AssertionFailure() << "got " << actual.type().to_string() << ", expected " << dtype_name(dtype)
                                         << shape.to_string();
  }
  const auto want = case_values(expected);
  const auto got = actual.to_vector<std::complex<double>>();
  for (std::size_t i = 0; i < want.size(); ++i) {
    const auto e = want[i], g = got[i];
    const bool finite = std::isfinite(e.real()) && std::isfinite(e.imag());
    const bool ok = finite ? std::abs(g - e) <= atol + rtol * std::abs(e)
                           : (std::isnan(e.real()) ? std::isnan(g.real()) : g.real() == e.real()) &&
                                 (std::isnan(e.imag()) ? std::isnan(g.imag()) : g.imag() == e.imag());
    if (!ok) return ::testing::AssertionFailure() << "element " << i << ": " << g << ", expected " << e;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace jx::testing
