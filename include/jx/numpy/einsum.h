// jx/numpy/einsum.h — Einstein summation over any number of operands (jnp.einsum), with "..." for
// broadcast batch axes and a greedy contraction order (opt_einsum's "greedy", which JAX uses by
// default): operands are contracted two at a time, each time the pair whose result is smallest, so
// that "ij,jk,kl->il" never forms an i x k x l intermediate. einsum_path shows the order chosen.
//
//   namespace jnp = jx::numpy;
//   auto c = jnp::einsum("ij,jk->ik", a, b);
//   auto t = jnp::einsum("bij,bjk,bkl->bil", x, y, z);
//   auto d = jnp::einsum("...ii->...i", batch_of_matrices);
//   auto path = jnp::einsum_path("ij,jk,kl->il", {a, b, c}).path;   // {{0, 1}, {0, 1}}
#pragma once

#include <source_location>
#include <string>
#include <utility>
#include <vector>

#include "jx/core/array.h"

namespace jx::numpy {

inline constexpr struct einsum_function {
  using Loc = std::source_location;
  Array operator()(const std::string& subscripts, const std::vector<Array>& operands, Loc loc = Loc::current()) const;
  Array operator()(const std::string& subscripts, const Array& a, Loc loc = Loc::current()) const {
    return (*this)(subscripts, std::vector<Array>{a}, loc);
  }
  Array operator()(const std::string& subscripts, const Array& a, const Array& b, Loc loc = Loc::current()) const {
    return (*this)(subscripts, std::vector<Array>{a, b}, loc);
  }
  Array operator()(const std::string& subscripts, const Array& a, const Array& b, const Array& c,
                   Loc loc = Loc::current()) const {
    return (*this)(subscripts, std::vector<Array>{a, b, c}, loc);
  }
  Array operator()(const std::string& subscripts, const Array& a, const Array& b, const Array& c, const Array& d,
                   Loc loc = Loc::current()) const {
    return (*this)(subscripts, std::vector<Array>{a, b, c, d}, loc);
  }
} einsum{};

// The contraction order einsum uses: at each step the two operands at these positions of the current
// list are removed and their product appended (opt_einsum's path format), and a readable summary of
// the steps with their intermediate sizes.
struct EinsumPath {
  std::vector<std::pair<int, int>> path;
  std::string description;
};
inline constexpr struct einsum_path_function {
  using Loc = std::source_location;
  EinsumPath operator()(const std::string& subscripts, const std::vector<Array>& operands,
                        Loc loc = Loc::current()) const;
} einsum_path{};

}  // namespace jx::numpy
