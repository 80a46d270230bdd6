// jx::lax's convolution conveniences (jx/lax/convolution_helpers.h): JAX's shape calculators, written
// from their closed forms, and conv_transpose, conv_general_dilated_patches and
// conv_general_dilated_local as compositions of conv_general_dilated and dot_general, so that their
// derivatives and batching come from those primitives.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <numeric>
#include <set>
#include <string>
#include <utility>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/lax/convolution_helpers.h"
#include "jx/numpy.h"

namespace jx::lax {
namespace {

namespace jnp = jx::numpy;

std::size_t axis_at(int axis) { return static_cast<std::size_t>(axis); }

// Python's // (the shape formulas rely on it rounding down for negative numerators).
std::int64_t floor_divide(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) --q;
  return q;
}

// core.dilate_dim: the extent of `size` elements with dilation - 1 holes between neighbours.
std::int64_t dilate_dim(std::int64_t size, std::int64_t dilation) { return size == 0 ? 0 : 1 + dilation * (size - 1); }

// core.stride_dim: how many windows fit, never negative.
std::int64_t stride_dim(std::int64_t size, std::int64_t window, std::int64_t stride) {
  return std::max<std::int64_t>(floor_divide(size - window, stride) + 1, 0);
}

std::string join(const std::vector<std::int64_t>& values) { return fmt::format("({})", fmt::join(values, ", ")); }

void check_positive(std::string_view op, std::string_view what, const std::vector<std::int64_t>& values) {
  if (std::any_of(values.begin(), values.end(), [](std::int64_t v) { return v < 1; })) {
    throw ValueError(std::string(op), fmt::format("{} {} must be positive", what, join(values)));
  }
}

void check_length(std::string_view op, std::string_view what, std::size_t size, int expected,
                  std::string_view against) {
  if (size != axis_at(expected)) {
    throw ShapeError(std::string(op), fmt::format("{} has {} entries, but {} needs {}", what, size, against, expected));
  }
}

bool is_default(const ConvDimensionNumbers& numbers) {
  return numbers.lhs_spec.empty() && numbers.rhs_spec.empty() && numbers.out_spec.empty() &&
         numbers.lhs_layout.empty() && numbers.rhs_layout.empty() && numbers.out_layout.empty();
}

// Specs given as numbers are taken on trust by conv_dimension_numbers; the shape functions index with
// them, so they are checked here to be permutations of the operands' axes.
void check_specs(std::string_view op, const ConvDimensionNumbers& numbers, int ndim) {
  for (const std::vector<int>* spec : {&numbers.lhs_spec, &numbers.rhs_spec, &numbers.out_spec}) {
    std::vector<int> sorted = *spec;
    std::sort(sorted.begin(), sorted.end());
    std::vector<int> identity(axis_at(ndim));
    std::iota(identity.begin(), identity.end(), 0);
    if (sorted != identity) {
      throw ValueError(std::string(op), fmt::format("dimension numbers ({}) must be a permutation of the {} axes",
                                                    fmt::join(*spec, ", "), ndim));
    }
  }
}

Shape take(const Shape& shape, const std::vector<int>& permutation) {
  Shape taken;
  for (int axis : permutation) taken.push_back(shape[axis]);
  return taken;
}

// The inverse of take: canonical[i] goes to axis spec[i].
Shape untake(const Shape& canonical, const std::vector<int>& spec) {
  Shape shape = canonical;
  for (std::size_t i = 0; i < spec.size(); ++i) shape[spec[i]] = canonical[static_cast<int>(i)];
  return shape;
}

Shape spatial_of(const Shape& shape) { return Shape(shape.begin() + 2, shape.end()); }

// numpy.moveaxis's permutation for distinct, non-negative axes.
std::vector<int> moveaxis_permutation(int ndim, const std::vector<int>& source, const std::vector<int>& destination) {
  std::vector<int> order;
  for (int axis = 0; axis < ndim; ++axis) {
    if (std::find(source.begin(), source.end(), axis) == source.end()) order.push_back(axis);
  }
  std::vector<std::pair<int, int>> moves;
  for (std::size_t i = 0; i < source.size(); ++i) moves.emplace_back(destination[i], source[i]);
  std::sort(moves.begin(), moves.end());
  for (const auto& [to, from] : moves) order.insert(order.begin() + to, from);
  return order;
}

// jax's _conv_transpose_padding: the (low, high) padding of the stride-dilated input that makes the
// transposed convolution invert the forward one's output size. `kernel` counts rhs_dilation already.
std::pair<std::int64_t, std::int64_t> transpose_padding(std::int64_t kernel, std::int64_t stride,
                                                        const std::string& named,
                                                        std::pair<std::int64_t, std::int64_t> forward) {
  std::int64_t low = 0, total = 0;
  if (named == "SAME") {
    total = kernel + stride - 2;
    low = stride > kernel - 1 ? kernel - 1 : (total + 1) / 2;  // ceil(total / 2); total >= 0 here
  } else if (named == "VALID") {
    total = kernel + stride - 2 + std::max<std::int64_t>(kernel - stride, 0);
    low = kernel - 1;
  } else if (named.empty()) {  // the forward convolution's explicit padding
    low = kernel - forward.first - 1;
    total = low + kernel - forward.second - 1;
  } else {
    throw ValueError("conv_transpose",
                     fmt::format("invalid padding \"{}\": expected \"SAME\", \"VALID\" or (low, high) pairs", named));
  }
  return {low, total - low};
}

// JAX's layout defaults for conv_transpose, TensorFlow's: batch first, features last.
ConvDimensionNumbers transpose_default_numbers(int ndim) {
  switch (ndim) {
    case 2:
      return {"NC", "IO", "NC"};
    case 3:
      return {"NHC", "HIO", "NHC"};
    case 4:
      return {"NHWC", "HWIO", "NHWC"};
    case 5:
      return {"NHWDC", "HWDIO", "NHWDC"};
    default:
      throw ValueError("conv_transpose",
                       fmt::format("there are no default dimension_numbers for operands of rank {}: give them", ndim));
  }
}

// The shape that stands for the kernel of conv_general_dilated_patches when resolving dimension numbers.
Shape patch_kernel_shape(std::string_view op, const Array& lhs, const std::vector<std::int64_t>& filter_shape) {
  if (lhs.ndim() < 2 || filter_shape.size() != axis_at(lhs.ndim() - 2)) {
    throw ShapeError(std::string(op), fmt::format("filter_shape {} must give one size per spatial axis of lhs {}",
                                                  join(filter_shape), lhs.type().to_string()));
  }
  check_positive(op, "filter_shape", filter_shape);
  Shape shape{1, 1};
  for (std::int64_t size : filter_shape) shape.push_back(size);
  return shape;
}

}  // namespace

