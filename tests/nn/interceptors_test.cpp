// custom_creator, custom_getter and custom_setter (what they see, the order
// they run in, casting getters), and intercept_methods (every module call, its
// names, short circuits, errors), against the behaviour Haiku's docstrings
// describe (haiku/_src/base.py, module.py).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "jx/jx.h"
#include "jx/nn/naming.h"

namespace {

namespace jnp = jx::numpy;
namespace nn = jx::nn;

const jx::Array& entry(const jx::tree::Tree& tree, const std::string& module, const std::string& name) {
  return tree.as_dict().at(module).as_dict().at(name).array();
}

TEST(CustomCreator, ReplacesInitializersOfParametersAndOptionallyState) {
  // Haiku's docstring: a creator that makes zeros instead of ones, for
  // parameters and (state=True) state.
  const nn::Creator zeros_creator = [](const nn::NextCreator& next, const jx::Shape& shape, jx::DType dtype,
                                       const nn::Initializer&, const nn::GetterContext&) {
    return next(shape, dtype, nn::initializers::zeros());
  };
  auto model = nn::transform_with_state([&] {
    std::vector<float> values;
    {
      auto creator = nn::custom_creator(zeros_creator);
      values.push_back(nn::get_parameter("z", {}, nn::initializers::ones()).item<float>());
      values.push_back(nn::get_state("s", {}, jx::float32, nn::initializers::ones()).item<float>());
    }
    {
      auto creator = nn::custom_creator(zeros_creator, {.params = false, .state = true});
      values.push_back(nn::get_state("t", {}, jx::float32, nn::initializers::ones()).item<float>());
      values.push_back(nn::get_parameter("p", {}, nn::initializers::ones()).item<float>());
    }
    return values;
  });
  auto [params, state] = model.init(jx::random::PRNGKey(0));
  EXPECT_FLOAT_EQ(entry(params, "~", "z").item<float>(), 0.0f);
  EXPECT_FLOAT_EQ(entry(state, "~", "s").item<float>(),
                  1.0f);  // the first creator ran on parameters only
  EXPECT_FLOAT_EQ(entry(state, "~", "t").item<float>(), 0.0f);
  EXPECT_FLOAT_EQ(entry(params, "~", "p").item<float>(), 1.0f);
  // Creators run only when a value is made: apply reads what init made.
  auto [values, unused] = model.apply(params, state, std::nullopt);
  EXPECT_EQ(values, (std::vector<float>{0.0f, 1.0f, 0.0f, 1.0f}));
}

TEST(CustomCreator, SeesTheContextAndRunsOutermostFirst) {
  std::vector<std::string> calls;
  const auto recorder = [&](const std::string& tag) {
    return [&calls, tag](const nn::NextCreator& next, const jx::Shape& shape, jx::DType dtype,
                         const nn::Initializer& init, const nn::GetterContext& context) {
      calls.push_back(tag + ":" + context.full_name + ":" + context.module_name + ":" + context.name + ":" +
                      context.original_shape.to_string() + ":" + std::string(jx::dtype_name(context.original_dtype)));
      return next(shape, dtype, init);
    };
  };
  auto model = nn::transform([&](const jx::Array& x) {
    auto outer = nn::custom_creator(recorder("outer"));
    auto inner = nn::custom_creator(recorder("inner"));
    return nn::MLP({3}, {.name = "mlp"})(x);
  });
  (void)model.init(jx::random::PRNGKey(0), jnp::ones({2, 5}));
  const std::string w = "mlp/linear_0/w:mlp/linear_0:w:(5, 3):float32",
                    b = "mlp/linear_0/b:mlp/linear_0:b:(3,):float32";
  EXPECT_EQ(calls, (std::vector<std::string>{"outer:" + w, "inner:" + w, "outer:" + b, "inner:" + b}));
}

TEST(CustomGetter, CastsParametersWithoutChangingWhatIsStored) {
  // Haiku's docstring: a getter returning bfloat16 values; the stored
  // parameters stay float32.
  const nn::Getter bf16_getter = [](const nn::NextGetter& next, const jx::Array& value, const nn::GetterContext&) {
    return next(value.astype(jx::bfloat16));
  };
  std::vector<jx::DType> seen;
  auto model = nn::transform_with_state([&](const jx::Array& x) {
    auto getter = nn::custom_getter(bf16_getter, {.state = true});
    const jx::Array w = nn::get_parameter("w", {2}, nn::initializers::ones());
    const jx::Array c = nn::get_state("c", {}, jx::float32, nn::initializers::ones());
    seen = {w.dtype(), c.dtype()};
    return x * w + c;
  });
  const jx::Array x = jnp::array({1.5f, -2.0f});
  auto [params, state] = model.init(jx::random::PRNGKey(0), x);
  EXPECT_EQ(seen, (std::vector<jx::DType>{jx::bfloat16, jx::bfloat16}));
  EXPECT_EQ(entry(params, "~", "w").dtype(), jx::float32);
  EXPECT_EQ(entry(state, "~", "c").dtype(), jx::float32);
  // apply computes in bfloat16: x (float32) * w (bfloat16) promotes to float32,
  // exact for these values.
  const nn::Params twos = nn::Params::dict({{"~", nn::Params::dict({{"w", jnp::array({2.0f, 0.5f})}})}});
  auto [y, unused] = model.apply(twos, state, std::nullopt, x);
  EXPECT_EQ(seen, (std::vector<jx::DType>{jx::bfloat16, jx::bfloat16}));
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{1.5f * 2 + 1, -2.0f * 0.5f + 1}));
  // A getter that changes the shape is an error naming get_parameter.
  auto reshaping = nn::transform([](const jx::Array& v) {
    auto getter = nn::custom_getter([](const nn::NextGetter& next, const jx::Array& value, const nn::GetterContext&) {
      return next(jnp::concatenate({value, value}, 0));
    });
    return v * nn::get_parameter("w", {2}, nn::initializers::ones());
  });
  EXPECT_THROW((void)reshaping.init(jx::random::PRNGKey(0), x), jx::ShapeError);
}

