// jx/tree/treedef.h — the structure of a pytree, without its leaves (JAX's PyTreeDef).
//
// A TreeDef records the nodes of a tree in preorder: containers with their arity, dict keys and
// struct field names, static (non-Array) leaves with their values, and a slot for every Array leaf.
// TreeDefs compare, hash (the jit cache keys on them) and print:
//
//   auto [leaves, def] = jx::tree::flatten(params);
//   std::cout << def;  // PyTreeDef(CustomNode(Params[weight, bias], [*, *]))
//
// Paths name a place in a tree, printed as JAX's keystr does: `.weight`, `[0]`, `['w']`.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeindex>
#include <utility>
#include <variant>
#include <vector>

namespace jx::tree {

enum class NodeKind : std::uint8_t {
  leaf,         // an Array (or Key)
  static_leaf,  // a non-Array value: part of the structure, hashed and compared by value
  none,         // an empty std::optional, or a dynamic tree's None
  tuple,        // std::tuple, std::pair, std::array
  list,         // std::vector, or a dynamic list
  dict,         // std::map<std::string, T>, or a dynamic dict
  custom,       // a registered struct or class
};

// What jx knows about a registered type, created once per type.
struct NodeType {
  std::string name;                 // "Params"
  std::vector<std::string> fields;  // field names, for JX_PYTREE structs
  std::type_index type;
};

// A type-erased static leaf: any hashable, equality-comparable value.
class StaticValue {
 public:
  template <class T>
  explicit StaticValue(const T& value) : holder_(std::make_shared<Holder<T>>(value)) {}

  std::size_t hash() const { return holder_->hash(); }
  bool operator==(const StaticValue& other) const { return holder_->equals(*other.holder_); }
  std::string to_string() const { return holder_->to_string(); }
  std::type_index type() const { return holder_->type(); }
  template <class T>
  const T& get() const {
    return static_cast<const Holder<T>&>(*holder_).value;
  }

 private:
  struct Base {
    virtual ~Base() = default;
    virtual std::size_t hash() const = 0;
    virtual bool equals(const Base& other) const = 0;
    virtual std::string to_string() const = 0;
    virtual std::type_index type() const = 0;
  };
  template <class T>
  struct Holder final : Base {
    explicit Holder(const T& v) : value(v) {}
    std::size_t hash() const override {
      if constexpr (std::is_enum_v<T>)
        return std::hash<std::underlying_type_t<T>>{}(static_cast<std::underlying_type_t<T>>(value));
      else
        return std::hash<T>{}(value);
    }
    bool equals(const Base& other) const override {
      return other.type() == type() && static_cast<const Holder&>(other).value == value;
    }
    std::string to_string() const override;
    std::type_index type() const override { return typeid(T); }
    T value;
  };
  std::shared_ptr<const Base> holder_;
};

struct Node {
  NodeKind kind;
  std::uint32_t arity = 0;         // children (containers), 0 for leaves
  std::uint32_t num_leaves = 0;    // Array leaves in this subtree
  const NodeType* type = nullptr;  // custom nodes: the registered type
  std::int32_t static_index = -1;  // static leaves: index into TreeDef::statics
  std::int32_t keys_index = -1;    // dicts: index of the first key in TreeDef::keys
  friend bool operator==(const Node&, const Node&) = default;
};

namespace detail {
class Flattener;
}

class TreeDef {
 public:
  TreeDef() = default;

  std::size_t num_leaves() const { return nodes_.size == 0 ? 0 : nodes_.room[0].num_leaves; }
  std::size_t num_nodes() const { return nodes_.size; }
  std::span<const Node> nodes() const { return {nodes_.room.data(), nodes_.size}; }
  const std::vector<std::string>& keys() const { return keys_; }
  const std::vector<StaticValue>& statics() const { return statics_; }
  // The structures of the children of the root (one TreeDef per child).
  std::vector<TreeDef> children() const;

  std::size_t hash() const;  // cached after the first call
  bool operator==(const TreeDef& other) const;
  std::string to_string() const;  // "PyTreeDef((*, {'a': *}))"

  // Building: nodes are appended by detail::Flattener (flatten) and by these.
  std::int32_t add_keys(const std::vector<std::string>& keys);
  std::int32_t add_key(std::string key);
  std::int32_t add_static(StaticValue value);
  void clear();
  // Appends the subtree of `other` rooted at node `first` (keys and statics are copied along).
  void append_subtree(const TreeDef& other, std::size_t first);
  // This structure with every leaf replaced by `inner`.
  TreeDef compose(const TreeDef& inner) const;
  // The index one past the subtree rooted at node `first`.
  std::size_t subtree_end(std::size_t first) const;
  // A tuple of these structures (jax.tree_util.treedef_tuple).
  static TreeDef tuple(std::span<const TreeDef> children);
  // The root node alone: every child that is not a static leaf replaced by a leaf (what
  // flatten_one_level rebuilds from).
  TreeDef root_node() const;

