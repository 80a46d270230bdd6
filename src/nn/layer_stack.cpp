// The non-template parts of layer_stack (jx/nn/layer_stack.h): its checks and the keys of its layers.
#include "jx/nn/layer_stack.h"

#include <fmt/format.h>

#include "jx/core/error.h"

namespace jx::nn {

namespace detail {

void check_per_layer_inputs(std::int64_t num_layers, const std::vector<Array>& leaves) {
  for (const Array& leaf : leaves) {
    if (leaf.ndim() == 0 || leaf.shape()[0] != num_layers) {
      throw ShapeError("layer_stack", fmt::format("every per-layer input needs a leading axis of the {} layers; got {}",
                                                  num_layers, leaf.type().to_string()));
    }
  }
}

tree::Tree key_tree(const std::optional<Key>& key) { return key ? tree::Tree(Array(*key)) : tree::Tree::none(); }

std::optional<Key> key_of(const tree::Tree& tree) {
  if (tree.is_none()) return std::nullopt;
  return Key(tree.array());
}

// As Haiku splits the carried key in three: this layer's init, the next layer's key, this layer's apply.
std::tuple<std::optional<Key>, std::optional<Key>, std::optional<Key>> layer_keys(const tree::Tree& carried) {
  const std::optional<Key> key = key_of(carried);
  if (!key) return {std::nullopt, std::nullopt, std::nullopt};
  const Key keys = random::split(*key, 3);
  return {keys[0], keys[1], keys[2]};
}

}  // namespace detail

LayerStackMaker<false> layer_stack(std::int64_t num_layers, LayerStackOptions options) {
  if (num_layers < 1) throw ValueError("layer_stack", fmt::format("needs at least one layer, got {}", num_layers));
  return LayerStackMaker<false>(num_layers, std::move(options));
}

LayerStackMaker<true> layer_stack(std::int64_t num_layers, WithPerLayerInputs, LayerStackOptions options) {
  if (num_layers < 1) throw ValueError("layer_stack", fmt::format("needs at least one layer, got {}", num_layers));
  return LayerStackMaker<true>(num_layers, std::move(options));
}

}  // namespace jx::nn
