// jx/transforms/custom_derivatives.h — user-defined differentiation rules (jax.custom_jvp,
// jax.custom_vjp, jax.custom_gradient), for numerical stability or efficiency.
//
//   // log(1 + exp(x)), whose naive derivative is NaN for large x:
//   auto log1pexp = jx::custom_jvp(
//       [](const jx::Array& x) { return jnp::log1p(jnp::exp(x)); },
//       [](const std::tuple<jx::Array>& primals, const std::tuple<jx::Array>& tangents) {
//         const auto& [x] = primals;
//         const auto& [t] = tangents;
//         return (1 - 1 / (1 + jnp::exp(x))) * t;   // the output's tangent (or a pair: primal, tangent)
//       });
//   auto same = jx::custom_jvp(f).defjvps([](const jx::Array& t, const jx::Array& ans, const jx::Array& x) {
//     return jx::nn::sigmoid(x) * t;                // one rule per argument: (tangent, output, primals...)
//   });
//
//   auto clip_gradient = jx::custom_vjp(
//       [](const jx::Array& x) { return x; },                                   // f
//       [](const jx::Array& x) { return std::pair{x, std::tuple<>{}}; },        // fwd: (output, residuals)
//       [](const std::tuple<>&, const jx::Array& ct) { return std::tuple{jnp::clip(ct, -1, 1)}; });  // bwd
//
// Arguments and outputs are pytrees; numbers are traced where f takes arrays; non-array leaves (an int,
// a string) are static. jx::nondiff_argnums<I...> as a last argument marks arguments that are not
// differentiated: the rules receive them first, as JAX passes them (jvp(nondiff..., primals, tangents),
// bwd(nondiff..., residuals, cotangent)), and the primals/tangents tuples and bwd's result leave them out.
// bwd returns one cotangent per differentiated argument, in a tuple; an empty jx::Array is a zero.
// Forward-mode differentiation of a custom_vjp function is an error, as in JAX.
//
//   auto f = jx::custom_gradient([](const jx::Array& x) {
//     return std::pair{jnp::sin(x), [x](const jx::Array& g) { return std::tuple{g * jnp::cos(x)}; }};
//   });
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "jx/core/array.h"
#include "jx/transforms/arguments.h"
#include "jx/tree.h"

namespace jx {

template <int... I>
struct NondiffArgnums {};
template <int... I>
inline constexpr NondiffArgnums<I...> nondiff_argnums{};

namespace detail {
using ArraysFunction = std::function<ArrayList(std::span<const Array>)>;
// The output tangents given primals, (zero-instantiated) tangents and the primal outputs.
using JvpRule = std::function<ArrayList(std::span<const Array>, std::span<const Array>, std::span<const Array>)>;
// Input cotangents (empty: zero) from residual leaves and the output cotangents.
using BackwardRule = std::function<ArrayList(std::span<const Array>, std::span<const Array>)>;
// What the forward pass gives: the outputs, the residuals, and (custom_gradient) a backward function
// for these residuals only; when empty, the call's own runs.
struct ForwardPass {
  ArrayList outputs;
  ArrayList residuals;
  BackwardRule backward;
};
using ForwardRule = std::function<ForwardPass(std::span<const Array>)>;

// `id` identifies the custom function (the same for every call of one jx::custom_jvp object), so that
// retracing it gives an equal program.
// `signature` is the arguments' structure, static values included (calls that differ there differ).
ArrayList call_custom_jvp(ArraysFunction f, JvpRule rule, std::span<const Array> args, const void* id,
                          std::string signature);
ArrayList call_custom_vjp(ArraysFunction f, ForwardRule fwd, BackwardRule bwd, std::span<const Array> args,
                          const void* id, std::string signature);
// custom_gradient's backward function, closed over what it captured: traced into a program once the
// forward pass has run, its captures becoming the residuals.
struct ClosedBackward {
  std::shared_ptr<const void> program;  // a jx::Program (src/transforms/custom_derivatives.cpp)
  ArrayList residuals;
};
// `backward` maps output cotangents to input cotangents (empty: zero, instantiated as `input_types`).
ClosedBackward close_backward(const ArraysFunction& backward, std::span<const ArrayType> output_types,
                              std::span<const ArrayType> input_types);
ArrayList run_closed_backward(const std::shared_ptr<const void>& program, std::span<const Array> residuals,
                              std::span<const Array> cotangents);

// A value (an output structure, a traced backward function) found when the function is first traced,
// read after: retraces, for jit's compile, may run on other threads.
template <class T>
class Recorded {
 public:
  void record(const T& value) {
    const std::lock_guard lock(mutex_);
    if (!recorded_) value_ = value, recorded_ = true;
  }
  T get() const {
    const std::lock_guard lock(mutex_);
    return value_;
  }

