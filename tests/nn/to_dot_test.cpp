// to_dot: the Graphviz text of a traced function, its operations boxed by the
// module calls that made them (nested as the calls were, titled with the
// module's name and any method other than the call), its arguments' leaves
// named by their paths, its output, and the edges between them.
#include "jx/nn/to_dot.h"

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "jx/jx.h"

namespace {

namespace jnp = jx::numpy;
namespace nn = jx::nn;

// The DOT text read back: each node's label and box, each box's title and
// parent, the edges.
struct Graph {
  std::map<std::string, std::string> label;  // node -> label
  std::map<std::string, int> box;            // node -> box (-1: none)
  std::map<int, std::string> title;          // box -> title
  std::map<int, int> parent;                 // box -> box (-1: none)
  std::vector<std::pair<std::string, std::string>> edges;
  int depth = 0;  // braces open at the end: 0 for a closed graph
};

Graph parse(const std::string& dot) {
  Graph graph;
  std::vector<int> open;
  std::istringstream lines(dot);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.starts_with("digraph")) {
      ++graph.depth;
    } else if (line.starts_with("subgraph cluster_")) {
      const int id = std::stoi(line.substr(17));
      graph.parent[id] = open.empty() ? -1 : open.back();
      open.push_back(id);
      ++graph.depth;
    } else if (line.starts_with("}")) {
      if (!open.empty() && line != "}") open.pop_back();
      --graph.depth;
    } else if (line.starts_with("label = <<b>") && !open.empty()) {
      graph.title[open.back()] = line.substr(12, line.find("</b>") - 12);
    } else if (const auto arrow = line.find(" -> "); arrow != std::string::npos) {
      graph.edges.emplace_back(line.substr(0, arrow), line.substr(arrow + 4, line.size() - arrow - 5));
    } else if (const auto open_label = line.find(" [label=<"); open_label != std::string::npos) {
      const std::string id = line.substr(0, open_label);
      graph.label[id] = line.substr(open_label + 9, line.find(">, shape") - open_label - 9);
      graph.box[id] = open.empty() ? -1 : open.back();
    }
  }
  return graph;
}

std::vector<std::string> nodes_with(const Graph& graph, const std::string& text) {
  std::vector<std::string> found;
  for (const auto& [id, label] : graph.label) {
    if (label.find(text) != std::string::npos) found.push_back(id);
  }
  return found;
}

TEST(ToDot, BoxesOperationsByModuleCall) {
  auto model = nn::transform([](const jx::Array& x) { return nn::MLP({3, 2}, {.name = "mlp"})(x); });
  const jx::Array x = jnp::ones({5, 4});
  const nn::Params params = model.init(jx::random::PRNGKey(0), x);
  const std::string dot =
      nn::to_dot([&](const nn::Params& p, const jx::Array& v) { return model.apply(p, std::nullopt, v); },
                 "mlp<forward>")(params, x);
  ASSERT_TRUE(dot.starts_with("digraph G {\n"));
  EXPECT_NE(dot.find("label = <<b>mlp&lt;forward&gt;</b>>;"), std::string::npos);
  const Graph graph = parse(dot);
  EXPECT_EQ(graph.depth, 0);
  // Three boxes, one per module call, nested as the calls were.
  EXPECT_EQ(graph.title, (std::map<int, std::string>{{0, "mlp"}, {1, "mlp/linear_0"}, {2, "mlp/linear_1"}}));
  EXPECT_EQ(graph.parent, (std::map<int, int>{{0, -1}, {1, 0}, {2, 0}}));
  // One matrix product in each layer's box.
  const std::vector<std::string> products = nodes_with(graph, "<b>dot_general</b>");
  ASSERT_EQ(products.size(), 2u);
  EXPECT_EQ(graph.box.at(products[0]) + graph.box.at(products[1]), 1 + 2);
  // The arguments' leaves by path: the parameters' four, then x, which feeds
  // the first product.
  const std::vector<std::string> x_nodes = nodes_with(graph, "<b>args[1]</b>");
  ASSERT_EQ(x_nodes.size(), 1u);
  EXPECT_NE(graph.label.at(x_nodes[0]).find("f32[5,4]"), std::string::npos);
  EXPECT_EQ(nodes_with(graph, "<b>args[0]['mlp/linear_0']['w']</b>").size(), 1u);
  EXPECT_EQ(graph.box.at(x_nodes[0]), -1);
  const std::string first = graph.box.at(products[0]) == 1 ? products[0] : products[1];
  EXPECT_NE(std::find(graph.edges.begin(), graph.edges.end(), std::pair{x_nodes[0], first}), graph.edges.end());
  // The output comes out of the last layer's box.
  const std::vector<std::string> outputs = nodes_with(graph, "<b>output</b>");
  ASSERT_EQ(outputs.size(), 1u);
  EXPECT_NE(graph.label.at(outputs[0]).find("f32[5,2]"), std::string::npos);
  bool from_last_layer = false;
  for (const auto& [from, to] : graph.edges) {
    if (to == outputs[0] && graph.box.count(from)) from_last_layer = graph.box.at(from) == 2;
  }
  EXPECT_TRUE(from_last_layer);
  // Tracing for the graph leaves nothing behind: modules are not intercepted
  // afterwards.
  int calls = 0;
  {
    auto count = nn::intercept_methods([&](const std::function<void()>& next, const nn::MethodContext&) {
      ++calls;
      next();
    });
    (void)model.apply(params, std::nullopt, x);
  }
  EXPECT_EQ(calls, 3);
}

class Encoder : public nn::Module {
 public:
  Encoder() : nn::Module("encoder", std::nullopt) {}
  jx::Array encode(const jx::Array& x) const {
    return scoped(nn::method("encode"),
                  [&] { return jnp::sin(x) * nn::get_parameter("s", {3}, nn::initializers::ones()); });
  }
};

TEST(ToDot, MethodsAndFunctionsWithoutModules) {
  auto model = nn::transform([](const jx::Array& x) { return Encoder().encode(x); });
  const jx::Array x = jnp::ones({3});
  const nn::Params params = model.init(jx::random::PRNGKey(0), x);
  const Graph graph = parse(nn::to_dot([&](const jx::Array& v) { return model.apply(params, std::nullopt, v); })(x));
  EXPECT_EQ(graph.title, (std::map<int, std::string>{{0, "encoder (encode)"}}));
  ASSERT_EQ(nodes_with(graph, "<b>sin</b>").size(), 1u);
  EXPECT_EQ(graph.box.at(nodes_with(graph, "<b>sin</b>")[0]), 0);
  // The parameter (closed over, not a scalar) is a constant.
  EXPECT_EQ(nodes_with(graph, "<b>constant</b>").size(), 1u);
  // No modules, two outputs: no boxes, output[0] and output[1].
  const Graph plain = parse(nn::to_dot([](const jx::Array& a, const jx::Array& b) {
    return std::pair{jnp::exp(a) + b, a * 2.0f};
  })(x, x));
  EXPECT_TRUE(plain.title.empty());
  EXPECT_EQ(nodes_with(plain, "<b>exp</b>").size(), 1u);
  EXPECT_EQ(nodes_with(plain, "<b>output[0]</b>").size(), 1u);
  EXPECT_EQ(nodes_with(plain, "<b>output[1]</b>").size(), 1u);
  EXPECT_EQ(nodes_with(plain, "<b>args[0]</b>").size(), 1u);
  EXPECT_EQ(plain.depth, 0);
}

}  // namespace
