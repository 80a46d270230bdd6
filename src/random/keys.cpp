// jx::Key and the key operations of jx::random: seeding, key data, split, fold_in and bits.
#include <fmt/format.h>

#include <cstring>

#include "core/array_impl.h"
#include "jx/core/config.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "random/internal.h"
#include "trace/trace.h"

namespace jx {

Key::Key(Array keys) : Array(std::move(keys)) {
  if (valid() && dtype() != DType::key && dtype() != DType::float0) {
    throw TypeError("Key", fmt::format("a jx::Key holds PRNG keys (dtype {}), not {}. Make keys with "
                                       "jx::random::PRNGKey or key, or wrap uint32 words with wrap_key_data.",
                                       dtype_name(DType::key), type().to_string()));
  }
}

namespace random {
namespace detail {

KeyUse key_use(std::string_view op, const std::source_location& loc) {
  if (!config::debug_key_reuse()) return {};
  return {std::string(op), format_location(loc)};
}

void check_single_key(std::string_view op, const Key& prng_key) {
  if (!prng_key.valid()) throw ValueError(std::string(op), "the key is an empty jx::Key handle");
  if (prng_key.dtype() != DType::key) {
    throw TypeError(std::string(op),
                    fmt::format("expects a PRNG key, got an array of type {}", prng_key.type().to_string()));
  }
  if (prng_key.ndim() != 0) {
    throw ValueError(std::string(op),
                     fmt::format("{} accepts a single key, but was given a key array of shape {} != (). Index it "
                                 "(keys[i]) for one key, or use vmap for batching.",
                                 op, prng_key.shape().to_string()));
  }
}

DType float_dtype(std::string_view op, std::optional<DType> dtype) {
  const DType d = canonicalize_dtype(dtype.value_or(default_float_dtype()));
  if (!is_floating(d)) {
    throw ValueError(std::string(op), fmt::format("the dtype of {} must be a float dtype, got {}", op, dtype_name(d)));
  }
  return d;
}

Array real_parameter(std::string_view op, const Array& value) {
  if (!value.valid()) throw ValueError(std::string(op), "a parameter is an empty jx::Array handle");
  if (is_complex(value.dtype())) {
    throw DTypeError(std::string(op), fmt::format("parameters must be real, got {}", dtype_name(value.dtype())));
  }
  return value;
}

Shape sample_shape(std::string_view op, const std::optional<Shape>& shape, std::initializer_list<Shape> params) {
  auto fail = [&](const std::string& got) {
    throw ValueError(std::string(op),
                     fmt::format("{} parameter shapes must be broadcast-compatible with the shape argument, and the "
                                 "result of broadcasting them must equal it, but got {} for shape {}",
                                 op, got, shape ? shape->to_string() : "None"));
  };
  Shape joined = shape.value_or(Shape{});
  for (const Shape& p : params) {
    try {
      joined = numpy::broadcast_shapes(joined, p);
    } catch (const ShapeError&) {  // reported as the random function's error, as JAX does
      std::string shapes;
      for (const Shape& q : params) shapes += (shapes.empty() ? "" : " and ") + q.to_string();
      fail(shapes);
    }
  }
  if (shape && !(joined == *shape)) fail(joined.to_string());
  return joined;
}

Key split_keys(const Key& prng_key, const Shape& shape, const KeyUse& use) {
  for (std::int64_t d : shape) {
    if (d < 0)
      throw ValueError("split", fmt::format("the number of keys must be non-negative, got {}", shape.to_string()));
  }
  return Key(jx::bind1(primitives::RandomSplit(shape, config::threefry_partitionable(), use), {prng_key}));
}

Array random_bits(const Key& prng_key, int bit_width, const Shape& shape, const KeyUse& use) {
  return jx::bind1(primitives::RandomBits(bit_width, shape, config::threefry_partitionable(), use), {prng_key});
}

}  // namespace detail

namespace {

// A key made from its words. Under the reuse checker it is a new key: inside a trace that must happen
// on every run of the program (an effect), not once while tracing.
Key key_from_words(std::uint32_t k0, std::uint32_t k1) {
  const bool checking = config::debug_key_reuse();
  if (checking && current_trace() != nullptr) {
    const std::uint32_t words[2] = {k0, k1};
    const Array data = numpy::array(std::span<const std::uint32_t>(words), Shape{2}, DType::uint32);
    return Key(jx::bind1(primitives::RandomWrap(true), {data}));
  }
  auto impl = allocate_array(ArrayType{Shape{}, DType::key});
  const std::uint32_t words[2] = {k0, k1};
  std::memcpy(impl->data(), words, sizeof words);
  Key prng_key(wrap(std::move(impl)));
  if (checking) primitives::refresh_keys(prng_key);
  return prng_key;
}

Key seed_key(std::int64_t seed) {
  const auto low = static_cast<std::uint32_t>(static_cast<std::uint64_t>(seed));
  // Without x64 the seed is narrowed to 32 bits first; the high word is then a shift by 32 of a
  // 32-bit value, which XLA defines as 0.
  if (!config::enable_x64()) return key_from_words(0, low);
  return key_from_words(static_cast<std::uint32_t>(static_cast<std::uint64_t>(seed) >> 32), low);
}

Key seed_key(std::string_view op, const Array& seed) {
  if (!seed.valid()) throw ValueError(std::string(op), "the seed is an empty jx::Array handle");
  if (seed.ndim() != 0) {
    throw TypeError(std::string(op),
                    fmt::format("{} accepts a scalar seed, but was given an array of shape {} != (). Use vmap for "
                                "batching.",
                                op, seed.shape().to_string()));
  }
  if (seed.dtype() == DType::key) throw TypeError(std::string(op), fmt::format("{} accepts a seed, not a key", op));
  if (!is_integer(seed.dtype())) {
    throw TypeError(std::string(op), fmt::format("the seed must be an integer, got {}", seed.type().to_string()));
  }
  const Array s = lax::convert_element_type(seed, seed.dtype());  // strong, so shifts keep the dtype
  const Array high = itemsize(s.dtype()) == 8 ? lax::shift_right_logical(s, detail::constant(32, s.dtype()))
                                              : detail::constant(0, s.dtype());
  const Array words = lax::concatenate({lax::expand_dims(lax::convert_element_type(high, DType::uint32), {0}),
                                        lax::expand_dims(lax::convert_element_type(s, DType::uint32), {0})},
                                       0);
  return Key(jx::bind1(primitives::RandomWrap(config::debug_key_reuse()), {words}));
}

}  // namespace

Key PRNGKey(std::int64_t seed, Loc loc) {
  CallSite site(loc);
  return seed_key(seed);
}
Key key_function::operator()(std::int64_t seed, Loc loc) const {
  CallSite site(loc);
  return seed_key(seed);
}
Key PRNGKey(const Array& seed, Loc loc) {
  CallSite site(loc);
  return seed_key("PRNGKey", seed);
}
Key key_function::operator()(const Array& seed, Loc loc) const {
  CallSite site(loc);
  return seed_key("key", seed);
}

Array key_data_function::operator()(const Key& keys, Loc loc) const {
  CallSite site(loc);
  if (!keys.valid()) throw ValueError("key_data", "the key is an empty jx::Key handle");
  return jx::bind1(primitives::RandomUnwrap(), {keys});
}

Key wrap_key_data_function::operator()(const Array& data, Loc loc) const {
  CallSite site(loc);
  if (!data.valid()) throw ValueError("wrap_key_data", "the key data is an empty jx::Array handle");
  if (data.dtype() != DType::uint32) {
    throw DTypeError("wrap_key_data", fmt::format("key data must be uint32 words, got {}", data.type().to_string()));
  }
  if (data.ndim() == 0 || data.shape()[data.ndim() - 1] != 2) {
    throw ShapeError("wrap_key_data", fmt::format("key data must have shape (..., 2) for threefry2x32 keys, got {}",
                                                  data.type().to_string()));
  }
  return Key(jx::bind1(primitives::RandomWrap(config::debug_key_reuse()), {data}));
}

std::array<Key, 2> split(const Key& prng_key, Loc loc) {
  CallSite site(loc);
  detail::check_single_key("split", prng_key);
  const Key keys = detail::split_keys(prng_key, Shape{2}, detail::key_use("split", loc));
  return {keys[0], keys[1]};
}

Key split(const Key& prng_key, std::int64_t num, Loc loc) {
  CallSite site(loc);
  detail::check_single_key("split", prng_key);
  return detail::split_keys(prng_key, Shape{num}, detail::key_use("split", loc));
}

Key split(const Key& prng_key, const Shape& shape, Loc loc) {
  CallSite site(loc);
  detail::check_single_key("split", prng_key);
  return detail::split_keys(prng_key, shape, detail::key_use("split", loc));
}

Key fold_in_function::operator()(const Key& prng_key, std::uint32_t data, Loc loc) const {
  CallSite site(loc);
  detail::check_single_key("fold_in", prng_key);
  return Key(jx::bind1(primitives::RandomFoldIn(detail::key_use("fold_in", loc)),
                       {prng_key, detail::constant(data, DType::uint32)}));
}

Key fold_in_function::operator()(const Key& prng_key, const Array& data, Loc loc) const {
  CallSite site(loc);
  detail::check_single_key("fold_in", prng_key);
  if (!data.valid() || data.ndim() != 0) {
    throw TypeError("fold_in", fmt::format("fold_in accepts a scalar, but was given {}. Use vmap for batching.",
                                           data.valid() ? data.type().to_string() : "an empty handle"));
  }
  return Key(jx::bind1(primitives::RandomFoldIn(detail::key_use("fold_in", loc)),
                       {prng_key, lax::convert_element_type(data, DType::uint32)}));
}

Array bits_function::operator()(const Key& prng_key, const Shape& shape, std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  detail::check_single_key("bits", prng_key);
  const DType d = canonicalize_dtype(dtype.value_or(config::enable_x64() ? DType::uint64 : DType::uint32));
  if (!is_unsigned_integer(d)) {
    throw ValueError("bits", fmt::format("the dtype of bits must be an unsigned integer dtype, got {}", dtype_name(d)));
  }
  return detail::random_bits(prng_key, static_cast<int>(itemsize(d) * 8), shape, detail::key_use("bits", loc));
}

Key clone_function::operator()(const Key& keys, Loc loc) const {
  CallSite site(loc);
  if (!keys.valid()) throw ValueError("clone", "the key is an empty jx::Key handle");
  return Key(
      jx::bind1(primitives::RandomWrap(config::debug_key_reuse()), {jx::bind1(primitives::RandomUnwrap(), {keys})}));
}

std::string key_impl_function::operator()(const Key& keys, Loc loc) const {
  CallSite site(loc);
  if (!keys.valid()) throw ValueError("key_impl", "the key is an empty jx::Key handle");
  return "threefry2x32";
}

}  // namespace random
}  // namespace jx
