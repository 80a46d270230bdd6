#include "ir/primitives/control_flow.h"

#include <fmt/format.h>

#include <ostream>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"

namespace jx::primitives {

bool operator==(const Programs& a, const Programs& b) {
  if (a.programs.size() != b.programs.size()) return false;
  for (std::size_t i = 0; i < a.programs.size(); ++i) {
    if (a.programs[i] != b.programs[i] && first_difference(*a.programs[i], *b.programs[i])) return false;
  }
  return true;
}

void print_param_value(std::ostream& os, const Programs& v) {
  os << "(";
  for (std::size_t i = 0; i < v.programs.size(); ++i) os << (i ? " " : "") << v.programs[i]->to_string();
  os << ")";
}

std::size_t hash_param_value(const Programs& v) {
  std::size_t h = v.programs.size();
  for (const ProgramRef& p : v.programs) {
    h = h * 31 + p->equations.size();
    for (const Equation& e : p->equations) h = h * 131 + e.primitive->hash();
  }
  return h;
}

bool has_effects(const Program& program) {
  for (const Equation& e : program.equations) {
    if (e.primitive->has_side_effects()) return true;
  }
  return false;
}

namespace {

void check_operands(std::string_view op, const Program& program, std::span<const ArrayType> operands,
                    std::size_t first) {
  const std::vector<ArrayType> expected = program.input_types();
  if (operands.size() - first != expected.size()) {
    throw TypeError(std::string(op), fmt::format("the body takes {} operands but {} were given", expected.size(),
                                                 operands.size() - first));
  }
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const ArrayType& given = operands[first + i];
    if (given.shape != expected[i].shape || given.dtype != expected[i].dtype) {
      throw TypeError(std::string(op), fmt::format("operand {} has type {} but the body expects {}", i,
                                                   given.to_string(), expected[i].to_string()));
    }
  }
}

ArrayList slice(std::span<const Array> inputs, std::size_t first, std::size_t count) {
  return ArrayList(inputs.begin() + static_cast<std::ptrdiff_t>(first),
                   inputs.begin() + static_cast<std::ptrdiff_t>(first + count));
}

}  // namespace

// --- cond -------------------------------------------------------------------------------------

TypeList Cond::infer(std::span<const ArrayType> inputs) const {
  if (inputs.empty() || inputs[0].ndim() != 0 || !is_integer(inputs[0].dtype)) {
    throw TypeError("cond", "the branch index must be an integer scalar");
  }
  for (const ProgramRef& branch : branches()) check_operands("cond", *branch, inputs, 1);
  return branches()[0]->output_types();
}

ArrayList Cond::evaluate(std::span<const Array> inputs) const {
  const auto count = static_cast<std::int64_t>(branches().size());
  const std::int64_t index = std::clamp<std::int64_t>(inputs[0].item<std::int64_t>(), 0, count - 1);
  return eval_program(*branches()[static_cast<std::size_t>(index)], inputs.subspan(1));
}

bool Cond::has_side_effects() const {
  for (const ProgramRef& branch : branches()) {
    if (has_effects(*branch)) return true;
  }
  return false;
}

// --- while ------------------------------------------------------------------------------------

TypeList While::infer(std::span<const ArrayType> inputs) const {
  const std::size_t first_carry = static_cast<std::size_t>(cond_consts_ + body_consts_);
  std::vector<ArrayType> cond_inputs(inputs.begin(), inputs.begin() + cond_consts_);
  cond_inputs.insert(cond_inputs.end(), inputs.begin() + static_cast<std::ptrdiff_t>(first_carry), inputs.end());
  check_operands("while_loop", cond(), cond_inputs, 0);
  std::vector<ArrayType> body_inputs(inputs.begin() + cond_consts_, inputs.end());
  check_operands("while_loop", body(), body_inputs, 0);
  const std::vector<ArrayType> predicate = cond().output_types();
  if (predicate.size() != 1 || predicate[0].ndim() != 0 || predicate[0].dtype != DType::bool_) {
    throw TypeError("while_loop", "cond_fun must return a boolean scalar");
  }
  return TypeList(inputs.begin() + static_cast<std::ptrdiff_t>(first_carry), inputs.end());
}

