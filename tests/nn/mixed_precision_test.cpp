// hk.mixed_precision with jmp policies: parsing as jmp.get_policy does (its documented examples), the
// casts, and modules under policies: dtypes of parameters, intermediate and final outputs, state and
// gradients, and values against closed forms computed here in double precision, within tolerances
// made from bfloat16's machine epsilon.
#include "jx/nn/mixed_precision.h"

#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "jx/jx.h"
#include "jx/nn/data_structures.h"

namespace {

namespace jnp = jx::numpy;
namespace nn = jx::nn;
namespace mp = jx::nn::mixed_precision;
using Tree = jx::tree::Tree;

// jnp.finfo(jnp.bfloat16).eps: bfloat16 keeps 8 significant bits; rounding errs by at most eps / 2.
constexpr double kBf16Eps = 0.0078125;

class MixedPrecision : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const char* kind : {"linear", "mlp", "sequential", "conv1_d", "layer_norm", "batch_norm"}) {
      mp::clear_policy(kind);
    }
  }
};

std::vector<float> host(const jx::Array& x) { return x.astype(jx::float32).to_vector<float>(); }

// The array of the module whose path ends with `module` (MLP's layers are "mlp/linear_0" or, as in
// Haiku, "mlp/~/linear_0").
jx::Array param(const nn::Params& params, const std::string& module, const std::string& name) {
  for (const auto& [path, bundle] : params.as_dict()) {
    if (path.ends_with(module)) return bundle[name].array();
  }
  ADD_FAILURE() << "no module " << module << " in " << params.to_string();
  return jx::Array();
}

TEST(MixedPrecisionPolicy, ParsesAsJmp) {
  const auto expect = [](std::string_view text, jx::DType p, jx::DType c, jx::DType o) {
    const mp::Policy policy = mp::parse_policy(text);
    EXPECT_EQ(policy, (mp::Policy{p, c, o})) << text << " -> " << policy;
  };
  // jmp.get_policy's documented grammar: compute follows params, output follows compute.
  expect("params=float32,compute=bfloat16,output=float32", jx::float32, jx::bfloat16, jx::float32);
  expect("c=f16", jx::float32, jx::float16, jx::float16);
  expect("p=f16,c=f16", jx::float16, jx::float16, jx::float16);
  expect("p=f16,c=bf16", jx::float16, jx::bfloat16, jx::bfloat16);
  expect("o=bf16", jx::float32, jx::float32, jx::bfloat16);
  expect("p=full,c=half", jx::float32, jx::float16, jx::float16);
  expect("bf16", jx::bfloat16, jx::bfloat16, jx::bfloat16);
  expect("full", jx::float32, jx::float32, jx::float32);
  expect("float64", jx::float64, jx::float64, jx::float64);
  EXPECT_EQ(mp::parse_dtype("bfloat16"), jx::bfloat16);
  EXPECT_EQ(mp::half_dtype(), jx::float16);
  // str(jmp.Policy): each dtype's first name.
  EXPECT_EQ(mp::parse_policy("params=float32,compute=bfloat16,output=float32").to_string(), "p=full,c=bf16,o=full");
  EXPECT_EQ(mp::parse_policy("f16").to_string(), "p=f16,c=f16,o=f16");
  EXPECT_EQ(mp::parse_policy("c=bf16").with_output_dtype(jx::float32), mp::parse_policy("c=bf16,o=f32"));
}

