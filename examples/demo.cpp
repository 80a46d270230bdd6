// A first look at jx: arrays, NumPy-style operations, JAX's type promotion.
#include <jx/jx.h>

#include <iostream>

namespace jnp = jx::numpy;

int main() {
  auto x = jnp::arange(6).reshape({2, 3});
  std::cout << "x =\n" << x << "\n";
  std::cout << "x * 2 + 1 =\n" << x * 2 + 1 << "\n";  // stays int32
  std::cout << "x * 0.5 =\n" << x * 0.5 << "\n";      // float32, as in JAX
  std::cout << "sum over axis 0: " << jnp::sum(x, 0) << "\n";
  std::cout << "mean: " << jnp::mean(x) << "\n";

  auto angles = jnp::linspace(0.0, 3.14159265, 5);
  std::cout << "sin(linspace(0, pi, 5)) = " << jnp::sin(angles) << "\n";

  auto a = jnp::array({{1.0f, 2.0f}, {3.0f, 4.0f}});
  std::cout << "a @ a.T =\n" << jnp::matmul(a, a.transpose()) << "\n";
  std::cout << "softmax(a) =\n" << jx::nn::softmax(a) << "\n";
  std::cout << "repr: " << jx::repr(a[0]) << "\n";

  auto updated = std::move(a).at(1, 0).set(10.0f);  // in place: a's buffer is reused
  std::cout << "updated =\n" << updated << "\n";
  return 0;
}
