// jx/test_util.h — checking derivatives numerically, for jx's tests and users' own (jax.test_util).
//
// check_grads compares jx's derivatives of f at `args` with central finite differences computed in
// float64, in forward mode (jvp against a directional difference) and reverse mode (the vjp's inner
// product with a direction against the same difference), and recursively to the requested order.
// Complex arguments and results are checked in complex128, along complex directions, with the
// pairing Re(sum(a * b)) that reverse mode transposes under (JAX's convention).
//
//   jx::test::check_grads([](const jx::Array& x) { return jnp::sin(x) * x; }, {jnp::ones({3})}, 2);
//
// f takes one to four arrays and returns one array. A mismatch throws jx::ValueError describing it.
#pragma once

#include <functional>
#include <source_location>
#include <span>
#include <type_traits>
#include <vector>

#include "jx/core/array.h"

namespace jx::test {

enum class Modes { forward, reverse, both };

using ArrayFunction = std::function<Array(std::span<const Array>)>;

void check_grads_flat(const ArrayFunction& f, const std::vector<Array>& args, int order, Modes modes, double atol,
                      double rtol, double eps, std::source_location loc);

template <class F>
void check_grads(const F& f, const std::vector<Array>& args, int order = 2, Modes modes = Modes::both,
                 double atol = 1e-5, double rtol = 1e-5, double eps = 1e-4,
                 std::source_location loc = std::source_location::current()) {
  const ArrayFunction flat = [&f](std::span<const Array> a) -> Array {
    if constexpr (std::is_invocable_v<const F&, const Array&>)
      return f(a[0]);
    else if constexpr (std::is_invocable_v<const F&, const Array&, const Array&>)
      return f(a[0], a[1]);
    else if constexpr (std::is_invocable_v<const F&, const Array&, const Array&, const Array&>)
      return f(a[0], a[1], a[2]);
    else
      return f(a[0], a[1], a[2], a[3]);
  };
  check_grads_flat(flat, args, order, modes, atol, rtol, eps, loc);
}

}  // namespace jx::test