TEST(MixedPrecisionPolicy, RejectsBadStrings) {
  for (const char* bad : {"", "bf32", "p=f32,x=bf16", "params=float99", "p=f32,c", "p=f32=bf16", "p=f32,,c=bf16",
                          "p=f32, c=bf16", "P=f32", "compute=int32"}) {
    EXPECT_THROW(mp::parse_policy(bad), jx::ValueError) << '"' << bad << '"';
  }
  try {
    mp::parse_policy("p=f32,x=bf16");
    ADD_FAILURE() << "no error";
  } catch (const jx::ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("Unknown key 'x'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("parse_policy"), std::string::npos) << e.what();
  }
  EXPECT_THROW(mp::parse_dtype("int8"), jx::ValueError);
  EXPECT_THROW(mp::set_policy("", mp::Policy{}), jx::ValueError);
}

TEST(MixedPrecisionPolicy, CastsFloatingLeavesOnly) {
  const mp::Policy policy = mp::parse_policy("p=f32,c=bf16,o=f16");
  const Tree tree = Tree::dict({{"f", Tree(jnp::array({1.5f, -2.25f}))},
                                {"i", Tree(jnp::array({1, 2}))},
                                {"h", Tree(jnp::array({0.5f}).astype(jx::float16))}});
  const Tree compute = policy.cast_to_compute(tree);
  EXPECT_EQ(compute["f"].array().dtype(), jx::bfloat16);
  EXPECT_EQ(compute["h"].array().dtype(), jx::bfloat16);
  EXPECT_EQ(compute["i"].array().dtype(), jx::int32);
  EXPECT_EQ(host(compute["f"].array()), (std::vector<float>{1.5f, -2.25f}));  // exact in bfloat16
  EXPECT_EQ(policy.cast_to_output(tree)["f"].array().dtype(), jx::float16);
  EXPECT_EQ(policy.cast_to_param(compute)["h"].array().dtype(), jx::float32);
  EXPECT_EQ(mp::cast_to_full(compute)["f"].array().dtype(), jx::float32);
  EXPECT_EQ(mp::cast_to_half(jnp::ones({2})).dtype(), jx::float16);
  const std::optional<jx::Array> some = jnp::ones({2}), none;
  EXPECT_EQ(policy.cast_to_compute(some)->dtype(), jx::bfloat16);
  EXPECT_FALSE(policy.cast_to_compute(none).has_value());
}

TEST_F(MixedPrecision, SetGetClearAndKinds) {
  const mp::Policy policy = mp::parse_policy("c=bf16");
  EXPECT_FALSE(mp::get_policy<nn::Linear>().has_value());
  mp::set_policy<nn::Linear>(policy);
  EXPECT_EQ(mp::get_policy("linear"), policy);
  EXPECT_FALSE(mp::get_policy<nn::MLP>().has_value());
  mp::clear_policy<nn::Linear>();
  EXPECT_FALSE(mp::get_policy<nn::Linear>().has_value());
  mp::clear_policy<nn::Linear>();  // clearing nothing is fine, as in Haiku
  EXPECT_FALSE(mp::current_policy().has_value());

  // The kinds set_policy<M> uses are the names modules of the class take by default.
  auto names = nn::transform([](const jx::Array&) {
    EXPECT_EQ(nn::Linear(1).module_name(), mp::module_kind<nn::Linear>);
    EXPECT_EQ(nn::MLP({1}).module_name(), mp::module_kind<nn::MLP>);
    EXPECT_EQ(nn::Sequential({}).module_name(), mp::module_kind<nn::Sequential>);
    EXPECT_EQ(nn::ConvND(1, 1, {1}).module_name(), mp::module_kind<nn::ConvND>);
    EXPECT_EQ(nn::Conv1D(1, {1}).module_name(), mp::module_kind<nn::Conv1D>);
    EXPECT_EQ(nn::Conv2D(1, {1, 1}).module_name(), mp::module_kind<nn::Conv2D>);
    EXPECT_EQ(nn::Conv3D(1, {1, 1, 1}).module_name(), mp::module_kind<nn::Conv3D>);
    EXPECT_EQ(nn::LayerNorm(-1, true, true).module_name(), mp::module_kind<nn::LayerNorm>);
    EXPECT_EQ(nn::InstanceNorm(true, true).module_name(), mp::module_kind<nn::InstanceNorm>);
    EXPECT_EQ(nn::BatchNorm(true, true, 0.9f).module_name(), mp::module_kind<nn::BatchNorm>);
    return jnp::zeros({});
  });
  names.init(jx::random::PRNGKey(0), jnp::zeros({}));
}

// Forward and backward of MLP({5, 3}) with tanh between the layers and loss mean((out - y)^2), in
// double precision from the float32 parameters.
struct MlpReference {
  std::vector<double> out, w0, b0, w1, b1;  // the output and the gradients
};

MlpReference mlp_reference(const std::vector<float>& x, const std::vector<float>& y, const nn::Params& params, int n,
                           int in, int hidden, int outs) {
  const std::vector<float> w0 = host(param(params, "linear_0", "w")), b0 = host(param(params, "linear_0", "b"));
  const std::vector<float> w1 = host(param(params, "linear_1", "w")), b1 = host(param(params, "linear_1", "b"));
  MlpReference r{std::vector<double>(n * outs), std::vector<double>(in * hidden), std::vector<double>(hidden),
                 std::vector<double>(hidden * outs), std::vector<double>(outs)};
  std::vector<double> h(n * hidden);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < hidden; ++j) {
      double z = b0[j];
      for (int k = 0; k < in; ++k) z += static_cast<double>(x[i * in + k]) * w0[k * hidden + j];
      h[i * hidden + j] = std::tanh(z);
    }
    for (int o = 0; o < outs; ++o) {
      double v = b1[o];
      for (int j = 0; j < hidden; ++j) v += h[i * hidden + j] * w1[j * outs + o];
      r.out[i * outs + o] = v;
    }
  }
  for (int i = 0; i < n; ++i) {
    std::vector<double> dh(hidden, 0.0);
    for (int o = 0; o < outs; ++o) {
      const double d = 2 * (r.out[i * outs + o] - y[i * outs + o]) / (n * outs);
      r.b1[o] += d;
      for (int j = 0; j < hidden; ++j) {
        r.w1[j * outs + o] += h[i * hidden + j] * d;
        dh[j] += w1[j * outs + o] * d;
      }
    }
    for (int j = 0; j < hidden; ++j) {
      const double dz = dh[j] * (1 - h[i * hidden + j] * h[i * hidden + j]);
      r.b0[j] += dz;
      for (int k = 0; k < in; ++k) r.w0[k * hidden + j] += x[i * in + k] * dz;
    }
  }
  return r;
}

