// jx/numpy/windows.h — the window functions of jax.numpy (NumPy's), as arrays of M points in the default
// float type.
//
//   namespace jnp = jx::numpy;
//   auto w = jnp::hanning(64);
//   auto k = jnp::kaiser(64, 8.6);
#pragma once

#include <cstdint>
#include <source_location>

#include "jx/core/array.h"
#include "jx/numpy.h"

namespace jx::numpy {

// Triangular, Blackman, Hamming and Hann windows; M < 1 gives an empty array and M = 1 the array [1].
inline constexpr struct bartlett_function {
  Array operator()(std::int64_t M, Loc loc = Loc::current()) const;
} bartlett{};
inline constexpr struct blackman_function {
  Array operator()(std::int64_t M, Loc loc = Loc::current()) const;
} blackman{};
inline constexpr struct hamming_function {
  Array operator()(std::int64_t M, Loc loc = Loc::current()) const;
} hamming{};
inline constexpr struct hanning_function {
  Array operator()(std::int64_t M, Loc loc = Loc::current()) const;
} hanning{};
// The Kaiser window with shape parameter beta: i0(beta sqrt(1 - (2n/(M-1) - 1)^2)) / i0(beta).
inline constexpr struct kaiser_function {
  Array operator()(std::int64_t M, double beta, Loc loc = Loc::current()) const;
} kaiser{};

}  // namespace jx::numpy
