// jx/tree/traits.h — what counts as a pytree, and how each kind flattens and rebuilds.
//
// Leaves: jx::Array and types derived from it (jx::Key). Nodes: std::tuple, std::pair, std::array,
// std::vector, std::map<std::string, T>, std::optional<T> (empty = no leaves, JAX's None), the dynamic
// jx::tree::Tree, and user types registered in one of three ways:
//
//   struct Params { jx::Array weight, bias; };
//   JX_PYTREE(Params, weight, bias);               // at namespace scope, in Params's own namespace
//
//   struct Local { jx::Array w, b; JX_PYTREE_FIELDS(w, b); };   // in-class: local structs too
//
//   class Layer {                                   // private members: map to and from any pytree
//     friend auto jx_pytree_flatten(const Layer& l) { return std::tuple{l.w_, l.size_}; }
//     friend Layer jx_pytree_unflatten(std::type_identity<Layer>, std::tuple<jx::Array, int> c) { ... }
//   };
//
// Every other value in a tree (an int, a float, an enum, a string) is a *static leaf*: it is part of the
// structure, not a leaf. jit keys its cache on static leaves (so they must be hashable and
// equality-comparable) and retraces when one changes; grad and map pass them through unchanged:
//
//   struct Config { jx::Array scale; int layers; };  JX_PYTREE(Config, scale, layers);
//   jx::tree::leaves(Config{x, 3}).size() == 1     // `layers` is static
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "jx/core/array.h"
#include "jx/tree/dynamic.h"
#include "jx/tree/treedef.h"

namespace jx::tree {

template <class T>
struct TreeTraits;

namespace detail {

// Appends a tree's structure to a TreeDef and its Array leaves to a vector.
class Flattener {
 public:
  Flattener(TreeDef& def, std::vector<Array>& leaves) : def_(def), leaves_(leaves) {}
  void leaf(const Array& x) {
    def_.end_node(def_.begin_node(Node{NodeKind::leaf}), 0);
    leaves_.push_back(x);
  }
  void static_leaf(StaticValue value) {
    Node node{NodeKind::static_leaf};
    node.static_index = def_.add_static(std::move(value));
    def_.end_node(def_.begin_node(node), 0);
  }
  void none() { def_.end_node(def_.begin_node(Node{NodeKind::none}), 0); }
  std::size_t begin(NodeKind kind, const NodeType* type = nullptr) {
    Node node{kind};
    node.type = type;
    return def_.begin_node(node);
  }
  std::size_t begin_dict(const std::vector<std::string>& keys) {
    Node node{NodeKind::dict};
    node.keys_index = def_.add_keys(keys);
    return def_.begin_node(node);
  }
  void end(std::size_t node, std::size_t arity) { def_.end_node(node, static_cast<std::uint32_t>(arity)); }

 private:
  TreeDef& def_;
  std::vector<Array>& leaves_;
};

// Walks a TreeDef in preorder with its leaves, rebuilding typed values.
class Reader {
 public:
  Reader(const TreeDef& def, std::span<const Array> leaves) : def_(def), leaves_(leaves) {}
  // A reader that moves the leaves out of `leaves` as it takes them.
  Reader(const TreeDef& def, std::span<Array> leaves) : def_(def), leaves_(leaves), movable_(leaves.data()) {}
  // The next node, which must be of the expected kind (and type, for custom nodes).
  const Node& expect(NodeKind kind, const NodeType* type, const char* cpp_type) {
    const std::vector<Node>& nodes = def_.nodes();
    if (node_ < nodes.size()) {
      const Node& node = nodes[node_];
      if (node.kind == kind && (kind != NodeKind::custom || node.type == type)) {
        ++node_;
        return node;
      }
    }
    throw_unexpected(kind, cpp_type);
  }
  const Node& peek() const;
  const Node& next();  // the next node, whatever its kind (for dynamic trees)
  const StaticValue& static_of(const Node& node) const {
    return def_.statics()[static_cast<std::size_t>(node.static_index)];
  }
  // Throws TreeError unless a container node has the arity the C++ type needs.
  void check_arity(const Node& node, std::size_t expected, const char* cpp_type) const;
  Array take_leaf() {
    expect(NodeKind::leaf, nullptr, "jx::Array");
    if (leaf_ >= leaves_.size()) throw_too_few_leaves();
    const std::size_t i = leaf_++;
    return movable_ ? std::move(movable_[i]) : leaves_[i];
  }
  const StaticValue& take_static(const std::type_info& type, const char* cpp_type);
  const std::string& key(const Node& dict_node, std::size_t i) const {
    return def_.keys()[static_cast<std::size_t>(dict_node.keys_index) + i];
  }
  bool done() const { return node_ == def_.nodes().size() && leaf_ == leaves_.size(); }
  void check_done() const;