ArrayList While::evaluate(std::span<const Array> inputs) const {
  const auto cc = static_cast<std::size_t>(cond_consts_), bc = static_cast<std::size_t>(body_consts_);
  const ArrayList cond_consts = slice(inputs, 0, cc), body_consts = slice(inputs, cc, bc);
  ArrayList carry = slice(inputs, cc + bc, inputs.size() - cc - bc);
  auto with = [](ArrayList consts, const ArrayList& values) {
    consts.insert(consts.end(), values.begin(), values.end());
    return consts;
  };
  while (eval_program(cond(), with(cond_consts, carry))[0].item<bool>())
    carry = eval_program(body(), with(body_consts, carry));
  return carry;
}

bool While::has_side_effects() const { return has_effects(cond()) || has_effects(body()); }

// --- scan -------------------------------------------------------------------------------------

TypeList Scan::infer(std::span<const ArrayType> inputs) const {
  const auto nc = static_cast<std::size_t>(num_consts_), ncarry = static_cast<std::size_t>(num_carry_);
  std::vector<ArrayType> body_inputs(inputs.begin(), inputs.begin() + static_cast<std::ptrdiff_t>(nc + ncarry));
  for (std::size_t i = nc + ncarry; i < inputs.size(); ++i) {
    if (inputs[i].ndim() == 0 || inputs[i].shape[0] != length_) {
      throw ShapeError("scan", fmt::format("scanned input {} has type {}, but its leading axis must have the length {}",
                                           i - nc - ncarry, inputs[i].to_string(), length_));
    }
    ArrayType slice_type = inputs[i];
    slice_type.shape.erase(0);
    body_inputs.push_back(slice_type);
  }
  check_operands("scan", body(), body_inputs, 0);
  const std::vector<ArrayType> outputs = body().output_types();
  TypeList result;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    if (i < ncarry) {
      if (outputs[i].shape != inputs[nc + i].shape || outputs[i].dtype != inputs[nc + i].dtype) {
        throw TypeError(
            "scan",
            fmt::format("the body returns carry {} of type {}, but it came in as {}: the carry must keep its type", i,
                        outputs[i].to_string(), inputs[nc + i].to_string()));
      }
      result.push_back(inputs[nc + i]);
    } else {
      ArrayType stacked = outputs[i];
      stacked.shape.insert(0, length_);
      stacked.weak = false;
      result.push_back(stacked);
    }
  }
  return result;
}

ArrayList Scan::evaluate(std::span<const Array> inputs) const {
  const auto nc = static_cast<std::size_t>(num_consts_), ncarry = static_cast<std::size_t>(num_carry_);
  const ArrayList consts = slice(inputs, 0, nc);
  ArrayList carry = slice(inputs, nc, ncarry);
  const ArrayList xs = slice(inputs, nc + ncarry, inputs.size() - nc - ncarry);
  const std::size_t num_ys = body().outputs.size() - ncarry;
  std::vector<ArrayList> ys(num_ys);
  for (std::int64_t step = 0; step < length_; ++step) {
    const std::int64_t i = reverse_ ? length_ - 1 - step : step;
    ArrayList operands = consts;
    operands.insert(operands.end(), carry.begin(), carry.end());
    for (const Array& x : xs) operands.push_back(x[i]);
    ArrayList outputs = eval_program(body(), operands);
    carry.assign(outputs.begin(), outputs.begin() + static_cast<std::ptrdiff_t>(ncarry));
    for (std::size_t k = 0; k < num_ys; ++k) ys[k].push_back(outputs[ncarry + k]);
  }
  ArrayList result = carry;
  const TypeList types = infer([&] {
    std::vector<ArrayType> t;
    for (const Array& x : inputs) t.push_back(x.type());
    return t;
  }());
  for (std::size_t k = 0; k < num_ys; ++k) {
    if (reverse_) std::reverse(ys[k].begin(), ys[k].end());
    const ArrayType& type = types[ncarry + k];
    result.push_back(length_ == 0 ? lax::broadcast_in_dim(lax::convert_element_type(0, type.dtype), type.shape, {})
                                  : numpy::stack(ys[k]).astype(type.dtype));
  }
  return result;
}

bool Scan::has_side_effects() const { return has_effects(body()); }

}  // namespace jx::primitives
