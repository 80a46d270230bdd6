// What every transformation's state is made of: per-parameter trees, step counts, bias corrections.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "jx/core/array.h"
#include "jx/core/dtype.h"
#include "jx/optim/transformation.h"
#include "jx/tree.h"

namespace jx::optim::detail {

// A tree of the parameters' structure holding these arrays (registered structs become dicts of their
// fields, as jx::tree::to_dynamic makes them); None where an array is empty (a masked-out leaf).
OptState per_leaf_tree(const tree::TreeDef& structure, std::span<const Array> arrays);

// The arrays of such a tree in the structure's flattening order, empty where it holds None. Throws
// TreeError naming `what` (e.g. "scale_by_adam's 'mu'") when the tree is not of that structure —
// a state made by init for other parameters.
std::vector<Array> per_leaf_arrays(const tree::TreeDef& structure, const OptState& tree, const std::string& what);

// state[key] of a transformation's dict state; TreeError naming the transformation if absent.
const OptState& state_field(const OptState& state, const char* key, const std::string& transformation);
// per_leaf_arrays of state[key], the error naming "transformation's 'key'".
std::vector<Array> field_arrays(const tree::TreeDef& structure, const OptState& state, const char* key,
                                const std::string& transformation);
// A per-leaf tree of zeros shaped like the parameters (in `dtype`, or each parameter's own).
OptState zeros_tree(const tree::TreeDef& structure, std::span<const Array> params,
                    std::optional<DType> dtype = std::nullopt);
// A new state value in the dtype init gave the previous one: gradients of another dtype than the
// parameters must not change the state's signature (jit would retrace every step).
Array cast_like(const Array& value, const Array& previous);
// The Array at state[key].
Array state_count(const OptState& state, const std::string& transformation);
// The init of a transformation without state.
inline OptState no_state(const tree::TreeDef& /*structure*/, std::span<const Array> /*params*/) {
  return OptState::none();
}

// Arrays shaped like the present leaves, filled with `value`, in `dtype` or each leaf's own (strongly
// typed, so that the state's signature never changes under jit); empty where a leaf is empty.
std::vector<Array> full_like(std::span<const Array> leaves, double value, std::optional<DType> dtype = std::nullopt);

// The state Adam and its relatives keep, {"count", "mu", "nu"} (Optax's ScaleByAdamState): `read` at the
// start of an update, with the count already advanced to this step; `state` at its end.
struct CountMuNu {
  Array count;
  std::vector<Array> mu, nu;

  // init's state: a zero count and both moments filled with `initial_value` (mu in mu_dtype if given).
  static OptState initial(const tree::TreeDef& structure, std::span<const Array> params,
                          std::optional<DType> mu_dtype = std::nullopt, double initial_value = 0.0);
  static CountMuNu read(const tree::TreeDef& structure, const OptState& state, const std::string& transformation);
  // The state to return, with any further fields the transformation keeps (amsgrad's nu_max).
  OptState state(const tree::TreeDef& structure, tree::Tree::Dict more = {}) const;
};

// An int32 step count of 0.
Array zero_count();
// count + 1, staying at the largest int32 (Optax's safe_increment).
Array safe_increment(const Array& count);
// 1 - decay^count, for bias correction: -expm1(count * log(decay)) when 0 < decay < 1, exact where
// the power form loses digits to cancellation (count near 1, decay near 1).
Array one_minus_power(double decay, const Array& count);
// moment / (1 - decay^count), the division in the moment's dtype (Optax's bias_correction).
Array bias_corrected(const Array& moment, const Array& one_minus_decay_power);
// x cast to dtype when one is given.
Array cast(const Array& x, std::optional<DType> dtype);

}  // namespace jx::optim::detail