 private:
  mutable std::mutex mutex_;
  T value_{};
  bool recorded_ = false;
};
using RecordedStructure = Recorded<tree::TreeDef>;

template <std::size_t N, int... I>
constexpr std::array<bool, N> nondiff_mask(NondiffArgnums<I...> /*unused*/) {
  std::array<bool, N> mask{};
  ((I >= 0 && static_cast<std::size_t>(I) < N ? mask[static_cast<std::size_t>(I)] = true : false), ...);
  return mask;
}
template <std::size_t N, int... I>
constexpr bool nondiff_in_range(NondiffArgnums<I...> /*unused*/) {
  return ((I >= 0 && static_cast<std::size_t>(I) < N) && ...);
}
// The positions not marked in `mask`, in order.
template <std::size_t N, std::size_t M>
constexpr std::array<std::size_t, M> unmarked(const std::array<bool, N>& mask) {
  std::array<std::size_t, M> positions{};
  std::size_t k = 0;
  for (std::size_t i = 0; i < N; ++i) {
    if (!mask[i]) positions[k++] = i;
  }
  return positions;
}

// The arguments of one call of a custom function, flattened one after another: every array leaf is an
// input of the call (non-differentiated ones too, so that they may be traced).
template <class Nondiff, class... Args>
struct CustomArguments {
  static constexpr std::size_t kCount = sizeof...(Args);
  static_assert(nondiff_in_range<kCount>(Nondiff{}), "jx::nondiff_argnums: an argnum is out of range for the call");
  static constexpr std::array<bool, kCount> kNondiff = nondiff_mask<kCount>(Nondiff{});
  static constexpr std::size_t kDifferentiated = [] {
    std::size_t n = 0;
    for (bool b : kNondiff) n += b ? 0 : 1;
    return n;
  }();
  static constexpr std::array<std::size_t, kDifferentiated> kDifferentiatedPositions =
      unmarked<kCount, kDifferentiated>(kNondiff);
  template <std::size_t P>
  using Type = std::tuple_element_t<P, std::tuple<Args...>>;

  std::array<tree::TreeDef, kCount> structures;
  std::array<std::size_t, kCount + 1> offsets{};

  ArrayList flatten(const Args&... args) {
    ArrayList leaves;
    std::size_t k = 0;
    (
        [&] {
          tree::flatten_into(args, structures[k], leaves);
          offsets[k + 1] = leaves.size();
          ++k;
        }(),
        ...);
    return leaves;
  }
  // The arguments' structures with their static values, as text (part of the call's identity).
  std::string signature() const {
    std::string text;
    for (const tree::TreeDef& def : structures) text += def.to_string() + ";";
    return text;
  }
  template <std::size_t P>
  Type<P> rebuild(std::span<const Array> leaves) const {
    return tree::unflatten<Type<P>>(structures[P], leaves.subspan(offsets[P], offsets[P + 1] - offsets[P]));
  }
  // f(all arguments...), from all leaves.
  template <class G>
  decltype(auto) call_all(const G& g, std::span<const Array> leaves) const {
    return [&]<std::size_t... P>(std::index_sequence<P...>)->decltype(auto) { return g(rebuild<P>(leaves)...); }
    (std::index_sequence_for<Args...>{});
  }
  // The non-differentiated arguments rebuilt from `leaves`, as a tuple (passed first to the rules).
  auto nondiff(std::span<const Array> leaves) const {
    return [&]<std::size_t... P>(std::index_sequence<P...>) {
      return std::tuple_cat([&] {
        if constexpr (kNondiff[P])
          return std::tuple<Type<P>>(rebuild<P>(leaves));
        else
          return std::tuple<>();
      }()...);
    }
    (std::index_sequence_for<Args...>{});
  }
  // The differentiated arguments (or values shaped like them) rebuilt from `leaves`, as a tuple.
  auto differentiated(std::span<const Array> leaves) const {
    return [&]<std::size_t... K>(std::index_sequence<K...>) {
      return std::tuple<Type<kDifferentiatedPositions[K]>...>(rebuild<kDifferentiatedPositions[K]>(leaves)...);
    }
    (std::make_index_sequence<kDifferentiated>{});
  }
  // Leaves from one value per differentiated argument (a tuple, as bwd returns them); the leaves of
  // non-differentiated arguments are empty (zero).
  template <class Tuple>
  ArrayList leaves_of_differentiated(const Tuple& values, const char* what) const {
    static_assert(std::tuple_size_v<Tuple> == kDifferentiated,
                  "jx::custom_vjp: bwd must return a tuple with one cotangent per differentiated argument");
    ArrayList leaves(offsets[kCount]);
    [&]<std::size_t... K>(std::index_sequence<K...>) {
      (place<kDifferentiatedPositions[K]>(std::get<K>(values), leaves, what), ...);
    }
    (std::make_index_sequence<kDifferentiated>{});
    return leaves;
  }