TEST(CustomGetter, GettersChainInOrderUnderJitAndGrad) {
  // Two getters: the outer doubles, the inner adds one; the value returned is
  // (w * 2) + 1.
  auto model = nn::transform([](const jx::Array& x) {
    auto outer = nn::custom_getter(
        [](const nn::NextGetter& next, const jx::Array& v, const nn::GetterContext&) { return next(v * 2.0f); });
    auto inner = nn::custom_getter(
        [](const nn::NextGetter& next, const jx::Array& v, const nn::GetterContext&) { return next(v + 1.0f); });
    return jnp::sum(x * nn::get_parameter("w", {3}, nn::initializers::zeros()));
  });
  const jx::Array x = jnp::array({1.0f, 2.0f, 3.0f});
  const nn::Params params = nn::Params::dict({{"~", nn::Params::dict({{"w", jnp::array({0.5f, -1.0f, 2.0f})}})}});
  auto loss = [&](const nn::Params& p) { return model.apply(p, std::nullopt, x); };
  // sum(x * (2w + 1)) = 1 * 2 + 2 * -1 + 3 * 5 = 15; its gradient in w is 2x.
  EXPECT_FLOAT_EQ(jx::jit(loss)(params).item<float>(), 15.0f);
  const nn::Params grads = jx::grad(loss)(params);
  EXPECT_EQ(entry(grads, "~", "w").to_vector<float>(), (std::vector<float>{2.0f, 4.0f, 6.0f}));
}

TEST(CustomSetter, SeesEverySetState) {
  // Haiku's docstring: a setter that zeroes what is set during init.
  std::vector<std::string> names;
  auto model = nn::transform_with_state([&] {
    auto setter =
        nn::custom_setter([&](const nn::NextSetter& next, const jx::Array& value, const nn::SetterContext& context) {
          names.push_back(context.full_name + " " + context.original_shape.to_string());
          return next(nn::running_init() ? jnp::zeros_like(value) : value);
        });
    nn::set_state("x", jnp::ones({2}));
    return nn::get_state("x", {2}, jx::float32, nn::initializers::ones());
  });
  auto [params, state] = model.init(jx::random::PRNGKey(0));
  EXPECT_EQ(entry(state, "~", "x").to_vector<float>(), (std::vector<float>{0.0f, 0.0f}));
  auto [x, next] = model.apply(params, state, std::nullopt);
  EXPECT_EQ(x.to_vector<float>(), (std::vector<float>{1.0f, 1.0f}));
  EXPECT_EQ(names, (std::vector<std::string>{"~/x (2,)", "~/x (2,)"}));
}

