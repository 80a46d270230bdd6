// The non-template parts of jx::grad and friends.
#include "jx/transforms/autodiff.h"

#include <fmt/format.h>

#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/transforms/vmap.h"
#include "transforms/autodiff_core.h"

namespace jx::detail {

std::shared_ptr<Linearized> linearize_flat(std::span<const Array> primals, const std::vector<bool>& wrt,
                                           const FlatFunction& fn, const std::string& description) {
  return detail::linearize(primals, wrt, fn, description);
}

namespace {
// Tangents and cotangents must have their primals' shapes (and be floating point where the primal is),
// as JAX requires: a mismatch would otherwise broadcast silently into a wrong derivative.
void check_like_primals(const char* transform, const char* what, std::span<const ArrayType> primals,
                        std::span<const Array> given) {
  if (given.size() != primals.size()) {
    throw TypeError(transform,
                    fmt::format("expected {} {} (one per primal), got {}", primals.size(), what, given.size()));
  }
  for (std::size_t i = 0; i < given.size(); ++i) {
    if (!given[i].valid()) continue;  // a symbolic zero
    if (given[i].shape() != primals[i].shape) {
      throw ShapeError(transform, fmt::format("the shape of {} {} is {}, but it must be the shape of the "
                                              "corresponding primal, {}",
                                              what, i, given[i].shape().to_string(), primals[i].shape.to_string()));
    }
    if (is_inexact(primals[i].dtype) && !is_inexact(given[i].dtype())) {
      throw TypeError(transform, fmt::format("{} {} has dtype {}, but its primal is {}", what, i,
                                             dtype_name(given[i].dtype()), dtype_name(primals[i].dtype)));
    }
  }
}
}  // namespace

ArrayList linearized_primals(const Linearized& l) { return l.primal_outputs; }

ArrayList linearized_transpose(const Linearized& l, std::span<const Array> output_cotangents) {
  check_like_primals("vjp", "cotangent", l.output_types, output_cotangents);
  return l.transpose(output_cotangents);
}

ArrayList linearized_apply(const Linearized& l, std::span<const Array> input_tangents) {
  check_like_primals("linearize", "tangent", l.input_types, input_tangents);
  return l.apply(input_tangents);
}

std::pair<ArrayList, ArrayList> jvp_flat(std::span<const Array> primals, std::span<const Array> tangents,
                                         const FlatFunction& fn, const std::string& description) {
  std::vector<ArrayType> types;
  for (const Array& p : primals) types.push_back(p.type());
  check_like_primals("jvp", "tangent", types, tangents);
  return detail::jvp(primals, tangents, fn, description);
}

Array zeros_of(const ArrayType& type) { return zeros(type); }

Array ones_like_scalar(const Array& x) { return lax::convert_element_type(Array(1), x.dtype()); }

std::vector<bool> differentiable_leaves(std::span<const Array> leaves, const tree::TreeDef& structure, int argnum,
                                        bool allow_int, const char* transform) {
  std::vector<bool> mask;
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    const DType dtype = leaves[i].dtype();
    if (is_inexact(dtype)) {
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

void check_scalar_output(const Array& value, const char* transform, bool holomorphic) {
  if (value.ndim() != 0) {
    throw TypeError(transform,
                    fmt::format("{} is only defined for functions with a scalar output; the output has type {}",
                                transform, value.type().to_string()));
  }
  check_differentiated_output(value.dtype(), holomorphic, transform, "the output");
}

void check_differentiated_output(DType dtype, bool holomorphic, const char* transform, const std::string& what) {
  if (holomorphic && !is_complex(dtype)) {
    throw TypeError(transform, fmt::format("{} with jx::holomorphic requires complex outputs, but {} has dtype {}",
                                           transform, what, dtype_name(dtype)));
  }
  if (!holomorphic && is_complex(dtype)) {
    throw TypeError(transform, fmt::format("{} requires real-valued outputs, but {} has dtype {}. For holomorphic "
                                           "differentiation, pass jx::holomorphic; for functions with complex "
                                           "outputs that are not holomorphic, use jx::vjp directly",
                                           transform, what, dtype_name(dtype)));
  }
  if (!is_inexact(dtype)) {
    throw TypeError(transform, fmt::format("{} requires floating-point outputs, but {} has dtype {}; differentiate "
                                           "a floating-point function of it, or use jx::vjp directly",
                                           transform, what, dtype_name(dtype)));
  }
}

void check_holomorphic_inputs(std::span<const Array> primals, const std::vector<bool>& wrt, const char* transform) {
  for (std::size_t i = 0; i < primals.size(); ++i) {
    if (wrt[i] && !is_complex(primals[i].dtype())) {
      throw TypeError(transform, fmt::format("{} with jx::holomorphic requires complex inputs, but input leaf {} has "
                                             "dtype {}",
                                             transform, i, dtype_name(primals[i].dtype())));
    }
  }
}

}  // namespace jx::detail
