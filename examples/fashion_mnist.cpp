// Fashion-MNIST, trained end to end: Debian's dataset, a model defined once by its forward pass, AdamW
// with a warmup-cosine schedule, one jitted train step that takes and returns the whole train state
// (donated: updated in place), evaluation on the 10k test images each epoch, a checkpoint each epoch
// that --resume continues from bit-exactly, and a PNG of the training curves. With --data-parallel, every
// device of every process mpirun started (jx/distributed.h) trains on its share of each batch, the
// gradients averaged over all of them (pmean in a pmap'd step); process 0 writes the checkpoint, which
// any number of processes can resume.
//
//   ./build/default/examples/fashion_mnist --model mlp --epochs 10 --out runs/mlp
//   ./build/default/examples/fashion_mnist --model cnn --epochs 10 --out runs/cnn
//   ./build/default/examples/fashion_mnist --model cnn --epochs 10 --out runs/cnn --resume
//   mpirun -np 2 ./build/default/examples/fashion_mnist --model mlp --data-parallel --out runs/mlp2
#include <fmt/format.h>
#include <jx/distributed.h>
#include <jx/io.h>
#include <jx/jx.h>
#include <jx/nn/pooling.h>
#include <jx/optim.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "command_line.h"
#include "fashion_mnist_models.h"
#include "png_plot.h"
#include "progress_bar.h"

namespace jnp = jx::numpy;
namespace nn = jx::nn;

using fashion_mnist::Metrics;
using fashion_mnist::TrainState;

struct Checkpoint {
  TrainState state;
  jx::Array epochs_done;  // int32 scalar
  jx::Array history;      // float32 [epochs_done, 4]: train loss, train accuracy, test loss, test accuracy
};
JX_PYTREE(Checkpoint, state, epochs_done, history);

