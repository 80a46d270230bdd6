// jx/nn/initializers.h — how modules draw their initial parameters (Haiku's hk.initializers, with
// jax.nn.initializers' names for the variance-scaling family).
//
//   jx::nn::Linear(256, {.w_init = jx::nn::initializers::he_normal()})
//   auto w = jx::nn::initializers::glorot_uniform()(key, {784, 256}, jx::float32);
//
// Fans follow Haiku: for a shape (..., in, out) the receptive field is the product of the leading
// dimensions, fan_in = in * receptive field, fan_out = out * receptive field.
#pragma once

#include "jx/nn/transform.h"

namespace jx::nn::initializers {

Initializer zeros();
Initializer ones();
Initializer constant(double value);
// mean + stddev * (a standard normal truncated to [-2, 2]); as Haiku, not rescaled for the truncation.
Initializer truncated_normal(double stddev = 1.0, double mean = 0.0);
Initializer random_normal(double stddev = 1.0, double mean = 0.0);
Initializer random_uniform(double minval = 0.0, double maxval = 1.0);

enum class FanMode { fan_in, fan_out, fan_avg };
enum class Distribution { truncated_normal, normal, uniform };
// Variance scale / fan: a truncated normal rescaled so that its variance is exactly that, a normal,
// or a uniform on [-sqrt(3 v), sqrt(3 v)].
Initializer variance_scaling(double scale, FanMode mode, Distribution distribution);
Initializer lecun_normal();    // variance_scaling(1, fan_in, truncated_normal)
Initializer glorot_uniform();  // variance_scaling(1, fan_avg, uniform)
Initializer glorot_normal();   // variance_scaling(1, fan_avg, truncated_normal)
Initializer he_normal();       // variance_scaling(2, fan_in, truncated_normal)
Initializer he_uniform();      // variance_scaling(2, fan_in, uniform)
Initializer lecun_uniform();   // variance_scaling(1, fan_in, uniform)
// jax.nn.initializers' other names for the same initializers.
Initializer kaiming_normal();   // he_normal
Initializer kaiming_uniform();  // he_uniform
Initializer xavier_normal();    // glorot_normal
Initializer xavier_uniform();   // glorot_uniform
// jax.nn.initializers.normal and .uniform, with JAX's defaults: N(0, stddev^2), and U[0, scale).
Initializer normal(double stddev = 1e-2);
Initializer uniform(double scale = 1e-2);

// hk.initializers.UniformScaling: uniform on [-m, m], m = scale * sqrt(3 / input size), the input size
// being the product of all dimensions but the last (so the variance is scale^2 / input size).
Initializer uniform_scaling(double scale = 1.0);
// hk.initializers.Identity: gain times the identity matrix of the last two dimensions, broadcast over
// the leading ones (rectangular shapes get ones on the main diagonal). Needs at least 2 dimensions.
Initializer identity(double gain = 1.0);

// scale times a uniformly random orthogonal matrix: the shape flattened to (rows, shape[column_axis])
// with the column axis last, orthonormal columns (or rows, when there are fewer rows than columns),
// as jax.nn.initializers.orthogonal and hk.initializers.Orthogonal(scale, axis = column_axis). Needs
// at least 2 dimensions. The draw is JAX's bit for bit; Haiku's is the same except when the flattened
// matrix is square, where Haiku returns the transpose of this one (equally distributed).
Initializer orthogonal(double scale = 1.0, int column_axis = -1);
// For convolution kernels (3, 4 or 5 dimensions: spatial..., in, out, with in <= out): zero except at
// the spatial centre, which holds orthogonal(scale, column_axis) of shape (in, out) (Xiao et al.
// 2018's delta-orthogonal initialization, as jax.nn.initializers.delta_orthogonal).
Initializer delta_orthogonal(double scale = 1.0, int column_axis = -1);

}  // namespace jx::nn::initializers
