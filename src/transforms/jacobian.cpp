// jacfwd and jacrev: a linear map batched with vmap over a basis.
//
// Forward mode pushes the standard basis of all differentiated inputs (n = their total size) through
// jvp; reverse mode pulls the standard basis of all outputs (m = their total size) back through the
// linearized function's transpose. As JAX does, the basis is one identity matrix whose columns are split
// among the leaves, so each leaf's block is a slice of one batched result.
#include "jx/transforms/jacobian.h"

#include <fmt/format.h>

#include "ir/primitives/program_rules.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/transforms/vmap.h"
#include "transforms/autodiff_core.h"

namespace jx::detail {

namespace {

Shape concatenated(Shape outer, const Shape& inner) {
  for (std::int64_t d : inner) outer.push_back(d);
  return outer;
}

// Where each leaf's elements start in the concatenation of the selected leaves' elements.
struct Layout {
  std::vector<std::int64_t> offsets;  // per leaf (selected ones only are meaningful)
  std::int64_t total = 0;
};
Layout layout_of(std::span<const ArrayType> types, const std::vector<bool>& selected) {
  Layout layout;
  for (std::size_t i = 0; i < types.size(); ++i) {
    layout.offsets.push_back(layout.total);
    if (selected[i]) layout.total += types[i].shape.num_elements();
  }
  return layout;
}

// The rows of an identity of size layout.total that belong to each selected leaf, as a batch of
// layout.total values shaped like the leaf (the batch axis first).
ArrayList split_basis(std::span<const ArrayType> types, const std::vector<bool>& selected, const Layout& layout) {
  const Array identity = numpy::eye(layout.total, std::nullopt, 0, DType::float32);
  ArrayList basis;
  for (std::size_t i = 0; i < types.size(); ++i) {
    if (!selected[i]) continue;
    const std::int64_t size = types[i].shape.num_elements();
    const Array columns = lax::slice_in_dim(identity, layout.offsets[i], layout.offsets[i] + size, 1, 1);
    basis.push_back(numpy::reshape(lax::convert_element_type(columns, types[i].dtype),
                                   concatenated(Shape{layout.total}, types[i].shape)));
  }
  return basis;
}

}  // namespace

namespace {
// blocks[i][j] of every pair, zeros of the block's type: float0 for undifferentiated inputs, the
// output's dtype in forward mode and the input's in reverse mode (as JAX's).
std::vector<ArrayList> zero_blocks(std::span<const ArrayType> values, std::span<const ArrayType> inputs,
                                   const std::vector<bool>& wrt, bool forward) {
  std::vector<ArrayList> blocks(values.size(), ArrayList(inputs.size()));
  for (std::size_t i = 0; i < values.size(); ++i) {
    for (std::size_t j = 0; j < inputs.size(); ++j) {
      const DType dtype = !wrt[j] ? DType::float0 : forward ? values[i].dtype : inputs[j].dtype;
      blocks[i][j] = zeros(ArrayType{concatenated(values[i].shape, inputs[j].shape), dtype});
    }
  }
  return blocks;
}

using primitives::types_of;
}  // namespace

void check_jacobian_inputs(std::span<const Array> primals, const std::vector<bool>& wrt, bool holomorphic,
                           bool forward) {
  if (holomorphic) return check_holomorphic_inputs(primals, wrt, forward ? "jacfwd" : "jacrev");
  if (!forward) return;  // jacrev takes complex inputs: its blocks are grad's df/dx - i df/dy
  for (std::size_t j = 0; j < primals.size(); ++j) {
    const DType dtype = primals[j].dtype();
    if (wrt[j] && is_complex(dtype)) {
      throw TypeError("jacfwd", fmt::format("jacfwd requires real-valued inputs, but input leaf {} has dtype {}. For "
                                            "holomorphic differentiation, pass jx::holomorphic; for functions of "
                                            "complex inputs that are not holomorphic, use jx::jvp directly",
                                            j, dtype_name(dtype)));
    }
  }
}

void check_jacobian_outputs(std::span<const ArrayType> values, bool holomorphic, const char* transform) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    check_differentiated_output(values[i].dtype, holomorphic, transform, fmt::format("output leaf {}", i));
  }
}

