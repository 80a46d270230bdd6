#include "jx/ir/program.h"

#include <fmt/format.h>

#include <cstring>
#include <ostream>
#include <sstream>
#include <unordered_map>

#include "backends/cpu/kernels.h"
#include "core/array_impl.h"
#include "jx/core/error.h"
#include "trace/trace.h"

namespace jx {

std::vector<ArrayType> Program::input_types() const {
  std::vector<ArrayType> result;
  for (int v : inputs) result.push_back(types[static_cast<std::size_t>(v)]);
  return result;
}

std::vector<ArrayType> Program::output_types() const {
  std::vector<ArrayType> result;
  for (const Atom& a : outputs) result.push_back(type_of(a));
  return result;
}

int Program::count(std::string_view primitive_name) const {
  int n = 0;
  for (const Equation& e : equations) n += e.primitive->name() == primitive_name ? 1 : 0;
  return n;
}

// --- Printing ----------------------------------------------------------------------------------

namespace {

// a, b, ..., z, ba, bb, ... as JAX names jaxpr variables.
std::string variable_name(int index) {
  std::string name;
  do {
    name.insert(name.begin(), static_cast<char>('a' + index % 26));
    index /= 26;
  } while (index > 0);
  return name;
}

class Printer {
 public:
  explicit Printer(const Program& program) : program_(program) {}

  std::string print() {
    std::vector<std::string> header_consts, header_inputs, lines;
    for (int v : program_.constvars) header_consts.push_back(declare(v));
    for (int v : program_.inputs) header_inputs.push_back(declare(v));
    for (const Equation& e : program_.equations) lines.push_back(equation(e));
    std::string outputs;
    // A Python tuple, as JAX prints it: (a,) and (a, b).
    for (std::size_t i = 0; i < program_.outputs.size(); ++i) outputs += (i ? ", " : "") + atom(program_.outputs[i]);
    if (program_.outputs.size() == 1) outputs += ",";
    const std::string head = "{ lambda " + join(header_consts) + "; " + join(header_inputs) + ". let";
    const std::string tail = "in (" + outputs + ") }";
    std::string one_line = head;
    for (const std::string& line : lines) one_line += " " + line;
    one_line += " " + tail;
    const bool commented = !program_.equations.empty() && program_.equations[0].name_stack;
    if (one_line.size() <= 80 && lines.size() <= 1 && !commented) return one_line;
    std::string text = head + "\n";
    for (const std::string& line : lines) text += "    " + line + "\n";
    return text + "  " + tail;
  }

 private:
  static std::string join(const std::vector<std::string>& parts) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? " " : "") + parts[i];
    return out;
  }
  std::string name(int var) {
    auto [it, inserted] = names_.emplace(var, "");
    if (inserted) it->second = variable_name(next_++);
    return it->second;
  }
  std::string declare(int var) { return name(var) + ":" + program_.types[static_cast<std::size_t>(var)].to_string(); }
  std::string atom(const Atom& a) {
    if (!a.is_literal()) return name(a.var);
    return to_string(a.literal) + ":" + a.literal.type().to_string();
  }
  std::string equation(const Equation& e) {
    std::string out;
    for (std::size_t i = 0; i < e.outputs.size(); ++i) out += (i ? " " : "") + declare(e.outputs[i]);
    out += " = " + std::string(e.primitive->name());
    std::ostringstream params;
    e.primitive->print_params(params);
    if (!params.str().empty()) out += "[" + params.str() + "]";
    for (const Atom& a : e.inputs) out += " " + atom(a);
    if (e.name_stack) out += "  # [" + *e.name_stack + "]";  // as JAX prints name stacks
    return out;
  }

  const Program& program_;
  std::unordered_map<int, std::string> names_;
  int next_ = 0;
};

}  // namespace

std::string Program::to_string() const { return Printer(*this).print(); }

std::ostream& operator<<(std::ostream& os, const Program& program) { return os << program.to_string(); }

// --- Verification ------------------------------------------------------------------------------

