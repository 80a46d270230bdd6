// The examples, run as a user runs them: their output against the tutorial's numbers, the
// least-squares fit computed here independently, and the PNG they write.
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "jx/jx.h"

extern char** environ;

namespace {

struct ProgramRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs a program with arguments (no shell), capturing what it prints. `environment` ("NAME=value")
// is added to this process's environment, replacing variables of the same names.
ProgramRun run(const std::string& program, const std::vector<std::string>& arguments,
               const std::vector<std::string>& environment = {}) {
  int pipe_ends[2];
  if (pipe(pipe_ends) != 0) return {};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_ends[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe_ends[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_ends[0]);
  std::vector<std::string> all{program};
  all.insert(all.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (std::string& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> variables = environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view variable(*entry);
    const std::string_view name = variable.substr(0, variable.find('='));
    const bool replaced = std::any_of(environment.begin(), environment.end(), [&](const std::string& e) {
      return std::string_view(e).substr(0, e.find('=')) == name;
    });
    if (!replaced) variables.emplace_back(variable);
  }
  std::vector<char*> envp;
  for (std::string& v : variables) envp.push_back(v.data());
  envp.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_ends[1]);
  ProgramRun result;
  std::array<char, 4096> buffer{};
  for (ssize_t n; (n = read(pipe_ends[0], buffer.data(), buffer.size())) > 0;)
    result.output.append(buffer.data(), static_cast<std::size_t>(n));
  close(pipe_ends[0]);
  if (spawned != 0) return result;
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// The number printed right after the last of `markers`, each found after the one before it (NaN when a
// marker or the number is missing). Literal markers rather than std::regex: GCC 12's <regex> trips
// -Wmaybe-uninitialized in the sanitizer build.
double number_after(const std::string& text, std::initializer_list<std::string_view> markers) {
  std::size_t at = 0;
  for (std::string_view marker : markers) {
    at = text.find(marker, at);
    if (at == std::string::npos) return NAN;
    at += marker.size();
  }
  const char* begin = text.c_str() + at;
  char* end = nullptr;
  const double value = std::strtod(begin, &end);
  return end == begin ? NAN : value;
}

TEST(Examples, CounterPrintsTheTutorialsNumbers) {
  const ProgramRun r = run(JX_EXAMPLE_COUNTER, {});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string expected =
      "Counter, called directly:\n1\n2\n3\n"
      "Counter under jx::jit:\n1\n1\n1\n"
      "CounterV2, state passed in and out, under jx::jit:\n1\n2\n3\n"
      "jx::debug::print inside jit:\n  counting from 0\n  counting from 1\n  counting from 2\n"
      "The jit checker:\n  caught: the jitted counter is impure\n  CounterV2 passes: 3\n";
  EXPECT_EQ(r.output, expected);
}

TEST(Examples, CounterWithJxCheckJitSetIsCaughtAtItsFirstJittedCounter) {
  // JX_CHECK_JIT=1 turns the checker on for the whole program: the second call of the impure jitted
  // counter (counter.cpp, "Counter under jx::jit") retraces, gets the constant 2 where the first trace
  // had 1, and throws jx::ImpureFunctionError, which the example reports (exit status 1). So the
  // program ends there, never printing the silently wrong 1 1 1.
  const ProgramRun r = run(JX_EXAMPLE_COUNTER, {}, {"JX_CHECK_JIT=1"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("Counter, called directly:\n1\n2\n3\nCounter under jx::jit:\n"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("counter: [jit]"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("[jit] jit of the function at counter.cpp:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("traced to a different program this time: output 0 is now the constant 2."),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("captured mutable state"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("1\n1\n1\n"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("CounterV2"), std::string::npos) << r.output;
  // JX_CHECK_JIT=0 leaves it off: the tutorial's output, unchanged.
  const ProgramRun off = run(JX_EXAMPLE_COUNTER, {}, {"JX_CHECK_JIT=0"});
  EXPECT_EQ(off.exit_code, 0) << off.output;
  EXPECT_NE(off.output.find("Counter under jx::jit:\n1\n1\n1\n"), std::string::npos) << off.output;
  EXPECT_NE(off.output.find("  caught: the jitted counter is impure\n  CounterV2 passes: 3\n"), std::string::npos)
      << off.output;
}

// The least-squares line of the example's data, computed here in double precision from the same draws.
std::pair<double, double> least_squares(std::int64_t seed) {
  auto [x_key, noise_key] = jx::random::split(jx::random::PRNGKey(seed));
  const jx::Array xs = jx::random::normal(x_key, {128, 1});
  const jx::Array ys = xs * 2 + -1 + jx::random::normal(noise_key, {128, 1}) * 0.5f;
  const std::vector<float> x = xs.to_vector<float>(), y = ys.to_vector<float>();
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    mx += x[i];
    my += y[i];
  }
  mx /= static_cast<double>(x.size());
  my /= static_cast<double>(y.size());
  double sxy = 0, sxx = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
  }
  const double weight = sxy / sxx;
  return {weight, my - weight * mx};
}

TEST(Examples, LinearRegressionFitsTheLeastSquaresLineAndPlotsIt) {
  const std::filesystem::path directory =
      std::filesystem::temp_directory_path() / ("jx_example_" + std::to_string(getpid()));
  std::filesystem::create_directories(directory);
  const std::filesystem::path png = directory / "fit.png";
  const ProgramRun r = run(JX_EXAMPLE_LINEAR_REGRESSION, {"--out", png.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto [weight, bias] = least_squares(42);
  EXPECT_NEAR(number_after(r.output, {"fitted parameters:  weight"}), weight, 1e-3) << r.output;
  EXPECT_NEAR(number_after(r.output, {"fitted parameters:  weight", ", bias"}), bias, 1e-3) << r.output;
  const std::size_t caught = r.output.find("caught: [split] a PRNG key was consumed twice");
  EXPECT_NE(caught, std::string::npos) << r.output;
  // Then the fix, after the error: one split into a key per use, which the checker lets through.
  const std::size_t fixed =
      r.output.find("\n  fixed: split(rng, 3) gives one key per use, and the checker is silent\n");
  EXPECT_NE(fixed, std::string::npos) << r.output;
  EXPECT_GT(fixed, caught) << r.output;
  EXPECT_EQ(r.output.find("not caught"), std::string::npos) << r.output;
  // A PNG of the requested size: the signature, then the IHDR chunk with width and height.
  ASSERT_TRUE(std::filesystem::exists(png));
  EXPECT_GT(std::filesystem::file_size(png), 10000u);
  std::ifstream file(png, std::ios::binary);
  std::array<unsigned char, 24> header{};
  file.read(reinterpret_cast<char*>(header.data()), header.size());
  const std::array<unsigned char, 8> signature{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  EXPECT_TRUE(std::equal(signature.begin(), signature.end(), header.begin()));
  EXPECT_EQ(std::string(header.begin() + 12, header.begin() + 16), "IHDR");
  const auto big_endian = [&](int at) {
    return (header[at] << 24) | (header[at + 1] << 16) | (header[at + 2] << 8) | header[at + 3];
  };
  EXPECT_EQ(big_endian(16), 800);
  EXPECT_EQ(big_endian(20), 600);
  EXPECT_FALSE(std::filesystem::exists(png.string() + ".tmp"));
  std::filesystem::remove_all(directory);
}

#ifdef JX_EXAMPLE_GAUSSIAN_PROCESS
// -log p(y) for the RBF kernel with these hyperparameters, in double precision by a hand-written
// Cholesky factorization: an oracle for the example's jx linear algebra.
double gaussian_process_nll(const std::vector<float>& x, const std::vector<float>& y, double length_scale,
                            double amplitude, double noise) {
  const std::size_t n = x.size();
  std::vector<double> k(n * n), l(n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      const double d = (x[i] - x[j]) / length_scale;
      k[i * n + j] = amplitude * amplitude * std::exp(-0.5 * d * d) + (i == j ? noise * noise + 1e-6 : 0.0);
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j <= i; ++j) {
      double sum = k[i * n + j];
      for (std::size_t p = 0; p < j; ++p) sum -= l[i * n + p] * l[j * n + p];
      l[i * n + j] = i == j ? std::sqrt(sum) : sum / l[j * n + j];
    }
  }
  std::vector<double> z(n);  // L z = y, so y^T K^-1 y = |z|^2
  double quadratic = 0, log_det = 0;
  for (std::size_t i = 0; i < n; ++i) {
    double sum = y[i];
    for (std::size_t p = 0; p < i; ++p) sum -= l[i * n + p] * z[p];
    z[i] = sum / l[i * n + i];
    quadratic += z[i] * z[i];
    log_det += 2 * std::log(l[i * n + i]);
  }
  return 0.5 * quadratic + 0.5 * log_det + 0.5 * static_cast<double>(n) * std::log(2 * M_PI);
}

TEST(Examples, GaussianProcessFitsItsHyperparametersAndPlots) {
  const std::filesystem::path directory =
      std::filesystem::temp_directory_path() / ("jx_example_gp_" + std::to_string(getpid()));
  std::filesystem::create_directories(directory);
  const std::filesystem::path png = directory / "gp.png";
  const ProgramRun r = run(JX_EXAMPLE_GAUSSIAN_PROCESS, {"--out", png.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const double initial = number_after(r.output, {"likelihood: "});
  const double final_nll = number_after(r.output, {"likelihood: ", "-> "});
  const double length_scale = number_after(r.output, {"fitted:", "length scale "});
  const double amplitude = number_after(r.output, {"fitted:", "amplitude "});
  const double noise = number_after(r.output, {"fitted:", "noise stddev "});
  EXPECT_LT(final_nll, initial) << r.output;
  // The same data, drawn here, and the likelihood at the printed hyperparameters, computed independently.
  auto [x_key, noise_key] = jx::random::split(jx::random::PRNGKey(0));
  const jx::Array x = jx::random::uniform(x_key, {40}, jx::float32, -3.0f, 3.0f);
  const jx::Array y = jx::numpy::sin(3 * x) + 0.3f * x + 0.2f * jx::random::normal(noise_key, {40});
  EXPECT_NEAR(gaussian_process_nll(x.to_vector<float>(), y.to_vector<float>(), length_scale, amplitude, noise),
              final_nll, 1e-3 * (1 + std::abs(final_nll)))
      << r.output;
  // The data's noise was 0.2 and its function smooth: the fit recovers both.
  EXPECT_GT(noise, 0.1) << r.output;
  EXPECT_LT(noise, 0.35) << r.output;
  EXPECT_LT(number_after(r.output, {"RMS error "}), 0.25) << r.output;
  ASSERT_TRUE(std::filesystem::exists(png));
  EXPECT_GT(std::filesystem::file_size(png), 10000u);
  std::filesystem::remove_all(directory);
}
#endif

TEST(Examples, LinearRegressionOptions) {
  const ProgramRun help = run(JX_EXAMPLE_LINEAR_REGRESSION, {"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("usage: linear_regression"), std::string::npos);
  EXPECT_EQ(run(JX_EXAMPLE_LINEAR_REGRESSION, {"--steps", "many"}).exit_code, 2);
  EXPECT_EQ(run(JX_EXAMPLE_LINEAR_REGRESSION, {"--frobnicate"}).exit_code, 2);
  EXPECT_EQ(run(JX_EXAMPLE_LINEAR_REGRESSION, {"--lr"}).exit_code, 2);
}

// A regression test, not an oracle: the first five xs the example draws with PRNGKey(42), as jx draws
// them today (the PRNG tests check the draws themselves against JAX's published values).
TEST(Examples, RegressionFirstFiveXsOfTheSeedData) {
  auto [x_key, noise_key] = jx::random::split(jx::random::PRNGKey(42));
  const std::vector<float> xs = jx::random::normal(x_key, {128, 1}).to_vector<float>();
  const std::vector<float> expected{0x1.36fdb2p-4f, -0x1.f203cep-2f, 0x1.4a5274p+0f, 0x1.0a0a92p-1f, 0x1.339d34p-2f};
  EXPECT_EQ(std::vector<float>(xs.begin(), xs.begin() + 5), expected);
}

TEST(Examples, PerExampleGradientsAverageToTheBatchGradient) {
  const ProgramRun r = run(JX_EXAMPLE_PER_EXAMPLE_GRADIENTS, {});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string_view per_example = "per-example gradients: (", batch = "gradient of the batch loss: (";
  const double per_example_weight = number_after(r.output, {per_example});
  const double batch_weight = number_after(r.output, {batch});
  ASSERT_FALSE(std::isnan(per_example_weight) || std::isnan(batch_weight)) << r.output;
  EXPECT_NEAR(per_example_weight, batch_weight, 1e-5);
  EXPECT_NEAR(number_after(r.output, {per_example, ", "}), number_after(r.output, {batch, ", "}), 1e-5);
  const auto [weight, bias] = least_squares(42);
  EXPECT_NEAR(number_after(r.output, {"one fori_loop: weight"}), weight, 1e-3) << r.output;
}

TEST(Examples, StatefulCounterCountsWithARefAndWithExplicitState) {
  const ProgramRun r = run(JX_EXAMPLE_STATEFUL_COUNTER, {});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output,
            "Counter with a jx::Ref, under jx::jit:\n1\n2\n3\n"
            "CounterV2, explicit state, under jx::jit:\n1\n2\n3\n"
            "traces: 1 and 1\n");
}

TEST(Examples, MlpWithBatchNormLearnsTheTwoMoons) {
  const ProgramRun r = run(JX_EXAMPLE_MLP_BATCHNORM, {"--steps", "300"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const double first = number_after(r.output, {"step    1  loss"});
  const double last = number_after(r.output, {"step  300  loss"});
  EXPECT_LT(last, 0.2 * first) << r.output;
  // The two moons overlap only where the noise (0.1) pushes points across: a fitted model is nearly
  // always right on fresh data, in inference mode with the running BatchNorm statistics.
  EXPECT_GT(number_after(r.output, {"test accuracy (running BatchNorm statistics):"}), 0.95) << r.output;
  EXPECT_NE(r.output.find("linear_1/w"), std::string::npos);
}

// The Fashion-MNIST example needs Debian's dataset-fashion-mnist package (scripts/setup.sh installs it).
bool have_fashion_mnist() {
  return std::filesystem::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz") ||
         std::filesystem::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte");
}

// A file's bytes ("" if it cannot be read).
std::string file_contents(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), {}};
}

std::filesystem::path fresh_directory(const std::string& name) {
  const auto directory = std::filesystem::temp_directory_path() / (name + "_" + std::to_string(getpid()));
  std::filesystem::remove_all(directory);
  return directory;
}

TEST(Examples, FashionMnistShortRunLearns) {
  if (!have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const auto out = fresh_directory("jx_fashion_mnist_short");
  // 200 steps of the MLP on 12800 images.
  const ProgramRun r = run(JX_EXAMPLE_FASHION_MNIST,
                           {"--model", "mlp", "--epochs", "2", "--train-examples", "12800", "--out", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // The initial loss is the untrained classifier's, ln 10 (uniform predictions over 10 classes). The
  // test loss printed "before training" is not it: in inference mode, BatchNorm uses running
  // statistics, which are empty before the first step (zero-initialized EMAs, as in Haiku).
  const double initial = std::log(10.0);
  EXPECT_FALSE(std::isnan(number_after(r.output, {"before training: test loss"}))) << r.output;
  const double final_loss = number_after(r.output, {"epoch 2/2", "test loss"});
  EXPECT_LT(final_loss, 0.7 * initial) << r.output;
  // The last line is the test accuracy.
  const std::size_t last_line = r.output.rfind("\ntest accuracy: ");
  ASSERT_NE(last_line, std::string::npos) << r.output;
  EXPECT_EQ(r.output.find('\n', last_line + 1), r.output.size() - 1) << r.output;
  EXPECT_GT(number_after(r.output.substr(last_line), {"test accuracy: "}), 0.75) << r.output;
  EXPECT_TRUE(std::filesystem::exists(out / "training_curves.png"));
  std::filesystem::remove_all(out);
}

TEST(Examples, FashionMnistResumesBitExactly) {
  if (!have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const auto straight = fresh_directory("jx_fashion_mnist_straight");
  const auto resumed = fresh_directory("jx_fashion_mnist_resumed");
  const std::vector<std::string> common{"--model", "mlp", "--epochs", "2", "--train-examples", "2048"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> all = common;
    all.insert(all.end(), extra.begin(), extra.end());
    return all;
  };
  ASSERT_EQ(run(JX_EXAMPLE_FASHION_MNIST, with({"--out", straight.string()})).exit_code, 0);
  ASSERT_EQ(run(JX_EXAMPLE_FASHION_MNIST, with({"--out", resumed.string(), "--stop-after", "1"})).exit_code, 0);
  const ProgramRun second = run(JX_EXAMPLE_FASHION_MNIST, with({"--out", resumed.string(), "--resume"}));
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_NE(second.output.find("resumed from"), std::string::npos) << second.output;
  // The same parameters, state and history, byte for byte.
  const std::string bytes_a = file_contents(straight / "checkpoint.safetensors");
  const std::string bytes_b = file_contents(resumed / "checkpoint.safetensors");
  EXPECT_FALSE(bytes_a.empty());
  EXPECT_TRUE(bytes_a == bytes_b);
  std::filesystem::remove_all(straight);
  std::filesystem::remove_all(resumed);
}

TEST(Examples, FashionMnistOptions) {
  const ProgramRun help = run(JX_EXAMPLE_FASHION_MNIST, {"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("--model"), std::string::npos);
  EXPECT_EQ(run(JX_EXAMPLE_FASHION_MNIST, {"--model", "transformer"}).exit_code, 2);
  EXPECT_EQ(run(JX_EXAMPLE_FASHION_MNIST, {"--epochs", "0"}).exit_code, 2);
}

// The character-level language model needs Debian's fortunes package (scripts/setup.sh installs it).
bool have_fortunes() { return std::filesystem::exists("/usr/share/games/fortunes/fortunes"); }

// A small model and short runs: the example's code paths, not its figures.
std::vector<std::string> small_char_lm(const std::string& model, const std::filesystem::path& out) {
  return {"--model",      model,       "--steps",     "60", "--eval-every",    "30", "--eval-windows", "64",
          "--batch-size", "16",        "--context",   "32", "--model-size",    "32", "--layers",       "1",
          "--heads",      "2",         "--lstm-size", "48", "--sample-length", "40", "--prompt",       "Q: ",
          "--out",        out.string()};
}

TEST(Examples, CharLmTransformerAndLstmLearnAndSample) {
  if (!have_fortunes()) GTEST_SKIP() << "fortunes is not installed";
  for (const std::string model : {"transformer", "lstm"}) {
    const auto out = fresh_directory("jx_char_lm_" + model);
    const ProgramRun r = run(JX_EXAMPLE_CHAR_LM, small_char_lm(model, out));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    // Untrained, the model's predictions are near uniform over 256 bytes: about 8 bits per character.
    const double before = number_after(r.output, {"before training: validation"});
    EXPECT_NEAR(before, 8.0, 0.6) << r.output;
    // 60 steps learn at least the letters' frequencies (a unigram model of English is about 4.5 bits).
    const double after = number_after(r.output, {"validation bits per character:"});
    EXPECT_LT(after, 5.5) << r.output;
    // The sample continues the prompt with 40 more characters.
    const std::string sample = file_contents(out / "sample.txt");
    EXPECT_EQ(sample.size(), 3u + 40u) << sample;
    EXPECT_EQ(sample.substr(0, 3), "Q: ");
    EXPECT_TRUE(std::filesystem::exists(out / "curves.png"));
    // Sampling again from the checkpoint alone works too, with other settings.
    const ProgramRun again = run(JX_EXAMPLE_CHAR_LM, {"--model",
                                                      model,
                                                      "--sample-only",
                                                      "--out",
                                                      out.string(),
                                                      "--context",
                                                      "32",
                                                      "--model-size",
                                                      "32",
                                                      "--layers",
                                                      "1",
                                                      "--heads",
                                                      "2",
                                                      "--lstm-size",
                                                      "48",
                                                      "--temperature",
                                                      "0.5",
                                                      "--top-k",
                                                      "3",
                                                      "--sample-length",
                                                      "10",
                                                      "--prompt",
                                                      "ab"});
    ASSERT_EQ(again.exit_code, 0) << again.output;
    EXPECT_NE(again.output.find("ab"), std::string::npos) << again.output;
    std::filesystem::remove_all(out);
  }
}

TEST(Examples, CharLmResumesBitExactly) {
  if (!have_fortunes()) GTEST_SKIP() << "fortunes is not installed";
  const auto straight = fresh_directory("jx_char_lm_straight");
  const auto resumed = fresh_directory("jx_char_lm_resumed");
  ASSERT_EQ(run(JX_EXAMPLE_CHAR_LM, small_char_lm("transformer", straight)).exit_code, 0);
  std::vector<std::string> first = small_char_lm("transformer", resumed);
  first.insert(first.end(), {"--stop-after", "30"});
  ASSERT_EQ(run(JX_EXAMPLE_CHAR_LM, first).exit_code, 0);
  std::vector<std::string> second_arguments = small_char_lm("transformer", resumed);
  second_arguments.push_back("--resume");
  const ProgramRun second = run(JX_EXAMPLE_CHAR_LM, second_arguments);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_NE(second.output.find("resumed from"), std::string::npos) << second.output;
  const std::string bytes_a = file_contents(straight / "checkpoint.safetensors");
  const std::string bytes_b = file_contents(resumed / "checkpoint.safetensors");
  EXPECT_FALSE(bytes_a.empty());
  EXPECT_TRUE(bytes_a == bytes_b);
  std::filesystem::remove_all(straight);
  std::filesystem::remove_all(resumed);
}

TEST(Examples, CharLmOptions) {
  const ProgramRun help = run(JX_EXAMPLE_CHAR_LM, {"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("--temperature"), std::string::npos);
  EXPECT_EQ(run(JX_EXAMPLE_CHAR_LM, {"--model", "gru"}).exit_code, 2);
  EXPECT_EQ(run(JX_EXAMPLE_CHAR_LM, {"--model-size", "30", "--heads", "4"}).exit_code, 2);
  EXPECT_EQ(run(JX_EXAMPLE_CHAR_LM, {"--top-k", "0"}).exit_code, 2);
  EXPECT_EQ(run(JX_EXAMPLE_CHAR_LM, {"--minutes", "-1"}).exit_code, 2);
  const auto empty = fresh_directory("jx_char_lm_nothing");
  EXPECT_EQ(run(JX_EXAMPLE_CHAR_LM, {"--sample-only", "--out", empty.string()}).exit_code, 2);
  EXPECT_EQ(run(JX_EXAMPLE_CHAR_LM, {"--data", (empty / "absent").string(), "--out", empty.string()}).exit_code, 2);
  std::filesystem::remove_all(empty);
}

}  // namespace
