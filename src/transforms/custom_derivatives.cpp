// custom_jvp and custom_vjp as primitives: the user's function is the primitive's evaluation and its
// shape rule (by tracing it abstractly); the user's jvp rule is the primitive's jvp. A custom_vjp's
// jvp stages a linear primitive whose transpose is the user's backward function, so reverse mode
// calls it with the residuals the forward function saved.
#include "jx/transforms/custom_derivatives.h"

#include <fmt/format.h>

#include <atomic>

#include "ir/passes.h"
#include "ir/primitives/control_flow.h"
#include "ir/primitives/rules.h"
#include "jx/core/error.h"
#include "jx/ir/primitive.h"
#include "jx/transforms/vmap.h"
#include "trace/batching.h"
#include "trace/staging.h"
#include "transforms/program_transforms.h"

namespace jx::detail {
namespace {

// Whether a custom function has effects (a debug callback inside it): then its call must be kept,
// and jit must not run it on borrowed inputs. Found when the call's types are inferred, as it is
// bound; until then, assumed. Atomic, as a program's primitives may be inferred again (verify) while
// another thread runs them.
class EffectsFlag {
 public:
  EffectsFlag() = default;
  EffectsFlag(const EffectsFlag& other) : value_(other.get()) {}
  EffectsFlag& operator=(const EffectsFlag& other) {
    set(other.get());
    return *this;
  }
  ~EffectsFlag() = default;
  bool get() const { return value_.load(std::memory_order_relaxed); }
  void set(bool value) const { value_.store(value, std::memory_order_relaxed); }

 private:
  mutable std::atomic<bool> value_{true};
};

// The output types of a function, by tracing it on abstract inputs, noting whether it has effects.
TypeList trace_types(const ArraysFunction& f, std::span<const ArrayType> inputs, const EffectsFlag& effects) {
  const Program program = trace_program(f, inputs, "abstract evaluation of a custom-derivative function");
  effects.set(primitives::has_effects(program));
  return program.output_types();
}

// The function as an optimized program: for a backend that inlines it into the program it plans, or
// compiles it on its own (lower_function).
std::shared_ptr<const Program> traced_body(const ArraysFunction& f, std::span<const ArrayType> inputs) {
  auto program = std::make_shared<Program>(trace_program(f, inputs, "custom-derivative function, compiled for jit"));
  passes::optimize(*program);
  return program;
}

// The kernel of a custom function under jit: the function traced into a program and compiled, so
// that a jitted call runs planned kernels rather than calling the user's C++ function each time (the
// function is pure, so tracing it once is as good as calling it).
Kernel lower_function(const ArraysFunction& f, const LoweringContext& context) {
  std::shared_ptr<const CompiledProgram> compiled = context.compile(*traced_body(f, context.inputs));
  const std::size_t scratch = compiled->scratch_bytes();
  return Kernel{[compiled = std::move(compiled)](const KernelCall& call) {
                  compiled->run(call.inputs, call.outputs, call.scratch);
                },
                scratch};
}

// vmap of a custom function: the function itself, batched (the custom rule is not batched with it).
BatchResult batch_function(const ArraysFunction& f, std::span<const Array> values, std::span<const int> axes) {
  std::vector<std::optional<int>> in_axes;
  for (int axis : axes) in_axes.push_back(axis == kNotMapped ? std::nullopt : std::optional<int>(axis));
  const std::vector<int> argument_of_leaf(values.size(), 0);
  ArrayList outputs = vmap_flat(f, values, in_axes, argument_of_leaf, std::nullopt, 0,
                                "vmap of a custom-derivative function", current_batch_axis_name());
  const std::size_t count = outputs.size();
  return {std::move(outputs), std::vector<int>(count, 0)};
}

// The tangents with zeros where there are none: of the primal's type for inexact primals, float0 (JAX's
// tangent type of integers, bools and keys, which a key's zero cannot be converted to) for the others.
ArrayList with_zeros(std::span<const Array> primals, std::span<const Array> tangents) {
  ArrayList result;
  for (std::size_t i = 0; i < primals.size(); ++i) {
    const ArrayType& type = primals[i].type();
    result.push_back(is_inexact(type.dtype) ? rules::instantiate(tangents[i], type)
                                            : rules::instantiate(tangents[i], ArrayType{type.shape, DType::float0}));
  }
  return result;
}

class CustomJvpCall final : public PrimitiveBase<CustomJvpCall> {
 public:
  CustomJvpCall(std::shared_ptr<const ArraysFunction> f, std::shared_ptr<const JvpRule> rule, const void* id,
                std::string signature)
      : f_(std::move(f)),
        rule_(std::move(rule)),
        id_(reinterpret_cast<std::intptr_t>(id)),
        signature_(std::move(signature)) {}
  std::string_view name() const override { return "custom_jvp_call"; }
  TypeList infer(std::span<const ArrayType> inputs) const override { return trace_types(*f_, inputs, has_effects_); }
  bool has_side_effects() const override { return has_effects_.get(); }
  Kernel lower(const LoweringContext& context) const override { return lower_function(*f_, context); }
  std::shared_ptr<const Program> inline_body(std::span<const ArrayType> inputs) const override {
    return traced_body(*f_, inputs);
  }
  ArrayList evaluate(std::span<const Array> inputs) const override {
    UserCodeScope user;
    return (*f_)(inputs);
  }
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override {
    const ArrayList instantiated = with_zeros(primals, tangents);
    ArrayList tangent_outputs;
    {
      UserCodeScope user;
      tangent_outputs = (*rule_)(primals, instantiated, outputs);
    }
    if (tangent_outputs.empty()) tangent_outputs.resize(outputs.size());  // defjvps with no rule: zero
    if (tangent_outputs.size() != outputs.size()) {
      throw ValueError("custom_jvp", fmt::format("the rule's tangent has {} leaves, but the function's output has {}",
                                                 tangent_outputs.size(), outputs.size()));
    }
    for (std::size_t i = 0; i < outputs.size(); ++i) {
      Array& tangent = tangent_outputs[i];
      if (!tangent.valid()) {
        tangent = rules::instantiate(tangent, outputs[i].type());
        continue;
      }
      // JAX: the tangent must have the output's tangent dtype (its own, for floating outputs).
      if (is_inexact(outputs[i].dtype()) && tangent.dtype() != outputs[i].dtype()) {
        throw TypeError("custom_jvp", fmt::format("the rule's tangent {} has dtype {}, but the function's output "
                                                  "has dtype {}; they must be equal",
                                                  i, dtype_name(tangent.dtype()), dtype_name(outputs[i].dtype())));
      }
      // JAX: "Custom JVP rule must produce primal and tangent outputs with equal shapes".
      if (tangent.shape() != outputs[i].shape()) {
        throw ShapeError("custom_jvp",
                         fmt::format("the rule's tangent {} has shape {}, but the function's output has shape {}; "
                                     "they must be equal",
                                     i, tangent.shape().to_string(), outputs[i].shape().to_string()));
      }
    }
    return tangent_outputs;
  }
  BatchResult batch(std::span<const Array> values, std::span<const int> axes) const override {
    return batch_function(*f_, values, axes);
  }
  // Identified by the jx::custom_jvp object it came from and the arguments' structure, with their
  // static (non-array) values: calls that differ only there compute different things.
  auto params() const { return std::tuple{Param{"fun", id_}, Param{"signature", signature_}}; }