 private:
  [[noreturn]] void throw_unexpected(NodeKind kind, const char* cpp_type) const;
  [[noreturn]] void throw_too_few_leaves() const;

  const TreeDef& def_;
  std::span<const Array> leaves_;
  Array* movable_ = nullptr;  // the same leaves, when they may be moved from
  std::size_t node_ = 0, leaf_ = 0;
};

std::vector<std::string> split_field_names(const char* names);
[[noreturn]] void throw_conversion_error(const char* expected, const Tree& got);

template <class T>
T static_of(const Tree& t) {
  if (!t.is_static() || t.static_leaf().type() != typeid(T)) throw_conversion_error(typeid(T).name(), t);
  return t.value<T>();
}
const Tree::List& list_of(const Tree& t, std::size_t size, const char* expected);
const NodeType& make_node_type(std::string name, std::vector<std::string> fields, const std::type_info& type);

template <class T>
struct is_container : std::false_type {};
template <class... Ts>
struct is_container<std::tuple<Ts...>> : std::true_type {};
template <class A, class B>
struct is_container<std::pair<A, B>> : std::true_type {};
template <class T, std::size_t N>
struct is_container<std::array<T, N>> : std::true_type {};
template <class T>
struct is_container<std::vector<T>> : std::true_type {};
template <class K, class T>
struct is_container<std::map<K, T>> : std::true_type {};
template <class T>
struct is_container<std::optional<T>> : std::true_type {};
template <>
struct is_container<Tree> : std::true_type {};

}  // namespace detail

template <class T>
concept ArrayLeaf = std::derived_from<T, Array>;

template <class T>
concept FieldsAtNamespaceScope = requires(T& v, const T& c) {
  jx_pytree_tie(v);
  jx_pytree_tie(c);
  jx_pytree_names(static_cast<const T*>(nullptr));
};

template <class T>
concept FieldsInClass = requires(T& v, const T& c) {
  v.jx_pytree_tie();
  c.jx_pytree_tie();
  T::jx_pytree_field_names();
};

template <class T>
concept CustomNode = requires(const T& v) {
  jx_pytree_flatten(v);
}
&&!FieldsAtNamespaceScope<T> && !FieldsInClass<T>;

template <class T>
concept Hashable = std::is_enum_v<T> || requires(const T& v) {
  { std::hash<T>{}(v) } -> std::convertible_to<std::size_t>;
};

template <class T>
concept StaticLeaf = !ArrayLeaf<T> && !FieldsAtNamespaceScope<T> && !FieldsInClass<T> && !CustomNode<T> &&
                     !detail::is_container<T>::value && Hashable<T> && std::equality_comparable<T>;

// Anything TreeTraits knows.
template <class T>
concept Pytree = requires {
  sizeof(TreeTraits<std::remove_cvref_t<T>>);
};

// --- Leaves ---------------------------------------------------------------------------------------

template <ArrayLeaf T>
struct TreeTraits<T> {
  static void flatten(const T& x, detail::Flattener& f) { f.leaf(x); }
  static T unflatten(detail::Reader& r) {
    if constexpr (std::is_same_v<T, Array>)
      return r.take_leaf();
    else
      return T(r.take_leaf());
  }
  static Tree to_tree(const T& x) { return Tree(x); }
  static T from_tree(const Tree& t) {
    if constexpr (std::is_same_v<T, Array>)
      return t.array();
    else
      return T(t.array());
  }
};

template <StaticLeaf T>
struct TreeTraits<T> {
  static void flatten(const T& x, detail::Flattener& f) { f.static_leaf(StaticValue(x)); }
  static T unflatten(detail::Reader& r) { return r.take_static(typeid(T), typeid(T).name()).template get<T>(); }
  static Tree to_tree(const T& x) { return Tree::static_value(x); }
  static T from_tree(const Tree& t) { return detail::static_of<T>(t); }
};

// --- Containers -----------------------------------------------------------------------------------

namespace detail {
template <class Tuple, std::size_t... I>
void flatten_elements(const Tuple& t, Flattener& f, std::index_sequence<I...>) {
  (TreeTraits<std::remove_cvref_t<std::tuple_element_t<I, Tuple>>>::flatten(std::get<I>(t), f), ...);
}
}  // namespace detail

template <class... Ts>
struct TreeTraits<std::tuple<Ts...>> {
  static void flatten(const std::tuple<Ts...>& t, detail::Flattener& f) {
    const std::size_t node = f.begin(NodeKind::tuple);
    detail::flatten_elements(t, f, std::index_sequence_for<Ts...>{});
    f.end(node, sizeof...(Ts));
  }
  static std::tuple<Ts...> unflatten(detail::Reader& r) {
    const Node& node = r.expect(NodeKind::tuple, nullptr, "std::tuple");
    r.check_arity(node, sizeof...(Ts), "std::tuple");
    return std::tuple<Ts...>{TreeTraits<Ts>::unflatten(r)...};  // braces: evaluated left to right
  }
  static Tree to_tree(const std::tuple<Ts...>& t) {
    return Tree::list(std::apply(
        [](const auto&... x) { return Tree::List{TreeTraits<std::remove_cvref_t<decltype(x)>>::to_tree(x)...}; }, t));
  }
  static std::tuple<Ts...> from_tree(const Tree& t) {
    const Tree::List& items = detail::list_of(t, sizeof...(Ts), "a list for std::tuple");
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return std::tuple<Ts...>{TreeTraits<Ts>::from_tree(items[I])...};
    }
    (std::index_sequence_for<Ts...>{});
  }
};

