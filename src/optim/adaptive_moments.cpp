// Adam's relatives and the other moment-keeping blocks of jx/optim/adaptive_transforms.h: Adamax,
// AMSGrad, RAdam, AdaBelief, Yogi, Adan, NovoGrad, Adadelta and ema.
#include <fmt/format.h>

#include <cmath>

#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/optim/adaptive_transforms.h"
#include "optim/state.h"
#include "optim/wrapping.h"

namespace jx::optim {

namespace jnp = jx::numpy;
using detail::bias_corrected;
using detail::cast_like;
using detail::field_arrays;
using detail::one_minus_power;
using detail::zeros_tree;

namespace {

// (1 - decay) * x + decay * average, as Optax's update_moment writes it.
Array moving_average(const Array& x, const Array& average, double decay) { return (1.0 - decay) * x + decay * average; }

// Adam's first-moment estimate: mu corrected by the count, or with Nesterov's momentum the moment
// corrected as at count + 1 plus the gradient corrected as now (Dozat's NAdam, as scale_by_adam).
class FirstMomentEstimate {
 public:
  FirstMomentEstimate(double b1, const Array& count, bool nesterov)
      : b1_(b1),
        nesterov_(nesterov),
        correction_(one_minus_power(b1, count)),
        correction_ahead_(nesterov ? one_minus_power(b1, detail::safe_increment(count)) : Array()) {}

  Array operator()(const Array& mu, const Array& g) const {
    if (!nesterov_) return bias_corrected(mu, correction_);
    return b1_ * bias_corrected(mu, correction_ahead_) + (1.0 - b1_) * bias_corrected(g, correction_);
  }

