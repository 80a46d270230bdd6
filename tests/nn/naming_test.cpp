// Module names by Haiku's rules (numbering per method call, written numbers,
// "~method" and name_like, transparent methods, force_name, name_scope),
// current_name, to_module, Deferred, and get_params / get_initial_state /
// get_current_state. The expected names are written out from Haiku's rules
// (haiku/_src/module.py: unique_and_canonical_name, name_and_number, NameScope)
// and its docstrings.
#include "jx/nn/naming.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "jx/jx.h"

namespace {

namespace jnp = jx::numpy;
namespace nn = jx::nn;

std::vector<std::string> modules_of(const jx::tree::Tree& tree) {
  std::vector<std::string> names;
  for (const auto& [name, value] : tree.as_dict()) names.push_back(name);
  return names;
}

const jx::Array& entry(const jx::tree::Tree& tree, const std::string& module, const std::string& name) {
  return tree.as_dict().at(module).as_dict().at(name).array();
}

// A module whose call makes two Linear layers, as Haiku modules make submodules
// in __call__.
class Block : public nn::Module {
 public:
  Block() : nn::Module("block", std::nullopt) {}
  jx::Array operator()(const jx::Array& x) const {
    return scoped([&] { return nn::Linear(3)(nn::Linear(3)(x)); });
  }
};

// Haiku's Autoencoder of the name_like docstring, with a method of its own and
// a submodule made in its constructor (Haiku's __init__).
class Autoencoder : public nn::Module {
 public:
  Autoencoder() : nn::Module("autoencoder", std::nullopt) {
    if (!module_name().empty())
      scoped(nn::method("__init__"), [&] { projection_.emplace(2, nn::LinearOptions{.name = "proj"}); });
  }
  jx::Array encode(const jx::Array& x) const {
    return scoped(nn::method("encode"), [&] {
      const jx::Array scale = nn::get_parameter("scale", {}, nn::initializers::ones());
      return nn::Linear(4)(x) * scale;
    });
  }
  jx::Array decode(const jx::Array& z) const {
    return scoped(nn::name_like("__call__", "decode"), [&] { return nn::Linear(2, {.name = "dec"})(z); });
  }
  jx::Array operator()(const jx::Array& x) const {
    return scoped([&] { return (*projection_)(decode(encode(x))); });
  }

