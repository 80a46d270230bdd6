// ResNet (jx/nn/nets.h): parameter counts against torchvision's published
// totals, Haiku's integration checkpoint
// (haiku/_src/integration/checkpoints/nets.ResNet.json) and a closed form;
// names as Haiku gives them; small ResNets' outputs against a direct
// double-precision forward pass written here from haiku/_src/nets/resnet.py;
// BatchNorm statistics, jit, grad and errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "jx/jx.h"
#include "jx/nn/nets.h"

namespace {

namespace jnp = jx::numpy;
namespace nn = jx::nn;
namespace nets = jx::nn::nets;

using Dims = std::vector<std::int64_t>;

// --- Counting parameters without computing them
// ---------------------------------------------------

struct Counts {
  std::int64_t parameters = 0, parameter_modules = 0, state = 0, state_modules = 0;
};

std::int64_t elements(const jx::tree::Tree& shapes) {
  std::int64_t total = 0;
  for (const auto& [module, entries] : shapes.as_dict()) {
    for (const auto& [name, leaf] : entries.as_dict()) total += leaf.value<jx::ShapeDtypeStruct>().size();
  }
  return total;
}

// init under eval_shape: the shapes of parameters and state, with nothing drawn
// or stored.
template <class Model>
std::pair<jx::tree::Tree, jx::tree::Tree> init_shapes(const Model& model, const jx::Shape& input) {
  return jx::eval_shape([&](const jx::Array& key, const jx::Array& x) { return model.init(jx::Key(key), x, true); },
                        jx::random::PRNGKey(0), jx::ShapeDtypeStruct{input, jx::float32});
}

template <class Model>
Counts count(const Model& model, const jx::Shape& input) {
  const auto [params, state] = init_shapes(model, input);
  return {elements(params), static_cast<std::int64_t>(params.as_dict().size()), elements(state),
          static_cast<std::int64_t>(state.as_dict().size())};
}

// The closed form of Haiku's ResNet: weights of every convolution (no biases),
// scale and offset of every BatchNorm (V1 after each convolution and on
// projected shortcuts; V2 before each convolution and once at the end), the
// logits' weights and biases.
std::int64_t expected_parameters(const nets::ResNetConfig& config, std::int64_t in_channels, std::int64_t classes,
                                 bool v2) {
  std::int64_t total = 7 * 7 * in_channels * 64 + (v2 ? 0 : 2 * 64), channels = 64;
  for (std::size_t group = 0; group < 4; ++group) {
    for (std::int64_t block = 0; block < config.blocks_per_group[group]; ++block) {
      const std::int64_t out = config.channels_per_group[group], inner = config.bottleneck ? out / 4 : out;
      if (block == 0 && config.use_projection[group]) total += channels * out + (v2 ? 0 : 2 * out);
      struct Conv {
        std::int64_t kernel, in, out;
      };
      const std::vector<Conv> convs = config.bottleneck
                                          ? std::vector<Conv>{{1, channels, inner}, {3, inner, inner}, {1, inner, out}}
                                          : std::vector<Conv>{{3, channels, inner}, {3, inner, inner}};
      for (const Conv& c : convs) total += c.kernel * c.kernel * c.in * c.out + 2 * (v2 ? c.in : c.out);
      channels = out;
    }
  }
  return total + (v2 ? 2 * channels : 0) + channels * classes + classes;
}

TEST(ResNet, ParameterCountsMatchTorchvisionAndTheClosedForm) {
  // torchvision.models.resnet18/34/50/101/152(): sum(p.numel() for p in
  // model.parameters()) is 11,689,512 / 21,797,672 / 25,557,032 / 44,549,160 /
  // 60,192,808 (its documented "num_params"). torchvision's parameters are the
  // same tensors as Haiku's (convolutions without bias, BatchNorm weight and
  // bias, fc), its running statistics being buffers as Haiku's are state.
  EXPECT_EQ(expected_parameters(nets::ResNet::config(18), 3, 1000, false), 11689512);
  EXPECT_EQ(expected_parameters(nets::ResNet::config(34), 3, 1000, false), 21797672);
  EXPECT_EQ(expected_parameters(nets::ResNet::config(50), 3, 1000, false), 25557032);
  EXPECT_EQ(expected_parameters(nets::ResNet::config(101), 3, 1000, false), 44549160);
  EXPECT_EQ(expected_parameters(nets::ResNet::config(152), 3, 1000, false), 60192808);
  const jx::Shape images{1, 32, 32, 3};
  for (bool v2 : {false, true}) {
    auto r18 = nn::transform_with_state(
        [v2](const jx::Array& x, bool is_training) { return nets::ResNet18(1000, {.resnet_v2 = v2})(x, is_training); });
    auto r34 = nn::transform_with_state(
        [v2](const jx::Array& x, bool is_training) { return nets::ResNet34(1000, {.resnet_v2 = v2})(x, is_training); });
    auto r50 = nn::transform_with_state(
        [v2](const jx::Array& x, bool is_training) { return nets::ResNet50(1000, {.resnet_v2 = v2})(x, is_training); });
    EXPECT_EQ(count(r18, images).parameters, expected_parameters(nets::ResNet::config(18), 3, 1000, v2)) << v2;
    EXPECT_EQ(count(r34, images).parameters, expected_parameters(nets::ResNet::config(34), 3, 1000, v2)) << v2;
    EXPECT_EQ(count(r50, images).parameters, expected_parameters(nets::ResNet::config(50), 3, 1000, v2)) << v2;
  }
  // V2 (pre-activation): 11,687,720 / 21,795,880 / 25,549,352 by the closed
  // form.
  EXPECT_EQ(expected_parameters(nets::ResNet::config(50), 3, 1000, true), 25549352);
  auto r200 = nn::transform_with_state(
      [](const jx::Array& x, bool is_training) { return nets::ResNet200(10)(x, is_training); });
  EXPECT_EQ(count(r200, images).parameters, expected_parameters(nets::ResNet::config(200), 3, 10, false));
}

TEST(ResNet, NamesAndShapesMatchHaikusCheckpoint) {
  // nets.ResNet.json: ResNet(blocks_per_group=(3, 4, 6, 3), num_classes=1000)
  // on f32[8, 3, 3, 2]: param_size 25553896 over 107 modules, state_size 106346
  // over 106 (two moving averages per BatchNorm).
  auto model = nn::transform_with_state([](const jx::Array& x, bool is_training) {
    return nets::ResNet({3, 4, 6, 3}, 1000)(x, is_training);
  });
  const auto [params, state] = init_shapes(model, {8, 3, 3, 2});
  EXPECT_EQ(elements(params), 25553896);
  EXPECT_EQ(params.as_dict().size(), 107u);
  EXPECT_EQ(elements(state), 106346);
  EXPECT_EQ(state.as_dict().size(), 106u);
  const auto shape = [&](const std::string& module, const std::string& name) {
    return params[module][name].value<jx::ShapeDtypeStruct>().shape;
  };
  EXPECT_EQ(shape("res_net/~/initial_conv", "w"), jx::Shape({7, 7, 2, 64}));
  EXPECT_EQ(shape("res_net/~/initial_batchnorm", "scale"), jx::Shape({1, 1, 1, 64}));
  EXPECT_EQ(shape("res_net/~/logits", "w"), jx::Shape({2048, 1000}));
  EXPECT_EQ(shape("res_net/~/logits", "b"), jx::Shape({1000}));
  const std::string block = "res_net/~/block_group_0/~/block_0/~/";
  EXPECT_EQ(shape(block + "conv_0", "w"), jx::Shape({1, 1, 64, 64}));
  EXPECT_EQ(shape(block + "conv_1", "w"), jx::Shape({3, 3, 64, 64}));
  EXPECT_EQ(shape(block + "conv_2", "w"), jx::Shape({1, 1, 64, 256}));
  EXPECT_EQ(shape(block + "batchnorm_2", "offset"), jx::Shape({1, 1, 1, 256}));
  EXPECT_EQ(shape(block + "shortcut_conv", "w"), jx::Shape({1, 1, 64, 256}));
  EXPECT_EQ(shape(block + "shortcut_batchnorm", "scale"), jx::Shape({1, 1, 1, 256}));
  EXPECT_EQ(shape("res_net/~/block_group_1/~/block_1/~/conv_0", "w"), jx::Shape({1, 1, 512, 128}));
  EXPECT_EQ(shape("res_net/~/block_group_3/~/block_2/~/conv_2", "w"), jx::Shape({1, 1, 512, 2048}));
  EXPECT_FALSE(params.contains("res_net/~/block_group_0/~/block_1/~/shortcut_conv"));
  // The running statistics live under each BatchNorm's path.
  std::int64_t initial_statistics = 0;
  for (const auto& [module, entries] : state.as_dict()) {
    if (module.rfind("res_net/~/initial_batchnorm/", 0) == 0) {
      ++initial_statistics;
      EXPECT_EQ(entries["average"].value<jx::ShapeDtypeStruct>().shape, jx::Shape({1, 1, 1, 64})) << module;
    }
  }
  EXPECT_EQ(initial_statistics, 2);
  // The named classes take their names from their class, as Haiku's; a given
  // name wins.
  auto named = nn::transform_with_state([](const jx::Array& x, bool is_training) {
    return nets::ResNet18(10)(x, is_training) + nets::ResNet18(10, {.name = "backbone"})(x, is_training);
  });
  const auto [named_params, named_state] = init_shapes(named, {1, 8, 8, 3});
  EXPECT_TRUE(named_params.contains("res_net18/~/initial_conv"));
  EXPECT_TRUE(named_params.contains("backbone/~/block_group_3/~/block_1/~/conv_1"));
  EXPECT_FALSE(named_params.contains("res_net18/~/block_group_0/~/block_0/~/shortcut_conv"));
  EXPECT_TRUE(named_params.contains("res_net18/~/block_group_1/~/block_0/~/shortcut_conv"));
}

// --- A direct forward pass (double precision, NHWC)
// -----------------------------------------------

struct Image {
  std::int64_t n = 0, h = 0, w = 0, c = 0;
  std::vector<double> v;
  Image(std::int64_t n_, std::int64_t h_, std::int64_t w_, std::int64_t c_)
      : n(n_), h(h_), w(w_), c(c_), v(static_cast<std::size_t>(n_ * h_ * w_ * c_)) {}
  double& at(std::int64_t b, std::int64_t y, std::int64_t x, std::int64_t k) {
    return v[static_cast<std::size_t>(((b * h + y) * w + x) * c + k)];
  }
  double at(std::int64_t b, std::int64_t y, std::int64_t x, std::int64_t k) const {
    return v[static_cast<std::size_t>(((b * h + y) * w + x) * c + k)];
  }
};

// "SAME": ceil(in / stride) outputs, the padding total split with the smaller
// half first.
std::int64_t same_size(std::int64_t in, std::int64_t stride) { return (in + stride - 1) / stride; }
std::int64_t same_low_pad(std::int64_t in, std::int64_t kernel, std::int64_t stride) {
  return std::max<std::int64_t>((same_size(in, stride) - 1) * stride + kernel - in, 0) / 2;
}

class Reference {
 public:
  Reference(const nn::Params& params, bool v2, bool bottleneck) : params_(params), v2_(v2), bottleneck_(bottleneck) {}