Shape conv_shape_tuple_function::operator()(const Shape& lhs_shape, const Shape& rhs_shape,
                                            const std::vector<std::int64_t>& strides, const Padding& pads,
                                            ConvShapeOptions options, Loc loc) const {
  CallSite site(loc);
  constexpr std::string_view op = "conv_shape_tuple";
  if (lhs_shape.ndim() != rhs_shape.ndim() || lhs_shape.ndim() < 2) {
    throw ShapeError(std::string(op), fmt::format("lhs {} and rhs {} must have one rank of at least 2",
                                                  lhs_shape.to_string(), rhs_shape.to_string()));
  }
  const int spatial = lhs_shape.ndim() - 2;
  check_length(op, fmt::format("strides {}", join(strides)), strides.size(), spatial,
               fmt::format("lhs {}", lhs_shape.to_string()));
  check_positive(op, "strides", strides);
  const Padding::Pairs pairs =
      pads.is_named() ? padtype_to_pads(spatial_of(lhs_shape), spatial_of(rhs_shape), strides, pads.type(), loc)
                      : pads.pairs();
  check_length(op, "the padding", pairs.size(), spatial, fmt::format("lhs {}", lhs_shape.to_string()));
  const std::int64_t groups = options.batch_group_count;
  if (groups < 1 || lhs_shape[0] % groups != 0) {
    throw ValueError(std::string(op),
                     fmt::format("batch_group_count {} must be positive and divide the batch of lhs {}", groups,
                                 lhs_shape.to_string()));
  }
  Shape out{lhs_shape[0] / groups, rhs_shape[0]};
  for (int d = 0; d < spatial; ++d) {
    const auto [low, high] = pairs[axis_at(d)];
    const std::int64_t padded = lhs_shape[d + 2] + low + high;
    if (padded < 0) {
      throw ValueError(std::string(op),
                       fmt::format("negative padding ({}, {}) is larger than spatial axis {} of lhs {}", low, high, d,
                                   lhs_shape.to_string()));
    }
    out.push_back(stride_dim(padded, rhs_shape[d + 2], strides[axis_at(d)]));
  }
  return out;
}

