// hk.to_dot (jx/nn/to_dot.h): the boxes module calls open while a function is traced, and the DOT text
// of the traced program.
#include "jx/nn/to_dot.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string_view>

#include "jx/transforms/named_scope.h"

namespace jx::nn {

namespace detail {

namespace {

// The mark of box N in an equation's name stack: unlike module paths, it cannot be mistaken for a
// user's scope name, and '/' in module paths does not confuse it.
constexpr std::string_view kClusterMark = "to_dot#";

std::string escape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// The innermost box an equation was recorded in (-1: none).
int cluster_of(const Equation& equation) {
  if (!equation.name_stack) return -1;
  const std::string& stack = *equation.name_stack;
  int cluster = -1;
  for (std::size_t start = 0; start <= stack.size();) {
    const std::size_t end = std::min(stack.find('/', start), stack.size());
    const std::string_view part = std::string_view(stack).substr(start, end - start);
    if (part.starts_with(kClusterMark)) cluster = std::stoi(std::string(part.substr(kClusterMark.size())));
    start = end + 1;
  }
  return cluster;
}

std::string node(const std::string& id, const std::string& label, std::string_view style, std::string_view color,
                 std::string_view fill) {
  return fmt::format("{} [label=<{}>, shape=rect, style=\"{}\", color=\"{}\", fillcolor=\"{}\", fontcolor=\"black\"];",
                     id, label, style, color, fill);
}

}  // namespace

DotClusterRecorder::DotClusterRecorder()
    : clusters_(std::make_shared<std::vector<DotCluster>>()),
      open_(std::make_shared<std::vector<int>>()),
      interceptor_(intercept_methods(
          [clusters = clusters_, open = open_](const std::function<void()>& next, const MethodContext& context) {
            const int id = static_cast<int>(clusters->size());
            std::string title = context.module_name;
            if (context.method_name != "__call__") title += " (" + context.method_name + ")";
            clusters->push_back({std::move(title), open->empty() ? -1 : open->back()});
            open->push_back(id);
            struct Close {
              std::vector<int>* open;
              ~Close() { open->pop_back(); }
            } close{open.get()};
            const NamedScope scope(std::string(kClusterMark) + std::to_string(id));
            next();
          })) {}

std::string program_to_dot(const Program& program, const std::vector<DotCluster>& clusters,
                           const std::vector<std::string>& input_labels, const std::string& title) {
  std::vector<std::string> lines = {"digraph G {",      "rankdir = TD;",
                                    "compound = true;", fmt::format("label = <<b>{}</b>>;", escape(title)),
                                    "labelloc = t;",    "stylesheet = \"\";"};
  // Where each variable comes from: an argument's leaf, a constant, or an equation.
  std::map<int, std::string> producer;
  const bool labelled = input_labels.size() == program.inputs.size();
  for (std::size_t i = 0; i < program.inputs.size(); ++i) {
    const std::string id = fmt::format("input{}", i);
    producer[program.inputs[i]] = id;
    const std::string label = labelled ? input_labels[i] : fmt::format("args[{}]", i);
    lines.push_back(node(id,
                         fmt::format("<b>{}</b><br/>{}", escape(label),
                                     escape(program.types[static_cast<std::size_t>(program.inputs[i])].to_string())),
                         "filled", "#FF8A4F", "#FFDEAF"));
  }
  for (std::size_t i = 0; i < program.constvars.size(); ++i) {
    const std::string id = fmt::format("constant{}", i);
    producer[program.constvars[i]] = id;
    lines.push_back(node(id,
                         fmt::format("<b>constant</b><br/>{}",
                                     escape(program.types[static_cast<std::size_t>(program.constvars[i])].to_string())),
                         "filled", "#999999", "#DDDDDD"));
  }
  // Equations, each in the box of the module call that recorded it.
  std::map<int, std::vector<std::string>> nodes_of;  // box (-1: none) -> its equations' nodes
  std::map<int, std::vector<int>> children;          // box -> the boxes inside it
  for (std::size_t c = 0; c < clusters.size(); ++c) children[clusters[c].parent].push_back(static_cast<int>(c));
  std::vector<std::string> edges;
  std::set<std::pair<std::string, std::string>> drawn;
  const auto edge = [&](const Atom& atom, const std::string& to) {
    if (atom.is_literal()) return;
    const auto it = producer.find(atom.var);
    if (it == producer.end() || !drawn.emplace(it->second, to).second) return;
    edges.push_back(fmt::format("{} -> {};", it->second, to));
  };
  for (std::size_t i = 0; i < program.equations.size(); ++i) {
    const Equation& equation = program.equations[i];
    const std::string id = fmt::format("equation{}", i);
    std::string label = fmt::format("<b>{}</b>", escape(equation.primitive->name()));
    for (const int output : equation.outputs) {
      label += "<br/>" + escape(program.types[static_cast<std::size_t>(output)].to_string());
      producer[output] = id;
    }
    for (const Atom& input : equation.inputs) edge(input, id);
    int cluster = cluster_of(equation);
    if (cluster >= static_cast<int>(clusters.size())) cluster = -1;
    nodes_of[cluster].push_back(node(id, label, "filled", "#FFDB13", "#FFF26E"));
  }
  // Boxes nest as the calls did; a box with nothing in it is left out.
  std::map<int, bool> filled;
  const auto has_nodes = [&](const auto& self, int cluster) -> bool {
    if (auto it = filled.find(cluster); it != filled.end()) return it->second;
    bool any = nodes_of.contains(cluster);
    for (const int child : children[cluster]) any = self(self, child) || any;
    return filled[cluster] = any;
  };
  const auto render = [&](const auto& self, int cluster) -> void {
    if (cluster >= 0) {
      if (!has_nodes(has_nodes, cluster)) return;
      lines.push_back(fmt::format("subgraph cluster_{} {{", cluster));
      lines.push_back("style = \"rounded,filled\"; fillcolor = \"#F0F5F5\"; color = \"#14234B\"; pad = 0.1;");
      lines.push_back(
          fmt::format("label = <<b>{}</b>>; labelloc = t;", escape(clusters[static_cast<std::size_t>(cluster)].title)));
    }
    for (const std::string& line : nodes_of[cluster]) lines.push_back(line);
    for (const int child : children[cluster]) self(self, child);
    if (cluster >= 0) lines.push_back(fmt::format("}}  // cluster_{}", cluster));
  };
  render(render, -1);
  // Outputs, joined to what computes them.
  for (std::size_t i = 0; i < program.outputs.size(); ++i) {
    const std::string id = fmt::format("output{}", i);
    const std::string name = program.outputs.size() == 1 ? "output" : fmt::format("output[{}]", i);
    lines.push_back(node(id,
                         fmt::format("<b>{}</b><br/>{}", name, escape(program.type_of(program.outputs[i]).to_string())),
                         "filled,bold", "#0053D6", "#AABFFF"));
    edge(program.outputs[i], id);
  }
  lines.insert(lines.end(), edges.begin(), edges.end());
  lines.push_back("}");
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  return text;
}

}  // namespace detail

}  // namespace jx::nn
