// jx/core/array.h — jx::Array, an immutable n-dimensional array (or a traced stand-in for one).
//
// An Array is a cheap handle: copying it shares the data, and no operation ever changes an array
// another handle can see. Operations return new arrays; functional updates (`x.at(i).set(v)`) too —
// except that an rvalue whose buffer nobody else holds is updated in place, so update loops are not
// quadratic. Inside jit, grad or vmap an Array is a tracer: it has a shape and dtype but no value.
//
//   namespace jnp = jx::numpy;
//   jx::Array x = jnp::arange(6).reshape({2, 3});
//   jx::Array y = x * 2 + 1;                 // C++ scalars are weakly typed: y stays int32
//   std::cout << y << "\n";                  // [[ 1  3  5]
//                                            //  [ 7  9 11]]
//   float total = jnp::sum(y).item<float>();  // 36
//   auto z = std::move(y).at(0, 1).set(0);   // in place: y's buffer is reused
#pragma once

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <optional>
#include <source_location>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "jx/core/array_type.h"
#include "jx/core/device.h"
#include "jx/core/dtype.h"
#include "jx/core/keywords_only.h"
#include "jx/core/reduction_options.h"
#include "jx/core/shape.h"

namespace jx {

class ArrayImpl;
struct IndexingOptions;
namespace numpy {
struct SearchsortedOptions;  // jx/numpy/statistics.h
struct SizeOptions;          // jx/numpy/selection.h
}  // namespace numpy

// C++ scalar types that convert to weakly typed 0-d arrays (bool converts to a strong bool array):
// the arithmetic types, and std::complex<float> and std::complex<double> (Python's complex).
template <class T>
concept Scalar = std::is_arithmetic_v<T> || is_complex_v<T>;

// Index components, as in NumPy's x[1:3, None, ..., idx].
struct Slice {
  // jx::Slice{1, 3}, jx::Slice{.step = -1}, jx::Slice{} (everything)
  std::optional<std::int64_t> start = std::nullopt, stop = std::nullopt, step = std::nullopt;
};
struct NewAxis {};
struct Ellipsis {};
inline constexpr NewAxis newaxis{};
inline constexpr Ellipsis ellipsis{};

class Array;
class IndexUpdate;

class Index {
 public:
  Index(std::int64_t i) : value_(i) {}       // NOLINT(google-explicit-constructor)
  Index(int i) : value_(std::int64_t{i}) {}  // NOLINT(google-explicit-constructor)
  Index(Slice s) : value_(s) {}              // NOLINT(google-explicit-constructor)
  Index(NewAxis n) : value_(n) {}            // NOLINT(google-explicit-constructor)
  Index(Ellipsis e) : value_(e) {}           // NOLINT(google-explicit-constructor)
  Index(const Array& indices);               // NOLINT(google-explicit-constructor)
  using Value = std::variant<std::int64_t, Slice, NewAxis, Ellipsis, std::shared_ptr<ArrayImpl>>;
  const Value& value() const { return value_; }

 private:
  Value value_;
};

class Array {
 public:
  using Loc = std::source_location;

  // An empty handle: a placeholder (e.g. a default-constructed struct field), usable only as a target
  // of assignment.
  Array() = default;

  // A C++ scalar becomes a 0-d array: weakly typed for int/float/double, a strong bool for bool.
  template <Scalar T>
  Array(T value) : Array(from_scalar(value)) {}  // NOLINT(google-explicit-constructor)

  explicit Array(std::shared_ptr<ArrayImpl> impl) : impl_(std::move(impl)) {}

  // Only named arrays can be assigned to: `x(1, jx::Slice{}) = 1.0` does not compile (JAX raises
  // TypeError for it), since an index's result is a new array and the assignment would be lost. The
  // update is x = x.at(1, jx::Slice{}).set(1.0).
  Array(const Array&) = default;
  Array(Array&&) noexcept = default;
  Array& operator=(const Array&) & = default;
  Array& operator=(Array&&) & noexcept = default;
  ~Array() = default;

