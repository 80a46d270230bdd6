// examples/fashion_mnist_models.h — the Fashion-MNIST example's two models and its train state (also
// measured by bench/fashion_mnist_bench.cpp).
//
// Each model is a plain function of the images, defined once by its forward pass; jx::nn's
// transform_with_state turns it into init/apply:
//
//   auto model = jx::nn::transform_with_state(fashion_mnist::cnn);
//   auto [params, state] = model.init(key, images, /*is_training=*/true);
#pragma once

#include <jx/jx.h>
#include <jx/nn/pooling.h>
#include <jx/optim.h>

namespace fashion_mnist {

// Everything that changes during training: one pytree, saved whole in each checkpoint.
struct TrainState {
  jx::nn::Params params;
  jx::nn::State model_state;  // BatchNorm statistics
  jx::optim::OptState opt_state;
  jx::Key key;     // dropout keys are drawn from it by step
  jx::Array step;  // int32 scalar
};
JX_PYTREE(TrainState, params, model_state, opt_state, key, step);

// Summed over a batch: the loss and the number of correct predictions.
struct Metrics {
  jx::Array loss, correct;
};
JX_PYTREE(Metrics, loss, correct);

// 784-512-512-10, BatchNorm and Dropout after each hidden ReLU.
inline jx::Array mlp(const jx::Array& images, bool is_training) {
  namespace nn = jx::nn;
  jx::Array h = images.reshape({images.shape()[0], 784});
  for (int layer = 0; layer < 2; ++layer) {
    h = nn::Linear(512)(h);
    h = nn::BatchNorm(true, true, 0.9f)(h, is_training);
    h = nn::Dropout(0.2f)(nn::relu(h), is_training);
  }
  return nn::Linear(10)(h);
}

// Two Conv2D + ReLU + max-pool blocks and a dense head with Dropout.
inline jx::Array cnn(const jx::Array& images, bool is_training) {
  namespace nn = jx::nn;
  jx::Array h = nn::relu(nn::Conv2D(32, 3)(images));
  h = nn::max_pool(h, {2, 2}, {.strides = {2, 2}});  // 14x14x32
  h = nn::relu(nn::Conv2D(64, 3)(h));
  h = nn::max_pool(h, {2, 2}, {.strides = {2, 2}});  // 7x7x64
  h = h.reshape({h.shape()[0], 7 * 7 * 64});
  h = nn::Dropout(0.3f)(nn::relu(nn::Linear(256)(h)), is_training);
  return nn::Linear(10)(h);
}

}  // namespace fashion_mnist
