// Differential tests of jx::numpy, jx::nn and jx::scipy::special against NumPy.
//
// tests/data/numpy_oracle.json holds a few thousand cases produced by tools/numpy_oracle.py (run it with
// /usr/bin/python3 to regenerate the file): inputs over a grid of shapes (scalars, empty arrays, zero-size
// axes, broadcasting pairs, transposed/reversed/broadcast views), dtypes (mixed and weakly typed operands
// included) and edge values (NaN, ±inf, ±0, huge and tiny), with the result each op must give. Result
// dtypes and weak-type flags are JAX's, decided by the script from JAX's promotion table; values come
// from NumPy in that dtype. Each case states its tolerance (|actual - expected| <= atol + rtol*|expected|,
// NaN equal to NaN); integer, bool and exact float results are compared exactly.
//
// Each op family is one parameterized test with one instance per op, which runs all of that op's cases
// and names the failing ones (one instance per case would make ctest start thousands of processes):
//   jx_tests --gtest_filter='NumpyDifferential/Binary.MatchesNumpy/floor_divide'
// JX_DIFFERENTIAL_CASE=<substring> runs only the cases whose names contain it, and
// JX_DIFFERENTIAL_STRICT=1 also runs the cases listed in known_bugs() below.
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "jx/core/config.h"
#include "jx/core/error.h"
#include "jx/core/half.h"
#include "jx/nn.h"
#include "jx/numpy.h"
#include "jx/scipy.h"
#include "jx/transforms/jit.h"
#include "oracle_cases.h"

namespace {

namespace jnp = jx::numpy;
using json = nlohmann::json;
using jx::Array;
using Arrays = std::vector<Array>;

// --- The oracle file -----------------------------------------------------------------------------

const json& oracle() {
  static const json data = [] {
    const std::string path = std::string(JX_TEST_DATA_DIR) + "/numpy_oracle.json";
    // Errors are reported by OracleCoversEveryOp, not thrown while the tests register (which would stop
    // every other test in the binary).
    std::ifstream file(path);
    if (!file) return json::object({{"cases", json::array()}, {"error", "cannot open " + path}});
    try {
      return json::parse(file);
    } catch (const std::exception& e) {
      return json::object({{"cases", json::array()}, {"error", path + ": " + e.what()}});
    }
  }();
  return data;
}

const json& cases() { return oracle().at("cases"); }

// A test parameter: the cases of one op, named for GoogleTest after the op.
struct OpCases {
  std::string name;
  std::vector<std::size_t> indices;  // into cases()
};

// GoogleTest prints a failing parameter with this (instead of its bytes).
void PrintTo(const OpCases& ref, std::ostream* os) { *os << ref.name; }

std::string test_name(const std::string& name) {
  static const std::map<char, const char*> spelled = {
      {'+', "plus"}, {'-', "minus"}, {'*', "times"}, {'/', "div"}, {'%', "mod"}, {'=', "eq"}, {'!', "not"},
      {'<', "lt"},   {'>', "gt"},    {'&', "and"},   {'|', "or"},  {'^', "xor"}, {'~', "inv"}};
  std::string out;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
      out += c;
    } else if (auto it = spelled.find(c); it != spelled.end()) {
      out += it->second;
    } else {
      out += '_';
    }
  }
  return out;
}

std::vector<OpCases> ops_of(const std::string& family) {
  std::vector<OpCases> groups;
  std::map<std::string, std::size_t> position;
  for (std::size_t i = 0; i < cases().size(); ++i) {
    const json& c = cases()[i];
    if (c.at("family") != family) continue;
    const std::string op = c.at("op");
    auto [it, inserted] = position.emplace(op, groups.size());
    if (inserted) groups.push_back({test_name(op), {}});
    groups[it->second].indices.push_back(i);
  }
  return groups;
}

// --- Decoding arrays -------------------------------------------------------------------------------

jx::DType dtype_from(const std::string& name) {
  static const std::map<std::string, jx::DType> names = {
      {"bool", jx::bool_},     {"int8", jx::int8},       {"int16", jx::int16},       {"int32", jx::int32},
      {"int64", jx::int64},    {"uint8", jx::uint8},     {"uint16", jx::uint16},     {"uint32", jx::uint32},
      {"uint64", jx::uint64},  {"float16", jx::float16}, {"bfloat16", jx::bfloat16}, {"float32", jx::float32},
      {"float64", jx::float64}};
  auto it = names.find(name);
  if (it == names.end()) throw std::runtime_error("unknown dtype " + name);
  return it->second;
}

jx::Shape shape_from(const json& dims) { return jx::testing::case_shape(dims); }

// A JSON number, or one of the strings "nan", "inf", "-inf" (the format the oracle files share).
double number(const json& v) { return jx::testing::case_number(v); }

std::int64_t integer(const json& v) {
  if (v.is_boolean()) return v.get<bool>() ? 1 : 0;
  return v.get<std::int64_t>();
}

// The value `v` rounded to the float dtype (the file spells float32 values with the fewest digits).
double round_to(double v, jx::DType dtype) {
  if (dtype == jx::float32) return static_cast<float>(v);
  if (dtype == jx::float16) return static_cast<float>(jx::Float16(static_cast<float>(v)));
  return v;
}

