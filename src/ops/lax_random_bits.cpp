// jx::lax::rng_bit_generator (jx/lax/random_bits.h): a uint32[4] raw key turned into a threefry key,
// split into the next raw key and the key that draws the bits.
#include <fmt/format.h>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/lax/random_bits.h"
#include "jx/random.h"

namespace jx::lax {

std::pair<Array, Array> rng_bit_generator_function::operator()(const Array& key, const Shape& shape, DType dtype,
                                                               RandomAlgorithm algorithm, Loc loc) const {
  CallSite site(loc);
  const char* op = "rng_bit_generator";
  if (algorithm == RandomAlgorithm::RNG_PHILOX) {
    throw ValueError(op, "the philox algorithm is not offered by jx (use RNG_DEFAULT or RNG_THREE_FRY)");
  }
  if (dtype != DType::uint8 && dtype != DType::uint16 && dtype != DType::uint32 && dtype != DType::uint64) {
    throw TypeError(op, fmt::format("unsupported dtype {}", dtype_name(dtype)));
  }
  if (key.dtype() != DType::uint32 || key.ndim() != 1 || key.shape()[0] != 4) {
    throw TypeError(op, fmt::format("the key must be uint32 of shape (4,), got {}{}", dtype_name(key.dtype()),
                                    key.shape().to_string()));
  }
  // All four words enter: the first two as threefry's key, the last two folded in.
  Key threefry = random::wrap_key_data(slice_in_dim(key, 0, 2, 1, 0));
  threefry = random::fold_in(threefry, reshape(slice_in_dim(key, 2, 3, 1, 0), {}));
  threefry = random::fold_in(threefry, reshape(slice_in_dim(key, 3, 4, 1, 0), {}));
  const Key keys = random::split(threefry, 3);
  const Array new_key =
      concatenate({random::key_data(keys[std::int64_t{0}]), random::key_data(keys[std::int64_t{1}])}, 0);
  return {new_key, random::bits(keys[std::int64_t{2}], shape, dtype)};
}

}  // namespace jx::lax