  std::vector<double> logits(const Image& images, std::int64_t initial_channels, const Dims& channels,
                             std::int64_t classes) {
    Image x = conv(images, "res_net/~/initial_conv", 7, initial_channels, 2);
    if (!v2_) x = relu(batchnorm(x, "res_net/~/initial_batchnorm", &initial_mean));
    x = max_pool(x);
    for (std::size_t g = 0; g < 4; ++g) {
      const std::string path = "res_net/~/block_group_" + std::to_string(g) + "/~/block_0/~/";
      x = v2_ ? block_v2(x, path, channels[g], g == 0 ? 1 : 2) : block_v1(x, path, channels[g], g == 0 ? 1 : 2);
    }
    if (v2_) x = relu(batchnorm(x, "res_net/~/final_batchnorm"));
    const std::vector<float> w = param("res_net/~/logits", "w", {x.c, classes}),
                             b = param("res_net/~/logits", "b", {classes});
    std::vector<double> out(static_cast<std::size_t>(x.n * classes));
    for (std::int64_t i = 0; i < x.n; ++i) {
      for (std::int64_t k = 0; k < classes; ++k) {
        double sum = b[static_cast<std::size_t>(k)];
        for (std::int64_t ch = 0; ch < x.c; ++ch) {
          double mean = 0;
          for (std::int64_t y = 0; y < x.h; ++y)
            for (std::int64_t z = 0; z < x.w; ++z) mean += x.at(i, y, z, ch) / static_cast<double>(x.h * x.w);
          sum += mean * w[static_cast<std::size_t>(ch * classes + k)];
        }
        out[static_cast<std::size_t>(i * classes + k)] = sum;
      }
    }
    return out;
  }

