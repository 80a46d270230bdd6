// jx/ir/primitive.h — the Primitive: one operation the system knows how to run and transform.
//
// Every op in jx::numpy, jx::lax and jx::nn ends in primitives (add, reduce_sum, dot_general, ...).
// A primitive is one class holding everything jx knows about the operation, in one place:
//   - infer:     its shape and dtype rule (the single source of truth; ops never compute shapes),
//   - evaluate:  the eager kernel on concrete arrays,
//   - jvp:       forward-mode derivative, written with public ops so it composes with any trace,
//   - transpose: for primitives linear in some inputs, the rule reverse mode runs backwards,
//   - batch:     the vmap rule,
//   - lower:     the kernel jit's planned executor runs, on raw buffers of fixed types.
// A transformation never names a concrete primitive: it calls these hooks.
//
//   class Sin : public PrimitiveBase<Sin> { ... };   // see src/ir/primitives/ for the real ones
//   Array y = bind1(Sin{}, {x});                        // evaluates now, or records under a trace
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <typeinfo>
#include <vector>

#include "jx/core/array.h"
#include "jx/core/array_type.h"
#include "jx/ir/kernel.h"

namespace jx {

class Program;
using TypeList = std::vector<ArrayType>;

// vmap's marker for an input or output that has no batch axis.
inline constexpr int kNotMapped = -1;

struct BatchResult {
  ArrayList outputs;
  std::vector<int> axes;  // the batch axis of each output, or kNotMapped
};

class Primitive {
 public:
  virtual ~Primitive() = default;

  virtual std::string_view name() const = 0;

  // The types of the outputs for inputs of these types. Throws ShapeError/DTypeError on bad input.
  virtual TypeList infer(std::span<const ArrayType> inputs) const = 0;

  // The outputs for concrete inputs.
  virtual ArrayList evaluate(std::span<const Array> inputs) const = 0;

  // Forward mode. An empty (invalid) tangent is a symbolic zero, and so is an empty result. `outputs`
  // are the primal outputs, already computed. The default throws "not differentiable".
  virtual ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                        std::span<const Array> outputs) const;

  // Primitives whose forward-mode rule computes the primal outputs too, so that a body runs once
  // (control flow), return true and implement jvp_with_primals: (outputs, output tangents).
  virtual bool jvp_computes_primals() const { return false; }
  virtual std::pair<ArrayList, ArrayList> jvp_with_primals(std::span<const Array> primals,
                                                           std::span<const Array> tangents) const;

  // Reverse mode of a primitive linear in some inputs: `inputs[i]` is empty for the linear ones (their
  // types are in `types`), and holds the value of the others. Returns a cotangent per input (empty for
  // non-linear inputs or zero cotangents). `cotangents` has one entry per output; empty means zero.
  virtual ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                              std::span<const ArrayType> types) const;

  // vmap: `axes[i]` is the batch axis of inputs[i] or kNotMapped (at least one is mapped).
  virtual BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const;

  // The CPU kernel for operands of these types (jx/ir/kernel.h). An empty Kernel (the default) makes the
  // planned executor run `evaluate` instead, on arrays wrapping the planned buffers.
  virtual Kernel lower(const LoweringContext& context) const;
  // A call that only runs a function (custom_jvp_call, custom_vjp_call) returns the function as a
  // program on inputs of these types; a backend about to plan a program inlines it there, so that its
  // equations fuse with their neighbours (its derivative rules are not needed once nothing is
  // differentiated). The default, nullptr, keeps the call.
  virtual std::shared_ptr<const Program> inline_body(std::span<const ArrayType> /*inputs*/) const { return nullptr; }
  // Output 0 is input 0's bytes under another type (a reshape; a conversion that changes only the weak
  // flag): the planner gives it input 0's memory and runs nothing.
  virtual bool reinterprets_input(std::span<const ArrayType> /*inputs*/) const { return false; }

  // `evaluate` only re-indexes input 0 (a broadcast, transpose, slice, reversal): it returns a view
  // sharing the input's buffer and reads no data. The planner lowers these generically, to a copy.
  virtual bool returns_view() const { return false; }

  // Collectives (psum, all_gather, axis_index, ...) name the mapped axes they communicate over: a vmap,
  // pmap or shard_map binding one of those names runs their batching rule even when no input varies
  // along its axis (psum of a replicated value is a multiple of it; axis_index has no input at all).
  virtual std::vector<std::string> axis_names() const { return {}; }
  // Primitives holding programs (cond, while_loop, scan, checkpoint, custom_jvp/custom_vjp calls) show
  // them to `visit`, so that a collective inside a body is found (see uses_axis_name in trace/batching.h).
  virtual void visit_programs(const std::function<void(const Program&)>& /*visit*/) const {}

  // Side effects (printing, callbacks, ref access) are never removed, merged or reordered.
  virtual bool has_side_effects() const { return false; }
  // Elementwise with identical input and output shapes (scalars excepted): fusible into loop tiles.
  virtual bool is_elementwise() const { return false; }

  // Parameters, for printing, equality (CSE, jit checking) and hashing.
  virtual void print_params(std::ostream& os) const = 0;
  virtual bool same_params(const Primitive& other) const = 0;  // `other` has the same dynamic type
  virtual std::size_t hash_params() const = 0;
  virtual std::shared_ptr<const Primitive> clone() const = 0;

  bool equals(const Primitive& other) const {
    return typeid(*this) == typeid(other) && name() == other.name() && same_params(other);
  }
  std::size_t hash() const { return std::hash<std::string_view>{}(name()) * 31 + hash_params(); }
};

