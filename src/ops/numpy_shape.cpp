// jx::numpy shape manipulation.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <numeric>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "ops/promotion.h"

namespace jx::numpy {

using ops::normalize_axis;

Array reshape_function::operator()(const Array& x, const Shape& shape, Loc loc) const {
  CallSite site(loc);
  Shape resolved = shape;
  int unknown = -1;
  std::int64_t known = 1;
  for (int d = 0; d < shape.ndim(); ++d) {
    if (shape[d] == -1) {
      if (unknown >= 0)
        throw ShapeError("reshape", fmt::format("can only specify one unknown dimension in {}", shape.to_string()));
      unknown = d;
    } else {
      known *= shape[d];
    }
  }
  if (unknown >= 0) {
    if (known == 0 || x.size() % known != 0) {
      throw ShapeError("reshape", fmt::format("cannot reshape array of shape {} into shape {}", x.shape().to_string(),
                                              shape.to_string()));
    }
    resolved[unknown] = x.size() / known;
  }
  if (resolved.num_elements() != x.size()) {
    throw ShapeError("reshape", fmt::format("cannot reshape array of shape {} ({} elements) into shape {}",
                                            x.shape().to_string(), x.size(), shape.to_string()));
  }
  return lax::reshape(x, resolved);
}

Array ravel_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  return lax::reshape(x, Shape{x.size()});
}

Array transpose_function::operator()(const Array& x, std::optional<std::vector<int>> axes, Loc loc) const {
  CallSite site(loc);
  std::vector<int> permutation(static_cast<std::size_t>(x.ndim()));
  if (axes) {
    if (axes->size() != permutation.size()) {
      throw ShapeError("transpose", fmt::format("axes don't match array of rank {}", x.ndim()));
    }
    for (std::size_t i = 0; i < permutation.size(); ++i)
      permutation[i] = normalize_axis("transpose", (*axes)[i], x.ndim());
  } else {
    std::iota(permutation.rbegin(), permutation.rend(), 0);
  }
  return lax::transpose(x, permutation);
}

Array swapaxes_function::operator()(const Array& x, int axis1, int axis2, Loc loc) const {
  CallSite site(loc);
  std::vector<int> permutation(static_cast<std::size_t>(x.ndim()));
  std::iota(permutation.begin(), permutation.end(), 0);
  std::swap(permutation[static_cast<std::size_t>(normalize_axis("swapaxes", axis1, x.ndim()))],
            permutation[static_cast<std::size_t>(normalize_axis("swapaxes", axis2, x.ndim()))]);
  return lax::transpose(x, permutation);
}

Array moveaxis_function::operator()(const Array& x, int source, int destination, Loc loc) const {
  CallSite site(loc);
  const int from = normalize_axis("moveaxis", source, x.ndim());
  const int to = normalize_axis("moveaxis", destination, x.ndim());
  std::vector<int> permutation;
  for (int d = 0; d < x.ndim(); ++d) {
    if (d != from) permutation.push_back(d);
  }
  permutation.insert(permutation.begin() + to, from);
  return lax::transpose(x, permutation);
}

Array expand_dims_function::operator()(const Array& x, int axis, Loc loc) const {
  CallSite site(loc);
  return lax::expand_dims(x, {axis});
}

Array expand_dims_function::operator()(const Array& x, std::initializer_list<int> axes, Loc loc) const {
  CallSite site(loc);
  return lax::expand_dims(x, std::vector<int>(axes));
}

Array squeeze_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  std::vector<int> dims;
  for (int d = 0; d < x.ndim(); ++d) {
    if (x.shape()[d] == 1) dims.push_back(d);
  }
  return lax::squeeze(x, dims);
}

Array squeeze_function::operator()(const Array& x, int axis, Loc loc) const {
  CallSite site(loc);
  const int d = normalize_axis("squeeze", axis, x.ndim());
  if (x.shape()[d] != 1) {
    throw ShapeError("squeeze",
                     fmt::format("cannot select an axis to squeeze out which has size not equal to one (axis {} of {})",
                                 axis, x.shape().to_string()));
  }
  return lax::squeeze(x, {d});
}

Array squeeze_function::operator()(const Array& x, std::initializer_list<int> axes, Loc loc) const {
  CallSite site(loc);
  std::vector<int> dims;
  for (int axis : axes) {
    const int d = normalize_axis("squeeze", axis, x.ndim());
    if (x.shape()[d] != 1)
      throw ShapeError("squeeze", fmt::format("axis {} of {} does not have size 1", axis, x.shape().to_string()));
    dims.push_back(d);
  }
  return lax::squeeze(x, dims);
}

