#include "backends/cpu/executor.h"

#include <fmt/format.h>

#include "jx/core/error.h"

namespace jx::cpu {

Executable::Executable(Program program) : program_(std::move(program)) {
  // Last use of every variable: the outputs keep theirs to the end.
  std::vector<int> last_use(program_.types.size(), -1);
  for (std::size_t i = 0; i < program_.equations.size(); ++i) {
    for (const Atom& a : program_.equations[i].inputs) {
      if (!a.is_literal()) last_use[static_cast<std::size_t>(a.var)] = static_cast<int>(i);
    }
  }
  for (const Atom& a : program_.outputs) {
    if (!a.is_literal()) last_use[static_cast<std::size_t>(a.var)] = static_cast<int>(program_.equations.size());
  }
  release_after_.resize(program_.equations.size());
  for (std::size_t v = 0; v < last_use.size(); ++v) {
    const int i = last_use[v];
    if (i >= 0 && i < static_cast<int>(program_.equations.size()))
      release_after_[static_cast<std::size_t>(i)].push_back(static_cast<int>(v));
  }
}

ArrayList Executable::run(std::span<const Array> inputs, std::span<const bool> /*donated*/) const {
  if (inputs.size() != program_.inputs.size()) {
    throw ValueError("jit",
                     fmt::format("the program takes {} inputs, {} were given", program_.inputs.size(), inputs.size()));
  }
  std::vector<Array> env(program_.types.size());
  for (std::size_t i = 0; i < program_.constvars.size(); ++i)
    env[static_cast<std::size_t>(program_.constvars[i])] = program_.consts[i];
  for (std::size_t i = 0; i < inputs.size(); ++i) env[static_cast<std::size_t>(program_.inputs[i])] = inputs[i];
  ArrayList operands;
  for (std::size_t i = 0; i < program_.equations.size(); ++i) {
    const Equation& e = program_.equations[i];
    operands.clear();
    for (const Atom& a : e.inputs)
      operands.push_back(a.is_literal() ? a.literal : env[static_cast<std::size_t>(a.var)]);
    ArrayList results = e.primitive->evaluate(operands);
    for (std::size_t k = 0; k < e.outputs.size(); ++k)
      env[static_cast<std::size_t>(e.outputs[k])] = std::move(results[k]);
    for (int v : release_after_[i]) env[static_cast<std::size_t>(v)] = Array();
  }
  ArrayList outputs;
  outputs.reserve(program_.outputs.size());
  for (const Atom& a : program_.outputs)
    outputs.push_back(a.is_literal() ? a.literal : env[static_cast<std::size_t>(a.var)]);
  return outputs;
}

}  // namespace jx::cpu
