#include "io/tree_structure.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <string_view>
#include <typeindex>
#include <utility>
#include <variant>

#include "jx/tree.h"

namespace jx::io {

using nlohmann::json;

// --- Tensor names -------------------------------------------------------------------------------------

std::vector<std::string> tensor_names(const tree::TreeDef& def) {
  std::vector<std::string> names;
  for (const tree::KeyPath& path : tree::leaf_paths(def)) {
    std::string name;
    for (const tree::PathEntry& entry : path) {
      if (!name.empty()) name += '.';
      name += entry.kind == tree::PathEntry::Kind::index ? std::to_string(entry.index) : entry.name;
    }
    names.push_back(path.empty() ? "value" : name);
  }
  return names;
}

namespace {
// A bounded view of a JSON value from a file, for error messages: dumping a hostile value whole
// could be huge, or recurse as deep as it is nested.
std::string preview(const json& value) {
  if (value.is_structured()) return std::string("a JSON ") + value.type_name();
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}
}  // namespace

// --- Static leaves ------------------------------------------------------------------------------------
// A file can only rebuild static values of types it can name; each has a tag and a JSON form.

namespace {

template <class T>
struct StaticKind {
  using type = T;
};

// Calls f(StaticKind<T>{}, tag) for the C++ type T whose tag (or type_index) matches; false if none.
template <class F>
bool visit_static_types(F&& f) {
  return f(StaticKind<bool>{}, "bool") || f(StaticKind<char>{}, "char") ||
         f(StaticKind<signed char>{}, "signed char") || f(StaticKind<unsigned char>{}, "unsigned char") ||
         f(StaticKind<short>{}, "short") || f(StaticKind<unsigned short>{}, "unsigned short") ||
         f(StaticKind<int>{}, "int") || f(StaticKind<unsigned>{}, "unsigned int") || f(StaticKind<long>{}, "long") ||
         f(StaticKind<unsigned long>{}, "unsigned long") || f(StaticKind<long long>{}, "long long") ||
         f(StaticKind<unsigned long long>{}, "unsigned long long") || f(StaticKind<float>{}, "float") ||
         f(StaticKind<double>{}, "double") || f(StaticKind<std::string>{}, "std::string");
}

// JSON has no NaN or infinity: those are written as strings.
json encode_floating(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return value;
}

std::optional<double> decode_floating(const json& value) {
  if (value.is_number()) return value.get<double>();
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
    if (s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
  }
  return std::nullopt;
}

std::optional<json> encode_static(const tree::StaticValue& value) {
  std::optional<json> result;
  visit_static_types([&]<class T>(StaticKind<T>, const char* tag) {
    if (value.type() != std::type_index(typeid(T))) return false;
    const T& v = value.get<T>();
    if constexpr (std::is_floating_point_v<T>)
      result = json{{"static", tag}, {"value", encode_floating(static_cast<double>(v))}};
    else
      result = json{{"static", tag}, {"value", v}};
    return true;
  });
  return result;
}

// The static value of `node` ({"static": tag, "value": v}), or a description of what is wrong.
std::variant<tree::StaticValue, std::string> decode_static(const json& node) {
  const json& tag = node.at("static");
  if (!tag.is_string()) return std::string("a static leaf's type is not a string");
  const json* value = node.contains("value") ? &node.at("value") : nullptr;
  if (value == nullptr) return std::string("a static leaf has no value");
  std::optional<tree::StaticValue> result;
  std::string problem = fmt::format("static leaf type '{}' is not one jx can rebuild", tag.get<std::string>());
  visit_static_types([&]<class T>(StaticKind<T>, const char* name) {
    if (tag.get_ref<const std::string&>() != name) return false;
    problem = fmt::format("static leaf of type {} has an invalid value {}", name, preview(*value));
    if constexpr (std::is_same_v<T, bool>) {
      if (value->is_boolean()) result.emplace(value->get<bool>());
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (value->is_string()) result.emplace(value->get<std::string>());
    } else if constexpr (std::is_floating_point_v<T>) {
      if (auto d = decode_floating(*value)) result.emplace(static_cast<T>(*d));
    } else if constexpr (std::is_signed_v<T>) {
      if (value->is_number_integer()) {
        // nlohmann keeps integers above INT64_MAX unsigned; those are out of range for signed T.
        if (!value->is_number_unsigned() || value->get<std::uint64_t>() <= std::numeric_limits<std::int64_t>::max()) {
          const std::int64_t v = value->get<std::int64_t>();
          if (v >= std::numeric_limits<T>::min() && v <= std::numeric_limits<T>::max())
            result.emplace(static_cast<T>(v));
        }
      }
    } else {
      if (value->is_number_unsigned()) {
        const std::uint64_t v = value->get<std::uint64_t>();
        if (v <= std::numeric_limits<T>::max()) result.emplace(static_cast<T>(v));
      }
    }
    return true;
  });
  if (result) return *result;
  return problem;
}

}  // namespace

// --- Encoding -----------------------------------------------------------------------------------------

namespace {

struct Encoder {
  const tree::TreeDef& def;
  std::span<const Array> leaves;
  std::span<const std::string> names;
  const Fail& fail;
  std::size_t node = 0, leaf = 0;