Shape conv_general_shape_tuple_function::operator()(const Shape& lhs_shape, const Shape& rhs_shape,
                                                    const std::vector<std::int64_t>& window_strides,
                                                    const Padding& padding,
                                                    const ConvDimensionNumbers& dimension_numbers, Loc loc) const {
  CallSite site(loc);
  const ConvDimensionNumbers numbers = conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers, loc);
  check_specs("conv_general_shape_tuple", numbers, lhs_shape.ndim());
  const Shape canonical = conv_shape_tuple(take(lhs_shape, numbers.lhs_spec), take(rhs_shape, numbers.rhs_spec),
                                           window_strides, padding, {}, loc);
  return untake(canonical, numbers.out_spec);
}

Shape conv_transpose_shape_tuple_function::operator()(const Shape& lhs_shape, const Shape& rhs_shape,
                                                      const std::vector<std::int64_t>& window_strides,
                                                      const Padding& padding,
                                                      const ConvDimensionNumbers& dimension_numbers, Loc loc) const {
  CallSite site(loc);
  constexpr std::string_view op = "conv_transpose_shape_tuple";
  const ConvDimensionNumbers numbers = conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers, loc);
  check_specs(op, numbers, lhs_shape.ndim());
  const Shape lhs = take(lhs_shape, numbers.lhs_spec), rhs = take(rhs_shape, numbers.rhs_spec);
  const int spatial = lhs.ndim() - 2;
  check_length(op, fmt::format("window_strides {}", join(window_strides)), window_strides.size(), spatial,
               fmt::format("lhs {}", lhs_shape.to_string()));
  if (!padding.is_named()) {
    check_length(op, "the padding", padding.pairs().size(), spatial, fmt::format("lhs {}", lhs_shape.to_string()));
  }
  Shape out{lhs[0], rhs[0]};
  for (int d = 0; d < spatial; ++d) {
    const std::int64_t kernel = rhs[d + 2], stride = window_strides[axis_at(d)];
    const auto [low, high] =
        padding.is_named() ? transpose_padding(kernel, stride, padding.type(), {}) : padding.pairs()[axis_at(d)];
    out.push_back((lhs[d + 2] - 1) * stride - kernel + 2 + low + high);
  }
  return untake(out, numbers.out_spec);
}

Shape reduce_window_shape_tuple_function::operator()(const Shape& operand_shape, const Shape& window_dimensions,
                                                     const std::vector<std::int64_t>& window_strides,
                                                     const Padding& padding, const ReduceWindowOptions& options,
                                                     Loc loc) const {
  CallSite site(loc);
  constexpr std::string_view op = "reduce_window_shape_tuple";
  const int ndim = operand_shape.ndim();
  const std::string operand = fmt::format("operand {}", operand_shape.to_string());
  check_length(op, fmt::format("window_dimensions {}", window_dimensions.to_string()),
               axis_at(window_dimensions.ndim()), ndim, operand);
  check_length(op, fmt::format("window_strides {}", join(window_strides)), window_strides.size(), ndim, operand);
  check_positive(op, "window_strides", window_strides);
  // As lax._dilate_shape: a shorter dilation applies to the trailing axes, the leading ones undilated.
  auto dilated = [&](const Shape& shape, const std::vector<std::int64_t>& dilation, std::string_view what) {
    if (dilation.size() > axis_at(ndim)) {
      throw ShapeError(std::string(op), fmt::format("{} {} is longer than the {}", what, join(dilation), operand));
    }
    check_positive(op, what, dilation);
    Shape result = shape;
    const int offset = ndim - static_cast<int>(dilation.size());
    for (std::size_t i = 0; i < dilation.size(); ++i) {
      const int axis = offset + static_cast<int>(i);
      result[axis] = dilate_dim(shape[axis], dilation[i]);
    }
    return result;
  };
  const Shape in = dilated(operand_shape, options.base_dilation, "base_dilation");
  const Shape window = dilated(window_dimensions, options.window_dilation, "window_dilation");
  const Padding::Pairs pairs = padding.is_named()
                                   ? padtype_to_pads(operand_shape, window, window_strides, padding.type(), loc)
                                   : padding.pairs();
  check_length(op, "the padding", pairs.size(), ndim, operand);
  Shape out;
  for (int d = 0; d < ndim; ++d) {
    out.push_back(
        stride_dim(in[d] + pairs[axis_at(d)].first + pairs[axis_at(d)].second, window[d], window_strides[axis_at(d)]));
  }
  return out;
}

