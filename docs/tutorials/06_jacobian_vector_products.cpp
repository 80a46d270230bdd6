// JAX's "Forward- and reverse-mode autodiff in JAX" tutorial (docs/jacobian-vector-products.md), cell
// by cell in jx.
//
// What JAX's documentation prints for each cell is quoted next to it; the frame (tutorial.h) checks
// that jx prints the same. Run: ./build/default/docs/tutorials/tutorial_06_jacobian_vector_products
//
// Where the expected text comes from: this page's cells were taken from the Autodiff Cookbook, whose
// notebook (docs/notebooks/autodiff_cookbook.ipynb at HEAD) carries the outputs: cells 3, 6 and 13.
// Most cells print nothing; their checks are the tutorial's own asserts, which throw here when they
// fail. The random W, b, X and V are not printed anywhere, so they are drawn in jx's default
// (partitionable) threefry mode, as a current JAX would.
#include <jx/jx.h>

#include <algorithm>
#include <functional>
#include <iostream>
#include <stdexcept>
#include <vector>

#include "logistic_regression.h"
#include "tutorial.h"

namespace jnp = jx::numpy;
namespace lax = jx::lax;

namespace {

// Cell 1's model: logistic regression on a toy data set (logistic_regression.h).
using tutorial::logistic_regression::inputs;
using tutorial::logistic_regression::predict;

// Python's `assert cond, message`.
void check(const jx::Array& condition, const char* message) {
  if (!static_cast<bool>(condition)) throw std::runtime_error(message);
}

}  // namespace

