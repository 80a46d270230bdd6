// jx/nn/to_dot.h — hk.to_dot: a Graphviz DOT graph of what a function computes, its operations
// grouped in boxes by the jx::nn module whose call made them.
//
//   auto model = jx::nn::transform([](const jx::Array& x) { return jx::nn::MLP({8, 2})(x); });
//   const std::string dot = jx::nn::to_dot([&](const jx::nn::Params& p, const jx::Array& x) {
//     return model.apply(p, std::nullopt, x);
//   })(params, x);
//   // dot -Tsvg: a box "mlp" holding boxes "mlp/linear_0" and "mlp/linear_1" of dot_general, add, ...
//
// The function is traced as jx::make_jaxpr traces it (any function jit accepts); every equation of the
// traced program is a node (its primitive and output types), joined to the nodes whose values it
// reads; the arguments' leaves and the outputs are nodes of their own. An equation holding a program
// of its own (a scan, a call) is one node.
#pragma once

#include <source_location>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "jx/core/caller_location.h"
#include "jx/core/error.h"
#include "jx/ir/program.h"
#include "jx/nn/naming.h"
#include "jx/transforms/jit.h"
#include "jx/tree.h"

namespace jx::nn {

namespace detail {

// A module call seen while tracing: a box of the graph, inside its parent's (-1: at the top).
struct DotCluster {
  std::string title;
  int parent;
};

// While alive, every module method runs inside a jx::named_scope that marks its box, so that the
// equations it records say which box they belong to.
class DotClusterRecorder {
 public:
  DotClusterRecorder();
  DotClusterRecorder(const DotClusterRecorder&) = delete;
  DotClusterRecorder& operator=(const DotClusterRecorder&) = delete;
  const std::vector<DotCluster>& clusters() const { return *clusters_; }

 private:
  std::shared_ptr<std::vector<DotCluster>> clusters_;
  std::shared_ptr<std::vector<int>> open_;
  InterceptorScope interceptor_;
};

// The DOT text. `input_labels` names the program's inputs (fewer or more than it has: "args[k]").
std::string program_to_dot(const Program& program, const std::vector<DotCluster>& clusters,
                           const std::vector<std::string>& input_labels, const std::string& title);

template <class Arg>
void add_input_labels(std::vector<std::string>& labels, std::size_t index, const Arg& arg) {
  if constexpr (requires { tree::leaves_with_path(arg); }) {
    for (const auto& [path, leaf] : tree::leaves_with_path(arg)) {
      labels.push_back("args[" + std::to_string(index) + "]" + tree::keystr(path));
    }
  } else {
    labels.push_back("args[" + std::to_string(index) + "]");
  }
}

}  // namespace detail

template <class F>
class ToDot : public jx::detail::CallWithLocation<ToDot<F>> {
 public:
  ToDot(F f, std::string title) : f_(std::move(f)), title_(std::move(title)) {}

  template <class... Args>
  std::string invoke(std::source_location where, const Args&... args) const {
    CallSite site(where);
    std::vector<std::string> labels;
    std::size_t index = 0;
    (detail::add_input_labels(labels, index++, args), ...);
    const detail::DotClusterRecorder recorder;
    const Program program = make_jaxpr(f_)(args...);
    return detail::program_to_dot(program, recorder.clusters(), labels, title_);
  }

 private:
  F f_;
  std::string title_;
};

// to_dot(f)(args...): the graph of f at these arguments; `title` labels the whole graph.
template <class F>
ToDot<F> to_dot(F f, std::string title = "to_dot") {
  return ToDot<F>(std::move(f), std::move(title));
}

}  // namespace jx::nn
