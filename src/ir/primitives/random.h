// src/ir/primitives/random.h — the PRNG primitives: threefry keys in, keys or random values out.
//
// A key array has dtype key (two uint32 words per element). Each primitive maps every key of its
// input independently, keys of shape K giving outputs of shape K + shape, so a batch of keys is just
// a larger K and vmap's rule only has to move the batch axis to the front. The threefry mode is a
// parameter, read from the configuration when the op binds, so a program always computes what it
// was traced for.
//
// Primitives that consume a key (split, fold_in, bits, uniform, normal) carry a KeyUse naming the
// user's call, set only under config::debug_key_reuse. Evaluating such a primitive records each
// consumed key (by value, which copies, views and jit's arguments share) and throws KeyReuseError on
// the second use. While checking they count as side effects, so jit neither merges nor folds nor
// drops them, and a key captured by a jitted function is caught on its second call.
#pragma once

#include <string>
#include <tuple>

#include "jx/ir/primitive.h"

namespace jx::primitives {

// Who consumes a key: the public function and its caller's "file:line". Empty when not checking.
struct KeyUse {
  std::string op, where;
  bool checking() const { return !where.empty(); }
};

// Records that the keys of `keys` (concrete) are consumed by `use`; throws KeyReuseError if one was
// consumed before. No-op when `use` is not checking.
void consume_keys(const Array& keys, const KeyUse& use);
// Forgets the consumption of these keys' values: they were just made anew from a seed or raw words.
void refresh_keys(const Array& keys);
// Forgets every consumption recorded on this thread (tests start from a clean slate with it).
void reset_key_reuse_tracking();

// vmap's rule for primitives that map each key (and its data) independently: the batch axis of
// every input goes in front (unmapped inputs are broadcast along it), and the outputs have it there.
BatchResult batch_per_key(const Primitive& primitive, std::span<const Array> inputs, std::span<const int> axes);

// Consuming primitives: parameters for printing/equality exclude the KeyUse (a source location).
template <class Derived>
class KeyConsumer : public PrimitiveBase<Derived> {
 public:
  explicit KeyConsumer(KeyUse use) : use_(std::move(use)) {}
  const KeyUse& use() const { return use_; }
  bool has_side_effects() const override { return use_.checking(); }
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override {
    return batch_per_key(*this, inputs, axes);
  }

 private:
  KeyUse use_;
};

// uint32[K..., 2] -> key[K...] (jax.random.wrap_key_data). `fresh` (set only while checking key
// reuse) makes the keys new ones for the checker on every evaluation, so it counts as an effect.
class RandomWrap final : public PrimitiveBase<RandomWrap> {
 public:
  explicit RandomWrap(bool fresh = false) : fresh_(fresh) {}
  bool has_side_effects() const override { return fresh_; }
  std::string_view name() const override { return "random_wrap"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override {
    return batch_per_key(*this, inputs, axes);
  }
  auto params() const { return std::tuple<>{}; }

 private:
  bool fresh_;
};

// key[K...] -> uint32[K..., 2] (jax.random.key_data).
class RandomUnwrap final : public PrimitiveBase<RandomUnwrap> {
 public:
  std::string_view name() const override { return "random_unwrap"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override {
    return batch_per_key(*this, inputs, axes);
  }
  auto params() const { return std::tuple<>{}; }
};

// key[K...] -> key[K..., shape...].
class RandomSplit final : public KeyConsumer<RandomSplit> {
 public:
  RandomSplit(Shape shape, bool partitionable, KeyUse use)
      : KeyConsumer(std::move(use)), shape_(std::move(shape)), partitionable_(partitionable) {}
  std::string_view name() const override { return "random_split"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  auto params() const { return std::tuple{Param{"shape", shape_}, Param{"partitionable", partitionable_}}; }

 private:
  Shape shape_;
  bool partitionable_;
};

// key[K...], uint32[K...] (or a scalar) -> key[K...].
class RandomFoldIn final : public KeyConsumer<RandomFoldIn> {
 public:
  explicit RandomFoldIn(KeyUse use) : KeyConsumer(std::move(use)) {}
  std::string_view name() const override { return "random_fold_in"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  auto params() const { return std::tuple<>{}; }
};

// key[K...] -> uint{bit_width}[K..., shape...].
class RandomBits final : public KeyConsumer<RandomBits> {
 public:
  RandomBits(int bit_width, Shape shape, bool partitionable, KeyUse use)
      : KeyConsumer(std::move(use)), bit_width_(bit_width), shape_(std::move(shape)), partitionable_(partitionable) {}
  std::string_view name() const override { return "random_bits"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  auto params() const {
    return std::tuple{Param{"bit_width", bit_width_}, Param{"shape", shape_}, Param{"partitionable", partitionable_}};
  }

 private:
  int bit_width_;
  Shape shape_;
  bool partitionable_;
};

// key[K...] -> dtype[K..., shape...] uniform on [0, 1): random_bits and JAX's mantissa trick fused
// (float32 and float64; the other float types are composed from random_bits).
class RandomUniform final : public KeyConsumer<RandomUniform> {
 public:
  RandomUniform(DType dtype, Shape shape, bool partitionable, KeyUse use)
      : KeyConsumer(std::move(use)), dtype_(dtype), shape_(std::move(shape)), partitionable_(partitionable) {}
  std::string_view name() const override { return "random_uniform"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  auto params() const {
    return std::tuple{Param{"dtype", dtype_}, Param{"shape", shape_}, Param{"partitionable", partitionable_}};
  }

 private:
  DType dtype_;
  Shape shape_;
  bool partitionable_;
};

// key[K...] -> float32[K..., shape...] standard normal: sqrt(2) * erf_inv(uniform(nextafter(-1, 0), 1))
// fused, with lax.erf_inv's own kernel.
class RandomNormal final : public KeyConsumer<RandomNormal> {
 public:
  RandomNormal(Shape shape, bool partitionable, KeyUse use)
      : KeyConsumer(std::move(use)), shape_(std::move(shape)), partitionable_(partitionable) {}
  std::string_view name() const override { return "random_normal"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  auto params() const { return std::tuple{Param{"shape", shape_}, Param{"partitionable", partitionable_}}; }

 private:
  Shape shape_;
  bool partitionable_;
};

}  // namespace jx::primitives