  // --- What the array is.
  const ArrayType& type() const;
  const Shape& shape() const { return type().shape; }
  DType dtype() const { return type().dtype; }
  bool weak_type() const { return type().weak; }
  int ndim() const { return shape().ndim(); }
  std::int64_t size() const { return shape().num_elements(); }
  bool valid() const { return impl_ != nullptr; }  // false for an empty handle
  bool is_tracer() const;
  bool is_concrete() const { return valid() && !is_tracer(); }
  // jax.Array's block_until_ready() and copy_to_host_async(), for JAX code's sake: jx computes on the
  // host and returns from an operation once its result is written, so there is nothing to wait for.
  Array block_until_ready() const { return *this; }
  void copy_to_host_async() const {}
  std::int64_t itemsize() const;                                     // bytes per element
  std::int64_t nbytes() const { return size() * itemsize(); }        // bytes of the elements
  std::int64_t on_device_size_in_bytes() const { return nbytes(); }  // the same: no padding on the CPU

  // --- Where the data lives (jx/core/device.h): one CPU device, whose memory is the host's.
  Device device() const;
  std::vector<Device> devices() const { return {device()}; }
  std::string platform() const { return device().platform; }
  bool committed() const { return false; }            // never pinned by a device_put, so jit may place it anywhere
  bool is_fully_addressable() const { return true; }  // every shard is in this process
  bool is_fully_replicated() const { return true; }   // one device holds all of it
  Array to_device(const Device& target, Loc loc = Loc::current()) const;  // a ValueError for another device
  // The address of the first element (concrete arrays only), as jax.Array's unsafe_buffer_pointer():
  // valid while this array lives.
  std::uintptr_t unsafe_buffer_pointer(Loc loc = Loc::current()) const;

  // --- Methods as on jax.Array: each is the jax.numpy function of the same name (jx/numpy.h), with
  // its options (jx/core/reduction_options.h), so x.sum({.axis = 0}) is jnp::sum(x, {.axis = 0}).
  Array astype(DType dtype, Loc loc = Loc::current()) const;
  Array reshape(const Shape& shape, Loc loc = Loc::current()) const;
  Array transpose(Loc loc = Loc::current()) const;  // x.T: the axes reversed
  Array mT(Loc loc = Loc::current()) const;         // the last two axes swapped
  Array flatten(Loc loc = Loc::current()) const;
  Array ravel(Loc loc = Loc::current()) const;
  Array squeeze(Loc loc = Loc::current()) const;  // every axis of length 1
  Array squeeze(int axis, Loc loc = Loc::current()) const;
  Array squeeze(std::initializer_list<int> axes, Loc loc = Loc::current()) const;
  Array swapaxes(int axis1, int axis2, Loc loc = Loc::current()) const;
  Array copy(Loc loc = Loc::current()) const;
  Array real(Loc loc = Loc::current()) const;
  Array imag(Loc loc = Loc::current()) const;
  Array conj(Loc loc = Loc::current()) const;
  Array conjugate(Loc loc = Loc::current()) const;
  Array round(int decimals = 0, Loc loc = Loc::current()) const;  // half to even, as jnp.round
  Array clip(std::optional<Array> min = std::nullopt, std::optional<Array> max = std::nullopt,
             Loc loc = Loc::current()) const;

  // Reductions: x.sum(), x.sum(0), x.sum({0, 1}), x.sum({.axis = 1, .keepdims = true}).
#define JX_ARRAY_REDUCTION(name)                                                                           \
  Array name(const numpy::ReduceOptions& options = {}, Loc loc = Loc::current()) const;                    \
  Array name(int axis, Loc loc = Loc::current()) const;                                                    \
  template <std::same_as<int> T>                                                                           \
  Array name(std::initializer_list<T> axes, Loc loc = Loc::current()) const {                              \
    return name(numpy::ReduceOptions{.axis = Axes(std::span<const int>(axes.begin(), axes.size()))}, loc); \
  }
  JX_ARRAY_REDUCTION(sum)
  JX_ARRAY_REDUCTION(prod)
  JX_ARRAY_REDUCTION(mean)
  JX_ARRAY_REDUCTION(var)
  JX_ARRAY_REDUCTION(std)
  JX_ARRAY_REDUCTION(max)
  JX_ARRAY_REDUCTION(min)
  JX_ARRAY_REDUCTION(all)
  JX_ARRAY_REDUCTION(any)
  JX_ARRAY_REDUCTION(ptp)
#undef JX_ARRAY_REDUCTION
  Array argmax(const numpy::ArgReduceOptions& options = {}, Loc loc = Loc::current()) const;
  Array argmax(int axis, Loc loc = Loc::current()) const;
  Array argmin(const numpy::ArgReduceOptions& options = {}, Loc loc = Loc::current()) const;
  Array argmin(int axis, Loc loc = Loc::current()) const;
  Array cumsum(const numpy::CumulativeOptions& options = {}, Loc loc = Loc::current()) const;
  Array cumsum(int axis, Loc loc = Loc::current()) const;
  Array cumprod(const numpy::CumulativeOptions& options = {}, Loc loc = Loc::current()) const;
  Array cumprod(int axis, Loc loc = Loc::current()) const;
  Array diagonal(const numpy::DiagonalOptions& options = {}, Loc loc = Loc::current()) const;
  Array trace(const numpy::DiagonalOptions& options = {}, Loc loc = Loc::current()) const;
  Array dot(const Array& other, Loc loc = Loc::current()) const;