template <class A, class B>
struct TreeTraits<std::pair<A, B>> {
  static void flatten(const std::pair<A, B>& p, detail::Flattener& f) {
    const std::size_t node = f.begin(NodeKind::tuple);
    TreeTraits<A>::flatten(p.first, f);
    TreeTraits<B>::flatten(p.second, f);
    f.end(node, 2);
  }
  static std::pair<A, B> unflatten(detail::Reader& r) {
    const Node& node = r.expect(NodeKind::tuple, nullptr, "std::pair");
    r.check_arity(node, 2, "std::pair");
    A first = TreeTraits<A>::unflatten(r);
    B second = TreeTraits<B>::unflatten(r);
    return {std::move(first), std::move(second)};
  }
  static Tree to_tree(const std::pair<A, B>& p) {
    return Tree::list({TreeTraits<A>::to_tree(p.first), TreeTraits<B>::to_tree(p.second)});
  }
  static std::pair<A, B> from_tree(const Tree& t) {
    const Tree::List& items = detail::list_of(t, 2, "a list of two for std::pair");
    return {TreeTraits<A>::from_tree(items[0]), TreeTraits<B>::from_tree(items[1])};
  }
};

template <class T, std::size_t N>
struct TreeTraits<std::array<T, N>> {
  static void flatten(const std::array<T, N>& a, detail::Flattener& f) {
    const std::size_t node = f.begin(NodeKind::tuple);
    for (const T& x : a) TreeTraits<T>::flatten(x, f);
    f.end(node, N);
  }
  static std::array<T, N> unflatten(detail::Reader& r) {
    const Node& node = r.expect(NodeKind::tuple, nullptr, "std::array");
    r.check_arity(node, N, "std::array");
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return std::array<T, N>{((void)I, TreeTraits<T>::unflatten(r))...};
    }
    (std::make_index_sequence<N>{});
  }
  static Tree to_tree(const std::array<T, N>& a) {
    Tree::List items;
    for (const T& x : a) items.push_back(TreeTraits<T>::to_tree(x));
    return Tree::list(std::move(items));
  }
  static std::array<T, N> from_tree(const Tree& t) {
    const Tree::List& items = detail::list_of(t, N, "a list for std::array");
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return std::array<T, N>{TreeTraits<T>::from_tree(items[I])...};
    }
    (std::make_index_sequence<N>{});
  }
};