namespace {

struct Options {
  std::string model = "mlp";
  int epochs = 10;
  std::int64_t batch_size = 128;
  float learning_rate = 1e-3f;
  std::int64_t seed = 0;
  std::filesystem::path out = "fashion_mnist_run";
  bool resume = false;
  std::optional<int> stop_after;               // epochs to run in this invocation (then resume)
  std::optional<std::int64_t> train_examples;  // use only the first N training images
  bool data_parallel = false;                  // split each batch over every device of every process
};

constexpr std::string_view kUsage =
    "usage: fashion_mnist [--model mlp|cnn] [--epochs N] [--batch-size B] [--lr X] [--seed S]\n"
    "                     [--out DIR] [--resume] [--stop-after N] [--train-examples N] [--data-parallel]\n"
    "  --model           mlp: 784-512-512-10 with BatchNorm and Dropout; cnn: two Conv2D+max-pool blocks\n"
    "  --epochs N        epochs of the whole run (default 10); the schedule spans them all\n"
    "  --batch-size B    examples per step (default 128)\n"
    "  --lr X            peak learning rate of the warmup-cosine schedule (default 0.001)\n"
    "  --seed S          initialization, data order and dropout (default 0)\n"
    "  --out DIR         checkpoint.safetensors and training_curves.png go there (default fashion_mnist_run)\n"
    "  --resume          continue from DIR/checkpoint.safetensors\n"
    "  --stop-after N    stop after N epochs of this invocation (resume later)\n"
    "  --train-examples N  train on the first N images only (quick runs)\n"
    "  --data-parallel   split each batch over every device of every process (run under mpirun; the batch\n"
    "                    size must divide among them), averaging the gradients\n";

std::optional<Options> parse(int argc, char** argv, int& exit_code) {
  Options o;
  const auto handle = [&](std::string_view flag, std::string_view value) {
    int n = 0;
    std::int64_t m = 0;
    if (flag == "--resume") {
      o.resume = true;
      return OptionStatus::accepted;
    }
    if (flag == "--data-parallel") {
      o.data_parallel = true;
      return OptionStatus::accepted;
    }
    if (flag == "--model") {
      o.model = std::string(value);
      return accepted_if(o.model == "mlp" || o.model == "cnn");
    }
    if (flag == "--epochs") return accepted_if(parse_number(value, o.epochs) && o.epochs > 0);
    if (flag == "--batch-size") return accepted_if(parse_number(value, o.batch_size) && o.batch_size > 0);
    if (flag == "--lr") return accepted_if(parse_number(value, o.learning_rate) && o.learning_rate > 0);
    if (flag == "--seed") return accepted_if(parse_number(value, o.seed));
    if (flag == "--out") {
      o.out = std::string(value);
      return OptionStatus::accepted;
    }
    if (flag == "--stop-after") {
      const bool good = parse_number(value, n) && n > 0;
      o.stop_after = n;
      return accepted_if(good);
    }
    if (flag == "--train-examples") {
      const bool good = parse_number(value, m) && m > 0;
      o.train_examples = m;
      return accepted_if(good);
    }
    return OptionStatus::unknown;
  };
  if (!parse_options(argc, argv, "fashion_mnist", kUsage, {"--resume", "--data-parallel"}, handle, exit_code))
    return std::nullopt;
  return o;
}

void plot_curves(const std::vector<std::array<float, 4>>& history, const std::filesystem::path& file) {
  if (history.empty()) return;
  std::vector<PLFLT> epochs, columns[4];
  for (std::size_t e = 0; e < history.size(); ++e) {
    epochs.push_back(static_cast<PLFLT>(e + 1));
    for (int c = 0; c < 4; ++c) columns[c].push_back(history[e][static_cast<std::size_t>(c)]);
  }
  const PngPlot png(file, 1000, 420, 2);
  const char* titles[2] = {"Loss", "Accuracy"};
  for (int panel = 0; panel < 2; ++panel) {
    const std::vector<PLFLT>& train = columns[panel];
    const std::vector<PLFLT>& test = columns[panel + 2];
    PLFLT low = train[0], high = train[0];
    for (PLFLT v : train) low = std::min(low, v), high = std::max(high, v);
    for (PLFLT v : test) low = std::min(low, v), high = std::max(high, v);
    const PLFLT margin = (high - low) * 0.1 + 1e-3;
    pladv(0);
    plcol0(PngPlot::kBlack);
    plvsta();
    plwind(0.5, static_cast<PLFLT>(history.size()) + 0.5, low - margin, high + margin);
    plbox("bcnst", 1.0, 0, "bcnstv", 0.0, 0);
    pllab("epoch", titles[panel], titles[panel]);
    plwidth(2);
    plcol0(PngPlot::kBlue);
    plline(static_cast<PLINT>(epochs.size()), epochs.data(), train.data());
    plcol0(PngPlot::kRed);
    plline(static_cast<PLINT>(epochs.size()), epochs.data(), test.data());
    const PLINT options[2] = {PL_LEGEND_LINE, PL_LEGEND_LINE};
    const char* text[2] = {"train", "test"};
    const PLINT text_colors[2] = {1, 1}, line_colors[2] = {2, 3}, line_styles[2] = {1, 1};
    const PLINT zeros[2] = {0, 0};
    const PLFLT widths[2] = {2, 2}, ones[2] = {1, 1};
    const char* symbols[2] = {"", ""};
    PLFLT w = 0, h = 0;
    pllegend(&w, &h, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
             PL_POSITION_INSIDE | PL_POSITION_RIGHT | (panel == 0 ? PL_POSITION_TOP : PL_POSITION_BOTTOM), 0.03, 0.03,
             0.1, 0, 1, 1, 0, 0, 2, options, 1.0, 1.0, 2.0, 0.0, text_colors, text, zeros, zeros, ones, ones,
             line_colors, line_styles, widths, zeros, ones, zeros, symbols);
  }
}

}  // namespace