  // Sorting, searching and selecting.
  Array sort(int axis = -1, Loc loc = Loc::current()) const;
  Array argsort(int axis = -1, Loc loc = Loc::current()) const;
  Array argpartition(std::int64_t kth, int axis = -1, Loc loc = Loc::current()) const;
  Array searchsorted(const Array& values, Loc loc = Loc::current()) const;
  Array searchsorted(const Array& values, const numpy::SearchsortedOptions& options, Loc loc = Loc::current()) const;
  std::vector<Array> nonzero(Loc loc = Loc::current()) const;
  std::vector<Array> nonzero(const numpy::SizeOptions& options, Loc loc = Loc::current()) const;
  Array compress(const Array& condition, std::optional<int> axis = std::nullopt, Loc loc = Loc::current()) const;
  Array choose(const std::vector<Array>& choices, std::string_view mode = "raise", Loc loc = Loc::current()) const;
  Array take(const Array& indices, std::optional<int> axis = std::nullopt, Loc loc = Loc::current()) const;
  Array take(const Array& indices, std::optional<int> axis, const IndexingOptions& options,
             Loc loc = Loc::current()) const;
  Array repeat(std::int64_t repeats, std::optional<int> axis = std::nullopt, Loc loc = Loc::current()) const;

  // --- Indexing: x[i], x[indices], x(i, jx::Slice{1, 3}, jx::newaxis, ...).
  Array operator[](Index index) const;
  template <class... I>
  Array operator()(I&&... indices) const {
    return index_with({Index(std::forward<I>(indices))...});
  }
  Array index_with(const std::vector<Index>& indices) const;

  // Functional updates, JAX's x.at[idx].set(v): returns a new array. On an rvalue whose buffer no
  // other array shares, the update happens in place.
  template <class... I>
  IndexUpdate at(I&&... indices) const&;
  template <class... I>
  IndexUpdate at(I&&... indices) &&;

  // --- Host access (concrete arrays only; a tracer throws ConcretizationError).
  template <Scalar T>
  T item(std::source_location loc = std::source_location::current()) const;
  template <Scalar T>
  std::vector<T> to_vector(std::source_location loc = std::source_location::current()) const;
  // The elements' bytes in row-major order (jax.Array's tobytes(); NumPy's layout for each dtype).
  std::string tobytes(Loc loc = Loc::current()) const;
  explicit operator bool() const;
  template <Scalar T>
  explicit operator T() const {
    return item<T>();
  }

  // --- Internals, for jx's own layers.
  ArrayImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<ArrayImpl>& impl_ptr() const { return impl_; }
  std::shared_ptr<ArrayImpl> release_impl() && { return std::move(impl_); }
  // True when this handle is the only owner of its header and data (so an in-place update is safe).
  bool is_unique() const;

 private:
  static Array from_scalar(bool value);
  static Array from_scalar(std::int64_t value, DType dtype, bool weak);
  static Array from_scalar(double value, DType dtype, bool weak);
  static Array from_scalar(std::complex<double> value);
  template <Scalar T>
  static Array from_scalar(T value) {
    if constexpr (std::is_same_v<T, bool>)
      return from_scalar(static_cast<bool>(value));
    else if constexpr (is_complex_v<T>)
      return from_scalar(std::complex<double>(value));
    else if constexpr (std::is_floating_point_v<T>)
      return from_scalar(static_cast<double>(value), DType::float32, true);
    else
      return from_scalar(static_cast<std::int64_t>(value), DType::int32, true);
  }