 private:
  template <std::size_t P, class V>
  void place(const V& value, ArrayList& leaves, const char* what) const {
    const std::size_t n = offsets[P + 1] - offsets[P];
    if constexpr (std::is_same_v<std::remove_cvref_t<V>, Array>) {
      if (!value.valid()) return;  // a symbolic zero for the whole argument
    }
    const ArrayList values = tree::leaves(value);
    if (values.size() != n) throw_cotangent_count(what, P, values.size(), n);
    std::copy(values.begin(), values.end(), leaves.begin() + static_cast<std::ptrdiff_t>(offsets[P]));
  }
  [[noreturn]] static void throw_cotangent_count(const char* what, std::size_t argument, std::size_t got,
                                                 std::size_t expected);
};

[[noreturn]] void throw_custom_leaf_count(const char* what, std::size_t argument, std::size_t got,
                                          std::size_t expected);
template <class Nondiff, class... Args>
void CustomArguments<Nondiff, Args...>::throw_cotangent_count(const char* what, std::size_t argument, std::size_t got,
                                                              std::size_t expected) {
  throw_custom_leaf_count(what, argument, got, expected);
}

// The output tangent from what a jvp rule returned: the tangent, or JAX's (primal_out, tangent_out).
template <class Output, class Result>
ArrayList tangent_leaves(const Result& result) {
  if constexpr (std::is_convertible_v<const Result&, const Output&>) {
    return tree::leaves(static_cast<const Output&>(result));
  } else {
    static_assert(std::tuple_size_v<Result> == 2,
                  "jx::custom_jvp: the rule must return the output's tangent, "
                  "or a pair (primal output, tangent output)");
    return tree::leaves(std::get<1>(result));
  }
}

struct NoRule {};
// defjvps: one rule per differentiated argument, rule_k(nondiff..., tangent_k, output, primals...);
// nullptr where the output does not depend on that argument.
template <class... Rules>
struct PerArgumentRules {
  std::tuple<Rules...> rules;
};
template <class T>
inline constexpr bool is_per_argument_rules = false;
template <class... Rules>
inline constexpr bool is_per_argument_rules<PerArgumentRules<Rules...>> = true;

// defjvps: the output tangent is the sum of each argument's contribution (empty where none).
template <class... Rules, class Arguments, class NondiffTuple, class Output>
ArrayList per_argument_tangents(const PerArgumentRules<Rules...>& per_argument, const Arguments& arguments,
                                const NondiffTuple& nondiff, std::span<const Array> primals,
                                std::span<const Array> tangents, const Output& output) {
  static_assert(sizeof...(Rules) == Arguments::kDifferentiated,
                "jx::custom_jvp(f).defjvps: give one rule per differentiated argument (nullptr for none)");
  const auto primal_tuple = arguments.differentiated(primals);
  const auto tangent_tuple = arguments.differentiated(tangents);
  ArrayList total;
  [&]<std::size_t... K>(std::index_sequence<K...>) {
    (
        [&] {
          const auto& rule = std::get<K>(per_argument.rules);
          if constexpr (!std::is_same_v<std::remove_cvref_t<decltype(rule)>, std::nullptr_t>) {
            const Output contribution = std::apply(
                [&](const auto&... n) {
                  return std::apply(
                      [&](const auto&... p) { return rule(n..., std::get<K>(tangent_tuple), output, p...); },
                      primal_tuple);
                },
                nondiff);
            const ArrayList leaves = tree::leaves(contribution);
            if (total.empty()) total.resize(leaves.size());
            if (leaves.size() != total.size())
              throw_custom_leaf_count("custom_jvp defjvps", K, leaves.size(), total.size());
            for (std::size_t i = 0; i < leaves.size(); ++i)
              total[i] = total[i].valid() ? total[i] + leaves[i] : leaves[i];
          }
        }(),
        ...);
  }
  (std::make_index_sequence<sizeof...(Rules)>{});
  return total;  // empty entries (or an empty list): zero tangents
}
}  // namespace detail

// The function custom_jvp returns: f with its derivative rule.
template <class F, class Rule, class Nondiff = NondiffArgnums<>>
class CustomJvpFunction {
 public:
  CustomJvpFunction(F f, Rule rule)
      : state_(std::make_shared<const std::pair<F, Rule>>(std::move(f), std::move(rule))) {}

