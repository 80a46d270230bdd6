// jx/optim/factored.h (adafactor, sm3 and their blocks), step_size.h (optimistic_adam, distance over
// gradients), clipping.h (clip, clip_by_block_rms, adaptive_grad_clip, centralize,
// normalize_by_update_norm, zero_nans, apply_every) and the cyclic schedules against the oracle of
// tools/optax_more_oracle.py (tests/data/optax_more_oracle.json: each block written from Optax's
// algorithm, each alias as the chain Optax makes of them), replayed eagerly and under jit.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "jx/optim/clipping.h"
#include "jx/optim/factored.h"
#include "jx/optim/step_size.h"
#include "optim/optax_oracle.h"

namespace {

using namespace optim_oracle;

const json& more_oracle() {
  static const json data = [] {
    std::ifstream file(std::string(JX_TEST_DATA_DIR) + "/optax_more_oracle.json");
    return file ? json::parse(file) : json::object({{"optimizers", json::array()}, {"schedules", json::array()}});
  }();
  return data;
}

optim::GradientTransformation more_transform_from(const json& spec) {
  const std::string name = spec.at("name");
  const json empty = json::object();
  const json& args = spec.contains("args") ? spec.at("args") : empty;
  const std::set<std::string> more = {"chain",
                                      "adafactor",
                                      "scale_by_factored_rms",
                                      "sm3",
                                      "scale_by_sm3",
                                      "scale_by_param_block_norm",
                                      "scale_by_param_block_rms",
                                      "optimistic_adam",
                                      "optimistic_adam_v2",
                                      "scale_by_distance_over_gradients",
                                      "clip",
                                      "clip_by_block_rms",
                                      "adaptive_grad_clip",
                                      "centralize",
                                      "normalize_by_update_norm",
                                      "zero_nans",
                                      "apply_every"};
  if (!more.count(name)) return transform_from(spec);  // scale, sgd, scale_by_adam, ...
  Keywords k(name, args);
  if (name == "chain") {
    std::vector<optim::GradientTransformation> parts;
    for (const json& part : k.get("transformations")) parts.push_back(more_transform_from(part));
    return optim::chain(std::move(parts));
  }
  if (name == "adafactor") {
    optim::AdafactorOptions o;
    std::optional<optim::ScalarOrSchedule> learning_rate;
    k.read("learning_rate", learning_rate);
    k.read("min_dim_size_to_factor", o.min_dim_size_to_factor), k.read("decay_rate", o.decay_rate);
    k.read("decay_offset", o.decay_offset), k.read("multiply_by_parameter_scale", o.multiply_by_parameter_scale);
    k.read("clipping_threshold", o.clipping_threshold), k.read("momentum", o.momentum);
    k.read("weight_decay_rate", o.weight_decay_rate), k.read("eps", o.eps), k.read("factored", o.factored);
    k.read("weight_decay_mask", o.weight_decay_mask);
    return optim::adafactor(learning_rate, o);
  }
  if (name == "scale_by_factored_rms") {
    optim::ScaleByFactoredRmsOptions o;
    k.read("factored", o.factored), k.read("decay_rate", o.decay_rate), k.read("step_offset", o.step_offset);
    k.read("min_dim_size_to_factor", o.min_dim_size_to_factor), k.read("epsilon", o.epsilon);
    return optim::scale_by_factored_rms(o);
  }
  if (name == "sm3") {
    optim::Sm3Options o;
    k.read("momentum", o.momentum);
    return optim::sm3(k.get("learning_rate").get<double>(), o);
  }
  if (name == "scale_by_sm3") {
    optim::ScaleBySm3Options o;
    k.read("b1", o.b1), k.read("b2", o.b2), k.read("eps", o.eps);
    return optim::scale_by_sm3(o);
  }
  if (name == "scale_by_param_block_norm" || name == "scale_by_param_block_rms") {
    double min_scale = 1e-3;
    k.read("min_scale", min_scale);
    return name == "scale_by_param_block_norm" ? optim::scale_by_param_block_norm(min_scale)
                                               : optim::scale_by_param_block_rms(min_scale);
  }
  if (name == "optimistic_adam") {
    optim::OptimisticAdamOptions o;
    k.read("optimism", o.optimism), k.read("b1", o.b1), k.read("b2", o.b2), k.read("eps", o.eps);
    k.read("eps_root", o.eps_root), k.read("nesterov", o.nesterov);
    return optim::optimistic_adam(k.get("learning_rate").get<double>(), o);
  }
  if (name == "optimistic_adam_v2") {
    optim::OptimisticAdamV2Options o;
    k.read("alpha", o.alpha), k.read("beta", o.beta), k.read("b1", o.b1), k.read("b2", o.b2), k.read("eps", o.eps);
    k.read("eps_root", o.eps_root), k.read("nesterov", o.nesterov);
    return optim::optimistic_adam_v2(scalar_or_schedule(k.get("learning_rate")), o);
  }
  if (name == "scale_by_distance_over_gradients") {
    optim::ScaleByDistanceOverGradientsOptions o;
    k.read("reps_rel", o.reps_rel), k.read("eps", o.eps), k.read("global_scale", o.global_scale);
    return optim::scale_by_distance_over_gradients(o);
  }
  if (name == "clip") return optim::clip(k.get("max_delta").get<double>());
  if (name == "clip_by_block_rms") return optim::clip_by_block_rms(k.get("threshold").get<double>());
  if (name == "adaptive_grad_clip") {
    optim::AdaptiveGradClipOptions o;
    k.read("eps", o.eps);
    return optim::adaptive_grad_clip(k.get("clipping").get<double>(), o);
  }
  if (name == "centralize") return optim::centralize();
  if (name == "normalize_by_update_norm") {
    optim::NormalizeByUpdateNormOptions o;
    k.read("scale_factor", o.scale_factor), k.read("eps", o.eps);
    return optim::normalize_by_update_norm(o);
  }
  if (name == "zero_nans") return optim::zero_nans();
  std::int64_t every = 1;
  k.read("k", every);
  return optim::apply_every(every);
}

// JSON has no NaN: the case's "nan_entries" [step, leaf, flat index] are put into its gradients here.
json with_nans(json c) {
  if (c.contains("nan_entries"))
    for (const json& entry : c.at("nan_entries"))
      c["grads"][entry[0].get<std::size_t>()][entry[1].get<std::string>()]["data"][entry[2].get<std::size_t>()] =
          std::numeric_limits<double>::quiet_NaN();
  return c;
}

void replay_more_family(const std::string& family) {
  std::size_t replayed = 0;
  for (const json& c : more_oracle().at("optimizers")) {
    if (c.at("family") != family) continue;
    optim_oracle::replay(with_nans(c), more_transform_from);
    ++replayed;
  }
  EXPECT_GT(replayed, 0u) << "no '" << family << "' cases in tests/data/optax_more_oracle.json";
}

TEST(OptimMoreOracle, FactoredOptimizersMatchTheOracle) { replay_more_family("factored"); }

TEST(OptimMoreOracle, StepSizesMatchTheOracle) { replay_more_family("step_size"); }

TEST(OptimMoreOracle, ClippingMatchesTheOracle) { replay_more_family("clipping"); }

optim::Schedule more_schedule_from(const json& spec) {
  const std::string name = spec.at("schedule");
  Keywords k(name, spec.at("args"));
  auto boundaries = [&] {
    std::map<std::int64_t, double> result;
    if (k.has("boundaries_and_scales"))
      for (const json& pair : k.get("boundaries_and_scales")) result[pair[0].get<std::int64_t>()] = pair[1];
    return result;
  };
  if (name == "warmup_constant_schedule")
    return optim::warmup_constant_schedule(k.get("init_value"), k.get("peak_value"), k.get("warmup_steps"));
  if (name == "warmup_exponential_decay_schedule") {
    optim::ExponentialDecayOptions o;
    k.read("transition_begin", o.transition_begin), k.read("staircase", o.staircase), k.read("end_value", o.end_value);
    return optim::warmup_exponential_decay_schedule(k.get("init_value"), k.get("peak_value"), k.get("warmup_steps"),
                                                    k.get("transition_steps"), k.get("decay_rate"), o);
  }
  if (name == "piecewise_interpolate_schedule")
    return optim::piecewise_interpolate_schedule(k.get("interpolate_type").get<std::string>(), k.get("init_value"),
                                                 boundaries());
  if (name == "linear_onecycle_schedule") {
    optim::LinearOnecycleOptions o;
    k.read("pct_start", o.pct_start), k.read("pct_final", o.pct_final), k.read("div_factor", o.div_factor);
    k.read("final_div_factor", o.final_div_factor);
    return optim::linear_onecycle_schedule(k.get("transition_steps"), k.get("peak_value"), o);
  }
  if (name == "cosine_onecycle_schedule") {
    optim::CosineOnecycleOptions o;
    k.read("pct_start", o.pct_start), k.read("div_factor", o.div_factor);
    k.read("final_div_factor", o.final_div_factor);
    return optim::cosine_onecycle_schedule(k.get("transition_steps"), k.get("peak_value"), o);
  }
  if (name == "sgdr_schedule") {
    std::vector<optim::SgdrCycle> cycles;
    for (const json& kwargs : k.get("cosine_kwargs")) {
      Keywords cycle_keywords("sgdr_schedule's cosine_kwargs", kwargs);
      optim::SgdrCycle cycle;
      cycle_keywords.read("init_value", cycle.init_value), cycle_keywords.read("peak_value", cycle.peak_value);
      cycle_keywords.read("warmup_steps", cycle.warmup_steps), cycle_keywords.read("decay_steps", cycle.decay_steps);
      cycle_keywords.read("end_value", cycle.end_value), cycle_keywords.read("exponent", cycle.exponent);
      cycles.push_back(cycle);
    }
    return optim::sgdr_schedule(cycles);
  }
  ADD_FAILURE() << "no schedule " << name;
  return optim::constant_schedule(0);
}

TEST(OptimMoreOracle, CyclicSchedulesMatchTheOracle) {
  std::size_t replayed = 0;
  for (const json& c : more_oracle().at("schedules")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    ++replayed;
    const optim::Schedule schedule = more_schedule_from(c.at("schedule"));
    const std::vector<std::int64_t> steps = c.at("steps");
    const double rtol = c.at("rtol"), atol = c.at("atol");
    auto jitted = jx::jit([schedule](const Array& count) { return schedule(count); });
    for (std::size_t i = 0; i < steps.size(); ++i) {
      const double expected = c.at("values")[i];
      const Array from_int = schedule(static_cast<int>(steps[i]));
      const Array from_count = schedule(jnp::array(static_cast<int>(steps[i]), jx::int32));
      const Array from_jit = jitted(jnp::array(static_cast<int>(steps[i]), jx::int32));
      for (const Array& value : {from_int, from_count, from_jit}) {
        EXPECT_EQ(value.ndim(), 0);
        EXPECT_NEAR(value.item<double>(), expected, atol + rtol * std::abs(expected)) << "step " << steps[i];
      }
    }
    EXPECT_EQ(jitted.trace_count(), 1u);
  }
  EXPECT_GT(replayed, 0u) << "no schedule cases in tests/data/optax_more_oracle.json";
}

TEST(OptimMoreOracle, ZeroNansRecordsWhereItFoundThem) {
  // The state says, per leaf, whether the last update had a NaN (Optax's found_nan).
  const Tree params = Tree::dict({{"w", Tree(jnp::zeros({2, 2}))}, {"b", Tree(jnp::zeros({2}))}});
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Tree grads = Tree::dict({{"w", Tree(jnp::array(std::vector<float>{1.0f, nan, 2.0f, 3.0f}, jx::Shape{2, 2}))},
                                 {"b", Tree(jnp::array({1.0f, 2.0f}))}});
  const auto opt = optim::zero_nans();
  auto [updates, state] = opt.update(grads, opt.init(params));
  EXPECT_EQ(updates["w"].array().to_vector<float>(), (std::vector<float>{1.0f, 0.0f, 2.0f, 3.0f}));
  EXPECT_TRUE(state["found_nan"]["w"].array().item<bool>());
  EXPECT_FALSE(state["found_nan"]["b"].array().item<bool>());
}

}  // namespace
