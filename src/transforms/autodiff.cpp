// The non-template parts of jx::grad and friends.
#include "jx/transforms/autodiff.h"

#include <fmt/format.h>

#include "jx/lax.h"
#include "jx/numpy.h"
#include "transforms/autodiff_core.h"

namespace jx::detail {

std::shared_ptr<Linearized> linearize_flat(std::span<const Array> primals, const std::vector<bool>& wrt,
                                           const FlatFunction& fn, const std::string& description) {
  return detail::linearize(primals, wrt, fn, description);
}

ArrayList linearized_primals(const Linearized& l) { return l.primal_outputs; }

ArrayList linearized_transpose(const Linearized& l, std::span<const Array> output_cotangents) {
  return l.transpose(output_cotangents);
}

ArrayList linearized_apply(const Linearized& l, std::span<const Array> input_tangents) {
  return l.apply(input_tangents);
}

std::pair<ArrayList, ArrayList> jvp_flat(std::span<const Array> primals, std::span<const Array> tangents,
                                         const FlatFunction& fn, const std::string& description) {
  return detail::jvp(primals, tangents, fn, description);
}

Array zeros_of(const ArrayType& type) { return zeros(type); }

Array ones_like_scalar(const Array& x) { return lax::convert_element_type(Array(1), x.dtype()); }

std::vector<bool> differentiable_leaves(std::span<const Array> leaves, const tree::TreeDef& structure, int argnum,
                                        bool allow_int, const char* transform) {
  std::vector<bool> mask;
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    const DType dtype = leaves[i].dtype();
    if (is_floating(dtype)) {
      mask.push_back(true);
      continue;
    }
    if (!allow_int && dtype != DType::key && dtype != DType::float0) {
      const auto paths = tree::leaf_paths(structure);
      throw TypeError(
          transform,
          fmt::format("{} requires floating-point inputs, but argument {} has a leaf{} of dtype {}. "
                      "Pass jx::allow_int to get a float0 gradient for it, or make it a separate "
                      "argument that is not differentiated.",
                      transform, argnum, paths[i].empty() ? "" : " at " + tree::keystr(paths[i]), dtype_name(dtype)));
    }
    mask.push_back(false);
  }
  return mask;
}

std::vector<Array> gradient_leaves(std::span<const Array> cotangents, std::span<const Array> primals,
                                   const std::vector<bool>& wrt) {
  std::vector<Array> result;
  for (std::size_t i = 0; i < primals.size(); ++i) {
    if (!wrt[i]) {
      result.push_back(zeros(ArrayType{primals[i].shape(), DType::float0}));
    } else if (cotangents[i].valid()) {
      result.push_back(cotangents[i]);
    } else {
      result.push_back(zeros(ArrayType{primals[i].shape(), primals[i].dtype()}));
    }
  }
  return result;
}

void check_scalar_output(const Array& value, const char* transform) {
  if (value.ndim() != 0) {
    throw TypeError(transform,
                    fmt::format("{} is only defined for functions with a scalar output; the output has type {}",
                                transform, value.type().to_string()));
  }
  if (!is_floating(value.dtype())) {
    throw TypeError(transform, fmt::format("{} requires a floating-point output; the output has dtype {}", transform,
                                           dtype_name(value.dtype())));
  }
}

namespace {
FlatFunction single(const std::function<Array(const Array&)>& f) {
  return [&f](std::span<const Array> inputs) -> ArrayList { return {f(inputs[0])}; };
}
}  // namespace

Array jacobian_reverse(const std::function<Array(const Array&)>& f, const Array& x) {
  const std::vector<bool> wrt{true};
  const Array inputs[] = {x};
  const auto linearized = detail::linearize(inputs, wrt, single(f), "jacrev");
  const Array& y = linearized->primal_outputs[0];
  std::vector<Array> rows;
  for (std::int64_t k = 0; k < y.size(); ++k) {
    // The k-th row: the pullback of the k-th basis vector of the output.
    const Array basis = jx::numpy::reshape(jx::numpy::arange(y.size()) == k, y.shape()).astype(y.dtype());
    const Array ct[] = {basis};
    const ArrayList g = linearized->transpose(ct);
    rows.push_back(g[0].valid() ? g[0] : zeros(ArrayType{x.shape(), x.dtype()}));
  }
  Shape shape = y.shape();
  for (std::int64_t d : x.shape()) shape.push_back(d);
  if (rows.empty()) return zeros(ArrayType{shape, x.dtype()});
  return jx::numpy::reshape(jx::numpy::stack(rows), shape);
}

Array jacobian_forward(const std::function<Array(const Array&)>& f, const Array& x) {
  const std::vector<bool> wrt{true};
  const Array inputs[] = {x};
  const auto linearized = detail::linearize(inputs, wrt, single(f), "jacfwd");
  const Array& y = linearized->primal_outputs[0];
  std::vector<Array> columns;
  for (std::int64_t j = 0; j < x.size(); ++j) {
    const Array basis = jx::numpy::reshape(jx::numpy::arange(x.size()) == j, x.shape()).astype(x.dtype());
    const Array t[] = {basis};
    columns.push_back(jx::numpy::ravel(linearized->apply(t)[0]));
  }
  Shape shape = y.shape();
  for (std::int64_t d : x.shape()) shape.push_back(d);
  if (columns.empty()) return zeros(ArrayType{shape, y.dtype()});
  // columns[j] holds d y / d x_j: stack them last, then unflatten both sides.
  return jx::numpy::reshape(jx::numpy::stack(columns, -1), shape);
}

}  // namespace jx::detail