  template <std::size_t I, class... Args>
  static constexpr bool array_parameter = detail::array_parameter<F, I, Args...>();

  // As JAX's decorator: jx::custom_jvp(f).defjvp(rule), .defjvps(rule_0, rule_1, ...).
  template <class NewRule>
  auto defjvp(NewRule rule) const {
    return CustomJvpFunction<F, NewRule, Nondiff>(state_->first, std::move(rule));
  }
  template <class... Rules>
  auto defjvps(Rules... rules) const {
    using PerArgument = detail::PerArgumentRules<Rules...>;
    return CustomJvpFunction<F, PerArgument, Nondiff>(state_->first, PerArgument{std::tuple<Rules...>(rules...)});
  }

  template <class... Args>
  auto operator()(const Args&... args) const {
    static_assert(!std::is_same_v<Rule, detail::NoRule>,
                  "jx::custom_jvp: define the rule first: jx::custom_jvp(f).defjvp(rule), or custom_jvp(f, rule)");
    return detail::with_traced_numbers<F>([&](const auto&... a) { return call(a...); }, args...);
  }

 private:
  template <class... Args>
  auto call(const Args&... args) const {
    using Output = std::remove_cvref_t<std::invoke_result_t<const F&, const Args&...>>;
    using Arguments = detail::CustomArguments<Nondiff, Args...>;
    auto arguments = std::make_shared<Arguments>();
    const ArrayList inputs = arguments->flatten(args...);
    auto output_structure = std::make_shared<detail::RecordedStructure>();
    auto state = state_;
    detail::ArraysFunction function = [state, arguments, output_structure](std::span<const Array> leaves) {
      ArrayList outputs;
      tree::TreeDef def;
      tree::flatten_into(arguments->call_all(state->first, leaves), def, outputs);
      output_structure->record(def);
      return outputs;
    };
    detail::JvpRule jvp = [state, arguments, output_structure](std::span<const Array> primals,
                                                               std::span<const Array> tangents,
                                                               std::span<const Array> outputs) {
      const auto nondiff = arguments->nondiff(primals);
      if constexpr (detail::is_per_argument_rules<Rule>) {
        return detail::per_argument_tangents(state->second, *arguments, nondiff, primals, tangents,
                                             tree::unflatten<Output>(output_structure->get(), outputs));
      } else {
        const auto& rule = state->second;
        return detail::tangent_leaves<Output>(std::apply(
            [&](const auto&... n) {
              return rule(n..., arguments->differentiated(primals), arguments->differentiated(tangents));
            },
            nondiff));
      }
    };
    const ArrayList outputs =
        detail::call_custom_jvp(std::move(function), std::move(jvp), inputs, state_.get(), arguments->signature());
    return tree::unflatten<Output>(output_structure->get(), outputs);
  }

