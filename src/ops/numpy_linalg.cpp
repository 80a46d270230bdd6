// jx::numpy products: matmul, dot, vdot, inner, outer and tensordot, lowered to dot_general; convolve
// and correlate, lowered to conv_general_dilated. (einsum is src/ops/numpy_einsum.cpp.)
#include <fmt/format.h>

#include <map>
#include <numeric>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "ops/promotion.h"

namespace jx::numpy {
namespace {

std::pair<Array, Array> promoted(const Array& a, const Array& b) {
  const Array both[] = {a, b};
  const PromotionType type = ops::result_type(both);
  return {ops::convert_to(a, type), ops::convert_to(b, type)};
}

}  // namespace

Array matmul_function::operator()(const Array& a, const Array& b, Loc loc) const {
  CallSite site(loc);
  if (a.ndim() == 0 || b.ndim() == 0)
    throw ShapeError("matmul", "matmul does not accept 0-dimensional operands; use multiply");
  auto [x, y] = promoted(a, b);
  // Vectors become matrices ((n,) @ M is (1, n) @ M), and the added axis is dropped at the end.
  const bool x_vector = x.ndim() == 1, y_vector = y.ndim() == 1;
  if (x_vector) x = lax::reshape(x, Shape{1, x.shape()[0]});
  if (y_vector) y = lax::reshape(y, Shape{y.shape()[0], 1});
  if (x.shape()[x.ndim() - 1] != y.shape()[y.ndim() - 2]) {
    throw ShapeError(
        "matmul", fmt::format("contracting dimensions differ: {} @ {}", a.shape().to_string(), b.shape().to_string()));
  }
  // Broadcast the batch axes against each other.
  const Shape x_batch(x.shape().begin(), x.shape().end() - 2), y_batch(y.shape().begin(), y.shape().end() - 2);
  const Shape batch = ops::broadcast_shapes("matmul", x_batch, y_batch);
  auto with_batch = [&](const Array& m) {
    Shape target = batch;
    target.push_back(m.shape()[m.ndim() - 2]);
    target.push_back(m.shape()[m.ndim() - 1]);
    return ops::broadcast_to_shape(m, target);
  };
  x = with_batch(x);
  y = with_batch(y);
  const int nb = batch.ndim();
  std::vector<int> batch_axes(static_cast<std::size_t>(nb));
  std::iota(batch_axes.begin(), batch_axes.end(), 0);
  Array result = lax::dot_general(x, y, {{nb + 1}, {nb}, batch_axes, batch_axes});
  std::vector<int> dropped;
  if (x_vector) dropped.push_back(nb);
  if (y_vector) dropped.push_back(result.ndim() - 1);
  return lax::squeeze(result, dropped);
}

Array dot_function::operator()(const Array& a, const Array& b, Loc loc) const {
  CallSite site(loc);
  if (a.ndim() == 0 || b.ndim() == 0) return multiply(a, b);
  if (a.ndim() <= 2 && b.ndim() <= 2) return matmul(a, b);
  // N-d: sum over the last axis of a and the second-to-last of b.
  auto [x, y] = promoted(a, b);
  const int y_axis = y.ndim() == 1 ? 0 : y.ndim() - 2;
  if (x.shape()[x.ndim() - 1] != y.shape()[y_axis]) {
    throw ShapeError("dot", fmt::format("shapes {} and {} not aligned", a.shape().to_string(), b.shape().to_string()));
  }
  return lax::dot_general(x, y, {{x.ndim() - 1}, {y_axis}, {}, {}});
}

Array vdot_function::operator()(const Array& a, const Array& b, Loc loc) const {
  CallSite site(loc);
  if (a.size() != b.size()) throw ShapeError("vdot", "arrays must have the same number of elements");
  return dot(conjugate(ravel(a)), ravel(b));  // the first argument conjugated, as NumPy's vdot
}

Array inner_function::operator()(const Array& a, const Array& b, Loc loc) const {
  CallSite site(loc);
  if (a.ndim() == 0 || b.ndim() == 0) return multiply(a, b);
  auto [x, y] = promoted(a, b);
  if (x.shape()[x.ndim() - 1] != y.shape()[y.ndim() - 1]) throw ShapeError("inner", "last dimensions differ");
  return lax::dot_general(x, y, {{x.ndim() - 1}, {y.ndim() - 1}, {}, {}});
}

Array outer_function::operator()(const Array& a, const Array& b, Loc loc) const {
  CallSite site(loc);
  return multiply(lax::reshape(ravel(a), Shape{a.size(), 1}), lax::reshape(ravel(b), Shape{1, b.size()}));
}

Array tensordot_function::operator()(const Array& a, const Array& b, int axes, Loc loc) const {
  CallSite site(loc);
  if (axes < 0 || axes > a.ndim() || axes > b.ndim()) {
    throw ValueError("tensordot", fmt::format("axes={} does not fit operands of shapes {} and {}", axes,
                                              a.shape().to_string(), b.shape().to_string()));
  }
  std::vector<int> a_axes, b_axes;
  for (int i = 0; i < axes; ++i) {
    a_axes.push_back(a.ndim() - axes + i);
    b_axes.push_back(i);
  }
  return (*this)(a, b, {a_axes, b_axes}, loc);
}

Array tensordot_function::operator()(const Array& a, const Array& b,
                                     const std::pair<std::vector<int>, std::vector<int>>& axes, Loc loc) const {
  CallSite site(loc);
  if (axes.first.size() != axes.second.size()) {
    throw ValueError("tensordot", fmt::format("the operands' axis lists differ in length: {} and {}", axes.first.size(),
                                              axes.second.size()));
  }
  std::vector<int> a_axes, b_axes;
  for (std::size_t i = 0; i < axes.first.size(); ++i) {
    a_axes.push_back(ops::normalize_axis("tensordot", axes.first[i], a.ndim()));
    b_axes.push_back(ops::normalize_axis("tensordot", axes.second[i], b.ndim()));
    if (a.shape()[a_axes.back()] != b.shape()[b_axes.back()]) {
      throw ShapeError("tensordot", fmt::format("axis {} of {} and axis {} of {} differ in size", axes.first[i],
                                                a.shape().to_string(), axes.second[i], b.shape().to_string()));
    }
  }
  auto [x, y] = promoted(a, b);
  return lax::dot_general(x, y, {a_axes, b_axes, {}, {}});
}

namespace {

// jnp.convolve and jnp.correlate share this: the longer operand slides under the shorter, as JAX
// arranges it (swapping them for correlate reverses the result).
Array convolve_1d(const char* op, const Array& a, const Array& v, std::string_view mode) {
  if (a.ndim() != 1 || v.ndim() != 1) {
    throw ValueError(op, fmt::format("only 1-dimensional inputs are supported, got shapes {} and {}",
                                     a.shape().to_string(), v.shape().to_string()));
  }
  auto [x, y] = promoted(a, v);
  x = ops::to_inexact(x);
  y = ops::to_inexact(y);
  if (x.size() == 0 || y.size() == 0) {
    throw ValueError(
        op, fmt::format("inputs cannot be empty, got shapes {} and {}", a.shape().to_string(), v.shape().to_string()));
  }
  const bool is_convolve = std::string_view(op) == "convolve";
  if (!is_convolve && is_complex(y.dtype())) y = lax::conj(y);  // NumPy's correlate conjugates v, as JAX's
  bool reversed = false;
  if (x.size() < y.size()) {
    std::swap(x, y);
    reversed = !is_convolve;
  }
  if (is_convolve) y = lax::rev(y, {0});
  const std::int64_t n = y.size();
  std::pair<std::int64_t, std::int64_t> padding;
  if (mode == "valid") {
    padding = {0, 0};
  } else if (mode == "same") {
    padding = {n / 2, n - n / 2 - 1};
  } else if (mode == "full") {
    padding = {n - 1, n - 1};
  } else {
    throw ValueError(op, fmt::format("mode must be one of 'full', 'same', 'valid', got '{}'", mode));
  }
  Array result = lax::conv_general_dilated(lax::reshape(x, Shape{1, 1, x.size()}), lax::reshape(y, Shape{1, 1, n}), {1},
                                           lax::Padding{padding});
  result = lax::reshape(result, Shape{result.size()});
  return reversed ? lax::rev(result, {0}) : result;
}

}  // namespace

Array convolve_function::operator()(const Array& a, const Array& v, std::string_view mode, Loc loc) const {
  CallSite site(loc);
  return convolve_1d("convolve", a, v, mode);
}

Array correlate_function::operator()(const Array& a, const Array& v, std::string_view mode, Loc loc) const {
  CallSite site(loc);
  return convolve_1d("correlate", a, v, mode);
}

}  // namespace jx::numpy
