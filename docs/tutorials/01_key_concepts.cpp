// JAX's "Key concepts" tutorial (docs/key-concepts.md), cell by cell in jx.
//
// What JAX's documentation prints for each cell is quoted next to it; the frame (tutorial.h) checks
// that jx prints the same. Run: ./build/default/docs/tutorials/tutorial_01_key_concepts
#include <jx/jx.h>

#include <iostream>

#include "tutorial.h"

namespace jnp = jx::numpy;
namespace lax = jx::lax;

// Cell 8's NamedTuple.
struct Params {
  jx::Array a, b;
};
JX_PYTREE(Params, a, b);

// Cells 2 and 4 define selu; in C++ the definition lives here and the cells bind it.
jx::Array selu(const jx::Array& x, float alpha = 1.67f, float lambda = 1.05f) {
  return lambda * jnp::where(x > 0, x, alpha * jnp::exp(x) - alpha);
}

int main() {
  tutorial::Tutorial t("Key concepts", "docs/key-concepts.md", 13);

  // Transformations: jax.jit(selu) is a function; calling it on a Python float traces and compiles.
  t.cell("1.05", [] {
    auto selu_jit = jx::jit([](const jx::Array& x) { return selu(x); });
    std::cout << selu_jit(1.0) << "\n";
  });

  // The decorator form. C++ has no decorators: a jitted function is a value made once.
  t.cell("", [] {
    auto selu_jitted = jx::jit([](const jx::Array& x) { return selu(x); });
    (void)selu_jitted;
  });

  // Tracing: inside jit, print shows a tracer (its kind and abstract value), not the values.
  // JAX's text is JitTracer._short_repr (jax/_src/interpreters/partial_eval.py).
  t.cell("JitTracer(int32[5])", [] {
    auto f = jx::jit([](const jx::Array& x) {
      std::cout << x << "\n";
      return x + 1;
    });
    auto x = jnp::arange(5);
    auto result = f(x);
  });

  // The plain selu again (defined above main).
  t.cell("", [] {});

  // Jaxprs: the program tracing produces. JAX wraps `where` in a pjit; jx does not.
  t.jaxpr_cell(R"({ lambda ; a:f32[5]. let
    b:bool[5] = gt a 0.0:f32[]
    c:f32[5] = exp a
    d:f32[5] = mul 1.67:f32[] c
    e:f32[5] = sub d 1.67:f32[]
    f:f32[5] = pjit[
      name=_where
      jaxpr={ lambda ; g:bool[5] h:f32[5] i:f32[5]. let
          j:f32[5] = select_n g i h
        in (j,) }
    ] b a e
    k:f32[5] = mul 1.05:f32[] f
  in (k,) })",
               [] {
                 auto x = jnp::arange(5.0);
                 std::cout << jx::make_jaxpr([](const jx::Array& v) { return selu(v); })(x) << "\n";
               });

  // Pytrees: a nested list. JAX's Python ints 1 and 2 are leaves; in jx a plain int in a tree is a
  // static leaf (part of the structure, as a jit static argument), so the translation makes them
  // arrays, and a list of mixed leaves is a dynamic jx::tree::Tree.
  t.differing_cell(R"(PyTreeDef([*, *, (*, *)])
[1, 2, Array([0, 1, 2], dtype=int32), Array([1., 1.], dtype=float32)])",
                   "jx trees hold arrays; the ints become weakly typed 0-d arrays", [] {
                     auto params = std::tuple{jnp::array(1), jnp::array(2), std::tuple{jnp::arange(3), jnp::ones({2})}};
                     std::cout << jx::tree::structure(params) << "\n";
                     std::cout << tutorial::py_list(jx::tree::leaves(params)) << "\n";
                   });

  // A dict: keys are sorted, and its leaves come in key order. JAX's Python int 5 is a leaf; in jx it
  // is a 0-d array.
  t.differing_cell(
      R"(PyTreeDef({'W': *, 'b': *, 'n': *})
[Array([[1., 1.],
       [1., 1.]], dtype=float32), Array([0., 0.], dtype=float32), 5])",
      "the int leaf 5 is a weakly typed 0-d array in jx", [] {
        auto params = jx::tree::Tree::dict({{"n", jnp::array(5)}, {"W", jnp::ones({2, 2})}, {"b", jnp::zeros({2})}});
        std::cout << jx::tree::structure(params) << "\n";
        std::cout << tutorial::py_list(jx::tree::leaves(params)) << "\n";
      });

  // A NamedTuple is a registered node; its C++ counterpart is a struct registered with JX_PYTREE.
  t.differing_cell(R"(PyTreeDef(CustomNode(namedtuple[Params], [*, *]))
[1, 5.0])",
                   "a C++ struct, not a namedtuple, and its fields are 0-d arrays", [] {
                     auto params = Params{jnp::array(1), jnp::array(5.0)};
                     std::cout << jx::tree::structure(params) << "\n";
                     std::cout << tutorial::py_list(jx::tree::leaves(params)) << "\n";
                   });

  // jnp functions promote mixed types implicitly: an int and a float scalar give a weak float.
  t.cell("Array(2., dtype=float32, weak_type=True)", [] { std::cout << jx::repr(jnp::add(1, 1.0)) << "\n"; });

  // lax functions require the operands' dtypes to agree already.
  t.raising_cell<jx::DTypeError>("TypeError", [] { std::cout << lax::add(jnp::array(1), jnp::array(1.0)) << "\n"; });

  // jnp.float32(1) is a strongly typed float32 scalar, so the weak 1.0 takes its type.
  t.cell("Array(2., dtype=float32)",
         [] { std::cout << jx::repr(lax::add(jnp::array(1, jx::float32), jnp::array(1.0))) << "\n"; });

  // jnp.convolve promotes the int array to float itself (x is int32, y float32).
  t.cell("Array([1., 3., 4., 4., 4., 4., 4., 4., 4., 4., 3., 1.], dtype=float32)", [] {
    auto x = jnp::array({1, 2, 1});
    auto y = jnp::ones({10});
    std::cout << jx::repr(jnp::convolve(x, y)) << "\n";
  });

  // The same convolution through lax.conv_general_dilated: explicit promotion, and "full" padding.
  // Python's `float` dtype is the default float type, float32 without x64.
  t.cell("Array([1., 3., 4., 4., 4., 4., 4., 4., 4., 4., 3., 1.], dtype=float32)", [] {
    auto x = jnp::array({1, 2, 1});
    auto y = jnp::ones({10});
    const std::int64_t pad = y.shape()[0] - 1;
    auto result = lax::conv_general_dilated(x.reshape({1, 1, 3}).astype(jx::float32), y.reshape({1, 1, 10}),
                                            /*window_strides=*/{1}, /*padding=*/{{pad, pad}});
    std::cout << jx::repr(result[0][0]) << "\n";
  });

  return t.finish();
}
