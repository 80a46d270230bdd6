// A character-level language model trained on real text: the fortunes of Debian's `fortunes` package
// (one file in five held out for validation), a decoder-only Transformer or an LSTM, AdamW with a
// warmup-cosine schedule and gradient clipping, one jitted train step that takes and returns the
// whole train state (donated: updated in place), periodic validation in bits per character, a
// checkpoint at each validation that --resume continues from bit-exactly, a PNG of the curves, and
// text sampled from a prompt with temperature and top-k.
//
//   ./build/default/examples/char_lm --model transformer --minutes 10 --out runs/transformer
//   ./build/default/examples/char_lm --model lstm --minutes 10 --out runs/lstm
//   ./build/default/examples/char_lm --model transformer --out runs/transformer --resume --minutes 5
//   ./build/default/examples/char_lm --out runs/transformer --sample-only --prompt "Q: " --temperature 0.8
#include <fmt/format.h>
#include <jx/io.h>
#include <jx/jx.h>
#include <jx/optim.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numbers>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "char_lm_corpus.h"
#include "char_lm_models.h"
#include "command_line.h"
#include "png_plot.h"
#include "progress_bar.h"

namespace jnp = jx::numpy;
namespace nn = jx::nn;

using char_lm::Corpus;
using char_lm::ModelConfig;
using char_lm::TrainState;

struct Checkpoint {
  TrainState state;
  jx::Array total_steps;  // int32 scalar: the schedule's length, fixed by the first run
  jx::Array history;      // float32 [evaluations, 3]: step, train bits per character, validation bits per character
};
JX_PYTREE(Checkpoint, state, total_steps, history);

