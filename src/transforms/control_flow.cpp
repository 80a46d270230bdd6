// Tracing branches and loop bodies into closed programs, checking they agree, and binding the
// control-flow primitives.
#include "jx/transforms/control_flow.h"

#include <fmt/format.h>

#include "ir/passes.h"
#include "ir/primitives/control_flow.h"
#include "ir/primitives/elementwise.h"
#include "ir/primitives/program_rules.h"
#include "jx/lax.h"
#include "trace/staging.h"
#include "transforms/program_transforms.h"

namespace jx::detail {
namespace {

using primitives::ProgramRef;

using primitives::types_of;

std::string describe(const tree::TreeDef& structure, const std::vector<ArrayType>& types) {
  std::string text = structure.to_string() + " with leaves (";
  for (std::size_t i = 0; i < types.size(); ++i)
    text += (i ? ", " : "") + types[i].to_string() + (types[i].weak ? "~" : "");
  return text + ")";
}

bool same_types(const std::vector<ArrayType>& a, const std::vector<ArrayType>& b, bool weak_too) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].shape != b[i].shape || a[i].dtype != b[i].dtype || (weak_too && a[i].weak != b[i].weak)) return false;
  }
  return true;
}

// The program with every output made strongly typed (weak outputs converted).
ProgramRef strong_outputs(const ProgramRef& program) {
  Program p = *program;
  bool changed = false;
  for (Atom& out : p.outputs) {
    const ArrayType type = p.type_of(out);
    if (!type.weak) continue;
    const int var = p.new_var(ArrayType{type.shape, type.dtype, false});
    p.equations.push_back(
        Equation{std::make_shared<primitives::ConvertElementType>(type.dtype, false), {out}, {var}, std::nullopt});
    out = Atom::variable(var);
    changed = true;
  }
  return changed ? std::make_shared<const Program>(std::move(p)) : program;
}

// Carries whose weak flag differs between the input and what the body returns become strong, as JAX
// promotes weakly typed loop inputs.
std::vector<ArrayType> strengthen(std::vector<ArrayType> carry, const std::vector<ArrayType>& returned) {
  for (std::size_t i = 0; i < carry.size() && i < returned.size(); ++i) {
    if (carry[i].weak != returned[i].weak) carry[i].weak = false;
  }
  return carry;
}

ArrayList converted(std::span<const Array> values, const std::vector<ArrayType>& types) {
  ArrayList result;
  for (std::size_t i = 0; i < values.size(); ++i) {
    result.push_back(values[i].weak_type() == types[i].weak ? values[i]
                                                            : lax::convert_element_type(values[i], types[i].dtype));
  }
  return result;
}

}  // namespace

ArrayList cond_flat(const Array& index, const std::vector<FlatFunction>& branches, std::span<const Array> operands,
                    const std::vector<tree::TreeDef*>& output_structures, std::source_location where) {
  CallSite site(where);
  Array which = index;
  if (which.ndim() != 0 || !(is_integer(which.dtype()) || is_bool(which.dtype()))) {
    throw TypeError("cond", fmt::format("the predicate or index must be a boolean or integer scalar, got {}",
                                        which.type().to_string()));
  }
  if (which.dtype() != DType::int32) which = lax::convert_element_type(which, DType::int32);
  const std::vector<ArrayType> types = types_of(operands);
  std::vector<ClosedBody> bodies;
  for (std::size_t i = 0; i < branches.size(); ++i)
    bodies.push_back(trace_closure(branches[i], types, fmt::format("branch {} of cond", i)));
  // Every branch must return the same structure and types (weak types join to strong).
  bool any_weak_difference = false;
  for (std::size_t i = 1; i < bodies.size(); ++i) {
    const std::vector<ArrayType> a = bodies[0].program->output_types(), b = bodies[i].program->output_types();
    if (!(*output_structures[i] == *output_structures[0]) || !same_types(a, b, false)) {
      throw TypeError(
          "cond",
          fmt::format(
              "branches must return the same structure and types, but branch 0 returns {} and branch {} returns {}",
              describe(*output_structures[0], a), i, describe(*output_structures[i], b)));
    }
    any_weak_difference = any_weak_difference || !same_types(a, b, true);
  }
  // Common constants: every branch takes all branches' captured values, using its own.
  std::vector<ProgramRef> programs;
  ArrayList inputs{which};
  for (const ClosedBody& body : bodies) inputs.insert(inputs.end(), body.consts.begin(), body.consts.end());
  std::size_t offset = 0;
  for (const ClosedBody& body : bodies) {
    Program p = *body.program;
    std::vector<int> leading;
    for (std::size_t k = 1; k < inputs.size(); ++k) {
      if (k - 1 >= offset && k - 1 < offset + body.consts.size()) {
        leading.push_back(p.inputs[k - 1 - offset]);
      } else {
        leading.push_back(p.new_var(ArrayType{inputs[k].shape(), inputs[k].dtype(), inputs[k].weak_type()}));
      }
    }
    p.inputs.erase(p.inputs.begin(), p.inputs.begin() + static_cast<std::ptrdiff_t>(body.consts.size()));
    p.inputs.insert(p.inputs.begin(), leading.begin(), leading.end());
    offset += body.consts.size();
    ProgramRef ref = std::make_shared<const Program>(std::move(p));
    programs.push_back(any_weak_difference ? strong_outputs(ref) : ref);
  }
  inputs.insert(inputs.end(), operands.begin(), operands.end());
  return jx::bind(primitives::Cond(std::move(programs)), inputs);
}