  json encode() {
    const tree::Node& n = def.nodes()[node++];
    switch (n.kind) {
      case tree::NodeKind::leaf: {
        const Array& x = leaves[leaf];
        const std::string& name = names[leaf++];
        if (x.valid() && x.dtype() == DType::key) return json{{"key", name}, {"impl", "threefry2x32"}};
        json out{{"array", name}};
        if (x.valid() && x.weak_type()) out["weak"] = true;
        return out;
      }
      case tree::NodeKind::static_leaf: {
        const tree::StaticValue& value = def.statics()[static_cast<std::size_t>(n.static_index)];
        std::optional<json> out = encode_static(value);
        if (!out) {
          fail(
              fmt::format("the static leaf {} cannot be saved: only bool, C++ integer and floating types and "
                          "std::string can be rebuilt from a file (make it one of those, or an Array)",
                          value.to_string()));
        }
        return *out;
      }
      case tree::NodeKind::none:
        return nullptr;
      case tree::NodeKind::tuple:
      case tree::NodeKind::list: {
        json items = json::array();
        for (std::uint32_t i = 0; i < n.arity; ++i) items.push_back(encode());
        return json{{n.kind == tree::NodeKind::tuple ? "tuple" : "list", std::move(items)}};
      }
      case tree::NodeKind::dict: {
        json items = json::object();
        for (std::uint32_t i = 0; i < n.arity; ++i) {
          const std::string& key = def.keys()[static_cast<std::size_t>(n.keys_index) + i];
          items[key] = encode();
        }
        return json{{"dict", std::move(items)}};
      }
      case tree::NodeKind::custom: {
        json children = json::array();
        for (std::uint32_t i = 0; i < n.arity; ++i) children.push_back(encode());
        return json{{"custom", n.type->name}, {"fields", n.type->fields}, {"children", std::move(children)}};
      }
    }
    return nullptr;
  }
};

}  // namespace

json encode_structure(const tree::TreeDef& def, std::span<const Array> leaves, std::span<const std::string> names,
                      const Fail& fail) {
  if (def.num_nodes() == 0) return nullptr;
  Encoder encoder{def, leaves, names, fail};
  return encoder.encode();
}

// --- Decoding -----------------------------------------------------------------------------------------

struct DecodedStructure::Node {
  enum class Kind { leaf, static_leaf, none, list, dict, custom_fields, custom_child } kind = Kind::none;
  std::size_t leaf = 0;                    // leaf: index into the leaves
  std::optional<tree::StaticValue> value;  // static_leaf
  std::vector<std::string> keys;           // dict keys or struct fields, one per child
  std::vector<std::unique_ptr<Node>> children;
};

DecodedStructure::DecodedStructure() = default;
DecodedStructure::~DecodedStructure() = default;
DecodedStructure::DecodedStructure(DecodedStructure&&) noexcept = default;
DecodedStructure& DecodedStructure::operator=(DecodedStructure&&) noexcept = default;

namespace {

// Model trees are a few levels deep; the limit keeps a hostile file from exhausting the stack of
// this decoder and of the recursive tree code after it.
constexpr int kMaxDepth = 200;

struct Decoder {
  const Fail& fail;
  std::vector<LeafEntry>& leaves;