// A named parameter, for PrimitiveBase's generic printing, equality and hashing. It refers to the
// primitive's member: params() must name members, never temporaries.
template <class T>
struct Param {
  std::string_view name;
  const T& value;
};
template <class T>
Param(std::string_view, const T&) -> Param<T>;

namespace detail {
void print_param_value(std::ostream& os, bool v);
void print_param_value(std::ostream& os, int v);
void print_param_value(std::ostream& os, std::int64_t v);
void print_param_value(std::ostream& os, double v);
void print_param_value(std::ostream& os, DType v);
void print_param_value(std::ostream& os, const Shape& v);
void print_param_value(std::ostream& os, const Axes& v);
void print_param_value(std::ostream& os, const std::vector<int>& v);
void print_param_value(std::ostream& os, const std::vector<std::int64_t>& v);
void print_param_value(std::ostream& os, const std::string& v);
std::size_t hash_param_value(bool v);
std::size_t hash_param_value(int v);
std::size_t hash_param_value(std::int64_t v);
std::size_t hash_param_value(double v);
std::size_t hash_param_value(DType v);
std::size_t hash_param_value(const Shape& v);
std::size_t hash_param_value(const Axes& v);
std::size_t hash_param_value(const std::vector<int>& v);
std::size_t hash_param_value(const std::vector<std::int64_t>& v);
std::size_t hash_param_value(const std::string& v);
}  // namespace detail

// Implements the parameter plumbing from `Derived::params()`, which returns a tuple of Param{name,
// value}; a primitive without parameters returns an empty tuple.
template <class Derived>
class PrimitiveBase : public Primitive {
 public:
  void print_params(std::ostream& os) const override {
    bool first = true;
    std::apply(
        [&](const auto&... p) {
          using detail::print_param_value;  // and, by argument-dependent lookup, overloads beside a parameter's type
          ((os << (first ? "" : " ") << p.name << "=", print_param_value(os, p.value), first = false), ...);
        },
        self().params());
  }
  bool same_params(const Primitive& other) const override {
    return params_values() == static_cast<const Derived&>(other).params_values();
  }
  std::size_t hash_params() const override {
    std::size_t h = 0;
    std::apply(
        [&](const auto&... p) {
          using detail::hash_param_value;
          ((h = h * 1000003u ^ hash_param_value(p.value)), ...);
        },
        self().params());
    return h;
  }
  std::shared_ptr<const Primitive> clone() const override { return std::make_shared<Derived>(self()); }

  // The parameter values alone, for equality.
  auto params_values() const {
    return std::apply([](const auto&... p) { return std::tie(p.value...); }, self().params());
  }

 private:
  const Derived& self() const { return static_cast<const Derived&>(*this); }
};

}  // namespace jx
