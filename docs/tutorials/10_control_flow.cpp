// JAX's "Control flow and logical operators with JIT" (docs/control-flow.md), cell by cell in jx.
//
// The cells that carry an id were part of "The Sharp Bits" until JAX moved them here; their expected
// texts are the outputs stored in docs/notebooks/Common_Gotchas_in_JAX.ipynb just before that move
// (commit e6f6a8af8d^), unless a comment says otherwise. The logical-operator cells were written for
// this page and have no stored output: their expected texts are NumPy's, as noted next to them.
// Run: ./build/default/docs/tutorials/tutorial_10_control_flow
#include <jx/jx.h>

#include <cmath>
#include <iostream>
#include <string>
#include <type_traits>

#include "tutorial.h"

namespace jnp = jx::numpy;
namespace lax = jx::lax;

// The function of cells 4, 6 and 18: Python control flow on the value of x. Under jit it needs a
// concrete x (a static argument); under grad alone x is concrete and the `if` just runs. Python's f
// takes whatever x is: an array (traced or not) or, as a static argument, a Python float, on which
// it is plain arithmetic. The template does the same for jx::Array and double.
template <class T>
T f_branchy(const T& x) {
  if constexpr (std::is_same_v<T, double>) {
    if (x < 3) return 3. * std::pow(x, 2);
  } else {
    if (x < 3) return 3. * jnp::power(x, 2);
  }
  return -4 * x;
}

// Cells 8 to 10: the output's shape depends on the value of `length`. A jx shape holds C++
// integers, so the array `length` is read as one (as Python's int() would be), which needs a
// concrete value.
jx::Array example_fun(const jx::Array& length, const jx::Array& val) {
  return jnp::ones({length.item<std::int64_t>()}) * val;
}

// Cells 15 to 17. Python's `and` short-circuits and asks its left operand for a bool; C++'s `&&`
// does the same through Array's explicit operator bool. On a Python int the function is plain
// arithmetic, so it is a template here: an int gives a C++ bool, an array a bool conversion.
template <class T>
bool python_check_positive_even(const T& x) {
  auto is_even = x % 2 == 0;
  return is_even && (x > 0);
}

// Python prints a bool as True/False.
std::string py_bool(bool b) { return b ? "True" : "False"; }

