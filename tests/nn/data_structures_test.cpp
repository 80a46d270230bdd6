// hk.data_structures over parameter trees: partition / partition_n / filter / map / merge / traverse /
// is_subset against the entries listed here by hand, tree_size and tree_bytes against counts computed
// from the shapes with loops, the round trips, a gradient taken through merge against its closed form,
// and errors.
#include "jx/nn/data_structures.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "jx/jx.h"

namespace {

namespace jnp = jx::numpy;
namespace nn = jx::nn;
namespace ds = jx::nn::data_structures;
using Tree = jx::tree::Tree;

// The (module, name) pairs of a structure, in its order.
std::vector<std::pair<std::string, std::string>> paths(const nn::Params& structure) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [module, bundle] : structure.as_dict()) {
    for (const auto& [name, value] : bundle.as_dict()) out.emplace_back(module, name);
  }
  return out;
}

std::vector<float> values(const nn::Params& structure, const std::string& module, const std::string& name) {
  return structure[module][name].array().to_vector<float>();
}

// A structure as init returns one for a LayerNorm over 4 input features and two Linear layers.
nn::Params model_params() {
  auto model = nn::transform([](const jx::Array& x) {
    const jx::Array h = nn::LayerNorm(-1, true, true)(x);
    return nn::Linear(2, {.name = "decoder"})(nn::Linear(3, {.name = "encoder"})(h));
  });
  return model.init(jx::random::PRNGKey(0), jnp::ones({5, 4}));
}

using Path = std::pair<std::string, std::string>;

TEST(DataStructures, PartitionSplitsByPredicateAndMergeRestores) {
  const nn::Params params = model_params();
  auto [weights, others] =
      ds::partition([](const std::string&, const std::string& name, const jx::Array&) { return name == "w"; }, params);
  EXPECT_EQ(paths(weights), (std::vector<Path>{{"decoder", "w"}, {"encoder", "w"}}));
  EXPECT_EQ(paths(others),
            (std::vector<Path>{{"decoder", "b"}, {"encoder", "b"}, {"layer_norm", "offset"}, {"layer_norm", "scale"}}));
  // The layer norm has no "w": it is absent from the first structure, not an empty dict.
  EXPECT_FALSE(weights.contains("layer_norm"));

  const nn::Params merged = ds::merge({weights, others});
  ASSERT_EQ(paths(merged), paths(params));
  for (const auto& [module, name] : paths(params)) {
    EXPECT_EQ(values(merged, module, name), values(params, module, name)) << module << "/" << name;
  }
}

TEST(DataStructures, PartitionByValueShape) {
  const nn::Params params = model_params();
  auto [matrices, vectors] = ds::partition(
      [](const std::string&, const std::string&, const jx::Array& value) { return value.ndim() == 2; }, params);
  EXPECT_EQ(paths(matrices), (std::vector<Path>{{"decoder", "w"}, {"encoder", "w"}}));
  EXPECT_EQ(paths(vectors).size(), 4u);
}

TEST(DataStructures, PartitionNPutsEachModuleInItsBucket) {
  const nn::Params params = model_params();
  const std::vector<std::string> modules{"layer_norm", "encoder", "decoder"};
  auto parts = ds::partition_n(
      [&](const std::string& module, const std::string&, const jx::Array&) {
        return static_cast<int>(std::find(modules.begin(), modules.end(), module) - modules.begin());
      },
      params, 3);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(paths(parts[0]), (std::vector<Path>{{"layer_norm", "offset"}, {"layer_norm", "scale"}}));
  EXPECT_EQ(paths(parts[1]), (std::vector<Path>{{"encoder", "b"}, {"encoder", "w"}}));
  EXPECT_EQ(paths(parts[2]), (std::vector<Path>{{"decoder", "b"}, {"decoder", "w"}}));
  EXPECT_EQ(paths(ds::merge({parts[2], parts[0], parts[1]})), paths(params));

  // Buckets with nothing in them are empty dicts.
  auto sparse = ds::partition_n([](const std::string&, const std::string&, const jx::Array&) { return 1; }, params, 3);
  EXPECT_EQ(sparse[0].size(), 0u);
  EXPECT_EQ(paths(sparse[1]), paths(params));
  EXPECT_EQ(sparse[2].size(), 0u);

  EXPECT_THROW(ds::partition_n([](const std::string&, const std::string&, const jx::Array&) { return 3; }, params, 3),
               jx::ValueError);
  EXPECT_THROW(ds::partition_n([](const std::string&, const std::string&, const jx::Array&) { return -1; }, params, 3),
               jx::ValueError);
  EXPECT_THROW(ds::partition_n([](const std::string&, const std::string&, const jx::Array&) { return 0; }, params, -1),
               jx::ValueError);
}

