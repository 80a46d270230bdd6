// The Optax oracle (tests/data/optax_oracle.json, from tools/optax_oracle.py) and how the optim tests
// replay it: each case's spec is read into jx::optim calls keyword by keyword (an unknown keyword
// fails the test, so the script and jx agree on Optax's names), then run for every step, eagerly and
// under jit, and compared with the float64 trajectory within the tolerances the case states.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "jx/numpy.h"
#include "jx/optim.h"
#include "jx/transforms/jit.h"
#include "jx/tree.h"

namespace optim_oracle {

namespace jnp = jx::numpy;
namespace optim = jx::optim;
using json = nlohmann::json;
using jx::Array;
using jx::tree::Tree;

inline const json& oracle() {
  static const json data = [] {
    std::ifstream file(std::string(JX_TEST_DATA_DIR) + "/optax_oracle.json");
    return file ? json::parse(file) : json::object({{"optimizers", json::array()}, {"schedules", json::array()}});
  }();
  return data;
}

// The cases of one family ("aliases", "scaling", "moments", "schedules").
inline std::vector<json> cases(const char* kind, const std::string& family) {
  std::vector<json> result;
  for (const json& c : oracle().at(kind))
    if (c.at("family") == family) result.push_back(c);
  return result;
}

inline optim::Schedule schedule_from(const json& spec);

inline optim::ScalarOrSchedule scalar_or_schedule(const json& value) {
  if (value.is_object()) return schedule_from(value);
  return value.get<double>();
}

inline optim::Schedule schedule_from(const json& spec) {
  const std::string name = spec.at("schedule");
  const json& args = spec.at("args");
  std::set<std::string> used;
  auto get = [&](const char* key) -> const json& {
    used.insert(key);
    return args.at(key);
  };
  auto optional = [&](const char* key, auto fallback) {
    return args.contains(key) ? get(key).get<decltype(fallback)>() : fallback;
  };
  optim::Schedule result = optim::constant_schedule(0);
  if (name == "constant_schedule") {
    result = optim::constant_schedule(get("value"));
  } else if (name == "polynomial_schedule") {
    result = optim::polynomial_schedule(get("init_value"), get("end_value"), get("power"), get("transition_steps"),
                                        {.transition_begin = optional("transition_begin", std::int64_t{0})});
  } else if (name == "linear_schedule") {
    result = optim::linear_schedule(get("init_value"), get("end_value"), get("transition_steps"),
                                    {.transition_begin = optional("transition_begin", std::int64_t{0})});
  } else if (name == "piecewise_constant_schedule") {
    std::map<std::int64_t, double> boundaries;
    if (args.contains("boundaries_and_scales"))
      for (const json& pair : get("boundaries_and_scales")) boundaries[pair[0].get<std::int64_t>()] = pair[1];
    result = optim::piecewise_constant_schedule(get("init_value"), boundaries);
  } else if (name == "exponential_decay") {
    optim::ExponentialDecayOptions options;
    options.transition_begin = optional("transition_begin", std::int64_t{0});
    options.staircase = optional("staircase", false);
    if (args.contains("end_value")) options.end_value = get("end_value").get<double>();
    result = optim::exponential_decay(get("init_value"), get("transition_steps"), get("decay_rate"), options);
  } else if (name == "cosine_decay_schedule") {
    result = optim::cosine_decay_schedule(get("init_value"), get("decay_steps"),
                                          {.alpha = optional("alpha", 0.0), .exponent = optional("exponent", 1.0)});
  } else if (name == "warmup_cosine_decay_schedule") {
    result = optim::warmup_cosine_decay_schedule(
        get("init_value"), get("peak_value"), get("warmup_steps"), get("decay_steps"),
        {.end_value = optional("end_value", 0.0), .exponent = optional("exponent", 1.0)});
  } else if (name == "join_schedules") {
    std::vector<optim::Schedule> parts;
    for (const json& part : get("schedules")) parts.push_back(schedule_from(part));
    result = optim::join_schedules(std::move(parts), get("boundaries").get<std::vector<std::int64_t>>());
  } else {
    ADD_FAILURE() << "no schedule " << name;
  }
  for (const auto& [key, value] : args.items())
    if (!used.count(key)) ADD_FAILURE() << name << ": jx has no keyword '" << key << "'";
  return result;
}

inline optim::Mask mask_from(const json& spec) {
  return optim::not_named(spec.at("not_named").get<std::vector<std::string>>());
}

// A spec's keyword arguments, read one by one: a keyword that jx does not read fails the test, so
// the generators and jx agree on Optax's names.
class Keywords {
 public:
  Keywords(std::string name, const json& args) : name_(std::move(name)), args_(args) {}
  Keywords(const Keywords&) = delete;
  Keywords& operator=(const Keywords&) = delete;
  ~Keywords() {
    for (const auto& [key, value] : args_.items())
      if (!used_.count(key)) ADD_FAILURE() << name_ << ": jx has no keyword '" << key << "'";
  }

