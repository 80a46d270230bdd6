// Linear regression by gradient descent, as in JAX's "Stateful Computations" tutorial: the parameters
// are a pytree, the update step is a pure jitted function, and the training loop threads the state
// through it. Writes a scatter plot of the data with the fitted line (PLplot, PNG).
//
//   ./build/default/examples/linear_regression [--steps N] [--lr X] [--seed S] [--out FILE]
#include <jx/jx.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "command_line.h"
#include "png_plot.h"

namespace jnp = jx::numpy;

struct Params {
  jx::Array weight, bias;
};
JX_PYTREE(Params, weight, bias);

Params init(jx::Key rng) {
  auto [weights_key, bias_key] = jx::random::split(rng);
  return {jx::random::normal(weights_key, {}), jx::random::normal(bias_key, {})};
}

jx::Array loss(const Params& params, const jx::Array& x, const jx::Array& y) {
  auto pred = params.weight * x + params.bias;
  return jnp::mean(jnp::power(pred - y, 2));
}

// The learning rate is an argument (an array), so that --lr does not change the compiled program.
auto update = jx::jit([](const Params& params, const jx::Array& x, const jx::Array& y, const jx::Array& rate) {
  Params grad = jx::grad(loss)(params, x, y);
  return jx::tree::map([&](const jx::Array& p, const jx::Array& g) { return p - g * rate; }, params, grad);
});

namespace {

struct Options {
  int steps = 1000;
  float learning_rate = 0.005f;
  std::int64_t seed = 42;
  std::string out = "linear_regression.png";
};

constexpr std::string_view kUsage =
    "usage: linear_regression [--steps N] [--lr X] [--seed S] [--out FILE]\n"
    "  --steps N   gradient steps (default 1000)\n"
    "  --lr X      learning rate (default 0.005)\n"
    "  --seed S    PRNG seed of the data and the initial parameters (default 42)\n"
    "  --out FILE  where to write the plot, a PNG (default linear_regression.png)\n";

// Returns the options, or nothing after printing why not (exit_code says how to exit).
std::optional<Options> parse(int argc, char** argv, int& exit_code) {
  Options options;
  const auto handle = [&](std::string_view flag, std::string_view value) {
    if (flag == "--steps") return accepted_if(parse_number(value, options.steps) && options.steps >= 0);
    if (flag == "--lr") return accepted_if(parse_number(value, options.learning_rate) && options.learning_rate > 0);
    if (flag == "--seed") return accepted_if(parse_number(value, options.seed));
    if (flag == "--out") {
      options.out = std::string(value);
      return accepted_if(!options.out.empty());
    }
    return OptionStatus::unknown;
  };
  if (!parse_options(argc, argv, "linear_regression", kUsage, {}, handle, exit_code)) return std::nullopt;
  return options;
}

// The data as a scatter plot and the fitted line, in the tutorial's style (written atomically by PngPlot).
void plot(const std::vector<float>& xs, const std::vector<float>& ys, float weight, float bias,
          const std::string& out) {
  const auto [x_low, x_high] = std::minmax_element(xs.begin(), xs.end());
  const auto [y_low, y_high] = std::minmax_element(ys.begin(), ys.end());
  const double margin = 0.3;
  std::vector<PLFLT> px(xs.begin(), xs.end()), py(ys.begin(), ys.end());
  const PLFLT line_x[2] = {*x_low, *x_high};
  const PLFLT line_y[2] = {weight * *x_low + bias, weight * *x_high + bias};

  const PngPlot png(out, 800, 600);
  plenv(*x_low - margin, *x_high + margin, *y_low - margin, *y_high + margin, 0, 0);
  pllab("x", "y", "Linear regression by gradient descent (jx)");
  plcol0(PngPlot::kBlue);
  plstring(static_cast<PLINT>(px.size()), px.data(), py.data(), "•");
  plcol0(PngPlot::kRed);
  plwidth(2.5);
  plline(2, line_x, line_y);

  const PLINT options[2] = {PL_LEGEND_SYMBOL, PL_LEGEND_LINE};
  const char* text[2] = {"Data", "Model Prediction"};
  const PLINT text_colors[2] = {1, 1}, line_colors[2] = {0, 3}, line_styles[2] = {1, 1}, symbol_colors[2] = {2, 0};
  const PLINT symbol_numbers[2] = {1, 0}, box_colors[2] = {0, 0}, box_patterns[2] = {0, 0};
  const PLFLT line_widths[2] = {1, 2.5}, symbol_scales[2] = {1, 1}, box_scales[2] = {1, 1}, box_widths[2] = {1, 1};
  const char* symbols[2] = {"•", ""};
  PLFLT legend_width = 0, legend_height = 0;
  pllegend(&legend_width, &legend_height, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
           PL_POSITION_TOP | PL_POSITION_LEFT | PL_POSITION_INSIDE, 0.03, 0.03, 0.12, 0, 1, 1, 0, 0, 2, options, 1.0,
           1.0, 2.0, 0.0, text_colors, text, box_colors, box_patterns, box_scales, box_widths, line_colors, line_styles,
           line_widths, symbol_colors, symbol_scales, symbol_numbers, symbols);
}

}  // namespace

