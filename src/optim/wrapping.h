// What the wrappers of jx/optim/wrappers.h share: the parameters check, selects and conds over
// states, and leaves without the masked (empty) entries.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "jx/core/array.h"
#include "jx/optim/transformation.h"

namespace jx::optim::detail {

// ValueError naming the transformation when update was called without the parameters.
void require_params(std::span<const Array> params, const std::string& transformation);

// The Array at state[key]; TreeError naming the transformation when there is none.
Array array_field(const OptState& state, const char* key, const std::string& transformation);

// The present (non-empty) leaves, in order.
std::vector<Array> present(std::span<const Array> leaves);
// `values` written back at the positions of the present leaves of `like`; the others stay empty.
std::vector<Array> at_present(std::span<const Array> like, std::span<const Array> values);

// where(pred, on_true, on_false) leaf by leaf over two states of one structure, each result in
// on_false's dtype (a state keeps its types, so that jit does not retrace).
OptState select_state(const Array& pred, const OptState& on_true, const OptState& on_false,
                      const std::string& transformation);

// One of two ways to update, chosen by the boolean scalar pred through lax::cond (only the chosen one
// runs): each transforms the updates it is given (empty entries are masked leaves, to be left alone)
// and returns a state; both must give updates and states of the same types. `updates` becomes the
// chosen one's.
using UpdatePath = std::function<OptState(std::vector<Array>& updates)>;
OptState cond_update(const Array& pred, const UpdatePath& if_true, const UpdatePath& if_false,
                     std::vector<Array>& updates, const std::string& transformation);

// The label of a leaf in a tree of labels (static std::string leaves, a prefix of the parameters):
// the first label on its path.
std::string label_at(const tree::Tree& labels, const tree::KeyPath& path);

}  // namespace jx::optim::detail