  std::vector<double> initial_mean;  // the initial BatchNorm's batch mean per channel (V1)

 private:
  std::vector<float> param(const std::string& module, const std::string& name, const Dims& shape) const {
    const jx::Array& p = params_[module][name].array();
    EXPECT_EQ(p.shape(), jx::Shape(shape.begin(), shape.end())) << module << "/" << name;
    return p.to_vector<float>();
  }

  Image conv(const Image& x, const std::string& module, std::int64_t k, std::int64_t out, std::int64_t stride) const {
    const std::vector<float> w = param(module, "w", {k, k, x.c, out});
    Image y(x.n, same_size(x.h, stride), same_size(x.w, stride), out);
    const std::int64_t top = same_low_pad(x.h, k, stride), left = same_low_pad(x.w, k, stride);
    for (std::int64_t b = 0; b < x.n; ++b)
      for (std::int64_t r = 0; r < y.h; ++r)
        for (std::int64_t s = 0; s < y.w; ++s)
          for (std::int64_t o = 0; o < out; ++o) {
            double sum = 0;
            for (std::int64_t i = 0; i < k; ++i)
              for (std::int64_t j = 0; j < k; ++j) {
                const std::int64_t row = r * stride + i - top, column = s * stride + j - left;
                if (row < 0 || row >= x.h || column < 0 || column >= x.w) continue;
                for (std::int64_t c = 0; c < x.c; ++c)
                  sum += x.at(b, row, column, c) * w[static_cast<std::size_t>(((i * k + j) * x.c + c) * out + o)];
              }
            y.at(b, r, s, o) = sum;
          }
    return y;
  }