template <class T>
struct TreeTraits<std::vector<T>> {
  static void flatten(const std::vector<T>& v, detail::Flattener& f) {
    const std::size_t node = f.begin(NodeKind::list);
    for (const T& x : v) TreeTraits<T>::flatten(x, f);
    f.end(node, v.size());
  }
  static std::vector<T> unflatten(detail::Reader& r) {
    const Node& node = r.expect(NodeKind::list, nullptr, "std::vector");
    std::vector<T> v;
    v.reserve(node.arity);
    for (std::uint32_t i = 0; i < node.arity; ++i) v.push_back(TreeTraits<T>::unflatten(r));
    return v;
  }
  static Tree to_tree(const std::vector<T>& v) {
    Tree::List items;
    for (const T& x : v) items.push_back(TreeTraits<T>::to_tree(x));
    return Tree::list(std::move(items));
  }
  static std::vector<T> from_tree(const Tree& t) {
    const Tree::List& items = detail::list_of(t, t.is_list() ? t.size() : 0, "a list for std::vector");
    std::vector<T> v;
    for (const Tree& item : items) v.push_back(TreeTraits<T>::from_tree(item));
    return v;
  }
};

template <class T>
struct TreeTraits<std::map<std::string, T>> {
  static void flatten(const std::map<std::string, T>& m, detail::Flattener& f) {
    std::vector<std::string> keys;
    keys.reserve(m.size());
    for (const auto& entry : m) keys.push_back(entry.first);
    const std::size_t node = f.begin_dict(keys);
    for (const auto& entry : m) TreeTraits<T>::flatten(entry.second, f);
    f.end(node, m.size());
  }
  static std::map<std::string, T> unflatten(detail::Reader& r) {
    const Node& node = r.expect(NodeKind::dict, nullptr, "std::map<std::string, T>");
    std::map<std::string, T> m;
    for (std::uint32_t i = 0; i < node.arity; ++i) {
      const std::string& key = r.key(node, i);
      m.emplace(key, TreeTraits<T>::unflatten(r));
    }
    return m;
  }
  static Tree to_tree(const std::map<std::string, T>& m) {
    Tree::Dict items;
    for (const auto& [key, value] : m) items.emplace(key, TreeTraits<T>::to_tree(value));
    return Tree::dict(std::move(items));
  }
  static std::map<std::string, T> from_tree(const Tree& t) {
    if (!t.is_dict()) detail::throw_conversion_error("a dict for std::map", t);
    std::map<std::string, T> m;
    for (const auto& [key, value] : t.as_dict()) m.emplace(key, TreeTraits<T>::from_tree(value));
    return m;
  }
};

template <class T>
struct TreeTraits<std::optional<T>> {
  static void flatten(const std::optional<T>& o, detail::Flattener& f) {
    if (o)
      TreeTraits<T>::flatten(*o, f);
    else
      f.none();
  }
  static std::optional<T> unflatten(detail::Reader& r) {
    if (r.peek().kind == NodeKind::none) {
      r.expect(NodeKind::none, nullptr, "std::optional");
      return std::nullopt;
    }
    return TreeTraits<T>::unflatten(r);
  }
  static Tree to_tree(const std::optional<T>& o) { return o ? TreeTraits<T>::to_tree(*o) : Tree::none(); }
  static std::optional<T> from_tree(const Tree& t) {
    if (t.is_none()) return std::nullopt;
    return TreeTraits<T>::from_tree(t);
  }
};

template <>
struct TreeTraits<Tree> {
  static void flatten(const Tree& t, detail::Flattener& f);
  static Tree unflatten(detail::Reader& r);
  static Tree to_tree(const Tree& t) { return t; }
  static Tree from_tree(const Tree& t) { return t; }
};

// --- Registered types -----------------------------------------------------------------------------

namespace detail {
template <class T, class Tie>
void flatten_fields(const NodeType& type, const Tie& fields, Flattener& f) {
  const std::size_t node = f.begin(NodeKind::custom, &type);
  std::apply([&](const auto&... field) { (TreeTraits<std::remove_cvref_t<decltype(field)>>::flatten(field, f), ...); },
             fields);
  f.end(node, std::tuple_size_v<Tie>);
}

template <class Tie>
Tree fields_to_tree(const NodeType& type, const Tie& fields) {
  Tree::Dict items;
  std::size_t i = 0;
  std::apply(
      [&](const auto&... field) {
        ((items.emplace(type.fields[i++], TreeTraits<std::remove_cvref_t<decltype(field)>>::to_tree(field))), ...);
      },
      fields);
  return Tree::dict(std::move(items));
}

template <class Tie>
void fields_from_tree(const NodeType& type, Tie fields, const Tree& t) {
  if (!t.is_dict() || t.size() != type.fields.size()) throw_conversion_error(type.name.c_str(), t);
  std::size_t i = 0;
  std::apply(
      [&](auto&... field) {
        ((field = TreeTraits<std::remove_cvref_t<decltype(field)>>::from_tree(t[type.fields[i++]])), ...);
      },
      fields);
}

template <class T, class Tie>
void unflatten_fields(const NodeType& type, Tie fields, Reader& r) {
  r.expect(NodeKind::custom, &type, type.name.c_str());
  std::apply([&](auto&... field) { ((field = TreeTraits<std::remove_cvref_t<decltype(field)>>::unflatten(r)), ...); },
             fields);
}
}  // namespace detail