TEST(DataStructures, FilterKeepsWhatThePredicateAccepts) {
  const nn::Params params = model_params();
  const nn::Params linear = ds::filter(
      [](const std::string& module, const std::string&, const jx::Array&) { return module.ends_with("coder"); },
      params);
  EXPECT_EQ(paths(linear), (std::vector<Path>{{"decoder", "b"}, {"decoder", "w"}, {"encoder", "b"}, {"encoder", "w"}}));
  EXPECT_EQ(values(linear, "encoder", "w"), values(params, "encoder", "w"));
  EXPECT_EQ(ds::filter([](const std::string&, const std::string&, const jx::Array&) { return false; }, params).size(),
            0u);
}

TEST(DataStructures, MapSeesModuleNameAndValue) {
  const nn::Params params = model_params();
  const nn::Params mapped = ds::map([](const std::string&, const std::string& name,
                                       const jx::Array& value) { return name == "w" ? value * 2 : value; },
                                    params);
  ASSERT_EQ(paths(mapped), paths(params));
  for (const auto& [module, name] : paths(params)) {
    std::vector<float> expected = values(params, module, name);
    if (name == "w") {
      for (float& v : expected) v *= 2;
    }
    EXPECT_EQ(values(mapped, module, name), expected) << module << "/" << name;
  }
}

TEST(DataStructures, TraverseYieldsSortedEntries) {
  const nn::Params params = model_params();
  std::vector<Path> seen;
  for (const auto& [module, name, value] : ds::traverse(params)) {
    seen.emplace_back(module, name);
    EXPECT_EQ(value.shape(), params[module][name].array().shape());
  }
  EXPECT_EQ(seen, (std::vector<Path>{{"decoder", "b"},
                                     {"decoder", "w"},
                                     {"encoder", "b"},
                                     {"encoder", "w"},
                                     {"layer_norm", "offset"},
                                     {"layer_norm", "scale"}}));
}

TEST(DataStructures, MergeTakesTheLastValueAndChecksDuplicates) {
  const nn::Params first = Tree::dict({{"linear", Tree::dict({{"w", Tree(jnp::array({1.0f, 2.0f}))}})}});
  const nn::Params second = Tree::dict({{"linear", Tree::dict({{"w", Tree(jnp::array({3.0f, 4.0f}))}})},
                                        {"other", Tree::dict({{"b", Tree(jnp::array(5.0f))}})}});
  const nn::Params merged = ds::merge({first, second});
  EXPECT_EQ(values(merged, "linear", "w"), (std::vector<float>{3.0f, 4.0f}));
  EXPECT_EQ(values(merged, "other", "b"), (std::vector<float>{5.0f}));
  EXPECT_EQ(values(ds::merge({second, first}, true), "linear", "w"), (std::vector<float>{1.0f, 2.0f}));

  const nn::Params longer = Tree::dict({{"linear", Tree::dict({{"w", Tree(jnp::array({1.0f, 2.0f, 3.0f}))}})}});
  const nn::Params integer = Tree::dict({{"linear", Tree::dict({{"w", Tree(jnp::array({1, 2}))}})}});
  EXPECT_NO_THROW(ds::merge({first, longer}));
  EXPECT_THROW(ds::merge({first, longer}, true), jx::ValueError);
  EXPECT_THROW(ds::merge({first, integer}, true), jx::ValueError);
  EXPECT_EQ(ds::merge({}).size(), 0u);
}

TEST(DataStructures, IsSubsetComparesPaths) {
  const nn::Params params = model_params();
  auto [weights, others] =
      ds::partition([](const std::string&, const std::string& name, const jx::Array&) { return name == "w"; }, params);
  EXPECT_TRUE(ds::is_subset(weights, params));
  EXPECT_TRUE(ds::is_subset(params, params));
  EXPECT_FALSE(ds::is_subset(params, weights));
  EXPECT_FALSE(ds::is_subset(weights, others));
  // Vacuously true, as Haiku's is_subset(subset={'a': {}}, superset={}).
  EXPECT_TRUE(ds::is_subset(Tree::dict({{"a", Tree::dict({})}}), Tree::dict({})));
}

TEST(DataStructures, TreeSizeAndBytesCountEveryElement) {
  const nn::Params params = model_params();
  // Shapes by hand: layer norm scale and offset [4]; encoder w [4, 3], b [3]; decoder w [3, 2], b [2].
  const std::vector<std::vector<std::int64_t>> shapes{{4}, {4}, {4, 3}, {3}, {3, 2}, {2}};
  std::int64_t elements = 0;
  for (const auto& shape : shapes) {
    std::int64_t n = 1;
    for (std::int64_t d : shape) n *= d;
    elements += n;
  }
  EXPECT_EQ(elements, 31);
  EXPECT_EQ(ds::tree_size(params), elements);
  EXPECT_EQ(ds::tree_bytes(params), elements * 4);  // float32
  const nn::Params half = jx::tree::map([](const jx::Array& x) { return x.astype(jx::bfloat16); }, params);
  EXPECT_EQ(ds::tree_size(half), elements);
  EXPECT_EQ(ds::tree_bytes(half), elements * 2);

  // Any pytree: a struct-free tuple of arrays of other dtypes.
  const auto mixed = std::make_tuple(jnp::zeros({2, 5}, jx::int8), jnp::zeros({3}, jx::int32));
  EXPECT_EQ(ds::tree_size(mixed), 13);
  EXPECT_EQ(ds::tree_bytes(mixed), 10 * 1 + 3 * 4);
  EXPECT_EQ(ds::tree_size(Tree::dict({})), 0);
}