namespace {

struct Options {
  std::string model = "transformer";
  double minutes = 10;
  std::optional<std::int64_t> steps;       // the schedule's length; default: what fits in --minutes
  std::optional<std::int64_t> stop_after;  // train steps in this invocation (then --resume)
  std::int64_t batch_size = 32;
  float learning_rate = 3e-3f;
  std::int64_t seed = 0;
  std::int64_t eval_every = 200;
  std::int64_t eval_windows = 256;  // validation windows at each periodic evaluation (all at the end)
  ModelConfig config;
  std::filesystem::path out = "char_lm_run";
  std::filesystem::path data = "/usr/share/games/fortunes";
  bool resume = false;
  bool sample_only = false;
  std::string prompt = "\n";
  std::int64_t sample_length = 300;
  float temperature = 0.8f;
  std::int64_t top_k = 20;
};

constexpr std::string_view kUsage =
    "usage: char_lm [--model transformer|lstm] [--minutes M] [--steps N] [--batch-size B] [--lr X] [--seed S]\n"
    "               [--out DIR] [--resume] [--stop-after N] [--data DIR] [--eval-every N] [--eval-windows N]\n"
    "               [--context T] [--model-size D] [--layers L] [--heads H] [--lstm-size U]\n"
    "               [--sample-only] [--prompt TEXT] [--sample-length N] [--temperature X] [--top-k K]\n"
    "  --model           transformer: decoder-only, pre-LayerNorm (default); lstm: one LSTM layer\n"
    "  --minutes M       train for at most M minutes of this invocation (default 10)\n"
    "  --steps N         length of the learning-rate schedule (default: the steps that fit in M minutes)\n"
    "  --batch-size B    windows per step (default 32)\n"
    "  --lr X            peak learning rate (default 0.003)\n"
    "  --out DIR         checkpoint.safetensors, curves.png and sample.txt go there (default char_lm_run)\n"
    "  --resume          continue from DIR/checkpoint.safetensors\n"
    "  --stop-after N    stop after N steps of this invocation (at a validation; resume later)\n"
    "  --data DIR        a directory of fortune files (default /usr/share/games/fortunes)\n"
    "  --eval-every N    validate and checkpoint every N steps (default 200)\n"
    "  --eval-windows N  validation windows per periodic evaluation (default 256; the last uses all)\n"
    "  --context T ...   model shape: context 128, model size 128, 5 layers, 4 heads, LSTM 512 units\n"
    "  --sample-only     only sample from DIR's checkpoint\n"
    "  --prompt TEXT     the text the sample continues (default a newline)\n"
    "  --temperature X   sampling temperature (default 0.8); --top-k K: sample among the K likeliest (20)\n";

std::optional<Options> parse(int argc, char** argv, int& exit_code) {
  Options o;
  const auto handle = [&](std::string_view flag, std::string_view value) {
    std::int64_t n = 0;
    if (flag == "--resume") return o.resume = true, OptionStatus::accepted;
    if (flag == "--sample-only") return o.sample_only = true, OptionStatus::accepted;
    if (flag == "--model") {
      o.model = std::string(value);
      return accepted_if(o.model == "transformer" || o.model == "lstm");
    }
    if (flag == "--minutes") return accepted_if(parse_number(value, o.minutes) && o.minutes > 0);
    if (flag == "--steps") {
      const bool good = parse_number(value, n) && n > 0;
      o.steps = n;
      return accepted_if(good);
    }
    if (flag == "--stop-after") {
      const bool good = parse_number(value, n) && n > 0;
      o.stop_after = n;
      return accepted_if(good);
    }
    if (flag == "--batch-size") return accepted_if(parse_number(value, o.batch_size) && o.batch_size > 0);
    if (flag == "--lr") return accepted_if(parse_number(value, o.learning_rate) && o.learning_rate > 0);
    if (flag == "--seed") return accepted_if(parse_number(value, o.seed));
    if (flag == "--eval-every") return accepted_if(parse_number(value, o.eval_every) && o.eval_every > 0);
    if (flag == "--eval-windows") return accepted_if(parse_number(value, o.eval_windows) && o.eval_windows > 0);
    if (flag == "--context") return accepted_if(parse_number(value, o.config.context) && o.config.context > 1);
    if (flag == "--model-size") return accepted_if(parse_number(value, o.config.model_size) && o.config.model_size > 0);
    if (flag == "--layers") return accepted_if(parse_number(value, o.config.num_layers) && o.config.num_layers > 0);
    if (flag == "--heads") return accepted_if(parse_number(value, o.config.num_heads) && o.config.num_heads > 0);
    if (flag == "--lstm-size") return accepted_if(parse_number(value, o.config.lstm_size) && o.config.lstm_size > 0);
    if (flag == "--sample-length") return accepted_if(parse_number(value, o.sample_length) && o.sample_length >= 0);
    if (flag == "--temperature") return accepted_if(parse_number(value, o.temperature) && o.temperature > 0);
    if (flag == "--top-k") return accepted_if(parse_number(value, o.top_k) && o.top_k > 0 && o.top_k <= 256);
    if (flag == "--prompt") return o.prompt = std::string(value), accepted_if(!o.prompt.empty());
    if (flag == "--out") return o.out = std::string(value), OptionStatus::accepted;
    if (flag == "--data") return o.data = std::string(value), OptionStatus::accepted;
    return OptionStatus::unknown;
  };
  if (!parse_options(argc, argv, "char_lm", kUsage, {"--resume", "--sample-only"}, handle, exit_code))
    return std::nullopt;
  if (o.config.model_size % o.config.num_heads != 0) {
    std::cerr << "char_lm: --model-size must be a multiple of --heads\n" << kUsage;
    exit_code = 2;
    return std::nullopt;
  }
  return o;
}

void plot_curves(const std::vector<std::array<float, 3>>& history, const std::filesystem::path& file) {
  if (history.empty()) return;
  std::vector<PLFLT> steps, train, validation;
  PLFLT low = history[0][1], high = history[0][1];
  for (const auto& row : history) {
    steps.push_back(row[0]);
    train.push_back(row[1]);
    validation.push_back(row[2]);
    low = std::min({low, PLFLT(row[1]), PLFLT(row[2])});
    high = std::max({high, PLFLT(row[1]), PLFLT(row[2])});
  }
  const PngPlot png(file, 800, 500);
  plcol0(PngPlot::kBlack);
  plenv(0, std::max<PLFLT>(steps.back(), 1), low - 0.1, high + 0.1, 0, 0);
  pllab("step", "bits per character", "Character-level language model: train (blue), validation (red)");
  plwidth(2);
  plcol0(PngPlot::kBlue);
  plline(static_cast<PLINT>(steps.size()), steps.data(), train.data());
  plcol0(PngPlot::kRed);
  plline(static_cast<PLINT>(steps.size()), steps.data(), validation.data());
}

// Next-byte sampling from the model's logits at the last position of a window of the recent text
// (left-padded with newlines): softmax of logits / temperature restricted to the top k.
template <class LastLogits>
std::string sample(const LastLogits& last_logits, const nn::Params& params, const Options& o, jx::Key key) {
  std::string text = o.prompt;
  const std::int64_t context = o.config.context;
  for (std::int64_t i = 0; i < o.sample_length; ++i) {
    std::vector<std::int32_t> window(static_cast<std::size_t>(context), '\n');
    const std::int64_t have = std::min<std::int64_t>(context, static_cast<std::int64_t>(text.size()));
    for (std::int64_t j = 0; j < have; ++j) {
      window[static_cast<std::size_t>(context - have + j)] =
          static_cast<std::uint8_t>(text[text.size() - static_cast<std::size_t>(have - j)]);
    }
    const jx::Array logits = last_logits(params, jnp::array(window, jx::Shape{1, context})) / o.temperature;
    const jx::Array kth_largest = jx::lax::top_k(logits, o.top_k).first[o.top_k - 1];
    const jx::Array restricted = jnp::where(logits >= kth_largest, logits, -INFINITY);
    auto [next_key, draw] = jx::random::split(key);
    key = next_key;
    text.push_back(static_cast<char>(jx::random::categorical(draw, restricted).item<int>()));
  }
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  int exit_code = 0;
  const std::optional<Options> options = parse(argc, argv, exit_code);
  if (!options) return exit_code;
  const Options& o = *options;
  const ModelConfig& config = o.config;
  std::filesystem::create_directories(o.out);
  const std::filesystem::path checkpoint_file = o.out / "checkpoint.safetensors";
  const auto model = nn::transform([&](const jx::Array& tokens) { return char_lm::logits(o.model, tokens, config); });
  auto last_logits = jx::jit([&](const nn::Params& params, const jx::Array& window) {
    const jx::Array all = model.apply(params, std::nullopt, window);
    return all[0][-1];
  });

  if (o.sample_only) {
    if (!std::filesystem::exists(checkpoint_file)) {
      std::cerr << "char_lm: --sample-only needs " << checkpoint_file << "\n";
      return 2;
    }
    try {
      const Checkpoint saved = jx::io::load<Checkpoint>(checkpoint_file);
      std::printf("%s\n", sample(last_logits, saved.state.params, o, jx::random::PRNGKey(o.seed + 1)).c_str());
    } catch (const jx::Error& error) {
      std::cerr << "char_lm: cannot sample from " << checkpoint_file
                << " (were --model and the shape options those it was trained with?):\n"
                << error.what() << "\n";
      return 1;
    }
    return 0;
  }

  if (!std::filesystem::is_directory(o.data)) {
    std::cerr << "char_lm: no text at " << o.data << " (install Debian's fortunes package)\n";
    return 2;
  }
  const Corpus corpus = char_lm::read_corpus(o.data);
  const auto as_array = [](const std::vector<std::uint8_t>& bytes) {
    return jnp::array(std::vector<std::int32_t>(bytes.begin(), bytes.end()));
  };
  const jx::Array train_text = as_array(corpus.train), validation_text = as_array(corpus.validation);
  const std::int64_t context = config.context;
  std::printf("%s: %zu training and %zu validation characters\n", o.data.c_str(), corpus.train.size(),
              corpus.validation.size());

  // The schedule's length must be known when the optimizer is made: on a fresh run, what fits in the
  // time given (measured on a few steps of a throwaway state); on a resumed run, the first run's.
  const auto make_optimizer = [&](std::int64_t total_steps) {
    return jx::optim::chain(
        jx::optim::clip_by_global_norm(1.0f),
        jx::optim::adamw(
            jx::optim::warmup_cosine_decay_schedule(0.0f, o.learning_rate, std::max<std::int64_t>(1, total_steps / 20),
                                                    total_steps, {.end_value = o.learning_rate / 10.0}),
            {.b2 = 0.99, .weight_decay = 0.1, .mask = jx::optim::not_named({"b", "offset", "scale"})}));
  };
  // Mean next-byte cross-entropy (nats) over random windows of the training text.
  const auto batch_loss = [&](const nn::Params& params, const jx::Array& windows) {
    const jx::Array inputs = windows(jx::Slice{}, jx::Slice{0, context});
    const jx::Array targets = windows(jx::Slice{}, jx::Slice{1, context + 1});
    return jnp::mean(
        jx::optim::softmax_cross_entropy_with_integer_labels(model.apply(params, std::nullopt, inputs), targets));
  };
  const auto windows_at = [&](const jx::Array& text, const jx::Array& starts) {
    return jnp::take(text, starts.reshape({-1, 1}) + jnp::arange(context + 1).reshape({1, -1}));
  };
  const auto make_train_step = [&](const jx::optim::GradientTransformation& optimizer) {
    return jx::jit([&, optimizer](const TrainState& s, const jx::Array& text) {
      const jx::Key key = jx::random::fold_in(s.key, s.step);
      const jx::Array starts = jx::random::randint(key, {o.batch_size}, jnp::array(0),
                                                   jnp::array(static_cast<std::int32_t>(text.shape()[0] - context)));
      auto [loss, grads] = jx::value_and_grad(batch_loss)(s.params, windows_at(text, starts));
      auto [updates, opt_state] = optimizer.update(grads, s.opt_state, s.params);
      return std::pair{TrainState{jx::optim::apply_updates(s.params, updates), opt_state, s.key, s.step + 1}, loss};
    });
  };
  auto evaluate = jx::jit([&](const nn::Params& params, const jx::Array& text, const jx::Array& starts) {
    return batch_loss(params, windows_at(text, starts)) * static_cast<float>(starts.shape()[0]);
  });
  // Validation bits per character over the first `windows` non-overlapping windows (batches of 32).
  const auto validation_bits = [&](const nn::Params& params, std::int64_t windows) {
    const std::int64_t available = (validation_text.shape()[0] - 1) / context;
    const std::int64_t batches = std::max<std::int64_t>(1, std::min(windows, available) / 32);
    double nats = 0;
    for (std::int64_t b = 0; b < batches; ++b) {
      const jx::Array starts = (jnp::arange(32) + b * 32) * context;
      nats += evaluate(params, validation_text, starts.astype(jx::int32)).item<float>();
    }
    return nats / static_cast<double>(batches * 32) / std::numbers::ln2;
  };

  const jx::Key root = jx::random::PRNGKey(o.seed);
  const jx::Key keys = jx::random::split(root, 3);  // init, batches, sampling
  Checkpoint run;
  if (o.resume && std::filesystem::exists(checkpoint_file)) {
    run = jx::io::load<Checkpoint>(checkpoint_file);
    std::printf("resumed from %s at step %d of %d\n", checkpoint_file.c_str(), run.state.step.item<int>(),
                run.total_steps.item<int>());
  } else {
    const nn::Params params = model.init(keys[0], jnp::zeros({o.batch_size, context}, jx::int32));
    std::printf("%s", nn::summary(params).c_str());
    std::int64_t total_steps = o.steps.value_or(0);
    if (!o.steps) {
      const jx::optim::GradientTransformation probe = make_optimizer(1000);
      auto probe_step = make_train_step(probe);
      TrainState probe_state{params, probe.init(params), keys[1], jnp::array(0)};
      probe_state = probe_step(probe_state, train_text).first;  // compiles
      const auto start = std::chrono::steady_clock::now();
      for (int i = 0; i < 3; ++i) probe_state = probe_step(probe_state, train_text).first;
      probe_state.step.block_until_ready();
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / 3;
      // A tenth of the time goes to compiling, validation and checkpoints.
      total_steps = std::max<std::int64_t>(o.eval_every, static_cast<std::int64_t>(o.minutes * 60 * 0.9 / seconds));
      std::printf("%.1f ms per step: %ld steps in %.1f minutes\n", seconds * 1e3, static_cast<long>(total_steps),
                  o.minutes);
    }
    const jx::optim::GradientTransformation optimizer = make_optimizer(total_steps);
    run = Checkpoint{TrainState{params, optimizer.init(params), keys[1], jnp::array(0)},
                     jnp::array(static_cast<std::int32_t>(total_steps)), jnp::zeros({0, 3})};
  }
  const std::int64_t total_steps = run.total_steps.item<int>();
  auto train_step = make_train_step(make_optimizer(total_steps));

  std::vector<std::array<float, 3>> history;
  const std::vector<float> saved = run.history.to_vector<float>();
  for (std::size_t i = 0; i + 2 < saved.size(); i += 3) history.push_back({saved[i], saved[i + 1], saved[i + 2]});
  if (history.empty()) {
    const auto bits = static_cast<float>(validation_bits(run.state.params, o.eval_windows));
    std::printf("before training: validation %.3f bits per character\n", bits);
  }

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(o.minutes * 60);
  std::int64_t step = run.state.step.item<int>();
  const std::int64_t stop_at = o.stop_after ? std::min(total_steps, step + *o.stop_after) : total_steps;
  double validation = history.empty() ? NAN : history.back()[2];
  while (step < stop_at && std::chrono::steady_clock::now() < deadline) {
    const std::int64_t until = std::min(stop_at, (step / o.eval_every + 1) * o.eval_every);
    ProgressBar bar(fmt::format("steps {}-{} of {}", step + 1, until, total_steps), until - step,
                    o.batch_size * context);
    jx::Array loss_sum = jnp::array(0.0f);
    const std::int64_t first = step;
    while (step < until && std::chrono::steady_clock::now() < deadline) {
      auto [next, loss] = train_step(std::move(run.state), train_text);
      run.state = std::move(next);
      loss_sum = loss_sum + loss;
      ++step;
      if (step % 10 == 0) {
        bar.update(step - first,
                   fmt::format("train {:.3f} bits/char",
                               loss_sum.item<float>() / static_cast<double>(step - first) / std::numbers::ln2));
      }
    }
    const auto train_bits =
        static_cast<float>(loss_sum.item<float>() / static_cast<double>(step - first) / std::numbers::ln2);
    const bool last = step == total_steps || std::chrono::steady_clock::now() >= deadline;
    validation = validation_bits(run.state.params, last ? (validation_text.shape()[0] - 1) / context : o.eval_windows);
    bar.finish(fmt::format("train {:.3f}  validation {:.3f} bits/char", train_bits, validation));
    history.push_back({static_cast<float>(step), train_bits, static_cast<float>(validation)});
    std::vector<float> flat;
    for (const auto& row : history) flat.insert(flat.end(), row.begin(), row.end());
    run.history = jnp::array(flat, jx::Shape{static_cast<std::int64_t>(history.size()), 3});
    jx::io::save(checkpoint_file, run);
    plot_curves(history, o.out / "curves.png");
  }

  const std::string text = sample(last_logits, run.state.params, o, keys[2]);
  std::ofstream(o.out / "sample.txt") << text;
  std::printf("sample (temperature %.2f, top %ld):\n%s\n", o.temperature, static_cast<long>(o.top_k), text.c_str());
  std::printf("checkpoint: %s\ncurves: %s\n", std::filesystem::absolute(checkpoint_file).c_str(),
              std::filesystem::absolute(o.out / "curves.png").c_str());
  std::printf("validation bits per character: %.4f\n", validation);
  return 0;
}