 private:
  std::shared_ptr<const ArraysFunction> f_;
  std::shared_ptr<const JvpRule> rule_;
  std::int64_t id_;
  std::string signature_;
  EffectsFlag has_effects_;
};

// The linear part of a custom_vjp function: inputs are the residuals followed by the tangents; its
// transpose runs the user's backward function.
class CustomVjpLinear final : public PrimitiveBase<CustomVjpLinear> {
 public:
  CustomVjpLinear(std::shared_ptr<const BackwardRule> backward, std::size_t num_residuals, TypeList outputs)
      : backward_(std::move(backward)),
        num_residuals_(static_cast<std::int64_t>(num_residuals)),
        outputs_(std::move(outputs)) {}
  std::string_view name() const override { return "custom_vjp_linear"; }
  TypeList infer(std::span<const ArrayType>) const override { return outputs_; }
  ArrayList evaluate(std::span<const Array>) const override {
    throw TypeError("custom_vjp",
                    "a custom_vjp function cannot be differentiated in forward mode (jvp, jacfwd); "
                    "define a custom_jvp rule for that");
  }
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override {
    const auto residual_count = static_cast<std::size_t>(num_residuals_);
    const ArrayList residuals(inputs.begin(), inputs.begin() + num_residuals_);
    ArrayList output_cotangents;
    for (std::size_t i = 0; i < outputs_.size(); ++i) {
      output_cotangents.push_back(rules::instantiate(cotangents[i], outputs_[i]));
    }
    ArrayList input_cotangents;
    {
      UserCodeScope user;
      input_cotangents = (*backward_)(residuals, output_cotangents);
    }
    const std::size_t num_inputs = types.size() - residual_count;
    if (input_cotangents.size() != num_inputs) {
      throw ValueError("custom_vjp", fmt::format("the backward function returned {} cotangents for {} inputs",
                                                 input_cotangents.size(), num_inputs));
    }
    ArrayList result(residual_count);
    for (std::size_t i = 0; i < num_inputs; ++i) {
      const ArrayType& type = types[residual_count + i];
      const Array& g = input_cotangents[i];
      if (g.valid() && g.shape() != type.shape) {
        throw ShapeError("custom_vjp",
                         fmt::format("the backward function's cotangent {} has shape {}, but its input has shape {}", i,
                                     g.shape().to_string(), type.shape.to_string()));
      }
      result.push_back(g);
    }
    return result;
  }
  auto params() const { return std::tuple{Param{"residuals", num_residuals_}}; }

