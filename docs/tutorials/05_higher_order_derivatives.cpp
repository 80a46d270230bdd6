// JAX's "Higher-order derivatives" tutorial (docs/higher-order.md, the first part of "Advanced automatic
// differentiation"), cell by cell in jx.
//
// What JAX's documentation prints for each cell is quoted next to it; the frame (tutorial.h) checks
// that jx prints the same. Run: ./build/default/docs/tutorials/tutorial_05_higher_order_derivatives
//
// Where the expected text comes from: these cells were split out of the pre-2025 JAX 101 notebook
// docs/jax-101/04-advanced-autodiff.ipynb (at 10ed827fe9^) and the Autodiff Cookbook
// (docs/notebooks/autodiff_cookbook.ipynb); their printed outputs are quoted, as is a public Colab
// run of this page's cells (github.com/Utkarsh736/JAX-101, 11_Adv_Auto_DIff.ipynb) where the
// notebooks' text was edited by hand or lacks the cell.
#include <jx/jx.h>

#include <iostream>

#include "tutorial.h"

namespace jnp = jx::numpy;
namespace lax = jx::lax;

namespace {

// Cells 3 and 4: a linear value function and one observed transition.
jx::Array value_fn(const jx::Array& theta, const jx::Array& state) { return jnp::dot(theta, state); }

// Cell 5's pseudo loss, which lets the gradient flow through the target too.
jx::Array td_loss_naive(const jx::Array& theta, const jx::Array& s_tm1, const jx::Array& r_t, const jx::Array& s_t) {
  auto v_tm1 = value_fn(theta, s_tm1);
  auto target = r_t + value_fn(theta, s_t);
  return -0.5 * jnp::power(target - v_tm1, 2);
}

// Cell 6 redefines td_loss with the target held constant; the later cells use this one.
jx::Array td_loss(const jx::Array& theta, const jx::Array& s_tm1, const jx::Array& r_t, const jx::Array& s_t) {
  auto v_tm1 = value_fn(theta, s_tm1);
  auto target = r_t + value_fn(theta, s_t);
  return -0.5 * jnp::power(lax::stop_gradient(target) - v_tm1, 2);
}

// Cell 16's logistic-regression model (the same as in the "Automatic differentiation" tutorial).
jx::Array sigmoid(const jx::Array& x) { return 0.5 * (jnp::tanh(x / 2) + 1); }

jx::Array predict(const jx::Array& W, const jx::Array& b, const jx::Array& inputs) {
  return sigmoid(jnp::dot(inputs, W) + b);
}

// Cell 17: the same model, its parameters in a dict.
jx::Array predict_dict(const jx::tree::Tree& params, const jx::Array& inputs) {
  return predict(params["W"].array(), params["b"].array(), inputs);
}

}  // namespace