template <FieldsAtNamespaceScope T>
struct TreeTraits<T> {
  static const NodeType& type() {
    static const NodeType& t = [] {
      const std::string spec = jx_pytree_names(static_cast<const T*>(nullptr));  // "Type: a, b"
      const std::size_t colon = spec.find(':');
      return std::ref(detail::make_node_type(spec.substr(0, colon), detail::split_field_names(spec.c_str() + colon + 1),
                                             typeid(T)));
    }();
    return t;
  }
  static void flatten(const T& x, detail::Flattener& f) { detail::flatten_fields<T>(type(), jx_pytree_tie(x), f); }
  static T unflatten(detail::Reader& r) {
    T result{};
    detail::unflatten_fields<T>(type(), jx_pytree_tie(result), r);
    return result;
  }
  static Tree to_tree(const T& x) { return detail::fields_to_tree(type(), jx_pytree_tie(x)); }
  static T from_tree(const Tree& t) {
    T result{};
    detail::fields_from_tree(type(), jx_pytree_tie(result), t);
    return result;
  }
};

template <FieldsInClass T>
struct TreeTraits<T> {
  static const NodeType& type() {
    static const NodeType& t = detail::make_node_type(detail::demangle(typeid(T).name()),
                                                      detail::split_field_names(T::jx_pytree_field_names()), typeid(T));
    return t;
  }
  static void flatten(const T& x, detail::Flattener& f) { detail::flatten_fields<T>(type(), x.jx_pytree_tie(), f); }
  static T unflatten(detail::Reader& r) {
    T result{};
    detail::unflatten_fields<T>(type(), result.jx_pytree_tie(), r);
    return result;
  }
  static Tree to_tree(const T& x) { return detail::fields_to_tree(type(), x.jx_pytree_tie()); }
  static T from_tree(const Tree& t) {
    T result{};
    detail::fields_from_tree(type(), result.jx_pytree_tie(), t);
    return result;
  }
};

template <CustomNode T>
struct TreeTraits<T> {
  using Children = std::remove_cvref_t<decltype(jx_pytree_flatten(std::declval<const T&>()))>;
  static const NodeType& type() {
    static const NodeType& t = detail::make_node_type(detail::demangle(typeid(T).name()), {}, typeid(T));
    return t;
  }
  static void flatten(const T& x, detail::Flattener& f) {
    const std::size_t node = f.begin(NodeKind::custom, &type());
    TreeTraits<Children>::flatten(jx_pytree_flatten(x), f);
    f.end(node, 1);
  }
  static T unflatten(detail::Reader& r) {
    r.expect(NodeKind::custom, &type(), type().name.c_str());
    return jx_pytree_unflatten(std::type_identity<T>{}, TreeTraits<Children>::unflatten(r));
  }
  static Tree to_tree(const T& x) { return TreeTraits<Children>::to_tree(jx_pytree_flatten(x)); }
  static T from_tree(const Tree& t) {
    return jx_pytree_unflatten(std::type_identity<T>{}, TreeTraits<Children>::from_tree(t));
  }
};

}  // namespace jx::tree

// --- Registration macros ----------------------------------------------------------------------------

