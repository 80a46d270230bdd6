// JAX's "Automatic differentiation" tutorial (docs/automatic-differentiation.md), cell by cell in jx.
//
// What JAX's documentation prints for each cell is quoted next to it; the frame (tutorial.h) checks
// that jx prints the same. Run: ./build/default/docs/tutorials/tutorial_04_automatic_differentiation
//
// Where the expected text comes from: JAX's rendered page (docs.jax.dev/jax.readthedocs.io) for cells
// 1-2, the JAX 101 notebook docs/jax-101/04-advanced-autodiff.ipynb (at 10ed827fe9^) for cell 5, and a
// public Colab run of this very page (github.com/Utkarsh736/JAX-101, 04_JAX.ipynb) for cells 7-10,
// whose values agree with docs/notebooks/autodiff_cookbook.ipynb (which runs the same model).
//
// The model's random W and b come from jax.random.key(0). Those runs predate JAX 0.5, so they drew
// in the legacy threefry mode; the cells that use W and b run under
// config::scoped({.threefry_partitionable = false}) to draw the same numbers.
#include <jx/jx.h>
#include <jx/test_util.h>

#include <iostream>

#include "logistic_regression.h"
#include "tutorial.h"

namespace jnp = jx::numpy;

namespace {

// Cell 6's model: logistic regression on a toy data set (logistic_regression.h), bound by the cells.
using tutorial::logistic_regression::inputs;
using tutorial::logistic_regression::predict;
using tutorial::logistic_regression::targets;

// The negative log-likelihood of the training examples.
jx::Array loss(const jx::Array& W, const jx::Array& b) {
  auto preds = predict(W, b, inputs());
  auto label_probs = preds * targets() + (1 - preds) * (1 - targets());
  return -jnp::sum(jnp::log(label_probs));
}

// Cell 8: the same loss, its parameters in a dict.
jx::Array loss2(const jx::tree::Tree& params_dict) { return loss(params_dict["W"].array(), params_dict["b"].array()); }

}  // namespace

