// jx::random::multivariate_normal: JAX's method="cholesky", mean + L z with cov = L L^T.
#include <fmt/format.h>

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
                                               std::optional<Shape> shape, std::optional<DType> dtype, Loc loc) const {
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
  const Array factor = jnp::linalg::cholesky(c, loc);
  const Array z = detail::normal_draw(prng_key, samples, d, detail::key_use(op, loc));
  // L z for every batch entry: (..., n, n) @ (..., n, 1), batch dimensions broadcast.
  const Array product = jnp::matmul(factor, jnp::expand_dims(z, -1));
  return jnp::add(m, jnp::squeeze(product, -1));
}

Array multivariate_normal_function::operator()(const Key& prng_key, const Array& mean, const Array& cov,
                                               const Shape& shape, std::optional<DType> dtype, Loc loc) const {
  return multivariate_normal(prng_key, mean, cov, std::optional<Shape>(shape), dtype, loc);
}

}  // namespace jx::random