  // Training mode: the batch's mean and biased variance per channel.
  Image batchnorm(const Image& x, const std::string& module, std::vector<double>* means = nullptr) const {
    const std::vector<float> scale = param(module, "scale", {1, 1, 1, x.c}),
                             offset = param(module, "offset", {1, 1, 1, x.c});
    Image y = x;
    const double count = static_cast<double>(x.n * x.h * x.w);
    if (means) means->assign(static_cast<std::size_t>(x.c), 0.0);
    for (std::int64_t c = 0; c < x.c; ++c) {
      double mean = 0, var = 0;
      for (std::int64_t b = 0; b < x.n; ++b)
        for (std::int64_t r = 0; r < x.h; ++r)
          for (std::int64_t s = 0; s < x.w; ++s) mean += x.at(b, r, s, c) / count;
      for (std::int64_t b = 0; b < x.n; ++b)
        for (std::int64_t r = 0; r < x.h; ++r)
          for (std::int64_t s = 0; s < x.w; ++s) var += (x.at(b, r, s, c) - mean) * (x.at(b, r, s, c) - mean) / count;
      if (means) (*means)[static_cast<std::size_t>(c)] = mean;
      for (std::int64_t b = 0; b < x.n; ++b)
        for (std::int64_t r = 0; r < x.h; ++r)
          for (std::int64_t s = 0; s < x.w; ++s)
            y.at(b, r, s, c) = (x.at(b, r, s, c) - mean) / std::sqrt(var + 1e-5) * scale[static_cast<std::size_t>(c)] +
                               offset[static_cast<std::size_t>(c)];
    }
    return y;
  }

  static Image relu(Image x) {
    for (double& e : x.v) e = std::max(e, 0.0);
    return x;
  }
  static Image add(Image x, const Image& y) {
    for (std::size_t i = 0; i < x.v.size(); ++i) x.v[i] += y.v[i];
    return x;
  }
  // 3x3 windows, stride 2, "SAME"; padding never wins.
  static Image max_pool(const Image& x) {
    Image y(x.n, same_size(x.h, 2), same_size(x.w, 2), x.c);
    const std::int64_t top = same_low_pad(x.h, 3, 2), left = same_low_pad(x.w, 3, 2);
    for (std::int64_t b = 0; b < x.n; ++b)
      for (std::int64_t r = 0; r < y.h; ++r)
        for (std::int64_t s = 0; s < y.w; ++s)
          for (std::int64_t c = 0; c < x.c; ++c) {
            double best = -std::numeric_limits<double>::infinity();
            for (std::int64_t i = 0; i < 3; ++i)
              for (std::int64_t j = 0; j < 3; ++j) {
                const std::int64_t row = r * 2 + i - top, column = s * 2 + j - left;
                if (row >= 0 && row < x.h && column >= 0 && column < x.w)
                  best = std::max(best, x.at(b, row, column, c));
              }
            y.at(b, r, s, c) = best;
          }
    return y;
  }

