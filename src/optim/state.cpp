// Per-parameter state trees and the arithmetic Optax's transformations share (counts, bias correction).
#include "optim/state.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"

namespace jx::optim::detail {

namespace jnp = jx::numpy;

OptState per_leaf_tree(const tree::TreeDef& structure, std::span<const Array> arrays) {
  std::vector<tree::Tree> leaves;
  leaves.reserve(arrays.size());
  for (const Array& array : arrays) leaves.push_back(array.valid() ? tree::Tree(array) : tree::Tree::none());
  return tree::detail::build_dynamic(structure, std::move(leaves));
}

namespace {

// Walks the structure and a per-leaf tree side by side, in the order tree::detail::build_dynamic
// builds them, collecting the arrays in flattening order.
class Gatherer {
 public:
  Gatherer(const tree::TreeDef& structure, const std::string& what) : structure_(structure), what_(what) {}

  void walk(const tree::Tree& t) {
    const tree::Node& node = structure_.nodes()[node_index_++];
    switch (node.kind) {
      case tree::NodeKind::leaf:
        if (t.is_none())
          arrays_.emplace_back();
        else if (t.is_array())
          arrays_.push_back(t.array());
        else
          mismatch("an array", t);
        return;
      case tree::NodeKind::static_leaf:
        if (!t.is_static()) mismatch("a static leaf", t);
        return;
      case tree::NodeKind::none:
        if (!t.is_none()) mismatch("None", t);
        return;
      case tree::NodeKind::tuple:
      case tree::NodeKind::list:
        if (!t.is_list() || t.size() != node.arity) mismatch(fmt::format("a list of {}", node.arity), t);
        for (std::uint32_t i = 0; i < node.arity; ++i) descend({tree::PathEntry::Kind::index, {}, i}, t[i]);
        return;
      case tree::NodeKind::dict:
        if (!t.is_dict() || t.size() != node.arity) mismatch(fmt::format("a dict of {}", node.arity), t);
        for (std::uint32_t i = 0; i < node.arity; ++i) {
          const std::string& key = structure_.keys()[static_cast<std::size_t>(node.keys_index) + i];
          if (!t.contains(key)) mismatch(fmt::format("a dict with key '{}'", key), t);
          descend({tree::PathEntry::Kind::key, key, 0}, t[key]);
        }
        return;
      case tree::NodeKind::custom:
        if (node.type->fields.empty()) {
          walk(t);  // a class with its own flatten: its children tree stands in its place
          return;
        }
        if (!t.is_dict() || t.size() != node.arity) mismatch(fmt::format("the fields of {}", node.type->name), t);
        for (std::uint32_t i = 0; i < node.arity; ++i) {
          const std::string& field = node.type->fields[i];
          if (!t.contains(field)) mismatch(fmt::format("the fields of {}", node.type->name), t);
          descend({tree::PathEntry::Kind::field, field, 0}, t[field]);
        }
        return;
    }
  }

  std::vector<Array> take() { return std::move(arrays_); }

 private:
  void descend(tree::PathEntry entry, const tree::Tree& child) {
    path_.push_back(std::move(entry));
    walk(child);
    path_.pop_back();
  }

  [[noreturn]] void mismatch(const std::string& expected, const tree::Tree& found) const {
    throw TreeError("optim::update",
                    fmt::format("{} does not match the parameters{}: expected {}, found {}. The state was made by "
                                "init for parameters of another structure than {}",
                                what_, path_.empty() ? "" : " at " + tree::keystr(path_), expected, found.to_string(),
                                structure_.to_string()));
  }

  const tree::TreeDef& structure_;
  const std::string& what_;
  std::size_t node_index_ = 0;
  tree::KeyPath path_;
  std::vector<Array> arrays_;
};

}  // namespace

std::vector<Array> per_leaf_arrays(const tree::TreeDef& structure, const OptState& tree, const std::string& what) {
  if (structure.num_nodes() == 0) return {};
  Gatherer gatherer(structure, what);
  gatherer.walk(tree);
  return gatherer.take();
}

const OptState& state_field(const OptState& state, const char* key, const std::string& transformation) {
  if (!state.is_dict() || !state.contains(key)) {
    throw TreeError("optim::update", fmt::format("the state given to {} has no '{}': {} (was it made by this "
                                                 "transformation's init?)",
                                                 transformation, key, state.to_string()));
  }
  return state[key];
}

Array state_count(const OptState& state, const std::string& transformation) {
  const OptState& count = state_field(state, "count", transformation);
  if (!count.is_array()) {
    throw TreeError("optim::update",
                    fmt::format("the 'count' of {}'s state is {}, not an array", transformation, count.to_string()));
  }
  return count.array();
}

std::vector<Array> full_like(std::span<const Array> leaves, double value, std::optional<DType> dtype) {
  std::vector<Array> result;
  result.reserve(leaves.size());
  for (const Array& leaf : leaves) {
    if (leaf.valid())
      result.push_back(jnp::full(leaf.shape(), Array(value), dtype.value_or(leaf.dtype())));
    else
      result.emplace_back();
  }
  return result;
}

Array zero_count() { return jnp::zeros({}, int32); }

Array safe_increment(const Array& count) {
  constexpr std::int32_t largest = std::numeric_limits<std::int32_t>::max();
  return jnp::where(count < largest, count + 1, count);
}

Array one_minus_power(double decay, const Array& count) {
  if (decay > 0 && decay < 1) return -jnp::expm1(count * std::log(decay));
  return 1.0 - jnp::power(Array(decay), count);
}

Array bias_corrected(const Array& moment, const Array& one_minus_decay_power) {
  return moment / one_minus_decay_power.astype(moment.dtype());
}

Array cast(const Array& x, std::optional<DType> dtype) { return dtype && x.dtype() != *dtype ? x.astype(*dtype) : x; }

std::vector<Array> field_arrays(const tree::TreeDef& structure, const OptState& state, const char* key,
                                const std::string& transformation) {
  return per_leaf_arrays(structure, state_field(state, key, transformation), transformation + "'s '" + key + "'");
}

OptState zeros_tree(const tree::TreeDef& structure, std::span<const Array> params, std::optional<DType> dtype) {
  return per_leaf_tree(structure, full_like(params, 0.0, dtype));
}

Array cast_like(const Array& value, const Array& previous) { return cast(value, previous.dtype()); }

OptState CountMuNu::initial(const tree::TreeDef& structure, std::span<const Array> params,
                            std::optional<DType> mu_dtype, double initial_value) {
  return OptState::dict({{"count", zero_count()},
                         {"mu", per_leaf_tree(structure, full_like(params, initial_value, mu_dtype))},
                         {"nu", per_leaf_tree(structure, full_like(params, initial_value))}});
}

CountMuNu CountMuNu::read(const tree::TreeDef& structure, const OptState& state, const std::string& transformation) {
  return {safe_increment(state_count(state, transformation)), field_arrays(structure, state, "mu", transformation),
          field_arrays(structure, state, "nu", transformation)};
}

OptState CountMuNu::state(const tree::TreeDef& structure, tree::Tree::Dict more) const {
  more.emplace("count", count);
  more.emplace("mu", per_leaf_tree(structure, mu));
  more.emplace("nu", per_leaf_tree(structure, nu));
  return OptState::dict(std::move(more));
}

}  // namespace jx::optim::detail