ArrayList while_flat(const FlatFunction& cond, const FlatFunction& body, std::span<const Array> init,
                     tree::TreeDef& body_structure, const tree::TreeDef& init_structure, std::source_location where) {
  CallSite site(where);
  std::vector<ArrayType> types = types_of(init);
  ClosedBody body_program = trace_closure(body, types, "body of while_loop");
  if (!(body_structure == init_structure) || !same_types(types, body_program.program->output_types(), false)) {
    throw TypeError(
        "while_loop",
        fmt::format("body_fun must return the carry's structure and types: it takes {} and returns {}",
                    describe(init_structure, types), describe(body_structure, body_program.program->output_types())));
  }
  if (!same_types(types, body_program.program->output_types(), true)) {
    types = strengthen(types, body_program.program->output_types());
    body_program = trace_closure(body, types, "body of while_loop");
    body_program.program = strong_outputs(body_program.program);
  }
  const ClosedBody cond_program = trace_closure(cond, types, "cond of while_loop");
  const std::vector<ArrayType> predicate = cond_program.program->output_types();
  if (predicate.size() != 1 || predicate[0].ndim() != 0 || predicate[0].dtype != DType::bool_) {
    throw TypeError("while_loop", "cond_fun must return a boolean scalar");
  }
  ArrayList inputs = cond_program.consts;
  inputs.insert(inputs.end(), body_program.consts.begin(), body_program.consts.end());
  const ArrayList carry = converted(init, types);
  inputs.insert(inputs.end(), carry.begin(), carry.end());
  return jx::bind(primitives::While(cond_program.program, body_program.program,
                                    static_cast<std::int64_t>(cond_program.consts.size()),
                                    static_cast<std::int64_t>(body_program.consts.size())),
                  inputs);
}

ArrayList scan_flat(const FlatFunction& body, std::span<const Array> init, std::span<const Array> xs,
                    std::int64_t num_carry, std::optional<std::int64_t> length, bool reverse, std::int64_t unroll,
                    tree::TreeDef& body_structure, const tree::TreeDef& carry_structure, std::source_location where) {
  CallSite site(where);
  for (const Array& x : xs) {
    if (x.ndim() == 0) throw ShapeError("scan", "scanned inputs must have a leading axis to scan over; got a scalar");
    if (length && *length != x.shape()[0]) {
      throw ShapeError("scan", fmt::format("scanned inputs have leading axes of different lengths: {} and {}", *length,
                                           x.shape()[0]));
    }
    length = x.shape()[0];
  }
  if (!length) throw ValueError("scan", "with no scanned inputs, the length option is needed");
  std::vector<ArrayType> carry = types_of(init);
  auto body_types = [&] {
    std::vector<ArrayType> types = carry;
    for (const Array& x : xs) {
      ArrayType slice = x.type();
      slice.shape.erase(0);
      types.push_back(slice);
    }
    return types;
  };
  ClosedBody traced = trace_closure(body, body_types(), "body of scan");
  auto returned_carry = [&] {
    std::vector<ArrayType> out = traced.program->output_types();
    out.resize(static_cast<std::size_t>(std::min<std::int64_t>(num_carry, static_cast<std::int64_t>(out.size()))));
    return out;
  };
  const std::vector<tree::TreeDef> parts = body_structure.children();
  if (parts.size() != 2 || !(parts[0] == carry_structure) || !same_types(carry, returned_carry(), false)) {
    throw TypeError(
        "scan",
        fmt::format("f must return a pair (carry, y) whose carry has the initial carry's structure and types: the "
                    "carry is {} but f returns {}",
                    describe(carry_structure, carry), body_structure.to_string()));
  }
  if (!same_types(carry, returned_carry(), true)) {
    carry = strengthen(carry, returned_carry());
    traced = trace_closure(body, body_types(), "body of scan");
    traced.program = strong_outputs(traced.program);
  }
  ArrayList inputs = traced.consts;
  const ArrayList initial = converted(init, carry);
  inputs.insert(inputs.end(), initial.begin(), initial.end());
  inputs.insert(inputs.end(), xs.begin(), xs.end());
  return jx::bind(primitives::Scan(traced.program, *length, reverse, static_cast<std::int64_t>(traced.consts.size()),
                                   num_carry, std::max<std::int64_t>(unroll, 1)),
                  inputs);
}

std::int64_t map_length(std::span<const Array> leaves, std::int64_t batch_size) {
  if (batch_size <= 0) throw ValueError("map", fmt::format("batch_size must be positive, got {}", batch_size));
  if (leaves.empty()) throw ValueError("map", "xs has no arrays to map over");
  const std::int64_t length = leaves[0].ndim() > 0 ? leaves[0].shape()[0] : -1;
  for (const Array& leaf : leaves) {
    if (leaf.ndim() == 0 || leaf.shape()[0] != length) {
      throw ShapeError("map", fmt::format("every array of xs needs the same leading axis, got {} and {}",
                                          leaves[0].type().to_string(), leaf.type().to_string()));
    }
  }
  return length;
}

}  // namespace jx::detail
