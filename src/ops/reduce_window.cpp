// jx::lax windowed reductions: reduce_window for the add/max/min monoids, with named paddings resolved
// as jax.lax.reduce_window does, then one reduce_window_{sum,max,min} primitive bound.
#include "ir/primitives/reduce_window.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <limits>

#include "ir/primitives/convolution.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "trace/trace.h"

namespace jx::lax {
namespace {

Array reduce_window_of(cpu::WindowReduction op, std::string_view op_name, const Array& x,
                       const Shape& window_dimensions, const std::vector<std::int64_t>& window_strides,
                       const Padding& padding, const ReduceWindowOptions& options, const Loc& loc) {
  CallSite site(loc);
  const auto ndim = static_cast<std::size_t>(window_dimensions.ndim());
  const std::vector<std::int64_t> ones(ndim, 1);
  primitives::WindowParams p;
  p.window_dimensions.assign(window_dimensions.begin(), window_dimensions.end());
  p.window_strides = window_strides.empty() ? ones : window_strides;
  p.base_dilation = options.base_dilation.empty() ? ones : options.base_dilation;
  p.window_dilation = options.window_dilation.empty() ? ones : options.window_dilation;
  Padding::Pairs pairs = padding.pairs();
  if (padding.is_named()) {
    if (x.ndim() != static_cast<int>(ndim) || p.window_dilation.size() != ndim) {
      throw ShapeError(
          std::string(op_name),
          fmt::format("window_dimensions {} and window_dilation ({}) need one entry per axis of {}",
                      window_dimensions.to_string(), fmt::join(p.window_dilation, ", "), x.type().to_string()));
    }
    Shape dilated;
    for (std::size_t d = 0; d < ndim; ++d)
      dilated.push_back(primitives::dilate_dim(p.window_dimensions[d], p.window_dilation[d]));
    pairs = padtype_to_pads(x.shape(), dilated, p.window_strides, padding.type(), loc);
  }
  for (const auto& [low, high] : pairs) {
    p.padding_low.push_back(low);
    p.padding_high.push_back(high);
  }
  return bind1(primitives::ReduceWindow(op, std::move(p)), {x});
}

}  // namespace

Array reduce_window_sum_function::operator()(const Array& x, const Shape& window_dimensions,
                                             const std::vector<std::int64_t>& window_strides, const Padding& padding,
                                             const ReduceWindowOptions& options, Loc loc) const {
  return reduce_window_of(cpu::WindowReduction::sum, "reduce_window_sum", x, window_dimensions, window_strides, padding,
                          options, loc);
}

Array reduce_window_max_function::operator()(const Array& x, const Shape& window_dimensions,
                                             const std::vector<std::int64_t>& window_strides, const Padding& padding,
                                             const ReduceWindowOptions& options, Loc loc) const {
  return reduce_window_of(cpu::WindowReduction::max, "reduce_window_max", x, window_dimensions, window_strides, padding,
                          options, loc);
}

Array reduce_window_min_function::operator()(const Array& x, const Shape& window_dimensions,
                                             const std::vector<std::int64_t>& window_strides, const Padding& padding,
                                             const ReduceWindowOptions& options, Loc loc) const {
  return reduce_window_of(cpu::WindowReduction::min, "reduce_window_min", x, window_dimensions, window_strides, padding,
                          options, loc);
}

Array reduce_window_function::operator()(const Array& x, double init_value, ReduceComputation computation,
                                         const Shape& window_dimensions,
                                         const std::vector<std::int64_t>& window_strides, const Padding& padding,
                                         const ReduceWindowOptions& options, Loc loc) const {
  CallSite site(loc);
  const bool integer = !is_floating(x.dtype());
  if (computation.monoid() == ReduceComputation::Monoid::sum) {
    if (init_value != 0) {
      throw ValueError("reduce_window",
                       fmt::format("lax::add needs the init value 0 (got {}); add a constant to the result "
                                   "instead",
                                   init_value));
    }
    return reduce_window_sum(x, window_dimensions, window_strides, padding, options, loc);
  }
  {
    const bool is_max = computation.monoid() == ReduceComputation::Monoid::maximum;
    const Array reduced = is_max ? reduce_window_max(x, window_dimensions, window_strides, padding, options, loc)
                                 : reduce_window_min(x, window_dimensions, window_strides, padding, options, loc);
    // The identity (or beyond it, for integers given -inf or +inf) leaves the result alone; any other
    // init value takes part in every window, padding included, as in XLA.
    const bool identity =
        is_max ? (std::isinf(init_value) && init_value < 0) ||
                     (integer && init_value <= static_cast<double>(std::numeric_limits<std::int64_t>::lowest()))
               : (std::isinf(init_value) && init_value > 0);
    if (identity) return reduced;
    const Array init = numpy::array(init_value, x.dtype());
    return is_max ? lax::max(reduced, init) : lax::min(reduced, init);
  }
}

}  // namespace jx::lax
