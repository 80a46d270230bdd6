// Updates scaled by each parameter block's size: scale_by_param_block_norm, scale_by_param_block_rms.
#include <fmt/format.h>

#include <functional>
#include <string>

#include "jx/core/error.h"
#include "jx/optim/factored.h"
#include "jx/optim/utilities.h"

namespace jx::optim {

namespace {

GradientTransformation scale_by_param_block(std::string name, double min_scale,
                                            std::function<Array(const Array&, const Array&)> measure) {
  return GradientTransformation(
      name, [](const tree::TreeDef&, std::span<const Array>) { return OptState::none(); },
      [name, min_scale, measure](const tree::TreeDef&, std::vector<Array>& updates, const OptState& state,
                                 std::span<const Array> params) {
        if (params.empty()) {
          throw ValueError("optim::update",
                           fmt::format("{} needs the parameters: call update(grads, state, params)", name));
        }
        for (std::size_t i = 0; i < updates.size(); ++i)
          if (updates[i].valid()) updates[i] = updates[i] * measure(params[i], Array(min_scale));
        return state;
      });
}

}  // namespace

GradientTransformation scale_by_param_block_norm(double min_scale) {
  return scale_by_param_block("scale_by_param_block_norm", min_scale,
                              [](const Array& x, const Array& floor) { return safe_norm(x, floor); });
}

GradientTransformation scale_by_param_block_rms(double min_scale) {
  return scale_by_param_block("scale_by_param_block_rms", min_scale,
                              [](const Array& x, const Array& floor) { return safe_root_mean_squares(x, floor); });
}

}  // namespace jx::optim
