#include "jx/core/array.h"

#include <fmt/format.h>

#include <cstring>
#include <limits>

#include "backends/cpu/kernels.h"
#include "core/array_impl.h"
#include "jx/core/config.h"
#include "jx/core/error.h"
#include "trace/trace.h"

namespace jx {

// --- Concrete storage --------------------------------------------------------------------------

bool is_row_major(const Shape& shape, const Strides& strides) {
  std::int64_t expected = 1;
  for (int d = shape.ndim() - 1; d >= 0; --d) {
    if (shape[d] != 1 && strides[static_cast<std::size_t>(d)] != expected) return false;
    expected *= shape[d];
  }
  return true;
}

std::shared_ptr<ConcreteArray> allocate_array(const ArrayType& type) {
  type.validate("allocate");
  BufferRef buffer;
  try {
    buffer = BufferRef::allocate(type.num_bytes());
  } catch (const ResourceExhaustedError& e) {
    throw ResourceExhaustedError(
        e.op(), fmt::format("cannot allocate {} ({} bytes): {}", type.to_string(), type.num_bytes(), e.detail()));
  }
  auto impl = std::make_shared<ConcreteArray>(type, std::move(buffer), row_major_strides(type.shape), 0);
  impl->set_contiguous(true);
  return impl;
}

std::shared_ptr<ConcreteArray> ConcreteArray::allocate(ArrayType type) { return allocate_array(type); }

Array borrowed_array(const ArrayType& type, std::byte* data) {
  auto impl = std::make_shared<ConcreteArray>(type, BufferRef::borrow(data, type.num_bytes()),
                                              row_major_strides(type.shape), 0);
  impl->set_contiguous(true);
  return wrap(std::move(impl));
}

Array reinterpreted_array(const ConcreteArray& base, const ArrayType& type) {
  auto impl = std::make_shared<ConcreteArray>(type, base.buffer(), row_major_strides(type.shape), base.offset());
  impl->set_contiguous(true);
  return wrap(std::move(impl));
}

Array make_view(const ConcreteArray& base, ArrayType type, Strides strides, std::int64_t offset) {
  const bool contiguous = is_row_major(type.shape, strides);
  auto impl = std::make_shared<ConcreteArray>(std::move(type), base.buffer(), std::move(strides), offset);
  impl->set_contiguous(contiguous);
  return Array(std::move(impl));
}

// --- Array -------------------------------------------------------------------------------------

namespace {
[[noreturn]] void throw_empty(std::string_view what) {
  throw ValueError(std::string(what), "this jx::Array is an empty handle (default-constructed or moved from)");
}

template <class T>
Array scalar_array(T value, DType dtype, bool weak) {
  auto impl = allocate_array(ArrayType{Shape{}, dtype, weak});
  cpu::convert_run(dtype_of<T>(), dtype, &value, impl->data(), 1);
  return Array(std::move(impl));
}
}  // namespace

const ArrayType& Array::type() const {
  if (!impl_) throw_empty("jx::Array");
  return impl_->type();
}

bool Array::is_tracer() const { return impl_ && impl_->is_tracer(); }

bool Array::is_unique() const {
  if (!impl_ || impl_->is_tracer() || impl_.use_count() != 1) return false;
  return static_cast<const ConcreteArray&>(*impl_).buffer()->use_count() == 1;
}

Array Array::from_scalar(bool value) { return scalar_array(value, DType::bool_, false); }

Array Array::from_scalar(std::int64_t value, DType /*dtype*/, bool weak) {
  const DType dtype = default_int_dtype();
  if (dtype == DType::int32 &&
      (value < std::numeric_limits<std::int32_t>::min() || value > std::numeric_limits<std::int32_t>::max())) {
    throw ValueError("jx::Array",
                     fmt::format("the C++ integer {} is too large for int32 (enable x64 for int64)", value));
  }
  return scalar_array(value, dtype, weak);
}

Array Array::from_scalar(double value, DType /*dtype*/, bool weak) {
  return scalar_array(value, default_float_dtype(), weak);
}

Array Array::from_scalar(std::complex<double> value) { return scalar_array(value, default_complex_dtype(), true); }

namespace {

// The concrete value of x as a contiguous array of `dtype`, or a ConcretizationError for tracers.
Array host_copy(const Array& x, DType dtype, std::string_view what) {
  if (!x.valid()) throw_empty(what);
  if (x.is_tracer()) throw_concretization_error(x, what);
  if (x.dtype() == DType::key || x.dtype() == DType::float0) {
    throw DTypeError(std::string(what), fmt::format("cannot read {} values as C++ numbers", dtype_name(x.dtype())));
  }
  if (is_complex(x.dtype()) && !is_complex(dtype)) {
    throw DTypeError(std::string(what), fmt::format("cannot read {} values as real C++ numbers (read a std::complex, "
                                                    "or take jx::numpy::real first)",
                                                    dtype_name(x.dtype())));
  }
  if (x.dtype() == dtype) return cpu::contiguous(x);
  return cpu::convert(x, ArrayType{x.shape(), dtype});
}

template <class T>
T read_item(const Array& x, std::source_location loc, std::string_view what) {
  CallSite site(loc);
  if (x.valid() && x.size() != 1) {
    throw ValueError(std::string(what),
                     fmt::format("only an array with one element can be converted to a C++ scalar, this one has "
                                 "shape {}",
                                 x.shape().to_string()));
  }
  const Array value = host_copy(x, dtype_of<T>(), what);
  T result;
  std::memcpy(&result, concrete(value).data(), sizeof(T));
  return result;
}

}  // namespace

template <Scalar T>
T Array::item(std::source_location loc) const {
  if constexpr (std::is_same_v<T, bool>) {
    return read_item<bool>(*this, loc, "item");
  } else if constexpr (is_complex_v<T>) {
    return T(read_item<std::complex<double>>(*this, loc, "item"));
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(read_item<double>(*this, loc, "item"));
  } else if constexpr (std::is_signed_v<T>) {
    return static_cast<T>(read_item<std::int64_t>(*this, loc, "item"));
  } else {
    return static_cast<T>(read_item<std::uint64_t>(*this, loc, "item"));
  }
}

template <Scalar T>
std::vector<T> Array::to_vector(std::source_location loc) const {
  CallSite site(loc);
  using Stored = std::conditional_t<
      is_complex_v<T>, std::complex<double>,
      std::conditional_t<std::is_same_v<T, bool>, bool,
                         std::conditional_t<std::is_floating_point_v<T>, double,
                                            std::conditional_t<std::is_signed_v<T>, std::int64_t, std::uint64_t>>>>;
  const Array values = host_copy(*this, dtype_of<Stored>(), "to_vector");
  const Stored* data = concrete(values).data_as<Stored>();
  std::vector<T> result(static_cast<std::size_t>(size()));
  for (std::size_t i = 0; i < result.size(); ++i) result[i] = static_cast<T>(data[i]);
  return result;
}

std::string Array::tobytes(std::source_location loc) const {
  CallSite site(loc);
  const Array values = host_copy(*this, valid() ? dtype() : DType::float32, "tobytes");
  const std::byte* data = concrete(values).data();
  return std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(nbytes()));
}

