// jacfwd and jacrev: one linear map of the linearized function, batched with vmap over a basis.
//
// Forward mode pushes the standard basis of all differentiated inputs (n = their total size) through
// the linearized function; reverse mode pulls the standard basis of all outputs (m = their total size)
// back through its transpose. As JAX does, the basis is one identity matrix whose columns are split
// among the leaves, so each leaf's block is a slice of one batched result.
#include "jx/transforms/jacobian.h"

#include <fmt/format.h>

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

std::vector<ArrayList> jacobian_blocks(const Linearized& linearized, std::span<const Array> primals,
                                       const std::vector<bool>& wrt, std::size_t num_values, bool forward,
                                       const char* transform) {
  const std::span<const ArrayType> inputs(linearized.input_types);
  const std::span<const ArrayType> values = std::span<const ArrayType>(linearized.output_types).first(num_values);
  if (!forward) {
    for (std::size_t i = 0; i < num_values; ++i) {
      if (!is_floating(values[i].dtype)) {
        throw TypeError(transform, fmt::format("jacrev requires floating-point outputs, but output leaf {} has "
                                               "dtype {}; differentiate a floating-point function of it, or "
                                               "use jx::vjp directly",
                                               i, dtype_name(values[i].dtype)));
      }
    }
  }
  std::vector<ArrayList> blocks(num_values, ArrayList(primals.size()));
  for (std::size_t i = 0; i < num_values; ++i) {
    for (std::size_t j = 0; j < primals.size(); ++j) {
      const DType dtype = !wrt[j] ? DType::float0 : forward ? values[i].dtype : inputs[j].dtype;
      blocks[i][j] = zeros(ArrayType{concatenated(values[i].shape, inputs[j].shape), dtype});
    }
  }
  const std::vector<bool> all_values(num_values, true);
  const Layout input_layout = layout_of(inputs, wrt);
  const Layout value_layout = layout_of(values, all_values);
  const std::int64_t batch = forward ? input_layout.total : value_layout.total;
  if (batch == 0) return blocks;  // nothing to differentiate, or nothing to differentiate: zeros

  const std::string description = std::string(transform) + "'s batched linear map";
  if (forward) {
    const ArrayList basis = split_basis(inputs, wrt, input_layout);
    const FlatFunction pushforward = [&](std::span<const Array> basis_tangents) -> ArrayList {
      ArrayList tangents(primals.size());
      std::size_t k = 0;
      for (std::size_t j = 0; j < primals.size(); ++j) {
        if (wrt[j]) tangents[j] = basis_tangents[k++];
      }
      ArrayList outputs = linearized.apply(tangents);
      outputs.resize(num_values);
      return outputs;
    };
    const std::vector<std::optional<int>> axes(basis.size(), 0);
    const std::vector<int> argument_of_leaf(basis.size(), 0);
    // columns[i]: (n, *value_i.shape), one pushforward per input element.
    const ArrayList columns = vmap_flat(pushforward, basis, axes, argument_of_leaf, batch, 0, description);
    for (std::size_t i = 0; i < num_values; ++i) {
      for (std::size_t j = 0; j < primals.size(); ++j) {
        if (!wrt[j]) continue;
        const std::int64_t start = input_layout.offsets[j];
        const Array part = lax::slice_in_dim(columns[i], start, start + inputs[j].shape.num_elements(), 1, 0);
        blocks[i][j] = numpy::reshape(numpy::moveaxis(part, 0, -1), concatenated(values[i].shape, inputs[j].shape));
      }
    }
  } else {
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
    const ArrayList rows = vmap_flat(pullback, basis, axes, argument_of_leaf, batch, 0, description);
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
  }
  return blocks;
}

}  // namespace jx::detail
