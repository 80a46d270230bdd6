// JAX's "Just-in-time compilation" tutorial (docs/jit-compilation.md), cell by cell in jx.
//
// What JAX's documentation prints for each cell is quoted next to it; the frame (tutorial.h) checks
// that jx prints the same. Run: ./build/default/docs/tutorials/tutorial_02_jit_compilation
//
// Where the expected text comes from: the outputs stored in the JAX 101 notebook
// docs/jax-101/02-jitting.ipynb (at 10ed827fe9^), whose cells are the same code. Two texts have
// changed in JAX since that run and are written as JAX's HEAD prints them, from its source: a tracer
// prints its short form (cell 3; see the comment there), and the errors of cells 7 and 8 are
// TracerBoolConversionError, the subclass of the ConcretizationTypeError that the notebook shows.
#include <jx/jx.h>

#include <functional>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tutorial.h"

namespace jnp = jx::numpy;

namespace {

// Cell 2: a function with a side effect, appending its argument to a global list.
std::vector<jx::Array> global_list;

// (log2_of: <complex> makes the C library's ::log2 visible, so JAX's name would be ambiguous here.)
jx::Array log2_of(const jx::Array& x) {
  global_list.push_back(x);
  auto ln_x = jnp::log(x);
  auto ln_2 = jnp::log(2.0);
  return ln_x / ln_2;
}

// Cell 3: printing is a side effect too; it happens while tracing. The text goes to `printed_x`
// as well as to the console, so that the cell can check it (a jaxpr cell compares only the jaxpr).
std::string printed_x;

jx::Array log2_with_print(const jx::Array& x) {
  std::ostringstream line;
  line << "printed x: " << x;
  printed_x = line.str();
  std::cout << printed_x << "\n";
  auto ln_x = jnp::log(x);
  auto ln_2 = jnp::log(2.0);
  return ln_x / ln_2;
}

// Cell 4: C++ control flow on a static property (the rank) is resolved while tracing.
jx::Array log2_if_rank_2(const jx::Array& x) {
  if (x.ndim() == 2) {
    auto ln_x = jnp::log(x);
    auto ln_2 = jnp::log(2.0);
    return ln_x / ln_2;
  }
  return x;
}

// Cell 5's SELU.
jx::Array selu(const jx::Array& x, float alpha = 1.67f, float lambda = 1.05f) {
  return lambda * jnp::where(x > 0, x, alpha * jnp::exp(x) - alpha);
}

// Cells 7 and 8 take Python ints, which are traced under jit and plain numbers when static. The C++
// functions are templates for that reason: with an int they are C++ arithmetic, with a traced
// jx::Array the comparison gives a traced bool that `if` and `while` cannot read. Returning the
// int as a jx::Array is what jit does with a Python int result (a weakly typed int32).
template <class T>
jx::Array f(const T& x) {
  if (x > 0) return x;
  return 2 * x;
}

template <class N>
jx::Array g(const jx::Array& x, const N& n) {
  int i = 0;
  while (i < n) i += 1;
  return x + i;
}

// Cell 9: a jitted loop body, used from an unjitted loop.
const auto loop_body = jx::jit([](const jx::Array& prev_i) { return prev_i + 1; });

jx::Array g_inner_jitted(const jx::Array& x, int n) {
  jx::Array i = 0;  // a weakly typed int, as the Python int 0 becomes once it passes through jit
  while (i < n) i = loop_body(i);
  return x + i;
}

// Cell 13's three ways to jit the loop body inside the loop.
jx::Array unjitted_loop_body(const jx::Array& prev_i) { return prev_i + 1; }

jx::Array g_inner_jitted_partial(const jx::Array& x, int n) {
  jx::Array i = 0;
  // Don't do this: a new jitted function each time, which traces and compiles again.
  while (i < n) i = jx::jit(std::bind_front(unjitted_loop_body))(i);
  return x + i;
}

jx::Array g_inner_jitted_lambda(const jx::Array& x, int n) {
  jx::Array i = 0;
  // Don't do this either: a new lambda, a new jitted function, a new trace.
  while (i < n) i = jx::jit([](const jx::Array& v) { return unjitted_loop_body(v); })(i);
  return x + i;
}

jx::Array g_inner_jitted_normal(const jx::Array& x, int n) {
  // JAX finds its cached compilation because jax.jit is keyed by the function object. A jx jitted
  // function owns its cache, so the C++ counterpart of reusing it is to make it once and keep it.
  static const auto jitted = jx::jit(unjitted_loop_body);
  jx::Array i = 0;
  while (i < n) i = jitted(i);
  return x + i;
}

}  // namespace

