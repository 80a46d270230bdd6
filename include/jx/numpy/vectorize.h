// jx/numpy/vectorize.h — jnp.vectorize: a function written for single elements (or for core shapes
// named by a signature, such as "(n),(n)->()") applied across the broadcast leading axes of its
// arguments, by vmap: no Python-style loop, and the result traces under jit and grad like any function.
//
//   namespace jnp = jx::numpy;
//   auto safe_div = jnp::vectorize([](const Array& a, const Array& b) { return jnp::where(b == 0, 0.0f, a / b); });
//   auto z = safe_div(x, y);                                     // broadcasts x and y
//   auto dots = jnp::vectorize([](const Array& u, const Array& v) { return jnp::dot(u, v); },
//                              {.signature = "(n),(n)->()"});
//   auto d = dots(batch_u, batch_v);                             // (batch, n) x (batch, n) -> (batch)
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "jx/core/array.h"

namespace jx::numpy {

struct VectorizeOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  // The core dimensions of each argument and of the result, as NumPy's generalized ufuncs name them;
  // without one every argument's elements are the cores (scalars).
  std::optional<std::string> signature = std::nullopt;
  std::set<int> excluded = {};  // positions of arguments passed through as they are (not vectorized)
};

}  // namespace jx::numpy

namespace jx::detail {
using VectorizedBody = std::function<Array(const std::vector<Array>&)>;
// Broadcasts the arguments' loop axes and maps body over them (src/ops/numpy_vectorize.cpp).
Array call_vectorized(const VectorizedBody& body, const std::vector<Array>& args,
                      const numpy::VectorizeOptions& options);
}  // namespace jx::detail

namespace jx::numpy {

template <class F>
class Vectorized {
 public:
  Vectorized(F f, VectorizeOptions options) : f_(std::move(f)), options_(std::move(options)) {}

  template <class... Args>
  Array operator()(const Args&... args) const {
    const std::vector<Array> arrays = {Array(args)...};
    const jx::detail::VectorizedBody body = [this](const std::vector<Array>& a) {
      return call(a, std::make_index_sequence<sizeof...(Args)>{});
    };
    return jx::detail::call_vectorized(body, arrays, options_);
  }

 private:
  template <std::size_t... I>
  Array call(const std::vector<Array>& a, std::index_sequence<I...>) const {
    return f_(a[I]...);
  }
  F f_;
  VectorizeOptions options_;
};

inline constexpr struct vectorize_function {
  template <class F>
  Vectorized<F> operator()(F f, VectorizeOptions options = {}) const {
    return Vectorized<F>(std::move(f), std::move(options));
  }
} vectorize{};

}  // namespace jx::numpy
