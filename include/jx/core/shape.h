// jx/core/shape.h — array shapes and axis lists, as distinct types.
//
// Shapes and axes are both lists of integers, but they mean different things, so they are different
// types: a brace list passed where a Shape is expected is a shape, one passed where Axes are expected
// is a list of axes, and neither can bind to an options struct by accident.
//
//   jx::Shape shape = {128, 1};      // shape.num_elements() == 128
//   jnp::zeros({2, 3});               // Shape
//   jnp::sum(x, {0, 1});              // Axes
//   jnp::sum(x, -1);                  // one axis, counted from the end
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <span>
#include <string>

#include "jx/core/small_vector.h"

namespace jx {

class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<std::int64_t> dims) : dims_(dims) {}
  explicit Shape(std::span<const std::int64_t> dims) : dims_(dims) {}
  template <class Iterator>
  Shape(Iterator first, Iterator last) : dims_(first, last) {}

  int ndim() const { return static_cast<int>(dims_.size()); }
  std::int64_t operator[](int axis) const { return dims_[static_cast<std::size_t>(axis)]; }
  std::int64_t& operator[](int axis) { return dims_[static_cast<std::size_t>(axis)]; }
  std::int64_t num_elements() const;
  bool empty() const { return dims_.empty(); }

  const std::int64_t* begin() const { return dims_.begin(); }
  const std::int64_t* end() const { return dims_.end(); }
  std::int64_t* begin() { return dims_.begin(); }
  std::int64_t* end() { return dims_.end(); }
  const std::int64_t* data() const { return dims_.data(); }
  operator std::span<const std::int64_t>() const { return dims_; }  // NOLINT(google-explicit-constructor)

  void push_back(std::int64_t dim) { dims_.push_back(dim); }
  void insert(int axis, std::int64_t dim) { dims_.insert(static_cast<std::size_t>(axis), dim); }
  void erase(int axis) { dims_.erase(static_cast<std::size_t>(axis)); }

  std::string to_string() const;  // "(128, 1)", NumPy's spelling
  friend bool operator==(const Shape& a, const Shape& b) { return a.dims_ == b.dims_; }

 private:
  SmallVector<std::int64_t, 6> dims_;
};

std::ostream& operator<<(std::ostream& os, const Shape& shape);

// Element strides of a row-major array of `shape`.
SmallVector<std::int64_t, 6> row_major_strides(const Shape& shape);

// One or more axes; negative axes count from the end.
class Axes {
 public:
  Axes() = default;
  Axes(int axis) : axes_{axis} {}  // NOLINT(google-explicit-constructor)
  Axes(std::initializer_list<int> axes) : axes_(axes) {}
  explicit Axes(std::span<const int> axes) : axes_(axes) {}

  int size() const { return static_cast<int>(axes_.size()); }
  int operator[](int i) const { return axes_[static_cast<std::size_t>(i)]; }
  const int* begin() const { return axes_.begin(); }
  const int* end() const { return axes_.end(); }
  void push_back(int axis) { axes_.push_back(axis); }
  friend bool operator==(const Axes& a, const Axes& b) { return a.axes_ == b.axes_; }

 private:
  SmallVector<int, 4> axes_;
};

}  // namespace jx

// Shapes are hashable, so that one can be a static leaf of a pytree (what tree::map of x.shape() over
// a tree returns, as JAX's tree.map(lambda x: x.shape, tree) does).
template <>
struct std::hash<jx::Shape> {
  std::size_t operator()(const jx::Shape& shape) const noexcept;
};
