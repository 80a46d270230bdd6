// jx::lax convolutions: conv_general_dilated and conv, with dimension numbers and named paddings
// resolved as jax.lax does, then one conv_general_dilated primitive bound.
#include "ir/primitives/convolution.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <numeric>
#include <set>

#include "ir/primitives/elementwise.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "trace/trace.h"

namespace jx::lax {
namespace {

constexpr std::string_view kConv = "conv_general_dilated";

// One layout string as axis numbers: (the two named axes, then the spatial axes in rhs's order).
std::vector<int> layout_permutation(const std::string& spec, char first, char second, const std::string& rhs_spec,
                                    bool is_rhs) {
  std::vector<int> permutation{static_cast<int>(spec.find(first)), static_cast<int>(spec.find(second))};
  std::vector<int> spatial;
  for (int i = 0; i < static_cast<int>(spec.size()); ++i) {
    if (spec[static_cast<std::size_t>(i)] != first && spec[static_cast<std::size_t>(i)] != second) spatial.push_back(i);
  }
  if (!is_rhs) {
    std::stable_sort(spatial.begin(), spatial.end(), [&](int a, int b) {
      return rhs_spec.find(spec[static_cast<std::size_t>(a)]) < rhs_spec.find(spec[static_cast<std::size_t>(b)]);
    });
  }
  permutation.insert(permutation.end(), spatial.begin(), spatial.end());
  return permutation;
}

}  // namespace

ConvDimensionNumbers conv_dimension_numbers_function::operator()(const Shape& lhs_shape, const Shape& rhs_shape,
                                                                 const ConvDimensionNumbers& dimension_numbers,
                                                                 Loc loc) const {
  CallSite site(loc);
  const std::string shapes = fmt::format("lhs {}, rhs {}", lhs_shape.to_string(), rhs_shape.to_string());
  if (lhs_shape.ndim() != rhs_shape.ndim()) {
    throw ShapeError(std::string(kConv),
                     fmt::format("lhs and rhs must have the same number of dimensions ({})", shapes));
  }
  const int ndim = lhs_shape.ndim();
  const ConvDimensionNumbers& d = dimension_numbers;
  const bool named = !d.lhs_layout.empty() || !d.rhs_layout.empty() || !d.out_layout.empty();
  if (!named) {
    if (d.lhs_spec.empty() && d.rhs_spec.empty() && d.out_spec.empty()) {
      std::vector<int> identity(static_cast<std::size_t>(ndim));
      std::iota(identity.begin(), identity.end(), 0);
      return ConvDimensionNumbers::from_specs(identity, identity, identity);
    }
    return ConvDimensionNumbers::from_specs(d.lhs_spec, d.rhs_spec, d.out_spec);  // checked by the shape rule
  }
  const std::array<const std::string*, 3> layouts{&d.lhs_layout, &d.rhs_layout, &d.out_layout};
  const std::array<std::pair<char, char>, 3> letters{{{'N', 'C'}, {'O', 'I'}, {'N', 'C'}}};
  const auto described = fmt::format("(\"{}\", \"{}\", \"{}\")", d.lhs_layout, d.rhs_layout, d.out_layout);
  std::array<std::set<char>, 3> spatial_letters;
  for (std::size_t i = 0; i < 3; ++i) {
    const std::string& spec = *layouts[i];
    if (static_cast<int>(spec.size()) != ndim) {
      throw ShapeError(
          std::string(kConv),
          fmt::format("dimension_numbers {}: \"{}\" must have one letter per axis ({})", described, spec, shapes));
    }
    const auto [a, b] = letters[i];
    if (std::count(spec.begin(), spec.end(), a) != 1 || std::count(spec.begin(), spec.end(), b) != 1) {
      throw ValueError(
          std::string(kConv),
          fmt::format("dimension_numbers {}: \"{}\" must contain '{}' and '{}' exactly once", described, spec, a, b));
    }
    if (std::set<char>(spec.begin(), spec.end()).size() != spec.size()) {
      throw ValueError(std::string(kConv),
                       fmt::format("dimension_numbers {}: \"{}\" repeats a letter", described, spec));
    }
    for (char c : spec) {
      if (c != a && c != b) spatial_letters[i].insert(c);
    }
  }
  if (spatial_letters[0] != spatial_letters[1] || spatial_letters[1] != spatial_letters[2]) {
    throw ValueError(std::string(kConv),
                     fmt::format("dimension_numbers {} must name the same spatial axes in each layout", described));
  }
  return ConvDimensionNumbers::from_specs(layout_permutation(d.lhs_layout, 'N', 'C', d.rhs_layout, false),
                                          layout_permutation(d.rhs_layout, 'O', 'I', d.rhs_layout, true),
                                          layout_permutation(d.out_layout, 'N', 'C', d.rhs_layout, false));
}

Padding::Pairs padtype_to_pads_function::operator()(const Shape& in_shape, const Shape& window_shape,
                                                    const std::vector<std::int64_t>& window_strides,
                                                    std::string_view padding, Loc loc) const {
  CallSite site(loc);
  std::string type(padding);
  std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return std::toupper(c); });
  if (type != "SAME" && type != "SAME_LOWER" && type != "VALID") {
    throw ValueError("padtype_to_pads",
                     fmt::format("unknown padding \"{}\": expected \"SAME\", \"SAME_LOWER\" or \"VALID\"", padding));
  }
  if (window_shape.ndim() != in_shape.ndim() || static_cast<int>(window_strides.size()) != in_shape.ndim()) {
    throw ShapeError("padtype_to_pads",
                     fmt::format("input {}, window {} and strides ({}) must have the same length", in_shape.to_string(),
                                 window_shape.to_string(), fmt::join(window_strides, ", ")));
  }
  Padding::Pairs pads;
  for (int d = 0; d < in_shape.ndim(); ++d) {
    if (type == "VALID") {
      pads.emplace_back(0, 0);
      continue;
    }
    const std::int64_t stride = window_strides[static_cast<std::size_t>(d)];
    if (stride < 1)
      throw ValueError("padtype_to_pads",
                       fmt::format("strides ({}) must be positive", fmt::join(window_strides, ", ")));
    const std::int64_t out = (in_shape[d] + stride - 1) / stride;
    const std::int64_t total = std::max<std::int64_t>((out - 1) * stride + window_shape[d] - in_shape[d], 0);
    if (type == "SAME") {
      pads.emplace_back(total / 2, total - total / 2);
    } else {
      pads.emplace_back(total - total / 2, total / 2);
    }
  }
  return pads;
}