 private:
  friend class detail::Flattener;  // appends nodes through a cursor into the room

  // Appending a node (on every jit call, for every node) is a store: room[0, size) are the nodes and
  // the rest is room to grow into, grown out of line. (std::vector::push_back, with its reallocation
  // path, was not always inlined, and the call made flattening up to twice as slow.)
  // A copy takes the nodes, not the room; a moved-from TreeDef is empty (and its hash not cached).
  struct Nodes {
    std::vector<Node> room;
    std::size_t size = 0;
    Nodes() = default;
    Nodes(const Nodes& other)
        : room(other.room.begin(), other.room.begin() + static_cast<std::ptrdiff_t>(other.size)), size(other.size) {}
    Nodes& operator=(const Nodes& other) {
      if (this != &other) {
        room.assign(other.room.begin(), other.room.begin() + static_cast<std::ptrdiff_t>(other.size));
        size = other.size;
      }
      return *this;
    }
    Nodes(Nodes&& other) noexcept : room(std::move(other.room)), size(std::exchange(other.size, 0)) {}
    Nodes& operator=(Nodes&& other) noexcept {
      room = std::move(other.room);
      size = std::exchange(other.size, 0);
      return *this;
    }
    ~Nodes() = default;
  };
  struct CachedHash {
    std::size_t value = 0;
    bool valid = false;
    CachedHash() = default;
    CachedHash(const CachedHash&) = default;
    CachedHash& operator=(const CachedHash&) = default;
    CachedHash(CachedHash&& other) noexcept : value(other.value), valid(std::exchange(other.valid, false)) {}
    CachedHash& operator=(CachedHash&& other) noexcept {
      value = other.value;
      valid = std::exchange(other.valid, false);
      return *this;
    }
    ~CachedHash() = default;
  };
  [[gnu::always_inline]] void append(const Node& node) {
    if (nodes_.size == nodes_.room.size()) [[unlikely]]
      grow();
    nodes_.room[nodes_.size++] = node;
    hash_.valid = false;
  }
  [[gnu::noinline]] void grow() { make_room(nodes_.size + 1); }
  void make_room(std::size_t nodes) {
    nodes_.room.resize(std::max({nodes, 2 * nodes_.room.size(), std::size_t{16}}), Node{NodeKind::none});
  }

  Nodes nodes_;
  std::vector<std::string> keys_;
  std::vector<StaticValue> statics_;
  mutable CachedHash hash_;
};

std::ostream& operator<<(std::ostream& os, const TreeDef& def);

// One step of a path into a tree.
struct PathEntry {
  enum class Kind : std::uint8_t { field, index, key } kind;
  std::string name;               // field or dict key
  std::size_t index;              // sequence index
  std::string to_string() const;  // ".weight", "[0]", "['w']"
};
using KeyPath = std::vector<PathEntry>;
std::string keystr(const KeyPath& path);  // ".layers[0]['w']"

namespace detail {
std::string static_to_string(const std::string& v);
std::string static_to_string(bool v);
std::string static_to_string(long long v);
std::string static_to_string(unsigned long long v);
std::string static_to_string(double v);
std::string demangle(const char* name);
}  // namespace detail

template <class T>
std::string StaticValue::Holder<T>::to_string() const {
  if constexpr (std::is_same_v<T, std::string>)
    return detail::static_to_string(value);
  else if constexpr (std::is_same_v<T, bool>)
    return detail::static_to_string(value);
  else if constexpr (std::is_floating_point_v<T>)
    return detail::static_to_string(static_cast<double>(value));
  else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>)
    return detail::static_to_string(static_cast<long long>(value));
  else if constexpr (std::is_integral_v<T>)
    return detail::static_to_string(static_cast<unsigned long long>(value));
  else if constexpr (std::is_enum_v<T>)
    return detail::demangle(typeid(T).name()) + "(" + detail::static_to_string(static_cast<long long>(value)) + ")";
  else if constexpr (requires { std::string(value.to_string()); })
    return value.to_string();
  else
    return "<" + detail::demangle(typeid(T).name()) + ">";
}

}  // namespace jx::tree

template <>
struct std::hash<jx::tree::TreeDef> {
  std::size_t operator()(const jx::tree::TreeDef& def) const { return def.hash(); }
};
