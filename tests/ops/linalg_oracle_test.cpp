// jx's linear algebra against NumPy and SciPy: replays tests/data/linalg_oracle.json (written by
// tools/linalg_oracle.py, which documents each case's tolerance and where JAX's rules differ from
// NumPy's). One test per function; each runs every case of that function, under x64 where the case
// needs it, and compares shapes, dtypes and values.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "jx/core/config.h"
#include "jx/linalg.h"
#include "jx/numpy.h"
#include "oracle_cases.h"

namespace {

namespace jnp = jx::numpy;
using jx::Array;
using json = nlohmann::json;

using jx::testing::case_array;
using jx::testing::case_number;

const json& oracle_cases() { return jx::testing::oracle_cases("linalg_oracle.json"); }

std::optional<jnp::linalg::NormOrder> order_param(const json& value) {
  if (value.is_null()) return std::nullopt;
  if (value.is_string()) {
    const std::string s = value.get<std::string>();
    if (s == "inf") return jnp::linalg::NormOrder(HUGE_VAL);
    if (s == "-inf") return jnp::linalg::NormOrder(-HUGE_VAL);
    return jnp::linalg::NormOrder(s == "fro" ? "fro" : "nuc");
  }
  return jnp::linalg::NormOrder(value.get<double>());
}

std::optional<jx::Axes> axes_param(const json& value) {
  if (value.is_null()) return std::nullopt;
  if (value.is_number()) return jx::Axes(value.get<int>());
  jx::Axes axes;
  for (const json& a : value) axes.push_back(a.get<int>());
  return axes;
}

std::optional<double> optional_number(const json& params, const char* key) {
  return jx::testing::optional_case_number(params, key);
}

// Sorts each row (the last axis) of complex eigenvalues by (real, imag), treating real parts within
// `tolerance` as equal: a conjugate pair's real parts agree only up to rounding.
Array sorted_eigenvalues(const Array& w, double tolerance) {
  auto values = w.to_vector<std::complex<double>>();
  const std::int64_t n = w.shape()[w.ndim() - 1];
  for (std::size_t row = 0; n > 0 && row < values.size(); row += static_cast<std::size_t>(n)) {
    std::sort(values.begin() + static_cast<std::ptrdiff_t>(row), values.begin() + static_cast<std::ptrdiff_t>(row) + n,
              [&](auto a, auto b) {
                if (std::abs(a.real() - b.real()) > tolerance) return a.real() < b.real();
                return a.imag() < b.imag();
              });
  }
  return jnp::array(std::span<const std::complex<double>>(values), w.shape(), w.dtype());
}

using Op = std::function<std::vector<Array>(const std::vector<Array>&, const json&, double tolerance)>;

const std::map<std::string, Op>& ops() {
  namespace la = jnp::linalg;
  namespace sla = jx::scipy::linalg;
  static const std::map<std::string, Op> table = {
      {"det", [](auto& a, auto&, double) { return std::vector{la::det(a[0])}; }},
      {"slogdet",
       [](auto& a, auto&, double) {
         auto [sign, logabsdet] = la::slogdet(a[0]);
         return std::vector{sign, logabsdet};
       }},
      {"inv", [](auto& a, auto&, double) { return std::vector{la::inv(a[0])}; }},
      {"solve", [](auto& a, auto&, double) { return std::vector{la::solve(a[0], a[1])}; }},
      {"pinv",
       [](auto& a, const json& p, double) {
         return std::vector{la::pinv(a[0], {.rtol = optional_number(p, "rtol"), .hermitian = p.at("hermitian")})};
       }},
      {"eigvalsh",
       [](auto& a, const json& p, double) {
         return std::vector{la::eigvalsh(a[0], {.UPLO = p.at("UPLO").get<std::string>() == "L" ? "L" : "U"})};
       }},
      {"eigh_values",
       [](auto& a, const json& p, double) {
         auto [w, v] = la::eigh(a[0], {.UPLO = p.at("UPLO").get<std::string>() == "L" ? "L" : "U"});
         return std::vector{w};
       }},
      {"svdvals", [](auto& a, auto&, double) { return std::vector{la::svdvals(a[0])}; }},
      {"eigvals",
       [](auto& a, auto&, double tolerance) { return std::vector{sorted_eigenvalues(la::eigvals(a[0]), tolerance)}; }},
      {"norm",
       [](auto& a, const json& p, double) {
         return std::vector{la::norm(
             a[0], {.ord = order_param(p.at("ord")), .axis = axes_param(p.at("axis")), .keepdims = p.at("keepdims")})};
       }},
      {"vector_norm",
       [](auto& a, const json& p, double) {
         return std::vector{la::vector_norm(
             a[0], {.ord = order_param(p.at("ord")), .axis = axes_param(p.at("axis")), .keepdims = p.at("keepdims")})};
       }},
      {"matrix_norm",
       [](auto& a, const json& p, double) {
         return std::vector{la::matrix_norm(a[0], {.ord = order_param(p.at("ord")), .keepdims = p.at("keepdims")})};
       }},
      {"matrix_rank", [](auto& a, const json& p,
                         double) { return std::vector{la::matrix_rank(a[0], {.rtol = optional_number(p, "rtol")})}; }},
      {"matrix_power", [](auto& a, const json& p, double) { return std::vector{la::matrix_power(a[0], p.at("n"))}; }},
      {"cond", [](auto& a, const json& p, double) { return std::vector{la::cond(a[0], order_param(p.at("p")))}; }},
      {"lstsq",
       [](auto& a, const json& p, double) {
         auto [x, residuals, rank, s] = la::lstsq(a[0], a[1], {.rcond = optional_number(p, "rcond")});
         return std::vector{x, residuals, rank, s};
       }},
      {"multi_dot", [](auto& a, auto&, double) { return std::vector{la::multi_dot(a)}; }},
      {"cross", [](auto& a, const json& p, double) { return std::vector{la::cross(a[0], a[1], p.at("axis"))}; }},
      {"outer", [](auto& a, auto&, double) { return std::vector{la::outer(a[0], a[1])}; }},
      {"vecdot", [](auto& a, const json& p, double) { return std::vector{la::vecdot(a[0], a[1], p.at("axis"))}; }},
      {"trace",
       [](auto& a, const json& p, double) {
         return std::vector{
             jnp::trace(a[0], {.offset = p.at("offset"), .axis1 = p.at("axis1"), .axis2 = p.at("axis2")})};
       }},
      {"diagonal",
       [](auto& a, const json& p, double) {
         return std::vector{
             jnp::diagonal(a[0], {.offset = p.at("offset"), .axis1 = p.at("axis1"), .axis2 = p.at("axis2")})};
       }},
      {"matrix_transpose", [](auto& a, auto&, double) { return std::vector{la::matrix_transpose(a[0])}; }},
      {"block_diag", [](auto& a, auto&, double) { return std::vector{sla::block_diag(a)}; }},
      {"toeplitz", [](auto& a, auto&,
                      double) { return std::vector{a.size() == 1 ? sla::toeplitz(a[0]) : sla::toeplitz(a[0], a[1])}; }},
      {"tensorinv", [](auto& a, const json& p, double) { return std::vector{la::tensorinv(a[0], p.at("ind"))}; }},
      {"tensorsolve", [](auto& a, auto&, double) { return std::vector{la::tensorsolve(a[0], a[1])}; }},
      {"lu_solve", [](auto& a, const json& p,
                      double) { return std::vector{sla::lu_solve(sla::lu_factor(a[0]), a[1], p.at("trans"))}; }},
      {"cho_solve",
       [](auto& a, const json& p, double) {
         return std::vector{sla::cho_solve(sla::cho_factor(a[0], {.lower = p.at("lower")}), a[1])};
       }},
      {"solve_triangular",
       [](auto& a, const json& p, double) {
         return std::vector{sla::solve_triangular(
             a[0], a[1], {.trans = p.at("trans"), .lower = p.at("lower"), .unit_diagonal = p.at("unit_diagonal")})};
       }},
      {"scipy_det", [](auto& a, auto&, double) { return std::vector{sla::det(a[0])}; }},
      {"scipy_inv", [](auto& a, auto&, double) { return std::vector{sla::inv(a[0])}; }},
      {"scipy_solve",
       [](auto& a, const json& p, double) {
         const std::string assume = p.at("assume_a");
         return std::vector{sla::solve(a[0], a[1],
                                       {.lower = p.at("lower"),
                                        .assume_a = assume == "pos"   ? "pos"
                                                    : assume == "sym" ? "sym"
                                                                      : "gen"})};
       }},
      {"expm", [](auto& a, auto&, double) { return std::vector{sla::expm(a[0])}; }},
      {"sqrtm", [](auto& a, auto&, double) { return std::vector{sla::sqrtm(a[0])}; }},
      {"polar",
       [](auto& a, const json& p, double) {
         auto [u, positive] = sla::polar(a[0], p.at("side").get<std::string>() == "left" ? "left" : "right");
         return std::vector{u, positive};
       }},
      {"tridiagonal_solve",
       [](auto& a, auto&, double) { return std::vector{jx::lax::linalg::tridiagonal_solve(a[0], a[1], a[2], a[3])}; }},
      {"lu_pivots_to_permutation",
       [](auto& a, const json& p, double) {
         return std::vector{jx::lax::linalg::lu_pivots_to_permutation(a[0], p.at("permutation_size"))};
       }},
      {"householder_product",
       [](auto& a, auto&, double) { return std::vector{jx::lax::linalg::householder_product(a[0], a[1])}; }},
  };
  return table;
}

void run_op(const std::string& op) {
  int ran = 0;
  for (const json& c : oracle_cases()) {
    if (c.at("op") != op) continue;
    SCOPED_TRACE(c.at("name").get<std::string>());
    auto x64 = jx::config::scoped({.enable_x64 = c.at("x64").get<bool>()});
    std::vector<Array> args;
    for (const json& spec : c.at("args")) args.push_back(case_array(spec));
    const double rtol = c.at("rtol"), atol = c.at("atol");
    const std::vector<Array> results = ops().at(op)(args, c.at("params"), std::max(atol, 1e-6));
    const json& expected = c.at("expected");
    ASSERT_EQ(results.size(), expected.size());
    for (std::size_t i = 0; i < results.size(); ++i) {
      EXPECT_TRUE(jx::testing::matches_case(results[i], expected[i], rtol, atol)) << "result " << i;
    }
    ++ran;
  }
  EXPECT_GT(ran, 0) << "no oracle case for " << op;
}

class LinalgOracle : public ::testing::TestWithParam<std::string> {};

TEST_P(LinalgOracle, MatchesNumpyAndScipy) { run_op(GetParam()); }

std::vector<std::string> op_names() {
  std::vector<std::string> names;
  for (const auto& [name, op] : ops()) names.push_back(name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Linalg, LinalgOracle, ::testing::ValuesIn(op_names()),
                         [](const auto& test) { return test.param; });

TEST(LinalgOracle, EveryCaseHasAnOp) {
  for (const json& c : oracle_cases()) EXPECT_TRUE(ops().contains(c.at("op"))) << c.at("name");
}

}  // namespace