 private:
  std::optional<nn::Linear> projection_;
};

// A module whose call is transparent: what it makes belongs to its caller.
class Passthrough : public nn::Module {
 public:
  Passthrough() : nn::Module("passthrough", std::nullopt) {}
  jx::Array operator()(const jx::Array& x) const {
    return scoped(nn::transparent(), [&] {
      const jx::Array offset = nn::get_parameter("offset", {}, nn::initializers::ones());
      return nn::Linear(2)(x) + offset;
    });
  }
};

TEST(Naming, NumbersModulesAsHaikuDoes) {
  auto model = nn::transform([](const jx::Array& x) {
    jx::Array h = nn::Linear(2)(x);                 // linear
    h = nn::Linear(2)(h);                           // linear_1
    h = nn::Linear(2, {.name = "linear_5"})(h);     // a written number is kept...
    h = nn::Linear(2)(h);                           // ...and the next one follows it: linear_6
    h = nn::Linear(2, {.name = "dense_0"})(h);      // dense_0
    h = nn::Linear(2, {.name = "dense"})(h);        // dense_1 (dense_0 took number 0)
    h = nn::Linear(2, {.name = "layer_01"})(h);     // a leading zero is part of the name
    return nn::Linear(2, {.name = "layer_01"})(h);  // layer_01_1
  });
  const nn::Params params = model.init(jx::random::PRNGKey(0), jnp::ones({1, 2}));
  EXPECT_EQ(modules_of(params), (std::vector<std::string>{"dense_0", "dense_1", "layer_01", "layer_01_1", "linear",
                                                          "linear_1", "linear_5", "linear_6"}));
}

TEST(Naming, NumberingStartsAfreshInEachCallOfAModule) {
  // Haiku numbers the modules a method makes per call: a block called twice
  // makes its two layers under the same names both times, so the second call
  // reuses the first call's parameters.
  auto model = nn::transform([](const jx::Array& x) {
    const Block block;
    return std::pair{block(x), block(x)};
  });
  const jx::Array x = jx::random::normal(jx::random::PRNGKey(1), {2, 3});
  const nn::Params params = model.init(jx::random::PRNGKey(0), x);
  EXPECT_EQ(modules_of(params), (std::vector<std::string>{"block/linear", "block/linear_1"}));
  const auto [first, second] = model.apply(params, std::nullopt, x);
  EXPECT_TRUE(jnp::array_equal(first, second).item<bool>());
  // Two blocks are two modules.
  auto two = nn::transform([](const jx::Array& v) { return Block()(Block()(v)); });
  EXPECT_EQ(modules_of(two.init(jx::random::PRNGKey(0), x)),
            (std::vector<std::string>{"block/linear", "block/linear_1", "block_1/linear", "block_1/linear_1"}));
}

TEST(Naming, MethodsNameTheirSubmodulesAsHaikuDoes) {
  auto model = nn::transform([](const jx::Array& x) { return Autoencoder()(x); });
  const jx::Array x = jnp::ones({1, 3});
  const nn::Params params = model.init(jx::random::PRNGKey(0), x);
  // __init__ -> "~/", encode -> "~encode/", decode named like __call__ -> none;
  // the parameter made in encode is the module's own.
  EXPECT_EQ(modules_of(params), (std::vector<std::string>{"autoencoder", "autoencoder/dec", "autoencoder/~/proj",
                                                          "autoencoder/~encode/linear"}));
  EXPECT_EQ(modules_of(params["autoencoder"]), (std::vector<std::string>{"scale"}));
  EXPECT_EQ(entry(params, "autoencoder/~encode/linear", "w").shape(), jx::Shape({3, 4}));
  EXPECT_EQ(entry(params, "autoencoder/dec", "w").shape(), jx::Shape({4, 2}));
  EXPECT_EQ(entry(params, "autoencoder/~/proj", "w").shape(), jx::Shape({2, 2}));
}

TEST(Naming, TransparentMethodsMakeWhatTheirCallerMakes) {
  auto model = nn::transform([](const jx::Array& x) {
    const Passthrough passthrough;
    EXPECT_EQ(passthrough.module_name(), "passthrough");
    return passthrough(x);
  });
  const nn::Params params = model.init(jx::random::PRNGKey(0), jnp::ones({1, 3}));
  EXPECT_EQ(modules_of(params), (std::vector<std::string>{"linear", "~"}));
  EXPECT_EQ(modules_of(params["~"]), (std::vector<std::string>{"offset"}));
}

TEST(Naming, CurrentNameIsTheRunningModuleOrTilde) {
  std::vector<std::string> seen;
  auto model = nn::transform([&](const jx::Array& x) {
    seen.push_back(nn::current_name());
    const jx::Array y = nn::to_module(
        [&](const jx::Array& v) {
          seen.push_back(nn::current_name());
          return v;
        },
        "probe")()(x);
    {
      auto scope = nn::name_scope("example_name_scope");
      seen.push_back(nn::current_name());
    }
    seen.push_back(nn::current_name());
    return y;
  });
  (void)model.init(jx::random::PRNGKey(0), jnp::ones({1}));
  EXPECT_EQ(seen, (std::vector<std::string>{"~", "probe", "example_name_scope", "~"}));
  EXPECT_THROW((void)nn::current_name(), jx::ValueError);
}

class ScopedModule : public nn::Module {
 public:
  ScopedModule() : nn::Module("my_module", std::nullopt) {}
  jx::Array operator()(const jx::Array& x) const {
    return scoped([&] {
      auto scope = nn::name_scope("my_name_scope");
      const jx::Array w = nn::get_parameter("w", {}, nn::initializers::ones());
      return nn::Linear(1, {.name = "submodule"})(x) + w;
    });
  }
};

TEST(NameScope, PrefixesModulesParametersAndState) {
  // Haiku's name_scope docstring: {'my_module/my_name_scope': {'w'},
  // 'my_module/my_name_scope/submodule': ...}.
  auto model = nn::transform_with_state([](const jx::Array& x) {
    jx::Array y = ScopedModule()(x);
    {
      auto scope = nn::name_scope("outer");
      nn::set_state("count", jnp::array(1));
      y = nn::Linear(1, {.name = "my_linear"})(y);
    }
    {
      auto again = nn::name_scope("outer");  // numbered like a module of the same name
      y = nn::Linear(1)(y);
    }
    {
      auto nested = nn::name_scope("foo/bar");
      y = nn::Linear(1)(y);
    }
    return y;
  });
  auto [params, state] = model.init(jx::random::PRNGKey(0), jnp::ones({1, 1}));
  EXPECT_EQ(modules_of(params),
            (std::vector<std::string>{"foo/bar/linear", "my_module/my_name_scope", "my_module/my_name_scope/submodule",
                                      "outer/my_linear", "outer_1/linear"}));
  EXPECT_EQ(modules_of(state), (std::vector<std::string>{"outer"}));
  EXPECT_EQ(entry(state, "outer", "count").item<int>(), 1);
}

TEST(NameScope, RejectsBadNamesAndUseOutsideATransform) {
  auto bad = [](const std::string& name) {
    return nn::transform([name](const jx::Array& x) {
      auto scope = nn::name_scope(name);
      return x;
    });
  };
  for (const std::string name : {"", "/foo", "foo//bar", "1abc", "a-b"}) {
    EXPECT_THROW((void)bad(name).init(jx::random::PRNGKey(0), jnp::ones({1})), jx::ValueError) << name;
  }
  EXPECT_THROW((void)nn::name_scope("foo"), jx::ValueError);
}

TEST(ForceName, SharesParametersWhateverTheScope) {
  auto model = nn::transform([](const jx::Array& x) {
    const nn::Linear first(2);
    jx::Array y = first(x);
    {
      auto scope = nn::name_scope("elsewhere");
      // Haiku's force_name docstring: the same module name, so the same
      // parameters.
      const nn::Linear second(2, {.name = nn::force_name(first.module_name())});
      EXPECT_EQ(second.module_name(), "linear");
      y = y + second(x);
      const nn::Linear absolute(2, {.name = nn::force_name("top/~/layer_3")});
      EXPECT_EQ(absolute.module_name(), "top/~/layer_3");
      y = y + absolute(x);
    }
    // A forced name counts for the numbering of what follows it.
    EXPECT_EQ(nn::Linear(2).module_name(), "linear_1");
    return y;
  });
  const jx::Array x = jx::random::normal(jx::random::PRNGKey(3), {2, 2});
  const nn::Params params = model.init(jx::random::PRNGKey(0), x);
  EXPECT_EQ(modules_of(params), (std::vector<std::string>{"linear", "top/~/layer_3"}));
  // y = 2 (x w + b) + (x w' + b'), written out in double precision.
  const std::vector<float> in = x.to_vector<float>(), w = entry(params, "linear", "w").to_vector<float>(),
                           b = entry(params, "linear", "b").to_vector<float>(),
                           w2 = entry(params, "top/~/layer_3", "w").to_vector<float>(),
                           b2 = entry(params, "top/~/layer_3", "b").to_vector<float>();
  const std::vector<float> out = model.apply(params, std::nullopt, x).to_vector<float>();
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 2; ++j) {
      double dense = b[j], dense2 = b2[j];
      for (int k = 0; k < 2; ++k) {
        dense += double(in[i * 2 + k]) * w[k * 2 + j];
        dense2 += double(in[i * 2 + k]) * w2[k * 2 + j];
      }
      EXPECT_NEAR(out[i * 2 + j], 2 * dense + dense2, 1e-5);
    }
  }
  auto invalid = nn::transform([](const jx::Array& v) { return nn::Linear(2, {.name = nn::force_name("a/b c")})(v); });
  EXPECT_THROW((void)invalid.init(jx::random::PRNGKey(0), x), jx::ValueError);
}

