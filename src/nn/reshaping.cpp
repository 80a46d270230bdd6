// Bias, Reshape, Flatten and the helpers of BatchApply and expand_apply (jx/nn/reshaping.h), with
// Haiku's semantics.
#include "jx/nn/reshaping.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "jx/core/error.h"
#include "jx/nn/initializers.h"

namespace jx::nn {

namespace jnp = jx::numpy;

namespace {

Shape trailing(const Shape& shape, int from) { return Shape(shape.begin() + from, shape.end()); }

}  // namespace

Bias::Bias(BiasOptions options) : Module("bias", options.name), options_(std::move(options)) {}

Array Bias::operator()(const Array& x, const std::optional<Array>& multiplier, std::source_location loc) const {
  CallSite site(loc);
  return scoped([&] {
    const int ndim = x.ndim();
    if (ndim < 2) {
      throw ShapeError(
          "Bias", fmt::format("needs inputs with a batch axis and at least one more, got {}", x.type().to_string()));
    }
    const Shape example = trailing(x.shape(), 1);
    if (options_.output_size && Shape(options_.output_size->begin(), options_.output_size->end()) != example) {
      throw ShapeError("Bias", fmt::format("expected inputs of shape (-1, {}), got {}",
                                           fmt::join(*options_.output_size, ", "), x.type().to_string()));
    }
    Shape bias_shape;
    if (!options_.bias_dims) {
      bias_shape = example;
    } else if (!options_.bias_dims->empty()) {
      Shape full;
      for (int d = 0; d < ndim; ++d) full.push_back(1);
      for (int dim : *options_.bias_dims) {
        const int d = dim < 0 ? dim + ndim : dim;
        if (d == 0) throw ShapeError("Bias", "cannot add a bias across the batch axis (bias_dims has 0)");
        if (d < 0 || d >= ndim) {
          throw ShapeError("Bias", fmt::format("bias_dims ({}) has {}, out of range for {}",
                                               fmt::join(*options_.bias_dims, ", "), dim, x.type().to_string()));
        }
        full[d] = x.shape()[d];
      }
      // Leading ones (the batch axis always among them) are left to broadcasting.
      int start = ndim;
      for (int d = 1; d < ndim; ++d) {
        if (full[d] != 1) {
          start = d;
          break;
        }
      }
      bias_shape = trailing(full, start);
    }
    Array b = jnp::broadcast_to(
        get_parameter("b", bias_shape, x.dtype(), options_.b_init.value_or(initializers::zeros())), x.shape());
    if (multiplier) b = b * *multiplier;
    return x + b;
  });
}

Reshape::Reshape(std::vector<std::int64_t> output_shape, ReshapeOptions options)
    : Reshape("reshape", "Reshape", std::move(output_shape), std::move(options)) {}

Reshape::Reshape(std::string_view kind, std::string op_name, std::vector<std::int64_t> output_shape,
                 ReshapeOptions options)
    : Module(kind, options.name),
      op_name_(std::move(op_name)),
      output_shape_(std::move(output_shape)),
      options_(std::move(options)) {
  if (options_.preserve_dims == 0) throw ValueError(op_name_, "preserve_dims must not be zero");
  if (std::count(output_shape_.begin(), output_shape_.end(), -1) > 1)
    throw ValueError(op_name_,
                     fmt::format("output_shape ({}) may hold -1 once at most", fmt::join(output_shape_, ", ")));
  for (std::int64_t size : output_shape_) {
    if (size < -1)
      throw ValueError(op_name_, fmt::format("output_shape ({}) has a negative size", fmt::join(output_shape_, ", ")));
  }
}

Array Reshape::operator()(const Array& x, std::source_location loc) const {
  CallSite site(loc);
  return scoped([&] {
    const int ndim = x.ndim();
    const int preserve = options_.preserve_dims;
    if (ndim <= preserve) return x;
    // A negative preserve_dims counts the replaced axes from the end; all of them when there are fewer.
    const int kept = preserve > 0 ? preserve : std::max(0, ndim + preserve);
    const Shape rest = trailing(x.shape(), kept);
    const std::int64_t size = rest.num_elements();
    std::int64_t known = 1;
    bool inferred = false;
    for (std::int64_t s : output_shape_) {
      if (s == -1)
        inferred = true;
      else
        known *= s;
    }
    if (inferred ? known == 0 || size % known != 0 : known != size) {
      throw ShapeError(op_name_, fmt::format("cannot reshape the axes {} of {} to ({})", rest.to_string(),
                                             x.type().to_string(), fmt::join(output_shape_, ", ")));
    }
    Shape shape(x.shape().begin(), x.shape().begin() + kept);
    for (std::int64_t s : output_shape_) shape.push_back(s == -1 ? size / known : s);
    return jnp::reshape(x, shape);
  });
}

Flatten::Flatten(ReshapeOptions options) : Reshape("flatten", "Flatten", {-1}, std::move(options)) {}

Array merge_leading_dims(const Array& x, int num_dims, std::source_location loc) {
  CallSite site(loc);
  if (num_dims < 0)
    throw ValueError("merge_leading_dims", fmt::format("num_dims must not be negative, got {}", num_dims));
  if (x.ndim() < num_dims) return x;
  Shape shape{Shape(x.shape().begin(), x.shape().begin() + num_dims).num_elements()};
  for (int d = num_dims; d < x.ndim(); ++d) shape.push_back(x.shape()[d]);
  return jnp::reshape(x, shape);
}

Array split_leading_dim(const Array& x, const Shape& leading, std::source_location loc) {
  CallSite site(loc);
  if (x.ndim() == 0 || x.shape()[0] != leading.num_elements()) {
    throw ShapeError("split_leading_dim", fmt::format("cannot split the first axis of {} into {}", x.type().to_string(),
                                                      leading.to_string()));
  }
  Shape shape = leading;
  for (int d = 1; d < x.ndim(); ++d) shape.push_back(x.shape()[d]);
  return jnp::reshape(x, shape);
}

namespace detail {

void throw_no_mergeable_input(int num_dims) {
  throw ValueError("BatchApply", fmt::format("needs at least one input array with {} or more axes", num_dims));
}

void check_expand_axis(int axis) {
  if (axis != 0 && axis != -1)
    throw ValueError("expand_apply", fmt::format("supports axis 0 or -1 only, got {}", axis));
}

}  // namespace detail

}  // namespace jx::nn