Array conv_general_dilated_function::operator()(const Array& lhs, const Array& rhs,
                                                const std::vector<std::int64_t>& window_strides, const Padding& padding,
                                                const ConvOptions& options, Loc loc) const {
  CallSite site(loc);
  const ConvDimensionNumbers dims = conv_dimension_numbers(lhs.shape(), rhs.shape(), options.dimension_numbers, loc);
  const int spatial = std::max(lhs.ndim() - 2, 0);
  const auto ones = std::vector<std::int64_t>(static_cast<std::size_t>(spatial), 1);
  primitives::ConvParams p;
  p.window_strides = window_strides;
  p.lhs_dilation = options.lhs_dilation.empty() ? ones : options.lhs_dilation;
  p.rhs_dilation = options.rhs_dilation.empty() ? ones : options.rhs_dilation;
  p.lhs_spec = dims.lhs_spec;
  p.rhs_spec = dims.rhs_spec;
  p.out_spec = dims.out_spec;
  p.feature_group_count = options.feature_group_count;
  p.batch_group_count = options.batch_group_count;
  Padding::Pairs pairs = padding.pairs();
  if (padding.is_named()) {
    if (p.lhs_dilation != ones) {
      throw ValueError(
          std::string(kConv),
          fmt::format("padding \"{}\" is not defined with lhs_dilation ({}): give explicit (low, high) pairs",
                      padding.type(), fmt::join(p.lhs_dilation, ", ")));
    }
    if (static_cast<int>(dims.lhs_spec.size()) != lhs.ndim() || static_cast<int>(dims.rhs_spec.size()) != rhs.ndim() ||
        static_cast<int>(p.rhs_dilation.size()) != spatial || static_cast<int>(window_strides.size()) != spatial) {
      throw ShapeError(
          std::string(kConv),
          fmt::format("window_strides ({}), rhs_dilation ({}) and dimension numbers must match lhs {} and rhs {}",
                      fmt::join(window_strides, ", "), fmt::join(p.rhs_dilation, ", "), lhs.type().to_string(),
                      rhs.type().to_string()));
    }
    Shape in_shape, window_shape;
    for (int d = 0; d < spatial; ++d) {
      const auto u = static_cast<std::size_t>(d);
      in_shape.push_back(lhs.shape()[dims.lhs_spec[u + 2]]);
      window_shape.push_back(primitives::dilate_dim(rhs.shape()[dims.rhs_spec[u + 2]], p.rhs_dilation[u]));
    }
    pairs = padtype_to_pads(in_shape, window_shape, window_strides, padding.type(), loc);
  }
  for (const auto& [low, high] : pairs) {
    p.padding_low.push_back(low);
    p.padding_high.push_back(high);
  }
  // A weakly typed operand takes the other's dtype, as in the binary lax ops.
  Array a = lhs, b = rhs;
  if (a.dtype() != b.dtype() && a.weak_type() != b.weak_type()) {
    if (a.weak_type())
      a = bind1(primitives::ConvertElementType(b.dtype(), true), {a});
    else
      b = bind1(primitives::ConvertElementType(a.dtype(), true), {b});
  }
  if (is_complex(a.dtype()) && a.dtype() == b.dtype()) {
    // The convolution is bilinear, so a complex one is three real ones (Gauss's product: with
    // a = ar + i ai and b = br + i bi, k1 = (ar + ai) * br, k2 = ar * (bi - br), k3 = ai * (br + bi)
    // give a * b = (k1 - k3) + i (k1 + k2)), and autodiff goes through the real ones.
    const primitives::ConvGeneralDilated real_conv(std::move(p));
    const Array ar = real(a), ai = imag(a), br = real(b), bi = imag(b);
    const Array k1 = bind1(real_conv, {add(ar, ai), br});
    const Array k2 = bind1(real_conv, {ar, sub(bi, br)});
    const Array k3 = bind1(real_conv, {ai, add(br, bi)});
    return complex(sub(k1, k3), add(k1, k2));
  }
  return bind1(primitives::ConvGeneralDilated(std::move(p)), {a, b});
}

Array conv_function::operator()(const Array& lhs, const Array& rhs, const std::vector<std::int64_t>& window_strides,
                                const Padding& padding, Loc loc) const {
  return conv_general_dilated(lhs, rhs, window_strides, padding, {}, loc);
}

}  // namespace jx::lax