// |actual - expected| <= tolerance * max |expected| over the leaf. Returns the largest error in those
// units, to show a result did go through bfloat16 (float32 would err by about 1e-7).
double expect_close(const jx::Array& actual, const std::vector<double>& expected, double tolerance, const char* what) {
  const std::vector<float> got = host(actual);
  EXPECT_EQ(got.size(), expected.size()) << what;
  if (got.size() != expected.size()) return 0;
  double scale = 0, worst = 0;
  for (double e : expected) scale = std::max(scale, std::abs(e));
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i], expected[i], tolerance * scale) << what << "[" << i << "]";
    worst = std::max(worst, std::abs(got[i] - expected[i]) / scale);
  }
  return worst;
}

TEST_F(MixedPrecision, MlpComputesInBfloat16WithFloat32ParametersAndGradients) {
  const int n = 6, in = 4, hidden = 5, outs = 3;
  const jx::Array x = jx::random::normal(jx::random::PRNGKey(1), {n, in});
  const jx::Array y = jx::random::normal(jx::random::PRNGKey(2), {n, outs});
  std::vector<jx::DType> activation_dtypes;
  std::vector<std::optional<mp::Policy>> policies_inside;
  auto model = nn::transform([&](const jx::Array& input) {
    return nn::MLP({hidden, outs}, {.activation = [&](const jx::Array& h) {
                     activation_dtypes.push_back(h.dtype());  // Linear's output, inside the MLP
                     policies_inside.push_back(mp::current_policy());
                     return jnp::tanh(h);
                   }})(input);
  });
  auto loss = [&](const nn::Params& p) { return jnp::mean(jnp::square(model.apply(p, std::nullopt, x) - y)); };

  const mp::Policy policy = mp::parse_policy("params=float32,compute=bfloat16,output=float32");
  mp::set_policy<nn::MLP>(policy);
  const nn::Params params = model.init(jx::random::PRNGKey(0), x);
  for (const auto& [module, name, value] : nn::data_structures::traverse(params)) {
    EXPECT_EQ(value.dtype(), jx::float32) << module << "/" << name;  // created in param_dtype
  }
  activation_dtypes.clear();
  policies_inside.clear();
  const jx::Array out = model.apply(params, std::nullopt, x);
  EXPECT_EQ(out.dtype(), jx::float32);  // output_dtype
  ASSERT_EQ(activation_dtypes.size(), 1u);
  EXPECT_EQ(activation_dtypes[0], jx::bfloat16);  // compute_dtype
  EXPECT_EQ(policies_inside[0], policy);
  EXPECT_FALSE(mp::current_policy().has_value());  // only while the MLP runs

  const MlpReference reference = mlp_reference(x.to_vector<float>(), y.to_vector<float>(), params, n, in, hidden, outs);
  // Each value passes a handful of bfloat16 roundings of at most half an epsilon (inputs, parameters,
  // both products, tanh, and on the way back the cotangents and the products again): 8 half-epsilons
  // bound them (the largest error seen is about 1.3 epsilons, in dw0).
  const double tolerance = 4 * kBf16Eps;
  // And the output really went through bfloat16: it is not the float32 result.
  EXPECT_GT(expect_close(out, reference.out, tolerance, "output"), 1e-5);

  const nn::Params grads = jx::jit(jx::grad(loss))(params);
  for (const auto& [module, name, value] : nn::data_structures::traverse(grads)) {
    EXPECT_EQ(value.dtype(), jx::float32) << module << "/" << name;  // like the parameters
  }
  EXPECT_GT(expect_close(param(grads, "linear_0", "w"), reference.w0, tolerance, "dw0"), 1e-5);  // bfloat16's error
  expect_close(param(grads, "linear_0", "b"), reference.b0, tolerance, "db0");
  expect_close(param(grads, "linear_1", "w"), reference.w1, tolerance, "dw1");
  expect_close(param(grads, "linear_1", "b"), reference.b1, tolerance, "db1");

  // Without the policy the same model and parameters run in float32, to float32 accuracy.
  mp::clear_policy<nn::MLP>();
  activation_dtypes.clear();
  const jx::Array full = model.apply(params, std::nullopt, x);
  EXPECT_EQ(activation_dtypes.at(0), jx::float32);
  expect_close(full, reference.out, 1e-5, "float32 output");
  const nn::Params full_grads = jx::jit(jx::grad(loss))(params);
  expect_close(param(full_grads, "linear_0", "w"), reference.w0, 1e-5, "float32 dw0");
  expect_close(param(full_grads, "linear_1", "w"), reference.w1, 1e-5, "float32 dw1");
  expect_close(param(full_grads, "linear_1", "b"), reference.b1, 1e-5, "float32 db1");
}

