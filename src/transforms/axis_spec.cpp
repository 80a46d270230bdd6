// Expanding an in_axes/out_axes prefix into one axis per leaf.
#include "jx/transforms/axis_spec.h"

#include <fmt/format.h>

#include "jx/core/error.h"

namespace jx {

AxisSpec AxisSpec::list(std::vector<AxisSpec> children) { return AxisSpec(Kind::list, std::move(children), {}); }

AxisSpec AxisSpec::fields(std::vector<std::pair<std::string, AxisSpec>> named) {
  std::vector<AxisSpec> children;
  std::vector<std::string> names;
  for (auto& [name, spec] : named) {
    names.push_back(std::move(name));
    children.push_back(std::move(spec));
  }
  return AxisSpec(Kind::fields, std::move(children), std::move(names));
}

std::string AxisSpec::to_string() const {
  if (kind_ == Kind::leaf) return axis_ ? std::to_string(*axis_) : "None";
  std::string text = kind_ == Kind::list ? "(" : "{";
  for (std::size_t i = 0; i < children_.size(); ++i) {
    if (i > 0) text += ", ";
    if (kind_ == Kind::fields) text += "'" + names_[i] + "': ";
    text += children_[i].to_string();
  }
  if (kind_ == Kind::list && children_.size() == 1) text += ",";
  return text + (kind_ == Kind::list ? ")" : "}");
}

std::vector<AxisSpec> AxisSpec::per_argument(std::size_t n, const char* what) const {
  if (kind_ == Kind::leaf) return std::vector<AxisSpec>(n, *this);
  if (kind_ == Kind::fields || children_.size() != n) {
    throw ValueError("vmap", fmt::format("{} must be one axis for all arguments or have one entry per argument of the "
                                         "function ({}), got {}",
                                         what, n, to_string()));
  }
  return children_;
}

namespace {

// The name of child i of a node, for matching `fields` specs and for messages.
std::string child_name(const tree::TreeDef& def, const tree::Node& node, std::size_t i) {
  if (node.kind == tree::NodeKind::dict) return def.keys()[static_cast<std::size_t>(node.keys_index) + i];
  if (node.kind == tree::NodeKind::custom && node.type && i < node.type->fields.size()) return node.type->fields[i];
  return {};
}

const char* kind_name(tree::NodeKind kind) {
  switch (kind) {
    case tree::NodeKind::tuple:
      return "a tuple";
    case tree::NodeKind::list:
      return "a vector";
    case tree::NodeKind::dict:
      return "a map";
    case tree::NodeKind::custom:
      return "a registered struct";
    default:
      return "a leaf";
  }
}

}  // namespace

std::vector<std::optional<int>> AxisSpec::axes_of_leaves(const tree::TreeDef& structure,
                                                         const std::string& what) const {
  // One walk over the nodes in preorder, with an explicit stack (trees may be deep): each frame is a
  // container being visited, with the spec its children take (a list or fields spec), or the axis
  // all of its leaves take (a leaf spec above it).
  struct Frame {
    const tree::Node* node;
    const AxisSpec* spec;  // null: every leaf below takes `axis`
    std::optional<int> axis;
    std::size_t next_child = 0;
  };
  std::vector<Frame> stack;
  std::vector<std::optional<int>> axes;
  axes.reserve(structure.num_leaves());
  // The path of the node being visited, from the frames above it: built only for a message, so that
  // a deep tree costs nothing per node.
  const auto segment = [&](const Frame& frame) {
    const std::size_t i = frame.next_child - 1;
    const std::string name = child_name(structure, *frame.node, i);
    return name.empty()                               ? fmt::format("[{}]", i)
           : frame.node->kind == tree::NodeKind::dict ? fmt::format("['{}']", name)
                                                      : "." + name;
  };
  auto fail = [&](const std::string& problem) {
    std::string path;
    for (const Frame& frame : stack) path += segment(frame);
    throw ValueError("vmap", fmt::format("{} {} is not a prefix of the tree{}: {}", what, to_string(),
                                         path.empty() ? "" : " at " + path, problem));
  };
  for (const tree::Node& node : structure.nodes()) {
    while (!stack.empty() && stack.back().next_child == stack.back().node->arity) stack.pop_back();
    // The spec (or inherited axis) of this node.
    const AxisSpec* spec = this;
    std::optional<int> inherited;
    bool is_inherited = false;
    if (!stack.empty()) {
      Frame& parent = stack.back();
      const std::size_t i = parent.next_child++;
      if (!parent.spec) {
        is_inherited = true;
        inherited = parent.axis;
      } else if (parent.spec->kind_ == Kind::list) {
        spec = &parent.spec->children_[i];
      } else {
        const std::string name = child_name(structure, *parent.node, i);
        std::size_t k = 0;
        while (k < parent.spec->names_.size() && parent.spec->names_[k] != name) ++k;
        if (name.empty() || k == parent.spec->names_.size()) fail("the spec names no field for it");
        spec = &parent.spec->children_[k];
      }
    }
    if (!is_inherited && spec->kind_ == Kind::leaf) {
      is_inherited = true;
      inherited = spec->axis_;
    }
    if (node.kind == tree::NodeKind::leaf) {
      if (!is_inherited)
        fail(fmt::format("the spec has {} entries where the tree has an array", spec->children_.size()));
      axes.push_back(inherited);
      continue;
    }
    if (node.arity == 0) continue;  // static leaves, None, empty containers: nothing to map
    if (is_inherited) {
      stack.push_back(Frame{&node, nullptr, inherited, 0});
      continue;
    }
    if (spec->kind_ == Kind::list && spec->children_.size() != node.arity) {
      fail(fmt::format("the spec has {} entries where the tree has {} of {}", spec->children_.size(),
                       kind_name(node.kind), node.arity));
    }
    if (spec->kind_ == Kind::fields && node.kind != tree::NodeKind::dict &&
        !(node.kind == tree::NodeKind::custom && node.type && !node.type->fields.empty())) {
      fail(fmt::format("the spec names fields where the tree has {}", kind_name(node.kind)));
    }
    stack.push_back(Frame{&node, spec, std::nullopt, 0});
  }
  return axes;
}

}  // namespace jx
