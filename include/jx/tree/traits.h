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
//
// Leaves are copied, or moved out of the tree when its owner gives it up (flatten of an rvalue,
// jit's donated arguments): a copy costs two atomic reference-count updates per leaf, over half of
// what flattening a tree of arrays costs otherwise. The traits always see the tree as const; in
// moving mode the flattener casts that away, which is sound because it is only set for a tree the
// caller owns and passed as a non-const rvalue.
//
// jit's call path also borrows: with a vector of pointers, every leaf gets a pointer, to the tree's
// own array (borrowed: the caller's arguments outlive the call) or to the copied or moved array
// appended to `leaves`.
//
// Nodes, leaves and pointers are written through cursors into room made in their vectors, not
// push_back'ed: on the jit call path this runs for every node of every argument, and a cursor the
// compiler can keep in a register is several times cheaper. The TreeDef and the vectors hold
// exactly what was flattened once finish() has run (the destructor runs it too).
class Flattener {
 public:
  enum class Leaves : std::uint8_t { copy, move, borrow };
  Flattener(TreeDef& def, std::vector<Array>& leaves, Leaves mode = Leaves::copy);
  Flattener(TreeDef& def, std::vector<Array>& held, std::vector<const Array*>& pointers, Leaves mode);
  ~Flattener() { finish(); }
  Flattener(const Flattener&) = delete;
  Flattener& operator=(const Flattener&) = delete;

  [[gnu::always_inline]] void leaf(const Array& x) {
    Node& node = next_node();
    node = Node{NodeKind::leaf};
    node.num_leaves = 1;
    if (mode_ == Leaves::borrow) {
      add_pointer(&x);
      return;
    }
    if (next_leaf_ == leaves_end_) [[unlikely]]
      grow_leaves();
    if (mode_ == Leaves::move)
      *next_leaf_++ = std::move(const_cast<Array&>(x));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
    else
      *next_leaf_++ = x;
    if (pointers_) add_pointer(nullptr);  // pointed at the held array by finish()
  }
  void static_leaf(StaticValue value) {
    Node node{NodeKind::static_leaf};
    node.static_index = def_.add_static(std::move(value));
    next_node() = node;
  }
  void none() { next_node() = Node{NodeKind::none}; }
  // A container or registered node; its children follow, then end(node, arity).
  std::size_t begin(NodeKind kind, const NodeType* type = nullptr) {
    Node& node = next_node();
    node = Node{kind};
    node.type = type;
    node.num_leaves = static_cast<std::uint32_t>(num_leaves());  // until end(): the count before it
    return static_cast<std::size_t>(&node - def_.nodes_.room.data());
  }
  // A dict node; `entries` are (key, value) pairs, of which the keys are recorded.
  template <class Entries>
  std::size_t begin_dict(const Entries& entries) {
    const auto keys_index = static_cast<std::int32_t>(def_.keys().size());
    for (const auto& entry : entries) def_.add_key(entry.first);
    const std::size_t node = begin(NodeKind::dict);
    def_.nodes_.room[node].keys_index = keys_index;
    return node;
  }
  void end(std::size_t node, std::size_t arity) {
    Node& n = def_.nodes_.room[node];
    n.arity = static_cast<std::uint32_t>(arity);
    n.num_leaves = static_cast<std::uint32_t>(num_leaves()) - n.num_leaves;
  }

  Leaves mode() const { return mode_; }
  // Borrowing needs the pointers; without them a tree is copied instead.
  void set_mode(Leaves mode) { mode_ = mode == Leaves::borrow && !pointers_ ? Leaves::copy : mode; }
  // Array leaves flattened so far (with pointers: pointers given).
  std::size_t num_leaves() const {
    return static_cast<std::size_t>(pointers_ ? next_pointer_ - first_pointer_ : next_leaf_ - first_leaf_);
  }
  // Sets the TreeDef's size, trims the vectors to the leaves and points the pointers of held leaves
  // at them.
  void finish();

 private:
  [[gnu::always_inline]] Node& next_node() {
    if (next_node_ == nodes_end_) [[unlikely]]
      grow_nodes();
    return *next_node_++;
  }
  [[gnu::always_inline]] void add_pointer(const Array* p) {
    if (next_pointer_ == pointers_end_) [[unlikely]]
      grow_pointers();
    *next_pointer_++ = p;
  }
  [[gnu::noinline]] void grow_nodes();
  [[gnu::noinline]] void grow_leaves();
  [[gnu::noinline]] void grow_pointers();