TEST_F(MixedPrecision, ParamDtypeDecidesHowParametersAreStored) {
  mp::set_policy<nn::Linear>(mp::parse_policy("bf16"));
  auto model = nn::transform([](const jx::Array& x) { return nn::Linear(2)(x); });
  const jx::Array x = jnp::array(std::vector<float>{1.0f, 2.0f, -1.0f}, jx::Shape{1, 3});
  const nn::Params params = model.init(jx::random::PRNGKey(0), x);
  EXPECT_EQ(params["linear"]["w"].array().dtype(), jx::bfloat16);
  EXPECT_EQ(params["linear"]["b"].array().dtype(), jx::bfloat16);
  EXPECT_EQ(model.apply(params, std::nullopt, x).dtype(), jx::bfloat16);
  // Parameters stored in float32 (made without the policy) do not fit: the policy says bfloat16.
  mp::clear_policy<nn::Linear>();
  const nn::Params full = model.init(jx::random::PRNGKey(0), x);
  mp::set_policy<nn::Linear>(mp::parse_policy("bf16"));
  EXPECT_THROW(model.apply(full, std::nullopt, x), jx::ShapeError);
}

// A policy on Linear alone: "c=bf16" computes and returns bfloat16; its float32 parameters are read
// in bfloat16. Closed form: x @ w + b.
TEST_F(MixedPrecision, LinearOutputFollowsComputeDtype) {
  mp::set_policy<nn::Linear>(mp::parse_policy("c=bf16"));
  auto model = nn::transform([](const jx::Array& x) { return nn::Linear(3)(x); });
  const jx::Array x = jx::random::normal(jx::random::PRNGKey(4), {2, 4});
  const nn::Params params = model.init(jx::random::PRNGKey(0), x);
  EXPECT_EQ(params["linear"]["w"].array().dtype(), jx::float32);
  const jx::Array out =
      jx::jit([&](const nn::Params& p, const jx::Array& v) { return model.apply(p, std::nullopt, v); })(params, x);
  EXPECT_EQ(out.dtype(), jx::bfloat16);
  const std::vector<float> xs = x.to_vector<float>(), w = host(params["linear"]["w"].array());
  std::vector<double> expected(6, 0.0);
  for (int i = 0; i < 2; ++i) {
    for (int o = 0; o < 3; ++o) {
      for (int k = 0; k < 4; ++k) expected[i * 3 + o] += static_cast<double>(xs[i * 4 + k]) * w[k * 3 + o];
    }
  }
  EXPECT_GT(expect_close(out, expected, 2 * kBf16Eps, "linear"), 1e-5);
}