Array from_data(const json& data, const jx::Shape& shape, jx::DType dtype) {
  const std::size_t n = data.size();
  if (dtype == jx::bool_) {
    auto values = std::make_unique<bool[]>(n);  // not std::vector<bool>: it has no data()
    for (std::size_t i = 0; i < n; ++i) values[i] = integer(data[i]) != 0;
    return jnp::array(std::span<const bool>(values.get(), n), shape, dtype);
  }
  if (jx::is_integer(dtype)) {
    std::vector<std::int64_t> values;
    for (const json& v : data) values.push_back(integer(v));
    return jnp::array(values, shape, dtype);
  }
  if (dtype == jx::float16 || dtype == jx::float32) {
    std::vector<float> values;  // float32 values round once, float16 values are exact
    for (const json& v : data) values.push_back(static_cast<float>(number(v)));
    return jnp::array(values, shape, dtype);
  }
  std::vector<double> values;
  for (const json& v : data) values.push_back(number(v));
  return jnp::array(values, shape, dtype);
}

// An argument as the case describes it: a C++ scalar, or an array built as a view of a base array.
Array build_arg(const json& spec) {
  const jx::DType dtype = dtype_from(spec.at("dtype"));
  const json& data = spec.at("data");
  if (spec.at("weak").get<bool>()) {
    if (jx::is_floating(dtype)) return Array(number(data.at(0)));
    return Array(integer(data.at(0)));
  }
  const jx::Shape shape = shape_from(spec.at("shape"));
  const std::string layout = spec.at("layout");
  if (layout == "contiguous") return from_data(data, shape, dtype);
  if (layout == "transposed") {
    jx::Shape reversed;
    for (int d = shape.ndim() - 1; d >= 0; --d) reversed.push_back(shape[d]);
    return jnp::transpose(from_data(data, reversed, dtype));
  }
  if (layout == "reversed") return jnp::flip(from_data(data, shape, dtype));
  if (layout == "broadcast") return jnp::broadcast_to(from_data(data, shape_from(spec.at("base_shape")), dtype), shape);
  throw std::runtime_error("unknown layout " + layout);
}

// --- Parameters ----------------------------------------------------------------------------------

std::optional<jx::Axes> axes_param(const json& p, const char* key = "axis") {
  if (!p.contains(key) || p.at(key).is_null()) return std::nullopt;
  const json& v = p.at(key);
  if (v.is_number()) return jx::Axes(v.get<int>());
  const std::vector<int> axes = v.get<std::vector<int>>();
  return jx::Axes(std::span<const int>(axes));
}

std::optional<int> int_param(const json& p, const char* key) {
  if (!p.contains(key) || p.at(key).is_null()) return std::nullopt;
  return p.at(key).get<int>();
}

std::optional<jx::DType> dtype_param(const json& p) {
  if (!p.contains("dtype") || p.at("dtype").is_null()) return std::nullopt;
  return dtype_from(p.at("dtype"));
}

jnp::ReduceOptions reduce_options(const json& p) {
  return {.axis = axes_param(p), .keepdims = p.value("keepdims", false), .ddof = p.value("ddof", 0)};
}

// Calls f with `values` as an initializer_list (the API's multi-axis overloads take one).
template <class F>
Array with_list(const std::vector<int>& v, F f) {
  switch (v.size()) {
    case 1:
      return f({v[0]});
    case 2:
      return f({v[0], v[1]});
    case 3:
      return f({v[0], v[1], v[2]});
    case 4:
      return f({v[0], v[1], v[2], v[3]});
    default:
      throw std::runtime_error("with_list: unsupported length");
  }
}

// A C++ scalar for a JSON number: an int64_t for integers, a double otherwise.
Array scalar_param(const json& v) {
  if (v.is_number_integer()) return Array(v.get<std::int64_t>());
  return Array(number(v));
}

std::vector<jx::Index> index_param(const json& spec, const Arrays& args) {
  std::vector<jx::Index> indices;
  auto bound = [](const json& v) -> std::optional<std::int64_t> {
    if (v.is_null()) return std::nullopt;
    return v.get<std::int64_t>();
  };
  for (const json& item : spec) {
    if (item.contains("int")) {
      indices.emplace_back(item.at("int").get<std::int64_t>());
    } else if (item.contains("slice")) {
      const json& s = item.at("slice");
      indices.emplace_back(jx::Slice{bound(s.at(0)), bound(s.at(1)), bound(s.at(2))});
    } else if (item.contains("newaxis")) {
      indices.emplace_back(jx::newaxis);
    } else if (item.contains("ellipsis")) {
      indices.emplace_back(jx::ellipsis);
    } else {
      indices.emplace_back(args.at(item.at("array").get<std::size_t>()));
    }
  }
  return indices;
}

// --- The ops under test --------------------------------------------------------------------------

using OpFn = std::function<Arrays(const Arrays&, const json&)>;

template <class F>
OpFn unary(F f) {
  return [f](const Arrays& a, const json&) { return Arrays{f(a.at(0))}; };
}
template <class F>
OpFn binary(F f) {
  return [f](const Arrays& a, const json&) { return Arrays{f(a.at(0), a.at(1))}; };
}
template <class F>
OpFn reduction(F f) {
  return [f](const Arrays& a, const json& p) { return Arrays{f(a.at(0), reduce_options(p))}; };
}