 private:
  std::shared_ptr<const BackwardRule> backward_;
  std::int64_t num_residuals_;
  TypeList outputs_;
};

class CustomVjpCall final : public PrimitiveBase<CustomVjpCall> {
 public:
  CustomVjpCall(std::shared_ptr<const ArraysFunction> f, std::shared_ptr<const ForwardRule> forward,
                std::shared_ptr<const BackwardRule> backward, const void* id, std::string signature)
      : f_(std::move(f)),
        forward_(std::move(forward)),
        backward_(std::move(backward)),
        id_(reinterpret_cast<std::intptr_t>(id)),
        signature_(std::move(signature)) {}
  std::string_view name() const override { return "custom_vjp_call"; }
  TypeList infer(std::span<const ArrayType> inputs) const override { return trace_types(*f_, inputs, has_effects_); }
  bool has_side_effects() const override { return has_effects_.get(); }
  Kernel lower(const LoweringContext& context) const override { return lower_function(*f_, context); }
  std::shared_ptr<const Program> inline_body(std::span<const ArrayType> inputs) const override {
    return traced_body(*f_, inputs);
  }
  ArrayList evaluate(std::span<const Array> inputs) const override {
    UserCodeScope user;
    return (*f_)(inputs);
  }
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override {
    ForwardPass forward;
    {
      // The forward pass is primal computation: it belongs to the enclosing trace.
      UserCodeScope user;
      forward = (*forward_)(primals);
    }
    ArrayList operands = forward.residuals;
    const ArrayList instantiated = with_zeros(primals, tangents);
    operands.insert(operands.end(), instantiated.begin(), instantiated.end());
    TypeList output_types;
    for (const Array& output : outputs) output_types.push_back(output.type());
    auto backward = forward.backward ? std::make_shared<const BackwardRule>(std::move(forward.backward)) : backward_;
    return jx::bind(CustomVjpLinear(std::move(backward), forward.residuals.size(), std::move(output_types)), operands);
  }
  BatchResult batch(std::span<const Array> values, std::span<const int> axes) const override {
    return batch_function(*f_, values, axes);
  }
  auto params() const { return std::tuple{Param{"fun", id_}, Param{"signature", signature_}}; }

 private:
  std::shared_ptr<const ArraysFunction> f_;
  std::shared_ptr<const ForwardRule> forward_;
  std::shared_ptr<const BackwardRule> backward_;
  std::int64_t id_;
  std::string signature_;
  EffectsFlag has_effects_;
};

}  // namespace

ArrayList call_custom_jvp(ArraysFunction f, JvpRule rule, std::span<const Array> args, const void* id,
                          std::string signature) {
  const CustomJvpCall call(std::make_shared<const ArraysFunction>(std::move(f)),
                           std::make_shared<const JvpRule>(std::move(rule)), id, std::move(signature));
  return jx::bind(call, args);
}

ArrayList call_custom_vjp(ArraysFunction f, ForwardRule fwd, BackwardRule bwd, std::span<const Array> args,
                          const void* id, std::string signature) {
  const CustomVjpCall call(std::make_shared<const ArraysFunction>(std::move(f)),
                           std::make_shared<const ForwardRule>(std::move(fwd)),
                           std::make_shared<const BackwardRule>(std::move(bwd)), id, std::move(signature));
  return jx::bind(call, args);
}

ClosedBackward close_backward(const ArraysFunction& backward, std::span<const ArrayType> output_types,
                              std::span<const ArrayType> input_types) {
  const ArraysFunction instantiated = [&](std::span<const Array> cotangents) {
    ArrayList gradients = backward(cotangents);
    for (std::size_t i = 0; i < gradients.size(); ++i) gradients[i] = rules::instantiate(gradients[i], input_types[i]);
    return gradients;
  };
  ClosedBody body = trace_closure(instantiated, output_types, "custom_gradient's vjp function");
  for (std::size_t i = 0; i < input_types.size(); ++i) {
    const ArrayType type = body.program->output_types()[i];
    if (type.shape != input_types[i].shape) {
      throw ShapeError("custom_gradient", fmt::format("the vjp function's cotangent {} has shape {}, but the input "
                                                      "has shape {}",
                                                      i, type.shape.to_string(), input_types[i].shape.to_string()));
    }
  }
  return ClosedBackward{std::static_pointer_cast<const void>(body.program), std::move(body.consts)};
}

ArrayList run_closed_backward(const std::shared_ptr<const void>& program, std::span<const Array> residuals,
                              std::span<const Array> cotangents) {
  ArrayList inputs(residuals.begin(), residuals.end());
  inputs.insert(inputs.end(), cotangents.begin(), cotangents.end());
  return eval_program(*std::static_pointer_cast<const Program>(program), inputs);
}

void throw_custom_leaf_count(const char* what, std::size_t argument, std::size_t got, std::size_t expected) {
  throw ValueError(what, fmt::format("the cotangent of argument {} has {} leaves, but the argument has {}", argument,
                                     got, expected));
}

}  // namespace jx::detail