// Conv1D, kernel 3, SAME padding, under "p=f32,c=bf16,o=f32": out[n, t, o] = b[o] + sum over k and c of
// x[n, t + k - 1, c] w[k, c, o].
TEST_F(MixedPrecision, ConvHonoursThePolicy) {
  mp::set_policy<nn::Conv1D>(mp::parse_policy("p=f32,c=bf16,o=f32"));
  auto model = nn::transform([](const jx::Array& x) { return nn::Conv1D(3, {3})(x); });
  const jx::Array x = jx::random::normal(jx::random::PRNGKey(5), {2, 5, 2});
  const nn::Params params = model.init(jx::random::PRNGKey(0), x);
  EXPECT_EQ(params["conv1_d"]["w"].array().dtype(), jx::float32);
  const jx::Array out = model.apply(params, std::nullopt, x);
  EXPECT_EQ(out.dtype(), jx::float32);
  const std::vector<float> xs = x.to_vector<float>(), w = host(params["conv1_d"]["w"].array());
  std::vector<double> expected(2 * 5 * 3, 0.0);
  for (int b = 0; b < 2; ++b) {
    for (int t = 0; t < 5; ++t) {
      for (int o = 0; o < 3; ++o) {
        for (int k = 0; k < 3; ++k) {
          const int at = t + k - 1;
          if (at < 0 || at >= 5) continue;
          for (int c = 0; c < 2; ++c)
            expected[(b * 5 + t) * 3 + o] += xs[(b * 5 + at) * 2 + c] * w[(k * 2 + c) * 3 + o];
        }
      }
    }
  }
  EXPECT_GT(expect_close(out, expected, 2 * kBf16Eps, "conv1d"), 1e-5);
}