#define JX_UNARY(name, call)                         \
  {                                                  \
    name, unary([](const Array& x) { return call; }) \
  }
#define JX_BINARY(name, call)                                         \
  {                                                                   \
    name, binary([](const Array& x, const Array& y) { return call; }) \
  }
#define JX_REDUCTION(name, fn)                                                            \
  {                                                                                       \
    name, reduction([](const Array& x, const jnp::ReduceOptions& o) { return fn(x, o); }) \
  }

Arrays arange_op(const json& p) {
  const std::optional<jx::DType> dtype = dtype_param(p);
  const json& stop = p.at("stop");
  if (!p.contains("start")) {
    if (stop.is_number_integer()) return {jnp::arange(stop.get<std::int64_t>(), dtype)};
    return {jnp::arange(stop.get<double>(), dtype)};
  }
  const json &start = p.at("start"), &step = p.at("step");
  if (start.is_number_integer() && stop.is_number_integer() && step.is_number_integer()) {
    return {jnp::arange(start.get<std::int64_t>(), stop.get<std::int64_t>(), step.get<std::int64_t>(), dtype)};
  }
  return {jnp::arange(start.get<double>(), stop.get<double>(), step.get<double>(), dtype)};
}

const std::map<std::string, OpFn>& ops() {
  static const std::map<std::string, OpFn> table = {
      // Creation.
      {"arange", [](const Arrays&, const json& p) { return arange_op(p); }},
      {"linspace",
       [](const Arrays&, const json& p) {
         return Arrays{jnp::linspace(p.at("start").get<double>(), p.at("stop").get<double>(),
                                     p.at("num").get<std::int64_t>(),
                                     {.endpoint = p.at("endpoint").get<bool>(), .dtype = dtype_param(p)})};
       }},
      {"eye",
       [](const Arrays&, const json& p) {
         const std::optional<std::int64_t> m =
             p.at("m").is_null() ? std::nullopt : std::optional<std::int64_t>(p.at("m").get<std::int64_t>());
         return Arrays{jnp::eye(p.at("n").get<std::int64_t>(), m, p.at("k").get<std::int64_t>(),
                                dtype_from(p.at("dtype")))};
       }},
      {"identity",
       [](const Arrays&, const json& p) {
         return Arrays{jnp::identity(p.at("n").get<std::int64_t>(), dtype_from(p.at("dtype")))};
       }},
      {"zeros",
       [](const Arrays&, const json& p) {
         return Arrays{jnp::zeros(shape_from(p.at("shape")), dtype_from(p.at("dtype")))};
       }},
      {"ones",
       [](const Arrays&, const json& p) {
         return Arrays{jnp::ones(shape_from(p.at("shape")), dtype_from(p.at("dtype")))};
       }},
      {"full",
       [](const Arrays& a, const json& p) {
         return Arrays{jnp::full(shape_from(p.at("shape")), a.at(0), dtype_param(p))};
       }},
      {"zeros_like", [](const Arrays& a, const json& p) { return Arrays{jnp::zeros_like(a.at(0), dtype_param(p))}; }},
      {"ones_like", [](const Arrays& a, const json& p) { return Arrays{jnp::ones_like(a.at(0), dtype_param(p))}; }},
      {"full_like",
       [](const Arrays& a, const json& p) { return Arrays{jnp::full_like(a.at(0), a.at(1), dtype_param(p))}; }},
      {"astype", [](const Arrays& a, const json& p) { return Arrays{jnp::astype(a.at(0), dtype_from(p.at("dtype")))}; }},
      {"array", [](const Arrays& a, const json& p) { return Arrays{jnp::array(a.at(0), dtype_param(p))}; }},
      {"asarray", [](const Arrays& a, const json& p) { return Arrays{jnp::asarray(a.at(0), dtype_param(p))}; }},

      // Elementwise, one operand.
      JX_UNARY("negative", jnp::negative(x)),
      JX_UNARY("positive", jnp::positive(x)),
      JX_UNARY("square", jnp::square(x)),
      JX_UNARY("sqrt", jnp::sqrt(x)),
      JX_UNARY("cbrt", jnp::cbrt(x)),
      JX_UNARY("reciprocal", jnp::reciprocal(x)),
      JX_UNARY("exp", jnp::exp(x)),
      JX_UNARY("exp2", jnp::exp2(x)),
      JX_UNARY("expm1", jnp::expm1(x)),
      JX_UNARY("log", jnp::log(x)),
      JX_UNARY("log1p", jnp::log1p(x)),
      JX_UNARY("log2", jnp::log2(x)),
      JX_UNARY("log10", jnp::log10(x)),
      JX_UNARY("sin", jnp::sin(x)),
      JX_UNARY("cos", jnp::cos(x)),
      JX_UNARY("tan", jnp::tan(x)),
      JX_UNARY("arcsin", jnp::arcsin(x)),
      JX_UNARY("arccos", jnp::arccos(x)),
      JX_UNARY("arctan", jnp::arctan(x)),
      JX_UNARY("sinh", jnp::sinh(x)),
      JX_UNARY("cosh", jnp::cosh(x)),
      JX_UNARY("tanh", jnp::tanh(x)),
      JX_UNARY("arcsinh", jnp::arcsinh(x)),
      JX_UNARY("arccosh", jnp::arccosh(x)),
      JX_UNARY("arctanh", jnp::arctanh(x)),
      JX_UNARY("abs", jnp::abs(x)),
      JX_UNARY("absolute", jnp::absolute(x)),
      JX_UNARY("sign", jnp::sign(x)),
      JX_UNARY("floor", jnp::floor(x)),
      JX_UNARY("ceil", jnp::ceil(x)),
      {"round", [](const Arrays& a, const json& p) { return Arrays{jnp::round(a.at(0), p.value("decimals", 0))}; }},
      JX_UNARY("logical_not", jnp::logical_not(x)),
      JX_UNARY("invert", jnp::invert(x)),
      JX_UNARY("isnan", jnp::isnan(x)),
      JX_UNARY("isinf", jnp::isinf(x)),
      JX_UNARY("isfinite", jnp::isfinite(x)),
      JX_UNARY("operator!", !x),
      JX_UNARY("operator~", ~x),
      // "operator-" is unary negation with one argument and subtraction with two.
      {"operator-",
       [](const Arrays& a, const json&) { return a.size() == 1 ? Arrays{-a.at(0)} : Arrays{a.at(0) - a.at(1)}; }},

      // Elementwise, two operands.
      JX_BINARY("add", jnp::add(x, y)),
      JX_BINARY("subtract", jnp::subtract(x, y)),
      JX_BINARY("multiply", jnp::multiply(x, y)),
      JX_BINARY("divide", jnp::divide(x, y)),
      JX_BINARY("true_divide", jnp::true_divide(x, y)),
      JX_BINARY("floor_divide", jnp::floor_divide(x, y)),
      JX_BINARY("remainder", jnp::remainder(x, y)),
      JX_BINARY("mod", jnp::mod(x, y)),
      JX_BINARY("fmod", jnp::fmod(x, y)),
      JX_BINARY("power", jnp::power(x, y)),
      JX_BINARY("maximum", jnp::maximum(x, y)),
      JX_BINARY("minimum", jnp::minimum(x, y)),
      JX_BINARY("arctan2", jnp::arctan2(x, y)),
      JX_BINARY("logaddexp", jnp::logaddexp(x, y)),
      JX_BINARY("equal", jnp::equal(x, y)),
      JX_BINARY("not_equal", jnp::not_equal(x, y)),
      JX_BINARY("less", jnp::less(x, y)),
      JX_BINARY("less_equal", jnp::less_equal(x, y)),
      JX_BINARY("greater", jnp::greater(x, y)),
      JX_BINARY("greater_equal", jnp::greater_equal(x, y)),
      JX_BINARY("logical_and", jnp::logical_and(x, y)),
      JX_BINARY("logical_or", jnp::logical_or(x, y)),
      JX_BINARY("logical_xor", jnp::logical_xor(x, y)),
      JX_BINARY("bitwise_and", jnp::bitwise_and(x, y)),
      JX_BINARY("bitwise_or", jnp::bitwise_or(x, y)),
      JX_BINARY("bitwise_xor", jnp::bitwise_xor(x, y)),
      JX_BINARY("left_shift", jnp::left_shift(x, y)),
      JX_BINARY("right_shift", jnp::right_shift(x, y)),
      JX_BINARY("operator+", x + y),
      JX_BINARY("operator*", x* y),
      JX_BINARY("operator/", x / y),
      JX_BINARY("operator%", x % y),
      JX_BINARY("operator==", x == y),
      JX_BINARY("operator!=", x != y),
      JX_BINARY("operator<", x < y),
      JX_BINARY("operator<=", x <= y),
      JX_BINARY("operator>", x > y),
      JX_BINARY("operator>=", x >= y),
      JX_BINARY("operator&", x& y),
      JX_BINARY("operator|", x | y),
      JX_BINARY("operator^", x ^ y),
      JX_BINARY("operator<<", x << y),
      JX_BINARY("operator>>", x >> y),
      {"where", [](const Arrays& a, const json&) { return Arrays{jnp::where(a.at(0), a.at(1), a.at(2))}; }},
      {"clip",
       [](const Arrays& a, const json& p) {
         std::size_t next = 1;
         std::optional<Array> lo, hi;
         if (p.at("has_min").get<bool>()) lo = a.at(next++);
         if (p.at("has_max").get<bool>()) hi = a.at(next++);
         return Arrays{jnp::clip(a.at(0), lo, hi)};
       }},

      // Reductions.
      JX_REDUCTION("sum", jnp::sum),
      JX_REDUCTION("prod", jnp::prod),
      JX_REDUCTION("mean", jnp::mean),
      JX_REDUCTION("max", jnp::max),
      JX_REDUCTION("min", jnp::min),
      JX_REDUCTION("amax", jnp::amax),
      JX_REDUCTION("amin", jnp::amin),
      JX_REDUCTION("any", jnp::any),
      JX_REDUCTION("all", jnp::all),
      JX_REDUCTION("var", jnp::var),
      JX_REDUCTION("std", jnp::std),
      {"argmax",
       [](const Arrays& a, const json& p) {
         return Arrays{jnp::argmax(a.at(0), {.axis = int_param(p, "axis"), .keepdims = p.value("keepdims", false)})};
       }},
      {"argmin",
       [](const Arrays& a, const json& p) {
         return Arrays{jnp::argmin(a.at(0), {.axis = int_param(p, "axis"), .keepdims = p.value("keepdims", false)})};
       }},
      {"cumsum",
       [](const Arrays& a, const json& p) {
         return Arrays{jnp::cumsum(a.at(0), {.axis = int_param(p, "axis"), .dtype = dtype_param(p)})};
       }},
      {"cumprod",
       [](const Arrays& a, const json& p) {
         return Arrays{jnp::cumprod(a.at(0), {.axis = int_param(p, "axis"), .dtype = dtype_param(p)})};
       }},

      // Shapes.
      {"reshape", [](const Arrays& a, const json& p) { return Arrays{jnp::reshape(a.at(0), shape_from(p.at("shape")))}; }},
      JX_UNARY("ravel", jnp::ravel(x)),
      {"transpose",
       [](const Arrays& a, const json& p) {
         if (p.at("axes").is_null()) return Arrays{jnp::transpose(a.at(0))};
         return Arrays{jnp::transpose(a.at(0), p.at("axes").get<std::vector<int>>())};
       }},
      {"swapaxes",
       [](const Arrays& a, const json& p) {
         return Arrays{jnp::swapaxes(a.at(0), p.at("axis1").get<int>(), p.at("axis2").get<int>())};
       }},
      {"moveaxis",
       [](const Arrays& a, const json& p) {
         return Arrays{jnp::moveaxis(a.at(0), p.at("source").get<int>(), p.at("destination").get<int>())};
       }},
      {"expand_dims",
       [](const Arrays& a, const json& p) {
         const json& axis = p.at("axis");
         if (axis.is_number()) return Arrays{jnp::expand_dims(a.at(0), axis.get<int>())};
         return Arrays{with_list(axis.get<std::vector<int>>(),
                                 [&](std::initializer_list<int> l) { return jnp::expand_dims(a.at(0), l); })};
       }},
      {"squeeze",
       [](const Arrays& a, const json& p) {
         const json& axis = p.at("axis");
         if (axis.is_null()) return Arrays{jnp::squeeze(a.at(0))};
         if (axis.is_number()) return Arrays{jnp::squeeze(a.at(0), axis.get<int>())};
         return Arrays{with_list(axis.get<std::vector<int>>(),
                                 [&](std::initializer_list<int> l) { return jnp::squeeze(a.at(0), l); })};
       }},
      {"broadcast_to",
       [](const Arrays& a, const json& p) { return Arrays{jnp::broadcast_to(a.at(0), shape_from(p.at("shape")))}; }},
      {"broadcast_arrays", [](const Arrays& a, const json&) { return jnp::broadcast_arrays(a); }},
      // broadcast_shapes returns a Shape: it is checked as the shape of a bool array of zeros.
      {"broadcast_shapes",
       [](const Arrays&, const json& p) {
         return Arrays{jnp::zeros(jnp::broadcast_shapes(shape_from(p.at("a")), shape_from(p.at("b"))), jx::bool_)};
       }},
      {"concatenate", [](const Arrays& a, const json& p) { return Arrays{jnp::concatenate(a, p.at("axis").get<int>())}; }},
      {"stack", [](const Arrays& a, const json& p) { return Arrays{jnp::stack(a, p.at("axis").get<int>())}; }},
      {"hstack", [](const Arrays& a, const json&) { return Arrays{jnp::hstack(a)}; }},
      {"vstack", [](const Arrays& a, const json&) { return Arrays{jnp::vstack(a)}; }},
      {"split",
       [](const Arrays& a, const json& p) {
         const int axis = p.at("axis").get<int>();
         if (p.contains("sections")) return jnp::split(a.at(0), p.at("sections").get<std::int64_t>(), axis);
         return jnp::split(a.at(0), p.at("indices").get<std::vector<std::int64_t>>(), axis);
       }},
      {"tile",
       [](const Arrays& a, const json& p) {
         return Arrays{jnp::tile(a.at(0), p.at("reps").get<std::vector<std::int64_t>>())};
       }},
      {"repeat",
       [](const Arrays& a, const json& p) {
         return Arrays{jnp::repeat(a.at(0), p.at("repeats").get<std::int64_t>(), int_param(p, "axis"))};
       }},
      {"flip", [](const Arrays& a, const json& p) { return Arrays{jnp::flip(a.at(0), int_param(p, "axis"))}; }},
      {"pad",
       [](const Arrays& a, const json& p) {
         jnp::PadOptions options;
         if (p.contains("constant_values")) options.constant_values = scalar_param(p.at("constant_values"));
         const json& width = p.at("pad_width");
         if (width.is_number()) return Arrays{jnp::pad(a.at(0), width.get<std::int64_t>(), options)};
         std::vector<std::pair<std::int64_t, std::int64_t>> widths;
         for (const json& w : width) widths.emplace_back(w.at(0).get<std::int64_t>(), w.at(1).get<std::int64_t>());
         return Arrays{jnp::pad(a.at(0), widths, options)};
       }},

      // Indexing.
      {"getitem",
       [](const Arrays& a, const json& p) { return Arrays{a.at(0).index_with(index_param(p.at("index"), a))}; }},
      {"at_set",
       [](const Arrays& a, const json& p) {
         return Arrays{jx::IndexUpdate(a.at(0), index_param(p.at("index"), a)).set(a.at(1))};
       }},
      {"at_add",
       [](const Arrays& a, const json& p) {
         return Arrays{jx::IndexUpdate(a.at(0), index_param(p.at("index"), a)).add(a.at(1))};
       }},
      {"at_multiply",
       [](const Arrays& a, const json& p) {
         return Arrays{jx::IndexUpdate(a.at(0), index_param(p.at("index"), a)).multiply(a.at(1))};
       }},
      {"at_min",
       [](const Arrays& a, const json& p) {
         return Arrays{jx::IndexUpdate(a.at(0), index_param(p.at("index"), a)).min(a.at(1))};
       }},
      {"at_max",
       [](const Arrays& a, const json& p) {
         return Arrays{jx::IndexUpdate(a.at(0), index_param(p.at("index"), a)).max(a.at(1))};
       }},
      {"take", [](const Arrays& a, const json& p) { return Arrays{jnp::take(a.at(0), a.at(1), int_param(p, "axis"))}; }},
      {"sort", [](const Arrays& a, const json& p) { return Arrays{jnp::sort(a.at(0), p.at("axis").get<int>())}; }},
      {"argsort", [](const Arrays& a, const json& p) { return Arrays{jnp::argsort(a.at(0), p.at("axis").get<int>())}; }},
      {"take_along_axis",
       [](const Arrays& a, const json& p) {
         return Arrays{jnp::take_along_axis(a.at(0), a.at(1), p.at("axis").get<int>())};
       }},

      // Linear algebra.
      JX_BINARY("matmul", jnp::matmul(x, y)),
      JX_BINARY("dot", jnp::dot(x, y)),
      JX_BINARY("vdot", jnp::vdot(x, y)),
      JX_BINARY("inner", jnp::inner(x, y)),
      JX_BINARY("outer", jnp::outer(x, y)),
      {"einsum",
       [](const Arrays& a, const json& p) {
         const std::string subscripts = p.at("subscripts");
         if (a.size() == 1) return Arrays{jnp::einsum(subscripts, a.at(0))};
         return Arrays{jnp::einsum(subscripts, a.at(0), a.at(1))};
       }},

      // jax.nn.
      JX_UNARY("relu", jx::nn::relu(x)),
      {"gelu", [](const Arrays& a, const json& p) { return Arrays{jx::nn::gelu(a.at(0), p.at("approximate").get<bool>())}; }},
      JX_UNARY("sigmoid", jx::nn::sigmoid(x)),
      JX_UNARY("softplus", jx::nn::softplus(x)),
      JX_UNARY("silu", jx::nn::silu(x)),
      JX_UNARY("swish", jx::nn::swish(x)),
      JX_UNARY("log_sigmoid", jx::nn::log_sigmoid(x)),
      {"softmax", [](const Arrays& a, const json& p) { return Arrays{jx::nn::softmax(a.at(0), p.at("axis").get<int>())}; }},
      {"log_softmax",
       [](const Arrays& a, const json& p) { return Arrays{jx::nn::log_softmax(a.at(0), p.at("axis").get<int>())}; }},
      {"logsumexp", reduction([](const Array& x, const jnp::ReduceOptions& o) { return jx::nn::logsumexp(x, o); })},
      {"one_hot",
       [](const Arrays& a, const json& p) {
         return Arrays{
             jx::nn::one_hot(a.at(0), p.at("num_classes").get<std::int64_t>(), dtype_from(p.at("dtype")))};
       }},

      // jax.scipy.special.
      JX_UNARY("special.erf", jx::scipy::special::erf(x)),
      JX_UNARY("special.erfinv", jx::scipy::special::erfinv(x)),
      JX_UNARY("special.expit", jx::scipy::special::expit(x)),
      JX_UNARY("special.logit", jx::scipy::special::logit(x)),
      JX_UNARY("special.gammaln", jx::scipy::special::gammaln(x)),
      {"special.logsumexp",
       reduction([](const Array& x, const jnp::ReduceOptions& o) { return jx::scipy::special::logsumexp(x, o); })},
  };
  return table;
}

