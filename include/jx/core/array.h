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

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "jx/core/array_type.h"
#include "jx/core/dtype.h"
#include "jx/core/shape.h"

namespace jx {

class ArrayImpl;

namespace detail {
// The first member of every options struct: it cannot be initialized from a value, so a positional
// brace list like {0, 1} never binds to an options struct — only designated initializers do.
struct KeywordsOnly {
  explicit KeywordsOnly() = default;
};
}  // namespace detail

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

  // --- Methods as on jax.Array.
  Array astype(DType dtype, std::source_location loc = std::source_location::current()) const;
  Array reshape(const Shape& shape, std::source_location loc = std::source_location::current()) const;
  Array transpose(std::source_location loc = std::source_location::current()) const;  // x.T
  Array flatten(std::source_location loc = std::source_location::current()) const;

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
