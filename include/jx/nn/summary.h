// jx/nn/summary.h — a table of a model's parameters: path, shape, dtype, count, and the total.
//
//   auto [params, state] = model.init(key, x, true);
//   std::cout << jx::nn::summary(params);
//   // path                 shape      dtype     count
//   // linear/b             (512,)     float32     512
//   // linear/w             (784, 512) float32  401408
//   // ...
//   // total                                   535818
#pragma once

#include <string>

#include "jx/tree/dynamic.h"

namespace jx::nn {

// One row per array leaf, with paths joined by "/" (modules' paths already contain them).
std::string summary(const tree::Tree& params);

}  // namespace jx::nn