int main(int argc, char** argv) {
  int exit_code = 0;
  const std::optional<Options> options = parse(argc, argv, exit_code);
  if (!options) return exit_code;
  const Options& o = *options;
  if (o.data_parallel) jx::distributed::initialize();
  // Every process computes the same things; the first one alone prints and writes files.
  const bool writer = jx::process_index() == 0;
  const int devices = jx::device_count(), local_devices = jx::local_device_count();
  if (o.data_parallel && o.batch_size % devices != 0) {
    if (writer)
      std::fprintf(stderr, "fashion_mnist: --batch-size %lld does not divide among %d devices\n",
                   static_cast<long long>(o.batch_size), devices);
    return 2;
  }
  std::filesystem::create_directories(o.out);
  const std::filesystem::path checkpoint_file = o.out / "checkpoint.safetensors";

  jx::io::Dataset train = jx::io::fashion_mnist(jx::io::Split::train);
  const jx::io::Dataset test = jx::io::fashion_mnist(jx::io::Split::test);
  if (o.train_examples && *o.train_examples < train.size()) {
    train = {train.images[jx::Slice{0, *o.train_examples}], train.labels[jx::Slice{0, *o.train_examples}]};
  }
  const std::int64_t steps_per_epoch = train.size() / o.batch_size;
  const std::int64_t total_steps = steps_per_epoch * o.epochs;

  auto model = nn::transform_with_state(o.model == "cnn" ? fashion_mnist::cnn : fashion_mnist::mlp);
  const auto optimizer =
      jx::optim::adamw(jx::optim::warmup_cosine_decay_schedule(
                           0.0f, o.learning_rate, std::max<std::int64_t>(1, total_steps / 20), total_steps),
                       {.weight_decay = 1e-4f});
  auto loss_and_metrics = [&](const nn::Params& params, const TrainState& s, const jx::Key& key,
                              const jx::Array& images, const jx::Array& labels, bool is_training) {
    auto [logits, model_state] = model.apply(params, s.model_state, key, images, is_training);
    const jx::Array losses = -jnp::sum(nn::log_softmax(logits) * nn::one_hot(labels, 10), 1);
    const jx::Array correct = jnp::sum((jnp::argmax(logits, 1) == labels).astype(jx::int32));
    return std::pair{jnp::mean(losses), std::pair{model_state, Metrics{jnp::sum(losses), correct}}};
  };

  // One pure step over the whole state; std::move at the call donates it, so it is updated in place.
  auto train_step = jx::jit([&](const TrainState& s, const jx::Array& images, const jx::Array& labels) {
    const jx::Key dropout_key = jx::random::fold_in(s.key, s.step);
    auto loss = [&](const nn::Params& p) { return loss_and_metrics(p, s, dropout_key, images, labels, true); };
    auto [value, grads] = jx::value_and_grad(loss, jx::has_aux)(s.params);
    auto [model_state, metrics] = value.second;
    auto [updates, opt_state] = optimizer.update(grads, s.opt_state, s.params);
    return std::pair{TrainState{jx::optim::apply_updates(s.params, updates), model_state, opt_state, s.key, s.step + 1},
                     metrics};
  });
  // The same step over every device of every process: each device takes its share of the batch and draws
  // its own dropout masks; the gradients and BatchNorm statistics are averaged and the metrics summed over
  // all of them, so that every device ends with the same state (out_axes std::nullopt: not per device).
  auto parallel_train_step = jx::pmap(
      [&](const TrainState& s, const jx::Array& images, const jx::Array& labels) {
        const jx::Key dropout_key =
            jx::random::fold_in(jx::random::fold_in(s.key, s.step), jx::lax::axis_index("batch"));
        auto loss = [&](const nn::Params& p) { return loss_and_metrics(p, s, dropout_key, images, labels, true); };
        auto [value, grads] = jx::value_and_grad(loss, jx::has_aux)(s.params);
        auto [model_state, metrics] = value.second;
        const nn::Params mean_grads = jx::lax::pmean(grads, "batch");
        // BatchNorm's averages (its step counters are the same on every device, and integers).
        const nn::State mean_state = jx::tree::map(
            [](const jx::Array& v) { return jx::is_floating(v.dtype()) ? jx::lax::pmean(v, "batch") : v; },
            model_state);
        auto [updates, opt_state] = optimizer.update(mean_grads, s.opt_state, s.params);
        return std::pair{
            TrainState{jx::optim::apply_updates(s.params, updates), mean_state, opt_state, s.key, s.step + 1},
            Metrics{jx::lax::psum(metrics.loss, "batch"), jx::lax::psum(metrics.correct, "batch")}};
      },
      {.axis_name = "batch", .in_axes = {std::nullopt, 0, 0}, .out_axes = std::nullopt}, jx::donate_argnums<0>);
  // This process's share of a batch, one row of it per local device.
  const auto local_share = [&](const jx::Array& batch) {
    const std::int64_t per_process = batch.shape()[0] / jx::process_count();
    const std::int64_t first = jx::process_index() * per_process;
    const jx::Array mine = batch[jx::Slice{first, first + per_process}];
    jx::Shape shape{local_devices, per_process / local_devices};
    for (int d = 1; d < mine.ndim(); ++d) shape.push_back(mine.shape()[d]);
    return jnp::reshape(mine, shape);
  };
  auto evaluate = jx::jit([&](const TrainState& s, const jx::Array& images, const jx::Array& labels) {
    return loss_and_metrics(s.params, s, s.key, images, labels, false).second.second;
  });

  auto parallel_evaluate = jx::pmap(
      [&](const TrainState& s, const jx::Array& images, const jx::Array& labels) {
        const Metrics m = loss_and_metrics(s.params, s, s.key, images, labels, false).second.second;
        return Metrics{jx::lax::psum(m.loss, "batch"), jx::lax::psum(m.correct, "batch")};
      },
      {.axis_name = "batch", .in_axes = {std::nullopt, 0, 0}, .out_axes = std::nullopt});

  // A fresh state, or the checkpoint's.
  const jx::Key root = jx::random::PRNGKey(o.seed);
  const jx::Key keys = jx::random::split(root, 3);  // init, data order, dropout
  Checkpoint run;
  if (o.resume && std::filesystem::exists(checkpoint_file)) {
    run = jx::io::load<Checkpoint>(checkpoint_file);
    if (writer) std::printf("resumed from %s after epoch %d\n", checkpoint_file.c_str(), run.epochs_done.item<int>());
  } else {
    const jx::Array sample = train.images[jx::Slice{0, o.batch_size}].astype(jx::float32) / 255.0f;
    auto [params, model_state] = model.init(keys[0], sample, true);
    if (writer) std::printf("%s", nn::summary(params).c_str());
    run = Checkpoint{TrainState{params, model_state, optimizer.init(params), keys[2], jnp::array(0)}, jnp::array(0),
                     jnp::zeros({0, 4})};
  }

  // Loss and accuracy of a model on the test set.
  const auto test_metrics = [&] {
    jx::Array loss = jnp::array(0.0f), correct = jnp::array(0);
    for (auto [images, labels] : jx::io::batches(test, 1000, {.drop_remainder = false})) {
      // Data-parallel, each device evaluates its share of a batch (whole batches divide among them).
      const bool shared = o.data_parallel && images.shape()[0] % devices == 0;
      const Metrics m = shared ? parallel_evaluate(run.state, local_share(images), local_share(labels))
                               : evaluate(run.state, images, labels);
      loss = loss + m.loss;
      correct = correct + m.correct;
    }
    const auto n = static_cast<float>(test.size());
    return std::pair{loss.item<float>() / n, static_cast<float>(correct.item<int>()) / n};
  };
  if (run.epochs_done.item<int>() == 0) {
    const auto [loss, accuracy] = test_metrics();
    // For the MLP this loss is large: in inference mode BatchNorm normalizes with its running
    // statistics, which are zero until the first train step updates them (as in Haiku).
    if (writer) std::printf("before training: test loss %.4f, test accuracy %.4f\n", loss, accuracy);
  }

  std::vector<std::array<float, 4>> history;
  const std::vector<float> saved = run.history.to_vector<float>();
  for (std::size_t i = 0; i + 3 < saved.size(); i += 4)
    history.push_back({saved[i], saved[i + 1], saved[i + 2], saved[i + 3]});
  int epochs_this_run = 0;
  float test_accuracy = history.empty() ? 0.0f : history.back()[3];
  for (int epoch = run.epochs_done.item<int>(); epoch < o.epochs; ++epoch) {
    if (o.stop_after && epochs_this_run == *o.stop_after) break;
    ProgressBar bar(fmt::format("epoch {}/{}", epoch + 1, o.epochs), steps_per_epoch, o.batch_size);
    jx::Array loss_sum = jnp::array(0.0f), correct = jnp::array(0);
    std::int64_t step = 0;
    for (auto [images, labels] : jx::io::batches(train, o.batch_size, jx::random::fold_in(keys[1], epoch))) {
      auto [next, metrics] = o.data_parallel
                                 ? parallel_train_step(std::move(run.state), local_share(images), local_share(labels))
                                 : train_step(std::move(run.state), images, labels);
      run.state = std::move(next);
      loss_sum = loss_sum + metrics.loss;
      correct = correct + metrics.correct;
      ++step;
      if (writer && (step % 20 == 0 || step == steps_per_epoch)) {
        const double seen = static_cast<double>(step * o.batch_size);
        bar.update(step,
                   fmt::format("loss {:.4f}  acc {:.3f}", loss_sum.item<float>() / seen, correct.item<int>() / seen));
      }
    }
    const double seen = static_cast<double>(steps_per_epoch * o.batch_size);
    const float train_loss = static_cast<float>(loss_sum.item<float>() / seen);
    const float train_accuracy = static_cast<float>(correct.item<int>() / seen);
    const auto [test_loss_mean, accuracy] = test_metrics();
    test_accuracy = accuracy;
    if (writer) {
      bar.finish(fmt::format("loss {:.4f}  acc {:.4f}  test loss {:.4f}  test acc {:.4f}", train_loss, train_accuracy,
                             test_loss_mean, test_accuracy));
    }
    history.push_back({train_loss, train_accuracy, test_loss_mean, test_accuracy});
    std::vector<float> flat;
    for (const auto& row : history) flat.insert(flat.end(), row.begin(), row.end());
    run.history = jnp::array(flat, jx::Shape{static_cast<std::int64_t>(history.size()), 4});
    run.epochs_done = jnp::array(epoch + 1);
    if (writer) {
      jx::io::save(checkpoint_file, run);
      plot_curves(history, o.out / "training_curves.png");
    }
    ++epochs_this_run;
  }
  if (writer) {
    std::printf("checkpoint: %s\ncurves: %s\n", std::filesystem::absolute(checkpoint_file).c_str(),
                std::filesystem::absolute(o.out / "training_curves.png").c_str());
    std::printf("test accuracy: %.4f\n", test_accuracy);
  }
  return 0;
}