int main() {
  tutorial::Tutorial t("Just-in-time compilation", "docs/jit-compilation.md", 13);

  // `%xmode minimal` (shorter tracebacks): nothing to translate, prints nothing.
  t.cell("", [] {});

  // The jaxpr has no trace of the side effect; the literal is typed in JAX's newer printing.
  t.jaxpr_cell(R"({ lambda ; a:f32[]. let
    b:f32[] = log a
    c:f32[] = log 2.0:f32[]
    d:f32[] = div b c
  in (d,) })",
               [] { std::cout << jx::make_jaxpr(log2_of)(3.0) << "\n"; });

  // The print runs once, while tracing, and shows a tracer. The notebook's run printed the verbose
  // Traced<ShapedArray(float32[], weak_type=True)>with<DynamicJaxprTrace(level=1/0)>; JAX's HEAD
  // prints a tracer by its short repr, JitTracer(<aval>) (jax/_src/interpreters/partial_eval.py),
  // and a weakly typed aval as ~float32[] (ShapedArray.__str__ in jax/_src/core.py).
  t.jaxpr_cell(R"(printed x: JitTracer(~float32[])
{ lambda ; a:f32[]. let
    b:f32[] = log a
    c:f32[] = log 2.0:f32[]
    d:f32[] = div b c
  in (d,) })",
               [] {
                 std::cout << jx::make_jaxpr(log2_with_print)(3.) << "\n";
                 std::string why;
                 if (!tutorial::same_printed_output(printed_x, "printed x: JitTracer(~float32[])", 1e-6, &why))
                   throw std::runtime_error("the printed tracer differs from JAX's: " + why);
               });

  // Only the branch taken for a rank-1 input is traced: the jaxpr returns its input.
  t.jaxpr_cell("{ lambda ; a:i32[3]. let  in (a,) }", [] {
    std::cout << jx::make_jaxpr(log2_if_rank_2)(jnp::array({1, 2, 3})) << "\n";
  });

  // SELU op by op on a million int32s.
  const auto x = jnp::arange(1000000);
  t.timing_cell([&] {
    tutorial::timeit(
        "selu", [&] { selu(x).block_until_ready(); }, 20);
  });

  // The same, jitted: one fused program. The warm-up call traces and compiles it.
  t.timing_cell([&] {
    const auto selu_jit = jx::jit([](const jx::Array& v) { return selu(v); });
    selu_jit(x).block_until_ready();
    tutorial::timeit(
        "selu_jit", [&] { selu_jit(x).block_until_ready(); }, 200);
  });

  // An `if` on a traced value.
  t.raising_cell<jx::ConcretizationError>("TracerBoolConversionError",
                                          [] { jx::jit([](const jx::Array& v) { return f(v); })(10); });

  // A `while` conditioned on a traced value.
  t.raising_cell<jx::ConcretizationError>("TracerBoolConversionError", [] {
    jx::jit([](const jx::Array& v, const jx::Array& n) { return g(v, n); })(10, 20);
  });

  // Only the loop body is jitted; the loop itself runs in C++ on concrete values.
  t.cell("Array(30, dtype=int32, weak_type=True)", [] { std::cout << jx::repr(g_inner_jitted(10, 20)) << "\n"; });

  // A static argument is a C++ value while tracing, so `if` can read it. jx wants static
  // arguments to be C++ types: the jitted function takes an int and hands it to f.
  t.cell("10", [] {
    const auto f_jit_correct = jx::jit([](int v) { return f(v); }, jx::static_argnums<0>);
    std::cout << f_jit_correct(10) << "\n";
  });

  // static_argnames=['n']: C++ has no keyword arguments, so n is named by its position.
  t.cell("30", [] {
    const auto g_jit_correct = jx::jit([](const jx::Array& v, int n) { return g(v, n); }, jx::static_argnums<1>);
    std::cout << g_jit_correct(10, 20) << "\n";
  });

  // The decorator-factory form, @jax.jit(static_argnames=['n']): in C++ the jitted function is a
  // value made with its options, the body written in place.
  t.cell("30", [] {
    const auto g_jit_decorated = jx::jit(
        [](const jx::Array& v, int n) {
          int i = 0;
          while (i < n) i += 1;
          return v + i;
        },
        jx::static_argnums<1>);
    std::cout << g_jit_decorated(10, 20) << "\n";
  });

  // jit inside a loop: the partial and the lambda trace and compile at every iteration; the kept
  // jitted function traces once.
  t.timing_cell([] {
    std::cout << "jit called in a loop with partials:\n";
    tutorial::timeit(
        "g_inner_jitted_partial", [] { g_inner_jitted_partial(10, 20).block_until_ready(); }, 10);
    std::cout << "jit called in a loop with lambdas:\n";
    tutorial::timeit(
        "g_inner_jitted_lambda", [] { g_inner_jitted_lambda(10, 20).block_until_ready(); }, 10);
    std::cout << "jit called in a loop with caching:\n";
    tutorial::timeit(
        "g_inner_jitted_normal", [] { g_inner_jitted_normal(10, 20).block_until_ready(); }, 10);
  });

  return t.finish();
}