TEST(ToModule, MakesAModuleOfAFunction) {
  // Haiku's to_module docstring: one bias shared by both calls, under the name
  // given.
  const auto bias_fn = [](const jx::Array& v) {
    return v + nn::get_parameter("b", {}, nn::initializers::constant(0.5));
  };
  auto Bias = nn::to_module(bias_fn, "bias_fn");
  auto model = nn::transform([&](const jx::Array& x, const jx::Array& y) {
    const auto b = Bias("my_bias");
    EXPECT_EQ(Bias().module_name(), "bias_fn");
    return b(x) * b(y);
  });
  const jx::Array x = jnp::array({1.0f, 2.0f}), y = jnp::array({3.0f, -1.0f});
  const nn::Params params = model.init(jx::random::PRNGKey(0), x, y);
  EXPECT_EQ(modules_of(params), (std::vector<std::string>{"my_bias"}));
  const nn::Params moved = nn::Params::dict({{"my_bias", nn::Params::dict({{"b", jnp::array(2.0f)}})}});
  const std::vector<float> out = model.apply(moved, std::nullopt, x, y).to_vector<float>();
  EXPECT_FLOAT_EQ(out[0], (1 + 2.0f) * (3 + 2.0f));
  EXPECT_FLOAT_EQ(out[1], (2 + 2.0f) * (-1 + 2.0f));
}