int main() {
  tutorial::Tutorial t("Automatic differentiation", "docs/automatic-differentiation.md", 11);

  // jax.grad of a jnp function; the Python float 2.0 is traced as a weak float32 scalar.
  t.cell("0.070650816", [] {
    auto grad_tanh = jx::grad(jnp::tanh);
    std::cout << grad_tanh(2.0) << "\n";
  });

  // grad of grad: derivatives of any order.
  t.cell(R"(-0.13621868
0.25265405)",
         [] {
           std::cout << jx::grad(jx::grad(jnp::tanh))(2.0) << "\n";
           std::cout << jx::grad(jx::grad(jx::grad(jnp::tanh)))(2.0) << "\n";
         });

  // A cubic and its derivative. Python's x**3 is jnp.power with an int exponent (integer_pow).
  auto f = [](const jx::Array& x) { return jnp::power(x, 3) + 2 * jnp::power(x, 2) - 3 * x + 1; };
  auto dfdx = jx::grad(f);
  t.cell("", [] {});

  // Stacking grad three more times (the C++ objects are built outside the cell so cell 5 sees them).
  auto d2fdx = jx::grad(dfdx);
  auto d3fdx = jx::grad(d2fdx);
  auto d4fdx = jx::grad(d3fdx);
  t.cell("", [] {});

  // f'(1) = 4, f''(1) = 10, f'''(1) = 6, f''''(1) = 0. Text from 04-advanced-autodiff.ipynb.
  t.cell(R"(4.0
10.0
6.0
0.0)",
         [&] {
           std::cout << dfdx(1.) << "\n";
           std::cout << d2fdx(1.) << "\n";
           std::cout << d3fdx(1.) << "\n";
           std::cout << d4fdx(1.) << "\n";
         });

  // The setup: a key, the model (above main) and random initial W and b. Legacy threefry, as the
  // printed runs used (see the header).
  auto legacy = jx::config::scoped({.threefry_partitionable = false});
  auto key = jx::random::key(0);
  jx::Array W, b;
  t.cell("", [&] {
    auto [next_key, W_key, b_key] = jx::random::split<3>(key);
    key = next_key;
    W = jx::random::normal(W_key, {3});
    b = jx::random::normal(b_key, {});
  });

  // argnums picks the argument differentiated; a tuple of argnums gives a tuple of gradients.
  // Python's f'{W_grad=}' prints the name, '=' and the repr.
  t.cell(R"(W_grad=Array([-0.16965583, -0.8774644 , -1.4901346 ], dtype=float32)
W_grad=Array([-0.16965583, -0.8774644 , -1.4901346 ], dtype=float32)
b_grad=Array(-0.29227245, dtype=float32)
W_grad=Array([-0.16965583, -0.8774644 , -1.4901346 ], dtype=float32)
b_grad=Array(-0.29227245, dtype=float32))",
         [&] {
           auto W_grad = jx::grad(loss, jx::argnums<0>)(W, b);
           std::cout << "W_grad=" << jx::repr(W_grad) << "\n";

           W_grad = jx::grad(loss)(W, b);
           std::cout << "W_grad=" << jx::repr(W_grad) << "\n";

           auto b_grad = jx::grad(loss, jx::argnums<1>)(W, b);
           std::cout << "b_grad=" << jx::repr(b_grad) << "\n";

           std::tie(W_grad, b_grad) = jx::grad(loss, jx::argnums<0, 1>)(W, b);
           std::cout << "W_grad=" << jx::repr(W_grad) << "\n";
           std::cout << "b_grad=" << jx::repr(b_grad) << "\n";
         });

  // The gradient of a function of a dict is a dict with the same keys.
  t.cell("{'W': Array([-0.16965583, -0.8774644 , -1.4901346 ], dtype=float32), 'b': Array(-0.29227245, dtype=float32)}",
         [&] {
           std::cout << jx::grad(loss2)(jx::tree::Tree::dict({{"W", W}, {"b", b}})) << "\n";
         });

  // value_and_grad: the loss and its gradients in one pass; the value is what loss itself gives.
  t.cell(R"(loss value 3.0519385
loss value 3.0519385)",
         [&] {
           auto [loss_value, Wb_grad] = jx::value_and_grad(loss, jx::argnums<0, 1>)(W, b);
           std::cout << "loss value " << loss_value << "\n";
           std::cout << "loss value " << loss(W, b) << "\n";
         });

  // Central differences in float32 with eps = 1e-4: the loss (about 3.05) has a float32 spacing of
  // 2.4e-7, so each difference quotient is only good to a few parts in 1e3, and two JAX runs print
  // different ones (this Colab run: -0.29325485 and -0.2002716; autodiff_cookbook.ipynb: -0.29563904
  // and -0.19788742). The cell is compared to 2e-2; its autodiff numbers agree far closer.
  t.cell(R"(b_grad_numerical -0.29325485
b_grad_autodiff -0.29227245
W_dirderiv_numerical -0.2002716
W_dirderiv_autodiff -0.19909117)",
         2e-2, [&] {
           const double eps = 1e-4;
           auto b_grad_numerical = (loss(W, b + eps / 2.) - loss(W, b - eps / 2.)) / eps;
           std::cout << "b_grad_numerical " << b_grad_numerical << "\n";
           std::cout << "b_grad_autodiff " << jx::grad(loss, jx::argnums<1>)(W, b) << "\n";

           auto [next_key, subkey] = jx::random::split(key);
           key = next_key;
           auto vec = jx::random::normal(subkey, W.shape());
           auto unitvec = vec / jnp::sqrt(jnp::vdot(vec, vec));
           auto W_grad_numerical = (loss(W + eps / 2. * unitvec, b) - loss(W - eps / 2. * unitvec, b)) / eps;
           std::cout << "W_dirderiv_numerical " << W_grad_numerical << "\n";
           std::cout << "W_dirderiv_autodiff " << jnp::vdot(jx::grad(loss)(W, b), unitvec) << "\n";
         });

  // check_grads compares jvp and vjp with finite differences up to second order; silent when they agree.
  t.cell("", [&] { jx::test::check_grads(loss, {W, b}, /*order=*/2); });

  return t.finish();
}