  std::shared_ptr<ArrayImpl> impl_;
};

// What indexing does with array indices out of range (JAX's `mode` and `fill_value` keywords):
//   "fill"  reads give fill_value (default: NaN for floats, the lowest signed or highest unsigned
//           integer, true for bool), updates are dropped ("drop" is the same mode);
//   "clip"  indices are clamped into range;
//   "wrap"  indices are taken modulo the axis length (jnp::take only);
//   "promise_in_bounds"  the caller promises they are in range (reads clamp, updates are dropped).
// An empty mode is the function's default: "fill" for jnp::take and take_along_axis and for updates,
// "promise_in_bounds" for x.at(...).get() and x[...], as in JAX.
struct IndexingOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::string_view mode = {};
  std::optional<Array> fill_value = std::nullopt;
};

// The pending update of x.at(...): each method returns the updated array.
class IndexUpdate {
 public:
  using Loc = std::source_location;
  IndexUpdate(Array target, std::vector<Index> indices) : target_(std::move(target)), indices_(std::move(indices)) {}
  Array get(IndexingOptions options = {}, Loc loc = Loc::current()) const;
  Array set(const Array& values, IndexingOptions options = {}, Loc loc = Loc::current()) const;
  Array add(const Array& values, IndexingOptions options = {}, Loc loc = Loc::current()) const;
  Array multiply(const Array& values, IndexingOptions options = {}, Loc loc = Loc::current()) const;
  Array mul(const Array& values, IndexingOptions options = {}, Loc loc = Loc::current()) const {
    return multiply(values, std::move(options), loc);
  }
  Array min(const Array& values, IndexingOptions options = {}, Loc loc = Loc::current()) const;
  Array max(const Array& values, IndexingOptions options = {}, Loc loc = Loc::current()) const;

 private:
  Array target_;
  std::vector<Index> indices_;
};

template <class... I>
IndexUpdate Array::at(I&&... indices) const& {
  return IndexUpdate(*this, {Index(std::forward<I>(indices))...});
}
template <class... I>
IndexUpdate Array::at(I&&... indices) && {
  return IndexUpdate(std::move(*this), {Index(std::forward<I>(indices))...});
}

using ArrayList = std::vector<Array>;

// --- Operators. Scalars convert implicitly (weakly typed); comparisons return bool arrays.
Array operator+(const Array& a, const Array& b);
Array operator-(const Array& a, const Array& b);
Array operator*(const Array& a, const Array& b);
Array operator/(const Array& a, const Array& b);
Array operator%(const Array& a, const Array& b);
Array operator-(const Array& a);
Array operator+(const Array& a);
Array operator==(const Array& a, const Array& b);
Array operator!=(const Array& a, const Array& b);
Array operator<(const Array& a, const Array& b);
Array operator<=(const Array& a, const Array& b);
Array operator>(const Array& a, const Array& b);
Array operator>=(const Array& a, const Array& b);
Array operator&(const Array& a, const Array& b);
Array operator|(const Array& a, const Array& b);
Array operator^(const Array& a, const Array& b);
Array operator~(const Array& a);
Array operator!(const Array& a);
Array operator<<(const Array& a, const Array& b);
Array operator>>(const Array& a, const Array& b);
inline Array& operator+=(Array& a, const Array& b) { return a = a + b; }
inline Array& operator-=(Array& a, const Array& b) { return a = a - b; }
inline Array& operator*=(Array& a, const Array& b) { return a = a * b; }
inline Array& operator/=(Array& a, const Array& b) { return a = a / b; }

// NumPy's str(x): "[1. 2. 3.]"; a 0-d int array prints "1".
std::ostream& operator<<(std::ostream& os, const Array& x);
std::string to_string(const Array& x);
// NumPy/JAX's repr(x): "Array([1., 2., 3.], dtype=float32)".
std::string repr(const Array& x);

}  // namespace jx