int main() {
  tutorial::Tutorial t("Higher-order derivatives", "docs/higher-order.md", 18);

  // The Hessian as the Jacobian of the gradient (forward over reverse).
  auto hessian_fwd_grad = [](auto f) { return jx::jacfwd(jx::grad(f)); };
  t.cell("", [] {});

  // x . x has Hessian 2 I. Text from 04-advanced-autodiff.ipynb.
  t.cell(R"(Array([[2., 0., 0.],
       [0., 2., 0.],
       [0., 0., 2.]], dtype=float32))",
         [&] {
           auto f = [](const jx::Array& x) { return jnp::dot(x, x); };
           std::cout << jx::repr(hessian_fwd_grad(f)(jnp::array({1., 2., 3.}))) << "\n";
         });

  // Initial parameters (value_fn is above main).
  auto theta = jnp::array({0.1, -0.1, 0.});
  t.cell("", [] {});

  // An example transition.
  auto s_tm1 = jnp::array({1., 2., -1.});
  auto r_t = jnp::array(1.);
  auto s_t = jnp::array({2., 1., 0.});
  t.cell("", [] {});

  // Differentiating the naive pseudo loss also differentiates the target. Text from the Colab run
  // (the JAX 101 notebook's text for this cell was edited by hand: same numbers, other spacing).
  t.cell("Array([-1.2,  1.2, -1.2], dtype=float32)", [&] {
    auto td_update = jx::grad(td_loss_naive);
    auto delta_theta = td_update(theta, s_tm1, r_t, s_t);
    std::cout << jx::repr(delta_theta) << "\n";
  });

  // stop_gradient on the target gives the TD(0) update.
  t.cell("Array([ 1.2,  2.4, -1.2], dtype=float32)", [&] {
    auto td_update = jx::grad(td_loss);
    auto delta_theta = td_update(theta, s_tm1, r_t, s_t);
    std::cout << jx::repr(delta_theta) << "\n";
  });

  // The TD(0) update written out: the TD error times the value's gradient.
  t.cell("Array([ 1.2,  2.4, -1.2], dtype=float32)", [&] {
    auto s_grad = jx::grad(value_fn)(theta, s_tm1);
    auto delta_theta_original_calculation = (r_t + value_fn(theta, s_t) - value_fn(theta, s_tm1)) * s_grad;
    std::cout << jx::repr(delta_theta_original_calculation) << "\n";
  });

  // Straight-through estimator: round's derivative is zero; the stop_gradient trick makes the backward
  // pass see the identity. The Python float 3.2 becomes a weak float32 scalar.
  t.cell(R"(f(x):  3.0
straight_through_f(x): 3.0
grad(f)(x): 0.0
grad(straight_through_f)(x): 1.0)",
         [] {
           auto f = [](const jx::Array& x) { return jnp::round(x); };  // non-differentiable
           auto straight_through_f = [&](const jx::Array& x) {
             // x - stop_gradient(x) is exactly zero (Sterbenz) with a derivative of exactly one.
             auto zero = x - lax::stop_gradient(x);
             return zero + lax::stop_gradient(f(x));
           };
           std::cout << "f(x):  " << f(3.2) << "\n";
           std::cout << "straight_through_f(x): " << straight_through_f(3.2) << "\n";
           std::cout << "grad(f)(x): " << jx::grad(f)(3.2) << "\n";
           std::cout << "grad(straight_through_f)(x): " << jx::grad(straight_through_f)(3.2) << "\n";
         });

  // Per-example gradients: jit of vmap of grad, theta shared (in_axes None), the rest batched.
  auto batched_s_tm1 = jnp::stack({s_tm1, s_tm1});
  auto batched_r_t = jnp::stack({r_t, r_t});
  auto batched_s_t = jnp::stack({s_t, s_t});
  t.cell(R"(Array([[ 1.2,  2.4, -1.2],
       [ 1.2,  2.4, -1.2]], dtype=float32))",
         [&] {
           auto perex_grads = jx::jit(jx::vmap(jx::grad(td_loss), {.in_axes = {std::nullopt, 0, 0, 0}}));
           std::cout << jx::repr(perex_grads(theta, batched_s_tm1, batched_r_t, batched_s_t)) << "\n";
         });

  // One step at a time: the gradient for one example.
  auto dtdloss_dtheta = jx::grad(td_loss);
  t.cell("Array([ 1.2,  2.4, -1.2], dtype=float32)",
         [&] { std::cout << jx::repr(dtdloss_dtheta(theta, s_tm1, r_t, s_t)) << "\n"; });

  // vmap over every argument needs a batch of thetas.
  t.cell(R"(Array([[ 1.2,  2.4, -1.2],
       [ 1.2,  2.4, -1.2]], dtype=float32))",
         [&] {
           auto almost_perex_grads = jx::vmap(dtdloss_dtheta);
           auto batched_theta = jnp::stack({theta, theta});
           std::cout << jx::repr(almost_perex_grads(batched_theta, batched_s_tm1, batched_r_t, batched_s_t)) << "\n";
         });

  // in_axes=(None, 0, 0, 0) leaves theta unbatched.
  auto inefficient_perex_grads = jx::vmap(dtdloss_dtheta, {.in_axes = {std::nullopt, 0, 0, 0}});
  t.cell(
      R"(Array([[ 1.2,  2.4, -1.2],
       [ 1.2,  2.4, -1.2]], dtype=float32))",
      [&] { std::cout << jx::repr(inefficient_perex_grads(theta, batched_s_tm1, batched_r_t, batched_s_t)) << "\n"; });

  // And compiled.
  auto perex_grads = jx::jit(inefficient_perex_grads);
  t.cell(R"(Array([[ 1.2,  2.4, -1.2],
       [ 1.2,  2.4, -1.2]], dtype=float32))",
         [&] { std::cout << jx::repr(perex_grads(theta, batched_s_tm1, batched_r_t, batched_s_t)) << "\n"; });

  // %timeit of the eager and the jitted versions.
  t.timing_cell([&] {
    tutorial::timeit(
        "inefficient_perex_grads",
        [&] { inefficient_perex_grads(theta, batched_s_tm1, batched_r_t, batched_s_t).block_until_ready(); }, 100);
    tutorial::timeit(
        "perex_grads", [&] { perex_grads(theta, batched_s_tm1, batched_r_t, batched_s_t).block_until_ready(); }, 10000);
  });

  // Hessian-vector product by reverse over reverse: the gradient of x -> grad(f)(x) . v.
  auto hvp = [](const auto& f, const jx::Array& x, const jx::Array& v) {
    return jx::grad([&](const jx::Array& y) { return jnp::vdot(jx::grad(f)(y), v); })(x);
  };
  (void)hvp;
  t.cell("", [] {});

  // Jacobians of the model's predictions with respect to W, by forward and by reverse mode. W and b
  // come from jax.random.key(0) in the legacy threefry mode these pre-2025 runs used. Text from the
  // Colab run. The last example's sigmoid is 0.998, so its entries (near 1e-3) rest on 1 - s, which
  // float32 holds to about 3e-5 relative: autodiff_cookbook.ipynb's run differs from the Colab's by
  // that much there (0.00140428 against 0.00140431), so these cells are compared to 1e-4.
  auto legacy = jx::config::scoped({.threefry_partitionable = false});
  const auto inputs = jnp::array({{0.52, 1.12, 0.77},  //
                                  {0.88, -1.08, 0.15},
                                  {0.52, 0.06, -1.30},
                                  {0.74, -2.49, 1.39}});
  auto key = jx::random::key(0);
  auto [next_key, W_key, b_key] = jx::random::split<3>(key);
  key = next_key;
  const auto W = jx::random::normal(W_key, {3});
  const auto b = jx::random::normal(b_key, {});
  // Isolates the function from the weights to the predictions.
  auto f = [&](const jx::Array& w) { return predict(w, b, inputs); };
  t.cell(R"(jacfwd result, with shape (4, 3)
[[ 0.05981758  0.12883787  0.08857603]
 [ 0.04015916 -0.04928625  0.00684531]
 [ 0.12188288  0.01406341 -0.3047072 ]
 [ 0.00140431 -0.00472531  0.00263782]]
jacrev result, with shape (4, 3)
[[ 0.05981757  0.12883787  0.08857603]
 [ 0.04015916 -0.04928625  0.00684531]
 [ 0.12188289  0.01406341 -0.3047072 ]
 [ 0.00140431 -0.00472531  0.00263782]])",
         1e-4, [&] {
           auto J = jx::jacfwd(f)(W);
           std::cout << "jacfwd result, with shape " << J.shape() << "\n";
           std::cout << J << "\n";

           J = jx::jacrev(f)(W);
           std::cout << "jacrev result, with shape " << J.shape() << "\n";
           std::cout << J << "\n";
         });

  // Jacobians with respect to a dict of parameters: a dict of blocks, in key order.
  t.cell(R"(Jacobian from W to logits is
[[ 0.05981757  0.12883787  0.08857603]
 [ 0.04015916 -0.04928625  0.00684531]
 [ 0.12188289  0.01406341 -0.3047072 ]
 [ 0.00140431 -0.00472531  0.00263782]]
Jacobian from b to logits is
[0.11503381 0.04563541 0.23439017 0.00189771])",
         1e-4, [&] {
           jx::tree::Tree J_dict = jx::jacrev(predict_dict)(jx::tree::Tree::dict({{"W", W}, {"b", b}}), inputs);
           for (const auto& [k, v] : J_dict.as_dict()) {
             std::cout << "Jacobian from " << k << " to logits is\n";
             std::cout << v.array() << "\n";
           }
         });

  // The dense Hessian as forward over reverse: shape (outputs, inputs, inputs).
  t.cell(R"(hessian, with shape (4, 3, 3)
[[[ 0.02285465  0.04922541  0.03384247]
  [ 0.04922541  0.10602397  0.07289147]
  [ 0.03384247  0.07289147  0.05011288]]

 [[-0.03195215  0.03921401 -0.00544639]
  [ 0.03921401 -0.04812629  0.00668421]
  [-0.00544639  0.00668421 -0.00092836]]

 [[-0.01583708 -0.00182736  0.03959271]
  [-0.00182736 -0.00021085  0.00456839]
  [ 0.03959271  0.00456839 -0.09898177]]

 [[-0.00103524  0.00348343 -0.00194457]
  [ 0.00348343 -0.01172127  0.0065432 ]
  [-0.00194457  0.0065432  -0.00365263]]])",
         1e-4, [&] {
           auto hessian = [](auto g) { return jx::jacfwd(jx::jacrev(g)); };
           auto H = hessian(f)(W);
           std::cout << "hessian, with shape " << H.shape() << "\n";
           std::cout << H << "\n";
         });

  return t.finish();
}