Array::operator bool() const {
  if (valid() && is_tracer()) throw_concretization_error(*this, "bool(x)");
  if (valid() && size() != 1) {
    throw ValueError("bool(x)",
                     fmt::format("the truth value of an array with more than one element is ambiguous (shape {}); "
                                 "use jx::numpy::any or jx::numpy::all",
                                 shape().to_string()));
  }
  return read_item<bool>(*this, std::source_location::current(), "bool(x)");
}

#define JX_INSTANTIATE_HOST_ACCESS(T)                    \
  template T Array::item<T>(std::source_location) const; \
  template std::vector<T> Array::to_vector<T>(std::source_location) const;
JX_INSTANTIATE_HOST_ACCESS(bool)
JX_INSTANTIATE_HOST_ACCESS(char)
JX_INSTANTIATE_HOST_ACCESS(signed char)
JX_INSTANTIATE_HOST_ACCESS(unsigned char)
JX_INSTANTIATE_HOST_ACCESS(short)
JX_INSTANTIATE_HOST_ACCESS(unsigned short)
JX_INSTANTIATE_HOST_ACCESS(int)
JX_INSTANTIATE_HOST_ACCESS(unsigned int)
JX_INSTANTIATE_HOST_ACCESS(long)
JX_INSTANTIATE_HOST_ACCESS(unsigned long)
JX_INSTANTIATE_HOST_ACCESS(long long)
JX_INSTANTIATE_HOST_ACCESS(unsigned long long)
JX_INSTANTIATE_HOST_ACCESS(float)
JX_INSTANTIATE_HOST_ACCESS(double)
JX_INSTANTIATE_HOST_ACCESS(std::complex<float>)
JX_INSTANTIATE_HOST_ACCESS(std::complex<double>)
#undef JX_INSTANTIATE_HOST_ACCESS

}  // namespace jx