  TreeDef& def_;
  std::vector<Array>& leaves_;
  std::vector<const Array*>* pointers_ = nullptr;
  Leaves mode_;
  bool finished_ = false;
  // Cursors into room in the vectors, with where this flattener's own leaves and pointers start
  // (all null until room is first made).
  Node* next_node_ = nullptr;
  Node* nodes_end_ = nullptr;
  Array* first_leaf_ = nullptr;
  Array* next_leaf_ = nullptr;
  Array* leaves_end_ = nullptr;
  const Array** first_pointer_ = nullptr;
  const Array** next_pointer_ = nullptr;
  const Array** pointers_end_ = nullptr;
  std::size_t leaves_before_;    // what `leaves` held before
  std::size_t pointers_before_;  // and `pointers`
};

// Walks a TreeDef in preorder with its leaves, rebuilding typed values.
class Reader {
 public:
  Reader(const TreeDef& def, std::span<const Array> leaves) : def_(def), leaves_(leaves) {}
  // A reader that moves the leaves out of `leaves` as it takes them.
  Reader(const TreeDef& def, std::span<Array> leaves) : def_(def), leaves_(leaves), movable_(leaves.data()) {}
  // The next node, which must be of the expected kind (and type, for custom nodes).
  const Node& expect(NodeKind kind, const NodeType* type, const char* cpp_type) {
    const std::span<const Node> nodes = def_.nodes();
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
    Array x;
    take_leaf_into(x);
    return x;
  }
  // The same into an existing Array: no temporary passes through memory on the way.
  [[gnu::always_inline]] void take_leaf_into(Array& out) {
    expect(NodeKind::leaf, nullptr, "jx::Array");
    if (leaf_ >= leaves_.size()) throw_too_few_leaves();
    const std::size_t i = leaf_++;
    if (movable_)
      out = std::move(movable_[i]);
    else
      out = leaves_[i];
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

namespace detail {
// Whether a tree holds its arrays by value, so that giving the tree up may move them out. A tree of
// references (std::tie(w, b)) or of const arrays may not: flattening it as an rvalue copies.
// Registered structs are looked at through their fields; custom nodes are copied anyway.
template <class T>
struct OwnsLeaves : std::bool_constant<!std::is_reference_v<T> && !std::is_const_v<T>> {};
template <class... Ts>
struct OwnsLeaves<std::tuple<Ts...>> : std::bool_constant<(OwnsLeaves<Ts>::value && ...)> {};
template <class A, class B>
struct OwnsLeaves<std::pair<A, B>> : std::bool_constant<OwnsLeaves<A>::value && OwnsLeaves<B>::value> {};
template <class T, std::size_t N>
struct OwnsLeaves<std::array<T, N>> : OwnsLeaves<T> {};
template <class T>
struct OwnsLeaves<std::vector<T>> : OwnsLeaves<T> {};
template <class K, class T>
struct OwnsLeaves<std::map<K, T>> : OwnsLeaves<T> {};
template <class T>
struct OwnsLeaves<std::optional<T>> : OwnsLeaves<T> {};
template <class Tie>
struct FieldsOwnLeaves : std::false_type {};
template <class... Fields>  // a tie of a non-const struct: Fields& for each field, const when it is
struct FieldsOwnLeaves<std::tuple<Fields&...>> : std::bool_constant<(OwnsLeaves<Fields>::value && ...)> {};
// A tie cannot tell a reference member from a value; a struct with one cannot be assigned, though.
template <FieldsAtNamespaceScope T>
struct OwnsLeaves<T> : std::bool_constant<std::is_move_assignable_v<T> &&
                                          FieldsOwnLeaves<decltype(jx_pytree_tie(std::declval<T&>()))>::value> {};
template <FieldsInClass T>
struct OwnsLeaves<T> : std::bool_constant<std::is_move_assignable_v<T> &&
                                          FieldsOwnLeaves<decltype(std::declval<T&>().jx_pytree_tie())>::value> {};
}  // namespace detail

// Whether flattening a T given up (an rvalue) moves its leaves out.
template <class T>
inline constexpr bool gives_up_leaves = !std::is_lvalue_reference_v<T> && detail::OwnsLeaves<T>::value;

namespace detail {
// A value that can be rebuilt in place: made empty, then assigned to.
template <class T>
concept Refillable = std::is_default_constructible_v<T> && std::is_move_assignable_v<T>;

// Rebuilds a value into an existing one, `out`. Arrays, tuples, pairs, std::arrays, vectors and
// registered structs are filled in place (TreeTraits<T>::unflatten_into): no temporary is built,
// moved and destroyed per node, and a leaf goes straight from the leaves into its field. Other
// kinds are rebuilt and assigned.
template <class T>
[[gnu::always_inline]] inline void unflatten_into(T& out, Reader& r) {
  if constexpr (requires { TreeTraits<T>::unflatten_into(out, r); })
    TreeTraits<T>::unflatten_into(out, r);
  else
    out = TreeTraits<T>::unflatten(r);
}
}  // namespace detail

// --- Leaves ---------------------------------------------------------------------------------------

template <ArrayLeaf T>
struct TreeTraits<T> {
  [[gnu::always_inline]] static void flatten(const T& x, detail::Flattener& f) { f.leaf(x); }
  static T unflatten(detail::Reader& r) {
    if constexpr (std::is_same_v<T, Array>)
      return r.take_leaf();
    else
      return T(r.take_leaf());  // a Key checks its dtype
  }
  [[gnu::always_inline]] static void unflatten_into(Array& out, detail::Reader& r) requires std::is_same_v<T, Array> {
    r.take_leaf_into(out);
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
    if constexpr ((detail::Refillable<Ts> && ...)) {
      std::tuple<Ts...> t;
      unflatten_into(t, r);
      return t;
    } else {
      const Node& node = r.expect(NodeKind::tuple, nullptr, "std::tuple");
      r.check_arity(node, sizeof...(Ts), "std::tuple");
      return std::tuple<Ts...>{TreeTraits<Ts>::unflatten(r)...};  // braces: evaluated left to right
    }
  }
  static void unflatten_into(std::tuple<Ts...>& t, detail::Reader& r) requires(detail::Refillable<Ts>&&...) {
    const Node& node = r.expect(NodeKind::tuple, nullptr, "std::tuple");
    r.check_arity(node, sizeof...(Ts), "std::tuple");
    std::apply([&](Ts&... element) { (detail::unflatten_into(element, r), ...); }, t);
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
    if constexpr (detail::Refillable<A> && detail::Refillable<B>) {
      std::pair<A, B> p;
      unflatten_into(p, r);
      return p;
    } else {
      const Node& node = r.expect(NodeKind::tuple, nullptr, "std::pair");
      r.check_arity(node, 2, "std::pair");
      A first = TreeTraits<A>::unflatten(r);
      B second = TreeTraits<B>::unflatten(r);
      return {std::move(first), std::move(second)};
    }
  }
  static void unflatten_into(std::pair<A, B>& p,
                             detail::Reader& r) requires(detail::Refillable<A>&& detail::Refillable<B>) {
    const Node& node = r.expect(NodeKind::tuple, nullptr, "std::pair");
    r.check_arity(node, 2, "std::pair");
    detail::unflatten_into(p.first, r);
    detail::unflatten_into(p.second, r);
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
    if constexpr (detail::Refillable<T>) {
      std::array<T, N> a;
      unflatten_into(a, r);
      return a;
    } else {
      const Node& node = r.expect(NodeKind::tuple, nullptr, "std::array");
      r.check_arity(node, N, "std::array");
      return [&]<std::size_t... I>(std::index_sequence<I...>) {
        return std::array<T, N>{((void)I, TreeTraits<T>::unflatten(r))...};
      }
      (std::make_index_sequence<N>{});
    }
  }
  static void unflatten_into(std::array<T, N>& a, detail::Reader& r) requires detail::Refillable<T> {
    const Node& node = r.expect(NodeKind::tuple, nullptr, "std::array");
    r.check_arity(node, N, "std::array");
    for (T& x : a) detail::unflatten_into(x, r);
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
    std::vector<T> v;
    unflatten_into(v, r);
    return v;
  }
  // Reuses the vector's room: elements are rebuilt in place where T can be default-constructed.
  static void unflatten_into(std::vector<T>& v, detail::Reader& r) {
    const Node& node = r.expect(NodeKind::list, nullptr, "std::vector");
    if constexpr (detail::Refillable<T>) {
      v.resize(node.arity);
      for (T& x : v) detail::unflatten_into(x, r);
    } else {
      // Next converts to T by unflattening: emplace_back constructs each element from that, which
      // GCC and Clang do without a temporary T (the elision CWG 2327 asks for).
      struct Next {
        detail::Reader& reader;
        operator T() const { return TreeTraits<T>::unflatten(reader); }  // NOLINT(google-explicit-constructor)
      };
      v.clear();
      v.reserve(node.arity);
      for (std::uint32_t i = 0; i < node.arity; ++i) v.emplace_back(Next{r});
    }
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
    const std::size_t node = f.begin_dict(m);
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
  std::apply([&](auto&... field) { (unflatten_into(field, r), ...); }, fields);
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
    unflatten_into(result, r);
    return result;
  }
  static void unflatten_into(T& out, detail::Reader& r) { detail::unflatten_fields<T>(type(), jx_pytree_tie(out), r); }
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
    unflatten_into(result, r);
    return result;
  }
  static void unflatten_into(T& out, detail::Reader& r) { detail::unflatten_fields<T>(type(), out.jx_pytree_tie(), r); }
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
    // The children may refer to arrays that x does not own (std::tie of a global, say), so they are
    // never moved from, even when x is given up; nor borrowed, as they may be a temporary.
    const detail::Flattener::Leaves mode = f.mode();
    f.set_mode(detail::Flattener::Leaves::copy);
    TreeTraits<Children>::flatten(jx_pytree_flatten(x), f);
    f.set_mode(mode);
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