std::array<std::vector<int>, 3> conv_general_permutations_function::operator()(
    const ConvDimensionNumbers& dimension_numbers, Loc loc) const {
  CallSite site(loc);
  constexpr std::string_view op = "conv_general_permutations";
  const ConvDimensionNumbers& d = dimension_numbers;
  const std::array<const std::string*, 3> layouts{&d.lhs_layout, &d.rhs_layout, &d.out_layout};
  const std::array<std::pair<char, char>, 3> letters{{{'N', 'C'}, {'O', 'I'}, {'N', 'C'}}};
  const auto described = fmt::format("(\"{}\", \"{}\", \"{}\")", d.lhs_layout, d.rhs_layout, d.out_layout);
  if (d.lhs_layout.empty() || d.rhs_layout.empty() || d.out_layout.empty()) {
    throw ValueError(std::string(op),
                     fmt::format("dimension_numbers must be three layout strings such as (\"NCHW\", \"OIHW\", "
                                 "\"NCHW\"), got {}",
                                 described));
  }
  std::array<std::set<char>, 3> spatial;
  for (std::size_t i = 0; i < 3; ++i) {
    const std::string& layout = *layouts[i];
    const auto [first, second] = letters[i];
    if (std::count(layout.begin(), layout.end(), first) != 1 || std::count(layout.begin(), layout.end(), second) != 1) {
      throw ValueError(std::string(op),
                       fmt::format("dimension_numbers[{}] of {} must contain '{}' and '{}' exactly once", i, described,
                                   first, second));
    }
    if (std::set<char>(layout.begin(), layout.end()).size() != layout.size()) {
      throw ValueError(std::string(op), fmt::format("dimension_numbers[{}] of {} repeats a letter", i, described));
    }
    for (char c : layout) {
      if (c != first && c != second) spatial[i].insert(c);
    }
  }
  if (spatial[0] != spatial[1] || spatial[1] != spatial[2]) {
    throw ValueError(std::string(op),
                     fmt::format("dimension_numbers {} must name the same spatial letters in each layout", described));
  }
  // Valid strings of equal length: conv_dimension_numbers computes exactly the permutations wanted.
  Shape ones;
  for (std::size_t i = 0; i < d.lhs_layout.size(); ++i) ones.push_back(1);
  const ConvDimensionNumbers numbers =
      conv_dimension_numbers(ones, ones, {d.lhs_layout, d.rhs_layout, d.out_layout}, loc);
  return {numbers.lhs_spec, numbers.rhs_spec, numbers.out_spec};
}

Array conv_with_general_padding_function::operator()(const Array& lhs, const Array& rhs,
                                                     const std::vector<std::int64_t>& window_strides,
                                                     const Padding& padding,
                                                     const std::vector<std::int64_t>& lhs_dilation,
                                                     const std::vector<std::int64_t>& rhs_dilation, Loc loc) const {
  CallSite site(loc);
  return conv_general_dilated(lhs, rhs, window_strides, padding,
                              {.lhs_dilation = lhs_dilation, .rhs_dilation = rhs_dilation}, loc);
}

