// jx/nn/reshaping.h — Haiku's small shape utilities: Bias, Reshape, Flatten, BatchApply and
// expand_apply. The modules run inside jx::nn::transform or transform_with_state; BatchApply and
// expand_apply wrap any callable of arrays (modules included) and need no transform of their own.
//
//   auto h = jx::nn::Flatten()(images);                          // (N, H, W, C) -> (N, H*W*C)
//   h = jx::nn::Bias()(h);                                        // params bias/b: (H*W*C)
//   auto r = jx::nn::Reshape({-1, 4}, {.preserve_dims = 2})(x);   // (B, T, 8, 2) -> (B, T, 4, 4)
//   // A module built for (batch, features), applied to (time, batch, features):
//   auto y = jx::nn::BatchApply([](const jx::Array& x) { return jx::nn::Linear(10)(x); })(sequence);
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jx/nn/transform.h"
#include "jx/numpy.h"
#include "jx/tree.h"

namespace jx::nn {

struct BiasOptions {
  // The expected shape of an example (the input's shape without its first axis); absent: any.
  std::optional<std::vector<std::int64_t>> output_size = std::nullopt;
  // The input axes the bias spans; the others are broadcast over, and the leading ones dropped from its
  // shape. Absent: every axis but the first. Empty: a scalar bias. Axis 0 (the batch) is refused.
  std::optional<std::vector<int>> bias_dims = std::nullopt;
  std::optional<Initializer> b_init = std::nullopt;  // default: zeros
  std::optional<std::string> name = std::nullopt;
};

// hk.Bias: x + b (times `multiplier` when given, so that one bias can be added in one place and
// subtracted in another). Inputs have a batch axis first: at least two axes.
class Bias : public Module {
 public:
  explicit Bias(BiasOptions options = {});
  Array operator()(const Array& x, const std::optional<Array>& multiplier = std::nullopt,
                   std::source_location loc = std::source_location::current()) const;

 private:
  BiasOptions options_;
};

struct ReshapeOptions {
  // How many leading axes to keep; negative: how many trailing axes output_shape replaces. Not zero.
  int preserve_dims = 1;
  std::optional<std::string> name = std::nullopt;
};

// hk.Reshape: keeps the first preserve_dims axes and reshapes the rest to output_shape, where one -1
// takes whatever size remains. Inputs with no more than preserve_dims axes pass unchanged.
class Reshape : public Module {
 public:
  explicit Reshape(std::vector<std::int64_t> output_shape, ReshapeOptions options = {});
  Array operator()(const Array& x, std::source_location loc = std::source_location::current()) const;

 protected:
  // For Flatten: `kind` names the module and `op_name` its errors.
  Reshape(std::string_view kind, std::string op_name, std::vector<std::int64_t> output_shape, ReshapeOptions options);

 private:
  std::string op_name_;
  std::vector<std::int64_t> output_shape_;
  ReshapeOptions options_;
};

// hk.Flatten: Reshape({-1}): all but the first preserve_dims axes become one.
class Flatten : public Reshape {
 public:
  explicit Flatten(ReshapeOptions options = {});
};

// Folds the first num_dims axes of x into one, when x has that many ((T, B, F) -> (T*B, F)); the
// inverse of split_leading_dim.
Array merge_leading_dims(const Array& x, int num_dims, std::source_location loc = std::source_location::current());
// Splits the first axis of x into `leading` ((T*B, F) -> (T, B, F)).
Array split_leading_dim(const Array& x, const Shape& leading,
                        std::source_location loc = std::source_location::current());

namespace detail {
// Maps the array leaves of a pytree argument; anything else passes unchanged (a flag, a count).
template <class F, class T>
auto map_array_leaves(const F& f, const T& arg) {
  if constexpr (tree::Pytree<T> && tree::can_hold_arrays<T>)
    return tree::map(f, arg);
  else
    return arg;
}
template <class T>
void find_leading_shape(const T& arg, int num_dims, std::optional<Shape>& leading) {
  if constexpr (tree::Pytree<T> && tree::can_hold_arrays<T>) {
    if (leading) return;
    for (const Array& leaf : tree::leaves(arg)) {
      const Shape& shape = leaf.shape();
      if (shape.ndim() >= num_dims) {
        leading = Shape(shape.begin(), shape.begin() + num_dims);
        return;
      }
    }
  }
}
[[noreturn]] void throw_no_mergeable_input(int num_dims);
void check_expand_axis(int axis);
}  // namespace detail

// hk.BatchApply: calls f with the first num_dims axes of every array argument with at least that many
// folded into one, then splits the first axis of every array f returns back into the first input's
// leading shape. Arguments are arrays or pytrees of them; other arguments pass as they are.
//
//   auto logits = jx::nn::BatchApply(net)(frames);   // frames (T, B, H, W, C): net sees (T*B, H, W, C)
template <class F>
class BatchApply {
 public:
  explicit BatchApply(F f, int num_dims = 2) : f_(std::move(f)), num_dims_(num_dims) {}

  template <class... Args>
  auto operator()(const Args&... args) const {
    std::optional<Shape> leading;
    (detail::find_leading_shape(args, num_dims_, leading), ...);
    if (!leading) detail::throw_no_mergeable_input(num_dims_);
    const int num_dims = num_dims_;
    const auto merge = [num_dims](const Array& x) { return merge_leading_dims(x, num_dims); };
    const auto split = [&leading](const Array& x) { return split_leading_dim(x, *leading); };
    return detail::map_array_leaves(split, std::invoke(f_, detail::map_array_leaves(merge, args)...));
  }

 private:
  F f_;
  int num_dims_;
};

// hk.expand_apply: f wrapped to see its array arguments with a new axis of size 1 at `axis` (0 or -1),
// its results squeezed back: a function written for (T, B, ...) applied to one step (B, ...).
template <class F>
auto expand_apply(F f, int axis = 0) {
  detail::check_expand_axis(axis);
  return [f = std::move(f), axis](const auto&... args) {
    const auto expand = [axis](const Array& x) { return numpy::expand_dims(x, axis); };
    const auto squeeze = [axis](const Array& x) { return numpy::squeeze(x, axis); };
    return detail::map_array_leaves(squeeze, std::invoke(f, detail::map_array_leaves(expand, args)...));
  };
}

}  // namespace jx::nn
