// JAX's "Pytrees" tutorial (docs/pytrees.md), cell by cell in jx.
//
// Python's nested lists and dicts of mixed things are jx::tree::Tree values (dynamic trees); a
// namedtuple is a struct registered with JX_PYTREE. One difference runs through the tutorial: a
// JAX leaf is any object, while a jx leaf is an array. Python's ints become 0-d int arrays here (as
// jnp.asarray would make them), and strings and other C++ values are static leaves: part of the
// tree's structure, with no key path, and not visited by tree::map.
//
// Expected texts: the JAX 101 notebook docs/jax-101/05.1-pytrees.ipynb at JAX commit 10ed827fe9^
// (same code, with jax.tree_util spellings), unless a comment says otherwise.
// Run: ./build/default/docs/tutorials/tutorial_08_pytrees
#include <jx/jx.h>

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <iomanip>
#include <iostream>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "tutorial.h"

namespace jnp = jx::numpy;
using jx::tree::Tree;

// Python's bare `object()`: some value of a type jx knows nothing about. Any hashable C++ value can
// sit in a tree, as a static leaf.
enum class Object { instance };

// Cell 8's namedtuple ATuple("ATuple", ('name')).
struct ATuple {
  std::string name;
};
JX_PYTREE(ATuple, name);

namespace {

// A Python list of ints, its ints as 0-d arrays.
Tree ints(std::initializer_list<int> values) {
  Tree::List items;
  for (int v : values) items.emplace_back(jnp::array(v));
  return Tree::list(std::move(items));
}

// The MLP parameters of cells 4-6: a list of dicts of arrays.
using Layer = std::map<std::string, jx::Array>;
using Params = std::vector<Layer>;

// Cell 4. NumPy's global generator draws the weights in Python; the values are never printed, so a
// jx key draws them here (in float32, which is what jax.grad would have made of NumPy's float64).
Params init_mlp_params(const std::vector<std::int64_t>& layer_widths) {
  Params params;
  jx::Key key = jx::random::key(0);
  for (std::size_t i = 0; i + 1 < layer_widths.size(); ++i) {
    const std::int64_t n_in = layer_widths[i], n_out = layer_widths[i + 1];
    auto [next, draw] = jx::random::split(key);
    key = next;
    params.push_back({{"weights", jx::random::normal(draw, {n_in, n_out}) *
                                      static_cast<float>(std::sqrt(2.0 / static_cast<double>(n_in)))},
                      {"biases", jnp::ones({n_out})}});
  }
  return params;
}

// Cell 6: the forward pass, the loss and one SGD step.
jx::Array forward(const Params& params, jx::Array x) {
  for (std::size_t i = 0; i + 1 < params.size(); ++i)  // *hidden, last = params
    x = jx::nn::relu(jnp::matmul(x, params[i].at("weights")) + params[i].at("biases"));
  const Layer& last = params.back();
  return jnp::matmul(x, last.at("weights")) + last.at("biases");
}

jx::Array loss_fn(const Params& params, const jx::Array& x, const jx::Array& y) {
  return jnp::mean(jnp::power(forward(params, x) - y, 2));
}

constexpr float LEARNING_RATE = 0.0001f;

// @jax.jit def update(params, x, y): the gradient has params' structure, so tree::map pairs them up.
const auto update = jx::jit([](const Params& params, const jx::Array& x, const jx::Array& y) {
  const Params grads = jx::grad(loss_fn)(params, x, y);
  return jx::tree::map([](const jx::Array& p, const jx::Array& g) { return p - LEARNING_RATE * g; }, params, grads);
});

// repr() of JAX's key classes, from what a jx path entry holds (jx prints entries only as keystr's
// pieces: "[1]", "['k1']", ".name").
std::string key_repr(const jx::tree::PathEntry& entry) {
  switch (entry.kind) {
    case jx::tree::PathEntry::Kind::index:
      return "SequenceKey(idx=" + std::to_string(entry.index) + ")";
    case jx::tree::PathEntry::Kind::key:
      return "DictKey(key='" + entry.name + "')";
    case jx::tree::PathEntry::Kind::field:
      return "GetAttrKey(name='" + entry.name + "')";
  }
  return {};
}

std::string path_repr(const jx::tree::KeyPath& path) {  // a Python tuple
  std::string s = "(";
  for (std::size_t i = 0; i < path.size(); ++i) s += (i ? ", " : "") + key_repr(path[i]);
  return s + (path.size() == 1 ? ",)" : ")");
}

}  // namespace