  // BlockV1: conv, BatchNorm, relu between; the projected shortcut normalized
  // too; relu of the sum.
  Image block_v1(const Image& x, const std::string& p, std::int64_t channels, std::int64_t stride) const {
    const Image shortcut = batchnorm(conv(x, p + "shortcut_conv", 1, channels, stride), p + "shortcut_batchnorm");
    Image h = x;
    if (bottleneck_) {
      h = relu(batchnorm(conv(h, p + "conv_0", 1, channels / 4, 1), p + "batchnorm_0"));
      h = relu(batchnorm(conv(h, p + "conv_1", 3, channels / 4, stride), p + "batchnorm_1"));
      h = batchnorm(conv(h, p + "conv_2", 1, channels, 1), p + "batchnorm_2");
    } else {
      h = relu(batchnorm(conv(h, p + "conv_0", 3, channels, stride), p + "batchnorm_0"));
      h = batchnorm(conv(h, p + "conv_1", 3, channels, 1), p + "batchnorm_1");
    }
    return relu(add(h, shortcut));
  }

  // BlockV2: BatchNorm and relu before each conv; the shortcut projects the
  // first pre-activation.
  Image block_v2(const Image& x, const std::string& p, std::int64_t channels, std::int64_t stride) const {
    Image h = relu(batchnorm(x, p + "batchnorm_0"));
    const Image shortcut = conv(h, p + "shortcut_conv", 1, channels, stride);
    if (bottleneck_) {
      h = conv(h, p + "conv_0", 1, channels / 4, 1);
      h = conv(relu(batchnorm(h, p + "batchnorm_1")), p + "conv_1", 3, channels / 4, stride);
      h = conv(relu(batchnorm(h, p + "batchnorm_2")), p + "conv_2", 1, channels, 1);
    } else {
      h = conv(h, p + "conv_0", 3, channels, stride);
      h = conv(relu(batchnorm(h, p + "batchnorm_1")), p + "conv_1", 3, channels, 1);
    }
    return add(h, shortcut);
  }

