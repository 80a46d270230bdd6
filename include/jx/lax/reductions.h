// jx/lax/reductions.h — lax.reduce, the generic reduction: operands (an Array or a pytree of arrays)
// folded along `dimensions` by a user's binary function, starting from init values.
//
//   namespace lax = jx::lax;
//   auto total = lax::reduce(x, jnp::array(0.0f), lax::add, {0});        // lax::reduce_sum(x, {0})
//   // Argmax along axis 1, as a reduction of (value, index) pairs:
//   using Pair = std::pair<jx::Array, jx::Array>;
//   auto [best, where] = lax::reduce(
//       Pair{x, lax::broadcasted_iota(jx::DType::int32, x.shape(), 1)},
//       Pair{jnp::array(-INFINITY), jnp::array(0)},
//       [](const Pair& a, const Pair& b) {
//         auto take_b = lax::gt(b.first, a.first);
//         return Pair{lax::select(take_b, b.first, a.first), lax::select(take_b, b.second, a.second)};
//       },
//       {1});
//
// XLA assumes the computation is associative and commutative and that the init values are its
// identity (it may apply them any number of times), and so does jx: the reduced axes are halved
// pairwise, computation(first half, second half), ceil(log2(n)) calls per axis on whole slices, then
// the init values are combined once. The computation must therefore work elementwise on arrays of any
// shape (XLA calls it on scalars). It is nothing but jx ops, so reduce runs under jit, vmap and grad
// whenever the computation does.
//
// Cost: jx does not recognize lax::add, lax::mul, lax::max or lax::min passed as the computation (a
// C++ callable cannot be compared reliably), so reduce with them builds the halving tree of slices
// and elementwise ops, about 2 log2(n) ops per axis and twice the operand's memory traffic. Call
// lax::reduce_sum, reduce_prod, reduce_max or reduce_min (jx/lax.h) when the monoid is known: each is
// one fused primitive.
#pragma once

#include <functional>
#include <source_location>
#include <span>
#include <type_traits>
#include <vector>

#include "jx/core/array.h"
#include "jx/tree.h"

namespace jx::detail {
// reduce's core over the flattened leaves: `combine` maps the leaves of two operands to the leaves of
// their combination.
using ReduceLeaves = std::function<std::vector<Array>(std::span<const Array>, std::span<const Array>)>;
std::vector<Array> reduce_leaves(const ReduceLeaves& combine, std::vector<Array> operands,
                                 std::vector<Array> init_values, const std::vector<int>& dimensions);
}  // namespace jx::detail

namespace jx::lax {

using Loc = std::source_location;

// jax.lax.reduce(operands, init_values, computation, dimensions). `operands` is an Array or a pytree
// of arrays of one shape; `init_values` has its structure, with one scalar per leaf of that leaf's
// dtype (a C++ number, weakly typed, takes the leaf's dtype); computation(a, b) takes and returns
// that structure. The result has the structure, each leaf of the operands' shape without
// `dimensions` (which must be distinct and in range), of the dtype the computation returns.
inline constexpr struct reduce_function {
  template <class Operands, class F>
  std::remove_cvref_t<Operands> operator()(const Operands& operands, const std::type_identity_t<Operands>& init_values,
                                           const F& computation, const std::vector<int>& dimensions,
                                           Loc loc = Loc::current()) const {
    using Tree = std::remove_cvref_t<Operands>;
    CallSite site(loc);
    auto [leaves, structure] = tree::flatten(operands);
    auto [init_leaves, init_structure] = tree::flatten(init_values);
    if (!(init_structure == structure)) tree::detail::throw_structure_mismatch("reduce", structure, init_structure);
    const detail::ReduceLeaves combine = [&computation, &structure](std::span<const Array> a,
                                                                    std::span<const Array> b) {
      const Tree combined = computation(tree::unflatten<Tree>(structure, a), tree::unflatten<Tree>(structure, b));
      return tree::flatten(combined).first;
    };
    return tree::unflatten<Tree>(structure,
                                 detail::reduce_leaves(combine, std::move(leaves), std::move(init_leaves), dimensions));
  }
} reduce{};

}  // namespace jx::lax