#undef JX_UNARY
#undef JX_BINARY
#undef JX_REDUCTION

// Cases that fail because of known jx bugs outside the files this test's author could change; each
// names the bug. JX_DIFFERENTIAL_STRICT=1 runs them anyway. Keyed by op, or by op and a substring of
// the case name ("op:substring").
const std::map<std::string, std::string>& known_bugs() {
  static const std::map<std::string, std::string> bugs = {};
  return bugs;
}

std::optional<std::string> known_bug(const json& c) {
  const char* strict = std::getenv("JX_DIFFERENTIAL_STRICT");
  if (strict && std::string(strict) == "1") return std::nullopt;
  const std::string op = c.at("op"), name = c.at("name");
  for (const auto& [key, reason] : known_bugs()) {
    const std::size_t colon = key.find(':');
    const std::string key_op = colon == std::string::npos ? key : key.substr(0, colon);
    if (key_op != op) continue;
    if (colon == std::string::npos || name.find(key.substr(colon + 1)) != std::string::npos) return reason;
  }
  return std::nullopt;
}

// --- Comparison ----------------------------------------------------------------------------------

std::string describe_args(const json& args) {
  std::ostringstream out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const json& a = args[i];
    out << (i ? ", " : "") << a.at("dtype").get<std::string>() << (a.at("weak").get<bool>() ? "(weak)" : "")
        << shape_from(a.at("shape")).to_string();
    if (a.at("layout") != "contiguous") out << " " << a.at("layout").get<std::string>();
  }
  return out.str();
}

