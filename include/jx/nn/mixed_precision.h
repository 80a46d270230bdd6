// jx/nn/mixed_precision.h — Haiku's hk.mixed_precision with jmp's Policy: run kinds of modules in a lower
// precision while their parameters stay in float32.
//
//   namespace mp = jx::nn::mixed_precision;
//   mp::set_policy<jx::nn::MLP>(mp::parse_policy("params=float32,compute=bfloat16,output=float32"));
//   mp::set_policy<jx::nn::BatchNorm>(mp::parse_policy("p=f32,c=f32,o=bf16"));  // statistics in float32
//   auto model = jx::nn::transform([](const jx::Array& x) { return jx::nn::MLP({64, 10})(x); });
//   auto params = model.init(key, x);        // float32 parameters
//   auto logits = model.apply(params, {}, x);  // computed in bfloat16, returned as float32
//   auto grads = jx::grad(loss)(params, x);    // float32, like the parameters
//   mp::clear_policy<jx::nn::MLP>();
//
// A policy belongs to a kind of module (its kind name, "linear" for Linear: the name its instances get
// by default). While a module of that kind runs, as in Haiku:
//  - parameters are created in param_dtype and read (get_parameter) cast to compute_dtype, and floating
//    state is read cast to compute_dtype; this holds for the modules it calls too, down to one with a
//    policy of its own (its policy then rules inside it);
//  - its inputs are cast to compute_dtype and its output to output_dtype.
// C++ has no hook around a module's call operator, so the second point is each module's doing: it calls
// cast_input on its inputs and cast_output on its result inside scoped(). Linear, MLP, Sequential, ConvND
// (Conv1D/2D/3D), LayerNorm (InstanceNorm) and BatchNorm do. A policy on another kind of module still
// makes its parameters and state (and its children's) follow the first point; its inputs and outputs
// keep their dtypes. Casts touch floating arrays only, as jmp's do; so does the param_dtype of a new
// parameter (Haiku would also retype an integer one). Policies are per thread, as in Haiku.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "jx/core/array.h"
#include "jx/tree.h"

namespace jx::nn {
class Linear;
class MLP;
class Sequential;
class ConvND;
class Conv1D;
class Conv2D;
class Conv3D;
class LayerNorm;
class InstanceNorm;
class BatchNorm;
}  // namespace jx::nn

namespace jx::nn::mixed_precision {

namespace detail {
// The array cast to `dtype` when it is floating (jmp's _cast_floating_to), unchanged otherwise.
Array cast_floating(const Array& x, DType dtype);
}  // namespace detail

// The floating arrays of any pytree (an Array, a tuple, a parameter tree, std::optional<Array>) cast to
// `dtype`; the others are kept.
template <class T>
T cast_floating_to(const T& tree, DType dtype) {
  if constexpr (std::is_same_v<T, Array>) {
    return detail::cast_floating(tree, dtype);
  } else {
    return jx::tree::map([dtype](const Array& x) { return detail::cast_floating(x, dtype); }, tree);
  }
}

// jmp.Policy: the dtypes of a module's parameters, of its computation and of its output.
struct Policy {
  DType param_dtype = float32;
  DType compute_dtype = float32;
  DType output_dtype = float32;

