#include "ops/promotion.h"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <mutex>
#include <set>
#include <string>

#include "backends/cpu/kernels.h"
#include "ir/primitives/elementwise.h"
#include "jx/core/config.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "trace/trace.h"

namespace jx::ops {

namespace {

// The kinds a weakly typed scalar may join under strict promotion: an int joins ints, floats and
// complex numbers, a float joins floats and complex numbers, a complex only complex numbers (JAX's
// strict lattice: i* -> f* -> c*, each weak type above the strong types of its kind).
int kind_rank(DType dtype) {
  if (dtype == DType::bool_) return 0;
  if (is_complex(dtype)) return 3;
  if (is_floating(dtype)) return 2;
  return 1;  // signed and unsigned integers
}

bool strictly_promotable(PromotionType a, PromotionType b) {
  if (a.weak && b.weak) return true;  // two scalars: int and float give a weak float
  if (!a.weak && !b.weak) return a.dtype == b.dtype;
  const PromotionType weak = a.weak ? a : b, strong = a.weak ? b : a;
  return kind_rank(weak.dtype) > 0 && kind_rank(weak.dtype) <= kind_rank(strong.dtype);
}

}  // namespace

PromotionType result_type(std::span<const Array> operands) {
  const bool strict = config::numpy_dtype_promotion() == config::DtypePromotion::strict;
  PromotionType result = operands[0].type().promotion_type();
  for (std::size_t i = 1; i < operands.size(); ++i) {
    const PromotionType next = operands[i].type().promotion_type();
    if (strict && !strictly_promotable(result, next)) {
      throw DTypeError("promote_types",
                       fmt::format("input dtypes {}{} and {}{} have no available implicit dtype promotion path when "
                                   "config::numpy_dtype_promotion is strict; convert explicitly (astype), or use "
                                   "DtypePromotion::standard",
                                   dtype_name(result.dtype), result.weak ? " (weak)" : "", dtype_name(next.dtype),
                                   next.weak ? " (weak)" : ""));
    }
    result = promote_types(result, next);
  }
  return result;
}

Array constant_like(const Array& x, double value) { return convert_to(Array(value), {x.dtype(), true}); }

Array filled_like(const Array& x, double value) {
  return lax::broadcast_in_dim(constant_like(x, value), x.shape(), {});
}

Array convert_to(const Array& x, PromotionType type) {
  if (x.dtype() == type.dtype && x.weak_type() == type.weak) return x;
  // A concrete scalar (a C++ scalar operand, typically) is converted now, as JAX converts Python
  // scalars: no equation is staged for it, and eager code skips a dispatch.
  if (x.is_concrete() && x.ndim() == 0) return cpu::convert(x, ArrayType{{}, type.dtype, type.weak});
  return bind1(primitives::ConvertElementType(type.dtype, type.weak), {x});
}

PromotionType inexact_type(PromotionType type) {
  if (is_inexact(type.dtype)) return type;
  return {default_float_dtype(), type.weak};
}

Array to_inexact(const Array& x) { return convert_to(x, inexact_type(x.type().promotion_type())); }

Shape broadcast_shapes(std::string_view op, const Shape& a, const Shape& b) {
  if (a == b) return a;
  const int ndim = std::max(a.ndim(), b.ndim());
  Shape result;
  for (int i = 0; i < ndim; ++i) {
    const int ia = a.ndim() - ndim + i, ib = b.ndim() - ndim + i;
    const std::int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
    if (da != db && da != 1 && db != 1) {
      throw ShapeError(std::string(op),
                       fmt::format("incompatible shapes for broadcasting: {} and {}", a.to_string(), b.to_string()));
    }
    result.push_back(da == 1 ? db : da);
  }
  return result;
}

Array broadcast_to_shape(const Array& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  std::vector<int> dims;
  for (int i = 0; i < x.ndim(); ++i) dims.push_back(shape.ndim() - x.ndim() + i);
  return lax::broadcast_in_dim(x, shape, dims);
}

void check_rank_promotion(std::string_view op, const Shape& a, const Shape& b) {
  const config::RankPromotion mode = config::numpy_rank_promotion();
  if (mode == config::RankPromotion::allow) return;
  const std::string message = fmt::format(
      "operands of ranks {} and {} (shapes {} and {}) would be broadcast to a common rank, and "
      "config::numpy_rank_promotion is {}; add the missing axes explicitly (jnp::expand_dims, reshape)",
      a.ndim(), b.ndim(), a.to_string(), b.to_string(), mode == config::RankPromotion::raise ? "raise" : "warn");
  if (mode == config::RankPromotion::raise) throw ShapeError(std::string(op), message);
  static std::mutex warned_mutex;
  static std::set<std::string, std::less<>> warned;  // once per operation, as Python's warnings filter
  const std::lock_guard lock(warned_mutex);
  if (warned.emplace(op).second) std::cerr << "jx warning: [" << op << "] " << message << "\n";
}

std::pair<Array, Array> promote_and_broadcast(std::string_view op, const Array& a, const Array& b) {
  const Array operands[] = {a, b};
  const PromotionType type = result_type(operands);
  Array x = convert_to(a, type), y = convert_to(b, type);
  if (x.shape() == y.shape() || x.ndim() == 0 || y.ndim() == 0) return {x, y};
  if (x.ndim() != y.ndim()) check_rank_promotion(op, x.shape(), y.shape());
  const Shape shape = broadcast_shapes(op, x.shape(), y.shape());
  return {broadcast_to_shape(x, shape), broadcast_to_shape(y, shape)};
}

int normalize_axis(std::string_view op, int axis, int ndim) {
  if (axis < -ndim || axis >= ndim) {
    throw ShapeError(std::string(op), fmt::format("axis {} is out of bounds for an array of rank {}", axis, ndim));
  }
  return axis < 0 ? axis + ndim : axis;
}

std::vector<int> normalize_axes(std::string_view op, const std::optional<Axes>& axes, int ndim) {
  std::vector<int> result;
  if (!axes) {
    for (int d = 0; d < ndim; ++d) result.push_back(d);
    return result;
  }
  for (int axis : *axes) result.push_back(normalize_axis(op, axis, ndim));
  std::sort(result.begin(), result.end());
  if (std::adjacent_find(result.begin(), result.end()) != result.end()) {
    throw ShapeError(std::string(op), "repeated axis");
  }
  return result;
}

}  // namespace jx::ops
