// jx/lax/scans.h — prefix scans beyond cumsum, cumprod, cummax and cummin (jx/lax.h): a user's
// associative operator over a pytree of arrays (associative_scan), and cumlogsumexp.
//
//   namespace lax = jx::lax;
//   auto sums = lax::associative_scan(lax::add, x);                // cumsum along axis 0
//   auto running = lax::cumlogsumexp(log_weights, 0);             // log(cumsum(exp(w))) without overflow
//   // A linear recurrence h[t] = a[t] h[t-1] + b[t] as a scan over pairs (a, b):
//   using Pair = std::pair<jx::Array, jx::Array>;
//   auto [a_total, h] = lax::associative_scan(
//       [](const Pair& l, const Pair& r) { return Pair{l.first * r.first, r.first * l.second + r.second}; },
//       Pair{a, b});
//
// associative_scan is JAX's parallel algorithm: the operator combines adjacent pairs, the half-length
// scan recurses, and the results are interleaved, so it calls fn O(log n) times on whole slices
// (rather than n times on elements, as a loop would). fn must be associative and work elementwise on
// slices (jx calls it on arrays whose scanned axis has any length); nothing else is assumed, so it
// runs under jit, vmap and grad whenever fn does.
#pragma once

#include <functional>
#include <source_location>
#include <span>
#include <vector>

#include "jx/core/array.h"
#include "jx/tree.h"

namespace jx::detail {
// associative_scan's core, over the flattened leaves of lax::associative_scan's pytree: fn over the flattened leaves of
// its two arguments, giving the leaves of its result.
using CombineLeaves = std::function<std::vector<Array>(std::span<const Array>, std::span<const Array>)>;
std::vector<Array> associative_scan_leaves(const CombineLeaves& combine, std::vector<Array> leaves, bool reverse,
                                           int axis);
}  // namespace jx::detail

namespace jx::lax {

using Loc = std::source_location;

// The inclusive prefix combination of elems along `axis` (from the end with reverse): element i is
// fn(... fn(elems[0], elems[1]) ..., elems[i]). elems is an Array or any pytree of arrays whose leaves
// share the length of that axis; fn takes two such pytrees and returns one of the same structure.
inline constexpr struct associative_scan_function {
  template <class F, class Elems>
  Elems operator()(const F& fn, const Elems& elems, bool reverse = false, int axis = 0,
                   Loc loc = Loc::current()) const {
    CallSite site(loc);
    auto [leaves, structure] = tree::flatten(elems);
    const detail::CombineLeaves combine = [&fn, &structure](std::span<const Array> a, std::span<const Array> b) {
      const Elems combined = fn(tree::unflatten<Elems>(structure, a), tree::unflatten<Elems>(structure, b));
      return tree::flatten(combined).first;
    };
    const std::vector<Array> scanned = detail::associative_scan_leaves(combine, std::move(leaves), reverse, axis);
    return tree::unflatten<Elems>(structure, scanned);
  }
} associative_scan{};

// log(cumsum(exp(x))) along axis, computed as an associative scan of logaddexp: no overflow for large
// x, -inf for a prefix of -inf's. Floating-point x only.
inline constexpr struct cumlogsumexp_function {
  Array operator()(const Array& x, int axis = 0, bool reverse = false, Loc loc = Loc::current()) const;
} cumlogsumexp{};

}  // namespace jx::lax