TEST(DataStructures, MutableDictRoundTrip) {
  const nn::Params params = model_params();
  ds::MutableDict editable = ds::to_mutable_dict(params);
  ASSERT_EQ(editable.size(), 3u);
  editable["encoder"]["b"] = jnp::array({7.0f, 8.0f, 9.0f});
  editable["empty"];  // a module with nothing in it is dropped, as everywhere else
  const nn::Params back = ds::to_haiku_dict(editable);
  EXPECT_EQ(paths(back), paths(params));
  EXPECT_EQ(values(back, "encoder", "b"), (std::vector<float>{7.0f, 8.0f, 9.0f}));
  EXPECT_EQ(values(back, "layer_norm", "scale"), values(params, "layer_norm", "scale"));
}

// Fine-tuning part of a model: the gradient with respect to the trainable part only, the rest merged
// back in inside the loss. Linear on x: loss = sum(x @ w + b), so dloss/dw[i][j] = sum_n x[n][i] and
// dloss/db[j] = batch size, whatever the other layer holds.
TEST(DataStructures, GradientThroughMergeOfPartitions) {
  auto model = nn::transform([](const jx::Array& x) {
    const jx::Array h = nn::Linear(3, {.name = "first"})(x);
    return nn::Linear(2, {.name = "second"})(h);
  });
  const std::vector<float> x_values{0.5f, -1.0f, 2.0f, 1.5f, 0.25f, -0.75f, 3.0f, 1.0f};  // [4, 2]
  const jx::Array x = jnp::array(x_values, jx::Shape{4, 2});
  const nn::Params params = model.init(jx::random::PRNGKey(3), x);
  auto [trainable, frozen] = ds::partition(
      [](const std::string& module, const std::string&, const jx::Array&) { return module == "first"; }, params);
  auto loss = [&](const nn::Params& train, const nn::Params& fixed) {
    return jnp::sum(model.apply(ds::merge({train, fixed}), std::nullopt, x));
  };
  const nn::Params grads = jx::jit(jx::grad(loss))(trainable, frozen);
  ASSERT_EQ(paths(grads), (std::vector<Path>{{"first", "b"}, {"first", "w"}}));
  // Closed form through the second layer: d/dh = sum over its outputs of w2, per feature.
  const std::vector<float> w2 = values(params, "second", "w");  // [3, 2]
  std::vector<double> row_sum(3);
  for (int k = 0; k < 3; ++k) row_sum[k] = static_cast<double>(w2[k * 2]) + w2[k * 2 + 1];
  const std::vector<float> gw = values(grads, "first", "w");  // [2, 3]
  const std::vector<float> gb = values(grads, "first", "b");
  for (int i = 0; i < 2; ++i) {
    double column = 0;
    for (int n = 0; n < 4; ++n) column += x_values[n * 2 + i];
    for (int k = 0; k < 3; ++k) EXPECT_NEAR(gw[i * 3 + k], column * row_sum[k], 1e-5) << i << "," << k;
  }
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(gb[k], 4 * row_sum[k], 1e-5);
}

TEST(DataStructures, RejectsTreesThatAreNotParameterStructures) {
  const nn::Params flat = Tree::dict({{"w", Tree(jnp::ones({2}))}});
  const nn::Params nested_list = Tree::dict({{"linear", Tree::list({Tree(jnp::ones({2}))})}});
  const nn::Params deep = Tree::dict({{"linear", Tree::dict({{"w", Tree::dict({{"x", Tree(jnp::ones({2}))}})}})}});
  const auto any = [](const std::string&, const std::string&, const jx::Array&) { return true; };
  EXPECT_THROW(ds::traverse(flat), jx::TreeError);
  EXPECT_THROW(ds::filter(any, nested_list), jx::TreeError);
  EXPECT_THROW(ds::partition(any, deep), jx::TreeError);
  EXPECT_THROW(ds::merge({Tree::list({})}), jx::TreeError);
  EXPECT_THROW(ds::is_subset(flat, flat), jx::TreeError);
  EXPECT_THROW(ds::to_mutable_dict(Tree(jnp::ones({2}))), jx::TreeError);
}

}  // namespace
