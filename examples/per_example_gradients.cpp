// Per-example gradients with vmap(grad), and a whole training loop as one jitted fori_loop, on the
// tutorial's linear regression.
//
// grad(loss) differentiates the loss of one batch; vmap maps it over the examples, with the
// parameters shared (in_axes nullopt) and x, y split along axis 0: one program computes all 128
// gradients at once. fori_loop runs the training loop inside the compiled program, so 1000 steps
// are one call.
//
//   ./build/default/examples/per_example_gradients
#include <jx/jx.h>

#include <cstdio>

namespace jnp = jx::numpy;
namespace lax = jx::lax;

struct Params {
  jx::Array weight, bias;
};
JX_PYTREE(Params, weight, bias);

jx::Array loss(const Params& params, const jx::Array& x, const jx::Array& y) {
  auto pred = params.weight * x + params.bias;
  return jnp::mean(jnp::power(pred - y, 2));
}

Params update(const Params& params, const jx::Array& x, const jx::Array& y) {
  const Params grad = jx::grad(loss)(params, x, y);
  return jx::tree::map([](const jx::Array& p, const jx::Array& g) { return p - g * 0.005f; }, params, grad);
}

int main() {
  auto [x_key, noise_key] = jx::random::split(jx::random::PRNGKey(42));
  const jx::Array xs = jx::random::normal(x_key, {128, 1});
  const jx::Array ys = xs * 2 + -1 + jx::random::normal(noise_key, {128, 1}) * 0.5f;
  const Params params{jnp::array(0.0f), jnp::array(0.0f)};

  // One gradient per example: each has the type of Params, with a leading axis of 128.
  auto per_example_grads = jx::jit([](const Params& p, const jx::Array& x, const jx::Array& y) {
    return jx::vmap(jx::grad(loss), {.in_axes = {std::nullopt, 0, 0}})(p, x, y);
  });
  const Params grads = per_example_grads(params, xs, ys);
  const jx::Array norms = jnp::sqrt(jnp::square(grads.weight) + jnp::square(grads.bias));
  std::printf("per-example gradients: weight %s, bias %s\n", grads.weight.shape().to_string().c_str(),
              grads.bias.shape().to_string().c_str());
  std::printf("gradient norms: min %.4f, mean %.4f, max %.4f (example %d)\n", jnp::min(norms).item<float>(),
              jnp::mean(norms).item<float>(), jnp::max(norms).item<float>(), jnp::argmax(norms).item<int>());
  // Their mean is the gradient of the mean loss.
  const Params batch_grad = jx::grad(loss)(params, xs, ys);
  std::printf("mean of per-example gradients: (%.6f, %.6f); gradient of the batch loss: (%.6f, %.6f)\n",
              jnp::mean(grads.weight).item<float>(), jnp::mean(grads.bias).item<float>(),
              batch_grad.weight.item<float>(), batch_grad.bias.item<float>());

  // The whole training loop in one compiled program.
  auto train = jx::jit([](const Params& start, const jx::Array& x, const jx::Array& y) {
    return lax::fori_loop(
        0, 1000, [&](const jx::Array&, const Params& p) { return update(p, x, y); }, start);
  });
  const Params trained = train(params, xs, ys);
  std::printf("after 1000 steps in one fori_loop: weight %.6f, bias %.6f, loss %.6f\n", trained.weight.item<float>(),
              trained.bias.item<float>(), loss(trained, xs, ys).item<float>());
  return 0;
}
