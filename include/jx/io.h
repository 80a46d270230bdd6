// jx/io.h — jx::io: data in, state out. Datasets, minibatches, checkpoints and NumPy files.
//
// - Data: jx::io::fashion_mnist reads Debian's dataset-fashion-mnist package; jx::io::batches cuts a
//   dataset into minibatches shuffled by a jx::Key (jx/io/datasets.h).
// - Checkpoints: jx::io::save / jx::io::load write and read any pytree — a whole train state — as a
//   safetensors file, atomically, and refuse any file that is not one with jx::IOError
//   (jx/io/checkpoint.h).
// - Interchange: .npy and .npz files for NumPy (jx/io/numpy_files.h).
//
//   #include <jx/jx.h>
//   struct TrainState { jx::tree::Tree params; jx::Key key; jx::Array step; };
//   JX_PYTREE(TrainState, params, key, step);
//
//   auto train = jx::io::fashion_mnist(jx::io::Split::train);  // IOError if the package is missing
//   auto data_key = jx::random::PRNGKey(0);
//   for (int epoch = 0; epoch < 2; ++epoch) {
//     for (auto [images, labels] : jx::io::batches(train, 128, jx::random::fold_in(data_key, epoch)))
//       state = train_step(std::move(state), images, labels);   // images f32[128,28,28,1], labels i32[128]
//     jx::io::save("checkpoint.safetensors", state);            // the old file or the new, never torn
//   }
//   auto resumed = jx::io::load<TrainState>("checkpoint.safetensors");
#pragma once

#include "jx/io/checkpoint.h"
#include "jx/io/datasets.h"
#include "jx/io/numpy_files.h"
