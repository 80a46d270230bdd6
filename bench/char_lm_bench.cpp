// bench/char_lm_bench.cpp — the character-level Transformer of examples/char_lm.cpp trained by jx and by
// libtorch eager from the same initial parameters on the same batches with the same optimizer, side
// by side: both loss curves, and steps per second on the same threads. Target (issue 19): jx's
// jitted, donated train step at least 1.5x libtorch's steps per second, and loss curves that agree
// over the first 200 steps within float32's noise.
//
// The model (char_lm_models.h, default shape): byte embeddings and learned positions, 5 pre-LayerNorm
// decoder blocks (4-head causal self-attention, GELU MLP of width 512), final LayerNorm, linear head;
// about 1.07M parameters, context 128, batch 32. One step: mean next-byte cross-entropy, its gradient,
// clip_by_global_norm(1), AdamW (b2 0.99, weight decay 0.1 except biases and LayerNorm parameters)
// with a warmup-cosine learning rate. Batches: random windows of Debian's fortunes text (or random
// bytes without it).
//
// libtorch runs in a child process forked before jx starts a thread (bench/separate_process.h says
// why); jx sends it the initial parameters, the batches and the learning rates through a pipe, and
// it sends back its losses and its time.
//
//   cmake --build build/default --target bench_char_lm && ./build/default/bench/bench_char_lm [--steps 200]
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "backends/cpu/thread_pool.h"
#include "char_lm_corpus.h"
#include "char_lm_models.h"
#include "fma_peak.h"
#include "harness.h"
#include "jx/jx.h"
#include "jx/optim.h"
#include "separate_process.h"

#if defined(JX_BENCH_TORCH)
#include <torch/torch.h>
#endif

namespace jnp = jx::numpy;
namespace nn = jx::nn;

