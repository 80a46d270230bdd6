// jx::numpy products: matmul, dot, vdot, inner, outer, tensordot and einsum, lowered to dot_general;
// convolve and correlate, lowered to conv_general_dilated.
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

namespace {

struct Spec {
  std::vector<std::string> inputs;
  std::string output;
};

Spec parse_einsum(const std::string& subscripts, std::size_t operands) {
  Spec spec;
  std::string text;
  for (char c : subscripts) {
    if (c != ' ') text += c;
  }
  if (text.find("...") != std::string::npos)
    throw ValueError("einsum", "ellipsis ('...') subscripts are not supported yet");
  const std::size_t arrow = text.find("->");
  std::string lhs = arrow == std::string::npos ? text : text.substr(0, arrow);
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = lhs.find(',', start);
    spec.inputs.push_back(lhs.substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (spec.inputs.size() != operands) {
    throw ValueError("einsum",
                     fmt::format("'{}' names {} operands but {} were given", subscripts, spec.inputs.size(), operands));
  }
  if (arrow != std::string::npos) {
    spec.output = text.substr(arrow + 2);
  } else {
    // Implicit output: the labels that appear once, in alphabetical order.
    std::map<char, int> counts;
    for (const auto& in : spec.inputs) {
      for (char c : in) ++counts[c];
    }
    for (const auto& [c, n] : counts) {
      if (n == 1) spec.output += c;
    }
  }
  return spec;
}

// Takes the diagonal over repeated labels and sums out labels not needed later; returns the array
// with one axis per remaining (unique) label.
Array reduce_operand(Array x, std::string& labels, const std::string& keep) {
  if (static_cast<int>(labels.size()) != x.ndim()) {
    throw ShapeError("einsum", fmt::format("subscripts '{}' do not match an operand of rank {}", labels, x.ndim()));
  }
  // Repeated labels: keep the diagonal (multiply by an identity mask, then sum the second copy out).
  for (std::size_t i = 0; i < labels.size(); ++i) {
    for (std::size_t j = i + 1; j < labels.size(); ++j) {
      if (labels[i] != labels[j]) continue;
      const std::int64_t n = x.shape()[static_cast<int>(i)];
      if (x.shape()[static_cast<int>(j)] != n) throw ShapeError("einsum", "repeated labels must have equal sizes");
      Shape mask_shape;
      for (int d = 0; d < x.ndim(); ++d)
        mask_shape.push_back(d == static_cast<int>(i) || d == static_cast<int>(j) ? n : 1);
      const Array mask = lax::broadcast_in_dim(eye(n, std::nullopt, 0, x.dtype()), mask_shape,
                                               {static_cast<int>(i), static_cast<int>(j)});
      x = lax::reduce_sum(x * mask, {static_cast<int>(j)});
      labels.erase(j, 1);
      --j;
    }
  }
  std::vector<int> summed;
  std::string remaining;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (keep.find(labels[i]) == std::string::npos)
      summed.push_back(static_cast<int>(i));
    else
      remaining += labels[i];
  }
  labels = remaining;
  return summed.empty() ? x : lax::reduce_sum(x, summed);
}

Array to_output_order(const Array& x, const std::string& labels, const std::string& output) {
  std::vector<int> permutation;
  for (char c : output) {
    const std::size_t at = labels.find(c);
    if (at == std::string::npos)
      throw ValueError("einsum", fmt::format("output label '{}' does not appear in the inputs", c));
    permutation.push_back(static_cast<int>(at));
  }
  return lax::transpose(x, permutation);
}

}  // namespace

Array einsum_function::operator()(const std::string& subscripts, const Array& a, Loc loc) const {
  CallSite site(loc);
  Spec spec = parse_einsum(subscripts, 1);
  Array x = reduce_operand(a, spec.inputs[0], spec.output);
  return to_output_order(x, spec.inputs[0], spec.output);
}

Array einsum_function::operator()(const std::string& subscripts, const Array& a, const Array& b, Loc loc) const {
  CallSite site(loc);
  Spec spec = parse_einsum(subscripts, 2);
  auto [x0, y0] = promoted(a, b);
  std::string la = spec.inputs[0], lb = spec.inputs[1];
  // Each operand keeps the labels the output or the other operand needs.
  Array x = reduce_operand(x0, la, spec.output + spec.inputs[1]);
  Array y = reduce_operand(y0, lb, spec.output + la);
  lax::DotDimensionNumbers dims;
  std::string result_labels;
  for (std::size_t i = 0; i < la.size(); ++i) {
    const std::size_t j = lb.find(la[i]);
    if (j == std::string::npos) continue;
    if (x.shape()[static_cast<int>(i)] != y.shape()[static_cast<int>(j)]) {
      throw ShapeError("einsum", fmt::format("label '{}' has sizes {} and {}", la[i], x.shape()[static_cast<int>(i)],
                                             y.shape()[static_cast<int>(j)]));
    }
    if (spec.output.find(la[i]) != std::string::npos) {
      dims.lhs_batch.push_back(static_cast<int>(i));
      dims.rhs_batch.push_back(static_cast<int>(j));
      result_labels += la[i];
    } else {
      dims.lhs_contracting.push_back(static_cast<int>(i));
      dims.rhs_contracting.push_back(static_cast<int>(j));
    }
  }
  for (char c : la) {
    if (lb.find(c) == std::string::npos) result_labels += c;
  }
  for (char c : lb) {
    if (la.find(c) == std::string::npos) result_labels += c;
  }
  return to_output_order(lax::dot_general(x, y, dims), result_labels, spec.output);
}

}  // namespace jx::numpy
