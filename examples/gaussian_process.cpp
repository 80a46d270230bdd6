// Gaussian-process regression: an RBF kernel's hyperparameters (length scale, amplitude, noise) fitted
// by maximizing the marginal likelihood with jx::grad and Adam, then the posterior mean and its
// two-standard-deviation band drawn to a PNG. The linear algebra is Cholesky, triangular solves and
// log-determinants from jx::scipy::linalg and jx::numpy::linalg, differentiated through.
//
// The data: noisy samples of sin(3x) + 0.3 x on [-3, 3], generated from a seed.
//
//   ./build/default/examples/gaussian_process [--steps N] [--seed S] [--out FILE]
#include <jx/jx.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <numbers>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "command_line.h"
#include "png_plot.h"

namespace jnp = jx::numpy;
namespace sla = jx::scipy::linalg;

// Unconstrained hyperparameters: each is the log of a positive quantity.
struct Hyperparameters {
  jx::Array log_length_scale, log_amplitude, log_noise;
};
JX_PYTREE(Hyperparameters, log_length_scale, log_amplitude, log_noise);

// k(x, x') = amplitude^2 exp(-|x - x'|^2 / (2 length_scale^2)) for column vectors x (n) and x' (m).
jx::Array rbf(const Hyperparameters& h, const jx::Array& x, const jx::Array& x2) {
  const jx::Array scaled = (jnp::expand_dims(x, 1) - jnp::expand_dims(x2, 0)) / jnp::exp(h.log_length_scale);
  return jnp::exp(2 * h.log_amplitude) * jnp::exp(-0.5f * scaled * scaled);
}

jx::Array noisy_covariance(const Hyperparameters& h, const jx::Array& x) {
  const std::int64_t n = x.shape()[0];
  return rbf(h, x, x) + (jnp::exp(2 * h.log_noise) + 1e-6f) * jnp::eye(n);
}

// -log p(y | x, h) = y^T K^-1 y / 2 + log|K| / 2 + n log(2 pi) / 2, by the Cholesky factor of K.
jx::Array negative_log_likelihood(const Hyperparameters& h, const jx::Array& x, const jx::Array& y) {
  const jx::Array covariance = noisy_covariance(h, x);
  const sla::ChoFactor factor = sla::cho_factor(covariance, {.lower = true});
  const jx::Array alpha = sla::cho_solve(factor, y);
  const jx::Array log_det = jnp::linalg::slogdet(covariance).logabsdet;
  const double n = static_cast<double>(x.shape()[0]);
  return 0.5f * jnp::dot(y, alpha) + 0.5f * log_det + static_cast<float>(0.5 * n * std::log(2 * std::numbers::pi));
}

// The posterior mean and standard deviation at the test points.
std::pair<jx::Array, jx::Array> posterior(const Hyperparameters& h, const jx::Array& x, const jx::Array& y,
                                          const jx::Array& test) {
  const jx::Array lower = jnp::linalg::cholesky(noisy_covariance(h, x));
  const jx::Array cross = rbf(h, x, test);  // (n, m)
  const jx::Array v = sla::solve_triangular(lower, cross, {.lower = true});
  const jx::Array alpha = sla::cho_solve({lower, true}, y);
  const jx::Array mean = jnp::matmul(jnp::swapaxes(cross, 0, 1), alpha);
  const jx::Array variance = jnp::exp(2 * h.log_amplitude) - jnp::sum(v * v, 0);
  return {mean, jnp::sqrt(jnp::maximum(variance, 0.0f))};
}