Array conv_transpose_function::operator()(const Array& lhs, const Array& rhs, const std::vector<std::int64_t>& strides,
                                          const Padding& padding, const ConvTransposeOptions& options, Loc loc) const {
  CallSite site(loc);
  constexpr std::string_view op = "conv_transpose";
  if (lhs.ndim() != rhs.ndim() || lhs.ndim() < 2) {
    throw ShapeError(std::string(op), fmt::format("lhs {} and rhs {} must have one rank of at least 2",
                                                  lhs.type().to_string(), rhs.type().to_string()));
  }
  const int ndim = lhs.ndim(), spatial = ndim - 2;
  const ConvDimensionNumbers numbers = conv_dimension_numbers(
      lhs.shape(), rhs.shape(),
      is_default(options.dimension_numbers) ? transpose_default_numbers(ndim) : options.dimension_numbers, loc);
  check_specs(op, numbers, ndim);
  const std::string operands = fmt::format("lhs {}", lhs.type().to_string());
  check_length(op, fmt::format("strides {}", join(strides)), strides.size(), spatial, operands);
  check_positive(op, "strides", strides);
  std::vector<std::int64_t> rhs_dilation = options.rhs_dilation;
  if (rhs_dilation.empty()) rhs_dilation.assign(axis_at(spatial), 1);
  check_length(op, fmt::format("rhs_dilation {}", join(rhs_dilation)), rhs_dilation.size(), spatial, operands);
  check_positive(op, "rhs_dilation", rhs_dilation);

  // Named paddings other than SAME and VALID reach conv_general_dilated untouched, as in JAX (where
  // they are only defined for unit strides).
  Padding pads = padding;
  const bool forward_named = padding.is_named() && (padding.type() == "SAME" || padding.type() == "VALID");
  if (options.use_consistent_padding || forward_named) {
    if (!padding.is_named()) {
      check_length(op, "the padding", padding.pairs().size(), spatial, operands);
    }
    Padding::Pairs pairs;
    for (int d = 0; d < spatial; ++d) {
      const std::int64_t kernel = dilate_dim(rhs.shape()[numbers.rhs_spec[axis_at(d + 2)]], rhs_dilation[axis_at(d)]);
      pairs.push_back(transpose_padding(
          kernel, strides[axis_at(d)], padding.type(),
          padding.is_named() ? std::pair<std::int64_t, std::int64_t>{} : padding.pairs()[axis_at(d)]));
    }
    pads = Padding(std::move(pairs));
  }

  Array kernel = rhs;
  if (options.transpose_kernel) {
    // The forward convolution's kernel seen from its output: spatially reversed, in and out swapped.
    kernel = rev(kernel, std::vector<int>(numbers.rhs_spec.begin() + 2, numbers.rhs_spec.end()), loc);
    std::vector<int> swap(axis_at(ndim));
    std::iota(swap.begin(), swap.end(), 0);
    std::swap(swap[axis_at(numbers.rhs_spec[0])], swap[axis_at(numbers.rhs_spec[1])]);
    kernel = transpose(kernel, swap, loc);
  }
  return conv_general_dilated(lhs, kernel, std::vector<std::int64_t>(axis_at(spatial), 1), pads,
                              {.lhs_dilation = strides, .rhs_dilation = rhs_dilation, .dimension_numbers = numbers},
                              loc);
}

Array conv_general_dilated_patches_function::operator()(const Array& lhs, const std::vector<std::int64_t>& filter_shape,
                                                        const std::vector<std::int64_t>& window_strides,
                                                        const Padding& padding, const ConvPatchesOptions& options,
                                                        Loc loc) const {
  CallSite site(loc);
  constexpr std::string_view op = "conv_general_dilated_patches";
  const Shape kernel_shape = patch_kernel_shape(op, lhs, filter_shape);
  const ConvDimensionNumbers numbers =
      conv_dimension_numbers(lhs.shape(), kernel_shape, options.dimension_numbers, loc);
  check_specs(op, numbers, lhs.ndim());
  const std::int64_t window =
      std::accumulate(filter_shape.begin(), filter_shape.end(), std::int64_t{1}, std::multiplies<std::int64_t>());
  const std::int64_t channels = lhs.shape()[numbers.lhs_spec[1]];
  if (channels < 1) {
    throw ShapeError(std::string(op), fmt::format("lhs {} has no feature channels", lhs.type().to_string()));
  }
  // One output feature per (channel, window position), each picking its one input element: the one-hot
  // kernel of shape (C * window, 1, *filter_shape), the convolution grouped by channel.
  Array kernel = jnp::eye(window, std::nullopt, 0, lhs.dtype(), loc);
  kernel = broadcast_in_dim(kernel, {channels, window, window}, {1, 2}, loc);
  Shape grouped{channels * window, 1};
  for (std::int64_t size : filter_shape) grouped.push_back(size);
  kernel = reshape(kernel, grouped, loc);
  kernel = transpose(kernel, moveaxis_permutation(lhs.ndim(), {0, 1}, {numbers.rhs_spec[0], numbers.rhs_spec[1]}), loc);
  return conv_general_dilated(lhs, kernel, window_strides, padding,
                              {.lhs_dilation = options.lhs_dilation,
                               .rhs_dilation = options.rhs_dilation,
                               .dimension_numbers = numbers,
                               .feature_group_count = channels},
                              loc);
}

