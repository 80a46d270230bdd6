// jx::numpy array creation.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

#include "backends/cpu/kernels.h"
#include "core/array_impl.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "ops/promotion.h"

namespace jx::numpy {
namespace {

// The dtype a C++ element type gets when no dtype is asked for: floats become the default float
// type (as Python floats do), integers keep their width (canonicalized), bools stay bool.
template <class T>
DType natural_dtype() {
  if constexpr (std::is_same_v<T, bool>)
    return DType::bool_;
  else if constexpr (std::is_floating_point_v<T>)
    return default_float_dtype();
  else if constexpr (is_complex_v<T>)
    return default_complex_dtype();
  else if constexpr (std::is_same_v<T, char>)
    return canonicalize_dtype(DType::int8);
  else
    return canonicalize_dtype(dtype_of<T>());
}

// A concrete array holding `values` (C++ type T) converted to `dtype`.
template <class T>
Array from_values(const T* values, const Shape& shape, DType dtype) {
  using Stored = std::conditional_t<std::is_same_v<T, char>, signed char, T>;
  auto impl = allocate_array(ArrayType{shape, dtype});
  cpu::convert_run(dtype_of<Stored>(), dtype, reinterpret_cast<const Stored*>(values), impl->data(),
                   shape.num_elements());
  return Array(std::move(impl));
}

DType chosen(std::optional<DType> dtype, DType fallback) { return canonicalize_dtype(dtype.value_or(fallback)); }

// An array of `type` whose element i is value(i), computed in float64 a chunk at a time and
// converted into the array's own buffer: the array is the only allocation (a ResourceExhaustedError
// naming `type` if it cannot be made), whatever its size.
template <class Value>
Array computed_array(std::string_view op, const ArrayType& type, const Value& value) {
  std::shared_ptr<ConcreteArray> impl;
  try {
    impl = allocate_array(type);
  } catch (const ResourceExhaustedError& e) {
    throw ResourceExhaustedError(std::string(op), e.detail());
  }
  constexpr std::int64_t kChunk = 4096;
  double chunk[kChunk];
  const std::int64_t n = type.num_elements();
  const std::size_t item = itemsize(type.dtype);
  for (std::int64_t first = 0; first < n; first += kChunk) {
    const std::int64_t count = std::min(kChunk, n - first);
    for (std::int64_t i = 0; i < count; ++i) chunk[i] = value(first + i);
    cpu::convert_run(DType::float64, type.dtype, chunk, impl->data() + static_cast<std::size_t>(first) * item, count);
  }
  return Array(std::move(impl));
}

}  // namespace

template <Scalar T>
Array array_function::operator()(T value, std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  if (!dtype) return Array(value);
  return from_values(&value, Shape{}, chosen(dtype, DType::float32));
}

template <Scalar T>
Array array_function::operator()(std::span<const T> values, const Shape& shape, std::optional<DType> dtype,
                                 Loc loc) const {
  CallSite site(loc);
  if (static_cast<std::int64_t>(values.size()) != shape.num_elements()) {
    throw ShapeError("array", fmt::format("{} values cannot fill shape {}", values.size(), shape.to_string()));
  }
  return from_values(values.data(), shape, chosen(dtype, natural_dtype<T>()));
}

template <Scalar T>
Array array_function::operator()(std::initializer_list<std::initializer_list<T>> rows, std::optional<DType> dtype,
                                 Loc loc) const {
  CallSite site(loc);
  const std::size_t width = rows.size() ? rows.begin()->size() : 0;
  auto flat = std::make_unique<T[]>(rows.size() * width);  // not std::vector: vector<bool> has no data()
  std::size_t n = 0;
  for (const auto& row : rows) {
    if (row.size() != width) throw ValueError("array", "nested lists are ragged: rows have different lengths");
    for (const T& v : row) flat[n++] = v;
  }
  return from_values(flat.get(), Shape{static_cast<std::int64_t>(rows.size()), static_cast<std::int64_t>(width)},
                     chosen(dtype, natural_dtype<T>()));
}

template <Scalar T>
Array array_function::operator()(std::initializer_list<std::initializer_list<std::initializer_list<T>>> blocks,
                                 std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  const std::size_t rows = blocks.size() ? blocks.begin()->size() : 0;
  const std::size_t width = rows ? blocks.begin()->begin()->size() : 0;
  auto flat = std::make_unique<T[]>(blocks.size() * rows * width);
  std::size_t n = 0;
  for (const auto& nested_block : blocks) {
    if (nested_block.size() != rows) throw ValueError("array", "nested lists are ragged");
    for (const auto& row : nested_block) {
      if (row.size() != width) throw ValueError("array", "nested lists are ragged");
      for (const T& v : row) flat[n++] = v;
    }
  }
  return from_values(flat.get(),
                     Shape{static_cast<std::int64_t>(blocks.size()), static_cast<std::int64_t>(rows),
                           static_cast<std::int64_t>(width)},
                     chosen(dtype, natural_dtype<T>()));
}

#define JX_INSTANTIATE_ARRAY(T)                                                                                        \
  template Array array_function::operator()<T>(T, std::optional<DType>, Loc) const;                                    \
  template Array array_function::operator()<T>(std::span<const T>, const Shape&, std::optional<DType>, Loc) const;     \
  template Array array_function::operator()<T>(std::initializer_list<std::initializer_list<T>>, std::optional<DType>,  \
                                               Loc) const;                                                             \
  template Array array_function::operator()<T>(std::initializer_list<std::initializer_list<std::initializer_list<T>>>, \
                                               std::optional<DType>, Loc) const;
JX_INSTANTIATE_ARRAY(bool)
JX_INSTANTIATE_ARRAY(char)
JX_INSTANTIATE_ARRAY(signed char)
JX_INSTANTIATE_ARRAY(unsigned char)
JX_INSTANTIATE_ARRAY(short)
JX_INSTANTIATE_ARRAY(unsigned short)
JX_INSTANTIATE_ARRAY(int)
JX_INSTANTIATE_ARRAY(unsigned int)
JX_INSTANTIATE_ARRAY(long)
JX_INSTANTIATE_ARRAY(unsigned long)
JX_INSTANTIATE_ARRAY(long long)
JX_INSTANTIATE_ARRAY(unsigned long long)
JX_INSTANTIATE_ARRAY(float)
JX_INSTANTIATE_ARRAY(double)
JX_INSTANTIATE_ARRAY(std::complex<float>)
JX_INSTANTIATE_ARRAY(std::complex<double>)
#undef JX_INSTANTIATE_ARRAY

Array array_function::operator()(const Array& x, std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  const Array converted = dtype ? lax::convert_element_type(x, *dtype) : x;
  if (converted.is_tracer() || converted.impl() != x.impl()) return converted;
  return cpu::convert(x, x.type());  // an independent copy
}

Array array_function::operator()(std::initializer_list<Array> elements, std::optional<DType> dtype, Loc loc) const {
  return (*this)(std::vector<Array>(elements), dtype, loc);
}

Array array_function::operator()(const std::vector<Array>& elements, std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  if (elements.empty()) return zeros(Shape{0}, dtype.value_or(float32));
  // As jnp.array does: every element becomes a strongly typed array of the common (or given) dtype,
  // then they are stacked. The result is never weak, even from weak elements.
  const DType common = dtype.value_or(ops::result_type(elements).dtype);
  std::vector<Array> converted;
  converted.reserve(elements.size());
  for (const Array& element : elements) converted.push_back(lax::convert_element_type(element, common));
  return stack(converted);
}

Array asarray_function::operator()(const Array& x, std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  return dtype ? lax::convert_element_type(x, *dtype) : x;
}

Array astype_function::operator()(const Array& x, DType dtype, Loc loc) const {
  CallSite site(loc);
  return lax::convert_element_type(x, dtype);
}

Array full_function::operator()(const Shape& shape, const Array& fill_value, std::optional<DType> dtype,
                                Loc loc) const {
  CallSite site(loc);
  ArrayType{shape, dtype.value_or(fill_value.dtype())}.validate("full");
  if (fill_value.ndim() != 0) return ops::broadcast_to_shape(dtype ? astype(fill_value, *dtype) : fill_value, shape);
  const Array value = dtype ? lax::convert_element_type(fill_value, *dtype) : fill_value;
  return lax::broadcast_in_dim(value, shape, {});
}

// The default dtype is the default float type (float64 with x64), as in JAX.
Array zeros_function::operator()(const Shape& shape, std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  ArrayType{shape, dtype.value_or(default_float_dtype())}.validate("zeros");
  return full(shape, Array(0), dtype.value_or(default_float_dtype()));
}

Array ones_function::operator()(const Shape& shape, std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  ArrayType{shape, dtype.value_or(default_float_dtype())}.validate("ones");
  return full(shape, Array(1), dtype.value_or(default_float_dtype()));
}

Array full_like_function::operator()(const Array& x, const Array& fill_value, std::optional<DType> dtype,
                                     Loc loc) const {
  CallSite site(loc);
  const DType type = dtype.value_or(x.dtype());
  const Array value = ops::convert_to(fill_value, PromotionType{canonicalize_dtype(type), !dtype && x.weak_type()});
  return lax::broadcast_in_dim(value, x.shape(), {});
}

Array zeros_like_function::operator()(const Array& x, std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  return full_like(x, Array(0), dtype);
}

Array ones_like_function::operator()(const Array& x, std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  return full_like(x, Array(1), dtype);
}

Array arange_impl(double start, double stop, double step, bool floating_range, std::optional<DType> dtype, Loc loc) {
  CallSite site(loc);
  if (step == 0) throw ValueError("arange", "step must not be zero");
  const double count = std::ceil((stop - start) / step);
  if (!(count < 9.2e18)) {
    throw ValueError("arange", fmt::format("arange({}, {}, {}) would have {} elements, more than int64 can count",
                                           start, stop, step, count));
  }
  const auto n = static_cast<std::int64_t>(std::max(0.0, count));
  const DType out = chosen(dtype, floating_range ? default_float_dtype() : default_int_dtype());
  ArrayType{Shape{n}, out}.validate("arange");
  return computed_array("arange", ArrayType{Shape{n}, out},
                        [&](std::int64_t i) { return start + static_cast<double>(i) * step; });
}

Array linspace_function::operator()(double start, double stop, std::int64_t num, LinspaceOptions options,
                                    Loc loc) const {
  CallSite site(loc);
  if (num < 0) throw ValueError("linspace", fmt::format("number of samples, {}, must be non-negative", num));
  const double divisor = static_cast<double>(options.endpoint ? num - 1 : num);
  const double step = divisor > 0 ? (stop - start) / divisor : 0;
  const DType dtype = chosen(options.dtype, default_float_dtype());
  ArrayType{Shape{num}, dtype}.validate("linspace");
  // As JAX (and NumPy 2): an integer linspace floors its values (converting would truncate: -1.67 -> -1).
  const bool floored = is_integer(dtype);
  return computed_array("linspace", ArrayType{Shape{num}, dtype}, [&](std::int64_t i) {
    const double v = options.endpoint && num > 1 && i == num - 1 ? stop : start + static_cast<double>(i) * step;
    return floored ? std::floor(v) : v;
  });
}

Array eye_function::operator()(std::int64_t n, std::optional<std::int64_t> m, std::int64_t k,
                               std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  const std::int64_t columns = m.value_or(n);
  const DType out = chosen(dtype, default_float_dtype());
  ArrayType{Shape{n, columns}, out}.validate("eye");
  return computed_array("eye", ArrayType{Shape{n, columns}, out},
                        [&](std::int64_t i) { return columns > 0 && i % columns == i / columns + k ? 1.0 : 0.0; });
}

Array identity_function::operator()(std::int64_t n, std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  return eye(n, std::nullopt, 0, dtype);
}

}  // namespace jx::numpy