  std::shared_ptr<const std::pair<F, Rule>> state_;
};

template <class F, class Rule, int... I>
auto custom_jvp(F f, Rule rule, NondiffArgnums<I...> /*unused*/) {
  return CustomJvpFunction<F, Rule, NondiffArgnums<I...>>(std::move(f), std::move(rule));
}
template <class F, class Rule>
auto custom_jvp(F f, Rule rule) {
  return CustomJvpFunction<F, Rule>(std::move(f), std::move(rule));
}
template <class F>
auto custom_jvp(F f) {
  return CustomJvpFunction<F, detail::NoRule>(std::move(f), detail::NoRule{});
}
template <class F, int... I>
auto custom_jvp(F f, NondiffArgnums<I...> /*unused*/) {
  return CustomJvpFunction<F, detail::NoRule, NondiffArgnums<I...>>(std::move(f), detail::NoRule{});
}

// The function custom_vjp returns: f with its forward and backward rules.
template <class F, class Forward, class Backward, class Nondiff = NondiffArgnums<>>
class CustomVjpFunction {
 public:
  CustomVjpFunction(F f, Forward fwd, Backward bwd)
      : state_(std::make_shared<const std::tuple<F, Forward, Backward>>(std::move(f), std::move(fwd), std::move(bwd))) {
  }

  template <std::size_t I, class... Args>
  static constexpr bool array_parameter = detail::array_parameter<F, I, Args...>();

  template <class... Args>
  auto operator()(const Args&... args) const {
    return detail::with_traced_numbers<F>([&](const auto&... a) { return call(a...); }, args...);
  }

 private:
  template <class... Args>
  auto call(const Args&... args) const {
    using Output = std::remove_cvref_t<std::invoke_result_t<const F&, const Args&...>>;
    using ForwardResult = std::remove_cvref_t<std::invoke_result_t<const Forward&, const Args&...>>;
    static_assert(
        requires { std::tuple_size<ForwardResult>::value; },
        "jx::custom_vjp: fwd must return a pair (output, residuals)");
    using Residuals = std::remove_cvref_t<std::tuple_element_t<1, ForwardResult>>;
    using Arguments = detail::CustomArguments<Nondiff, Args...>;
    // bwd gets the non-differentiated arguments: their leaves go first among the residuals.
    constexpr bool keep_inputs = Arguments::kDifferentiated < Arguments::kCount;
    auto arguments = std::make_shared<Arguments>();
    const ArrayList inputs = arguments->flatten(args...);
    auto output_structure = std::make_shared<detail::RecordedStructure>();
    auto residual_structure = std::make_shared<detail::RecordedStructure>();
    auto state = state_;
    detail::ArraysFunction function = [state, arguments, output_structure](std::span<const Array> leaves) {
      ArrayList outputs;
      tree::TreeDef def;
      tree::flatten_into(arguments->call_all(std::get<0>(*state), leaves), def, outputs);
      output_structure->record(def);
      return outputs;
    };
    detail::ForwardRule forward = [state, arguments, output_structure,
                                   residual_structure](std::span<const Array> leaves) {
      const ForwardResult result = arguments->call_all(std::get<1>(*state), leaves);
      detail::ForwardPass flat;
      tree::TreeDef output_def;
      tree::flatten_into(std::get<0>(result), output_def, flat.outputs);
      output_structure->record(output_def);
      if constexpr (keep_inputs) flat.residuals.assign(leaves.begin(), leaves.end());
      tree::TreeDef residual_def;
      tree::flatten_into(std::get<1>(result), residual_def, flat.residuals);
      residual_structure->record(residual_def);
      return flat;
    };
    detail::BackwardRule backward = [state, arguments, output_structure, residual_structure](
                                        std::span<const Array> residual_leaves, std::span<const Array> cotangents) {
      const std::size_t skipped = keep_inputs ? arguments->offsets[Arguments::kCount] : 0;
      const auto residuals = tree::unflatten<Residuals>(residual_structure->get(), residual_leaves.subspan(skipped));
      const auto cotangent = tree::unflatten<Output>(output_structure->get(), cotangents);
      const auto nondiff = arguments->nondiff(residual_leaves.first(skipped));
      const auto result =
          std::apply([&](const auto&... n) { return std::get<2>(*state)(n..., residuals, cotangent); }, nondiff);
      using Result = std::remove_cvref_t<decltype(result)>;
      static_assert(
          requires { std::tuple_size<Result>::value; },
          "jx::custom_vjp: bwd must return a tuple with one cotangent per differentiated argument");
      return arguments->leaves_of_differentiated(result, "custom_vjp");
    };
    const ArrayList outputs = detail::call_custom_vjp(std::move(function), std::move(forward), std::move(backward),
                                                      inputs, state_.get(), arguments->signature());
    return tree::unflatten<Output>(output_structure->get(), outputs);
  }

