// Uses the installed jx::fft library: prints the frequencies of a 4-point FFT and |FFT| of [1, 0, 0, 0].
#include <jx/fft.h>
#include <jx/jx.h>

#include <iostream>

int main() {
  namespace jnp = jx::numpy;
  std::cout << jnp::fft::fftfreq(4) << "\n";
  std::cout << jnp::abs(jnp::fft::fft(jnp::array({1.0f, 0.0f, 0.0f, 0.0f}))) << "\n";
  return 0;
}
