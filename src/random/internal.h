// src/random/internal.h — what jx::random's functions share: argument checks, the key use the
// reuse checker records, and the building blocks the samplers compose (JAX's _split, _random_bits,
// _uniform, ...). The building blocks take the KeyUse of the public call, so an internal draw is
// reported at the user's line under the user's function name.
#pragma once

#include <cstdint>
#include <source_location>
#include <string_view>

#include "ir/primitives/random.h"
#include "jx/random.h"

namespace jx::random::detail {

using primitives::KeyUse;

// The KeyUse of public function `op` called from `loc` (empty unless debug_key_reuse is on).
KeyUse key_use(std::string_view op, const std::source_location& loc);

// Throws unless `key` is one key (JAX's random functions take a single key; batch with vmap).
void check_single_key(std::string_view op, const Key& prng_key);

// `dtype` (or the default float type), canonicalized; throws unless it is a float type.
DType float_dtype(std::string_view op, std::optional<DType> dtype);

// A scalar constant of `dtype`.
template <class T>
Array constant(T value, DType dtype) {
  return numpy::array(value, dtype);
}

// `value` itself, after checking that it is a real array (a ValueError for an empty handle, a DTypeError
// for a complex one), both naming op.
Array real_parameter(std::string_view op, const Array& value);
// The broadcast shape of the parameter shapes, or `shape` after checking that they broadcast to it.
Shape sample_shape(std::string_view op, const std::optional<Shape>& shape, std::initializer_list<Shape> params);

Key split_keys(const Key& prng_key, const Shape& shape, const KeyUse& use);
Array random_bits(const Key& prng_key, int bit_width, const Shape& shape, const KeyUse& use);
Array uniform_draw(const Key& prng_key, const Shape& shape, DType dtype, const Array& minval, const Array& maxval,
                   const KeyUse& use);
// Standard normals: the fused kernel for float32, sqrt(2) * erf_inv(uniform(nextafter(-1, 0), 1)).
Array normal_draw(const Key& prng_key, const Shape& shape, DType dtype, const KeyUse& use);
Array gumbel_draw(const Key& prng_key, const Shape& shape, DType dtype, GumbelMode mode, const KeyUse& use);
Array randint_draw(const Key& prng_key, const Shape& shape, const Array& minval, const Array& maxval, DType dtype,
                   const KeyUse& use);
// JAX's _shuffle: `rounds` stable sorts of x along axis by fresh random 32-bit keys.
Array shuffle(const Key& prng_key, const Array& x, int axis, const KeyUse& use);

}  // namespace jx::random::detail