std::string multi_index(std::size_t flat, const jx::Shape& shape) {
  std::vector<std::int64_t> index(static_cast<std::size_t>(shape.ndim()));
  for (int d = shape.ndim() - 1; d >= 0; --d) {
    const auto size = static_cast<std::size_t>(std::max<std::int64_t>(shape[d], 1));
    index[static_cast<std::size_t>(d)] = static_cast<std::int64_t>(flat % size);
    flat /= size;
  }
  std::ostringstream out;
  out << "[";
  for (std::size_t i = 0; i < index.size(); ++i) out << (i ? ", " : "") << index[i];
  out << "]";
  return out.str();
}

bool close(double actual, double expected, double rtol, double atol, bool signed_zeros) {
  if (std::isnan(expected)) return std::isnan(actual);
  if (std::isinf(expected) || std::isinf(actual)) return actual == expected;
  if (std::isnan(actual)) return false;
  if (signed_zeros && expected == 0 && actual == 0) return std::signbit(actual) == std::signbit(expected);
  return std::fabs(actual - expected) <= atol + rtol * std::fabs(expected);
}

// Compares one result with its expected dtype, weak flag, shape and values.
void expect_matches(const Array& actual, const json& expected, const json& c, const std::string& what) {
  const jx::DType dtype = dtype_from(expected.at("dtype"));
  const jx::Shape shape = shape_from(expected.at("shape"));
  EXPECT_EQ(jx::dtype_name(actual.dtype()), jx::dtype_name(dtype)) << what << ": dtype";
  EXPECT_EQ(actual.weak_type(), expected.at("weak").get<bool>()) << what << ": weak type flag";
  ASSERT_EQ(actual.shape(), shape) << what << ": shape";
  const json& data = expected.at("data");
  ASSERT_EQ(static_cast<std::size_t>(actual.size()), data.size()) << what;
  const double rtol = c.at("rtol").get<double>(), atol = c.at("atol").get<double>();
  const bool signed_zeros = c.value("signed_zeros", false);
  std::ostringstream mismatches;
  mismatches << std::setprecision(dtype == jx::float64 ? 17 : 9);
  std::size_t count = 0;
  auto report = [&](std::size_t i, const auto& got, const auto& want) {
    if (++count <= 8) mismatches << "\n    at " << multi_index(i, shape) << ": got " << got << ", expected " << want;
  };
  if (jx::is_floating(dtype)) {
    const std::vector<double> values = actual.to_vector<double>();
    for (std::size_t i = 0; i < values.size(); ++i) {
      const double want = round_to(number(data[i]), dtype);
      if (!close(values[i], want, rtol, atol, signed_zeros)) report(i, values[i], want);
    }
  } else {
    const std::vector<std::int64_t> values = actual.to_vector<std::int64_t>();
    for (std::size_t i = 0; i < values.size(); ++i) {
      const std::int64_t want = integer(data[i]);
      if (values[i] != want) report(i, values[i], want);
    }
  }
  if (count > 0) {
    ADD_FAILURE() << what << ": " << count << " of " << data.size() << " values differ (rtol " << rtol << ", atol "
                  << atol << (signed_zeros ? ", signed zeros" : "") << ")" << mismatches.str();
  }
}