std::vector<ArrayList> jacobian_blocks(const Linearized& linearized, std::span<const Array> primals,
                                       const std::vector<bool>& wrt, std::size_t num_values, const char* transform,
                                       bool holomorphic) {
  const std::span<const ArrayType> inputs(linearized.input_types);
  const std::span<const ArrayType> values = std::span<const ArrayType>(linearized.output_types).first(num_values);
  check_jacobian_outputs(values, holomorphic, transform);
  std::vector<ArrayList> blocks = zero_blocks(values, inputs, wrt, /*forward=*/false);
  const std::vector<bool> all_values(num_values, true);
  const Layout value_layout = layout_of(values, all_values);
  if (value_layout.total == 0) return blocks;

  const ArrayList basis = split_basis(values, all_values, value_layout);
  const FlatFunction pullback = [&](std::span<const Array> basis_cotangents) -> ArrayList {
    ArrayList cotangents(linearized.output_types.size());  // auxiliary outputs: zero
    for (std::size_t i = 0; i < num_values; ++i) cotangents[i] = basis_cotangents[i];
    const ArrayList gradients = linearized.transpose(cotangents);
    ArrayList result;
    for (std::size_t j = 0; j < primals.size(); ++j) {
      if (wrt[j]) result.push_back(gradients[j].valid() ? gradients[j] : zeros(inputs[j]));
    }
    return result;
  };
  const std::vector<std::optional<int>> axes(basis.size(), 0);
  const std::vector<int> argument_of_leaf(basis.size(), 0);
  // rows[k]: (m, *input.shape) for the k-th differentiated input, one pullback per output element.
  const ArrayList rows = vmap_flat(pullback, basis, axes, argument_of_leaf, value_layout.total, 0,
                                   std::string(transform) + "'s batched pullback");
  std::size_t k = 0;
  for (std::size_t j = 0; j < primals.size(); ++j) {
    if (!wrt[j]) continue;
    for (std::size_t i = 0; i < num_values; ++i) {
      const std::int64_t start = value_layout.offsets[i];
      const Array part = lax::slice_in_dim(rows[k], start, start + values[i].shape.num_elements(), 1, 0);
      blocks[i][j] = numpy::reshape(part, concatenated(values[i].shape, inputs[j].shape));
    }
    ++k;
  }
  return blocks;
}

ForwardJacobian jacobian_forward(std::span<const Array> primals, const std::vector<bool>& wrt, const FlatFunction& fn,
                                 const tree::TreeDef& value_structure, const std::string& description,
                                 bool holomorphic) {
  const std::vector<ArrayType> inputs = types_of(primals);
  const Layout input_layout = layout_of(inputs, wrt);
  ForwardJacobian result;
  if (input_layout.total == 0) {  // nothing to push forward: the outputs, and empty or float0 blocks
    result.outputs = jvp(primals, ArrayList(primals.size()), fn, description).first;
    const std::size_t num_values = value_structure.num_leaves();
    result.blocks = zero_blocks(std::span<const ArrayType>(types_of(result.outputs)).first(num_values), inputs, wrt,
                                /*forward=*/true);
    return result;
  }
  // As JAX does: jvp batched over the basis (so loops with data-dependent trip counts work); the
  // outputs, which do not depend on the tangents, come back broadcast along the batch and are read at
  // index 0.
  const ArrayList basis = split_basis(inputs, wrt, input_layout);
  std::size_t num_values = 0, num_outputs = 0;
  const FlatFunction pushforward = [&](std::span<const Array> basis_tangents) -> ArrayList {
    ArrayList tangents(primals.size());
    std::size_t k = 0;
    for (std::size_t j = 0; j < primals.size(); ++j) {
      if (wrt[j]) tangents[j] = basis_tangents[k++];
    }
    auto [outputs, output_tangents] = jvp(primals, tangents, fn, description);
    num_values = value_structure.num_leaves();
    num_outputs = outputs.size();
    ArrayList results(output_tangents.begin(), output_tangents.begin() + static_cast<std::ptrdiff_t>(num_values));
    for (std::size_t i = 0; i < num_values; ++i) {
      if (!results[i].valid()) results[i] = zeros(outputs[i].type());
    }
    results.insert(results.end(), outputs.begin(), outputs.end());
    return results;
  };
  const std::vector<std::optional<int>> axes(basis.size(), 0);
  const std::vector<int> argument_of_leaf(basis.size(), 0);
  const ArrayList batched = vmap_flat(pushforward, basis, axes, argument_of_leaf, input_layout.total, 0,
                                      description + ", batched over the input basis");
  for (std::size_t i = 0; i < num_outputs; ++i) {
    result.outputs.push_back(lax::squeeze(lax::slice_in_dim(batched[num_values + i], 0, 1, 1, 0), {0}));
  }
  const std::vector<ArrayType> values = types_of(std::span<const Array>(result.outputs).first(num_values));
  if (holomorphic) check_jacobian_outputs(values, holomorphic, "jacfwd");
  result.blocks = zero_blocks(values, inputs, wrt, /*forward=*/true);
  for (std::size_t i = 0; i < num_values; ++i) {
    // columns: (n, *value_i.shape), one pushforward per input element.
    for (std::size_t j = 0; j < primals.size(); ++j) {
      if (!wrt[j]) continue;
      const std::int64_t start = input_layout.offsets[j];
      const Array part = lax::slice_in_dim(batched[i], start, start + inputs[j].shape.num_elements(), 1, 0);
      result.blocks[i][j] =
          numpy::reshape(numpy::moveaxis(part, 0, -1), concatenated(values[i].shape, inputs[j].shape));
    }
  }
  return result;
}

}  // namespace jx::detail