  const nn::Params& params_;
  bool v2_, bottleneck_;
};

// The module of `tree` under `prefix` whose name ends with `suffix` (BatchNorm
// names its averages).
std::string module_under(const jx::tree::Tree& tree, const std::string& prefix, const std::string& suffix) {
  for (const auto& [module, entries] : tree.as_dict()) {
    if (module.rfind(prefix, 0) == 0 && module.size() >= suffix.size() &&
        module.compare(module.size() - suffix.size(), suffix.size(), suffix) == 0)
      return module;
  }
  ADD_FAILURE() << "no module " << prefix << "..." << suffix;
  return "";
}

// Every parameter moved off its initial value, so that zero-initialized scales
// and logits weigh in.
nn::Params perturbed(nn::Params params) {
  std::uint32_t k = 0;
  for (auto& [module, entries] : params.as_dict()) {
    for (auto& [name, leaf] : entries.as_dict()) {
      jx::Array& p = leaf.array();
      p = p + jx::random::normal(jx::random::fold_in(jx::random::PRNGKey(7), k++), p.shape()) * 0.3f;
    }
  }
  return params;
}

const Dims kChannels{8, 8, 16, 16};

nets::ResNetOptions small_options(bool v2, bool bottleneck) {
  return {.resnet_v2 = v2,
          .bottleneck = bottleneck,
          .channels_per_group = kChannels,
          .initial_conv_config = {.output_channels = 4}};
}

TEST(ResNet, SmallNetworksMatchADirectForwardPass) {
  const jx::Array images = jx::random::normal(jx::random::PRNGKey(1), {3, 20, 20, 3});
  Image input(3, 20, 20, 3);
  const std::vector<float> pixels = images.to_vector<float>();
  input.v.assign(pixels.begin(), pixels.end());
  for (bool v2 : {false, true}) {
    for (bool bottleneck : {false, true}) {
      auto model = nn::transform_with_state([v2, bottleneck](const jx::Array& x, bool is_training) {
        return nets::ResNet({1, 1, 1, 1}, 5, small_options(v2, bottleneck))(x, is_training);
      });
      const auto [initial, state] = model.init(jx::random::PRNGKey(0), images, true);
      const nn::Params params = perturbed(initial);
      const auto [logits, next_state] = model.apply(params, state, std::nullopt, images, true);
      ASSERT_EQ(logits.shape(), jx::Shape({3, 5}));
      Reference reference(params, v2, bottleneck);
      const std::vector<double> want = reference.logits(input, 4, kChannels, 5);
      const std::vector<float> got = logits.to_vector<float>();
      for (std::size_t i = 0; i < want.size(); ++i)
        EXPECT_NEAR(got[i], want[i], 2e-3 * (1 + std::abs(want[i]))) << "v2 " << v2 << " bottleneck " << bottleneck;
      // The same under jit.
      auto jitted = jx::jit([&](const nn::Params& p, const nn::State& s, const jx::Array& x) {
        return model.apply(p, s, std::nullopt, x, true);
      });
      EXPECT_TRUE(
          jnp::allclose(jitted(params, state, images).first, logits, {.rtol = 1e-4, .atol = 1e-5}).item<bool>());
      if (!v2) {
        // One training step leaves the batch's statistics as the running ones
        // (zero-debiased, counter 1).
        const jx::tree::Tree& ema = next_state[module_under(next_state, "res_net/~/initial_batchnorm/", "mean_ema")];
        EXPECT_EQ(ema["counter"].array().item<int>(), 1);
        const std::vector<float> running = ema["average"].array().to_vector<float>();
        for (std::size_t c = 0; c < 4; ++c) EXPECT_NEAR(running[c], reference.initial_mean[c], 1e-4);
      }
    }
  }
}

TEST(ResNet, InferenceUsesRunningStatisticsAndLocalStatsUseTheBatch) {
  auto model = nn::transform_with_state([](const jx::Array& x, bool is_training, bool test_local_stats) {
    return nets::ResNet({1, 1, 1, 1}, 5, small_options(false, true))(x, is_training, test_local_stats);
  });
  const jx::Array images = jx::random::normal(jx::random::PRNGKey(2), {3, 20, 20, 3});
  const auto [initial, state] = model.init(jx::random::PRNGKey(0), images, true, false);
  const nn::Params params = perturbed(initial);
  const auto [trained, after_step] = model.apply(params, state, std::nullopt, images, true, false);
  // After one step every running statistic is its batch statistic, so inference
  // on the same batch gives the training outputs; it updates nothing.
  const auto [inferred, unchanged] = model.apply(params, after_step, std::nullopt, images, false, false);
  EXPECT_TRUE(jnp::allclose(inferred, trained, {.rtol = 1e-3, .atol = 1e-3}).item<bool>());
  for (const auto& [module, entries] : unchanged.as_dict()) {
    EXPECT_EQ(entries["counter"].array().item<int>(), 1) << module;
    EXPECT_TRUE(jnp::array_equal(entries["average"].array(), after_step[module]["average"].array()).item<bool>());
  }
  // test_local_stats normalizes with the batch's statistics without updating
  // the running ones.
  const auto [local, untouched] = model.apply(params, state, std::nullopt, images, false, true);
  EXPECT_TRUE(jnp::allclose(local, trained, {.rtol = 1e-4, .atol = 1e-5}).item<bool>());
  for (const auto& [module, entries] : untouched.as_dict()) EXPECT_EQ(entries["counter"].array().item<int>(), 0);
}

TEST(ResNet, InitialisationFollowsHaiku) {
  auto model = nn::transform_with_state([](const jx::Array& x, bool is_training) {
    return nets::ResNet({1, 1, 1, 1}, 5, small_options(false, true))(x, is_training);
  });
  const jx::Array images = jnp::ones({2, 16, 16, 3});
  const auto [params, state] = model.init(jx::random::PRNGKey(0), images, true);
  // Zero logits weights (logits_config's default), and V1 bottlenecks start
  // with a zero last scale.
  EXPECT_TRUE(jnp::all(params["res_net/~/logits"]["w"].array() == 0).item<bool>());
  EXPECT_TRUE(jnp::all(params["res_net/~/block_group_2/~/block_0/~/batchnorm_2"]["scale"].array() == 0).item<bool>());
  EXPECT_TRUE(jnp::all(params["res_net/~/block_group_2/~/block_0/~/batchnorm_1"]["scale"].array() == 1).item<bool>());
  // The logits are then the bias, zero.
  const auto [logits, unused] = model.apply(params, state, std::nullopt, images, true);
  EXPECT_TRUE(jnp::all(logits == 0).item<bool>());
  // logits_config.w_init = nullopt asks for Linear's default instead.
  auto drawn = nn::transform_with_state([](const jx::Array& x, bool is_training) {
    nets::ResNetOptions options = small_options(false, true);
    options.logits_config.w_init = std::nullopt;
    return nets::ResNet({1, 1, 1, 1}, 5, options)(x, is_training);
  });
  EXPECT_FALSE(jnp::all(drawn.init(jx::random::PRNGKey(0), images, true).first["res_net/~/logits"]["w"].array() == 0)
                   .item<bool>());
}

TEST(ResNet, CalledTwiceSharesItsParameters) {
  // Its layers are made once, by its constructor, as Haiku's are in __init__.
  auto twice = nn::transform_with_state([](const jx::Array& x, bool is_training) {
    const nets::ResNet net({1, 1, 1, 1}, 5, small_options(false, false));
    return net(x, is_training) - net(x * 2, is_training);
  });
  auto once = nn::transform_with_state([](const jx::Array& x, bool is_training) {
    return nets::ResNet({1, 1, 1, 1}, 5, small_options(false, false))(x, is_training);
  });
  const jx::Array images = jnp::ones({2, 16, 16, 3});
  const nn::Params shared = twice.init(jx::random::PRNGKey(0), images, true).first;
  const nn::Params single = once.init(jx::random::PRNGKey(0), images, true).first;
  EXPECT_EQ(shared.as_dict().size(), single.as_dict().size());
  for (const auto& [module, entries] : single.as_dict()) EXPECT_TRUE(shared.contains(module)) << module;
}

TEST(ResNet, GradientsReachEveryParameter) {
  auto model = nn::transform_with_state([](const jx::Array& x, bool is_training) {
    return nets::ResNet({1, 1, 1, 1}, 5, small_options(true, true))(x, is_training);
  });
  const jx::Array images = jx::random::normal(jx::random::PRNGKey(3), {2, 16, 16, 3});
  const auto [initial, state] = model.init(jx::random::PRNGKey(0), images, true);
  const nn::Params params = perturbed(initial);
  auto loss = [&](const nn::Params& p) { return jnp::sum(model.apply(p, state, std::nullopt, images, true).first); };
  const nn::Params grads = jx::jit(jx::grad(loss))(params);
  // d(sum of logits)/d(bias) is the batch size, exactly.
  const std::vector<float> bias = grads["res_net/~/logits"]["b"].array().to_vector<float>();
  for (float g : bias) EXPECT_FLOAT_EQ(g, 2.0f);
  ASSERT_EQ(grads.as_dict().size(), params.as_dict().size());
  EXPECT_GT(jnp::sum(jnp::abs(grads["res_net/~/initial_conv"]["w"].array())).item<float>(), 0.0f);
}

TEST(ResNet, ErrorsNameTheModule) {
  EXPECT_THROW(nets::ResNet({1, 1, 1}, 10), jx::ValueError);
  EXPECT_THROW(nets::ResNet({1, 1, 1, 1}, 10, {.channels_per_group = {8, 8, 8, 8, 8}}), jx::ValueError);
  EXPECT_THROW(nets::ResNet({1, 1, 1, 1}, 10, {.strides = {1, 2}}), jx::ValueError);
  EXPECT_THROW(nets::ResNet::config(19), jx::ValueError);
  try {
    nets::ResNet({1, 1}, 10);
    FAIL() << "no error";
  } catch (const jx::ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("`blocks_per_group` must be of length 4 not 2"), std::string::npos)
        << e.what();
  }
  auto flat =
      nn::transform_with_state([](const jx::Array& x, bool is_training) { return nets::ResNet18(10)(x, is_training); });
  EXPECT_THROW(flat.init(jx::random::PRNGKey(0), jnp::ones({2, 8, 3}), true), jx::ShapeError);
  // Made outside a transformed function, it refuses to run.
  const nets::ResNet18 outside(10);
  auto late = nn::transform_with_state([&](const jx::Array& x, bool is_training) { return outside(x, is_training); });
  EXPECT_THROW(late.init(jx::random::PRNGKey(0), jnp::ones({1, 8, 8, 3}), true), jx::ValueError);
}

}  // namespace