  std::unique_ptr<DecodedStructure::Node> decode(const json& j, const std::string& path, int depth) {
    using Kind = DecodedStructure::Node::Kind;
    const std::string where = path.empty() ? "the root" : "'" + path + "'";
    if (depth > kMaxDepth) fail(fmt::format("the tree is nested more than {} levels deep", kMaxDepth));
    auto node = std::make_unique<DecodedStructure::Node>();
    if (j.is_null()) return node;  // None
    if (!j.is_object() || j.empty()) fail(fmt::format("the node at {} is not a tree node: {}", where, preview(j)));
    auto require_only = [&](std::initializer_list<const char*> allowed) {
      for (const auto& [key, value] : j.items()) {
        bool known = false;
        for (const char* a : allowed) known = known || key == a;
        if (!known) fail(fmt::format("the node at {} has an unknown entry '{}'", where, key));
      }
    };
    auto children_of = [&](const json& items, const char* what) -> const json& {
      if (!items.is_array()) fail(fmt::format("the {} at {} does not hold a JSON array", what, where));
      return items;
    };
    auto child_path = [&](const std::string& step) { return path.empty() ? step : path + "." + step; };

    if (j.contains("array") || j.contains("key")) {
      const bool is_key = j.contains("key");
      if (is_key)
        require_only({"key", "impl"});
      else
        require_only({"array", "weak"});
      const json& name = j.at(is_key ? "key" : "array");
      if (!name.is_string()) fail(fmt::format("the leaf at {} has no tensor name", where));
      if (is_key && (!j.contains("impl") || j.at("impl") != "threefry2x32")) {
        fail(fmt::format("the key at {} is not a threefry2x32 key (the only kind jx has)", where));
      }
      bool weak = false;
      if (j.contains("weak")) {
        if (!j.at("weak").is_boolean()) fail(fmt::format("the leaf at {} has a non-boolean 'weak'", where));
        weak = j.at("weak").get<bool>();
      }
      node->kind = Kind::leaf;
      node->leaf = leaves.size();
      leaves.push_back({name.get<std::string>(), is_key, weak});
    } else if (j.contains("static")) {
      require_only({"static", "value"});
      auto value = decode_static(j);
      if (auto* problem = std::get_if<std::string>(&value)) fail(fmt::format("at {}: {}", where, *problem));
      node->kind = Kind::static_leaf;
      node->value = std::get<tree::StaticValue>(std::move(value));
    } else if (j.contains("tuple") || j.contains("list")) {
      const char* kind = j.contains("tuple") ? "tuple" : "list";
      require_only({kind});
      node->kind = Kind::list;  // a dynamic tree has lists only
      std::size_t i = 0;
      for (const json& item : children_of(j.at(kind), kind)) {
        node->children.push_back(decode(item, child_path(std::to_string(i++)), depth + 1));
      }
    } else if (j.contains("dict")) {
      require_only({"dict"});
      const json& items = j.at("dict");
      if (!items.is_object()) fail(fmt::format("the dict at {} does not hold a JSON object", where));
      node->kind = Kind::dict;
      for (const auto& [key, value] : items.items()) {
        node->keys.push_back(key);
        node->children.push_back(decode(value, child_path(key), depth + 1));
      }
    } else if (j.contains("custom")) {
      require_only({"custom", "fields", "children"});
      if (!j.at("custom").is_string() || !j.contains("fields") || !j.contains("children")) {
        fail(fmt::format("the registered type at {} lacks its name, fields or children", where));
      }
      const json& fields = children_of(j.at("fields"), "field list");
      const json& children = children_of(j.at("children"), "child list");
      for (const json& field : fields) {
        if (!field.is_string()) fail(fmt::format("a field name at {} is not a string", where));
      }
      if (fields.empty()) {
        if (children.size() != 1) fail(fmt::format("the registered type at {} has no fields and not one child", where));
        node->kind = Kind::custom_child;
        node->children.push_back(decode(children[0], path, depth + 1));
      } else {
        if (fields.size() != children.size()) {
          fail(fmt::format("the registered type at {} has {} fields but {} children", where, fields.size(),
                           children.size()));
        }
        node->kind = Kind::custom_fields;
        for (std::size_t i = 0; i < fields.size(); ++i) {
          node->keys.push_back(fields[i].get<std::string>());
          for (std::size_t k = 0; k < i; ++k) {
            if (node->keys[k] == node->keys[i]) fail(fmt::format("the registered type at {} repeats a field", where));
          }
          node->children.push_back(decode(children[i], child_path(node->keys.back()), depth + 1));
        }
      }
    } else {
      fail(fmt::format("the node at {} is of no known kind", where));
    }
    return node;
  }
};

tree::Tree build_node(const DecodedStructure::Node& node, std::span<const Array> arrays) {
  using Kind = DecodedStructure::Node::Kind;
  switch (node.kind) {
    case Kind::leaf:
      return tree::Tree(arrays[node.leaf]);
    case Kind::static_leaf:
      return tree::Tree::from_static(*node.value);
    case Kind::none:
      return tree::Tree::none();
    case Kind::list: {
      tree::Tree::List items;
      for (const auto& child : node.children) items.push_back(build_node(*child, arrays));
      return tree::Tree::list(std::move(items));
    }
    case Kind::dict:
    case Kind::custom_fields: {
      tree::Tree::Dict items;
      for (std::size_t i = 0; i < node.children.size(); ++i)
        items.emplace(node.keys[i], build_node(*node.children[i], arrays));
      return tree::Tree::dict(std::move(items));
    }
    case Kind::custom_child:
      return build_node(*node.children[0], arrays);
  }
  return tree::Tree::none();
}

}  // namespace

DecodedStructure decode_structure(const json& structure, const Fail& fail) {
  DecodedStructure result;
  Decoder decoder{fail, result.leaves_};
  result.root_ = decoder.decode(structure, "", 0);
  return result;
}

tree::Tree DecodedStructure::build(std::span<const Array> arrays) const { return build_node(*root_, arrays); }

// --- Comparing ----------------------------------------------------------------------------------------

json without_type_names(json structure) {
  if (structure.is_object()) {
    if (structure.contains("custom")) structure["custom"] = "";
    for (auto& [key, value] : structure.items()) {
      if (value.is_structured()) value = without_type_names(std::move(value));
    }
  } else if (structure.is_array()) {
    for (json& item : structure) item = without_type_names(std::move(item));
  }
  return structure;
}

std::string describe_node(const json& node) {
  if (node.is_null()) return "None";
  if (!node.is_object()) return preview(node);
  auto joined = [](const json& names) {
    std::string out;
    for (const auto& name : names)
      out += (out.empty() ? "" : ", ") + (name.is_string() ? name.get<std::string>() : preview(name));
    return "[" + out + "]";
  };
  if (node.contains("array")) return "an array leaf";
  if (node.contains("key")) return "a PRNG key leaf";
  if (node.contains("static"))
    return fmt::format("the static value {} ({})", preview(node.value("value", json())), preview(node.at("static")));
  if (node.contains("tuple")) return fmt::format("a tuple of {}", node.at("tuple").size());
  if (node.contains("list")) return fmt::format("a list of {}", node.at("list").size());
  if (node.contains("dict")) {
    json keys = json::array();
    for (const auto& [key, value] : node.at("dict").items()) keys.push_back(key);
    return "a dict with keys " + joined(keys);
  }
  if (node.contains("custom")) {
    const json& fields = node.value("fields", json::array());
    return fields.empty() ? "a registered type" : "a struct with fields " + joined(fields);
  }
  return preview(node);
}

namespace {

// Whether two structures differ; if so, `path` leads to the first differing node and `at` holds
// that node of each.
struct Difference {
  std::string path;
  const json* expected = nullptr;
  const json* found = nullptr;
};

bool find_difference(const json& expected, const json& found, Difference& out) {
  if (expected == found) return false;
  auto descend = [&](const json& a, const json& b, const std::string& step) {
    const std::size_t size = out.path.size();
    out.path += out.path.empty() ? step : "." + step;
    if (find_difference(a, b, out)) return true;
    out.path.resize(size);
    return false;
  };
  auto same_kind = [&](const char* kind) {
    return expected.is_object() && found.is_object() && expected.contains(kind) && found.contains(kind);
  };
  if (same_kind("tuple") || same_kind("list")) {
    const char* kind = expected.contains("tuple") ? "tuple" : "list";
    const json& a = expected.at(kind);
    const json& b = found.at(kind);
    if (a.is_array() && b.is_array() && a.size() == b.size()) {
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (descend(a[i], b[i], std::to_string(i))) return true;
      }
    }
  } else if (same_kind("dict")) {
    const json& a = expected.at("dict");
    const json& b = found.at("dict");
    if (a.is_object() && b.is_object() && a.size() == b.size()) {
      for (const auto& [key, value] : a.items()) {
        if (!b.contains(key)) break;
        if (descend(value, b.at(key), key)) return true;
      }
    }
  } else if (same_kind("custom") && same_kind("fields") && same_kind("children") &&
             expected.at("fields") == found.at("fields")) {
    // References into the structures, never copies: `out` keeps pointers to the nodes it reports.
    const json& fields = expected.at("fields");
    const json& a = expected.at("children");
    const json& b = found.at("children");
    if (fields.is_array() && a.is_array() && b.is_array() && a.size() == b.size()) {
      for (std::size_t i = 0; i < a.size(); ++i) {
        // A type without fields is transparent in paths, as in jx::tree::keystr.
        const bool named = i < fields.size() && fields[i].is_string();
        if (named ? descend(a[i], b[i], fields[i].get<std::string>()) : find_difference(a[i], b[i], out)) return true;
      }
    }
  }
  out.expected = &expected;  // the difference is at this node itself
  out.found = &found;
  return true;
}

}  // namespace

std::optional<StructureDifference> first_difference(const json& expected, const json& found) {
  Difference difference;
  if (!find_difference(expected, found, difference)) return std::nullopt;
  return StructureDifference{difference.path.empty() ? "the root" : "'" + difference.path + "'",
                             describe_node(*difference.expected), describe_node(*difference.found)};
}

}  // namespace jx::io
