// Transformations that keep moving averages of the gradients: trace (momentum), Adam, RMS, stddev,
// RSS (Adagrad), Lion.
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/optim/transforms.h"
#include "optim/state.h"

namespace jx::optim {

namespace jnp = jx::numpy;
using detail::bias_corrected;
using detail::field_arrays;
using detail::one_minus_power;

namespace {

// (1 - decay) * g^order + decay * moment, as Optax's update_moment writes it.
Array update_moment(const Array& g, const Array& moment, double decay, int order) {
  const Array power = order == 1 ? g : g * g;
  return (1.0 - decay) * power + decay * moment;
}

}  // namespace

GradientTransformation trace(double decay, TraceOptions options) {
  const std::string name = "trace";
  return GradientTransformation(
      name,
      [options](const tree::TreeDef& structure, std::span<const Array> params) {
        return OptState::dict({{"trace", detail::zeros_tree(structure, params, options.accumulator_dtype)}});
      },
      [decay, options, name](const tree::TreeDef& structure, std::vector<Array>& updates, const OptState& state,
                             std::span<const Array>) {
        std::vector<Array> traces = field_arrays(structure, state, "trace", name);
        for (std::size_t i = 0; i < updates.size(); ++i) {
          if (!updates[i].valid()) continue;
          Array next = updates[i] + decay * traces[i];
          updates[i] = options.nesterov ? updates[i] + decay * next : next;
          traces[i] = detail::cast(next, options.accumulator_dtype);
        }
        return OptState::dict({{"trace", detail::per_leaf_tree(structure, traces)}});
      });
}

GradientTransformation scale_by_adam(AdamOptions options) {
  const std::string name = "scale_by_adam";
  return GradientTransformation(
      name,
      [options](const tree::TreeDef& structure, std::span<const Array> params) {
        return detail::CountMuNu::initial(structure, params, options.mu_dtype);
      },
      [options, name](const tree::TreeDef& structure, std::vector<Array>& updates, const OptState& state,
                      std::span<const Array>) {
        detail::CountMuNu moments = detail::CountMuNu::read(structure, state, name);
        auto& [count, mu, nu] = moments;
        const Array correction1 = one_minus_power(options.b1, count);
        const Array correction2 = one_minus_power(options.b2, count);
        // Nesterov's momentum looks one step ahead: mu corrected as at count + 1.
        const Array correction1_ahead =
            options.nesterov ? one_minus_power(options.b1, detail::safe_increment(count)) : Array();
        for (std::size_t i = 0; i < updates.size(); ++i) {
          const Array& g = updates[i];
          if (!g.valid()) continue;
          const Array m = update_moment(g, mu[i], options.b1, 1);
          const Array v = update_moment(g, nu[i], options.b2, 2);
          const Array m_hat = options.nesterov ? options.b1 * bias_corrected(m, correction1_ahead) +
                                                     (1.0 - options.b1) * bias_corrected(g, correction1)
                                               : bias_corrected(m, correction1);
          Array v_hat = bias_corrected(v, correction2);
          if (options.eps_root != 0.0) v_hat = v_hat + options.eps_root;
          updates[i] = m_hat / (jnp::sqrt(v_hat) + options.eps);
          mu[i] = detail::cast(m, options.mu_dtype);
          nu[i] = detail::cast(v, nu[i].dtype());
        }
        return moments.state(structure);
      });
}

namespace {

// scale_by_rms and scale_by_stddev: the same averages, with the mean's square taken off for the latter.
GradientTransformation scale_by_root_mean_square(ScaleByRmsOptions options, bool centered) {
  const std::string name = centered ? "scale_by_stddev" : "scale_by_rms";
  return GradientTransformation(
      name,
      [options, centered](const tree::TreeDef& structure, std::span<const Array> params) {
        tree::Tree::Dict state;
        if (options.bias_correction) state.emplace("count", detail::zero_count());
        if (centered) state.emplace("mu", detail::zeros_tree(structure, params));
        state.emplace("nu", detail::per_leaf_tree(structure, detail::full_like(params, options.initial_scale)));
        return OptState::dict(std::move(state));
      },
      [options, centered, name](const tree::TreeDef& structure, std::vector<Array>& updates, const OptState& state,
                                std::span<const Array>) {
        std::vector<Array> mu = centered ? field_arrays(structure, state, "mu", name) : std::vector<Array>{};
        std::vector<Array> nu = field_arrays(structure, state, "nu", name);
        Array count, correction;
        if (options.bias_correction) {
          count = detail::safe_increment(detail::state_count(state, name));
          correction = one_minus_power(options.decay, count);
        }
        for (std::size_t i = 0; i < updates.size(); ++i) {
          const Array& g = updates[i];
          if (!g.valid()) continue;
          nu[i] = update_moment(g, nu[i], options.decay, 2);
          Array variance = options.bias_correction ? bias_corrected(nu[i], correction) : nu[i];
          if (centered) {
            mu[i] = update_moment(g, mu[i], options.decay, 1);
            const Array mean = options.bias_correction ? bias_corrected(mu[i], correction) : mu[i];
            variance = variance - mean * mean;
          }
          const Array scaling =
              options.eps_in_sqrt ? lax::rsqrt(variance + options.eps) : 1.0 / (jnp::sqrt(variance) + options.eps);
          updates[i] = scaling * g;
        }
        tree::Tree::Dict next;
        if (options.bias_correction) next.emplace("count", count);
        if (centered) next.emplace("mu", detail::per_leaf_tree(structure, mu));
        next.emplace("nu", detail::per_leaf_tree(structure, nu));
        return OptState::dict(std::move(next));
      });
}

}  // namespace

GradientTransformation scale_by_rms(ScaleByRmsOptions options) { return scale_by_root_mean_square(options, false); }
GradientTransformation scale_by_stddev(ScaleByRmsOptions options) { return scale_by_root_mean_square(options, true); }

GradientTransformation scale_by_rss(ScaleByRssOptions options) {
  const std::string name = "scale_by_rss";
  return GradientTransformation(
      name,
      [options](const tree::TreeDef& structure, std::span<const Array> params) {
        return OptState::dict(
            {{"sum_of_squares",
              detail::per_leaf_tree(structure, detail::full_like(params, options.initial_accumulator_value))}});
      },
      [options, name](const tree::TreeDef& structure, std::vector<Array>& updates, const OptState& state,
                      std::span<const Array>) {
        std::vector<Array> sums = field_arrays(structure, state, "sum_of_squares", name);
        for (std::size_t i = 0; i < updates.size(); ++i) {
          const Array& g = updates[i];
          if (!g.valid()) continue;
          sums[i] = g * g + sums[i];
          // A zero sum (a zero initial value and only zero gradients so far) scales by 0, not inf.
          const Array inverse_root = jnp::where(sums[i] > 0, lax::rsqrt(sums[i] + options.eps), 0.0);
          updates[i] = inverse_root * g;
        }
        return OptState::dict({{"sum_of_squares", detail::per_leaf_tree(structure, sums)}});
      });
}

GradientTransformation scale_by_lion(ScaleByLionOptions options) {
  const std::string name = "scale_by_lion";
  return GradientTransformation(
      name,
      [options](const tree::TreeDef& structure, std::span<const Array> params) {
        return OptState::dict(
            {{"count", detail::zero_count()}, {"mu", detail::zeros_tree(structure, params, options.mu_dtype)}});
      },
      [options, name](const tree::TreeDef& structure, std::vector<Array>& updates, const OptState& state,
                      std::span<const Array>) {
        std::vector<Array> mu = field_arrays(structure, state, "mu", name);
        for (std::size_t i = 0; i < updates.size(); ++i) {
          const Array g = updates[i];
          if (!g.valid()) continue;
          updates[i] = jnp::sign((1.0 - options.b1) * g + options.b1 * mu[i]);
          mu[i] = detail::cast(update_moment(g, mu[i], options.b2, 1), options.mu_dtype);
        }
        return OptState::dict({{"count", detail::safe_increment(detail::state_count(state, name))},
                               {"mu", detail::per_leaf_tree(structure, mu)}});
      });
}

}  // namespace jx::optim