Shape broadcast_shapes_function::operator()(const Shape& a, const Shape& b, Loc loc) const {
  CallSite site(loc);
  return ops::broadcast_shapes("broadcast_shapes", a, b);
}

Array broadcast_to_function::operator()(const Array& x, const Shape& shape, Loc loc) const {
  CallSite site(loc);
  ArrayType{shape, x.dtype()}.validate("broadcast_to");
  const Shape target = ops::broadcast_shapes("broadcast_to", x.shape(), shape);
  if (target != shape) {
    throw ShapeError("broadcast_to", fmt::format("cannot broadcast an array of shape {} to shape {}",
                                                 x.shape().to_string(), shape.to_string()));
  }
  return ops::broadcast_to_shape(x, shape);
}

std::vector<Array> broadcast_arrays_function::operator()(const std::vector<Array>& arrays, Loc loc) const {
  CallSite site(loc);
  Shape shape;
  for (const Array& a : arrays) shape = ops::broadcast_shapes("broadcast_arrays", shape, a.shape());
  std::vector<Array> result;
  for (const Array& a : arrays) result.push_back(ops::broadcast_to_shape(a, shape));
  return result;
}

Array concatenate_function::operator()(const std::vector<Array>& arrays, int axis, Loc loc) const {
  CallSite site(loc);
  if (arrays.empty()) throw ValueError("concatenate", "need at least one array to concatenate");
  for (const Array& a : arrays) {
    if (a.ndim() == 0) throw ShapeError("concatenate", "zero-dimensional arrays cannot be concatenated");
  }
  const PromotionType type = ops::result_type(arrays);
  std::vector<Array> converted;
  for (const Array& a : arrays) converted.push_back(ops::convert_to(a, type));
  return lax::concatenate(converted, normalize_axis("concatenate", axis, arrays[0].ndim()));
}

Array stack_function::operator()(const std::vector<Array>& arrays, int axis, Loc loc) const {
  CallSite site(loc);
  if (arrays.empty()) throw ValueError("stack", "need at least one array to stack");
  const int d = normalize_axis("stack", axis, arrays[0].ndim() + 1);
  std::vector<Array> expanded;
  for (const Array& a : arrays) {
    if (a.shape() != arrays[0].shape()) {
      throw ShapeError("stack", fmt::format("all input arrays must have the same shape, got {} and {}",
                                            arrays[0].shape().to_string(), a.shape().to_string()));
    }
    expanded.push_back(lax::expand_dims(a, {d}));
  }
  return concatenate(expanded, d);
}

Array hstack_function::operator()(const std::vector<Array>& arrays, Loc loc) const {
  CallSite site(loc);
  return concatenate(arrays, !arrays.empty() && arrays[0].ndim() == 1 ? 0 : 1);
}

Array vstack_function::operator()(const std::vector<Array>& arrays, Loc loc) const {
  CallSite site(loc);
  std::vector<Array> rows;
  for (const Array& a : arrays) rows.push_back(a.ndim() < 2 ? lax::reshape(a, Shape{1, a.size()}) : a);
  return concatenate(rows, 0);
}

std::vector<Array> split(const Array& x, const std::vector<std::int64_t>& boundaries, int axis, Loc loc) {
  CallSite site(loc);
  const int d = normalize_axis("split", axis, x.ndim());
  const std::int64_t size = x.shape()[d];
  // As JAX (whose parts are the differences of [0, boundaries..., size]), the boundaries must be ascending
  // and within the axis: NumPy's clamping of boundaries past the end, or its overlapping parts for
  // descending ones, are errors there.
  std::int64_t previous = 0;
  for (std::int64_t index : boundaries) {
    if (index < previous || index > size) {
      throw ValueError("split",
                       fmt::format("split boundaries must be ascending and within [0, {}] (axis {} of shape {}), "
                                   "got {}",
                                   size, d, x.shape().to_string(), fmt::join(boundaries, ", ")));
    }
    previous = index;
  }
  std::vector<Array> parts;
  std::int64_t start = 0;
  for (std::size_t i = 0; i <= boundaries.size(); ++i) {
    const std::int64_t end = i < boundaries.size() ? boundaries[i] : size;
    parts.push_back(lax::slice_in_dim(x, start, end, 1, d));
    start = end;
  }
  return parts;
}