void Program::verify() const {
  std::vector<bool> defined(types.size(), false);
  auto define = [&](int v, const std::string& where) {
    if (v < 0 || static_cast<std::size_t>(v) >= types.size())
      throw ValueError("verify", fmt::format("{}: variable {} out of range", where, v));
    if (defined[static_cast<std::size_t>(v)])
      throw ValueError("verify", fmt::format("{}: variable {} defined twice", where, v));
    defined[static_cast<std::size_t>(v)] = true;
  };
  auto use = [&](const Atom& a, const std::string& where) {
    if (a.is_literal()) {
      if (!a.literal.valid() || a.literal.ndim() != 0) throw ValueError("verify", where + ": literals must be scalars");
      return;
    }
    if (a.var < 0 || static_cast<std::size_t>(a.var) >= types.size() || !defined[static_cast<std::size_t>(a.var)]) {
      throw ValueError("verify", fmt::format("{}: variable {} used before it is defined", where, a.var));
    }
  };
  if (constvars.size() != consts.size()) throw ValueError("verify", "constvars and consts differ in number");
  for (std::size_t i = 0; i < constvars.size(); ++i) {
    define(constvars[i], "constvar");
    if (consts[i].type().shape != types[static_cast<std::size_t>(constvars[i])].shape ||
        consts[i].dtype() != types[static_cast<std::size_t>(constvars[i])].dtype) {
      throw ValueError("verify",
                       fmt::format("constant {} has type {} but its variable is {}", i, consts[i].type().to_string(),
                                   types[static_cast<std::size_t>(constvars[i])].to_string()));
    }
  }
  for (int v : inputs) define(v, "input");
  for (std::size_t i = 0; i < equations.size(); ++i) {
    const Equation& e = equations[i];
    const std::string where = fmt::format("equation {} ({})", i, e.primitive->name());
    std::vector<ArrayType> in_types;
    for (const Atom& a : e.inputs) {
      use(a, where);
      in_types.push_back(type_of(a));
    }
    const TypeList expected = e.primitive->infer(in_types);
    if (expected.size() != e.outputs.size()) throw ValueError("verify", where + ": wrong number of outputs");
    for (std::size_t k = 0; k < e.outputs.size(); ++k) {
      define(e.outputs[k], where);
      const ArrayType& actual = types[static_cast<std::size_t>(e.outputs[k])];
      if (!(actual == expected[k])) {
        throw ValueError("verify", fmt::format("{}: output {} has type {} but the primitive gives {}", where, k,
                                               actual.to_string(), expected[k].to_string()));
      }
    }
  }
  for (const Atom& a : outputs) use(a, "output");
}

// --- Evaluation --------------------------------------------------------------------------------

ArrayList eval_program(const Program& program, std::span<const Array> inputs) {
  if (inputs.size() != program.inputs.size()) {
    throw ValueError("eval_program",
                     fmt::format("the program takes {} inputs, {} were given", program.inputs.size(), inputs.size()));
  }
  std::vector<Array> env(program.types.size());
  for (std::size_t i = 0; i < program.constvars.size(); ++i)
    env[static_cast<std::size_t>(program.constvars[i])] = program.consts[i];
  for (std::size_t i = 0; i < inputs.size(); ++i) env[static_cast<std::size_t>(program.inputs[i])] = inputs[i];
  auto read = [&](const Atom& a) { return a.is_literal() ? a.literal : env[static_cast<std::size_t>(a.var)]; };
  ArrayList operands;
  for (const Equation& e : program.equations) {
    operands.clear();
    for (const Atom& a : e.inputs) operands.push_back(read(a));
    ArrayList results = jx::bind(*e.primitive, operands);
    for (std::size_t k = 0; k < e.outputs.size(); ++k)
      env[static_cast<std::size_t>(e.outputs[k])] = std::move(results[k]);
  }
  ArrayList outputs;
  for (const Atom& a : program.outputs) outputs.push_back(read(a));
  return outputs;
}

// --- Comparison ---------------------------------------------------------------------------------

namespace {

bool same_value(const Array& a, const Array& b) {
  if (a.impl() == b.impl()) return true;
  if (!a.is_concrete() || !b.is_concrete() || !(a.type() == b.type())) return false;
  const Array x = cpu::contiguous(a), y = cpu::contiguous(b);
  return std::memcmp(concrete(x).data(), concrete(y).data(), a.type().num_bytes()) == 0;
}

bool same_atom(const Atom& a, const Atom& b) {
  if (a.is_literal() != b.is_literal()) return false;
  return a.is_literal() ? same_value(a.literal, b.literal) : a.var == b.var;
}

}  // namespace

std::optional<std::string> first_difference(const Program& a, const Program& b) {
  if (a.consts.size() != b.consts.size()) {
    return fmt::format("it closes over {} constants, not {}", b.consts.size(), a.consts.size());
  }
  for (std::size_t i = 0; i < a.consts.size(); ++i) {
    if (!same_value(a.consts[i], b.consts[i]))
      return fmt::format("captured constant {} ({}) changed value", i, a.consts[i].type().to_string());
  }
  const std::size_t n = std::min(a.equations.size(), b.equations.size());
  for (std::size_t i = 0; i < n; ++i) {
    const Equation& x = a.equations[i];
    const Equation& y = b.equations[i];
    bool same = x.primitive->equals(*y.primitive) && x.inputs.size() == y.inputs.size() && x.outputs == y.outputs;
    for (std::size_t k = 0; same && k < x.inputs.size(); ++k) same = same_atom(x.inputs[k], y.inputs[k]);
    if (!same) {
      const std::string where = y.where ? " recorded at " + format_location(*y.where) : "";
      return fmt::format("equation {} differs: '{}' became '{}'{}", i, x.primitive->name(), y.primitive->name(), where);
    }
  }
  if (a.equations.size() != b.equations.size())
    return fmt::format("it has {} equations, not {}", b.equations.size(), a.equations.size());
  if (a.outputs.size() != b.outputs.size()) return "the number of outputs changed";
  for (std::size_t i = 0; i < a.outputs.size(); ++i) {
    if (!same_atom(a.outputs[i], b.outputs[i])) {
      const Atom& out = b.outputs[i];
      return out.is_literal() ? fmt::format("output {} is now the constant {}", i, to_string(out.literal))
                              : fmt::format("output {} changed", i);
    }
  }
  return std::nullopt;
}

}  // namespace jx