// LayerNorm under a bfloat16 compute policy: (x - mean) / sqrt(var + 1e-5), scale 1 and offset 0.
TEST_F(MixedPrecision, LayerNormHonoursThePolicy) {
  mp::set_policy<nn::LayerNorm>(mp::parse_policy("p=f32,c=bf16,o=f32"));
  auto model = nn::transform([](const jx::Array& x) { return nn::LayerNorm(-1, true, true)(x); });
  const jx::Array x = jx::random::normal(jx::random::PRNGKey(6), {3, 6});
  const nn::Params params = model.init(jx::random::PRNGKey(0), x);
  EXPECT_EQ(params["layer_norm"]["scale"].array().dtype(), jx::float32);
  EXPECT_EQ(params["layer_norm"]["offset"].array().dtype(), jx::float32);
  const jx::Array out = model.apply(params, std::nullopt, x);
  EXPECT_EQ(out.dtype(), jx::float32);
  const std::vector<float> xs = x.to_vector<float>();
  std::vector<double> expected(18);
  for (int i = 0; i < 3; ++i) {
    double mean = 0, var = 0;
    for (int j = 0; j < 6; ++j) mean += xs[i * 6 + j] / 6.0;
    for (int j = 0; j < 6; ++j) var += (xs[i * 6 + j] - mean) * (xs[i * 6 + j] - mean) / 6.0;
    for (int j = 0; j < 6; ++j) expected[i * 6 + j] = (xs[i * 6 + j] - mean) / std::sqrt(var + 1e-5);
  }
  EXPECT_GT(expect_close(out, expected, 2 * kBf16Eps, "layer_norm"), 1e-5);
}

// Haiku's ImageNet recipe: the network in bfloat16, BatchNorm kept in float32 by a policy of its own
// (outputs handed back in bfloat16). The statistics and parameters stay float32; BatchNorm's output is
// its float32 result rounded once to bfloat16, which the closed form from its (bfloat16) input shows.
TEST_F(MixedPrecision, BatchNormKeepsItsOwnFloat32Policy) {
  mp::set_policy<nn::Sequential>(mp::parse_policy("p=f32,c=bf16,o=f32"));
  mp::set_policy<nn::BatchNorm>(mp::parse_policy("p=f32,c=f32,o=bf16"));
  std::vector<jx::Array> seen;  // what reaches BatchNorm and what leaves it
  auto model = nn::transform_with_state([&](const jx::Array& x) {
    return nn::Sequential({[](const jx::Array& v) { return nn::Linear(4)(v); },
                           [&](const jx::Array& h) {
                             seen.push_back(h);
                             return nn::BatchNorm(true, true, 0.9f)(h, true);
                           },
                           [&](const jx::Array& h) {
                             seen.push_back(h);
                             return h;
                           }})(x);
  });
  const jx::Array x = jx::random::normal(jx::random::PRNGKey(7), {8, 3});
  auto [params, state] = model.init(jx::random::PRNGKey(0), x);
  for (const auto& [module, name, value] : nn::data_structures::traverse(params)) {
    EXPECT_EQ(value.dtype(), jx::float32) << module << "/" << name;
  }
  for (const auto& [module, name, value] : nn::data_structures::traverse(state)) {
    if (name != "counter") {
      EXPECT_EQ(value.dtype(), jx::float32) << module << "/" << name;
    }
  }
  seen.clear();
  auto [out, next] = model.apply(params, state, std::nullopt, x);
  EXPECT_EQ(out.dtype(), jx::float32);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].dtype(), jx::bfloat16);  // Linear inside the bfloat16 Sequential
  EXPECT_EQ(seen[1].dtype(), jx::bfloat16);  // BatchNorm's output_dtype
  for (const auto& [module, name, value] : nn::data_structures::traverse(next)) {
    if (name != "counter") {
      EXPECT_EQ(value.dtype(), jx::float32) << module << "/" << name;
    }
  }
  const std::vector<float> h = host(seen[0]);
  std::vector<double> expected(8 * 4);
  for (int c = 0; c < 4; ++c) {
    double mean = 0, mean_of_squares = 0;
    for (int i = 0; i < 8; ++i) {
      mean += h[i * 4 + c] / 8.0;
      mean_of_squares += static_cast<double>(h[i * 4 + c]) * h[i * 4 + c] / 8.0;
    }
    const double var = mean_of_squares - mean * mean;
    for (int i = 0; i < 8; ++i) expected[i * 4 + c] = (h[i * 4 + c] - mean) / std::sqrt(var + 1e-5);
  }
  // One rounding to bfloat16 (half an epsilon) and float32's own error.
  const std::vector<float> got = host(seen[1]);
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i], expected[i], kBf16Eps / 2 * std::abs(expected[i]) + 1e-5) << i;
  }
}