 private:
  double b1_;
  bool nesterov_;
  Array correction_, correction_ahead_;
};

}  // namespace

GradientTransformation scale_by_adamax(AdamaxOptions options) {
  const std::string name = "scale_by_adamax";
  return GradientTransformation(
      name,
      [](const tree::TreeDef& structure, std::span<const Array> params) {
        return detail::CountMuNu::initial(structure, params);
      },
      [options, name](const tree::TreeDef& structure, std::vector<Array>& updates, const OptState& state,
                      std::span<const Array>) {
        detail::CountMuNu moments = detail::CountMuNu::read(structure, state, name);
        auto& [count, mu, nu] = moments;
        const Array correction = one_minus_power(options.b1, count);
        for (std::size_t i = 0; i < updates.size(); ++i) {
          const Array& g = updates[i];
          if (!g.valid()) continue;
          const Array m = moving_average(g, mu[i], options.b1);
          const Array infinity_norm = jnp::maximum(jnp::abs(g) + options.eps, options.b2 * nu[i]);
          updates[i] = bias_corrected(m, correction) / infinity_norm;
          mu[i] = cast_like(m, mu[i]);
          nu[i] = cast_like(infinity_norm, nu[i]);
        }
        return moments.state(structure);
      });
}

GradientTransformation scale_by_amsgrad(AmsgradOptions options) {
  const std::string name = "scale_by_amsgrad";
  return GradientTransformation(
      name,
      [options](const tree::TreeDef& structure, std::span<const Array> params) {
        return OptState::dict({{"count", detail::zero_count()},
                               {"mu", zeros_tree(structure, params, options.mu_dtype)},
                               {"nu", zeros_tree(structure, params)},
                               {"nu_max", zeros_tree(structure, params)}});
      },
      [options, name](const tree::TreeDef& structure, std::vector<Array>& updates, const OptState& state,
                      std::span<const Array>) {
        detail::CountMuNu moments = detail::CountMuNu::read(structure, state, name);
        auto& [count, mu, nu] = moments;
        std::vector<Array> nu_max = field_arrays(structure, state, "nu_max", name);
        const Array correction1 = one_minus_power(options.b1, count);
        const Array correction2 = one_minus_power(options.b2, count);
        for (std::size_t i = 0; i < updates.size(); ++i) {
          const Array& g = updates[i];
          if (!g.valid()) continue;
          const Array m = moving_average(g, mu[i], options.b1);
          const Array v = moving_average(g * g, nu[i], options.b2);
          const Array m_hat = options.bias_correction_mu ? bias_corrected(m, correction1) : m;
          const Array largest =
              jnp::maximum(nu_max[i], options.bias_correction_nu ? bias_corrected(v, correction2) : v);
          updates[i] = m_hat / (jnp::sqrt(largest + options.eps_root) + options.eps);
          mu[i] = cast_like(m, mu[i]);
          nu[i] = cast_like(v, nu[i]);
          nu_max[i] = cast_like(largest, nu_max[i]);
        }
        return moments.state(structure, {{"nu_max", detail::per_leaf_tree(structure, nu_max)}});
      });
}

namespace {

// RAdam's rho_t = rho_inf - 2 t b2^t / (1 - b2^t), with b2^t / (1 - b2^t) = 1 / expm1(-t log b2): one
// rounding fewer than the power form. What remains, rho_inf minus a number nearly as large, is
// float32's cancellation whatever the formula (a few ulps of rho_inf; Optax's result has it too).
Array radam_rho(double b2, double rho_inf, const Array& count) {
  if (b2 > 0 && b2 < 1) return rho_inf - 2.0 * count / jnp::expm1(count * -std::log(b2));
  const Array power = jnp::power(Array(b2), count);
  return rho_inf - 2.0 * count * power / (1.0 - power);
}

}  // namespace

GradientTransformation scale_by_radam(RAdamOptions options) {
  const std::string name = "scale_by_radam";
  return GradientTransformation(
      name,
      [](const tree::TreeDef& structure, std::span<const Array> params) {
        return detail::CountMuNu::initial(structure, params);
      },
      [options, name](const tree::TreeDef& structure, std::vector<Array>& updates, const OptState& state,
                      std::span<const Array>) {
        detail::CountMuNu moments = detail::CountMuNu::read(structure, state, name);
        auto& [count, mu, nu] = moments;
        const double rho_inf = 2.0 / (1.0 - options.b2) - 1.0;
        const Array rho = radam_rho(options.b2, rho_inf, count);
        // Below the threshold (rho < 4 included, where the factor is NaN) the update is plain momentum.
        const Array rectify = rho >= options.threshold;
        const Array factor = jnp::sqrt((rho - 4.0) * (rho - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho));
        const FirstMomentEstimate first_moment(options.b1, count, options.nesterov);
        const Array correction2 = one_minus_power(options.b2, count);
        for (std::size_t i = 0; i < updates.size(); ++i) {
          const Array& g = updates[i];
          if (!g.valid()) continue;
          const Array m = moving_average(g, mu[i], options.b1);
          const Array v = moving_average(g * g, nu[i], options.b2);
          const Array m_hat = first_moment(m, g);
          const Array v_hat = bias_corrected(v, correction2);
          const Array rectified =
              factor.astype(m_hat.dtype()) * m_hat / (jnp::sqrt(v_hat + options.eps_root) + options.eps);
          updates[i] = jnp::where(rectify, rectified, m_hat);
          mu[i] = cast_like(m, mu[i]);
          nu[i] = cast_like(v, nu[i]);
        }
        return moments.state(structure);
      });
}

GradientTransformation scale_by_belief(ScaleByBeliefOptions options) {
  const std::string name = "scale_by_belief";
  return GradientTransformation(
      name,
      [](const tree::TreeDef& structure, std::span<const Array> params) {
        return detail::CountMuNu::initial(structure, params);
      },
      [options, name](const tree::TreeDef& structure, std::vector<Array>& updates, const OptState& state,
                      std::span<const Array>) {
        detail::CountMuNu moments = detail::CountMuNu::read(structure, state, name);
        auto& [count, mu, nu] = moments;
        const FirstMomentEstimate first_moment(options.b1, count, options.nesterov);
        const Array correction2 = one_minus_power(options.b2, count);
        for (std::size_t i = 0; i < updates.size(); ++i) {
          const Array& g = updates[i];
          if (!g.valid()) continue;
          const Array m = moving_average(g, mu[i], options.b1);
          // The belief: how far the gradient is from its prediction, the updated average.
          const Array prediction_error = g - m;
          const Array s = moving_average(prediction_error * prediction_error, nu[i], options.b2) + options.eps_root;
          updates[i] = first_moment(m, g) / (jnp::sqrt(bias_corrected(s, correction2)) + options.eps);
          mu[i] = cast_like(m, mu[i]);
          nu[i] = cast_like(s, nu[i]);
        }
        return moments.state(structure);
      });
}

GradientTransformation scale_by_yogi(ScaleByYogiOptions options) {
  const std::string name = "scale_by_yogi";
  return GradientTransformation(
      name,
      [options](const tree::TreeDef& structure, std::span<const Array> params) {
        return detail::CountMuNu::initial(structure, params, std::nullopt, options.initial_accumulator_value);
      },
      [options, name](const tree::TreeDef& structure, std::vector<Array>& updates, const OptState& state,
                      std::span<const Array>) {
        detail::CountMuNu moments = detail::CountMuNu::read(structure, state, name);
        auto& [count, mu, nu] = moments;
        const Array correction1 = one_minus_power(options.b1, count);
        const Array correction2 = one_minus_power(options.b2, count);
        for (std::size_t i = 0; i < updates.size(); ++i) {
          const Array& g = updates[i];
          if (!g.valid()) continue;
          const Array m = moving_average(g, mu[i], options.b1);
          const Array g2 = g * g;
          const Array v = nu[i] - (1.0 - options.b2) * jnp::sign(nu[i] - g2) * g2;
          updates[i] = bias_corrected(m, correction1) /
                       (jnp::sqrt(bias_corrected(v, correction2) + options.eps_root) + options.eps);
          mu[i] = cast_like(m, mu[i]);
          nu[i] = cast_like(v, nu[i]);
        }
        return moments.state(structure);
      });
}

GradientTransformation scale_by_adan(ScaleByAdanOptions options) {
  const std::string name = "scale_by_adan";
  return GradientTransformation(
      name,
      [](const tree::TreeDef& structure, std::span<const Array> params) {
        return OptState::dict({{"m", zeros_tree(structure, params)},
                               {"v", zeros_tree(structure, params)},
                               {"n", zeros_tree(structure, params)},
                               {"g", zeros_tree(structure, params)},
                               {"t", detail::zero_count()}});
      },
      [options, name](const tree::TreeDef& structure, std::vector<Array>& updates, const OptState& state,
                      std::span<const Array>) {
        std::vector<Array> m = field_arrays(structure, state, "m", name);
        std::vector<Array> v = field_arrays(structure, state, "v", name);
        std::vector<Array> n = field_arrays(structure, state, "n", name);
        std::vector<Array> previous = field_arrays(structure, state, "g", name);
        const OptState& t_field = detail::state_field(state, "t", name);
        if (!t_field.is_array()) {
          throw TreeError("optim::update",
                          fmt::format("the 't' of {}'s state is {}, not an array", name, t_field.to_string()));
        }
        const Array first_step = t_field.array() == 0;
        const Array t = detail::safe_increment(t_field.array());
        const Array correction1 = one_minus_power(options.b1, t);
        const Array correction2 = one_minus_power(options.b2, t);
        const Array correction3 = one_minus_power(options.b3, t);
        for (std::size_t i = 0; i < updates.size(); ++i) {
          const Array& g = updates[i];
          if (!g.valid()) continue;
          const Array diff = jnp::where(first_step, jnp::zeros_like(g), g - previous[i]);
          const Array next_m = moving_average(g, m[i], options.b1);
          const Array next_v = moving_average(diff, v[i], options.b2);
          const Array combined = g + (1.0 - options.b2) * diff;
          const Array next_n = moving_average(combined * combined, n[i], options.b3);
          const Array direction =
              bias_corrected(next_m, correction1) + (1.0 - options.b2) * bias_corrected(next_v, correction2);
          const Array denominator = jnp::sqrt(bias_corrected(next_n, correction3) + options.eps_root) + options.eps;
          m[i] = cast_like(next_m, m[i]);
          v[i] = cast_like(next_v, v[i]);
          n[i] = cast_like(next_n, n[i]);
          previous[i] = cast_like(g, previous[i]);
          updates[i] = direction / denominator;
        }
        return OptState::dict({{"m", detail::per_leaf_tree(structure, m)},
                               {"v", detail::per_leaf_tree(structure, v)},
                               {"n", detail::per_leaf_tree(structure, n)},
                               {"g", detail::per_leaf_tree(structure, previous)},
                               {"t", t}});
      });
}

GradientTransformation scale_by_novograd(ScaleByNovogradOptions options) {
  const std::string name = "scale_by_novograd";
  return GradientTransformation(
      name,
      [options](const tree::TreeDef& structure, std::span<const Array> params) {
        // One second moment per layer: a scalar in the parameter's dtype.
        std::vector<Array> layer_moments;
        layer_moments.reserve(params.size());
        for (const Array& p : params) layer_moments.push_back(p.valid() ? jnp::zeros({}, p.dtype()) : Array());
        return OptState::dict({{"count", detail::zero_count()},
                               {"mu", zeros_tree(structure, params, options.mu_dtype)},
                               {"nu", detail::per_leaf_tree(structure, layer_moments)}});
      },
      [options, name](const tree::TreeDef& structure, std::vector<Array>& updates, const OptState& state,
                      std::span<const Array> params) {
        detail::require_params(params, name);
        detail::CountMuNu moments = detail::CountMuNu::read(structure, state, name);
        auto& [count, mu, nu] = moments;
        // The first step starts both moments from this step's values instead of averaging with zeros.
        const Array first_step = count == 1;
        for (std::size_t i = 0; i < updates.size(); ++i) {
          const Array& g = updates[i];
          if (!g.valid()) continue;
          const Array squared_norm = jnp::sum(g * g).astype(nu[i].dtype());
          const Array v = jnp::where(first_step, squared_norm, moving_average(squared_norm, nu[i], options.b2));
          const Array step = g / (jnp::sqrt(v + options.eps_root) + options.eps) + options.weight_decay * params[i];
          const Array m = jnp::where(first_step, step, options.b1 * mu[i] + step);
          mu[i] = cast_like(m, mu[i]);
          nu[i] = cast_like(v, nu[i]);
          updates[i] = mu[i];  // Optax's updates are the stored moment, in mu_dtype
        }
        return moments.state(structure);
      });
}

GradientTransformation scale_by_adadelta(ScaleByAdadeltaOptions options) {
  const std::string name = "scale_by_adadelta";
  return GradientTransformation(
      name,
      [](const tree::TreeDef& structure, std::span<const Array> params) {
        return OptState::dict({{"e_g", zeros_tree(structure, params)}, {"e_x", zeros_tree(structure, params)}});
      },
      [options, name](const tree::TreeDef& structure, std::vector<Array>& updates, const OptState& state,
                      std::span<const Array>) {
        std::vector<Array> e_g = field_arrays(structure, state, "e_g", name);
        std::vector<Array> e_x = field_arrays(structure, state, "e_x", name);
        for (std::size_t i = 0; i < updates.size(); ++i) {
          const Array& g = updates[i];
          if (!g.valid()) continue;
          const Array squared_gradients = moving_average(g * g, e_g[i], options.rho);
          // The step's units come from the previous steps' updates (e_x before this step).
          const Array delta = jnp::sqrt(e_x[i] + options.eps) / jnp::sqrt(squared_gradients + options.eps) * g;
          e_g[i] = cast_like(squared_gradients, e_g[i]);
          e_x[i] = cast_like(moving_average(delta * delta, e_x[i], options.rho), e_x[i]);
          updates[i] = delta;
        }
        return OptState::dict(
            {{"e_g", detail::per_leaf_tree(structure, e_g)}, {"e_x", detail::per_leaf_tree(structure, e_x)}});
      });
}

GradientTransformation ema(double decay, EmaOptions options) {
  const std::string name = "ema";
  return GradientTransformation(
      name,
      [options](const tree::TreeDef& structure, std::span<const Array> params) {
        return OptState::dict(
            {{"count", detail::zero_count()}, {"ema", zeros_tree(structure, params, options.accumulator_dtype)}});
      },
      [decay, options, name](const tree::TreeDef& structure, std::vector<Array>& updates, const OptState& state,
                             std::span<const Array>) {
        std::vector<Array> averages = field_arrays(structure, state, "ema", name);
        const Array count = detail::safe_increment(detail::state_count(state, name));
        const Array correction = options.debias ? one_minus_power(decay, count) : Array();
        for (std::size_t i = 0; i < updates.size(); ++i) {
          if (!updates[i].valid()) continue;
          const Array average = moving_average(updates[i], averages[i], decay);
          updates[i] = options.debias ? bias_corrected(average, correction) : average;
          averages[i] = cast_like(average, averages[i]);
        }
        return OptState::dict({{"count", count}, {"ema", detail::per_leaf_tree(structure, averages)}});
      });
}

}  // namespace jx::optim
