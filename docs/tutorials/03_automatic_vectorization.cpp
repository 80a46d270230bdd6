// JAX's "Automatic vectorization" tutorial (docs/automatic-vectorization.md), cell by cell in jx.
//
// What JAX's documentation prints for each cell is quoted next to it; the frame (tutorial.h) checks
// that jx prints the same. Run: ./build/default/docs/tutorials/tutorial_03_automatic_vectorization
//
// The expected texts are the outputs stored in the JAX 101 notebook docs/jax-101/03-vectorization.ipynb
// (at 10ed827fe9^), whose cells are the same code.
#include <jx/jx.h>

#include <cstdint>
#include <iostream>
#include <optional>
#include <vector>

#include "tutorial.h"

namespace jnp = jx::numpy;

namespace {

// Cell 1: the convolution of two vectors, one output element at a time. len(x) is the length of
// the first axis.
jx::Array convolve(const jx::Array& x, const jx::Array& w) {
  std::vector<jx::Array> output;
  for (std::int64_t i = 1; i < x.shape()[0] - 1; ++i) output.push_back(jnp::dot(x[jx::Slice{i - 1, i + 2}], w));
  return jnp::array(output);
}

// Cell 3: the batch looped over in C++.
jx::Array manually_batched_convolve(const jx::Array& xs, const jx::Array& ws) {
  std::vector<jx::Array> output;
  for (std::int64_t i = 0; i < xs.shape()[0]; ++i) output.push_back(convolve(xs[i], ws[i]));
  return jnp::stack(output);
}

// Cell 4: the same rewritten by hand to work on the whole batch at once.
jx::Array manually_vectorized_convolve(const jx::Array& xs, const jx::Array& ws) {
  std::vector<jx::Array> output;
  const std::int64_t n = xs.shape()[xs.ndim() - 1];
  for (std::int64_t i = 1; i < n - 1; ++i)
    output.push_back(jnp::sum(xs(jx::Slice{}, jx::Slice{i - 1, i + 2}) * ws, {.axis = 1}));
  return jnp::stack(output, 1);
}

// Cell 9: f applied to every pair of rows of xs, by two nested vmaps.
template <class F>
jx::Array pairwise(const F& f, const jx::Array& xs) {
  return jx::vmap([&](const jx::Array& x) { return jx::vmap([&](const jx::Array& y) { return f(x, y); })(xs); })(xs);
}

}  // namespace

int main() {
  tutorial::Tutorial t("Automatic vectorization", "docs/automatic-vectorization.md", 9);

  // x is int32 and w float32; jnp.dot promotes, so the result is float32.
  const auto x = jnp::arange(5);
  const auto w = jnp::array({2., 3., 4.});
  t.cell("Array([11., 20., 29.], dtype=float32)", [&] { std::cout << jx::repr(convolve(x, w)) << "\n"; });

  // A batch of two of each.
  const auto xs = jnp::stack({x, x});
  const auto ws = jnp::stack({w, w});
  t.cell("", [] {});

  t.cell(R"(Array([[11., 20., 29.],
       [11., 20., 29.]], dtype=float32))",
         [&] { std::cout << jx::repr(manually_batched_convolve(xs, ws)) << "\n"; });

  t.cell(R"(Array([[11., 20., 29.],
       [11., 20., 29.]], dtype=float32))",
         [&] { std::cout << jx::repr(manually_vectorized_convolve(xs, ws)) << "\n"; });

  // vmap maps convolve over the first axis of both arguments.
  const auto auto_batch_convolve = jx::vmap(convolve);
  t.cell(R"(Array([[11., 20., 29.],
       [11., 20., 29.]], dtype=float32))",
         [&] { std::cout << jx::repr(auto_batch_convolve(xs, ws)) << "\n"; });

  // The batch along axis 1 of the inputs and of the output.
  t.cell(R"(Array([[11., 11.],
       [20., 20.],
       [29., 29.]], dtype=float32))",
         [&] {
           const auto auto_batch_convolve_v2 = jx::vmap(convolve, {.in_axes = 1, .out_axes = 1});
           const auto xst = jnp::transpose(xs);
           const auto wst = jnp::transpose(ws);
           std::cout << jx::repr(auto_batch_convolve_v2(xst, wst)) << "\n";
         });

  // Only the first argument batched; w is shared by every example (None in JAX, std::nullopt here).
  t.cell(R"(Array([[11., 20., 29.],
       [11., 20., 29.]], dtype=float32))",
         [&] {
           const auto batch_convolve_v3 = jx::vmap(convolve, {.in_axes = {0, std::nullopt}});
           std::cout << jx::repr(batch_convolve_v3(xs, w)) << "\n";
         });

  // jit of a vmapped function.
  t.cell(R"(Array([[11., 20., 29.],
       [11., 20., 29.]], dtype=float32))",
         [&] {
           const auto jitted_batch_convolve = jx::jit(auto_batch_convolve);
           std::cout << jx::repr(jitted_batch_convolve(xs, ws)) << "\n";
         });

  // pairwise (defined above main) is only defined here; JAX's page does not call it.
  t.cell("", [] {});

  return t.finish();
}
