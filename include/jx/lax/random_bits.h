// jx/lax/random_bits.h — lax.rng_bit_generator, XLA's stateless bit generator: a raw key in, a new
// key and random bits out, with no typed keys.
//
//   namespace lax = jx::lax;
//   auto key = jnp::array({0u, 42u, 0u, 0u});                       // uint32[4]
//   auto [next_key, bits] = lax::rng_bit_generator(key, {2, 3});    // uint32 (2, 3)
//
// JAX documents the bits as backend-dependent (XLA picks the algorithm per platform), and jx's are its
// own: the key words (k0, k1, k2, k3) make the threefry2x32 key fold_in(fold_in([k0, k1], k2), k3),
// which is split three ways; the first two splits are the new key's words and the third draws the
// bits with jx::random::bits. So they are deterministic, pure, equal under jit and vmap, and differ from
// XLA's RngBitGenerator (and from one JAX backend to another). Only the default and threefry algorithms
// are offered (philox raises jx::ValueError).
//
// JAX's lax.rng_uniform is not offered: it lowers to XLA's RngUniform, which reads a hidden per-device
// generator state and returns different values on every execution with no key in or out. A pure
// function cannot do that honestly in jx (jit would constant-fold or cache it); use
// jx::random::uniform with an explicit key.
#pragma once

#include <source_location>
#include <utility>

#include "jx/core/array.h"

namespace jx::lax {

using Loc = std::source_location;

enum class RandomAlgorithm { RNG_DEFAULT, RNG_THREE_FRY, RNG_PHILOX };  // NOLINT(readability-identifier-naming)

// (new_key, bits): new_key has key's shape and dtype (uint32 of shape (4,)); bits have `shape` and
// `dtype`, one of uint8, uint16, uint32, uint64 (64-bit narrows to 32 bits without x64, as in JAX).
inline constexpr struct rng_bit_generator_function {
  std::pair<Array, Array> operator()(const Array& key, const Shape& shape, DType dtype = DType::uint32,
                                     RandomAlgorithm algorithm = RandomAlgorithm::RNG_DEFAULT,
                                     Loc loc = Loc::current()) const;
} rng_bit_generator{};

}  // namespace jx::lax