TEST_F(MixedPrecision, PushPolicyRestoresThePreviousOne) {
  const mp::Policy first = mp::parse_policy("c=bf16"), second = mp::parse_policy("c=f16");
  {
    auto pushed = mp::push_policy<nn::Linear>(first);
    EXPECT_EQ(mp::get_policy<nn::Linear>(), first);
    {
      auto inner = mp::push_policy<nn::Linear>(second);
      EXPECT_EQ(mp::get_policy<nn::Linear>(), second);
    }
    EXPECT_EQ(mp::get_policy<nn::Linear>(), first);
  }
  EXPECT_FALSE(mp::get_policy<nn::Linear>().has_value());

  // Inside a module, pushing a policy for its own kind is refused (another kind is fine).
  auto model = nn::transform([&](const jx::Array& x) {
    return nn::Sequential({[&](const jx::Array& v) {
      EXPECT_THROW((void)mp::push_policy<nn::Sequential>(first), jx::ValueError);
      auto pushed = mp::push_policy<nn::Linear>(first);
      return nn::Linear(2)(v);
    }})(x);
  });
  const jx::Array x = jnp::ones({1, 3});
  const nn::Params params = model.init(jx::random::PRNGKey(0), x);
  EXPECT_EQ(model.apply(params, std::nullopt, x).dtype(), jx::bfloat16);  // Linear ran under `first`
  EXPECT_FALSE(mp::get_policy<nn::Linear>().has_value());
}

// The policy of the innermost module that has one rules inside it; modules without one inherit it.
TEST_F(MixedPrecision, NestedPoliciesAndInheritance) {
  const mp::Policy outer = mp::parse_policy("c=bf16,o=f32"), inner = mp::parse_policy("c=f16,o=bf16");
  mp::set_policy<nn::Sequential>(outer);
  mp::set_policy<nn::MLP>(inner);
  std::vector<std::optional<mp::Policy>> policies;
  std::vector<jx::DType> dtypes;
  auto model = nn::transform([&](const jx::Array& x) {
    return nn::Sequential({[&](const jx::Array& v) {
                             policies.push_back(mp::current_policy());
                             const jx::Array h = nn::Linear(3)(v);  // inherits `outer`: no casts of its own
                             dtypes.push_back(h.dtype());
                             return h;
                           },
                           [&](const jx::Array& v) {
                             const jx::Array h = nn::MLP({2}, {.activation =
                                                                   [&](const jx::Array& a) {
                                                                     policies.push_back(mp::current_policy());
                                                                     dtypes.push_back(a.dtype());
                                                                     return a;
                                                                   },
                                                               .activate_final = true})(v);
                             dtypes.push_back(h.dtype());
                             return h;
                           }})(x);
  });
  const jx::Array x = jnp::ones({1, 4});
  const nn::Params params = model.init(jx::random::PRNGKey(0), x);
  policies.clear();
  dtypes.clear();
  const jx::Array out = model.apply(params, std::nullopt, x);
  ASSERT_EQ(policies.size(), 2u);
  EXPECT_EQ(policies[0], outer);
  EXPECT_EQ(policies[1], inner);
  EXPECT_EQ(dtypes, (std::vector<jx::DType>{jx::bfloat16, jx::float16, jx::bfloat16}));
  EXPECT_EQ(out.dtype(), jx::float32);
  for (const auto& [module, name, value] : nn::data_structures::traverse(params)) {
    EXPECT_EQ(value.dtype(), jx::float32) << module << "/" << name;
  }
}

}  // namespace
