// Uses the installed jx: prints 2 * x + 1 for x = [0, 1, 2] and its gradient's sum.
#include <jx/jx.h>

#include <iostream>

int main() {
  namespace jnp = jx::numpy;
  const jx::Array x = jnp::arange(3.0f);
  std::cout << x * 2 + 1 << "\n";
  std::cout << jx::grad([](const jx::Array& v) { return jnp::sum(v * v); })(x) << "\n";
  return 0;
}