Array conv_general_dilated_local_function::operator()(const Array& lhs, const Array& rhs,
                                                      const std::vector<std::int64_t>& window_strides,
                                                      const Padding& padding,
                                                      const std::vector<std::int64_t>& filter_shape,
                                                      const ConvPatchesOptions& options, Loc loc) const {
  CallSite site(loc);
  constexpr std::string_view op = "conv_general_dilated_local";
  const Shape kernel_shape = patch_kernel_shape(op, lhs, filter_shape);
  if (rhs.ndim() != lhs.ndim()) {
    throw ShapeError(std::string(op), fmt::format("rhs {} must have the rank of lhs {}", rhs.type().to_string(),
                                                  lhs.type().to_string()));
  }
  const Array patches = conv_general_dilated_patches(lhs, filter_shape, window_strides, padding, options, loc);
  const ConvDimensionNumbers numbers =
      conv_dimension_numbers(lhs.shape(), kernel_shape, options.dimension_numbers, loc);
  const int spatial = lhs.ndim() - 2;

  // rhs must hold one (patch, O) matrix per output position; said here in conv terms rather than left
  // to dot_general's message.
  Shape expected = rhs.shape();
  expected[numbers.rhs_spec[1]] = patches.shape()[numbers.out_spec[1]];
  for (int d = 0; d < spatial; ++d) {
    expected[numbers.rhs_spec[axis_at(d + 2)]] = patches.shape()[numbers.out_spec[axis_at(d + 2)]];
  }
  if (!(expected == rhs.shape())) {
    throw ShapeError(std::string(op), fmt::format("rhs {} must have shape {}: the output's spatial sizes and "
                                                  "C * prod(filter_shape) = {} input features, for lhs {}",
                                                  rhs.type().to_string(), expected.to_string(),
                                                  patches.shape()[numbers.out_spec[1]], lhs.type().to_string()));
  }

  // Contract the patch axis; pair the spatial axes as batch axes, in the patches' axis order so that
  // the result's spatial axes come out in the output layout's order.
  std::vector<int> lhs_batch(numbers.out_spec.begin() + 2, numbers.out_spec.end());
  std::vector<int> rhs_batch(numbers.rhs_spec.begin() + 2, numbers.rhs_spec.end());
  std::vector<int> order(axis_at(spatial));
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) { return lhs_batch[axis_at(a)] < lhs_batch[axis_at(b)]; });
  std::vector<int> sorted_lhs_batch, sorted_rhs_batch;
  for (int i : order) {
    sorted_lhs_batch.push_back(lhs_batch[axis_at(i)]);
    sorted_rhs_batch.push_back(rhs_batch[axis_at(i)]);
  }
  const Array out = dot_general(patches, rhs,
                                {.lhs_contracting = {numbers.out_spec[1]},
                                 .rhs_contracting = {numbers.rhs_spec[1]},
                                 .lhs_batch = sorted_lhs_batch,
                                 .rhs_batch = sorted_rhs_batch},
                                loc);
  // dot_general gives (spatial..., N, O); N and O go where the output layout puts them.
  const int ndim = lhs.ndim();
  return transpose(out, moveaxis_permutation(ndim, {ndim - 2, ndim - 1}, {numbers.out_spec[0], numbers.out_spec[1]}),
                   loc);
}

}  // namespace jx::lax