namespace {

constexpr std::int64_t kBatch = 32;
constexpr int kWarmupSteps = 5;  // not timed: jx compiles on the first, libtorch's allocator warms up

// Bytes through a pipe, whole.
bool write_all(int fd, const void* data, std::size_t size) {
  const auto* bytes = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = write(fd, bytes, size);
    if (n <= 0) return false;
    bytes += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}
bool read_all(int fd, void* data, std::size_t size) {
  auto* bytes = static_cast<char*>(data);
  while (size > 0) {
    const ssize_t n = read(fd, bytes, size);
    if (n <= 0) return false;
    bytes += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}
template <class T>
bool write_vector(int fd, const std::vector<T>& v) {
  const std::uint64_t n = v.size();
  return write_all(fd, &n, sizeof n) && write_all(fd, v.data(), n * sizeof(T));
}
template <class T>
bool read_vector(int fd, std::vector<T>& v) {
  std::uint64_t n = 0;
  if (!read_all(fd, &n, sizeof n)) return false;
  v.resize(n);
  return read_all(fd, v.data(), n * sizeof(T));
}

// What the libtorch process trains on, as jx made it.
struct Problem {
  std::int64_t steps = 0, threads = 0;
  char_lm::ModelConfig config;
  std::map<std::string, std::pair<std::vector<std::int64_t>, std::vector<float>>> params;  // "module/name"
  std::vector<float> learning_rates;                                                       // per step
  std::vector<std::int32_t> windows;                                                       // [steps, B, T + 1]
};

struct Run {
  std::vector<float> losses;
  double seconds = 0;  // the steps after the warmup
};

#if defined(JX_BENCH_TORCH)
bool receive(int fd, Problem& p) {
  std::uint64_t count = 0;
  std::int64_t header[7];
  if (!read_all(fd, header, sizeof header)) return false;
  p.steps = header[0];
  p.threads = header[1];
  p.config.context = header[2];
  p.config.model_size = header[3];
  p.config.num_heads = header[4];
  p.config.num_layers = header[5];
  if (!read_all(fd, &count, sizeof count)) return false;
  for (std::uint64_t i = 0; i < count; ++i) {
    std::vector<char> name;
    std::vector<std::int64_t> shape;
    std::vector<float> values;
    if (!read_vector(fd, name) || !read_vector(fd, shape) || !read_vector(fd, values)) return false;
    p.params[std::string(name.begin(), name.end())] = {shape, values};
  }
  return read_vector(fd, p.learning_rates) && read_vector(fd, p.windows);
}

// The model of char_lm_models.h written with torch functions on the same parameters.
Run train_torch(const Problem& p) {
  torch::set_num_threads(static_cast<int>(p.threads));
  std::map<std::string, torch::Tensor> w;
  std::vector<torch::Tensor> decayed, not_decayed;
  for (const auto& [name, entry] : p.params) {
    torch::Tensor t = torch::from_blob(const_cast<float*>(entry.second.data()), entry.first).clone();
    t.set_requires_grad(true);
    w[name] = t;
    const std::string leaf = name.substr(name.rfind('/') + 1);
    (leaf == "b" || leaf == "offset" || leaf == "scale" ? not_decayed : decayed).push_back(t);
  }
  const std::int64_t d = p.config.model_size, heads = p.config.num_heads, key_size = d / heads;
  const std::int64_t context = p.config.context;
  const auto layer_norm = [&](const torch::Tensor& x, const std::string& module) {
    return torch::layer_norm(x, {d}, w.at(module + "/scale"), w.at(module + "/offset"), 1e-5);
  };
  const auto linear = [&](const torch::Tensor& x, const std::string& module) {
    return torch::matmul(x, w.at(module + "/w")) + w.at(module + "/b");
  };
  const torch::Tensor causal = torch::tril(torch::ones({context, context}, torch::kBool));
  const auto forward = [&](const torch::Tensor& tokens) {
    const std::int64_t batch = tokens.size(0);
    torch::Tensor h = w.at("embed/embeddings").index({tokens}) + w.at("~/position_embeddings");
    for (std::int64_t layer = 0; layer < p.config.num_layers; ++layer) {
      const std::string block = layer == 0 ? "decoder_block" : "decoder_block_" + std::to_string(layer);
      const torch::Tensor normed = layer_norm(h, block + "/layer_norm");
      const std::string attention = block + "/multi_head_attention";
      const auto project = [&](const char* which) {
        return linear(normed, attention + "/" + which).view({batch, context, heads, key_size});
      };
      const torch::Tensor q = project("query"), k = project("key"), v = project("value");
      torch::Tensor logits = torch::einsum("bthd,bThd->bhtT", {q, k}) / std::sqrt(static_cast<double>(key_size));
      logits = torch::where(causal, logits, torch::full({}, -1e30f));
      const torch::Tensor mixed = torch::einsum("bhtT,bThd->bthd", {torch::softmax(logits, -1), v});
      h = h + linear(mixed.reshape({batch, context, d}), attention + "/linear");
      const torch::Tensor hidden =
          torch::gelu(linear(layer_norm(h, block + "/layer_norm_1"), block + "/linear"), "tanh");
      h = h + linear(hidden, block + "/linear_1");
    }
    return linear(layer_norm(h, "layer_norm"), "linear");
  };
  torch::optim::AdamW optimizer(
      {torch::optim::OptimizerParamGroup(decayed,
                                         std::make_unique<torch::optim::AdamWOptions>(
                                             torch::optim::AdamWOptions(0).betas({0.9, 0.99}).weight_decay(0.1))),
       torch::optim::OptimizerParamGroup(not_decayed,
                                         std::make_unique<torch::optim::AdamWOptions>(
                                             torch::optim::AdamWOptions(0).betas({0.9, 0.99}).weight_decay(0)))});
  std::vector<torch::Tensor> all = decayed;
  all.insert(all.end(), not_decayed.begin(), not_decayed.end());
  Run run;
  std::chrono::steady_clock::time_point start;
  const std::int64_t window = context + 1;
  for (std::int64_t step = 0; step < p.steps; ++step) {
    if (step == kWarmupSteps) start = std::chrono::steady_clock::now();
    const torch::Tensor windows = torch::from_blob(const_cast<std::int32_t*>(p.windows.data()) + step * kBatch * window,
                                                   {kBatch, window}, torch::kInt32)
                                      .to(torch::kInt64);
    const torch::Tensor inputs = windows.slice(1, 0, context), targets = windows.slice(1, 1, window);
    for (auto& group : optimizer.param_groups()) {
      static_cast<torch::optim::AdamWOptions&>(group.options()).lr(p.learning_rates[static_cast<std::size_t>(step)]);
    }
    optimizer.zero_grad();
    const torch::Tensor loss =
        torch::nn::functional::cross_entropy(forward(inputs).view({-1, char_lm::kVocabulary}), targets.reshape({-1}));
    loss.backward();
    torch::nn::utils::clip_grad_norm_(all, 1.0);
    optimizer.step();
    run.losses.push_back(loss.item<float>());
  }
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return run;
}

// Forks the libtorch process now, before jx starts a thread; it waits for its problem on a pipe.
struct TorchWorker {
  pid_t pid = -1;
  int to_child = -1, from_child = -1;
};

TorchWorker start_torch_worker() {
  int down[2], up[2];
  if (pipe(down) != 0 || pipe(up) != 0) return {};
  const pid_t pid = fork();
  if (pid < 0) return {};
  if (pid == 0) {
    close(down[1]);
    close(up[0]);
    Problem problem;
    if (!receive(down[0], problem)) _exit(1);
    const Run run = train_torch(problem);
    const bool sent = write_vector(up[1], run.losses) && write_all(up[1], &run.seconds, sizeof run.seconds);
    _exit(sent ? 0 : 1);
  }
  close(down[0]);
  close(up[1]);
  return {pid, down[1], up[0]};
}

std::optional<Run> torch_run(TorchWorker& worker, const Problem& p) {
  if (worker.pid < 0) return std::nullopt;
  const std::int64_t header[7] = {
      p.steps, p.threads, p.config.context, p.config.model_size, p.config.num_heads, p.config.num_layers, 0};
  const std::uint64_t count = p.params.size();
  bool sent = write_all(worker.to_child, header, sizeof header) && write_all(worker.to_child, &count, sizeof count);
  for (const auto& [name, entry] : p.params) {
    sent = sent && write_vector(worker.to_child, std::vector<char>(name.begin(), name.end())) &&
           write_vector(worker.to_child, entry.first) && write_vector(worker.to_child, entry.second);
  }
  sent = sent && write_vector(worker.to_child, p.learning_rates) && write_vector(worker.to_child, p.windows);
  close(worker.to_child);
  Run run;
  const bool received = sent && read_vector(worker.from_child, run.losses) &&
                        read_all(worker.from_child, &run.seconds, sizeof run.seconds);
  close(worker.from_child);
  int status = 0;
  waitpid(worker.pid, &status, 0);
  if (!received || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return run;
}
#endif

// Random windows of the fortunes training text (as the example reads it), or of random bytes when the
// package is absent.
std::vector<std::int32_t> make_windows(std::int64_t steps, std::int64_t context) {
  std::vector<std::uint8_t> text = char_lm::read_corpus("/usr/share/games/fortunes").train;
  if (text.size() < static_cast<std::size_t>(context + 2)) {
    std::printf("(Debian's fortunes package is not installed: random bytes instead)\n");
    text.resize(1 << 20);
    std::uint32_t state = 12345;
    for (auto& byte : text) byte = static_cast<std::uint8_t>((state = state * 1664525u + 1013904223u) >> 24);
  }
  std::vector<std::int32_t> windows;
  std::uint64_t state = 42;
  for (std::int64_t i = 0; i < steps * kBatch; ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    const std::size_t start = (state >> 33) % (text.size() - static_cast<std::size_t>(context) - 1);
    for (std::int64_t t = 0; t <= context; ++t) windows.push_back(text[start + static_cast<std::size_t>(t)]);
  }
  return windows;
}

Run train_jx(const Problem& p, const nn::Params& initial, const jx::optim::GradientTransformation& optimizer) {
  const std::int64_t context = p.config.context;
  const auto model = nn::transform([&](const jx::Array& tokens) { return char_lm::transformer(tokens, p.config); });
  auto train_step = jx::jit([&](const char_lm::TrainState& s, const jx::Array& windows) {
    const auto loss_of = [&](const nn::Params& params) {
      const jx::Array inputs = windows(jx::Slice{}, jx::Slice{0, context});
      const jx::Array targets = windows(jx::Slice{}, jx::Slice{1, context + 1});
      return jnp::mean(
          jx::optim::softmax_cross_entropy_with_integer_labels(model.apply(params, std::nullopt, inputs), targets));
    };
    auto [loss, grads] = jx::value_and_grad(loss_of)(s.params);
    auto [updates, opt_state] = optimizer.update(grads, s.opt_state, s.params);
    return std::pair{char_lm::TrainState{jx::optim::apply_updates(s.params, updates), opt_state, s.key, s.step + 1},
                     loss};
  });
  char_lm::TrainState state{initial, optimizer.init(initial), jx::random::PRNGKey(0), jnp::array(0)};
  const jx::Array all_windows = jnp::array(p.windows, jx::Shape{p.steps, kBatch, context + 1});
  std::vector<jx::Array> windows;
  for (std::int64_t step = 0; step < p.steps; ++step) windows.push_back(all_windows[step]);
  for (auto& w : windows) w.block_until_ready();
  Run run;
  std::vector<jx::Array> losses;
  std::chrono::steady_clock::time_point start;
  for (std::int64_t step = 0; step < p.steps; ++step) {
    if (step == kWarmupSteps) {
      losses.back().block_until_ready();
      start = std::chrono::steady_clock::now();
    }
    auto [next, loss] = train_step(std::move(state), windows[static_cast<std::size_t>(step)]);
    state = std::move(next);
    losses.push_back(loss);
  }
  losses.back().block_until_ready();
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const jx::Array& loss : losses) run.losses.push_back(loss.item<float>());
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  jx::bench::run_again_with_passive_openmp(argv);
  std::int64_t steps = 200;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string_view(argv[i]) == "--steps")
      steps = std::max<std::int64_t>(kWarmupSteps + 5, std::atoll(argv[i + 1]));
  }
#if defined(JX_BENCH_TORCH)
  TorchWorker worker = start_torch_worker();  // before jx's threads
#endif
  std::printf("CPU: %s\n", jx::bench::cpu_name().c_str());
  Problem problem;
  problem.steps = steps;
  problem.threads = jx::cpu::num_threads();
  problem.windows = make_windows(steps, problem.config.context);

