// Numerical derivative checks (as jax.test_util.check_grads).
#include <fmt/format.h>

#include <cmath>
#include <complex>
#include <random>

#include "jx/core/config.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/test_util.h"
#include "transforms/autodiff_core.h"

namespace jx::test {
namespace {

namespace jnp = jx::numpy;

// Values are compared in double precision: float64, or complex128 for complex values.
DType wide_dtype(const Array& x) { return is_complex(x.dtype()) ? DType::complex128 : DType::float64; }
Array widen(const Array& x) { return x.astype(wide_dtype(x)); }

std::vector<Array> random_like(const std::vector<Array>& values, std::mt19937& rng) {
  std::normal_distribution<double> normal;
  std::vector<Array> result;
  for (const Array& v : values) {
    if (is_complex(v.dtype())) {
      std::vector<std::complex<double>> data(static_cast<std::size_t>(v.size()));
      for (auto& d : data) d = {normal(rng), normal(rng)};
      result.push_back(jnp::array(data, v.shape(), DType::complex128));
      continue;
    }
    std::vector<double> data(static_cast<std::size_t>(v.size()));
    for (double& d : data) d = normal(rng);
    result.push_back(jnp::array(data, v.shape(), DType::float64));
  }
  return result;
}

std::vector<Array> axpy(const std::vector<Array>& x, double a, const std::vector<Array>& y) {
  std::vector<Array> result;
  for (std::size_t i = 0; i < x.size(); ++i) result.push_back(x[i] + y[i] * a);
  return result;
}

// The pairing reverse mode transposes under: sum(a * b), and for complex values its real part
// Re(sum(a * b)), without conjugation (JAX's convention, so that vjp . v == u . jvp holds).
double inner(const Array& a, const Array& b) {
  return jnp::real(jnp::sum(widen(a) * widen(b))).astype(DType::float64).item<double>();
}

// The real numbers a result is made of: x itself, or its real then imaginary parts.
Array real_parts(const Array& x) {
  const Array wide = widen(x);
  if (!is_complex(wide.dtype())) return wide;
  return jnp::concatenate({jnp::ravel(jnp::real(wide)), jnp::ravel(jnp::imag(wide))});
}

// The directional derivative of f at args along v, by central differences.
Array numerical_jvp(const ArrayFunction& f, const std::vector<Array>& args, const std::vector<Array>& v, double eps) {
  const Array plus = widen(f(axpy(args, eps, v)));
  const Array minus = widen(f(axpy(args, -eps, v)));
  return (plus - minus) / (2 * eps);
}

void check_close(const Array& actual, const Array& expected, double atol, double rtol, const std::string& what,
                 const std::source_location& loc) {
  const std::vector<double> a = real_parts(actual).to_vector<double>();
  const std::vector<double> e = real_parts(expected).to_vector<double>();
  if (a.size() != e.size())
    throw ValueError("check_grads", fmt::format("{}: shapes differ", what), format_location(loc));
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double tolerance = atol + rtol * std::abs(e[i]);
    if (!(std::abs(a[i] - e[i]) <= tolerance) && !(std::isnan(a[i]) && std::isnan(e[i]))) {
      throw ValueError("check_grads",
                       fmt::format("{}: element {} is {} but finite differences give {} (tolerance {})", what, i, a[i],
                                   e[i], tolerance),
                       format_location(loc));
    }
  }
}

void check(const ArrayFunction& f, const std::vector<Array>& args, int order, Modes modes, double atol, double rtol,
           double eps, std::mt19937& rng, const std::source_location& loc) {
  const std::vector<Array> direction = random_like(args, rng);
  const detail::FlatFunction flat = [&f](std::span<const Array> inputs) -> ArrayList { return {f(inputs)}; };
  const Array numerical = numerical_jvp(f, args, direction, eps);
  const std::string suffix = fmt::format(" (order {})", order);
  if (modes != Modes::reverse) {
    const auto [outputs, tangents] = detail::jvp(args, direction, flat, "check_grads");
    check_close(tangents[0], numerical, atol, rtol, "forward-mode derivative" + suffix, loc);
  }
  Array cotangent;
  if (modes != Modes::forward) {
    std::vector<bool> wrt(args.size(), true);
    const auto linearized = detail::linearize(args, wrt, flat, "check_grads");
    cotangent = random_like(std::vector<Array>{linearized->primal_outputs[0]}, rng)[0];
    const Array cts[] = {cotangent};
    const ArrayList input_cotangents = linearized->transpose(cts);
    double lhs = 0;
    for (std::size_t i = 0; i < args.size(); ++i) {
      if (input_cotangents[i].valid()) lhs += inner(input_cotangents[i], direction[i]);
    }
    const double rhs = inner(cotangent, numerical);
    check_close(jnp::array(lhs, DType::float64), jnp::array(rhs, DType::float64), atol, rtol,
                "reverse-mode derivative (vjp . v against u . jvp)" + suffix, loc);
  }
  if (order <= 1) return;
  if (modes != Modes::reverse) {
    const ArrayFunction jvp_of_f = [flat, direction](std::span<const Array> inputs) {
      return detail::jvp(inputs, direction, flat, "check_grads").second[0];
    };
    check(jvp_of_f, args, order - 1, modes, atol, rtol, eps, rng, loc);
  }
  if (modes != Modes::forward) {
    const ArrayFunction vjp_of_f = [flat, cotangent](std::span<const Array> inputs) {
      std::vector<bool> wrt(inputs.size(), true);
      const auto linearized = detail::linearize(inputs, wrt, flat, "check_grads");
      const Array cts[] = {cotangent};
      std::vector<Array> parts;
      for (const Array& g : linearized->transpose(cts)) {
        if (g.valid()) parts.push_back(jnp::ravel(g));
      }
      return parts.empty() ? jnp::zeros({0}, DType::float64) : jnp::concatenate(parts);
    };
    check(vjp_of_f, args, order - 1, modes, atol, rtol, eps, rng, loc);
  }
}

}  // namespace

void check_grads_flat(const ArrayFunction& f, const std::vector<Array>& args, int order, Modes modes, double atol,
                      double rtol, double eps, std::source_location loc) {
  auto x64 = config::scoped({.enable_x64 = true});
  std::vector<Array> wide;
  for (const Array& a : args) wide.push_back(widen(a));
  std::mt19937 rng(0);
  check(f, wide, order, modes, atol, rtol, eps, rng, loc);
}

}  // namespace jx::test