int main(int argc, char** argv) {
  int exit_code = 0;
  const std::optional<Options> options = parse(argc, argv, exit_code);
  if (!options) return exit_code;

  auto rng = jx::random::PRNGKey(options->seed);
  auto [x_rng, noise_rng] = jx::random::split(rng);
  auto xs = jx::random::normal(x_rng, {128, 1});
  auto noise = jx::random::normal(noise_rng, {128, 1}) * 0.5f;
  auto ys = xs * 2 + -1 + noise;
  // As in the tutorial, init splits `rng` again, which main already split: the initial weight is drawn
  // with the same key as the data (see below for what the key-reuse checker says about that).
  auto params = init(rng);

  const jx::Array rate = jnp::array(options->learning_rate);
  for (int i = 0; i < options->steps; ++i) params = update(std::move(params), xs, ys, rate);

  // The least-squares line of the same data, for comparison: w = cov(x, y) / var(x).
  const jx::Array x_centered = xs - jnp::mean(xs), y_centered = ys - jnp::mean(ys);
  const jx::Array best_weight = jnp::sum(x_centered * y_centered) / jnp::sum(x_centered * x_centered);
  const jx::Array best_bias = jnp::mean(ys) - best_weight * jnp::mean(xs);

  std::cout << "data: 128 points, y = 2 x - 1 + noise (seed " << options->seed << ")\n";
  std::cout << "true parameters:    weight 2, bias -1\n";
  std::printf("fitted parameters:  weight %.6f, bias %.6f  (%d steps, learning rate %g)\n", params.weight.item<float>(),
              params.bias.item<float>(), options->steps, options->learning_rate);
  std::printf("least squares:      weight %.6f, bias %.6f\n", best_weight.item<float>(), best_bias.item<float>());
  std::printf("final loss:         %.6f\n", loss(params, xs, ys).item<float>());

  plot(xs.to_vector<float>(), ys.to_vector<float>(), params.weight.item<float>(), params.bias.item<float>(),
       options->out);
  std::cout << "plot written to " << std::filesystem::absolute(options->out).string() << "\n";

  // The key-reuse checker sees the tutorial's reuse of `rng`: consumed by split in main, then by the
  // split inside init.
  std::cout << "\nWith jx::config::debug_key_reuse on:\n";
  {
    auto checking = jx::config::scoped({.debug_key_reuse = true});
    const jx::Key key = jx::random::PRNGKey(options->seed);
    try {
      [[maybe_unused]] const auto data_keys = jx::random::split(key);
      init(key);
      std::cout << "  not caught\n";
    } catch (const jx::KeyReuseError& e) {
      std::cout << "  caught: " << e.what() << "\n";
    }
    // The fix: split once into as many keys as there are uses.
    const jx::Key fresh = jx::random::PRNGKey(options->seed);
    const jx::Key keys = jx::random::split(fresh, 3);
    jx::random::normal(keys[0], {128, 1});
    jx::random::normal(keys[1], {128, 1});
    init(keys[2]);
    std::cout << "  fixed: split(rng, 3) gives one key per use, and the checker is silent\n";
  }
  return 0;
}