namespace {

struct Options {
  int steps = 300;
  std::int64_t seed = 0;
  std::string out = "gaussian_process.png";
};

constexpr std::string_view kUsage =
    "usage: gaussian_process [--steps N] [--seed S] [--out FILE]\n"
    "  --steps N   Adam steps on the marginal likelihood (default 300)\n"
    "  --seed S    PRNG seed of the data (default 0)\n"
    "  --out FILE  where to write the plot, a PNG (default gaussian_process.png)\n";

std::optional<Options> parse(int argc, char** argv, int& exit_code) {
  Options options;
  const auto handle = [&](std::string_view flag, std::string_view value) {
    if (flag == "--steps") return accepted_if(parse_number(value, options.steps) && options.steps >= 0);
    if (flag == "--seed") return accepted_if(parse_number(value, options.seed));
    if (flag == "--out") {
      options.out = std::string(value);
      return accepted_if(!options.out.empty());
    }
    return OptionStatus::unknown;
  };
  if (!parse_options(argc, argv, "gaussian_process", kUsage, {}, handle, exit_code)) return std::nullopt;
  return options;
}

void plot(const std::vector<float>& xs, const std::vector<float>& ys, const std::vector<float>& grid,
          const std::vector<float>& mean, const std::vector<float>& stddev, const std::string& out) {
  const PngPlot png(out, 900, 600);
  plenv(-3.2, 3.2, -3.5, 3.5, 0, 0);
  pllab("x", "y", "Gaussian process posterior (jx): mean and 2 standard deviations");
  // The band: upper edge left to right, lower edge right to left, filled.
  std::vector<PLFLT> band_x, band_y;
  for (std::size_t i = 0; i < grid.size(); ++i) {
    band_x.push_back(grid[i]);
    band_y.push_back(mean[i] + 2 * stddev[i]);
  }
  for (std::size_t i = grid.size(); i-- > 0;) {
    band_x.push_back(grid[i]);
    band_y.push_back(mean[i] - 2 * stddev[i]);
  }
  plscol0a(4, 31, 119, 180, 0.25);
  plcol0(4);
  plfill(static_cast<PLINT>(band_x.size()), band_x.data(), band_y.data());
  plcol0(PngPlot::kBlue);
  plwidth(2.5);
  std::vector<PLFLT> gx(grid.begin(), grid.end()), gm(mean.begin(), mean.end());
  plline(static_cast<PLINT>(gx.size()), gx.data(), gm.data());
  plcol0(PngPlot::kRed);
  std::vector<PLFLT> px(xs.begin(), xs.end()), py(ys.begin(), ys.end());
  plstring(static_cast<PLINT>(px.size()), px.data(), py.data(), "•");
}

}  // namespace

int main(int argc, char** argv) {
  int exit_code = 0;
  const std::optional<Options> options = parse(argc, argv, exit_code);
  if (!options) return exit_code;

  auto [x_key, noise_key] = jx::random::split(jx::random::PRNGKey(options->seed));
  const jx::Array x = jx::random::uniform(x_key, {40}, jx::float32, -3.0f, 3.0f);
  const jx::Array y = jnp::sin(3 * x) + 0.3f * x + 0.2f * jx::random::normal(noise_key, {40});

  Hyperparameters h{jnp::array(0.0f), jnp::array(0.0f), jnp::array(-1.0f)};
  const auto optimizer = jx::optim::adam(0.05f);
  jx::optim::OptState state = optimizer.init(h);
  auto step = jx::jit([optimizer](const Hyperparameters& params, const jx::optim::OptState& opt_state,
                                  const jx::Array& xs, const jx::Array& ys) {
    auto [loss, grads] = jx::value_and_grad(negative_log_likelihood)(params, xs, ys);
    auto [updates, next_state] = optimizer.update(grads, opt_state, params);
    return std::tuple{jx::optim::apply_updates(params, updates), next_state, loss};
  });
  const float initial = negative_log_likelihood(h, x, y).item<float>();
  jx::Array loss;
  for (int i = 0; i < options->steps; ++i) std::tie(h, state, loss) = step(std::move(h), std::move(state), x, y);

  std::printf("data: 40 noisy samples of sin(3x) + 0.3x on [-3, 3] (seed %lld), noise stddev 0.2\n",
              static_cast<long long>(options->seed));
  std::printf("negative log marginal likelihood: %.4f -> %.4f (%d Adam steps)\n", initial,
              negative_log_likelihood(h, x, y).item<float>(), options->steps);
  std::printf("fitted: length scale %.4f, amplitude %.4f, noise stddev %.4f\n",
              std::exp(h.log_length_scale.item<float>()), std::exp(h.log_amplitude.item<float>()),
              std::exp(h.log_noise.item<float>()));

  const jx::Array grid = jnp::linspace(-3.2, 3.2, 200);
  const auto [mean, stddev] = posterior(h, x, y, grid);
  const jx::Array truth = jnp::sin(3 * grid) + 0.3f * grid;
  std::printf("posterior mean vs the noiseless function: RMS error %.4f over [-3.2, 3.2]\n",
              jnp::sqrt(jnp::mean(jnp::square(mean - truth))).item<float>());
  plot(x.to_vector<float>(), y.to_vector<float>(), grid.to_vector<float>(), mean.to_vector<float>(),
       stddev.to_vector<float>(), options->out);
  std::cout << "plot written to " << std::filesystem::absolute(options->out).string() << "\n";
  return 0;
}
