// jx/ir/program.h — the program form: a typed SSA list of equations over primitives (JAX's jaxpr).
//
// Tracing a function produces a Program: input variables, constants it closed over (with their
// values), equations `outputs = primitive[params](inputs)`, and output atoms. Transformations and
// passes rewrite programs; backends plan and run them. A program prints like a jaxpr:
//
//   std::cout << jx::make_jaxpr(loss)(params, x, y);
//   // { lambda ; a:f32[] b:f32[] c:f32[128,1] d:f32[128,1]. let
//   //     e:f32[128,1] = mul a c
//   //     ...
//   //   in (k,) }
#pragma once

#include <iosfwd>
#include <memory>
#include <optional>
#include <source_location>
#include <span>
#include <string>
#include <vector>

#include "jx/core/array.h"
#include "jx/ir/primitive.h"

namespace jx {

// An equation's operand: a variable of the program, or a scalar literal written inline.
struct Atom {
  int var = -1;
  Array literal;

  static Atom variable(int id) { return Atom{id, Array()}; }
  static Atom constant(Array value) { return Atom{-1, std::move(value)}; }
  bool is_literal() const { return var < 0; }
};

struct Equation {
  std::shared_ptr<const Primitive> primitive;
  std::vector<Atom> inputs;
  std::vector<int> outputs;
  std::optional<std::source_location> where;                // the user's call that recorded it, when known
  std::shared_ptr<const std::string> name_stack = nullptr;  // jx::named_scope's, when inside one
};

class Program {
 public:
  // The type of every variable, indexed by variable id.
  std::vector<ArrayType> types;
  // Closed-over values: constvars[i] stands for consts[i] (a concrete array, or a tracer of an
  // enclosing trace while one is being traced).
  std::vector<int> constvars;
  std::vector<Array> consts;
  std::vector<int> inputs;
  std::vector<Equation> equations;
  std::vector<Atom> outputs;

  int new_var(ArrayType type) {
    types.push_back(std::move(type));
    return static_cast<int>(types.size() - 1);
  }
  const ArrayType& type_of(const Atom& atom) const {
    return atom.is_literal() ? atom.literal.type() : types[static_cast<std::size_t>(atom.var)];
  }
  std::vector<ArrayType> input_types() const;
  std::vector<ArrayType> output_types() const;

  // Jaxpr-like text: "{ lambda c0:f32[3]; a:f32[]. let b:f32[] = sin a in (b,) }".
  std::string to_string() const;
  // Checks the program is well formed (every variable defined once before use, every equation's
  // output types those its primitive infers); throws ValueError naming the first problem.
  void verify() const;
  // Counts equations whose primitive has this name (tests assert on these).
  int count(std::string_view primitive_name) const;
};

std::ostream& operator<<(std::ostream& os, const Program& program);

// Runs a program by binding each equation in order: on concrete inputs it evaluates; under a trace
// (a jit inside grad, say) it records into that trace.
ArrayList eval_program(const Program& program, std::span<const Array> inputs);

// Two programs compute the same thing the same way: same equations, same constants and literals by
// value. Returns a description of the first difference, or nothing.
std::optional<std::string> first_difference(const Program& a, const Program& b);

}  // namespace jx