  const auto model =
      nn::transform([&](const jx::Array& tokens) { return char_lm::transformer(tokens, problem.config); });
  const nn::Params params = model.init(jx::random::PRNGKey(0), jnp::zeros({kBatch, problem.config.context}, jx::int32));
  for (const auto& [module, entries] : params.as_dict()) {
    for (const auto& [name, value] : entries.as_dict()) {
      const jx::Array& a = value.array();
      problem.params[module + "/" + name] = {std::vector<std::int64_t>(a.shape().begin(), a.shape().end()),
                                             a.to_vector<float>()};
    }
  }
  const jx::optim::Schedule schedule = jx::optim::warmup_cosine_decay_schedule(
      0.0f, 3e-3f, std::max<std::int64_t>(1, steps / 20), steps, {.end_value = 3e-4});
  for (std::int64_t step = 0; step < steps; ++step)
    problem.learning_rates.push_back(schedule(jnp::array(static_cast<std::int32_t>(step))).item<float>());
  const auto optimizer = jx::optim::chain(
      jx::optim::clip_by_global_norm(1.0f),
      jx::optim::adamw(schedule,
                       {.b2 = 0.99, .weight_decay = 0.1, .mask = jx::optim::not_named({"b", "offset", "scale"})}));

  std::optional<Run> torch;
#if defined(JX_BENCH_TORCH)
  torch = torch_run(worker, problem);  // the child trains while this process waits
#endif
  const Run jx_run = train_jx(problem, params, optimizer);