bool is_error_kind(const std::exception& e, const std::string& kind) {
  if (kind == "ShapeError") return dynamic_cast<const jx::ShapeError*>(&e) != nullptr;
  if (kind == "ValueError") return dynamic_cast<const jx::ValueError*>(&e) != nullptr;
  if (kind == "IndexError") return dynamic_cast<const jx::IndexError*>(&e) != nullptr;
  if (kind == "DTypeError") return dynamic_cast<const jx::DTypeError*>(&e) != nullptr;
  if (kind == "TypeError") return dynamic_cast<const jx::TypeError*>(&e) != nullptr;
  return false;
}

// Runs each case eagerly, and again as a jitted function: the planned executor's kernels must agree
// with NumPy as the eager ones do.
void run_case(const json& c, bool jitted) {
  const std::string op = c.at("op");
  auto found = ops().find(op);
  ASSERT_NE(found, ops().end()) << "no C++ mapping for op '" << op << "'";
  const OpFn& op_fn = found->second;
  const json& params = c.at("params");
  // Weakly typed scalars stand for Python scalars, which a jitted function sees as constants (jnp.power
  // of a constant integer is integer_pow); every other argument is traced.
  const OpFn fn = !jitted ? op_fn : OpFn([&](const Arrays& arrays, const json&) {
    Arrays traced_arrays;
    for (const Array& a : arrays) {
      if (!(a.weak_type() && a.ndim() == 0)) traced_arrays.push_back(a);
    }
    return jx::jit([&](const Arrays& traced) {
      Arrays all;
      std::size_t next = 0;
      for (const Array& a : arrays) all.push_back(a.weak_type() && a.ndim() == 0 ? a : traced[next++]);
      return op_fn(all, params);
    })(traced_arrays);
  });
  auto x64 = jx::config::scoped({.enable_x64 = c.at("x64").get<bool>()});
  const std::string what = std::string(jitted ? "jitted " : "") + "case " + c.at("name").get<std::string>() + ": " +
                           op + "(" + describe_args(c.at("args")) + ")";

  Arrays args;
  for (const json& spec : c.at("args")) {
    Array a = build_arg(spec);
    ASSERT_EQ(jx::dtype_name(a.dtype()), spec.at("dtype").get<std::string>()) << "building an argument of " << what;
    ASSERT_EQ(a.shape(), shape_from(spec.at("shape"))) << "building an argument of " << what;
    args.push_back(std::move(a));
  }
  const json& expected = c.at("expected");
  if (expected.is_object() && expected.contains("error")) {
    const std::string kind = expected.at("error");
    try {
      const Arrays results = fn(args, params);
      ADD_FAILURE() << what << ": expected a jx::" << kind << ", got a result of shape "
                    << (results.empty() ? std::string("()") : results[0].shape().to_string());
    } catch (const std::exception& e) {
      EXPECT_TRUE(is_error_kind(e, kind)) << what << ": expected a jx::" << kind << ", got: " << e.what();
    }
    return;
  }
  Arrays results;
  try {
    results = fn(args, params);
  } catch (const std::exception& e) {
    FAIL() << what << " threw: " << e.what();
  }
  if (expected.is_array()) {
    ASSERT_EQ(results.size(), expected.size()) << what << ": number of results";
    for (std::size_t i = 0; i < results.size(); ++i) {
      expect_matches(results[i], expected[i], c, what + " result " + std::to_string(i));
    }
  } else {
    ASSERT_EQ(results.size(), 1u) << what;
    expect_matches(results[0], expected, c, what);
  }
}