class MakesLater : public nn::Module {
 public:
  MakesLater() : nn::Module("outer", std::nullopt) {}
  nn::Deferred<nn::Linear> deferred() const {
    return scoped([] { return nn::Deferred<nn::Linear>([] { return nn::Linear(2); }); });
  }
};

TEST(Deferred, MakesItsModuleOnFirstUseWhereItWasDeclared) {
  // Haiku's Deferred docstring: the decoder's size comes from the encoder's
  // input, known later.
  auto model = nn::transform([](const jx::Array& x) {
    std::int64_t input_size = -1;
    const nn::Linear encoder(8);
    const nn::Deferred<nn::Linear> decoder([&] { return nn::Linear(input_size); });
    const nn::Deferred<nn::Linear> copy = decoder;
    input_size = x.shape()[1];
    const jx::Array y = encoder(x);
    const jx::Array z = decoder(y);
    EXPECT_EQ(&copy.target(), &decoder.target());  // copies share the one module
    // Made in a module's call, used outside it: named inside that module.
    const jx::Array w = MakesLater().deferred()(z);
    return w;
  });
  const nn::Params params = model.init(jx::random::PRNGKey(0), jnp::ones({3, 5}));
  EXPECT_EQ(modules_of(params), (std::vector<std::string>{"linear", "linear_1", "outer/linear"}));
  EXPECT_EQ(entry(params, "linear_1", "w").shape(), jx::Shape({8, 5}));
}

TEST(FrameAccess, GetParamsDuringInitAndApply) {
  // Haiku's get_params docstring.
  std::vector<std::vector<std::string>> seen;
  auto model = nn::transform([&](const jx::Array& x) {
    seen.push_back(modules_of(nn::get_params()));
    const jx::Array y = nn::Linear(1)(x);
    seen.push_back(modules_of(nn::get_params()));
    EXPECT_EQ(nn::get_params()["linear"]["w"].array().shape(), jx::Shape({1, 1}));
    EXPECT_EQ(nn::running_init(), seen.size() == 2);
    return y;
  });
  const nn::Params params = model.init(jx::random::PRNGKey(42), jnp::ones({1, 1}));
  (void)model.apply(params, std::nullopt, jnp::ones({1, 1}));
  EXPECT_EQ(seen, (std::vector<std::vector<std::string>>{{}, {"linear"}, {"linear"}, {"linear"}}));
  EXPECT_THROW((void)nn::get_params(), jx::ValueError);
}

TEST(FrameAccess, InitialAndCurrentStateAsHaikuReportsThem) {
  // Haiku's get_initial_state and get_current_state docstrings: (initial,
  // current) of '~/x' after each step, -1 when absent.
  std::vector<std::pair<int, int>> seen;
  const auto report = [&] {
    const nn::State initial = nn::get_initial_state(), current = nn::get_current_state();
    const bool present = initial.contains("~");
    seen.emplace_back(present ? entry(initial, "~", "x").item<int>() : -1,
                      present ? entry(current, "~", "x").item<int>() : -1);
  };
  auto model = nn::transform_with_state([&] {
    report();
    const jx::Array x = nn::get_state("x", {}, jx::int32, nn::initializers::zeros());
    report();
    nn::set_state("x", x + 1);
    report();
    return 0;
  });
  auto [params, state] = model.init(jx::random::PRNGKey(0));
  EXPECT_EQ(seen, (std::vector<std::pair<int, int>>{{-1, -1}, {0, 0}, {0, 1}}));
  seen.clear();
  const nn::State ten = nn::State::dict({{"~", nn::State::dict({{"x", jnp::array(10)}})}});
  (void)model.apply(params, ten, std::nullopt);
  EXPECT_EQ(seen, (std::vector<std::pair<int, int>>{{10, 10}, {10, 10}, {10, 11}}));
  EXPECT_THROW((void)nn::get_current_state(), jx::ValueError);
  EXPECT_THROW((void)nn::get_initial_state(), jx::ValueError);
}

}  // namespace
