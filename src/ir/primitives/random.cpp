#include "ir/primitives/random.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include "backends/cpu/kernels.h"
#include "backends/cpu/threefry.h"
#include "core/array_impl.h"
#include "ir/primitives/rules.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "trace/trace.h"

namespace jx::primitives {

// --- Key reuse tracking ----------------------------------------------------------------------------

namespace {

// A key is identified by its value, the two words that determine every number drawn from it: copies,
// views and slices of a key, and the copies jit's executor makes of its arguments and captured
// constants, are all the same key. Making a key from a seed or from raw words (PRNGKey, key,
// wrap_key_data) starts it afresh, as a new key object does in JAX. The table only grows (16 bytes
// per consumed key); it exists only while debug_key_reuse is on.
struct ReuseTable {
  std::unordered_map<std::uint64_t, std::uint32_t> consumed;  // key value -> index into `uses`
  std::vector<KeyUse> uses;                                   // each distinct consuming call once
  std::unordered_map<std::string, std::uint32_t> use_index;

  std::uint32_t intern(const KeyUse& use) {
    auto [it, inserted] = use_index.emplace(use.op + '\n' + use.where, static_cast<std::uint32_t>(uses.size()));
    if (inserted) uses.push_back(use);
    return it->second;
  }
};

ReuseTable& reuse_table() {
  thread_local ReuseTable table;  // key-reuse tracking is per thread, like tracing
  return table;
}

// The values of the keys of a concrete key array, row-major.
std::vector<std::uint64_t> key_values(const Array& keys) {
  const Array dense = cpu::contiguous(keys);
  std::vector<std::uint64_t> values(static_cast<std::size_t>(keys.size()));
  if (!values.empty()) std::memcpy(values.data(), concrete(dense).data(), values.size() * sizeof(std::uint64_t));
  return values;
}

[[noreturn]] void throw_reuse(const KeyUse& first, const KeyUse& again) {
  std::string detail = fmt::format(
      "a PRNG key was consumed twice: first by {} at {}, then by {} at {}. Each key may be used once; "
      "split it (jx::random::split) and use each new key for one purpose.",
      first.op, first.where, again.op, again.where);
  if (first.where == again.where) {
    detail +=
        " Both uses are the same call: a loop, or a jitted function called again, consumes the same key "
        "each time (a key captured by a jitted function is consumed on every call); pass the key in and "
        "return a fresh one.";
  }
  throw KeyReuseError(again.op, detail, again.where);
}

}  // namespace

void consume_keys(const Array& keys, const KeyUse& use) {
  if (!use.checking()) return;
  ReuseTable& table = reuse_table();
  const std::uint32_t index = table.intern(use);
  std::unordered_set<std::uint64_t> this_call;  // a key broadcast over a batch (vmap) is used once
  for (std::uint64_t value : key_values(keys)) {
    if (!this_call.insert(value).second) continue;
    auto [it, inserted] = table.consumed.emplace(value, index);
    if (!inserted) throw_reuse(table.uses[it->second], use);
  }
}

void refresh_keys(const Array& keys) {
  ReuseTable& table = reuse_table();
  for (std::uint64_t value : key_values(keys)) table.consumed.erase(value);
}

void reset_key_reuse_tracking() { reuse_table() = ReuseTable{}; }

BatchResult batch_per_key(const Primitive& primitive, std::span<const Array> inputs, std::span<const int> axes) {
  const std::int64_t size = rules::batch_size(inputs, axes);
  ArrayList operands;
  for (std::size_t i = 0; i < inputs.size(); ++i) operands.push_back(rules::batched_at_front(inputs[i], axes[i], size));
  // fold_in's data may be one scalar per key: give it the keys' full shape.
  if (operands.size() == 2 && operands[1].ndim() < operands[0].ndim()) {
    operands[1] = lax::broadcast_in_dim(operands[1], operands[0].shape(), {0});
  }
  return {jx::bind(primitive, operands), {0}};
}

// --- Shape rules and kernels -----------------------------------------------------------------------

namespace {

void check_keys(std::string_view op, const ArrayType& keys) {
  if (keys.dtype != DType::key) {
    throw DTypeError(std::string(op), fmt::format("expects a PRNG key array (dtype {}), got {}", dtype_name(DType::key),
                                                  keys.to_string()));
  }
}

Shape concat(const Shape& a, const Shape& b) {
  Shape result = a;
  for (std::int64_t d : b) result.push_back(d);
  return result;
}

// Legacy draws hash at most 2^32 - 1 counters (JAX switches to a blocked scheme beyond, 16 GiB).
void check_legacy_size(std::string_view op, bool partitionable, std::int64_t words) {
  if (!partitionable && words >= (std::int64_t{1} << 32) - 1) {
    throw ValueError(std::string(op), fmt::format("a legacy-mode draw of {} words exceeds 2^32 - 1", words));
  }
}

// The key words of a concrete key array, row-major.
Array key_words(const Array& keys) { return cpu::contiguous(keys); }

cpu::threefry::KeyWords key_at(const Array& dense, std::int64_t k) {
  const auto* words = concrete(dense).data_as<std::uint32_t>() + 2 * k;
  return {words[0], words[1]};
}

// x's data reinterpreted as `type` (same number of bytes): a view when the layout allows.
Array reinterpret(const Array& x, const ArrayType& type) {
  const Array dense = cpu::contiguous(x);
  const ConcreteArray& c = concrete(dense);
  const auto in_size = static_cast<std::int64_t>(itemsize(c.type().dtype));
  const auto out_size = static_cast<std::int64_t>(itemsize(type.dtype));
  if ((c.offset() * in_size) % out_size == 0)
    return make_view(c, type, row_major_strides(type.shape), c.offset() * in_size / out_size);
  auto out = allocate_array(type);
  std::memcpy(out->data(), c.data(), type.num_bytes());
  return wrap(std::move(out));
}

// Runs `fill(key, out)` for each key of `keys` into consecutive slices of a fresh array of `type`.
template <class Fill>
Array per_key(const Array& keys, const ArrayType& type, Fill fill) {
  const Array dense = key_words(keys);
  auto out = allocate_array(type);
  const std::int64_t count = keys.size();
  const std::size_t slice = count == 0 ? 0 : type.num_bytes() / static_cast<std::size_t>(count);
  for (std::int64_t k = 0; k < count; ++k) fill(key_at(dense, k), out->data() + static_cast<std::size_t>(k) * slice);
  return wrap(std::move(out));
}

}  // namespace

TypeList RandomWrap::infer(std::span<const ArrayType> inputs) const {
  const ArrayType& data = inputs[0];
  if (data.dtype != DType::uint32 || data.ndim() == 0 || data.shape[data.ndim() - 1] != 2) {
    throw DTypeError(std::string(name()),
                     fmt::format("expects uint32 key data of shape (..., 2), got {}", data.to_string()));
  }
  Shape shape = data.shape;
  shape.erase(shape.ndim() - 1);
  return {ArrayType{shape, DType::key}};
}

ArrayList RandomWrap::evaluate(std::span<const Array> inputs) const {
  Array keys = reinterpret(inputs[0], infer(std::array{inputs[0].type()})[0]);
  if (fresh_) refresh_keys(keys);
  return {std::move(keys)};
}

TypeList RandomUnwrap::infer(std::span<const ArrayType> inputs) const {
  check_keys(name(), inputs[0]);
  Shape shape = inputs[0].shape;
  shape.push_back(2);
  return {ArrayType{shape, DType::uint32}};
}

ArrayList RandomUnwrap::evaluate(std::span<const Array> inputs) const {
  return {reinterpret(inputs[0], infer(std::array{inputs[0].type()})[0])};
}

TypeList RandomSplit::infer(std::span<const ArrayType> inputs) const {
  check_keys(name(), inputs[0]);
  ArrayType{concat(inputs[0].shape, shape_), DType::key}.validate(name());
  check_legacy_size(name(), partitionable_, 2 * shape_.num_elements());
  return {ArrayType{concat(inputs[0].shape, shape_), DType::key}};
}

ArrayList RandomSplit::evaluate(std::span<const Array> inputs) const {
  const ArrayType out = infer(std::array{inputs[0].type()})[0];
  consume_keys(inputs[0], use());
  const std::int64_t n = shape_.num_elements();
  return {per_key(inputs[0], out, [&](cpu::threefry::KeyWords key, std::byte* data) {
    cpu::threefry::split(key, partitionable_, n, reinterpret_cast<std::uint32_t*>(data));
  })};
}

TypeList RandomFoldIn::infer(std::span<const ArrayType> inputs) const {
  check_keys(name(), inputs[0]);
  const ArrayType& data = inputs[1];
  if (data.dtype != DType::uint32 || (data.ndim() != 0 && data.shape != inputs[0].shape)) {
    throw DTypeError(std::string(name()), fmt::format("expects uint32 data of the keys' shape {} (or a scalar), got {}",
                                                      inputs[0].shape.to_string(), data.to_string()));
  }
  return {inputs[0]};
}

ArrayList RandomFoldIn::evaluate(std::span<const Array> inputs) const {
  const ArrayType out = infer(std::array{inputs[0].type(), inputs[1].type()})[0];
  consume_keys(inputs[0], use());
  const Array data = cpu::contiguous(inputs[1]);
  const auto* values = concrete(data).data_as<std::uint32_t>();
  const bool scalar = inputs[1].ndim() == 0;
  std::int64_t k = 0;
  return {per_key(inputs[0], out, [&](cpu::threefry::KeyWords key, std::byte* result) {
    const auto folded = cpu::threefry::fold_in(key, values[scalar ? 0 : k++]);
    std::memcpy(result, &folded, sizeof folded);
  })};
}

TypeList RandomBits::infer(std::span<const ArrayType> inputs) const {
  check_keys(name(), inputs[0]);
  ArrayType{concat(inputs[0].shape, shape_), DType::uint64}.validate(name());
  DType dtype;
  switch (bit_width_) {
    case 8:
      dtype = DType::uint8;
      break;
    case 16:
      dtype = DType::uint16;
      break;
    case 32:
      dtype = DType::uint32;
      break;
    case 64:
      dtype = DType::uint64;
      break;
    default:
      throw ValueError(std::string(name()), fmt::format("bit_width must be 8, 16, 32 or 64, got {}", bit_width_));
  }
  check_legacy_size(name(), partitionable_, (shape_.num_elements() * bit_width_ + 31) / 32);
  return {ArrayType{concat(inputs[0].shape, shape_), dtype}};
}

ArrayList RandomBits::evaluate(std::span<const Array> inputs) const {
  const ArrayType out = infer(std::array{inputs[0].type()})[0];
  consume_keys(inputs[0], use());
  const std::int64_t n = shape_.num_elements();
  return {per_key(inputs[0], out, [&](cpu::threefry::KeyWords key, std::byte* data) {
    cpu::threefry::bits(key, bit_width_, partitionable_, n, data);
  })};
}

TypeList RandomUniform::infer(std::span<const ArrayType> inputs) const {
  check_keys(name(), inputs[0]);
  if (dtype_ != DType::float32 && dtype_ != DType::float64) {
    throw DTypeError(std::string(name()), fmt::format("draws float32 or float64, not {}", dtype_name(dtype_)));
  }
  ArrayType{concat(inputs[0].shape, shape_), dtype_}.validate(name());
  check_legacy_size(name(), partitionable_, shape_.num_elements() * (dtype_ == DType::float64 ? 2 : 1));
  return {ArrayType{concat(inputs[0].shape, shape_), dtype_}};
}

ArrayList RandomUniform::evaluate(std::span<const Array> inputs) const {
  const ArrayType out = infer(std::array{inputs[0].type()})[0];
  consume_keys(inputs[0], use());
  const std::int64_t n = shape_.num_elements();
  return {per_key(inputs[0], out, [&](cpu::threefry::KeyWords key, std::byte* data) {
    cpu::threefry::uniform01(key, dtype_, partitionable_, n, data);
  })};
}

TypeList RandomNormal::infer(std::span<const ArrayType> inputs) const {
  check_keys(name(), inputs[0]);
  ArrayType{concat(inputs[0].shape, shape_), DType::float32}.validate(name());
  check_legacy_size(name(), partitionable_, shape_.num_elements());
  return {ArrayType{concat(inputs[0].shape, shape_), DType::float32}};
}

ArrayList RandomNormal::evaluate(std::span<const Array> inputs) const {
  const ArrayType out = infer(std::array{inputs[0].type()})[0];
  consume_keys(inputs[0], use());
  const std::int64_t n = shape_.num_elements();
  return {per_key(inputs[0], out, [&](cpu::threefry::KeyWords key, std::byte* data) {
    cpu::threefry::normal_f32(key, partitionable_, n, reinterpret_cast<float*>(data));
  })};
}

}  // namespace jx::primitives