// A boolean mask's result shape depends on its values: like JAX, jx refuses to trace it.
bool shape_depends_on_values(const json& c) {
  if (c.at("op") != "getitem") return false;
  const json& args = c.at("args");
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i].at("dtype") == "bool") return true;
  }
  return false;
}

// --- The tests: one per op family ----------------------------------------------------------------

void run_op(const OpCases& group) {
  const char* only = std::getenv("JX_DIFFERENTIAL_CASE");
  std::map<std::string, int> skipped;  // known bug -> number of cases
  int ran = 0;
  for (std::size_t index : group.indices) {
    const json& c = cases().at(index);
    if (only && c.at("name").get<std::string>().find(only) == std::string::npos) continue;
    if (auto bug = known_bug(c)) {
      ++skipped[*bug];
      continue;
    }
    ++ran;
    run_case(c, false);
    if (!shape_depends_on_values(c)) run_case(c, true);
  }
  for (const auto& [bug, n] : skipped) std::cout << "[  SKIPPED ] " << n << " case(s), known jx bug: " << bug << "\n";
  if (ran == 0 && !skipped.empty()) GTEST_SKIP() << "every case hits a known jx bug";
}

std::string param_name(const ::testing::TestParamInfo<OpCases>& info) { return info.param.name; }

#define JX_DIFFERENTIAL_FAMILY(Fixture, family)                                                          \
  class Fixture : public ::testing::TestWithParam<OpCases> {};                                           \
  TEST_P(Fixture, MatchesNumpy) { run_op(GetParam()); }                                                  \
  INSTANTIATE_TEST_SUITE_P(NumpyDifferential, Fixture, ::testing::ValuesIn(ops_of(family)), param_name); \
  GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Fixture)