int main() {
  tutorial::Tutorial t("Forward- and reverse-mode autodiff in JAX", "docs/jacobian-vector-products.md", 13);

  // The model (above main), random W and b, and a JVP of the predictions with respect to W along a
  // random tangent v. `f` closes over b, as the Python lambda does.
  auto key = jx::random::key(0);
  jx::Array W, b, y, u, v;
  std::function<jx::Array(const jx::Array&)> f;
  t.cell("", [&] {
    auto [next_key, W_key, b_key] = jx::random::split<3>(key);
    key = next_key;
    W = jx::random::normal(W_key, {3});
    b = jx::random::normal(b_key, {});
    f = [&](const jx::Array& w) { return predict(w, b, inputs()); };
    auto [next, subkey] = jx::random::split(key);
    key = next;
    v = jx::random::normal(subkey, W.shape());
    std::tie(y, u) = jx::jvp(f, std::tuple{W}, std::tuple{v});
  });

  // vjp: the predictions and a pullback; pulling a random covector u back gives a tuple holding one
  // cotangent shaped like W.
  t.cell("", [&] {
    auto [y_out, vjp_fun] = jx::vjp(f, W);
    y = y_out;
    auto [next, subkey] = jx::random::split(key);
    key = next;
    u = jx::random::normal(subkey, y.shape());
    auto pulled = vjp_fun(u);
    v = std::get<0>(pulled);
  });

  // A vector-valued "gradient": the VJP of a ones covector. d(3x^2)/dx = 6x = 6 at x = 1.
  t.cell(R"([[6. 6.]
 [6. 6.]])",
         [] {
           auto vgrad = [](const auto& fn, const jx::Array& x) {
             auto [y_out, vjp_fn] = jx::vjp(fn, x);
             return std::get<0>(vjp_fn(jnp::ones(y_out.shape())));
           };
           std::cout << vgrad([](const jx::Array& x) { return 3 * jnp::power(x, 2); }, jnp::ones({2, 2})) << "\n";
         });

  // The reverse-over-reverse Hessian-vector product of the previous tutorial. The next cell rebinds
  // the name, so this one lives and dies in its cell.
  t.cell("", [] {
    auto hvp = [](const auto& fn, const jx::Array& x, const jx::Array& vec) {
      return jx::grad([&](const jx::Array& z) { return jnp::vdot(jx::grad(fn)(z), vec); })(x);
    };
    (void)hvp;
  });

  // Forward-over-reverse: the JVP of the gradient. primals and tangents are tuples, as in JAX.
  auto hvp = [](const auto& fn, const auto& primals, const auto& tangents) {
    return jx::jvp(jx::grad(fn), primals, tangents).second;
  };
  t.cell("", [] {});

  // The forward-over-reverse HVP against the full Hessian contracted with V.
  auto f_tanh = [](const jx::Array& X) { return jnp::sum(jnp::power(jnp::tanh(X), 2)); };
  jx::Array X, V;
  auto hessian = [](const auto& fn) { return jx::jacfwd(jx::jacrev(fn)); };
  t.cell("True", [&] {
    auto [next, subkey1, subkey2] = jx::random::split<3>(key);
    key = next;
    X = jx::random::normal(subkey1, {30, 40});
    V = jx::random::normal(subkey2, {30, 40});
    auto ans1 = hvp(f_tanh, std::tuple{X}, std::tuple{V});
    auto ans2 = jnp::tensordot(hessian(f_tanh)(X), V, 2);
    std::cout << jnp::allclose(ans1, ans2, {.rtol = 1e-4, .atol = 1e-4}) << "\n";
  });

  // Reverse-over-forward: the gradient, with respect to the tuple of primals, of the JVP's tangent.
  auto hvp_revfwd = [](const auto& fn, const auto& primals, const auto& tangents) {
    auto g = [&](const std::tuple<jx::Array>& p) { return jx::jvp(fn, p, tangents).second; };
    return jx::grad(g)(primals);
  };
  t.cell("", [] {});

  // The four ways timed (JAX's %timeit -n10 -r3). Reverse-over-reverse takes single arguments.
  t.timing_cell([&] {
    auto hvp_revrev = [](const auto& fn, const std::tuple<jx::Array>& primals, const std::tuple<jx::Array>& tangents) {
      const auto& [x] = primals;
      const auto& [vec] = tangents;
      return jx::grad([&](const jx::Array& z) { return jnp::vdot(jx::grad(fn)(z), vec); })(x);
    };
    tutorial::timeit(
        "Forward over reverse", [&] { hvp(f_tanh, std::tuple{X}, std::tuple{V}); }, 10, 3);
    tutorial::timeit(
        "Reverse over forward", [&] { hvp_revfwd(f_tanh, std::tuple{X}, std::tuple{V}); }, 10, 3);
    tutorial::timeit(
        "Reverse over reverse", [&] { hvp_revrev(f_tanh, std::tuple{X}, std::tuple{V}); }, 10, 3);
    tutorial::timeit(
        "Naive full Hessian materialization", [&] { jnp::tensordot(jx::hessian(f_tanh)(X), V, 2); }, 10, 3);
  });

  // Matrix-Jacobian products: a Python loop of VJPs against one vmapped VJP, which batches the
  // covectors into a matrix product. Each loop cotangent is a tuple of one (3,) array; JAX's
  // jnp.asarray makes it (1, 3), and vstack of the (3,) arrays gives the same (128, 3).
  auto loop_mjp = [](const auto& fn, const jx::Array& x, const jx::Array& M) {
    auto [y_out, vjp_fun] = jx::vjp(fn, x);
    std::vector<jx::Array> rows;
    for (std::int64_t i = 0; i < M.shape()[0]; ++i) rows.push_back(std::get<0>(vjp_fun(M[i])));
    return jnp::vstack(rows);
  };
  auto vmap_mjp = [](const auto& fn, const jx::Array& x, const jx::Array& M) {
    auto [y_out, vjp_fun] = jx::vjp(fn, x);
    auto [outs] = jx::vmap([&](const jx::Array& m) { return vjp_fun(m); })(M);
    return outs;
  };
  t.timing_cell([&] {
    key = jx::random::key(0);
    const std::int64_t num_covecs = 128;
    auto U = jx::random::normal(key, {num_covecs, y.shape()[0]});

    auto loop_vs = loop_mjp(f, W, U);
    tutorial::timeit(
        "Non-vmapped Matrix-Jacobian product", [&] { loop_mjp(f, W, U); }, 10, 3);

    auto vmap_vs = vmap_mjp(f, W, U);
    tutorial::timeit(
        "Vmapped Matrix-Jacobian product", [&] { vmap_mjp(f, W, U); }, 10, 3);

    check(jnp::allclose(loop_vs, vmap_vs), "Vmap and non-vmapped Matrix-Jacobian Products should be identical");
  });

  // Jacobian-matrix products, the same way with JVPs.
  t.timing_cell([&] {
    auto loop_jmp = [](const auto& fn, const jx::Array& w, const jx::Array& M) {
      std::vector<jx::Array> rows;
      for (std::int64_t i = 0; i < M.shape()[0]; ++i)
        rows.push_back(jx::jvp(fn, std::tuple{w}, std::tuple{M[i]}).second);
      return jnp::vstack(rows);
    };
    auto vmap_jmp = [](const auto& fn, const jx::Array& w, const jx::Array& M) {
      auto jvp_ = [&](const jx::Array& s) { return jx::jvp(fn, std::tuple{w}, std::tuple{s}).second; };
      return jx::vmap(jvp_)(M);
    };
    const std::int64_t num_vecs = 128;
    auto S = jx::random::normal(key, {num_vecs, W.shape()[0]});

    auto loop_vs = loop_jmp(f, W, S);
    tutorial::timeit(
        "Non-vmapped Jacobian-Matrix product", [&] { loop_jmp(f, W, S); }, 10, 3);
    auto vmap_vs = vmap_jmp(f, W, S);
    tutorial::timeit(
        "Vmapped Jacobian-Matrix product", [&] { vmap_jmp(f, W, S); }, 10, 3);

    check(jnp::allclose(loop_vs, vmap_vs), "Vmap and non-vmapped Jacobian-Matrix products should be identical");
  });

  // jacrev as a vmapped VJP over the identity's rows.
  t.cell("", [&] {
    auto our_jacrev = [](const auto& fn) {
      return [fn](const jx::Array& x) {
        auto [y_out, vjp_fun] = jx::vjp(fn, x);
        auto [J] = jx::vmap([&](const jx::Array& m) { return vjp_fun(m); }, {.in_axes = 0})(jnp::eye(y_out.shape()[0]));
        return J;
      };
    };
    check(jnp::allclose(jx::jacrev(f)(W), our_jacrev(f)(W)), "Incorrect reverse-mode Jacobian results!");
  });

  // jacfwd as a vmapped JVP over the identity's columns, transposed.
  t.cell("", [&] {
    auto our_jacfwd = [](const auto& fn) {
      return [fn](const jx::Array& x) {
        auto jvp_ = [&](const jx::Array& s) { return jx::jvp(fn, std::tuple{x}, std::tuple{s}).second; };
        auto Jt = jx::vmap(jvp_, {.in_axes = 1})(jnp::eye(x.shape()[0]));
        return jnp::transpose(Jt);
      };
    };
    check(jnp::allclose(jx::jacfwd(f)(W), our_jacfwd(f)(W)), "Incorrect forward-mode Jacobian results!");
  });

  // Host control flow on the primal (x = 4 is not < 3, so the ValueError branch runs and f is pi x),
  // then jit of the pullback, which is linear: its program is just the multiplication by pi. Python
  // prints the tuple of one cotangent as "(Array(...),)". Text from autodiff_cookbook.ipynb. jx's
  // pullback returns a weakly typed cotangent here (even for a strongly typed cotangent in), JAX's
  // does not: left failing, reported.
  t.cell("(Array(3.1415927, dtype=float32),)", [] {
    auto fn = [](const jx::Array& x) -> jx::Array {
      try {
        if (x < 3) return 2 * jnp::power(x, 3);
        throw std::invalid_argument("ValueError");
      } catch (const std::invalid_argument&) {
        return jnp::pi * x;
      }
    };
    auto [y_out, f_vjp] = jx::vjp(fn, 4.);
    auto ct = jx::jit([&](const jx::Array& c) { return f_vjp(c); })(1.);
    std::cout << "(" << jx::repr(std::get<0>(ct)) << ",)\n";
  });

  return t.finish();
}
