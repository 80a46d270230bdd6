// The toy logistic-regression model JAX's autodiff pages both define in their first cells
// (automatic-differentiation.md and jacobian-vector-products.md, from the autodiff cookbook): four
// examples with three features, and their labels.
#pragma once

#include <jx/jx.h>

namespace tutorial::logistic_regression {

inline jx::Array sigmoid(const jx::Array& x) { return 0.5 * (jx::numpy::tanh(x / 2) + 1); }

// The probability of each label being true.
inline jx::Array predict(const jx::Array& W, const jx::Array& b, const jx::Array& inputs) {
  return sigmoid(jx::numpy::dot(inputs, W) + b);
}

inline const jx::Array& inputs() {
  static const jx::Array value = jx::numpy::array({{0.52, 1.12, 0.77},  //
                                                   {0.88, -1.08, 0.15},
                                                   {0.52, 0.06, -1.30},
                                                   {0.74, -2.49, 1.39}});
  return value;
}

inline const jx::Array& targets() {
  static const jx::Array value = jx::numpy::array({true, true, false, true});
  return value;
}

}  // namespace tutorial::logistic_regression