TEST(CustomInterceptors, RefuseUseOutsideATransformAndEmptyFunctions) {
  const nn::Getter identity = [](const nn::NextGetter& next, const jx::Array& v, const nn::GetterContext&) {
    return next(v);
  };
  EXPECT_THROW((void)nn::custom_getter(identity), jx::ValueError);
  EXPECT_THROW((void)nn::custom_creator(nullptr), jx::ValueError);
  EXPECT_THROW((void)nn::custom_setter(nullptr), jx::ValueError);
  auto model = nn::transform([](const jx::Array& x) {
    auto getter = nn::custom_getter(nullptr);
    return x;
  });
  EXPECT_THROW((void)model.init(jx::random::PRNGKey(0), jnp::ones({1})), jx::ValueError);
  EXPECT_THROW((void)nn::intercept_methods(nullptr), jx::ValueError);
}

// A module with a method of its own, to see method names.
class Encoder : public nn::Module {
 public:
  Encoder() : nn::Module("encoder", std::nullopt) {}
  jx::Array encode(const jx::Array& x) const {
    return scoped(nn::method("encode"), [&] { return nn::Linear(2)(x); });
  }
};

TEST(InterceptMethods, SeesEveryModuleCallOutermostFirst) {
  // Haiku's MethodContext docstring: two interceptors run in order, each
  // calling next.
  std::vector<std::string> log;
  const auto interceptor = [&](const std::string& tag) {
    return [&log, tag](const std::function<void()>& next, const nn::MethodContext& context) {
      log.push_back(tag + " " + context.module_name + " " + context.method_name + " in " + nn::current_name());
      next();
    };
  };
  auto model = nn::transform([&](const jx::Array& x) {
    auto first = nn::intercept_methods(interceptor("1"));
    auto second = nn::intercept_methods(interceptor("2"));
    return Encoder().encode(nn::MLP({3}, {.name = "mlp"})(x));
  });
  const jx::Array x = jnp::ones({1, 4});
  const nn::Params params = model.init(jx::random::PRNGKey(0), x);
  EXPECT_EQ(log, (std::vector<std::string>{
                     "1 mlp __call__ in mlp", "2 mlp __call__ in mlp", "1 mlp/linear_0 __call__ in mlp/linear_0",
                     "2 mlp/linear_0 __call__ in mlp/linear_0", "1 encoder encode in encoder",
                     "2 encoder encode in encoder", "1 encoder/~encode/linear __call__ in encoder/~encode/linear",
                     "2 encoder/~encode/linear __call__ in encoder/~encode/linear"}));
  // The interceptors changed nothing: apply without them gives the same as with
  // them.
  log.clear();
  auto plain = nn::transform([](const jx::Array& v) { return Encoder().encode(nn::MLP({3}, {.name = "mlp"})(v)); });
  EXPECT_TRUE(
      jnp::array_equal(model.apply(params, std::nullopt, x), plain.apply(params, std::nullopt, x)).item<bool>());
  EXPECT_EQ(log.size(), 8u);
}

TEST(InterceptMethods, ShortCircuitsAndRequiresTheCall) {
  std::vector<std::string> log;
  auto model = nn::transform([&](const jx::Array& x, bool short_circuit) {
    auto first = nn::intercept_methods([&](const std::function<void()>& next, const nn::MethodContext& context) {
      log.push_back("first " + context.module_name);
      if (short_circuit) {
        context.orig_method();
      } else {
        next();
      }
    });
    auto second = nn::intercept_methods([&](const std::function<void()>& next, const nn::MethodContext& context) {
      log.push_back("second " + context.module_name);
      next();
    });
    return nn::Linear(1)(x);
  });
  const jx::Array x = jnp::ones({1, 1});
  const nn::Params params = model.init(jx::random::PRNGKey(0), x, true);
  EXPECT_EQ(log, (std::vector<std::string>{"first linear"}));
  log.clear();
  (void)model.apply(params, std::nullopt, x, false);
  EXPECT_EQ(log, (std::vector<std::string>{"first linear", "second linear"}));
  // An interceptor that never runs the method leaves it without a result:
  // ValueError.
  auto dropping = nn::transform([](const jx::Array& v) {
    auto drop = nn::intercept_methods([](const std::function<void()>&, const nn::MethodContext&) {});
    return nn::Linear(1)(v);
  });
  EXPECT_THROW((void)dropping.init(jx::random::PRNGKey(0), x), jx::ValueError);
}

}  // namespace
