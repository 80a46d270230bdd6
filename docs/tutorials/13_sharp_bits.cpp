// JAX's "The Sharp Bits" (docs/notebooks/Common_Gotchas_in_JAX.md), cell by cell in jx.
//
// Expected texts are the outputs stored in docs/notebooks/Common_Gotchas_in_JAX.ipynb at JAX's HEAD,
// unless a comment says otherwise. Python-only behaviour (NumPy's mutable arrays, iterators, classes
// passed to jit) is given its closest C++ counterpart.
// Run: ./build/default/docs/tutorials/tutorial_13_sharp_bits
#include <jx/jx.h>

#include <iostream>
#include <limits>
#include <map>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "tutorial.h"

namespace jnp = jx::numpy;
namespace lax = jx::lax;

// Cells 3 and 4 read and write a global, as the Python cells do.
float g = 0.0f;
// jnp.nan: jx::numpy has no constant for it (nor inf, pi, e).
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
jx::Array saved_global;

// Cells 14 and 15: a class whose method is jitted with `self` as an ordinary argument. A plain C++
// class is not a pytree, so jx cannot trace it.
namespace strategy0 {
struct CustomClass {
  jx::Array x;
  bool mul;
};
}  // namespace strategy0

// Cells 16 and 17, strategy 1: a jitted helper outside the class, `mul` static.
namespace strategy1 {
inline const auto calc_helper =
    jx::jit([](bool mul, const jx::Array& x, const jx::Array& y) { return mul ? x * y : y; }, jx::static_argnums<0>);
struct CustomClass {
  jx::Array x;
  bool mul;
  jx::Array calc(const jx::Array& y) const { return calc_helper(mul, x, y); }
};
}  // namespace strategy1

// Cells 18 to 20, strategy 2 done wrong: `self` static. Python's default hash and equality of an
// object are its identity; the C++ counterpart of that is the object's address, so the static
// argument is `this`. The cache then never sees a mutation.
namespace strategy2 {
struct CustomClass {
  int x;
  bool mul;
  jx::Array calc(const jx::Array& y) const;
};
inline const auto calc_jit = jx::jit(
    [](const CustomClass* self, const jx::Array& y) -> jx::Array {
      if (self->mul) return self->x * y;
      return y;
    },
    jx::static_argnums<0>);
inline jx::Array CustomClass::calc(const jx::Array& y) const { return calc_jit(this, y); }
}  // namespace strategy2

// Cell 21, strategy 2 done better: hash and equality by value, and the object itself is static.
namespace strategy2b {
struct CustomClass {
  int x;
  bool mul;
  bool operator==(const CustomClass&) const = default;
  jx::Array calc(const jx::Array& y) const;
};
}  // namespace strategy2b
template <>
struct std::hash<strategy2b::CustomClass> {
  std::size_t operator()(const strategy2b::CustomClass& c) const noexcept {
    return std::hash<int>{}(c.x) * 31 + std::hash<bool>{}(c.mul);
  }
};
namespace strategy2b {
inline const auto calc_jit = jx::jit(
    [](const CustomClass& self, const jx::Array& y) -> jx::Array {
      if (self.mul) return self.x * y;
      return y;
    },
    jx::static_argnums<0>);
inline jx::Array CustomClass::calc(const jx::Array& y) const { return calc_jit(*this, y); }
}  // namespace strategy2b

// Cells 22 to 25, strategy 3: the class is a pytree, `x` a leaf and `mul` a static leaf (JAX's
// aux_data), so jit traces x and keys its cache on mul.
namespace strategy3 {
struct CustomClass {
  jx::Array x;
  bool mul;
  jx::Array calc(const jx::Array& y) const;
};
JX_PYTREE(CustomClass, x, mul);
inline const auto calc_jit = jx::jit([](const CustomClass& self, const jx::Array& y) -> jx::Array {
  if (self.mul) return self.x * y;
  return y;
});
inline jx::Array CustomClass::calc(const jx::Array& y) const { return calc_jit(*this, y); }
}  // namespace strategy3

// Cell 35's nansum: boolean-mask indexing, whose result's size depends on the values.
jx::Array nansum(const jx::Array& x) {
  auto mask = ~jnp::isnan(x);
  auto x_without_nans = x[mask];
  return jnp::sum(x_without_nans);
}