  const double timed = static_cast<double>(steps - kWarmupSteps);
  std::printf("\nloss (nats per character) at each step, the same start and batches:\n%6s %10s %10s %10s\n", "step",
              "jx", "libtorch", "|diff|");
  double largest = 0;
  for (std::int64_t step = 0; step < steps; ++step) {
    const auto i = static_cast<std::size_t>(step);
    const double diff = torch ? std::abs(jx_run.losses[i] - torch->losses[i]) : NAN;
    if (torch) largest = std::max(largest, diff);
    if (step % 20 == 0 || step == steps - 1) {
      std::printf("%6ld %10.5f %10.5f %10.2e\n", static_cast<long>(step), jx_run.losses[i],
                  torch ? torch->losses[i] : NAN, diff);
    }
  }
  if (torch) std::printf("largest |difference| over %ld steps: %.3e nats\n", static_cast<long>(steps), largest);

  jx::bench::Table table("Character-level Transformer train step (1.07M parameters, batch 32 x 128, AdamW), " +
                         std::to_string(problem.threads) + " threads; libtorch eager in a separate process");
  const double rate = timed / jx_run.seconds;
  if (torch) {
    const double baseline = timed / torch->seconds;
    table.row(jx::bench::Row{.name = "train steps",
                             .value = rate,
                             .unit = "steps/s",
                             .baseline_name = "libtorch eager",
                             .baseline = baseline,
                             .target = ">= 1.5",
                             .met = rate / baseline >= 1.5});
  } else {
    table.row(jx::bench::Row{
        .name = "train steps", .value = rate, .unit = "steps/s", .baseline_name = "(libtorch not available)"});
  }
  return 0;
}
