// jx::random::multivariate_normal (mean + A z with A A^T = cov, A by Cholesky, SVD or eigh, as JAX) and
// jx::random::orthogonal (Haar-distributed orthogonal matrices from a normal matrix's QR factor).
#include <fmt/format.h>

#include <cmath>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/linalg.h"
#include "ops/promotion.h"
#include "random/internal.h"
#include "trace/trace.h"

namespace jx::random {
namespace jnp = jx::numpy;

namespace {

Shape leading(const Shape& shape, int drop) { return Shape(shape.begin(), shape.end() - drop); }

}  // namespace

Array multivariate_normal_function::operator()(const Key& prng_key, const Array& mean, const Array& cov,
                                               std::optional<Shape> shape, std::optional<DType> dtype,
                                               std::string_view method, Loc loc) const {
  CallSite site(loc);
  constexpr std::string_view op = "multivariate_normal";
  detail::check_single_key(op, prng_key);
  if (!mean.valid() || !cov.valid()) throw ValueError(std::string(op), "mean or cov is an empty jx::Array handle");
  // mean and cov share one float type (jnp's promote_dtypes_inexact), which is also the default dtype.
  const Array both[] = {mean, cov};
  const PromotionType common = ops::inexact_type(ops::result_type(both));
  const Array m = ops::convert_to(mean, common), c = ops::convert_to(cov, common);
  const DType d = detail::float_dtype(op, dtype.value_or(common.dtype));
  if (m.ndim() < 1) {
    throw ShapeError(std::string(op), fmt::format("requires mean.ndim >= 1, got mean {}", m.type().to_string()));
  }
  if (c.ndim() < 2) {
    throw ShapeError(std::string(op), fmt::format("requires cov.ndim >= 2, got cov {}", c.type().to_string()));
  }
  const std::int64_t n = m.shape()[m.ndim() - 1];
  if (c.shape()[c.ndim() - 1] != n || c.shape()[c.ndim() - 2] != n) {
    throw ShapeError(std::string(op), fmt::format("requires cov of shape (..., n, n) for n = {} (mean {}), got cov {}",
                                                  n, m.type().to_string(), c.type().to_string()));
  }
  Shape samples = detail::sample_shape(op, shape, {leading(m.shape(), 1), leading(c.shape(), 2)});
  samples.push_back(n);
  Array factor;
  if (method == "cholesky") {
    factor = jnp::linalg::cholesky(c, {}, loc);
  } else if (method == "svd") {
    const auto [u, s, vh] = jnp::linalg::svd(c, {}, loc);
    factor = jnp::multiply(u, jnp::expand_dims(jnp::sqrt(s), -2));
  } else if (method == "eigh") {
    const auto [w, v] = jnp::linalg::eigh(c, {}, loc);
    factor = jnp::multiply(v, jnp::expand_dims(jnp::sqrt(w), -2));
  } else {
    throw ValueError(std::string(op),
                     fmt::format("method must be \"cholesky\", \"svd\" or \"eigh\", got \"{}\"", method));
  }
  const Array z = detail::normal_draw(prng_key, samples, d, detail::key_use(op, loc));
  // L z for every batch entry: (..., n, n) @ (..., n, 1), batch dimensions broadcast.
  const Array product = jnp::matmul(factor, jnp::expand_dims(z, -1));
  return jnp::add(m, jnp::squeeze(product, -1));
}

Array multivariate_normal_function::operator()(const Key& prng_key, const Array& mean, const Array& cov,
                                               const Shape& shape, std::optional<DType> dtype, std::string_view method,
                                               Loc loc) const {
  return multivariate_normal(prng_key, mean, cov, std::optional<Shape>(shape), dtype, method, loc);
}

Array orthogonal_function::operator()(const Key& prng_key, std::int64_t n, const Shape& shape,
                                      std::optional<DType> dtype, std::optional<std::int64_t> m, Loc loc) const {
  CallSite site(loc);
  constexpr std::string_view op = "orthogonal";
  detail::check_single_key(op, prng_key);
  const std::int64_t columns = m.value_or(n);
  if (n < 0 || columns < 0) {
    throw ValueError(std::string(op), fmt::format("n and m must be non-negative, got n={} m={}", n, columns));
  }
  // As JAX: the QR factor of a normal (max, min) matrix, its columns' signs (phases) made those of
  // R's diagonal, transposed (conjugated) when n < m.
  const std::int64_t tall = std::max(n, columns), narrow = std::min(n, columns);
  Shape full = shape;
  full.push_back(tall);
  full.push_back(narrow);
  const DType d = dtype.value_or(default_float_dtype());
  Array z;
  if (is_complex(d)) {  // real and imaginary parts each of variance 1/2, as JAX's complex normal
    const DType real = real_dtype(d);
    Shape parts_shape = full;
    parts_shape.push_back(2);
    const Array parts = detail::normal_draw(prng_key, parts_shape, real, detail::key_use(op, loc));
    const Array scale = jnp::array(std::sqrt(0.5), real);
    z = lax::complex(jnp::multiply(jnp::take(parts, jnp::array(0), -1), scale),
                     jnp::multiply(jnp::take(parts, jnp::array(1), -1), scale));
  } else {
    z = detail::normal_draw(prng_key, full, detail::float_dtype(op, d), detail::key_use(op, loc));
  }
  const auto [q, r] = jnp::linalg::qr(z);
  const Array signed_q = jnp::multiply(q, jnp::expand_dims(jnp::sign(jnp::linalg::diagonal(r)), -2));
  return n < columns ? jnp::conj(jnp::swapaxes(signed_q, -1, -2)) : signed_q;
}

}  // namespace jx::random