int main() {
  tutorial::Tutorial t("The Sharp Bits", "docs/notebooks/Common_Gotchas_in_JAX.md", 39);

  // Imports.
  t.cell("", [] {});

  // A side effect runs while tracing only. Python's jit caches on the function object, so calling
  // jit(f) anew reuses the trace; a jx::jit object owns its cache, so the translation makes it once.
  t.cell(R"(Executing function
First call:  4.0
Second call:  5.0
Executing function
Third call, different type:  [5.])",
         [] {
           auto impure_print_side_effect = jx::jit([](const jx::Array& x) {
             std::cout << "Executing function\n";
             return x;
           });
           // Python evaluates print's arguments before printing; a C++ `<<` chain would print the
           // label first, so each result is computed before its line.
           auto first = impure_print_side_effect(4.);
           std::cout << "First call:  " << first << "\n";
           auto second = impure_print_side_effect(5.);
           std::cout << "Second call:  " << second << "\n";
           auto third = impure_print_side_effect(jnp::array({5.0f}));
           std::cout << "Third call, different type:  " << third << "\n";
         });

  // A global read while tracing is baked into the program; a retrace reads it again.
  t.cell(R"(First call:  4.0
Second call:  5.0
Third call, different type:  [14.])",
         [] {
           g = 0.0f;
           auto impure_uses_globals = jx::jit([](const jx::Array& x) { return x + g; });
           std::cout << "First call:  " << impure_uses_globals(4.) << "\n";
           g = 10.0f;
           std::cout << "Second call:  " << impure_uses_globals(5.) << "\n";
           std::cout << "Third call, different type:  " << impure_uses_globals(jnp::array({4.0f})) << "\n";
         });

  // A global written while tracing keeps the tracer. The notebook shows the tracer in JAX's old
  // format; the text below is what JAX's HEAD prints (JitTracer._short_repr of a weak float32[]
  // aval, jax/_src/interpreters/partial_eval.py and core.ShapedArray.__str__).
  t.cell(R"(First call:  4.0
Saved global:  JitTracer(~float32[]))",
         [] {
           auto impure_saves_global = jx::jit([](const jx::Array& x) {
             saved_global = x;
             return x;
           });
           std::cout << "First call:  " << impure_saves_global(4.) << "\n";
           std::cout << "Saved global:  " << saved_global << "\n";
         });

  // State local to the function is fine: the loop runs while tracing.
  t.cell("50.0", [] {
    auto pure_uses_internal_state = jx::jit([](const jx::Array& x) {
      std::map<std::string, jx::Array> state{{"even", jnp::array(0)}, {"odd", jnp::array(0)}};
      for (int i = 0; i < 10; ++i) state[i % 2 == 0 ? "even" : "odd"] += x;
      return state["even"] + state["odd"];
    });
    std::cout << pure_uses_internal_state(5.) << "\n";
  });

  // Iterators: the loop body is traced once, so an iterator advanced in it is read once (its first
  // element, 0, is added every time). The C++ iterator is a position in a vector, advanced in the body.
  t.cell("45\n0", [] {
    auto array = jnp::arange(10);
    std::cout << lax::fori_loop(
                     0, 10, [&](const jx::Array& i, const jx::Array& x) { return x + array[i]; }, 0)
              << "\n";
    std::vector<int> range(10);
    std::iota(range.begin(), range.end(), 0);
    auto iterator = range.begin();
    std::cout << lax::fori_loop(
                     0, 10, [&](const jx::Array&, const jx::Array& x) { return x + *iterator++; }, 0)
              << "\n";

    auto func11 = [](const jx::Array& arr, const jx::Array& extra) {
      auto ones = jnp::ones(arr.shape());
      auto body = [&](const jx::Array& carry, const std::pair<jx::Array, jx::Array>& aelems) {
        const auto& [ae1, ae2] = aelems;
        return std::pair{carry + ae1 * ae2 + extra, carry};
      };
      return lax::scan(body, 0., std::pair{arr, ones});
    };
    (void)jx::make_jaxpr(func11)(jnp::arange(16), 5.);

    auto array_operand = jnp::array({0.0f});
    (void)lax::cond(
        true, [](const jx::Array& x) { return x + 1; }, [](const jx::Array& x) { return x - 1; }, array_operand);
  });

  // NumPy's arrays are mutable buffers; the C++ counterpart is a std::vector, updated in place (and
  // printed through a jx array made from it).
  t.cell(R"(original array:
[[0. 0. 0.]
 [0. 0. 0.]
 [0. 0. 0.]]
updated array:
[[0. 0. 0.]
 [1. 1. 1.]
 [0. 0. 0.]])",
         [] {
           std::vector<float> numpy_array(9, 0.0f);
           std::cout << "original array:\n" << jnp::array(numpy_array, {3, 3}) << "\n";
           for (int j = 0; j < 3; ++j) numpy_array[3 + j] = 1.0f;
           std::cout << "updated array:\n" << jnp::array(numpy_array, {3, 3}) << "\n";
         });

  t.not_translated("%xmode Minimal: an IPython magic (exception display mode), nothing to translate");

  // Item assignment on an array. JAX raises TypeError when it runs; in jx `x(1, Slice{})` is a new
  // array and assigning to it does not compile, so the check is made at compile time here.
  t.differing_cell(
      "TypeError: '<class 'jaxlib._jax.ArrayImpl'>' object does not support item assignment. JAX arrays are "
      "immutable. Instead of ``x[idx] = y``, use ``x = x.at[idx].set(y)`` or another .at[] method: "
      "https://docs.jax.dev/en/latest/_autosummary/jax.numpy.ndarray.at.html",
      "jx rejects assignment into an indexed array when compiling, not when running", [] {
        using Indexed = decltype(jnp::zeros({3, 3})(1, jx::Slice{}));
        static_assert(!std::is_assignable_v<Indexed, double>);
        std::cout << "jax_array(1, jx::Slice{}) = 1.0 does not compile\n";
      });

  // `+=` rebinds: the other handle keeps the old value. A std::vector shares NumPy's in-place
  // behaviour through a reference. The notebook stores no output; NumPy gives [20 30] [20 30] for
  // its half, and JAX's half is [20 30] [10 20] by the rebinding the text describes.
  t.cell("[20 30]\n[10 20]\n[20 30]\n[20 30]", [] {
    auto jax_array = jnp::array({10, 20});
    auto jax_array_new = jax_array;
    jax_array_new += 10;
    std::cout << jax_array_new << "\n";
    std::cout << jax_array << "\n";

    std::vector<int> numpy_array{10, 20};
    auto& numpy_array_new = numpy_array;
    for (auto& v : numpy_array_new) v += 10;
    std::cout << jnp::array(numpy_array_new) << "\n";
    std::cout << jnp::array(numpy_array) << "\n";
  });

  // The functional update; cell 12 shows the original again (the block scopes the shared array).
  {
    jx::Array jax_array = jnp::zeros({3, 3}, jx::float32);
    t.cell(R"(updated array:
 [[0. 0. 0.]
 [1. 1. 1.]
 [0. 0. 0.]])",
           [&] {
             auto updated_array = jax_array.at(1, jx::Slice{}).set(1.0);
             std::cout << "updated array:\n " << updated_array << "\n";
           });

    t.cell(R"(original array unchanged:
 [[0. 0. 0.]
 [0. 0. 0.]
 [0. 0. 0.]])",
           [&] { std::cout << "original array unchanged:\n " << jax_array << "\n"; });
  }

  // An indexed add over a strided slice: x.at[::2, 3:].add(7.).
  t.cell(R"(original array:
[[1. 1. 1. 1. 1. 1.]
 [1. 1. 1. 1. 1. 1.]
 [1. 1. 1. 1. 1. 1.]
 [1. 1. 1. 1. 1. 1.]
 [1. 1. 1. 1. 1. 1.]]
new array post-addition:
[[1. 1. 1. 8. 8. 8.]
 [1. 1. 1. 1. 1. 1.]
 [1. 1. 1. 8. 8. 8.]
 [1. 1. 1. 1. 1. 1.]
 [1. 1. 1. 8. 8. 8.]])",
         [] {
           std::cout << "original array:\n";
           auto jax_array = jnp::ones({5, 6});
           std::cout << jax_array << "\n";
           auto new_jax_array = jax_array.at(jx::Slice{.step = 2}, jx::Slice{.start = 3}).add(7.);
           std::cout << "new array post-addition:\n" << new_jax_array << "\n";
         });

  // The class with a jitted method taking `self` (strategy0 above main).
  t.cell("", [] {});

  // Passing it to jit. JAX raises TypeError at the call; a jx::jit call with an argument that is not
  // a pytree does not compile, so the check is made at compile time here.
  t.differing_cell(
      "TypeError: Error interpreting argument to <function CustomClass.calc> as an abstract array. The problematic "
      "value is of type <class '__main__.CustomClass'> and was passed to the function at path self.",
      "jx rejects a non-pytree argument of jit when compiling, not when calling", [] {
        static_assert(!jx::tree::Pytree<strategy0::CustomClass>);
        std::cout << "CustomClass is not a pytree: jit(calc)(c, 3) does not compile\n";
      });

  // Strategy 1 (strategy1 above main).
  t.cell("", [] {});
  t.cell("6", [] {
    strategy1::CustomClass c{jnp::array(2), true};
    std::cout << c.calc(3) << "\n";
  });

  // Strategy 2, `self` static by identity (strategy2 above main).
  t.cell("", [] {});
  strategy2::CustomClass c2{2, true};
  t.cell("6", [&] { std::cout << c2.calc(3) << "\n"; });
  // The mutation is invisible to the cache: the stale program still multiplies.
  t.cell("6", [&] {
    c2.mul = false;
    std::cout << c2.calc(3) << "\n";
  });

  // Strategy 2 with hash and equality by value (strategy2b above main); the cell only defines it.
  t.cell("", [] { (void)strategy2b::CustomClass{2, true}.calc(3); });

  // Strategy 3, a pytree (strategy3 above main).
  t.cell("", [] {});
  strategy3::CustomClass c3{2, true};
  t.cell("6", [&] { std::cout << c3.calc(3) << "\n"; });
  t.cell("3", [&] {
    c3.mul = false;
    std::cout << c3.calc(3) << "\n";
  });
  t.cell("6", [] {
    strategy3::CustomClass c{jnp::array(2), true};
    std::cout << c.calc(3) << "\n";
  });

  // NumPy raises on an out-of-bounds index; the C++ container's counterpart is vector::at.
  t.raising_cell<std::out_of_range>("IndexError", [] {
    std::vector<int> arange(10);
    std::iota(arange.begin(), arange.end(), 0);
    std::cout << arange.at(11) << "\n";
  });

  // JAX clamps an out-of-bounds static index (jax_check_static_indices is off by default). In jx a
  // static C++ index out of range is an IndexError (DESIGN.md: bad input gets a clear error), as in
  // JAX with jax_check_static_indices on; an index given as an array clamps as JAX's does.
  t.differing_cell("Array(9, dtype=int32)", "a static index out of range throws IndexError in jx", [] {
    try {
      std::cout << jx::repr(jnp::arange(10)[11]) << "\n";
    } catch (const jx::IndexError&) {
      std::cout << "IndexError; as an array index: " << jx::repr(jnp::arange(10)[jnp::array(11)]) << "\n";
    }
  });
  t.differing_cell("Array(9., dtype=float32)", "a static index out of range throws IndexError in jx", [] {
    try {
      std::cout << jx::repr(jnp::arange(10.0).at(11).get()) << "\n";
    } catch (const jx::IndexError&) {
      std::cout << "IndexError; as an array index: " << jx::repr(jnp::arange(10.0).at(jnp::array(11)).get()) << "\n";
    }
  });
  // With the mode given explicitly, a static index follows it.
  t.cell("Array(nan, dtype=float32)",
         [] { std::cout << jx::repr(jnp::arange(10.0).at(11).get({.mode = "fill", .fill_value = jnp::nan})) << "\n"; });

  // NumPy sums a Python list; the C++ counterpart sums a std::vector.
  t.cell("6", [] {
    std::vector<int> list{1, 2, 3};
    std::cout << std::accumulate(list.begin(), list.end(), 0) << "\n";
  });

  // jnp.sum of a list raises TypeError; jnp::sum takes arrays only, so a std::vector does not compile.
  t.differing_cell("TypeError: sum requires ndarray or scalar arguments, got <class 'list'> at position 0.",
                   "jx rejects a std::vector argument of jnp::sum when compiling, not when calling", [] {
                     static_assert(!std::is_invocable_v<decltype(jnp::sum), std::vector<int>>);
                     std::cout << "jnp::sum(std::vector<int>{1, 2, 3}) does not compile\n";
                   });

  // A permissive sum that converts its list first.
  std::vector<int> x(10);
  std::iota(x.begin(), x.end(), 0);
  t.cell("Array(45, dtype=int32)", [&] {
    auto permissive_sum = [](const std::vector<int>& v) { return jnp::sum(jnp::array(v)); };
    std::cout << jx::repr(permissive_sum(x)) << "\n";
  });

  // Traced, every element of a list is its own input. (JAX wraps the long input list onto a second
  // line; it is joined here, since the frame's jaxpr reader takes the binders from one line.) A list of C++ ints would
  // be static leaves in jx, so the traced list is a std::vector of weakly typed 0-d arrays, as Python's ints are.
  t.jaxpr_cell(R"({ lambda ; a:i32[] b:i32[] c:i32[] d:i32[] e:i32[] f:i32[] g:i32[] h:i32[] i:i32[] j:i32[]. let
    k:i32[] = convert_element_type[new_dtype=int32 weak_type=False] a
    l:i32[] = convert_element_type[new_dtype=int32 weak_type=False] b
    m:i32[] = convert_element_type[new_dtype=int32 weak_type=False] c
    n:i32[] = convert_element_type[new_dtype=int32 weak_type=False] d
    o:i32[] = convert_element_type[new_dtype=int32 weak_type=False] e
    p:i32[] = convert_element_type[new_dtype=int32 weak_type=False] f
    q:i32[] = convert_element_type[new_dtype=int32 weak_type=False] g
    r:i32[] = convert_element_type[new_dtype=int32 weak_type=False] h
    s:i32[] = convert_element_type[new_dtype=int32 weak_type=False] i
    t:i32[] = convert_element_type[new_dtype=int32 weak_type=False] j
    u:i32[1] = broadcast_in_dim[broadcast_dimensions=() shape=(1,)] k
    v:i32[1] = broadcast_in_dim[broadcast_dimensions=() shape=(1,)] l
    w:i32[1] = broadcast_in_dim[broadcast_dimensions=() shape=(1,)] m
    x:i32[1] = broadcast_in_dim[broadcast_dimensions=() shape=(1,)] n
    y:i32[1] = broadcast_in_dim[broadcast_dimensions=() shape=(1,)] o
    z:i32[1] = broadcast_in_dim[broadcast_dimensions=() shape=(1,)] p
    ba:i32[1] = broadcast_in_dim[broadcast_dimensions=() shape=(1,)] q
    bb:i32[1] = broadcast_in_dim[broadcast_dimensions=() shape=(1,)] r
    bc:i32[1] = broadcast_in_dim[broadcast_dimensions=() shape=(1,)] s
    bd:i32[1] = broadcast_in_dim[broadcast_dimensions=() shape=(1,)] t
    be:i32[10] = concatenate[dimension=0] u v w x y z ba bb bc bd
    bf:i32[] = reduce_sum[axes=(0,)] be
  in (bf,) })",
               [&] {
                 // jnp.array(list) converts every element to the list's dtype and stacks them.
                 auto permissive_sum = [](const std::vector<jx::Array>& v) { return jnp::sum(jnp::array(v)); };
                 std::vector<jx::Array> list;
                 for (int v : x) list.push_back(jx::Array(v));
                 std::cout << jx::make_jaxpr(permissive_sum)(list) << "\n";
               });

  t.cell("Array(45, dtype=int32)", [&] { std::cout << jx::repr(jnp::sum(jnp::array(x))) << "\n"; });

  // nansum is defined above main.
  t.cell("", [] {});

  auto xs = jnp::array({1.0f, 2.0f, kNaN, 3.0f, 4.0f});
  t.cell("10.0", [&] { std::cout << nansum(xs) << "\n"; });

  // Under jit the mask is a tracer, and a boolean index needs its values.
  t.raising_cell<jx::ConcretizationError>("NonConcreteBooleanIndexError", [&] {
    auto jitted = jx::jit([](const jx::Array& v) { return nansum(v); });
    std::cout << jitted(xs) << "\n";
  });

  // The three-argument where keeps the shape static.
  t.cell("10.0", [&] {
    auto nansum_2 = jx::jit([](const jx::Array& v) {
      auto mask = ~jnp::isnan(v);
      return jnp::sum(jnp::where(mask, v, 0));
    });
    std::cout << nansum_2(xs) << "\n";
  });

  // Without x64, asking for float64 gives float32. Python displays a NumPy dtype as dtype('float32').
  t.cell("dtype('float32')", [] {
    auto x64 = jx::random::uniform(jx::random::key(0), {1000}, jx::float64);
    std::cout << "dtype('" << jx::dtype_name(x64.dtype()) << "')\n";
  });

  return t.finish();
}
