// Polyak's step size: scale_by_polyak and polyak_sgd.
#include <fmt/format.h>

#include <limits>
#include <string>

#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/optim/aliases.h"
#include "jx/optim/step_size.h"
#include "jx/optim/utilities.h"
#include "optim/wrapping.h"

namespace jx::optim {

namespace jnp = jx::numpy;

GradientTransformation scale_by_polyak(ScaleByPolyakOptions options) {
  const std::string name = "scale_by_polyak";
  if (options.variant != "sps" && options.variant != "sps+") {
    throw ValueError("optim::scale_by_polyak",
                     fmt::format("the variant must be \"sps\" or \"sps+\", not \"{}\"", options.variant));
  }
  const GradientTransformation::UpdateWithExtraArgsFunction update =
      [options, name](const tree::TreeDef&, std::vector<Array>& updates, const OptState& state, std::span<const Array>,
                      const ExtraArgs& extra) {
        if (!extra.value) {
          throw ValueError("optim::update",
                           fmt::format("{} needs the objective's value at the parameters (Optax's `value` extra "
                                       "argument): call update(grads, state, params, {{.value = loss}})",
                                       name));
        }
        if (detail::present(updates).empty()) return state;  // no leaves to scale
        const Array squared_norm = detail::global_norm_leaves(updates, /*squared=*/true);
        Array gap = (*extra.value - options.f_min).astype(squared_norm.dtype());
        if (options.variant == "sps+") gap = jnp::maximum(gap, 0.0);
        const Array denominator = squared_norm + options.eps;
        // Optax compares with float64's epsilon whatever the dtype.
        const Array step = jnp::where(denominator <= std::numeric_limits<double>::epsilon(), Array(0.0),
                                      jnp::minimum(gap / denominator, options.max_learning_rate));
        for (Array& u : updates)
          if (u.valid()) u = step.astype(u.dtype()) * u;
        return state;
      };
  return GradientTransformation(
      name, [](const tree::TreeDef&, std::span<const Array>) { return OptState::none(); }, update);
}

GradientTransformation polyak_sgd(PolyakSgdOptions options) {
  return chain(sgd(std::move(options.scaling)), scale_by_polyak({.f_min = options.f_min,
                                                                 .max_learning_rate = options.max_learning_rate,
                                                                 .eps = options.eps,
                                                                 .variant = std::move(options.variant)}));
}

}  // namespace jx::optim