  template <class T>
  T cast_to_param(const T& tree) const {
    return cast_floating_to(tree, param_dtype);
  }
  template <class T>
  T cast_to_compute(const T& tree) const {
    return cast_floating_to(tree, compute_dtype);
  }
  template <class T>
  T cast_to_output(const T& tree) const {
    return cast_floating_to(tree, output_dtype);
  }
  Policy with_output_dtype(DType dtype) const { return {param_dtype, compute_dtype, dtype}; }
  // As jmp prints one: "p=full,c=bf16,o=full" (each dtype's first name, "full" for float32).
  std::string to_string() const;
  friend bool operator==(const Policy&, const Policy&) = default;
};
std::ostream& operator<<(std::ostream& os, const Policy& policy);

// jmp.get_policy: "params=float32,compute=bfloat16,output=float32", shortened keys ("p=f32,c=bf16"), or
// one dtype for all three ("bf16"). Unspecified, params is float32, compute follows params and output
// follows compute. Dtypes: bf16/bfloat16, f16/float16, full/f32/float32, f64/float64, and half
// (float16: jmp's half is bfloat16 only on TPUs). Anything else throws ValueError.
Policy parse_policy(std::string_view policy_name);
// jmp.parse_dtype and jmp.half_dtype.
DType parse_dtype(std::string_view name);
DType half_dtype();
// jmp.cast_to_full and jmp.cast_to_half.
template <class T>
T cast_to_full(const T& tree) {
  return cast_floating_to(tree, float32);
}
template <class T>
T cast_to_half(const T& tree) {
  return cast_floating_to(tree, half_dtype());
}

// The kind name a policy is set for with set_policy<M>. The library's modules that honour policies
// have theirs below; a module of one's own can declare `static constexpr std::string_view kind = "..."`
// (the kind it gives Module's constructor), or use the functions taking the kind name.
template <class M>
inline constexpr std::string_view module_kind = M::kind;
template <>
inline constexpr std::string_view module_kind<Linear> = "linear";
template <>
inline constexpr std::string_view module_kind<MLP> = "mlp";
template <>
inline constexpr std::string_view module_kind<Sequential> = "sequential";
template <>
inline constexpr std::string_view module_kind<ConvND> = "conv_nd";
template <>
inline constexpr std::string_view module_kind<Conv1D> = "conv1_d";
template <>
inline constexpr std::string_view module_kind<Conv2D> = "conv2_d";
template <>
inline constexpr std::string_view module_kind<Conv3D> = "conv3_d";
template <>
inline constexpr std::string_view module_kind<LayerNorm> = "layer_norm";
template <>
inline constexpr std::string_view module_kind<InstanceNorm> = "instance_norm";
template <>
inline constexpr std::string_view module_kind<BatchNorm> = "batch_norm";

// hk.mixed_precision.set_policy / get_policy / clear_policy, by kind name or by class. A policy applies
// from the next call of a module of that kind; get_policy gives only policies set explicitly.
void set_policy(std::string_view module_kind_name, const Policy& policy);
std::optional<Policy> get_policy(std::string_view module_kind_name);
void clear_policy(std::string_view module_kind_name);
template <class M>
void set_policy(const Policy& policy) {
  set_policy(module_kind<M>, policy);
}
template <class M>
std::optional<Policy> get_policy() {
  return get_policy(module_kind<M>);
}
template <class M>
void clear_policy() {
  clear_policy(module_kind<M>);
}
// The policy in force where this is called: that of the innermost running module with one, if any.
std::optional<Policy> current_policy();

// hk.mixed_precision.push_policy: the policy while this object lives, then the one before (or none).
// Pushing inside a module of the same kind throws ValueError, as in Haiku.
class [[nodiscard]] PushPolicy {
 public:
  PushPolicy(std::string_view module_kind_name, const Policy& policy);
  ~PushPolicy();
  PushPolicy(const PushPolicy&) = delete;
  PushPolicy& operator=(const PushPolicy&) = delete;

 private:
  std::string kind_;
  std::optional<Policy> previous_;
};
template <class M>
PushPolicy push_policy(const Policy& policy) {
  return PushPolicy(module_kind<M>, policy);
}

// For modules: the policy of the running module itself (not one inherited from a module around it).
// Called inside scoped(), at the start on the inputs and at the end on the result.
namespace detail {
const Policy* own_policy();
}  // namespace detail
template <class T>
T cast_input(const T& value) {
  const Policy* policy = detail::own_policy();
  return policy ? policy->cast_to_compute(value) : value;
}
template <class T>
T cast_output(const T& value) {
  const Policy* policy = detail::own_policy();
  return policy ? policy->cast_to_output(value) : value;
}

namespace detail {
// Called by Module::Scope (src/nn/frame.cpp) as each module starts and ends running.
void enter_module(std::string_view module_kind_name);
void exit_module();
// The policy get_parameter and get_state follow: the current one, except while suspended (so that they
// can call themselves for the uncast value).
const Policy* accessor_policy();
class SuspendPolicy {
 public:
  SuspendPolicy();
  ~SuspendPolicy();
  SuspendPolicy(const SuspendPolicy&) = delete;
  SuspendPolicy& operator=(const SuspendPolicy&) = delete;
};
}  // namespace detail

}  // namespace jx::nn::mixed_precision
