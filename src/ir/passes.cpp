// Program passes: algebraic simplification, constant folding, common-subexpression elimination and
// dead-code elimination. Equations with side effects (debug printing, callbacks, ref access) are
// never removed, merged or moved.
#include "ir/passes.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <unordered_map>

#include "backends/cpu/kernels.h"
#include "core/array_impl.h"
#include "core/subnormals.h"
#include "ir/primitives/elementwise.h"
#include "ir/primitives/reduction.h"
#include "ir/primitives/structural.h"
#include "jx/core/config.h"
#include "jx/core/error.h"

namespace jx::passes {
namespace {

// Renames variables: uses of `from` become uses of `to` (an atom, so a variable may also become a
// literal). Applied as equations are visited in order.
class Substitution {
 public:
  void replace(int from, Atom to) { map_[from] = std::move(to); }
  Atom apply(const Atom& a) const {
    if (a.is_literal()) return a;
    auto it = map_.find(a.var);
    return it == map_.end() ? a : it->second;
  }
  void apply_to(Program& program) const {
    for (Equation& e : program.equations) {
      for (Atom& a : e.inputs) a = apply(a);
    }
    for (Atom& a : program.outputs) a = apply(a);
  }
  bool empty() const { return map_.empty(); }

 private:
  std::unordered_map<int, Atom> map_;
};

bool is_scalar_literal_equal_to(const Atom& a, double value) {
  if (!a.is_literal() || !a.literal.is_concrete()) return false;
  if (!is_numeric(a.literal.dtype()) || is_bool(a.literal.dtype())) return false;
  if (is_complex(a.literal.dtype())) return a.literal.item<std::complex<double>>() == value;
  return a.literal.item<double>() == value;
}

// The value of a constant input (a literal, or a concrete constvar), if it is one.
std::optional<Array> constant_value(const Atom& a, const std::unordered_map<int, Array>& known) {
  if (a.is_literal()) return a.literal;
  auto it = known.find(a.var);
  if (it != known.end()) return it->second;
  return std::nullopt;
}

}  // namespace

bool simplify_algebra(Program& program) {
  Substitution substitution;
  std::vector<Equation> kept;
  bool changed = false;
  // The kept equation producing each variable, for patterns over two (reshape of reshape, ...).
  std::unordered_map<int, std::size_t> producer;
  auto produced_by = [&](const Atom& a) -> const Equation* {
    if (a.is_literal()) return nullptr;
    auto it = producer.find(a.var);
    return it == producer.end() ? nullptr : &kept[it->second];
  };
  for (Equation& original : program.equations) {
    Equation e = original;
    for (Atom& a : e.inputs) a = substitution.apply(a);
    const Primitive& p = *e.primitive;
    const ArrayType& out_type =
        e.outputs.size() == 1 ? program.types[static_cast<std::size_t>(e.outputs[0])] : ArrayType{};
    auto forward = [&](const Atom& to) {
      if (!(program.type_of(to) == out_type)) return false;
      substitution.replace(e.outputs[0], to);
      changed = true;
      return true;
    };
    if (const auto* power = dynamic_cast<const primitives::IntegerPow*>(&p)) {
      if (power->exponent() == 1 && forward(e.inputs[0])) continue;
    }
    if (p.is_elementwise() && e.inputs.size() >= 2) {
      // An elementwise operand that is a scalar broadcast to the full shape: use the scalar (the
      // primitive broadcasts scalars itself), so no broadcast is materialized.
      for (std::size_t k = 0; k < e.inputs.size(); ++k) {
        const Equation* source = produced_by(e.inputs[k]);
        const auto* broadcast =
            source ? dynamic_cast<const primitives::BroadcastInDim*>(source->primitive.get()) : nullptr;
        if (!broadcast || program.type_of(source->inputs[0]).num_elements() != 1) continue;
        bool other_full = false;  // another operand keeps the output shape
        for (std::size_t j = 0; j < e.inputs.size(); ++j)
          other_full |= j != k && program.type_of(e.inputs[j]).shape == out_type.shape;
        if (!other_full || dynamic_cast<const primitives::SelectN*>(&p)) continue;
        Atom scalar = source->inputs[0];
        if (program.type_of(scalar).ndim() != 0) {
          // A one-element array of higher rank (f32[1]): its reshape to a scalar costs nothing.
          ArrayType scalar_type = program.type_of(scalar);
          scalar_type.shape = Shape{};
          const int reshaped = program.new_var(scalar_type);
          kept.push_back(Equation{std::make_shared<primitives::Reshape>(Shape{}), {scalar}, {reshaped}, source->where});
          producer[reshaped] = kept.size() - 1;
          scalar = Atom::variable(reshaped);
        }
        e.inputs[k] = scalar;
        changed = true;
      }
    }
    if (const auto* binary = dynamic_cast<const primitives::Binary*>(&p)) {
      const BinaryOp op = binary->op();
      const Atom& x = e.inputs[0];
      const Atom& y = e.inputs[1];
      if ((op == BinaryOp::mul && is_scalar_literal_equal_to(y, 1)) ||
          (op == BinaryOp::div && is_scalar_literal_equal_to(y, 1)) ||
          (op == BinaryOp::add && is_scalar_literal_equal_to(y, 0)) ||
          (op == BinaryOp::sub && is_scalar_literal_equal_to(y, 0))) {
        if (forward(x)) continue;
      }
      if ((op == BinaryOp::mul && is_scalar_literal_equal_to(x, 1)) ||
          (op == BinaryOp::add && is_scalar_literal_equal_to(x, 0))) {
        if (forward(y)) continue;
      }
    } else if (const auto* convert = dynamic_cast<const primitives::ConvertElementType*>(&p)) {
      const ArrayType& in = program.type_of(e.inputs[0]);
      if (in.dtype == convert->new_dtype() && in.weak == convert->weak_type() && forward(e.inputs[0])) continue;
    } else if (const auto* reshape = dynamic_cast<const primitives::Reshape*>(&p)) {
      const Atom& x = e.inputs[0];
      if (program.type_of(x).shape == reshape->new_sizes() && forward(x)) continue;
      const Equation* inner = produced_by(x);
      if (inner && dynamic_cast<const primitives::Reshape*>(inner->primitive.get())) {
        e.inputs[0] = inner->inputs[0];  // reshape of a reshape: one reshape
        changed = true;
        if (program.type_of(e.inputs[0]).shape == reshape->new_sizes() && forward(e.inputs[0])) continue;
      }
    } else if (const auto* transpose = dynamic_cast<const primitives::Transpose*>(&p)) {
      const Atom& x = e.inputs[0];
      std::vector<int> identity(transpose->permutation().size());
      std::iota(identity.begin(), identity.end(), 0);
      if (transpose->permutation() == identity && forward(x)) continue;
      const Equation* producer_equation = produced_by(x);
      const auto* inner =
          producer_equation ? dynamic_cast<const primitives::Transpose*>(producer_equation->primitive.get()) : nullptr;
      if (inner) {
        // transpose(transpose(y, p), q) = transpose(y, p[q[i]])
        std::vector<int> composed;
        for (int q : transpose->permutation()) composed.push_back(inner->permutation()[static_cast<std::size_t>(q)]);
        const Atom source = producer_equation->inputs[0];
        if (composed == identity) {
          if (forward(source)) continue;
        } else {
          e.primitive = std::make_shared<primitives::Transpose>(composed);
          e.inputs[0] = source;
          changed = true;
        }
      }
    } else if (const auto* broadcast = dynamic_cast<const primitives::BroadcastInDim*>(&p)) {
      if (program.type_of(e.inputs[0]).shape == broadcast->shape() && forward(e.inputs[0])) continue;
    } else if (const auto* reduce = dynamic_cast<const primitives::Reduce*>(&p)) {
      // Reducing only axes of size 1 changes the shape alone: a reshape.
      const ArrayType& in = program.type_of(e.inputs[0]);
      bool only_unit_axes = true;
      for (int axis : reduce->axes()) only_unit_axes &= in.shape[axis] == 1;
      if (only_unit_axes && in.dtype == out_type.dtype && in.weak == out_type.weak) {
        e.primitive = std::make_shared<primitives::Reshape>(out_type.shape);
        changed = true;
      }
    }
    kept.push_back(std::move(e));
    for (int out : kept.back().outputs) producer[out] = kept.size() - 1;
  }
  program.equations = std::move(kept);
  substitution.apply_to(program);
  return changed;
}

bool fold_constants(Program& program, std::int64_t max_elements) {
  std::unordered_map<int, Array> known;  // concrete values of constvars and folded results
  for (std::size_t i = 0; i < program.constvars.size(); ++i) {
    if (program.consts[i].is_concrete()) known[program.constvars[i]] = program.consts[i];
  }
  Substitution substitution;
  std::vector<Equation> kept;
  bool changed = false;
  for (Equation& original : program.equations) {
    Equation e = original;
    for (Atom& a : e.inputs) a = substitution.apply(a);
    bool all_constant = !e.primitive->has_side_effects() && !e.inputs.empty();
    std::vector<Array> values;
    for (const Atom& a : e.inputs) {
      auto value = constant_value(a, known);
      if (!value) {
        all_constant = false;
        break;
      }
      values.push_back(*value);
    }
    std::int64_t out_elements = 0;
    for (int out : e.outputs) out_elements += program.types[static_cast<std::size_t>(out)].num_elements();
    // A broadcast of a scalar costs nothing to keep and would only turn into a large constant.
    const bool scalar_broadcast = dynamic_cast<const primitives::BroadcastInDim*>(e.primitive.get()) &&
                                  !values.empty() && values[0].size() == 1 && out_elements > 1;
    if (!all_constant || out_elements > max_elements || scalar_broadcast) {
      kept.push_back(std::move(e));
      continue;
    }
    // Evaluate now, with subnormals flushed as the planned run would (core/subnormals.h); scalar
    // results become literals, others new constants.
    ArrayList results;
    {
      const ScopedFlushSubnormals flush;
      results = e.primitive->evaluate(values);
    }
    for (std::size_t k = 0; k < e.outputs.size(); ++k) {
      const Array value = cpu::contiguous(results[k]);
      if (value.ndim() == 0) {
        substitution.replace(e.outputs[k], Atom::constant(value));
      } else {
        program.constvars.push_back(e.outputs[k]);
        program.consts.push_back(value);
        known[e.outputs[k]] = value;
      }
    }
    changed = true;
  }
  program.equations = std::move(kept);
  substitution.apply_to(program);
  return changed;
}

namespace {

struct EquationKey {
  const Equation* equation;
  const Program* program;
  std::size_t hash;
};

bool same_literal(const Array& a, const Array& b) {
  if (!(a.type() == b.type())) return false;
  const Array x = cpu::contiguous(a), y = cpu::contiguous(b);
  return std::memcmp(concrete(x).data(), concrete(y).data(), a.type().num_bytes()) == 0;
}

bool same_inputs(const Equation& a, const Equation& b) {
  if (a.inputs.size() != b.inputs.size()) return false;
  for (std::size_t i = 0; i < a.inputs.size(); ++i) {
    const Atom& x = a.inputs[i];
    const Atom& y = b.inputs[i];
    if (x.is_literal() != y.is_literal()) return false;
    if (x.is_literal() ? !same_literal(x.literal, y.literal) : x.var != y.var) return false;
  }
  return true;
}

}  // namespace

bool eliminate_common_subexpressions(Program& program) {
  Substitution substitution;
  std::unordered_multimap<std::size_t, std::size_t> seen;  // hash -> index into kept
  std::vector<Equation> kept;
  bool changed = false;
  for (Equation& original : program.equations) {
    Equation e = original;
    for (Atom& a : e.inputs) a = substitution.apply(a);
    if (!e.primitive->has_side_effects()) {
      std::size_t h = e.primitive->hash();
      for (const Atom& a : e.inputs)
        h = h * 1000003u ^ (a.is_literal() ? 0x51ed27u : static_cast<std::size_t>(a.var) * 2654435761u);
      bool merged = false;
      auto [first, last] = seen.equal_range(h);
      for (auto it = first; it != last; ++it) {
        const Equation& other = kept[it->second];
        if (other.primitive->equals(*e.primitive) && same_inputs(other, e)) {
          for (std::size_t k = 0; k < e.outputs.size(); ++k)
            substitution.replace(e.outputs[k], Atom::variable(other.outputs[k]));
          merged = true;
          changed = true;
          break;
        }
      }
      if (merged) continue;
      seen.emplace(h, kept.size());
    }
    kept.push_back(std::move(e));
  }
  program.equations = std::move(kept);
  substitution.apply_to(program);
  return changed;
}

bool eliminate_dead_code(Program& program) {
  std::vector<bool> live(program.types.size(), false);
  for (const Atom& a : program.outputs) {
    if (!a.is_literal()) live[static_cast<std::size_t>(a.var)] = true;
  }
  std::vector<bool> keep(program.equations.size(), false);
  for (std::size_t i = program.equations.size(); i-- > 0;) {
    const Equation& e = program.equations[i];
    bool needed = e.primitive->has_side_effects();
    for (int out : e.outputs) needed = needed || live[static_cast<std::size_t>(out)];
    if (!needed) continue;
    keep[i] = true;
    for (const Atom& a : e.inputs) {
      if (!a.is_literal()) live[static_cast<std::size_t>(a.var)] = true;
    }
  }
  bool changed = false;
  std::vector<Equation> kept;
  for (std::size_t i = 0; i < program.equations.size(); ++i) {
    if (keep[i])
      kept.push_back(std::move(program.equations[i]));
    else
      changed = true;
  }
  program.equations = std::move(kept);
  // Unused constants are dropped too.
  std::vector<int> constvars;
  std::vector<Array> consts;
  for (std::size_t i = 0; i < program.constvars.size(); ++i) {
    if (live[static_cast<std::size_t>(program.constvars[i])]) {
      constvars.push_back(program.constvars[i]);
      consts.push_back(program.consts[i]);
    } else {
      changed = true;
    }
  }
  program.constvars = std::move(constvars);
  program.consts = std::move(consts);
  return changed;
}

namespace {

// One level of inlining: the calls of `program`, not those inside the bodies it splices in.
bool inline_calls_once(Program& program) {
  bool inlined = false;
  std::vector<Equation> equations;
  equations.reserve(program.equations.size());
  Substitution substitution;
  std::vector<ArrayType> input_types;
  for (Equation& e : program.equations) {
    for (Atom& a : e.inputs) a = substitution.apply(a);
    std::shared_ptr<const Program> body;
    if (!e.primitive->has_side_effects()) {
      input_types.clear();
      for (const Atom& a : e.inputs) input_types.push_back(program.type_of(a));
      body = e.primitive->inline_body(input_types);
    }
    if (!body) {
      equations.push_back(std::move(e));
      continue;
    }
    inlined = true;
    // Each of the body's variables as an atom of the program: its inputs are the call's operands, its
    // constants become the program's, its equations' outputs fresh variables.
    std::vector<Atom> atom_of(body->types.size());
    for (std::size_t i = 0; i < body->inputs.size(); ++i)
      atom_of[static_cast<std::size_t>(body->inputs[i])] = e.inputs[i];
    for (std::size_t k = 0; k < body->constvars.size(); ++k) {
      const auto constvar = static_cast<std::size_t>(body->constvars[k]);
      const int v = program.new_var(body->types[constvar]);
      program.constvars.push_back(v);
      program.consts.push_back(body->consts[k]);
      atom_of[constvar] = Atom::variable(v);
    }
    const auto renamed = [&](const Atom& a) { return a.is_literal() ? a : atom_of[static_cast<std::size_t>(a.var)]; };
    for (const Equation& inner : body->equations) {
      Equation copy{inner.primitive, {}, {}, inner.where ? inner.where : e.where};
      for (const Atom& a : inner.inputs) copy.inputs.push_back(renamed(a));
      for (int v : inner.outputs) {
        const int fresh = program.new_var(body->types[static_cast<std::size_t>(v)]);
        atom_of[static_cast<std::size_t>(v)] = Atom::variable(fresh);
        copy.outputs.push_back(fresh);
      }
      equations.push_back(std::move(copy));
    }
    for (std::size_t j = 0; j < e.outputs.size(); ++j) substitution.replace(e.outputs[j], renamed(body->outputs[j]));
  }
  program.equations = std::move(equations);
  for (Atom& a : program.outputs) a = substitution.apply(a);
  return inlined;
}

}  // namespace

bool inline_calls(Program& program) {
  // Bodies may hold calls themselves (a custom_jvp function calling another); a few levels suffice.
  constexpr int kMaxDepth = 16;
  bool inlined = false;
  for (int depth = 0; depth < kMaxDepth && inline_calls_once(program); ++depth) inlined = true;
  return inlined;
}

namespace {
void verify_after(const Program& program, const char* pass) {
  try {
    program.verify();
  } catch (const ValueError& e) {
    throw ValueError("enable_checks", fmt::format("the program is malformed after the {} pass: {}", pass, e.detail()));
  }
}
}  // namespace

void optimize(Program& program) {
  // config::enable_checks verifies the program after every pass, so a pass that breaks it is named.
  const bool checks = config::enable_checks();
  const auto run = [&](const char* name, auto&& pass) {
    const bool changed = pass();
    if (checks) verify_after(program, name);
    return changed;
  };
  for (int round = 0; round < 4; ++round) {
    bool changed = run("simplify_algebra", [&] { return simplify_algebra(program); });
    changed |= run("fold_constants", [&] { return fold_constants(program, kFoldLimit); });
    changed |= run("eliminate_common_subexpressions", [&] { return eliminate_common_subexpressions(program); });
    changed |= run("eliminate_dead_code", [&] { return eliminate_dead_code(program); });
    if (!changed) break;
  }
}

}  // namespace jx::passes