  std::shared_ptr<const std::tuple<F, Forward, Backward>> state_;
};

template <class F, class Forward, class Backward>
auto custom_vjp(F f, Forward fwd, Backward bwd) {
  return CustomVjpFunction<F, Forward, Backward>(std::move(f), std::move(fwd), std::move(bwd));
}
template <class F, class Forward, class Backward, int... I>
auto custom_vjp(F f, Forward fwd, Backward bwd, NondiffArgnums<I...> /*unused*/) {
  return CustomVjpFunction<F, Forward, Backward, NondiffArgnums<I...>>(std::move(f), std::move(fwd), std::move(bwd));
}

// jax.custom_gradient: f returns (output, vjp) where vjp(output cotangent) gives a tuple of cotangents,
// one per argument. vjp may use anything f computed; it is traced once the forward pass has run, and
// what it captured becomes the residuals.
template <class F>
class CustomGradientFunction {
 public:
  explicit CustomGradientFunction(F f) : f_(std::make_shared<const F>(std::move(f))) {}

  template <std::size_t I, class... Args>
  static constexpr bool array_parameter = detail::array_parameter<F, I, Args...>();

  template <class... Args>
  auto operator()(const Args&... args) const {
    return detail::with_traced_numbers<F>([&](const auto&... a) { return call(a...); }, args...);
  }

 private:
  template <class... Args>
  auto call(const Args&... args) const {
    using Result = std::remove_cvref_t<std::invoke_result_t<const F&, const Args&...>>;
    static_assert(
        requires { std::tuple_size<Result>::value; },
        "jx::custom_gradient: f must return a pair (output, vjp function)");
    using Output = std::remove_cvref_t<std::tuple_element_t<0, Result>>;
    using Arguments = detail::CustomArguments<NondiffArgnums<>, Args...>;
    auto arguments = std::make_shared<Arguments>();
    const ArrayList inputs = arguments->flatten(args...);
    auto output_structure = std::make_shared<detail::RecordedStructure>();
    auto f = f_;
    detail::ArraysFunction function = [f, arguments, output_structure](std::span<const Array> leaves) {
      ArrayList outputs;
      tree::TreeDef def;
      tree::flatten_into(std::get<0>(arguments->call_all(*f, leaves)), def, outputs);
      output_structure->record(def);
      return outputs;
    };
    // Each forward pass traces its own vjp function: what it captured (concrete values, or tracers)
    // may differ from pass to pass, and with it the residuals.
    detail::ForwardRule forward = [f, arguments, output_structure](std::span<const Array> leaves) {
      const Result result = arguments->call_all(*f, leaves);
      detail::ForwardPass flat;
      tree::TreeDef output_def;
      tree::flatten_into(std::get<0>(result), output_def, flat.outputs);
      output_structure->record(output_def);
      const auto& vjp_function = std::get<1>(result);
      const detail::ArraysFunction flat_vjp = [&](std::span<const Array> cotangents) {
        const auto gradients = vjp_function(tree::unflatten<Output>(output_def, cotangents));
        using Gradients = std::remove_cvref_t<decltype(gradients)>;
        static_assert(
            requires { std::tuple_size<Gradients>::value; },
            "jx::custom_gradient: the vjp function must return a tuple with one cotangent per argument");
        return arguments->leaves_of_differentiated(gradients, "custom_gradient");
      };
      std::vector<ArrayType> output_types, input_types;
      for (const Array& x : flat.outputs) output_types.push_back(x.type());
      for (const Array& x : leaves) input_types.push_back(x.type());
      detail::ClosedBackward closed = detail::close_backward(flat_vjp, output_types, input_types);
      flat.residuals = std::move(closed.residuals);
      flat.backward = [program = std::move(closed.program)](std::span<const Array> residuals,
                                                            std::span<const Array> cotangents) {
        return detail::run_closed_backward(program, residuals, cotangents);
      };
      return flat;
    };
    const ArrayList outputs = detail::call_custom_vjp(std::move(function), std::move(forward), detail::BackwardRule(),
                                                      inputs, f_.get(), arguments->signature());
    return tree::unflatten<Output>(output_structure->get(), outputs);
  }

  std::shared_ptr<const F> f_;
};

template <class F>
auto custom_gradient(F f) {
  return CustomGradientFunction<F>(std::move(f));
}

}  // namespace jx
