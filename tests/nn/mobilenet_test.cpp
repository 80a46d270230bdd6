// MobileNetV1 (jx/nn/nets.h): names, shapes and sizes against Haiku's
// integration checkpoint
// (haiku/_src/integration/checkpoints/nets.MobileNetV1.json) and Keras's
// published count, outputs against a direct double-precision forward pass
// written here from haiku/_src/nets/mobilenetv1.py, with and without BatchNorm;
// jit and errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "jx/jx.h"
#include "jx/nn/nets.h"

namespace {

namespace jnp = jx::numpy;
namespace nn = jx::nn;
namespace nets = jx::nn::nets;

std::int64_t elements(const jx::tree::Tree& shapes) {
  std::int64_t total = 0;
  for (const auto& [module, entries] : shapes.as_dict()) {
    for (const auto& [name, leaf] : entries.as_dict()) total += leaf.value<jx::ShapeDtypeStruct>().size();
  }
  return total;
}

template <class Model>
std::pair<jx::tree::Tree, jx::tree::Tree> init_shapes(const Model& model, const jx::Shape& input) {
  return jx::eval_shape([&](const jx::Array& key, const jx::Array& x) { return model.init(jx::Key(key), x, true); },
                        jx::random::PRNGKey(0), jx::ShapeDtypeStruct{input, jx::float32});
}

TEST(MobileNetV1, NamesShapesAndSizesMatchHaikusCheckpoint) {
  // nets.MobileNetV1.json: MobileNetV1(strides=(1, 1, 1), channels=(16, 32,
  // 64)) on f32[8, 64, 64, 2]: param_size 69816, state_size 910; every
  // parameter's shape is listed here.
  auto model = nn::transform_with_state([](const jx::Array& x, bool is_training) {
    return nets::MobileNetV1({.strides = {1, 1, 1}, .channels = {16, 32, 64}})(x, is_training);
  });
  const auto [params, state] = init_shapes(model, {8, 64, 64, 2});
  EXPECT_EQ(elements(params), 69816);
  EXPECT_EQ(elements(state), 910);
  EXPECT_EQ(state.as_dict().size(), 14u);
  const std::vector<std::pair<std::string, jx::Shape>> expected = {
      {"mobile_net_v1/batch_norm/offset", {1, 1, 1, 32}},
      {"mobile_net_v1/batch_norm/scale", {1, 1, 1, 32}},
      {"mobile_net_v1/conv2_d/w", {3, 3, 2, 32}},
      {"mobile_net_v1/logits/b", {1000}},
      {"mobile_net_v1/logits/w", {64, 1000}},
      {"mobile_net_v1/mobile_net_v1_block/batch_norm/offset", {1, 1, 1, 32}},
      {"mobile_net_v1/mobile_net_v1_block/batch_norm/scale", {1, 1, 1, 32}},
      {"mobile_net_v1/mobile_net_v1_block/batch_norm_1/offset", {1, 1, 1, 16}},
      {"mobile_net_v1/mobile_net_v1_block/batch_norm_1/scale", {1, 1, 1, 16}},
      {"mobile_net_v1/mobile_net_v1_block/depthwise_conv/w", {3, 3, 1, 32}},
      {"mobile_net_v1/mobile_net_v1_block/pointwise_conv/w", {1, 1, 32, 16}},
      {"mobile_net_v1/mobile_net_v1_block_1/batch_norm/offset", {1, 1, 1, 16}},
      {"mobile_net_v1/mobile_net_v1_block_1/batch_norm/scale", {1, 1, 1, 16}},
      {"mobile_net_v1/mobile_net_v1_block_1/batch_norm_1/offset", {1, 1, 1, 32}},
      {"mobile_net_v1/mobile_net_v1_block_1/batch_norm_1/scale", {1, 1, 1, 32}},
      {"mobile_net_v1/mobile_net_v1_block_1/depthwise_conv/w", {3, 3, 1, 16}},
      {"mobile_net_v1/mobile_net_v1_block_1/pointwise_conv/w", {1, 1, 16, 32}},
      {"mobile_net_v1/mobile_net_v1_block_2/batch_norm/offset", {1, 1, 1, 32}},
      {"mobile_net_v1/mobile_net_v1_block_2/batch_norm/scale", {1, 1, 1, 32}},
      {"mobile_net_v1/mobile_net_v1_block_2/batch_norm_1/offset", {1, 1, 1, 64}},
      {"mobile_net_v1/mobile_net_v1_block_2/batch_norm_1/scale", {1, 1, 1, 64}},
      {"mobile_net_v1/mobile_net_v1_block_2/depthwise_conv/w", {3, 3, 1, 32}},
      {"mobile_net_v1/mobile_net_v1_block_2/pointwise_conv/w", {1, 1, 32, 64}},
  };
  std::size_t leaves = 0;
  for (const auto& [module, entries] : params.as_dict()) leaves += entries.as_dict().size();
  EXPECT_EQ(leaves, expected.size());
  for (const auto& [path, shape] : expected) {
    const std::size_t slash = path.rfind('/');
    const std::string module = path.substr(0, slash), name = path.substr(slash + 1);
    ASSERT_TRUE(params.contains(module) && params[module].contains(name)) << path;
    EXPECT_EQ(params[module][name].value<jx::ShapeDtypeStruct>().shape, shape) << path;
  }
}

TEST(MobileNetV1, DefaultSizeMatchesKeras) {
  // tf.keras.applications.MobileNet() (alpha 1, 224x224, 1000 classes) reports
  // 4,231,976 trainable parameters: the same convolutions, BatchNorm gamma/beta
  // and a 1x1 classifier with bias, which is Haiku's Linear logits. The 224x224
  // input leaves 7x7 before the mean.
  auto model = nn::transform_with_state(
      [](const jx::Array& x, bool is_training) { return nets::MobileNetV1()(x, is_training); });
  const auto [params, state] = init_shapes(model, {1, 224, 224, 3});
  EXPECT_EQ(elements(params), 4231976);
  const jx::ShapeDtypeStruct out = jx::eval_shape(
      [&](const jx::Array& key, const jx::Array& x) {
        const auto [p, s] = model.init(jx::Key(key), x, false);
        return model.apply(p, s, std::nullopt, x, false).first;
      },
      jx::random::PRNGKey(0), jx::ShapeDtypeStruct{{2, 224, 224, 3}, jx::float32});
  EXPECT_EQ(out.shape, jx::Shape({2, 1000}));
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

class Reference {
 public:
  Reference(const nn::Params& params, bool use_bn) : params_(params), use_bn_(use_bn) {}

  std::vector<double> logits(const Image& images, const std::vector<std::int64_t>& strides,
                             const std::vector<std::int64_t>& channels, std::int64_t classes) const {
    const std::string top = "mobile_net_v1/";
    // 3x3 to 32 channels, stride 2, "VALID".
    Image x = relu(norm(conv(images, top + "conv2_d", 3, 32, 2, 0, 1), top + "batch_norm"));
    for (std::size_t i = 0; i < strides.size(); ++i) {
      const std::string block = top + "mobile_net_v1_block" + (i ? "_" + std::to_string(i) : "") + "/";
      x = relu(norm(conv(x, block + "depthwise_conv", 3, x.c, strides[i], 1, x.c), block + "batch_norm"));
      x = relu(norm(conv(x, block + "pointwise_conv", 1, channels[i], 1, 0, 1), block + "batch_norm_1"));
    }
    const std::vector<float> w = param(top + "logits", "w", {x.c, classes}), b = param(top + "logits", "b", {classes});
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

 private:
  std::vector<float> param(const std::string& module, const std::string& name,
                           const std::vector<std::int64_t>& shape) const {
    const jx::Array& p = params_[module][name].array();
    EXPECT_EQ(p.shape(), jx::Shape(shape.begin(), shape.end())) << module << "/" << name;
    return p.to_vector<float>();
  }

  // A k x k convolution with `pad` on every side and `groups` groups of
  // channels (groups == channels: depthwise, weights [k, k, 1, C]); a bias when
  // there is no BatchNorm.
  Image conv(const Image& x, const std::string& module, std::int64_t k, std::int64_t out, std::int64_t stride,
             std::int64_t pad, std::int64_t groups) const {
    const std::int64_t in_per_group = x.c / groups, out_per_group = out / groups;
    const std::vector<float> w = param(module, "w", {k, k, in_per_group, out});
    const std::vector<float> b =
        use_bn_ ? std::vector<float>(static_cast<std::size_t>(out)) : param(module, "b", {out});
    if (use_bn_) {
      EXPECT_FALSE(params_[module].contains("b")) << module;
    }
    Image y(x.n, (x.h + 2 * pad - k) / stride + 1, (x.w + 2 * pad - k) / stride + 1, out);
    for (std::int64_t n = 0; n < x.n; ++n)
      for (std::int64_t r = 0; r < y.h; ++r)
        for (std::int64_t s = 0; s < y.w; ++s)
          for (std::int64_t o = 0; o < out; ++o) {
            double sum = b[static_cast<std::size_t>(o)];
            const std::int64_t first = (o / out_per_group) * in_per_group;
            for (std::int64_t i = 0; i < k; ++i)
              for (std::int64_t j = 0; j < k; ++j) {
                const std::int64_t row = r * stride + i - pad, column = s * stride + j - pad;
                if (row < 0 || row >= x.h || column < 0 || column >= x.w) continue;
                for (std::int64_t c = 0; c < in_per_group; ++c)
                  sum += x.at(n, row, column, first + c) *
                         w[static_cast<std::size_t>(((i * k + j) * in_per_group + c) * out + o)];
              }
            y.at(n, r, s, o) = sum;
          }
    return y;
  }

  // BatchNorm in training mode (batch mean and biased variance), or nothing
  // without it.
  Image norm(const Image& x, const std::string& module) const {
    if (!use_bn_) return x;
    const std::vector<float> scale = param(module, "scale", {1, 1, 1, x.c}),
                             offset = param(module, "offset", {1, 1, 1, x.c});
    Image y = x;
    const double count = static_cast<double>(x.n * x.h * x.w);
    for (std::int64_t c = 0; c < x.c; ++c) {
      double mean = 0, var = 0;
      for (std::int64_t b = 0; b < x.n; ++b)
        for (std::int64_t r = 0; r < x.h; ++r)
          for (std::int64_t s = 0; s < x.w; ++s) mean += x.at(b, r, s, c) / count;
      for (std::int64_t b = 0; b < x.n; ++b)
        for (std::int64_t r = 0; r < x.h; ++r)
          for (std::int64_t s = 0; s < x.w; ++s) var += (x.at(b, r, s, c) - mean) * (x.at(b, r, s, c) - mean) / count;
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

  const nn::Params& params_;
  bool use_bn_;
};

nn::Params perturbed(nn::Params params) {
  std::uint32_t k = 0;
  for (auto& [module, entries] : params.as_dict()) {
    for (auto& [name, leaf] : entries.as_dict()) {
      jx::Array& p = leaf.array();
      p = p + jx::random::normal(jx::random::fold_in(jx::random::PRNGKey(5), k++), p.shape()) * 0.3f;
    }
  }
  return params;
}

TEST(MobileNetV1, SmallNetworksMatchADirectForwardPass) {
  const std::vector<std::int64_t> strides{1, 2}, channels{8, 16};
  const jx::Array images = jx::random::normal(jx::random::PRNGKey(1), {3, 11, 11, 3});
  Image input(3, 11, 11, 3);
  const std::vector<float> pixels = images.to_vector<float>();
  input.v.assign(pixels.begin(), pixels.end());
  for (bool use_bn : {true, false}) {
    auto model = nn::transform_with_state([&](const jx::Array& x, bool is_training) {
      return nets::MobileNetV1({.strides = strides, .channels = channels, .num_classes = 5, .use_bn = use_bn})(
          x, is_training);
    });
    const auto [initial, state] = model.init(jx::random::PRNGKey(0), images, true);
    EXPECT_EQ(state.as_dict().size(), use_bn ? 10u : 0u);
    const nn::Params params = perturbed(initial);
    const auto [logits, next_state] = model.apply(params, state, std::nullopt, images, true);
    ASSERT_EQ(logits.shape(), jx::Shape({3, 5}));
    const std::vector<double> want = Reference(params, use_bn).logits(input, strides, channels, 5);
    const std::vector<float> got = logits.to_vector<float>();
    for (std::size_t i = 0; i < want.size(); ++i)
      EXPECT_NEAR(got[i], want[i], 2e-3 * (1 + std::abs(want[i]))) << "use_bn " << use_bn << " at " << i;
    auto jitted = jx::jit([&](const nn::Params& p, const nn::State& s, const jx::Array& x) {
      return model.apply(p, s, std::nullopt, x, true);
    });
    EXPECT_TRUE(jnp::allclose(jitted(params, state, images).first, logits, {.rtol = 1e-4, .atol = 1e-5}).item<bool>());
    if (use_bn) {
      // After one step the running statistics are the batch's (zero-debiased,
      // whatever the decay of 0.999), so inference on the same batch repeats
      // the training outputs.
      for (const auto& [module, entries] : next_state.as_dict()) EXPECT_EQ(entries["counter"].array().item<int>(), 1);
      const auto [inferred, unchanged] = model.apply(params, next_state, std::nullopt, images, false);
      EXPECT_TRUE(jnp::allclose(inferred, logits, {.rtol = 1e-3, .atol = 1e-3}).item<bool>());
    }
  }
}

TEST(MobileNetV1, ErrorsNameTheModule) {
  EXPECT_THROW(nets::MobileNetV1({.strides = {1, 2}, .channels = {8}}), jx::ValueError);
  EXPECT_THROW(nets::MobileNetV1({.num_classes = 0}), jx::ValueError);
  auto model = nn::transform_with_state(
      [](const jx::Array& x, bool is_training) { return nets::MobileNetV1()(x, is_training); });
  try {
    model.init(jx::random::PRNGKey(0), jnp::ones({8, 8, 3}), true);
    FAIL() << "no error";
  } catch (const jx::ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("MobileNetV1"), std::string::npos) << e.what();
  }
}

}  // namespace