int main() {
  tutorial::Tutorial t("Pytrees", "docs/pytrees.md", 16);

  t.not_translated("%xmode minimal: an IPython magic (exception display mode), nothing to translate");

  // How many leaves some trees have. Ints are 0-d arrays (leaves); the string and the object are
  // static leaves (no leaves of their own); Python's tuples are lists in a dynamic tree. JAX's text
  // has the object's address, different on every run.
  t.differing_cell(
      R"([1, 'a', <object object at 0x7fada8e9e9d0>]   has 3 leaves: [1, 'a', <object object at 0x7fada8e9e9d0>]
(1, (2, 3), ())                               has 3 leaves: [1, 2, 3]
[1, {'k1': 2, 'k2': (3, 4)}, 5]               has 5 leaves: [1, 2, 3, 4, 5]
{'a': 2, 'b': (2, 3)}                         has 3 leaves: [2, 2, 3]
Array([1, 2, 3], dtype=int32)                 has 1 leaves: [Array([1, 2, 3], dtype=int32)])",
      "jx leaves are arrays: ints are 0-d arrays, the string and object static leaves", [] {
        auto one = [](int v) { return Tree(jnp::array(v)); };
        const std::vector<Tree> example_trees = {
            Tree::list({one(1), Tree::static_value(std::string("a")), Tree::static_value(Object::instance)}),
            Tree::list({one(1), ints({2, 3}), Tree::list({})}),
            Tree::list({one(1), Tree::dict({{"k1", one(2)}, {"k2", ints({3, 4})}}), one(5)}),
            Tree::dict({{"a", one(2)}, {"b", ints({2, 3})}}),
            Tree(jnp::array({1, 2, 3})),
        };
        for (const Tree& pytree : example_trees) {
          const std::vector<jx::Array> leaves = jx::tree::leaves(pytree);
          std::cout << std::left << std::setw(45) << pytree.repr() << " has " << leaves.size()
                    << " leaves: " << tutorial::py_list(leaves) << "\n";
        }
      });

  // jax.tree.map over a list of lists of ints. The leaves are 0-d arrays; the function returns a
  // plain int, as Python's x*2 on an int does, and a dynamic tree keeps what the function returns.
  const Tree list_of_lists = Tree::list({ints({1, 2, 3}), ints({1, 2}), ints({1, 2, 3, 4})});
  t.cell("[[2, 4, 6], [2, 4], [2, 4, 6, 8]]", [&] {
    std::cout << jx::tree::map([](const jx::Array& x) { return (x * 2).item<int>(); }, list_of_lists) << "\n";
  });

  // An n-ary map: the trees must have the same structure.
  t.cell("[[2, 4, 6], [2, 4], [2, 4, 6, 8]]", [&] {
    const Tree another_list_of_lists = list_of_lists;
    std::cout << jx::tree::map([](const jx::Array& x, const jx::Array& y) { return (x + y).item<int>(); },
                               list_of_lists, another_list_of_lists)
              << "\n";
  });

  // MLP parameters: a list of dicts of arrays (init_mlp_params is above main).
  Params params;
  t.cell("", [&] { params = init_mlp_params({1, 128, 128, 1}); });

  // jax.tree.map(lambda x: x.shape, params): each leaf becomes its shape, a static leaf of the result.
  // Python shows a shape as a tuple; jx::Shape prints the same way.
  t.cell(R"([{'biases': (128,), 'weights': (1, 128)},
 {'biases': (128,), 'weights': (128, 128)},
 {'biases': (1,), 'weights': (128, 1)}])",
         [&] {
           std::cout << jx::tree::map([](const jx::Array& x) { return x.shape(); }, jx::tree::to_dynamic(params))
                     << "\n";
         });

  // forward, loss_fn and the jitted update are defined above main; defining them prints nothing.
  t.cell("", [] { (void)update; });

  // The structure of an arbitrary object: in JAX any unregistered object is a leaf, *; in jx a
  // non-array value is a static leaf, kept in the structure with its value. JAX's text is how it
  // prints a lone leaf's structure (as in jx for an array: PyTreeDef(*)).
  t.differing_cell("PyTreeDef(*)", "a non-array C++ value is a static leaf, printed in the structure",
                   [] { std::cout << jx::tree::structure(Object::instance) << "\n"; });

  // Key paths. Python's list of mixed things is a std::tuple here (its entries print as [i] too), so
  // that the namedtuple can be a registered struct with a field path (.name).
  const auto tree =
      std::tuple{jnp::array(1), Tree::dict({{"k1", Tree(jnp::array(2))}, {"k2", ints({3, 4})}}), ATuple{"foo"}};
  const auto flattened = jx::tree::flatten_with_path(tree).first;
  t.differing_cell(R"(Value of tree[0]: 1
Value of tree[1]['k1']: 2
Value of tree[1]['k2'][0]: 3
Value of tree[1]['k2'][1]: 4
Value of tree[2].name: foo)",
                   "the string 'foo' is a static leaf in jx: no key path, so no last line", [&] {
                     for (const auto& [key_path, value] : flattened)
                       std::cout << "Value of tree" << jx::tree::keystr(key_path) << ": " << value << "\n";
                   });

  // The key objects themselves (path_repr above main writes them as JAX's classes print).
  t.differing_cell(R"(Key path of tree[0]: (SequenceKey(idx=0),)
Key path of tree[1]['k1']: (SequenceKey(idx=1), DictKey(key='k1'))
Key path of tree[1]['k2'][0]: (SequenceKey(idx=1), DictKey(key='k2'), SequenceKey(idx=0))
Key path of tree[1]['k2'][1]: (SequenceKey(idx=1), DictKey(key='k2'), SequenceKey(idx=1))
Key path of tree[2].name: (SequenceKey(idx=2), GetAttrKey(name='name')))",
                   "the string 'foo' is a static leaf in jx: no key path, so no last line", [&] {
                     for (const auto& [key_path, value] : flattened)
                       std::cout << "Key path of tree" << jx::tree::keystr(key_path) << ": " << path_repr(key_path)
                                 << "\n";
                   });

  // The gotcha: a shape tuple is a node, so mapping jnp.ones over shapes calls it on each int. A
  // jx::Shape is a value, not a node, so the shapes are spelled as tuples of ints here, which are
  // nodes with number leaves as in Python; jx then makes the same mistake.
  t.differing_cell(R"([(Array([1., 1.], dtype=float32), Array([1., 1., 1.], dtype=float32)),
 (Array([1., 1., 1.], dtype=float32), Array([1., 1., 1., 1.], dtype=float32))])",
                   "a jx Shape is not a tuple node; a dynamic tree prints tuples as lists", [] {
                     const std::vector<jx::Array> a_tree = {jnp::zeros({2, 3}), jnp::zeros({3, 4})};
                     std::vector<std::tuple<std::int64_t, std::int64_t>> shapes;
                     for (const jx::Array& x : a_tree) shapes.emplace_back(x.shape()[0], x.shape()[1]);
                     const auto ones =
                         jx::tree::map([](const jx::Array& n) { return jnp::ones({n.item<std::int64_t>()}); }, shapes);
                     std::cout << jx::tree::to_dynamic(ones) << "\n";
                   });

  // None is an empty node, not a leaf (None is an empty std::optional).
  t.cell("[]", [] {
    const std::vector<std::optional<jx::Array>> nones(3);
    std::cout << tutorial::py_list(jx::tree::leaves(nones)) << "\n";
  });

  // is_leaf makes None a leaf; it applies to dynamic trees, so the list is converted first.
  t.cell("[None, None, None]", [] {
    const Tree nones = jx::tree::to_dynamic(std::vector<std::optional<jx::Array>>(3));
    const auto found = jx::tree::leaves(nones, jx::tree::IsLeaf{[](const Tree& x) { return x.is_none(); }});
    std::cout << Tree::list(found) << "\n";
  });

  // Dict keys must be sortable: JAX raises on {1: 7, "y": 42}, where sorting compares an int with a
  // str. JAX's text is the error jaxlib raises from that TypeError (jaxlib/pytree.cc,
  // GetSortedPyDictKeys, at JAX's HEAD).
  t.differing_cell("ValueError: Comparator raised exception while sorting pytree dictionary keys.",
                   "jx dict keys are std::string, so unsortable keys cannot be written; the key 1 is '1' here", [] {
                     const Tree d = Tree::dict({{"1", Tree(jnp::array(7))}, {"y", Tree(jnp::array(42))}});
                     std::cout << jx::tree::map([](const jx::Array& x) { return (x + 1).item<int>(); }, d) << "\n";
                   });

  // Transposing a list of trees into a tree of lists with tree::map. jx's map takes a fixed number of
  // trees, so the list's two trees are passed as Python's *list_of_trees spreads them. The leaves
  // are the ints' 0-d arrays.
  const std::vector<Tree> episode_steps = {Tree::dict({{"t", Tree(jnp::array(1))}, {"obs", Tree(jnp::array(3))}}),
                                           Tree::dict({{"t", Tree(jnp::array(2))}, {"obs", Tree(jnp::array(4))}})};
  t.differing_cell("{'obs': [3, 4], 't': [1, 2]}", "the ints are 0-d arrays in jx, and print as arrays", [&] {
    auto tree_transpose = [](const std::vector<Tree>& list_of_trees) {
      return jx::tree::map(
          [](const jx::Array& a, const jx::Array& b) {
            return Tree::list({a, b});
          },
          list_of_trees[0], list_of_trees[1]);
    };
    std::cout << tree_transpose(episode_steps) << "\n";
  });

  // jax.tree.transpose with the outer (a list of two) and inner (one step's dict) structures.
  t.differing_cell("{'obs': [3, 4], 't': [1, 2]}", "the ints are 0-d arrays in jx, and print as arrays", [&] {
    const std::vector<jx::Array> zeros(episode_steps.size(), jnp::array(0));
    std::cout << jx::tree::transpose(/*outer=*/jx::tree::structure(zeros),
                                     /*inner=*/jx::tree::structure(episode_steps[0]), episode_steps)
              << "\n";
  });

  return t.finish();
}
