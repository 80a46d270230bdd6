// Optax's adaptive optimizers (jx/optim/adaptive.h) and their building blocks
// (jx/optim/adaptive_transforms.h) against the oracle of tools/optax_adaptive_oracle.py
// (tests/data/optax_adaptive_oracle.json: each optimizer written out from its documented update
// formula, each block as Optax composes it), replayed eagerly and under jit; their defaults, their
// chains, their states under jit, gradient noise, and the errors for bad input.
#include "jx/optim/adaptive.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "jx/core/error.h"
#include "jx/jx.h"
#include "optim/optax_oracle.h"

namespace {

using namespace optim_oracle;

// --- Replaying the oracle -------------------------------------------------------------------------

const json& adaptive_oracle() {
  static const json data = [] {
    std::ifstream file(std::string(JX_TEST_DATA_DIR) + "/optax_adaptive_oracle.json");
    return file ? json::parse(file) : json::object({{"optimizers", json::array()}});
  }();
  return data;
}

// The jx transformation a spec names: the adaptive ones here, the others (scale_by_adam, trace,
// add_decayed_weights, ...) as tests/optim/optax_oracle.h reads them.
optim::GradientTransformation adaptive_transform_from(const json& spec) {
  const std::string name = spec.at("name");
  const json empty = json::object();
  const json& args = spec.contains("args") ? spec.at("args") : empty;
  const std::set<std::string> adaptive = {"chain",
                                          "masked",
                                          "adamax",
                                          "scale_by_adamax",
                                          "adamaxw",
                                          "amsgrad",
                                          "scale_by_amsgrad",
                                          "nadam",
                                          "nadamw",
                                          "radam",
                                          "scale_by_radam",
                                          "adabelief",
                                          "scale_by_belief",
                                          "yogi",
                                          "scale_by_yogi",
                                          "adadelta",
                                          "scale_by_adadelta",
                                          "novograd",
                                          "scale_by_novograd",
                                          "lamb",
                                          "lars",
                                          "scale_by_trust_ratio",
                                          "sign_sgd",
                                          "scale_by_sign",
                                          "signum",
                                          "ema",
                                          "rprop",
                                          "scale_by_rprop",
                                          "adan",
                                          "scale_by_adan",
                                          "fromage",
                                          "optimistic_gradient_descent",
                                          "scale_by_optimistic_gradient"};
  if (!adaptive.count(name)) return transform_from(spec);
  Keywords k(name, args);
  if (name == "chain") {
    std::vector<optim::GradientTransformation> parts;
    for (const json& part : k.get("transformations")) parts.push_back(adaptive_transform_from(part));
    return optim::chain(std::move(parts));
  }
  if (name == "masked") {  // no mask: every leaf, as Optax's mask=True
    optim::Mask mask = [](const jx::tree::KeyPath&, const Array&) { return true; };
    k.read("mask", mask);
    return optim::masked(adaptive_transform_from(k.get("inner")), mask);
  }
  if (name == "adamax" || name == "scale_by_adamax") {
    optim::AdamaxOptions o;
    k.read("b1", o.b1), k.read("b2", o.b2), k.read("eps", o.eps);
    return name == "adamax" ? optim::adamax(k.learning_rate(), o) : optim::scale_by_adamax(o);
  }
  if (name == "adamaxw") {
    optim::AdamaxWOptions o;
    k.read("b1", o.b1), k.read("b2", o.b2), k.read("eps", o.eps), k.read("weight_decay", o.weight_decay);
    k.read("mask", o.mask);
    return optim::adamaxw(k.learning_rate(), o);
  }
  if (name == "amsgrad" || name == "scale_by_amsgrad") {
    optim::AmsgradOptions o;
    k.read("b1", o.b1), k.read("b2", o.b2), k.read("eps", o.eps), k.read("eps_root", o.eps_root);
    k.read("bias_correction_mu", o.bias_correction_mu), k.read("bias_correction_nu", o.bias_correction_nu);
    return name == "amsgrad" ? optim::amsgrad(k.learning_rate(), o) : optim::scale_by_amsgrad(o);
  }
  if (name == "nadam") {
    optim::AdamOptions o;
    k.read("b1", o.b1), k.read("b2", o.b2), k.read("eps", o.eps), k.read("eps_root", o.eps_root);
    return optim::nadam(k.learning_rate(), o);
  }
  if (name == "nadamw") {
    optim::AdamWOptions o;
    k.read("b1", o.b1), k.read("b2", o.b2), k.read("eps", o.eps), k.read("eps_root", o.eps_root);
    k.read("weight_decay", o.weight_decay), k.read("mask", o.mask);
    return optim::nadamw(k.learning_rate(), o);
  }
  if (name == "radam" || name == "scale_by_radam") {
    optim::RAdamOptions o;
    k.read("b1", o.b1), k.read("b2", o.b2), k.read("eps", o.eps), k.read("eps_root", o.eps_root);
    k.read("threshold", o.threshold), k.read("nesterov", o.nesterov);
    return name == "radam" ? optim::radam(k.learning_rate(), o) : optim::scale_by_radam(o);
  }
  if (name == "adabelief") {
    optim::AdaBeliefOptions o;
    k.read("b1", o.b1), k.read("b2", o.b2), k.read("eps", o.eps), k.read("eps_root", o.eps_root);
    k.read("weight_decay", o.weight_decay), k.read("weight_decay_mask", o.weight_decay_mask);
    k.read("nesterov", o.nesterov);
    return optim::adabelief(k.learning_rate(), o);
  }
  if (name == "scale_by_belief") {
    optim::ScaleByBeliefOptions o;
    k.read("b1", o.b1), k.read("b2", o.b2), k.read("eps", o.eps), k.read("eps_root", o.eps_root);
    k.read("nesterov", o.nesterov);
    return optim::scale_by_belief(o);
  }
  if (name == "yogi") {
    optim::YogiOptions o;
    k.read("b1", o.b1), k.read("b2", o.b2), k.read("eps", o.eps);
    return optim::yogi(k.learning_rate(), o);
  }
  if (name == "scale_by_yogi") {
    optim::ScaleByYogiOptions o;
    k.read("b1", o.b1), k.read("b2", o.b2), k.read("eps", o.eps), k.read("eps_root", o.eps_root);
    k.read("initial_accumulator_value", o.initial_accumulator_value);
    return optim::scale_by_yogi(o);
  }
  if (name == "adadelta") {
    optim::AdadeltaOptions o;
    k.read("rho", o.rho), k.read("eps", o.eps), k.read("weight_decay", o.weight_decay);
    k.read("weight_decay_mask", o.weight_decay_mask);
    std::optional<optim::ScalarOrSchedule> learning_rate;
    k.read("learning_rate", learning_rate);
    return optim::adadelta(learning_rate, o);
  }
  if (name == "scale_by_adadelta") {
    optim::ScaleByAdadeltaOptions o;
    k.read("rho", o.rho), k.read("eps", o.eps);
    return optim::scale_by_adadelta(o);
  }
  if (name == "novograd") {
    optim::NovogradOptions o;
    k.read("b1", o.b1), k.read("b2", o.b2), k.read("eps", o.eps), k.read("eps_root", o.eps_root);
    k.read("weight_decay", o.weight_decay);
    return optim::novograd(k.learning_rate(), o);
  }
  if (name == "scale_by_novograd") {
    optim::ScaleByNovogradOptions o;
    k.read("b1", o.b1), k.read("b2", o.b2), k.read("eps", o.eps), k.read("eps_root", o.eps_root);
    k.read("weight_decay", o.weight_decay);
    return optim::scale_by_novograd(o);
  }
  if (name == "lamb") {
    optim::LambOptions o;
    k.read("b1", o.b1), k.read("b2", o.b2), k.read("eps", o.eps), k.read("eps_root", o.eps_root);
    k.read("weight_decay", o.weight_decay), k.read("mask", o.mask);
    return optim::lamb(k.learning_rate(), o);
  }
  if (name == "lars") {
    optim::LarsOptions o;
    k.read("weight_decay", o.weight_decay), k.read("weight_decay_mask", o.weight_decay_mask);
    k.read("trust_coefficient", o.trust_coefficient), k.read("eps", o.eps);
    k.read("trust_ratio_mask", o.trust_ratio_mask), k.read("momentum", o.momentum), k.read("nesterov", o.nesterov);
    return optim::lars(k.learning_rate(), o);
  }
  if (name == "scale_by_trust_ratio") {
    optim::ScaleByTrustRatioOptions o;
    k.read("min_norm", o.min_norm), k.read("trust_coefficient", o.trust_coefficient), k.read("eps", o.eps);
    return optim::scale_by_trust_ratio(o);
  }
  if (name == "sign_sgd") return optim::sign_sgd(k.learning_rate());
  if (name == "scale_by_sign") return optim::scale_by_sign();
  if (name == "signum") {
    optim::SignumOptions o;
    k.read("beta", o.beta);
    return optim::signum(k.learning_rate(), o);
  }
  if (name == "ema") {
    optim::EmaOptions o;
    k.read("debias", o.debias);
    return optim::ema(k.get("decay").get<double>(), o);
  }
  if (name == "rprop" || name == "scale_by_rprop") {
    optim::RpropOptions o;
    k.read("eta_minus", o.eta_minus), k.read("eta_plus", o.eta_plus);
    k.read("min_step_size", o.min_step_size), k.read("max_step_size", o.max_step_size);
    const double learning_rate = k.get("learning_rate").get<double>();
    return name == "rprop" ? optim::rprop(learning_rate, o) : optim::scale_by_rprop(learning_rate, o);
  }
  if (name == "adan") {
    optim::AdanOptions o;
    k.read("b1", o.b1), k.read("b2", o.b2), k.read("b3", o.b3), k.read("eps", o.eps), k.read("eps_root", o.eps_root);
    k.read("weight_decay", o.weight_decay), k.read("mask", o.mask);
    return optim::adan(k.learning_rate(), o);
  }
  if (name == "scale_by_adan") {
    optim::ScaleByAdanOptions o;
    k.read("b1", o.b1), k.read("b2", o.b2), k.read("b3", o.b3), k.read("eps", o.eps), k.read("eps_root", o.eps_root);
    return optim::scale_by_adan(o);
  }
  if (name == "fromage") {
    optim::FromageOptions o;
    k.read("min_norm", o.min_norm);
    return optim::fromage(k.learning_rate(), o);
  }
  // optimistic_gradient_descent and its block.
  optim::OptimisticGradientDescentOptions o;
  k.read("alpha", o.alpha), k.read("beta", o.beta);
  return name == "optimistic_gradient_descent" ? optim::optimistic_gradient_descent(k.learning_rate(), o)
                                               : optim::scale_by_optimistic_gradient(o);
}

void replay_adaptive_family(const std::string& family) {
  std::size_t replayed = 0;
  for (const json& c : adaptive_oracle().at("optimizers")) {
    if (c.at("family") != family) continue;
    optim_oracle::replay(c, adaptive_transform_from);
    ++replayed;
  }
  EXPECT_GT(replayed, 0u) << "no '" << family << "' cases in tests/data/optax_adaptive_oracle.json";
}

// Each optimizer written out from its update formula.
TEST(OptimAdaptive, OptimizersMatchTheOracle) { replay_adaptive_family("adaptive_aliases"); }
// The same optimizers as the chains of building blocks Optax defines them as, on the same data.
TEST(OptimAdaptive, ChainsOfBuildingBlocksMatchTheOracle) { replay_adaptive_family("adaptive_chains"); }
// The building blocks alone, with options the optimizers leave at their defaults.
TEST(OptimAdaptive, BuildingBlocksMatchTheOracle) { replay_adaptive_family("adaptive_blocks"); }

// --- Defaults, chains, states ----------------------------------------------------------------------

struct Params {
  Array w, b;
};
JX_PYTREE(Params, w, b);

Params params() { return {jnp::ones({2, 3}), jnp::zeros({3})}; }
Params grads() { return {jnp::full({2, 3}, 0.5f), jnp::full({3}, -1.0f)}; }

TEST(OptimAdaptive, DefaultsAreOptaxs) {
  const optim::AdamaxOptions adamax;
  EXPECT_EQ(adamax.b1, 0.9);
  EXPECT_EQ(adamax.b2, 0.999);
  EXPECT_EQ(adamax.eps, 1e-8);
  EXPECT_EQ(optim::AdamaxWOptions{}.weight_decay.value(), 1e-4);
  const optim::AmsgradOptions amsgrad;
  EXPECT_EQ(amsgrad.eps_root, 0.0);
  EXPECT_TRUE(amsgrad.bias_correction_mu);
  EXPECT_TRUE(amsgrad.bias_correction_nu);
  EXPECT_EQ(optim::RAdamOptions{}.threshold, 5.0);
  const optim::AdaBeliefOptions adabelief;
  EXPECT_EQ(adabelief.eps, 1e-16);
  EXPECT_EQ(adabelief.eps_root, 1e-16);
  EXPECT_FALSE(adabelief.weight_decay.has_value());
  EXPECT_EQ(optim::ScaleByBeliefOptions{}.eps_root, 1e-16);
  EXPECT_EQ(optim::YogiOptions{}.eps, 1e-3);
  EXPECT_EQ(optim::ScaleByYogiOptions{}.initial_accumulator_value, 1e-6);
  const optim::AdadeltaOptions adadelta;
  EXPECT_EQ(adadelta.rho, 0.9);
  EXPECT_EQ(adadelta.eps, 1e-6);
  EXPECT_EQ(adadelta.weight_decay.value(), 0.0);
  const optim::NovogradOptions novograd;
  EXPECT_EQ(novograd.b2, 0.25);
  EXPECT_EQ(novograd.eps, 1e-6);  // the block's is 1e-8
  EXPECT_EQ(optim::ScaleByNovogradOptions{}.eps, 1e-8);
  EXPECT_EQ(optim::LambOptions{}.eps, 1e-6);
  const optim::LarsOptions lars;
  EXPECT_EQ(lars.trust_coefficient, 0.001);
  EXPECT_EQ(lars.momentum, 0.9);
  EXPECT_EQ(lars.weight_decay.value(), 0.0);
  EXPECT_FALSE(lars.nesterov);
  EXPECT_EQ(optim::SignumOptions{}.beta, 0.9);
  const optim::RpropOptions rprop;
  EXPECT_EQ(rprop.eta_minus, 0.5);
  EXPECT_EQ(rprop.eta_plus, 1.2);
  EXPECT_EQ(rprop.min_step_size, 1e-6);
  EXPECT_EQ(rprop.max_step_size, 50.0);
  const optim::AdanOptions adan;
  EXPECT_EQ(adan.b1, 0.98);
  EXPECT_EQ(adan.b2, 0.92);
  EXPECT_EQ(adan.b3, 0.99);
  EXPECT_EQ(adan.eps_root, 1e-8);  // the block's is 0
  EXPECT_EQ(optim::ScaleByAdanOptions{}.eps_root, 0.0);
  EXPECT_EQ(optim::FromageOptions{}.min_norm, 1e-6);
  const optim::NoisySgdOptions noisy;
  EXPECT_EQ(noisy.eta, 0.01);
  EXPECT_EQ(noisy.gamma, 0.55);
  EXPECT_EQ(std::get<std::int64_t>(noisy.key), 0);
  const optim::OptimisticGradientDescentOptions optimistic;
  EXPECT_EQ(optimistic.alpha, 1.0);
  EXPECT_EQ(optimistic.beta, 1.0);
  EXPECT_TRUE(optim::EmaOptions{}.debias);
  const optim::ScaleByTrustRatioOptions trust;
  EXPECT_EQ(trust.min_norm, 0.0);
  EXPECT_EQ(trust.trust_coefficient, 1.0);
  EXPECT_EQ(trust.eps, 0.0);
}

TEST(OptimAdaptive, AliasesAreChainsOfBuildingBlocks) {
  EXPECT_EQ(optim::adamax(1e-3).name(), "chain(scale_by_adamax, scale_by_learning_rate)");
  EXPECT_EQ(optim::adamaxw(1e-3).name(), "chain(scale_by_adamax, add_decayed_weights, scale_by_learning_rate)");
  EXPECT_EQ(optim::amsgrad(1e-3).name(), "chain(scale_by_amsgrad, scale_by_learning_rate)");
  EXPECT_EQ(optim::nadam(1e-3).name(), "chain(scale_by_adam, scale_by_learning_rate)");
  EXPECT_EQ(optim::nadamw(1e-3).name(), "chain(scale_by_adam, add_decayed_weights, scale_by_learning_rate)");
  EXPECT_EQ(optim::radam(1e-3).name(), "chain(scale_by_radam, scale_by_learning_rate)");
  EXPECT_EQ(optim::adabelief(1e-3).name(), "chain(scale_by_belief, scale_by_learning_rate)");
  EXPECT_EQ(optim::adabelief(1e-3, {.weight_decay = 0.1, .weight_decay_mask = optim::not_named({"b"})}).name(),
            "chain(scale_by_belief, masked(add_decayed_weights), scale_by_learning_rate)");
  EXPECT_EQ(optim::yogi(1e-3).name(), "chain(scale_by_yogi, scale_by_learning_rate)");
  EXPECT_EQ(optim::adan(1e-3).name(), "chain(scale_by_adan, add_decayed_weights, scale_by_learning_rate)");
  EXPECT_EQ(optim::lamb(1e-3).name(),
            "chain(scale_by_adam, add_decayed_weights, scale_by_trust_ratio, scale_by_learning_rate)");
  EXPECT_EQ(optim::lars(0.1).name(),
            "chain(masked(add_decayed_weights), masked(scale_by_trust_ratio), scale_by_learning_rate, trace)");
  EXPECT_EQ(optim::novograd(1e-3).name(), "chain(scale_by_novograd, scale_by_learning_rate)");
  EXPECT_EQ(optim::fromage(1e-3).name(), "chain(scale_by_trust_ratio, scale_by_learning_rate, add_decayed_weights)");
  EXPECT_EQ(optim::adadelta(1.0).name(), "chain(add_decayed_weights, scale_by_adadelta, scale_by_learning_rate)");
  EXPECT_EQ(optim::adadelta().name(), "chain(add_decayed_weights, scale_by_adadelta, identity)");
  EXPECT_EQ(optim::rprop(1e-3).name(), "chain(scale_by_rprop, scale)");
  EXPECT_EQ(optim::sign_sgd(1e-3).name(), "chain(scale_by_sign, scale_by_learning_rate)");
  EXPECT_EQ(optim::signum(1e-3).name(), "chain(ema, scale_by_sign, scale_by_learning_rate)");
  EXPECT_EQ(optim::noisy_sgd(1e-3).name(), "chain(add_noise, scale_by_learning_rate)");
  EXPECT_EQ(optim::optimistic_gradient_descent(1e-3).name(),
            "chain(scale_by_optimistic_gradient, scale_by_learning_rate)");
  // nadam is adam with nesterov, whatever the options say.
  EXPECT_EQ(
      optim::nadam(0.1, {.nesterov = false})
          .update(grads(), optim::nadam(0.1).init(params()))
          .first.w.to_vector<float>(),
      optim::adam(0.1, {.nesterov = true}).update(grads(), optim::adam(0.1).init(params())).first.w.to_vector<float>());
}

// The same computation, step for step: an alias and the chain it names give identical updates.
void expect_same_trajectory(const optim::GradientTransformation& alias, const optim::GradientTransformation& blocks) {
  SCOPED_TRACE(alias.name());
  Params p = params(), q = params();
  optim::OptState s = alias.init(p), t = blocks.init(q);
  EXPECT_EQ(jx::tree::structure(s), jx::tree::structure(t));
  for (int step = 0; step < 3; ++step) {
    const Params g{jnp::full({2, 3}, 0.5f - 0.4f * static_cast<float>(step)) + p.w * 0.1f,
                   jnp::full({3}, -1.0f + 0.7f * static_cast<float>(step))};
    auto [u, next_s] = alias.update(g, s, p);
    auto [v, next_t] = blocks.update(g, t, q);
    EXPECT_EQ(u.w.to_vector<float>(), v.w.to_vector<float>()) << "step " << step;
    EXPECT_EQ(u.b.to_vector<float>(), v.b.to_vector<float>()) << "step " << step;
    p = optim::apply_updates(p, u), q = optim::apply_updates(q, v);
    s = next_s, t = next_t;
  }
}

TEST(OptimAdaptive, AliasesComputeTheirChains) {
  const auto no_bias = optim::not_named({"b"});
  const auto lr = optim::linear_schedule(0.1, 0.01, 4);
  expect_same_trajectory(optim::adamaxw(lr, {.b1 = 0.8, .weight_decay = 0.1, .mask = no_bias}),
                         optim::chain(optim::scale_by_adamax({.b1 = 0.8}), optim::add_decayed_weights(0.1, no_bias),
                                      optim::scale_by_learning_rate(lr)));
  expect_same_trajectory(optim::nadamw(0.01, {.weight_decay = 0.1}),
                         optim::chain(optim::scale_by_adam({.nesterov = true}), optim::add_decayed_weights(0.1),
                                      optim::scale_by_learning_rate(0.01)));
  expect_same_trajectory(optim::lamb(lr, {.weight_decay = 0.1}),
                         optim::chain(optim::scale_by_adam({.eps = 1e-6}), optim::add_decayed_weights(0.1),
                                      optim::scale_by_trust_ratio(), optim::scale_by_learning_rate(lr)));
  const auto everything = [](const jx::tree::KeyPath&, const Array&) { return true; };
  expect_same_trajectory(optim::lars(0.5, {.weight_decay = 0.01, .trust_ratio_mask = no_bias, .nesterov = true}),
                         optim::chain(optim::masked(optim::add_decayed_weights(0.01), everything),
                                      optim::masked(optim::scale_by_trust_ratio({.trust_coefficient = 0.001}), no_bias),
                                      optim::scale_by_learning_rate(0.5), optim::trace(0.9, {.nesterov = true})));
  expect_same_trajectory(
      optim::adadelta(lr, {.weight_decay = 0.1}),
      optim::chain(optim::add_decayed_weights(0.1), optim::scale_by_adadelta(), optim::scale_by_learning_rate(lr)));
  expect_same_trajectory(
      optim::signum(0.01, {.beta = 0.5}),
      optim::chain(optim::ema(0.5, {.debias = false}), optim::scale_by_sign(), optim::scale_by_learning_rate(0.01)));
  expect_same_trajectory(optim::rprop(0.01), optim::chain(optim::scale_by_rprop(0.01), optim::scale(-1.0)));
  expect_same_trajectory(optim::noisy_sgd(0.01, {.key = 3}),
                         optim::chain(optim::add_noise(0.01, 0.55, 3), optim::scale_by_learning_rate(0.01)));
  expect_same_trajectory(optim::adan(0.01, {.weight_decay = 0.1, .mask = no_bias}),
                         optim::chain(optim::scale_by_adan({.eps_root = 1e-8}),
                                      optim::add_decayed_weights(0.1, no_bias), optim::scale_by_learning_rate(0.01)));
}

std::vector<std::string> keys(const optim::OptState& state) {
  std::vector<std::string> names;
  for (const auto& [key, value] : state.as_dict()) names.push_back(key);
  return names;
}

TEST(OptimAdaptive, StatesAreNamedAsOptaxNamesThem) {
  using Names = std::vector<std::string>;
  const Params p = params();
  EXPECT_EQ(keys(optim::scale_by_adamax().init(p)), (Names{"count", "mu", "nu"}));
  EXPECT_EQ(keys(optim::scale_by_amsgrad().init(p)), (Names{"count", "mu", "nu", "nu_max"}));
  EXPECT_EQ(keys(optim::scale_by_radam().init(p)), (Names{"count", "mu", "nu"}));
  EXPECT_EQ(keys(optim::scale_by_belief().init(p)), (Names{"count", "mu", "nu"}));
  EXPECT_EQ(keys(optim::scale_by_yogi().init(p)), (Names{"count", "mu", "nu"}));
  EXPECT_EQ(keys(optim::scale_by_adan().init(p)), (Names{"g", "m", "n", "t", "v"}));
  EXPECT_EQ(keys(optim::scale_by_novograd().init(p)), (Names{"count", "mu", "nu"}));
  EXPECT_EQ(keys(optim::scale_by_adadelta().init(p)), (Names{"e_g", "e_x"}));
  EXPECT_EQ(keys(optim::scale_by_rprop(0.1).init(p)), (Names{"prev_updates", "step_sizes"}));
  EXPECT_EQ(keys(optim::scale_by_optimistic_gradient().init(p)), (Names{"is_initial_step", "previous_gradient"}));
  EXPECT_EQ(keys(optim::ema(0.9).init(p)), (Names{"count", "ema"}));
  EXPECT_EQ(keys(optim::add_noise(0.01, 0.55).init(p)), (Names{"count", "rng_key"}));
  EXPECT_TRUE(optim::scale_by_trust_ratio().init(p).is_none());
  EXPECT_TRUE(optim::scale_by_sign().init(p).is_none());
  // Initial values as Optax sets them.
  const optim::OptState yogi = optim::scale_by_yogi().init(p);
  EXPECT_EQ(yogi["mu"]["w"].array()(0, 0).item<float>(), 1e-6f);
  EXPECT_EQ(yogi["nu"]["b"].array()[2].item<float>(), 1e-6f);
  EXPECT_EQ(optim::scale_by_rprop(0.25).init(p)["step_sizes"]["w"].array()(1, 2).item<float>(), 0.25f);
  EXPECT_TRUE(optim::scale_by_optimistic_gradient().init(p)["is_initial_step"].array().item<bool>());
  EXPECT_EQ(optim::scale_by_adan().init(p)["t"].array().dtype(), jx::int32);
  // NovoGrad's second moment is one scalar per layer.
  const optim::OptState novograd = optim::scale_by_novograd().init(p);
  EXPECT_EQ(novograd["nu"]["w"].array().shape(), jx::Shape({}));
  EXPECT_EQ(novograd["mu"]["w"].array().shape(), jx::Shape({2, 3}));
  // Optax's lars masks both parts even by default, so its state has their inner states.
  EXPECT_EQ(optim::lars(0.1).init(p).to_string(),
            "[{'inner_state': None}, {'inner_state': None}, None, {'trace': {'b': f32[3], 'w': f32[2,3]}}]");
  // The key is a PRNG key array, the seed's.
  const optim::OptState noise = optim::add_noise(0.01, 0.55, 42).init(p);
  EXPECT_EQ(noise["rng_key"].array().dtype(), jx::random::key_dtype());
  EXPECT_EQ(jx::random::key_data(jx::Key(noise["rng_key"].array())).to_vector<std::uint32_t>(),
            jx::random::key_data(jx::random::PRNGKey(42)).to_vector<std::uint32_t>());
}

TEST(OptimAdaptive, AccumulatorDtypes) {
  // mu_dtype / accumulator_dtype choose the stored moment's dtype; the others keep the parameters'.
  const auto amsgrad = optim::scale_by_amsgrad({.mu_dtype = jx::bfloat16});
  auto [updates, state] = amsgrad.update(grads(), amsgrad.init(params()));
  EXPECT_EQ(state["mu"]["w"].array().dtype(), jx::bfloat16);
  EXPECT_EQ(state["nu_max"]["w"].array().dtype(), jx::float32);
  EXPECT_EQ(updates.w.dtype(), jx::float32);
  const auto novograd = optim::scale_by_novograd({.mu_dtype = jx::bfloat16});
  const optim::OptState next = novograd.update(grads(), novograd.init(params()), params()).second;
  EXPECT_EQ(next["mu"]["b"].array().dtype(), jx::bfloat16);
  EXPECT_EQ(next["nu"]["b"].array().dtype(), jx::float32);
  const auto signum = optim::signum(0.1, {.accumulator_dtype = jx::bfloat16});
  EXPECT_EQ(signum.update(grads(), signum.init(params())).second[0]["ema"]["w"].array().dtype(), jx::bfloat16);
  // Gradients of another dtype than the parameters leave the state's dtypes as init made them.
  const Params bf16_grads{grads().w.astype(jx::bfloat16), grads().b.astype(jx::bfloat16)};
  for (const auto& opt : {optim::adan(0.1), optim::rprop(0.1), optim::optimistic_gradient_descent(0.1),
                          optim::adamax(0.1), optim::yogi(0.1)}) {
    const optim::OptState initial = opt.init(params());
    const optim::OptState after = opt.update(bf16_grads, initial, params()).second;
    const auto [before_leaves, before_structure] = jx::tree::flatten(initial);
    const auto [after_leaves, after_structure] = jx::tree::flatten(after);
    ASSERT_EQ(before_structure, after_structure) << opt.name();
    for (std::size_t i = 0; i < before_leaves.size(); ++i)
      EXPECT_EQ(after_leaves[i].dtype(), before_leaves[i].dtype()) << opt.name() << " leaf " << i;
  }
}

// --- Hand-checked first steps ------------------------------------------------------------------------

TEST(OptimAdaptive, FirstStepsByHand) {
  const Array g = jnp::array({1.0f, -2.0f, 0.0f});
  const Array p = jnp::array({3.0f, 4.0f, 0.0f});
  // Adamax: m_hat = g, u = |g| + eps, so about -lr sign(g).
  EXPECT_NEAR(optim::adamax(0.1).update(g, optim::adamax(0.1).init(p)).first[1].item<float>(), 0.1f, 1e-7f);
  // RAdam before rectification is momentum: the first update is -lr g.
  const std::vector<float> radam = optim::radam(0.1).update(g, optim::radam(0.1).init(p)).first.to_vector<float>();
  EXPECT_NEAR(radam[0], -0.1f, 1e-7f);
  EXPECT_NEAR(radam[1], 0.2f, 1e-7f);
  EXPECT_EQ(radam[2], 0.0f);
  // Adadelta without a learning rate goes with the gradient: sqrt(eps) / sqrt(0.1 g^2 + eps) g.
  const auto adadelta = optim::adadelta();
  EXPECT_NEAR(adadelta.update(g, adadelta.init(p), p).first[0].item<float>(), 1e-3 / std::sqrt(0.1 + 1e-6), 1e-8);
  // Rprop's updates lag one step behind the steps it keeps, as Optax's do: nothing at first, then the
  // first step, -learning_rate sign(g).
  const auto rprop = optim::rprop(0.5);
  auto [first, rprop_state] = rprop.update(g, rprop.init(p));
  EXPECT_EQ(first.to_vector<float>(), std::vector<float>(3, 0.0f));
  EXPECT_EQ(rprop.update(g, rprop_state).first.to_vector<float>(), (std::vector<float>{-0.5f, 0.5f, 0.0f}));
  // The optimistic gradient has no previous gradient at first: -lr alpha g.
  const auto ogd = optim::optimistic_gradient_descent(0.1, {.alpha = 2.0, .beta = 3.0});
  EXPECT_EQ(ogd.update(g, ogd.init(p)).first.to_vector<float>(), (std::vector<float>{-0.2f, 0.4f, 0.0f}));
  // LAMB's first Adam step is about sign(g); the trust ratio rescales it to ||p|| / ||sign(g)|| = 5 / sqrt(2).
  EXPECT_NEAR(optim::lamb(0.1).update(g, optim::lamb(0.1).init(p), p).first[0].item<float>(),
              -0.1 * 5.0 / std::sqrt(2.0), 1e-5);
  // Fromage: c (p - lr ||p|| / ||g|| g) - p with c = 1 / sqrt(1 + lr^2).
  const double c = 1 / std::sqrt(1.01);
  EXPECT_NEAR(optim::fromage(0.1).update(g, optim::fromage(0.1).init(p), p).first[1].item<float>(),
              c * (4.0 - 0.1 * 5.0 / std::sqrt(5.0) * -2.0) - 4.0, 1e-6);
}

// --- Gradient noise -------------------------------------------------------------------------------

TEST(OptimAdaptive, NoiseIsGaussianAndAnnealed) {
  // Zero gradients: the updates are the noise, N(0, eta / t^gamma) at step t.
  const Array zeros = jnp::zeros({200000});
  const auto noise = optim::add_noise(0.04, 0.5, 11);
  optim::OptState state = noise.init(zeros);
  for (int t = 1; t <= 3; ++t) {
    auto [u, next] = noise.update(zeros, state);
    state = next;
    const double expected_std = std::sqrt(0.04 / std::pow(t, 0.5));
    EXPECT_NEAR(jnp::mean(u).item<float>(), 0.0, 5 * expected_std / std::sqrt(200000.0)) << t;
    EXPECT_NEAR(jnp::std(u).item<float>(), expected_std, 0.01 * expected_std) << t;
    EXPECT_EQ(state["count"].array().item<int>(), t);
  }
  // eta = 0 is plain SGD, exactly.
  const Params p = params();
  const auto quiet = optim::noisy_sgd(0.1, {.eta = 0.0});
  EXPECT_EQ(quiet.update(grads(), quiet.init(p)).first.w.to_vector<float>(),
            optim::sgd(0.1).update(grads(), optim::sgd(0.1).init(p)).first.w.to_vector<float>());
}

TEST(OptimAdaptive, NoiseFollowsOptaxsKeySchedule) {
  // Each step splits the key into (next key, sampling key) and the sampling key into one key per leaf
  // of the updates; a seed is the key PRNGKey makes of it.
  const Params zeros{jnp::zeros({2, 3}), jnp::zeros({3})};
  const auto from_seed = optim::add_noise(1.0, 0.0, 5);
  const auto from_key = optim::add_noise(1.0, 0.0, jx::random::PRNGKey(5));
  auto [seeded, seeded_state] = from_seed.update(zeros, from_seed.init(zeros));
  auto [keyed, keyed_state] = from_key.update(zeros, from_key.init(zeros));
  EXPECT_EQ(seeded.w.to_vector<float>(), keyed.w.to_vector<float>());
  auto [next_key, sample_key] = jx::random::split(jx::random::PRNGKey(5));
  const jx::Key leaf_keys = jx::random::split(sample_key, 2);  // w, b: the struct's flattening order
  EXPECT_EQ(seeded.w.to_vector<float>(), jx::random::normal(leaf_keys[0], {2, 3}).to_vector<float>());
  EXPECT_EQ(seeded.b.to_vector<float>(), jx::random::normal(leaf_keys[1], {3}).to_vector<float>());
  EXPECT_EQ(jx::random::key_data(jx::Key(seeded_state["rng_key"].array())).to_vector<std::uint32_t>(),
            jx::random::key_data(next_key).to_vector<std::uint32_t>());
  // A masked-out leaf is no leaf: the one that remains gets the first key.
  const auto masked = optim::masked(optim::add_noise(1.0, 0.0, 5), optim::not_named({"b"}));
  auto [masked_updates, masked_state] = masked.update(zeros, masked.init(zeros));
  EXPECT_EQ(masked_updates.b.to_vector<float>(), std::vector<float>(3, 0.0f));
  auto [unused_key, same_sample_key] = jx::random::split(jx::random::PRNGKey(5));  // fresh keys, no reuse
  EXPECT_EQ(masked_updates.w.to_vector<float>(),
            jx::random::normal(jx::random::split(same_sample_key, 1)[0], {2, 3}).to_vector<float>());
}

// --- Under jit ------------------------------------------------------------------------------------

Array loss(const Params& p, const Array& x, const Array& y) {
  return jnp::mean(jnp::square(jnp::matmul(x, p.w) + p.b - y));
}

std::vector<optim::GradientTransformation> every_optimizer() {
  const auto lr = optim::warmup_cosine_decay_schedule(0.0, 0.05, 5, 100);
  const auto no_bias = optim::not_named({"b"});
  return {optim::adamax(lr),
          optim::adamaxw(0.05, {.weight_decay = 1e-3, .mask = no_bias}),
          optim::amsgrad(0.05),
          optim::nadam(0.05),
          optim::nadamw(lr),
          optim::radam(0.05, {.nesterov = true}),
          optim::adabelief(0.05, {.weight_decay = 1e-3}),
          optim::yogi(0.05),
          optim::adadelta(1.0, {.weight_decay = optim::linear_schedule(1e-3, 0.0, 50)}),
          optim::novograd(0.05, {.weight_decay = 1e-3}),
          optim::lamb(lr, {.weight_decay = 1e-3, .mask = no_bias}),
          optim::lars(0.1, {.weight_decay = 1e-4, .trust_ratio_mask = no_bias}),
          optim::sign_sgd(0.01),
          optim::signum(0.01),
          optim::rprop(0.01),
          optim::adan(0.05),
          optim::fromage(lr),
          optim::noisy_sgd(0.05, {.eta = 1e-4, .key = 1}),
          optim::optimistic_gradient_descent(0.05)};
}

TEST(OptimAdaptive, JittedTrainStepsTraceOnceAndDescend) {
  auto [k1, k2] = jx::random::split(jx::random::PRNGKey(0));
  const Array x = jx::random::normal(k1, {32, 3});
  const Array y = jnp::matmul(x, jnp::array({{1.0f}, {-2.0f}, {0.5f}})) + 0.7f;
  const Params initial{jx::random::normal(k2, {3, 1}) * 0.1f, jnp::zeros({1})};
  for (const optim::GradientTransformation& opt : every_optimizer()) {
    SCOPED_TRACE(opt.name());
    Params p = initial;
    optim::OptState state = opt.init(p);
    // The state is a pytree of arrays that an update keeps exactly (shapes, dtypes, weak flags), so
    // that jit takes and returns it without retracing.
    const auto [leaves, structure] = jx::tree::flatten(state);
    EXPECT_TRUE(structure.statics().empty());
    const optim::OptState once = opt.update(jx::grad(loss)(p, x, y), state, p).second;
    const auto [once_leaves, once_structure] = jx::tree::flatten(once);
    ASSERT_EQ(once_structure, structure);
    for (std::size_t i = 0; i < leaves.size(); ++i) EXPECT_EQ(once_leaves[i].type(), leaves[i].type()) << i;
    auto train_step = jx::jit([opt](const Params& params, const optim::OptState& s, const Array& xs, const Array& ys) {
      auto [value, g] = jx::value_and_grad(loss)(params, xs, ys);
      auto [updates, next] = opt.update(g, s, params);
      return std::tuple{optim::apply_updates(params, updates), next, value};
    });
    Array first_loss, value;
    for (int step = 0; step < 60; ++step) {
      std::tie(p, state, value) = train_step(std::move(p), std::move(state), x, y);
      if (step == 0) first_loss = value;
    }
    EXPECT_EQ(train_step.trace_count(), 1u);
    EXPECT_LT(value.item<float>(), first_loss.item<float>());
  }
}

// --- Bad input --------------------------------------------------------------------------------------

TEST(OptimAdaptive, TransformationsThatReadTheParametersNeedThem) {
  for (const auto& opt : {optim::scale_by_trust_ratio(), optim::scale_by_novograd(), optim::lamb(0.1), optim::lars(0.1),
                          optim::fromage(0.1), optim::novograd(0.1)}) {
    try {
      opt.update(grads(), opt.init(params()));
      ADD_FAILURE() << opt.name() << " ran without the parameters";
    } catch (const jx::ValueError& e) {
      EXPECT_NE(std::string(e.what()).find("needs the parameters"), std::string::npos) << e.what();
      EXPECT_NE(e.where().find("adaptive_test.cpp"), std::string::npos) << e.where();
    }
  }
}

TEST(OptimAdaptive, StatesOfOtherParametersAreRefused) {
  for (const auto& opt : every_optimizer()) {
    SCOPED_TRACE(opt.name());
    EXPECT_THROW(opt.update(grads(), optim::OptState::none(), params()), jx::TreeError);
    // sign_sgd, fromage and noisy_sgd keep nothing per parameter: any parameters' state fits them.
    const optim::OptState other = opt.init(jnp::ones({3}));
    bool per_parameter = false;
    for (const Array& leaf : jx::tree::leaves(other)) per_parameter = per_parameter || leaf.shape() == jx::Shape({3});
    if (per_parameter) {
      EXPECT_THROW(opt.update(grads(), other, params()), jx::TreeError);
    }
  }
  // A state that lacks a field, or holds the wrong kind of value in it.
  const optim::OptState adan = optim::scale_by_adan().init(params());
  optim::OptState no_count = adan;
  no_count.as_dict().erase("t");
  EXPECT_THROW(optim::scale_by_adan().update(grads(), no_count), jx::TreeError);
  optim::OptState no_key = optim::add_noise(0.1, 0.5).init(params());
  no_key.as_dict()["rng_key"] = Tree(jnp::zeros({2}, jx::uint32));
  try {
    optim::add_noise(0.1, 0.5).update(grads(), no_key);
    ADD_FAILURE() << "a raw uint32 array was taken for a key";
  } catch (const jx::TreeError& e) {
    EXPECT_NE(std::string(e.what()).find("not a PRNG key"), std::string::npos) << e.what();
  }
  const optim::OptState optimistic = optim::scale_by_optimistic_gradient().init(params());
  optim::OptState not_an_array = optimistic;
  not_an_array.as_dict()["is_initial_step"] = Tree::none();
  EXPECT_THROW(optim::scale_by_optimistic_gradient().update(grads(), not_an_array), jx::TreeError);
}

TEST(OptimAdaptive, GradientsOfAnotherShapeAreAShapeError) {
  const Params wrong{jnp::ones({3, 2}), jnp::ones({3})};
  const auto opt = optim::lamb(0.1);
  EXPECT_THROW(opt.update(wrong, opt.init(params()), params()), jx::ShapeError);
}

}  // namespace
