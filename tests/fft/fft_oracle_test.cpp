// jnp.fft and lax.fft against NumPy: replays tests/data/fft_oracle.json (written by
// tools/fft_oracle.py, which documents each case's tolerance and where JAX's rules differ from
// NumPy's). One test per function; each runs all its cases, under x64 where the case needs it, and
// compares shapes, dtypes and values.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "jx/core/config.h"
#include "jx/fft.h"
#include "jx/numpy.h"
#include "oracle_cases.h"

namespace {

namespace jnp = jx::numpy;
namespace fft = jx::numpy::fft;
using jx::Array;
using json = nlohmann::json;

std::optional<std::int64_t> optional_int(const json& params, const char* key) {
  if (!params.contains(key) || params.at(key).is_null()) return std::nullopt;
  return params.at(key).get<std::int64_t>();
}

std::optional<std::vector<std::int64_t>> lengths(const json& params) {
  if (!params.contains("s") || params.at("s").is_null()) return std::nullopt;
  return params.at("s").get<std::vector<std::int64_t>>();
}

std::optional<std::vector<int>> axis_list(const json& params) {
  if (!params.contains("axes") || params.at("axes").is_null()) return std::nullopt;
  return params.at("axes").get<std::vector<int>>();
}

std::optional<jx::Axes> shift_axes(const json& params) {
  const json& value = params.at("axes");
  if (value.is_null()) return std::nullopt;
  if (value.is_number()) return jx::Axes(value.get<int>());
  jx::Axes axes;
  for (const json& a : value) axes.push_back(a.get<int>());
  return axes;
}

std::optional<std::string_view> norm(const json& params) {
  if (params.at("norm").is_null()) return std::nullopt;
  static const std::map<std::string, std::string_view> modes = {
      {"backward", "backward"}, {"ortho", "ortho"}, {"forward", "forward"}};
  return modes.at(params.at("norm").get<std::string>());
}

jx::lax::FftType fft_type(const std::string& name) {
  static const std::map<std::string, jx::lax::FftType> types = {{"FFT", jx::lax::FftType::FFT},
                                                                {"IFFT", jx::lax::FftType::IFFT},
                                                                {"RFFT", jx::lax::FftType::RFFT},
                                                                {"IRFFT", jx::lax::FftType::IRFFT}};
  return types.at(name);
}

fft::FreqOptions freq_options(const json& params) {
  if (params.contains("dtype")) return {.dtype = jx::testing::case_dtype(params.at("dtype"))};
  return {};
}

using Op = std::function<Array(const std::vector<Array>&, const json&)>;

// The 1-D forms: (a, n, axis, norm).
template <class F>
Op one_axis(const F& f) {
  return [f](const std::vector<Array>& a, const json& p) {
    return f(a[0], optional_int(p, "n"), p.at("axis").get<int>(), norm(p));
  };
}

// The n-D forms: (a, s, axes, norm), with the function's own default axes when the case has none.
template <class F>
Op several_axes(const F& f, std::optional<std::vector<int>> default_axes) {
  return [f, default_axes](const std::vector<Array>& a, const json& p) {
    const auto axes = axis_list(p);
    return f(a[0], lengths(p), axes ? axes : default_axes, norm(p));
  };
}

const std::map<std::string, Op>& ops() {
  const std::vector<int> last_two{-2, -1};
  static const std::map<std::string, Op> table = {
      {"fft", one_axis(fft::fft)},
      {"ifft", one_axis(fft::ifft)},
      {"rfft", one_axis(fft::rfft)},
      {"irfft", one_axis(fft::irfft)},
      {"hfft", one_axis(fft::hfft)},
      {"ihfft", one_axis(fft::ihfft)},
      {"fft2", several_axes(fft::fft2, last_two)},
      {"ifft2", several_axes(fft::ifft2, last_two)},
      {"rfft2", several_axes(fft::rfft2, last_two)},
      {"irfft2", several_axes(fft::irfft2, last_two)},
      {"fftn", several_axes(fft::fftn, std::nullopt)},
      {"ifftn", several_axes(fft::ifftn, std::nullopt)},
      {"rfftn", several_axes(fft::rfftn, std::nullopt)},
      {"irfftn", several_axes(fft::irfftn, std::nullopt)},
      {"fftfreq",
       [](const std::vector<Array>&, const json& p) {
         return fft::fftfreq(p.at("n").get<std::int64_t>(), p.at("d").get<double>(), freq_options(p));
       }},
      {"rfftfreq",
       [](const std::vector<Array>&, const json& p) {
         return fft::rfftfreq(p.at("n").get<std::int64_t>(), p.at("d").get<double>(), freq_options(p));
       }},
      {"fftshift", [](const std::vector<Array>& a, const json& p) { return fft::fftshift(a[0], shift_axes(p)); }},
      {"ifftshift", [](const std::vector<Array>& a, const json& p) { return fft::ifftshift(a[0], shift_axes(p)); }},
      {"lax_fft",
       [](const std::vector<Array>& a, const json& p) {
         return jx::lax::fft(a[0], fft_type(p.at("fft_type")), p.at("fft_lengths").get<std::vector<std::int64_t>>());
       }},
  };
  return table;
}

class FftOracle : public ::testing::TestWithParam<std::string> {};

TEST_P(FftOracle, MatchesNumpy) {
  int ran = 0;
  for (const json& c : jx::testing::oracle_cases("fft_oracle.json")) {
    if (c.at("op") != GetParam()) continue;
    SCOPED_TRACE(c.at("name").get<std::string>());
    auto x64 = jx::config::scoped({.enable_x64 = c.at("x64").get<bool>()});
    std::vector<Array> args;
    for (const json& spec : c.at("args")) args.push_back(jx::testing::case_array(spec));
    const Array result = ops().at(GetParam())(args, c.at("params"));
    ASSERT_EQ(c.at("expected").size(), 1u);
    EXPECT_TRUE(jx::testing::matches_case(result, c.at("expected")[0], c.at("rtol"), c.at("atol")));
    ++ran;
  }
  EXPECT_GT(ran, 0) << "no oracle case for " << GetParam();
}

std::vector<std::string> op_names() {
  std::vector<std::string> names;
  for (const auto& [name, op] : ops()) names.push_back(name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Fft, FftOracle, ::testing::ValuesIn(op_names()), [](const auto& test) { return test.param; });

TEST(FftOracle, EveryCaseHasAnOp) {
  for (const json& c : jx::testing::oracle_cases("fft_oracle.json")) {
    EXPECT_TRUE(ops().contains(c.at("op"))) << c.at("name");
  }
}

}  // namespace
