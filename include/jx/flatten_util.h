// jx/flatten_util.h — a pytree's leaves as one flat vector and back (jax.flatten_util.ravel_pytree):
// parameters as a single vector for Hessian-vector products, second-order methods and SciPy-style
// optimizers.
//
//   auto [flat, unravel] = jx::flatten_util::ravel_pytree(params);  // f32[n]: every leaf, raveled
//   Params half = unravel(flat * 0.5f);                              // the same structure again
//
// The vector's dtype is the promotion of the leaves' dtypes (JAX's result_type); unravel casts each
// piece back to its leaf's dtype. When all leaves share one dtype, unravel keeps the dtype it is
// given (JAX's dtype-polymorphic unravel). Both directions are jx operations, so they work under jit,
// grad and vmap. unravel checks its argument: a ValueError for another shape, a TypeError for another
// dtype where the leaves' dtypes differ.
#pragma once

#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "jx/core/array.h"
#include "jx/core/caller_location.h"
#include "jx/tree.h"

namespace jx::flatten_util {

namespace detail {
// The leaves' types and the flat vector's dtype: all unravel needs.
struct RavelLayout {
  std::vector<ArrayType> leaves;
  DType dtype = DType::float32;
  std::int64_t size = 0;
};
std::pair<Array, RavelLayout> ravel_leaves(std::span<const Array> leaves);
std::vector<Array> unravel_leaves(const RavelLayout& layout, const Array& flat, std::source_location where);
}  // namespace detail

// The function ravel_pytree returns: a flat vector of the same size and dtype back to the pytree.
template <class T>
class Unravel {
 public:
  Unravel(tree::TreeDef structure, detail::RavelLayout layout)
      : structure_(std::make_shared<const tree::TreeDef>(std::move(structure))),
        layout_(std::make_shared<const detail::RavelLayout>(std::move(layout))) {}
  T operator()(const Array& flat, std::source_location where = std::source_location::current()) const {
    const std::vector<Array> leaves = detail::unravel_leaves(*layout_, flat, where);
    return tree::unflatten<T>(*structure_, std::span<const Array>(leaves));
  }

 private:
  std::shared_ptr<const tree::TreeDef> structure_;
  std::shared_ptr<const detail::RavelLayout> layout_;
};

template <tree::Pytree T>
std::pair<Array, Unravel<std::remove_cvref_t<T>>> ravel_pytree(const T& pytree) {
  auto [leaves, structure] = tree::flatten(pytree);
  auto [flat, layout] = detail::ravel_leaves(leaves);
  return {std::move(flat), Unravel<std::remove_cvref_t<T>>(std::move(structure), std::move(layout))};
}

}  // namespace jx::flatten_util