#define JX_PYTREE_EXPAND(x) x
#define JX_PYTREE_MEMBER_1(self, a) self.a
#define JX_PYTREE_MEMBER_2(self, a, ...) self.a, JX_PYTREE_EXPAND(JX_PYTREE_MEMBER_1(self, __VA_ARGS__))
#define JX_PYTREE_MEMBER_3(self, a, ...) self.a, JX_PYTREE_EXPAND(JX_PYTREE_MEMBER_2(self, __VA_ARGS__))
#define JX_PYTREE_MEMBER_4(self, a, ...) self.a, JX_PYTREE_EXPAND(JX_PYTREE_MEMBER_3(self, __VA_ARGS__))
#define JX_PYTREE_MEMBER_5(self, a, ...) self.a, JX_PYTREE_EXPAND(JX_PYTREE_MEMBER_4(self, __VA_ARGS__))
#define JX_PYTREE_MEMBER_6(self, a, ...) self.a, JX_PYTREE_EXPAND(JX_PYTREE_MEMBER_5(self, __VA_ARGS__))
#define JX_PYTREE_MEMBER_7(self, a, ...) self.a, JX_PYTREE_EXPAND(JX_PYTREE_MEMBER_6(self, __VA_ARGS__))
#define JX_PYTREE_MEMBER_8(self, a, ...) self.a, JX_PYTREE_EXPAND(JX_PYTREE_MEMBER_7(self, __VA_ARGS__))
#define JX_PYTREE_MEMBER_9(self, a, ...) self.a, JX_PYTREE_EXPAND(JX_PYTREE_MEMBER_8(self, __VA_ARGS__))
#define JX_PYTREE_MEMBER_10(self, a, ...) self.a, JX_PYTREE_EXPAND(JX_PYTREE_MEMBER_9(self, __VA_ARGS__))
#define JX_PYTREE_MEMBER_11(self, a, ...) self.a, JX_PYTREE_EXPAND(JX_PYTREE_MEMBER_10(self, __VA_ARGS__))
#define JX_PYTREE_MEMBER_12(self, a, ...) self.a, JX_PYTREE_EXPAND(JX_PYTREE_MEMBER_11(self, __VA_ARGS__))
#define JX_PYTREE_MEMBER_13(self, a, ...) self.a, JX_PYTREE_EXPAND(JX_PYTREE_MEMBER_12(self, __VA_ARGS__))
#define JX_PYTREE_MEMBER_14(self, a, ...) self.a, JX_PYTREE_EXPAND(JX_PYTREE_MEMBER_13(self, __VA_ARGS__))
#define JX_PYTREE_MEMBER_15(self, a, ...) self.a, JX_PYTREE_EXPAND(JX_PYTREE_MEMBER_14(self, __VA_ARGS__))
#define JX_PYTREE_MEMBER_16(self, a, ...) self.a, JX_PYTREE_EXPAND(JX_PYTREE_MEMBER_15(self, __VA_ARGS__))
#define JX_PYTREE_COUNT(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, N, ...) N
#define JX_PYTREE_MEMBERS_N(N, self, ...) JX_PYTREE_EXPAND(JX_PYTREE_MEMBER_##N(self, __VA_ARGS__))
#define JX_PYTREE_MEMBERS_DISPATCH(N, self, ...) JX_PYTREE_MEMBERS_N(N, self, __VA_ARGS__)
#define JX_PYTREE_MEMBERS(self, ...)                                                                               \
  JX_PYTREE_MEMBERS_DISPATCH(                                                                                      \
      JX_PYTREE_EXPAND(JX_PYTREE_COUNT(__VA_ARGS__, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1)), self, \
      __VA_ARGS__)

// Registers a struct's fields (up to 16) as its pytree children. Use at namespace scope, in the
// struct's own namespace (jx finds it by argument-dependent lookup).
#define JX_PYTREE(Type, ...)                                                                          \
  [[maybe_unused]] inline auto jx_pytree_tie(Type& jx_self) {                                         \
    return std::tie(JX_PYTREE_MEMBERS(jx_self, __VA_ARGS__));                                         \
  }                                                                                                   \
  [[maybe_unused]] inline auto jx_pytree_tie(const Type& jx_self) {                                   \
    return std::tie(JX_PYTREE_MEMBERS(jx_self, __VA_ARGS__));                                         \
  }                                                                                                   \
  [[maybe_unused]] inline const char* jx_pytree_names(const Type*) { return #Type ":" #__VA_ARGS__; } \
  static_assert(true)

// The same from inside the struct's body (also for local structs).
#define JX_PYTREE_FIELDS(...)                                                   \
  auto jx_pytree_tie() { return std::tie(__VA_ARGS__); }                        \
  auto jx_pytree_tie() const { return std::tie(__VA_ARGS__); }                  \
  static constexpr const char* jx_pytree_field_names() { return #__VA_ARGS__; } \
  static_assert(true)
