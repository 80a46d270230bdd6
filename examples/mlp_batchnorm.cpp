// A small MLP with BatchNorm and Dropout, trained with AdamW and a warmup-cosine schedule on a
// two-moons problem drawn with jx::random — the answer to the tutorial's closing questions: modules
// initialize themselves from their forward pass, and optimizer state and BatchNorm statistics are
// values threaded through one pure, jitted train step.
//
//   ./build/default/examples/mlp_batchnorm [--steps N] [--seed S]
#include <jx/jx.h>

#include <charconv>
#include <cstdio>
#include <numbers>
#include <string_view>
#include <utility>

namespace jnp = jx::numpy;
namespace nn = jx::nn;

// Two interleaved half circles with noise: label 0 on the upper moon, 1 on the lower one.
std::pair<jx::Array, jx::Array> two_moons(const jx::Key& key, std::int64_t n) {
  auto [angle_key, noise_key, label_key] = [&] {
    const jx::Key keys = jx::random::split(key, 3);
    return std::tuple{keys[0], keys[1], keys[2]};
  }();
  const jx::Array angle = jx::random::uniform(angle_key, {n}) * std::numbers::pi_v<float>;
  const jx::Array label = jx::random::bernoulli(label_key, 0.5f, {n}).astype(jx::int32);
  // Upper moon: (cos t, sin t); lower moon: (1 - cos t, 0.5 - sin t).
  const jx::Array x = jnp::where(label == 1, 1.0f - jnp::cos(angle), jnp::cos(angle));
  const jx::Array y = jnp::where(label == 1, 0.5f - jnp::sin(angle), jnp::sin(angle));
  const jx::Array points = jnp::stack({x, y}, 1) + jx::random::normal(noise_key, {n, 2}) * 0.1f;
  return {points, label};
}

struct Batch {
  jx::Array points, labels;
};
JX_PYTREE(Batch, points, labels);

struct Metrics {
  jx::Array loss, accuracy;
};
JX_PYTREE(Metrics, loss, accuracy);

int main(int argc, char** argv) {
  int steps = 600;
  std::int64_t seed = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i], value = argv[i + 1];
    if (flag == "--steps") std::from_chars(value.data(), value.data() + value.size(), steps);
    if (flag == "--seed") std::from_chars(value.data(), value.data() + value.size(), seed);
  }

  // The model, defined once by its forward pass.
  auto model = nn::transform_with_state([](const jx::Array& x, bool is_training) {
    auto h = nn::Linear(64)(x);
    h = nn::BatchNorm(true, true, 0.9f)(h, is_training);
    h = nn::Dropout(0.1f)(nn::relu(h), is_training);
    h = nn::Linear(64)(h);
    h = nn::BatchNorm(true, true, 0.9f)(h, is_training);
    return nn::Linear(2)(nn::relu(h));
  });
  auto loss_fn = [&](const nn::Params& params, const nn::State& state, const jx::Key& key, const Batch& batch) {
    auto [logits, next_state] = model.apply(params, state, key, batch.points, true);
    const jx::Array loss = -jnp::mean(jnp::sum(nn::log_softmax(logits) * nn::one_hot(batch.labels, 2), 1));
    return std::pair{loss, std::pair{next_state, logits}};
  };

  const jx::Key key = jx::random::PRNGKey(seed);
  const jx::Key keys = jx::random::split(key, 4);
  auto [train_points, train_labels] = two_moons(keys[0], 512);
  auto [test_points, test_labels] = two_moons(keys[1], 1024);
  auto [params, state] = model.init(keys[2], train_points, true);
  std::printf("parameters:\n%s", nn::summary(params).c_str());

  auto optimizer =
      jx::optim::adamw(jx::optim::warmup_cosine_decay_schedule(0.0f, 1e-2f, 50, steps), {.weight_decay = 1e-4f});
  auto opt_state = optimizer.init(params);

  // One pure step: everything that changes goes in and comes out.
  auto train_step = jx::jit([&](const nn::Params& p, const nn::State& s, const jx::optim::OptState& o,
                                const jx::Key& step_key, const Batch& batch) {
    auto [value, grads] = jx::value_and_grad(loss_fn, jx::has_aux)(p, s, step_key, batch);
    auto [loss, aux] = value;
    auto [next_state, logits] = aux;
    auto [updates, next_opt] = optimizer.update(grads, o, p);
    const jx::Array accuracy = jnp::mean((jnp::argmax(logits, 1) == batch.labels).astype(jx::float32));
    return std::tuple{jx::optim::apply_updates(p, updates), next_state, next_opt, Metrics{loss, accuracy}};
  });
  auto evaluate = jx::jit([&](const nn::Params& p, const nn::State& s, const jx::Array& x, const jx::Array& y) {
    const jx::Array logits = model.apply(p, s, std::nullopt, x, false).first;
    return jnp::mean((jnp::argmax(logits, 1) == y).astype(jx::float32));
  });

  jx::Key step_key = keys[3];
  for (int step = 1; step <= steps; ++step) {
    auto [next_key, subkey] = jx::random::split(step_key);
    step_key = next_key;
    auto [p, s, o, metrics] = train_step(std::move(params), std::move(state), std::move(opt_state), subkey,
                                         Batch{train_points, train_labels});
    params = std::move(p);
    state = std::move(s);
    opt_state = std::move(o);
    if (step % 100 == 0 || step == 1) {
      std::printf("step %4d  loss %.4f  train accuracy %.3f\n", step, metrics.loss.item<float>(),
                  metrics.accuracy.item<float>());
    }
  }
  std::printf("test accuracy (running BatchNorm statistics): %.4f\n",
              evaluate(params, state, test_points, test_labels).item<float>());
  return 0;
}
