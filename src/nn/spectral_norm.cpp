// SpectralNorm (jx/nn/normalization.h), with Haiku's semantics: power iteration on a state vector.
#include <fmt/format.h>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/nn/normalization.h"
#include "jx/numpy.h"

namespace jx::nn {

namespace jnp = jx::numpy;

namespace {

// x / sqrt(sum(x^2) + eps) over all of x: eps keeps a zero vector (a zero matrix's image) finite.
Array l2_normalize(const Array& x, float eps) { return x * lax::rsqrt(jnp::sum(x * x) + eps); }

}  // namespace

SpectralNorm::SpectralNorm(SpectralNormOptions options)
    : Module("spectral_norm", options.name), options_(std::move(options)) {
  if (options_.n_steps < 1) {
    throw ValueError("SpectralNorm",
                     fmt::format("needs at least one power iteration step, got n_steps = {}", options_.n_steps));
  }
}

Array SpectralNorm::operator()(const Array& value, bool update_stats, bool error_on_non_matrix,
                               std::source_location loc) const {
  CallSite site(loc);
  return scoped([&] {
    const int ndim = value.ndim();
    if (ndim <= 1) {
      throw ShapeError("SpectralNorm",
                       fmt::format("is not defined for scalars or vectors, got {}", value.type().to_string()));
    }
    if (ndim > 2 && error_on_non_matrix) {
      throw ShapeError("SpectralNorm",
                       fmt::format("needs a matrix (error_on_non_matrix), got {}", value.type().to_string()));
    }
    // Higher-rank values are matrices of their last axis against all the others.
    const std::int64_t columns = value.shape()[ndim - 1];
    std::int64_t rows = 1;
    for (int d = 0; d + 1 < ndim; ++d) rows *= value.shape()[d];
    const Array w = ndim == 2 ? value : jnp::reshape(value, Shape{rows, columns});
    const Array w_transposed = jnp::transpose(w);
    Array u = get_state("u0", Shape{1, columns}, value.dtype(), initializers::random_normal(1.0));
    Array v;
    for (int step = 0; step < options_.n_steps; ++step) {
      v = l2_normalize(jnp::matmul(u, w_transposed), options_.eps);
      u = l2_normalize(jnp::matmul(v, w), options_.eps);
    }
    // The singular vectors are estimates carried as state: no gradient flows through the iteration,
    // only through w in v^T w u.
    u = lax::stop_gradient(u);
    v = lax::stop_gradient(v);
    const Array sigma = jnp::reshape(jnp::matmul(jnp::matmul(v, w), jnp::transpose(u)), Shape{});
    const Array normalized = jnp::reshape(w / sigma, value.shape());
    if (update_stats) {
      set_state("u0", u);
      set_state("sigma", sigma);
    }
    return normalized;
  });
}

Array SpectralNorm::sigma(DType dtype) const {
  return scoped([&] { return get_state("sigma", Shape{}, dtype, initializers::ones()); });
}

}  // namespace jx::nn