  bool has(const char* key) const { return args_.contains(key); }
  const json& get(const char* key) {
    used_.insert(key);
    return args_.at(key);
  }
  template <class T>
  void read(const char* key, T& target) {
    if (has(key)) target = get(key).get<T>();
  }
  template <class T>
  void read(const char* key, std::optional<T>& target) {  // null: none, as Python's None
    if (has(key)) target = get(key).is_null() ? std::nullopt : std::optional<T>(get(key).get<T>());
  }
  void read(const char* key, std::optional<optim::ScalarOrSchedule>& target) {
    if (has(key)) target = scalar_or_schedule(get(key));
  }
  void read(const char* key, optim::Mask& target) {
    if (has(key)) target = mask_from(get(key));
  }
  void read(const char* key, optim::ScalarOrSchedule& target) {
    if (has(key)) target = scalar_or_schedule(get(key));
  }
  optim::ScalarOrSchedule learning_rate() { return scalar_or_schedule(get("learning_rate")); }

 private:
  std::string name_;
  const json& args_;
  std::set<std::string> used_;
};

inline optim::GradientTransformation transform_from(const json& spec) {
  const std::string name = spec.at("name");
  const json empty = json::object();
  const json& args = spec.contains("args") ? spec.at("args") : empty;
  std::set<std::string> used;
  auto get = [&](const char* key) -> const json& {
    used.insert(key);
    return args.at(key);
  };
  auto has = [&](const char* key) { return args.contains(key); };
  // Reads an option when present (marking it used); leaves the default otherwise.
  auto read = [&](const char* key, auto& target) {
    if (has(key)) target = get(key).get<std::remove_cvref_t<decltype(target)>>();
  };
  auto read_optional = [&](const char* key, std::optional<double>& target) {
    if (has(key) && !get(key).is_null()) target = get(key).get<double>();
  };
  auto read_mask = [&](optim::Mask& target) {
    if (has("mask") && !get("mask").is_null()) target = mask_from(args.at("mask"));
  };
  auto read_decay = [&](optim::ScalarOrSchedule& target) {
    if (has("weight_decay")) target = scalar_or_schedule(get("weight_decay"));
  };
  std::optional<optim::GradientTransformation> result;
  if (name == "chain") {
    std::vector<optim::GradientTransformation> parts;
    for (const json& part : get("transformations")) parts.push_back(transform_from(part));
    result = optim::chain(std::move(parts));
  } else if (name == "sgd") {
    optim::SgdOptions options;
    read_optional("momentum", options.momentum);
    read("nesterov", options.nesterov);
    result = optim::sgd(scalar_or_schedule(get("learning_rate")), options);
  } else if (name == "adam" || name == "scale_by_adam") {
    optim::AdamOptions options;
    read("b1", options.b1);
    read("b2", options.b2);
    read("eps", options.eps);
    read("eps_root", options.eps_root);
    read("nesterov", options.nesterov);
    result =
        name == "adam" ? optim::adam(scalar_or_schedule(get("learning_rate")), options) : optim::scale_by_adam(options);
  } else if (name == "adamw") {
    optim::AdamWOptions options;
    read("b1", options.b1);
    read("b2", options.b2);
    read("eps", options.eps);
    read("eps_root", options.eps_root);
    read_decay(options.weight_decay);
    read_mask(options.mask);
    read("nesterov", options.nesterov);
    result = optim::adamw(scalar_or_schedule(get("learning_rate")), options);
  } else if (name == "rmsprop") {
    optim::RmsPropOptions options;
    read("decay", options.decay);
    read("eps", options.eps);
    read("initial_scale", options.initial_scale);
    read("eps_in_sqrt", options.eps_in_sqrt);
    read("centered", options.centered);
    read_optional("momentum", options.momentum);
    read("nesterov", options.nesterov);
    read("bias_correction", options.bias_correction);
    result = optim::rmsprop(scalar_or_schedule(get("learning_rate")), options);
  } else if (name == "scale_by_rms" || name == "scale_by_stddev") {
    optim::ScaleByRmsOptions options;
    read("decay", options.decay);
    read("eps", options.eps);
    read("initial_scale", options.initial_scale);
    read("eps_in_sqrt", options.eps_in_sqrt);
    read("bias_correction", options.bias_correction);
    result = name == "scale_by_rms" ? optim::scale_by_rms(options) : optim::scale_by_stddev(options);
  } else if (name == "adagrad" || name == "scale_by_rss") {
    optim::AdagradOptions options;
    read("initial_accumulator_value", options.initial_accumulator_value);
    read("eps", options.eps);
    result = name == "adagrad" ? optim::adagrad(scalar_or_schedule(get("learning_rate")), options)
                               : optim::scale_by_rss(options);
  } else if (name == "lion") {
    optim::LionOptions options;
    read("b1", options.b1);
    read("b2", options.b2);
    read_decay(options.weight_decay);
    read_mask(options.mask);
    result = optim::lion(scalar_or_schedule(get("learning_rate")), options);
  } else if (name == "scale_by_lion") {
    optim::ScaleByLionOptions options;
    read("b1", options.b1);
    read("b2", options.b2);
    result = optim::scale_by_lion(options);
  } else if (name == "trace") {
    optim::TraceOptions options;
    read("nesterov", options.nesterov);
    result = optim::trace(get("decay").get<double>(), options);
  } else if (name == "scale") {
    result = optim::scale(get("step_size").get<double>());
  } else if (name == "scale_by_learning_rate") {
    optim::ScaleByLearningRateOptions options;
    read("flip_sign", options.flip_sign);
    result = optim::scale_by_learning_rate(scalar_or_schedule(get("learning_rate")), options);
  } else if (name == "scale_by_schedule") {
    result = optim::scale_by_schedule(schedule_from(get("step_size_fn")));
  } else if (name == "clip_by_global_norm") {
    result = optim::clip_by_global_norm(get("max_norm").get<double>());
  } else if (name == "add_decayed_weights") {
    optim::ScalarOrSchedule weight_decay = 0.0;
    read_decay(weight_decay);
    optim::Mask mask;
    read_mask(mask);
    result = optim::add_decayed_weights(weight_decay, mask);
  } else {
    ADD_FAILURE() << "no transformation " << name;
    return optim::identity();
  }
  for (const auto& [key, value] : args.items())
    if (!used.count(key)) ADD_FAILURE() << name << ": jx has no keyword '" << key << "'";
  return *result;
}

inline Array array_from(const json& a) {
  const std::vector<std::int64_t> dims = a.at("shape");
  std::vector<float> data;
  for (const json& v : a.at("data")) data.push_back(static_cast<float>(v.get<double>()));
  return jnp::array(data, jx::Shape(dims.begin(), dims.end()));
}

// A dict tree of float32 arrays from {"leaf": array}.
inline Tree tree_from(const json& leaves) {
  Tree::Dict items;
  for (const auto& [name, a] : leaves.items()) items.emplace(name, array_from(a));
  return Tree::dict(std::move(items));
}

// The largest error seen, as a fraction of its tolerance (JX_OPTAX_ORACLE_REPORT=1 prints it per case).
inline double& worst_error_ratio() {
  static double ratio = 0;
  return ratio;
}

// Compares every leaf with |actual - expected| <= atol + rtol * |expected|.
inline void expect_close(const Tree& actual, const json& expected, double rtol, double atol, const std::string& what) {
  for (const auto& [name, a] : expected.items()) {
    const std::vector<float> values = actual[name].array().to_vector<float>();
    const json& data = a.at("data");
    ASSERT_EQ(values.size(), data.size()) << what << " ['" << name << "']";
    for (std::size_t i = 0; i < values.size(); ++i) {
      const double e = data[i].get<double>();
      const double error = std::abs(static_cast<double>(values[i]) - e);
      const double tolerance = atol + rtol * std::abs(e);
      if (tolerance > 0) worst_error_ratio() = std::max(worst_error_ratio(), error / tolerance);
      if (!(error <= atol + rtol * std::abs(e))) {
        ADD_FAILURE() << what << " ['" << name << "'][" << i << "]: " << values[i] << " vs " << e << " (error " << error
                      << ", tolerance " << atol + rtol * std::abs(e) << ")";
        return;
      }
    }
  }
}

// Replays one optimizer case: eagerly, then with one jitted step for all steps (traced once). `make`
// builds the transformation from the case's spec (another oracle file's tests pass their own).
inline void replay(const json& c, optim::GradientTransformation (*make)(const json&) = transform_from) {
  SCOPED_TRACE(c.at("name").get<std::string>());
  const optim::GradientTransformation opt = make(c.at("transform"));
  const double rtol = c.at("rtol");
  const double atol_params = c.at("atol_params");
  const json& grads = c.at("grads");

  auto step = [opt](const Tree& params, const optim::OptState& state, const Tree& g) {
    auto [updates, next] = opt.update(g, state, params);
    Tree next_params = optim::apply_updates(params, updates);
    return std::pair{updates, std::pair{next_params, next}};
  };
  const auto jitted = jx::jit(step);
  for (const bool use_jit : {false, true}) {
    Tree params = tree_from(c.at("params"));
    optim::OptState state = opt.init(params);
    for (std::size_t t = 0; t < grads.size(); ++t) {
      const std::string what = std::string(use_jit ? "jit" : "eager") + " step " + std::to_string(t);
      const Tree g = tree_from(grads[t]);
      auto [updates, next] = use_jit ? jitted(std::move(params), std::move(state), g) : step(params, state, g);
      params = std::move(next.first);
      state = std::move(next.second);
      expect_close(updates, c.at("updates")[t], rtol, c.at("atol_updates")[t].get<double>(), what + " updates");
      expect_close(params, c.at("params_after")[t], rtol, atol_params, what + " params");
    }
  }
  EXPECT_EQ(jitted.trace_count(), 1u) << "the jitted step retraced";
  if (std::getenv("JX_OPTAX_ORACLE_REPORT"))
    std::cout << c.at("name").get<std::string>() << ": worst error " << worst_error_ratio() << " of tolerance\n";
  worst_error_ratio() = 0;
}

// Replays every optimizer case of a family; fails if there are none (a missing or stale oracle).
inline void replay_family(const std::string& family) {
  const std::vector<json> family_cases = cases("optimizers", family);
  ASSERT_FALSE(family_cases.empty()) << "no '" << family << "' cases in tests/data/optax_oracle.json";
  for (const json& c : family_cases) replay(c);
}

}  // namespace optim_oracle