std::vector<Array> split(const Array& x, std::int64_t sections, int axis, Loc loc) {
  CallSite site(loc);
  const int d = normalize_axis("split", axis, x.ndim());
  if (sections <= 0 || x.shape()[d] % sections != 0) {
    throw ValueError(
        "split", fmt::format("array split does not result in an equal division: axis {} of size {} into {} parts", d,
                             x.shape()[d], sections));
  }
  std::vector<std::int64_t> boundaries;
  for (std::int64_t i = 1; i < sections; ++i) boundaries.push_back(i * (x.shape()[d] / sections));
  return split(x, boundaries, d);
}

Array tile_function::operator()(const Array& x, const std::vector<std::int64_t>& reps, Loc loc) const {
  CallSite site(loc);
  const int ndim = std::max<int>(x.ndim(), static_cast<int>(reps.size()));
  // Align x and reps on the right, then broadcast x against a new leading axis per repetition.
  Shape aligned, expanded, result;
  std::vector<std::int64_t> padded_reps(static_cast<std::size_t>(ndim - static_cast<int>(reps.size())), 1);
  padded_reps.insert(padded_reps.end(), reps.begin(), reps.end());
  for (int d = 0; d < ndim; ++d) {
    const int source = x.ndim() - ndim + d;
    const std::int64_t size = source >= 0 ? x.shape()[source] : 1;
    aligned.push_back(size);
    expanded.push_back(padded_reps[static_cast<std::size_t>(d)]);
    expanded.push_back(size);
    result.push_back(size * padded_reps[static_cast<std::size_t>(d)]);
  }
  std::vector<int> dims;
  for (int d = 0; d < ndim; ++d) dims.push_back(2 * d + 1);
  return lax::reshape(lax::broadcast_in_dim(lax::reshape(x, aligned), expanded, dims), result);
}

Array repeat_function::operator()(const Array& x, std::int64_t repeats, std::optional<int> axis, Loc loc) const {
  CallSite site(loc);
  if (repeats < 0) throw ValueError("repeat", "repeats may not be negative");
  const Array input = axis ? x : lax::reshape(x, Shape{x.size()});
  const int d = normalize_axis("repeat", axis.value_or(0), input.ndim());
  // Insert an axis after d, broadcast it to `repeats`, and merge the two.
  Shape expanded, result;
  std::vector<int> dims;
  for (int i = 0; i < input.ndim(); ++i) {
    dims.push_back(static_cast<int>(expanded.ndim()));
    expanded.push_back(input.shape()[i]);
    if (i == d) expanded.push_back(repeats);
    result.push_back(i == d ? input.shape()[i] * repeats : input.shape()[i]);
  }
  return lax::reshape(lax::broadcast_in_dim(input, expanded, dims), result);
}

Array flip_function::operator()(const Array& x, std::optional<int> axis, Loc loc) const {
  CallSite site(loc);
  std::vector<int> dims;
  if (axis) {
    dims.push_back(normalize_axis("flip", *axis, x.ndim()));
  } else {
    for (int d = 0; d < x.ndim(); ++d) dims.push_back(d);
  }
  return lax::rev(x, dims);
}

Array pad_function::operator()(const Array& x, const std::vector<std::pair<std::int64_t, std::int64_t>>& pad_width,
                               PadOptions options, Loc loc) const {
  CallSite site(loc);
  if (pad_width.size() != 1 && pad_width.size() != static_cast<std::size_t>(x.ndim())) {
    throw ShapeError("pad", fmt::format("pad_width needs one (before, after) pair per axis of {}, or one for all",
                                        x.shape().to_string()));
  }
  std::vector<lax::PadConfig> config;
  for (int d = 0; d < x.ndim(); ++d) {
    const auto& [before, after] = pad_width.size() == 1 ? pad_width[0] : pad_width[static_cast<std::size_t>(d)];
    if (before < 0 || after < 0) throw ValueError("pad", "pad widths must be non-negative");
    config.push_back({before, after, 0});
  }
  const Array value = ops::convert_to(options.constant_values.value_or(Array(0)), {x.dtype(), false});
  return lax::pad(x, value, config);
}

Array pad_function::operator()(const Array& x, std::int64_t pad_width, PadOptions options, Loc loc) const {
  CallSite site(loc);
  return pad(x, {{pad_width, pad_width}}, std::move(options));
}

}  // namespace jx::numpy