int main() {
  tutorial::Tutorial t("Control flow and logical operators with JIT", "docs/control-flow.md", 18);

  // Imports.
  t.cell("", [] {});

  // A loop whose trip count does not depend on values unrolls while tracing.
  t.cell("24", [] {
    auto f = jx::jit([](const jx::Array& x_in) {
      jx::Array x = x_in;
      for (int i = 0; i < 3; ++i) x = 2 * x;
      return x;
    });
    std::cout << f(3) << "\n";
  });

  // A loop over a static shape unrolls as well.
  t.cell("6.0", [] {
    auto g = jx::jit([](const jx::Array& x) {
      jx::Array y = 0.;
      for (std::int64_t i = 0; i < x.shape()[0]; ++i) y = y + x[i];
      return y;
    });
    std::cout << g(jnp::array({1.f, 2.f, 3.f})) << "\n";
  });

  // An `if` on a traced value: JAX raises TracerBoolConversionError (a ConcretizationTypeError, the
  // name the old notebook shows); jx a ConcretizationError.
  t.raising_cell<jx::ConcretizationError>("TracerBoolConversionError", [] {
    auto f = jx::jit(f_branchy<jx::Array>);
    f(2);
  });

  // `and` on traced values asks for a bool too.
  t.raising_cell<jx::ConcretizationError>("TracerBoolConversionError", [] {
    auto g = jx::jit([](const jx::Array& x) -> jx::Array { return (x > 0) && (x < 3); });
    g(2);
  });

  // A static x is a concrete value while tracing. The notebook's cell used static_argnums=(0,),
  // the page's static_argnames='x': the same argument. A jx static argument is a C++ value, so x is
  // a double and the body is double arithmetic, as Python's is float arithmetic; jit makes the
  // returned number a weakly typed array, as JAX does.
  t.cell("12.0", [] {
    auto f = jx::jit([](double x) -> jx::Array { return f_branchy(x); }, jx::static_argnums<0>);
    std::cout << f(2.) << "\n";
  });

  // A static trip count: the loop unrolls for n = 2.
  t.cell("Array(5., dtype=float32)", [] {
    auto f = jx::jit(
        [](const jx::Array& x, int n) {
          jx::Array y = 0.;
          for (int i = 0; i < n; ++i) y = y + x[i];
          return y;
        },
        jx::static_argnums<1>);
    std::cout << jx::repr(f(jnp::array({2.f, 3.f, 4.f}), 2)) << "\n";
  });

  // Eagerly, a value-dependent shape is fine.
  t.cell("[4. 4. 4. 4. 4.]", [] { std::cout << example_fun(5, 4) << "\n"; });

  // Under jit `length` is a tracer. JAX raises TypeError (a shape must hold concrete integers); in
  // jx reading a tracer as a C++ integer is the ConcretizationError.
  t.raising_cell<jx::ConcretizationError>("TypeError", [] {
    auto bad_example_jit = jx::jit(example_fun);
    bad_example_jit(10, 4);
  });

  // A static `length` retraces for each new value; as a static argument it is a C++ integer.
  t.cell("[4. 4. 4. 4. 4. 4. 4. 4. 4. 4.]\n[4. 4. 4. 4. 4.]", [] {
    auto good_example_jit = jx::jit([](std::int64_t length, const jx::Array& val) { return example_fun(length, val); },
                                    jx::static_argnums<0>);
    std::cout << good_example_jit(10, 4) << "\n";
    std::cout << good_example_jit(5, 4) << "\n";
  });

  // print inside jit shows tracers, once, at trace time. The notebook shows JAX's old tracer text;
  // the lines below are what JAX's HEAD prints for a weak int32[] (JitTracer._short_repr).
  t.cell("JitTracer(~int32[])\nJitTracer(~int32[])\nArray(4, dtype=int32, weak_type=True)", [] {
    auto f = jx::jit([](const jx::Array& x) {
      std::cout << x << "\n";
      auto y = 2 * x;
      std::cout << y << "\n";
      return y;
    });
    std::cout << jx::repr(f(2)) << "\n";
  });

  // lax.cond with a concrete predicate; only the second call's value is displayed.
  t.cell("Array([-1.], dtype=float32)", [] {
    auto operand = jnp::array({0.f});
    auto plus = [](const jx::Array& x) { return x + 1; };
    auto minus = [](const jx::Array& x) { return x - 1; };
    lax::cond(true, plus, minus, operand);
    std::cout << jx::repr(lax::cond(false, plus, minus, operand)) << "\n";
  });

  // while_loop; a Python int as the initial value is a weak int32.
  t.cell("Array(10, dtype=int32, weak_type=True)", [] {
    auto init_val = 0;
    auto cond_fun = [](const jx::Array& x) { return x < 10; };
    auto body_fun = [](const jx::Array& x) { return x + 1; };
    std::cout << jx::repr(lax::while_loop(cond_fun, body_fun, init_val)) << "\n";
  });

  // fori_loop.
  t.cell("Array(45, dtype=int32, weak_type=True)", [] {
    auto init_val = 0;
    std::int64_t start = 0;
    std::int64_t stop = 10;
    auto body_fun = [](const jx::Array& i, const jx::Array& x) { return x + i; };
    std::cout << jx::repr(lax::fori_loop(start, stop, body_fun, init_val)) << "\n";
  });

  // Logical operators. No stored output: Python's `True and True` is True, and NumPy's
  // np.logical_and(24 % 2 == 0, 24 > 0) prints True.
  t.cell("True\nTrue", [] {
    auto jax_check_positive_even = jx::jit([](const jx::Array& x) {
      auto is_even = x % 2 == 0;
      return jnp::logical_and(is_even, x > 0);
    });
    std::cout << py_bool(python_check_positive_even(24)) << "\n";
    std::cout << jax_check_positive_even(24) << "\n";
  });

  // Elementwise on an array. NumPy: x = np.array([-1, 2, 5]); print(np.logical_and(x % 2 == 0, x > 0)).
  t.cell("[False  True False]", [] {
    auto jax_check_positive_even = jx::jit([](const jx::Array& x) {
      auto is_even = x % 2 == 0;
      return jnp::logical_and(is_even, x > 0);
    });
    auto x = jnp::array({-1, 2, 5});
    std::cout << jax_check_positive_even(x) << "\n";
  });

  // `and` on a three-element array: the truth value is ambiguous, with or without jit.
  t.raising_cell<jx::ValueError>("ValueError", [] {
    auto x = jnp::array({-1, 2, 5});
    std::cout << py_bool(python_check_positive_even(x)) << "\n";
  });

  // grad without jit: x is concrete while differentiating, so the `if` runs on its value.
  t.cell("12.0\n-4.0", [] {
    std::cout << jx::grad(f_branchy<jx::Array>)(2.) << "\n";
    std::cout << jx::grad(f_branchy<jx::Array>)(4.) << "\n";
  });

  return t.finish();
}
