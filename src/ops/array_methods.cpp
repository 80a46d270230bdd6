// jax.Array's methods on jx::Array: each forwards to the jax.numpy function of the same name, and the
// device questions are answered for jx's one CPU device.
#include <fmt/format.h>

#include <cstdint>

#include "core/array_impl.h"
#include "jx/core/array.h"
#include "jx/core/device.h"
#include "jx/core/error.h"
#include "jx/numpy.h"
#include "trace/trace.h"

namespace jx {

namespace jnp = jx::numpy;

std::int64_t Array::itemsize() const { return static_cast<std::int64_t>(jx::itemsize(dtype())); }

Device Array::device() const { return jx::local_devices().front(); }

Array Array::to_device(const Device& target, Loc loc) const {
  CallSite site(loc);
  // The devices of a process share its memory: placing an array on one of them moves nothing.
  for (const Device& d : local_devices()) {
    if (d == target) return *this;
  }
  throw ValueError("to_device", fmt::format("{} is not a device of this process (jx::local_devices() lists them)",
                                            to_string(target)));
}

std::uintptr_t Array::unsafe_buffer_pointer(Loc loc) const {
  CallSite site(loc);
  if (!valid()) throw ValueError("unsafe_buffer_pointer", "the array is an empty handle");
  if (is_tracer()) throw_concretization_error(*this, "unsafe_buffer_pointer");
  return reinterpret_cast<std::uintptr_t>(static_cast<const ConcreteArray&>(*impl()).data());
}

Array Array::astype(DType dtype, Loc loc) const { return jnp::astype(*this, dtype, loc); }
Array Array::reshape(const Shape& new_shape, Loc loc) const { return jnp::reshape(*this, new_shape, loc); }
Array Array::transpose(Loc loc) const { return jnp::transpose(*this, std::nullopt, loc); }
Array Array::mT(Loc loc) const { return jnp::matrix_transpose(*this, loc); }
Array Array::flatten(Loc loc) const { return jnp::ravel(*this, loc); }
Array Array::ravel(Loc loc) const { return jnp::ravel(*this, loc); }
Array Array::squeeze(Loc loc) const { return jnp::squeeze(*this, loc); }
Array Array::squeeze(int axis, Loc loc) const { return jnp::squeeze(*this, axis, loc); }
Array Array::squeeze(std::initializer_list<int> axes, Loc loc) const { return jnp::squeeze(*this, axes, loc); }
Array Array::swapaxes(int axis1, int axis2, Loc loc) const { return jnp::swapaxes(*this, axis1, axis2, loc); }
Array Array::copy(Loc loc) const { return jnp::copy(*this, loc); }
Array Array::real(Loc loc) const { return jnp::real(*this, loc); }
Array Array::imag(Loc loc) const { return jnp::imag(*this, loc); }
Array Array::conj(Loc loc) const { return jnp::conj(*this, loc); }
Array Array::conjugate(Loc loc) const { return jnp::conjugate(*this, loc); }
Array Array::round(int decimals, Loc loc) const { return jnp::round(*this, decimals, loc); }
Array Array::clip(std::optional<Array> min, std::optional<Array> max, Loc loc) const {
  return jnp::clip(*this, std::move(min), std::move(max), loc);
}

#define JX_DEFINE_ARRAY_REDUCTION(name)                                                                            \
  Array Array::name(const numpy::ReduceOptions& options, Loc loc) const { return jnp::name(*this, options, loc); } \
  Array Array::name(int axis, Loc loc) const { return jnp::name(*this, axis, loc); }
JX_DEFINE_ARRAY_REDUCTION(sum)
JX_DEFINE_ARRAY_REDUCTION(prod)
JX_DEFINE_ARRAY_REDUCTION(mean)
JX_DEFINE_ARRAY_REDUCTION(var)
JX_DEFINE_ARRAY_REDUCTION(std)
JX_DEFINE_ARRAY_REDUCTION(max)
JX_DEFINE_ARRAY_REDUCTION(min)
JX_DEFINE_ARRAY_REDUCTION(all)
JX_DEFINE_ARRAY_REDUCTION(any)
#undef JX_DEFINE_ARRAY_REDUCTION
Array Array::ptp(const numpy::ReduceOptions& options, Loc loc) const { return jnp::ptp(*this, options, loc); }
Array Array::ptp(int axis, Loc loc) const { return jnp::ptp(*this, numpy::ReduceOptions{.axis = Axes{axis}}, loc); }

Array Array::argmax(const numpy::ArgReduceOptions& options, Loc loc) const { return jnp::argmax(*this, options, loc); }
Array Array::argmax(int axis, Loc loc) const { return jnp::argmax(*this, axis, loc); }
Array Array::argmin(const numpy::ArgReduceOptions& options, Loc loc) const { return jnp::argmin(*this, options, loc); }
Array Array::argmin(int axis, Loc loc) const { return jnp::argmin(*this, axis, loc); }
Array Array::cumsum(const numpy::CumulativeOptions& options, Loc loc) const { return jnp::cumsum(*this, options, loc); }
Array Array::cumsum(int axis, Loc loc) const { return jnp::cumsum(*this, axis, loc); }
Array Array::cumprod(const numpy::CumulativeOptions& options, Loc loc) const {
  return jnp::cumprod(*this, options, loc);
}
Array Array::cumprod(int axis, Loc loc) const { return jnp::cumprod(*this, axis, loc); }
Array Array::diagonal(const numpy::DiagonalOptions& options, Loc loc) const {
  return jnp::diagonal(*this, options, loc);
}
Array Array::trace(const numpy::DiagonalOptions& options, Loc loc) const { return jnp::trace(*this, options, loc); }
Array Array::dot(const Array& other, Loc loc) const { return jnp::dot(*this, other, loc); }

Array Array::sort(int axis, Loc loc) const { return jnp::sort(*this, axis, loc); }
Array Array::argsort(int axis, Loc loc) const { return jnp::argsort(*this, axis, loc); }
Array Array::argpartition(std::int64_t kth, int axis, Loc loc) const {
  return jnp::argpartition(*this, kth, axis, loc);
}
Array Array::searchsorted(const Array& values, Loc loc) const { return jnp::searchsorted(*this, values, {}, loc); }
Array Array::searchsorted(const Array& values, const numpy::SearchsortedOptions& options, Loc loc) const {
  return jnp::searchsorted(*this, values, options, loc);
}
std::vector<Array> Array::nonzero(Loc loc) const { return jnp::nonzero(*this, {}, loc); }
std::vector<Array> Array::nonzero(const numpy::SizeOptions& options, Loc loc) const {
  return jnp::nonzero(*this, options, loc);
}
// jnp.compress takes the condition first; the method is called on the array.
Array Array::compress(const Array& condition, std::optional<int> axis, Loc loc) const {
  return jnp::compress(condition, *this, axis, {}, loc);
}
Array Array::choose(const std::vector<Array>& choices, std::string_view mode, Loc loc) const {
  return jnp::choose(*this, choices, mode, loc);
}
Array Array::take(const Array& indices, std::optional<int> axis, Loc loc) const {
  return jnp::take(*this, indices, axis, {}, loc);
}
Array Array::take(const Array& indices, std::optional<int> axis, const IndexingOptions& options, Loc loc) const {
  return jnp::take(*this, indices, axis, options, loc);
}
Array Array::repeat(std::int64_t repeats, std::optional<int> axis, Loc loc) const {
  return jnp::repeat(*this, repeats, axis, loc);
}

}  // namespace jx