JX_DIFFERENTIAL_FAMILY(Creation, "creation");
JX_DIFFERENTIAL_FAMILY(Unary, "unary");
JX_DIFFERENTIAL_FAMILY(Binary, "binary");
JX_DIFFERENTIAL_FAMILY(CompareLogic, "compare_logic");
JX_DIFFERENTIAL_FAMILY(Select, "select");
JX_DIFFERENTIAL_FAMILY(Reduction, "reduction");
JX_DIFFERENTIAL_FAMILY(Cumulative, "cumulative");
JX_DIFFERENTIAL_FAMILY(Shape, "shape");
JX_DIFFERENTIAL_FAMILY(Indexing, "indexing");
JX_DIFFERENTIAL_FAMILY(Linalg, "linalg");
JX_DIFFERENTIAL_FAMILY(Nn, "nn");
JX_DIFFERENTIAL_FAMILY(Special, "special");

#undef JX_DIFFERENTIAL_FAMILY

// The oracle loads, every op it names has a C++ mapping, and every mapped op has cases.
TEST(NumpyDifferential, OracleCoversEveryOp) {
  ASSERT_FALSE(oracle().contains("error")) << oracle().at("error").get<std::string>();
  std::map<std::string, int> counts;
  std::set<std::string> families;
  for (const json& c : cases()) {
    ++counts[c.at("op").get<std::string>()];
    families.insert(c.at("family").get<std::string>());
  }
  EXPECT_GT(cases().size(), 3000u);
  for (const auto& [op, n] : counts) EXPECT_TRUE(ops().contains(op)) << "no C++ mapping for op '" << op << "'";
  for (const auto& [op, fn] : ops()) EXPECT_GT(counts[op], 0) << "no cases for op '" << op << "'";
  const std::set<std::string> tested = {"creation",   "unary", "binary",   "compare_logic", "select", "reduction",
                                        "cumulative", "shape", "indexing", "linalg",        "nn",     "special"};
  EXPECT_EQ(families, tested) << "a family without a test suite, or a suite without cases";
}

}  // namespace
