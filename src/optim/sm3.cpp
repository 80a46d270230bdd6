// SM3: scale_by_sm3 and the sm3 optimizer.
#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/optim/factored.h"
#include "jx/optim/transforms.h"
#include "optim/state.h"

namespace jx::optim {

namespace jnp = jx::numpy;

namespace {

// The subtrees a per-leaf state tree holds in place of each leaf (SM3's 'mu' holds a list of vectors
// per leaf), in the structure's flattening order, walked as tree::detail::build_dynamic built it.
class SubtreeGatherer {
 public:
  SubtreeGatherer(const tree::TreeDef& structure, const std::string& what) : structure_(structure), what_(what) {}

  void walk(const tree::Tree& t) {
    const tree::Node& node = structure_.nodes()[node_index_++];
    switch (node.kind) {
      case tree::NodeKind::leaf:
        subtrees_.push_back(t);
        return;
      case tree::NodeKind::static_leaf:
      case tree::NodeKind::none:
        return;
      case tree::NodeKind::tuple:
      case tree::NodeKind::list:
        if (!t.is_list() || t.size() != node.arity) mismatch(t);
        for (std::uint32_t i = 0; i < node.arity; ++i) walk(t[i]);
        return;
      case tree::NodeKind::dict:
        if (!t.is_dict() || t.size() != node.arity) mismatch(t);
        for (std::uint32_t i = 0; i < node.arity; ++i) {
          const std::string& key = structure_.keys()[static_cast<std::size_t>(node.keys_index) + i];
          if (!t.contains(key)) mismatch(t);
          walk(t[key]);
        }
        return;
      case tree::NodeKind::custom:
        if (node.type->fields.empty()) {
          walk(t);
          return;
        }
        if (!t.is_dict() || t.size() != node.arity) mismatch(t);
        for (std::uint32_t i = 0; i < node.arity; ++i) {
          if (!t.contains(node.type->fields[i])) mismatch(t);
          walk(t[node.type->fields[i]]);
        }
        return;
    }
  }

  std::vector<tree::Tree> take() { return std::move(subtrees_); }

 private:
  [[noreturn]] void mismatch(const tree::Tree& found) const {
    throw TreeError("optim::update", fmt::format("{} does not match the parameters' structure {}: found {}. The state "
                                                 "was made by init for other parameters",
                                                 what_, structure_.to_string(), found.to_string()));
  }

  const tree::TreeDef& structure_;
  const std::string& what_;
  std::size_t node_index_ = 0;
  std::vector<tree::Tree> subtrees_;
};

// A shape of rank n with 1 everywhere but at `axis`.
Shape expanded_shape(const Shape& shape, int axis) {
  Shape result;
  for (int i = 0; i < shape.ndim(); ++i) result.push_back(i == axis ? shape[i] : 1);
  return result;
}

std::vector<int> other_axes(int axis, int ndim) {
  std::vector<int> axes;
  for (int i = 0; i < ndim; ++i)
    if (i != axis) axes.push_back(i);
  return axes;
}

}  // namespace

GradientTransformation scale_by_sm3(ScaleBySm3Options options) {
  const std::string name = "scale_by_sm3";
  return GradientTransformation(
      name,
      [name](const tree::TreeDef& structure, std::span<const Array> params) {
        const std::vector<tree::KeyPath> paths = tree::leaf_paths(structure);
        std::vector<tree::Tree> mu;
        mu.reserve(params.size());
        for (std::size_t i = 0; i < params.size(); ++i) {
          const Array& p = params[i];
          if (!p.valid()) {
            mu.emplace_back();
            continue;
          }
          const std::string where = paths[i].empty() ? "the root" : tree::keystr(paths[i]);
          if (is_complex(p.dtype())) {
            throw ValueError("optim::init", fmt::format("{} does not support complex parameters, but the one at {} "
                                                        "is {}",
                                                        name, where, p.type().to_string()));
          }
          if (p.ndim() == 0) {
            throw ShapeError("optim::init", fmt::format("{} keeps one accumulator per axis and needs parameters of at "
                                                        "least one axis, but the one at {} is a scalar",
                                                        name, where));
          }
          tree::Tree::List vectors;
          for (int axis = 0; axis < p.ndim(); ++axis) vectors.emplace_back(jnp::zeros({p.shape()[axis]}, p.dtype()));
          mu.push_back(tree::Tree::list(std::move(vectors)));
        }
        return OptState::dict({{"mu", tree::detail::build_dynamic(structure, std::move(mu))},
                               {"nu", detail::zeros_tree(structure, params)}});
      },
      [options, name](const tree::TreeDef& structure, std::vector<Array>& updates, const OptState& state,
                      std::span<const Array>) {
        const std::string what = name + "'s 'mu'";
        SubtreeGatherer gatherer(structure, what);
        gatherer.walk(detail::state_field(state, "mu", name));
        std::vector<tree::Tree> mu = gatherer.take();
        std::vector<Array> nu = detail::field_arrays(structure, state, "nu", name);
        const double gradient_coefficient = options.b2 != 1.0 ? 1.0 - options.b2 : 1.0;
        for (std::size_t i = 0; i < updates.size(); ++i) {
          const Array& g = updates[i];
          if (!g.valid()) continue;
          const int ndim = g.ndim();
          if (!mu[i].is_list() || static_cast<int>(mu[i].size()) != ndim) {
            throw TreeError("optim::update", fmt::format("{} holds {} for a leaf of shape {}: expected a list of {} "
                                                         "vectors (was the state made for other parameters?)",
                                                         what, mu[i].to_string(), g.shape().to_string(), ndim));
          }
          // The accumulator of an entry is the smallest of its axes' accumulators.
          Array smallest = jnp::reshape(mu[i][0].array(), expanded_shape(g.shape(), 0));
          for (int axis = 1; axis < ndim; ++axis)
            smallest = jnp::minimum(
                smallest, jnp::reshape(mu[i][static_cast<std::size_t>(axis)].array(), expanded_shape(g.shape(), axis)));
          const Array accumulator = gradient_coefficient * (g * g) + options.b2 * smallest;
          const Array inverse_root = jnp::where(accumulator > 0, lax::rsqrt(accumulator + options.eps), Array(0.0));
          const Array step = g * inverse_root;
          const Array average = (1.0 - options.b1) * step + options.b1 * nu[i];
          // The state keeps the dtypes init gave it, whatever the gradients' (jit must not retrace).
          tree::Tree::List vectors;
          if (ndim < 2) {
            vectors.emplace_back(detail::cast_like(accumulator, mu[i][0].array()));
          } else {
            for (int axis = 0; axis < ndim; ++axis) {
              const std::vector<int> others = other_axes(axis, ndim);
              const Array largest = jnp::max(accumulator, {.axis = Axes(std::span<const int>(others))});
              vectors.emplace_back(detail::cast_like(largest, mu[i][static_cast<std::size_t>(axis)].array()));
            }
          }
          mu[i] = tree::Tree::list(std::move(vectors));
          nu[i] = detail::cast_like(average, nu[i]);
          updates[i] = average;
        }
        return OptState::dict({{"mu", tree::detail::build_dynamic(structure, std::move(mu))},
                               {"nu", detail::per_leaf_tree(structure, nu)}});
      });
}

GradientTransformation sm3(double learning_rate, Sm3Options options) {
  return chain(scale_by_sm3({.b1 = options.momentum}), scale(-learning_rate));
}

}  // namespace jx::optim
