// jx/transforms/jit.h — jx::jit: trace a function once per signature, optimize, cache, run.
//
// The signature of a call is the pytree structure of the arguments, the shape, dtype and weak flag of
// every array leaf, the values of static leaves and static arguments, and the configuration flags
// that change results. Side effects in the function (printing, mutating captured variables) happen
// while it is traced, not when the cached program runs — use jx::debug::print for run-time output.
//
//   auto update = jx::jit([](const Params& p, const jx::Array& x, const jx::Array& y) { ... });
//   params = update(std::move(params), x, y);      // rvalue arguments are donated
//
//   auto scaled = jx::jit([](const jx::Array& x, int n) { return x * n; }, jx::static_argnums<1>);
//   std::cout << jx::make_jaxpr(f)(x);             // the traced program, as a jaxpr
//
// Overloaded or template functions have no single address: wrap them in a lambda
// (`jx::jit([](const jx::Array& x) { return jnp::sin(x); })`).
//
// A call reads its lvalue arguments where they are, without copying their handles: as with any
// object, another thread must not assign to them while the call runs.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <source_location>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "jx/core/array.h"
#include "jx/core/caller_location.h"
#include "jx/core/config.h"
#include "jx/core/error.h"
#include "jx/ir/cost_analysis.h"
#include "jx/ir/program.h"
#include "jx/transforms/arguments.h"
#include "jx/tree.h"

namespace jx {

// jx::jit(f, jx::static_argnums<1, 2>): those arguments are compile-time values, keyed by value.
template <int... I>
struct StaticArgnums {};
template <int... I>
inline constexpr StaticArgnums<I...> static_argnums{};
// jx::jit(f, jx::donate_argnums<0>): the buffers of those arguments may be reused for the outputs, as in
// JAX, even when passed as (non-const) lvalues: the caller's arrays are then given up — left empty, as
// JAX deletes donated arrays. (An rvalue argument, std::move(x), is donated without being named.)
template <int... I>
struct DonateArgnums {};
template <int... I>
inline constexpr DonateArgnums<I...> donate_argnums{};
// jax.jit's keep_unused=True: accepted for JAX code's sake. jx never copies an argument its program does
// not read, so keeping or pruning unused arguments makes no difference to values or memory.
struct KeepUnused {};
inline constexpr KeepUnused keep_unused{};

namespace detail {

// Whether ops on this thread are being traced (by jit, grad, vmap, ...).
bool tracing_active();

// A static argument inside the flattened signature: a static leaf.
template <class T>
struct StaticArgument {
  T value;
};

template <class T>
const T& unwrap_argument(const StaticArgument<T>& a) {
  return a.value;
}
template <class T>
const T& unwrap_argument(const T& a) {
  return a;
}

// What tracing the user's function produced.
struct TracedOutputs {
  std::vector<Array> leaves;
  tree::TreeDef structure;
};
// Rebuilds the arguments from the signature's structure and traced inputs, calls the function.
using TraceFunction = std::function<TracedOutputs(const tree::TreeDef& structure, std::span<const Array> inputs)>;

// A call's array leaves, in flattening order: each points at the caller's own array (an lvalue
// argument's leaf) or at one the call holds (a given-up argument's), alive until the call returns.
using LeafPointers = std::span<const Array* const>;

// The non-template part of jit: the cache, tracing, compiling, running (src/transforms/jit.cpp).
class JitCore {
 public:
  explicit JitCore(std::source_location where);
  ~JitCore();
  JitCore(const JitCore&) = delete;
  JitCore& operator=(const JitCore&) = delete;

  struct Result {
    ArrayList outputs;
    // The cache entry's: shared, since another thread may evict the entry (or clear the cache) while
    // this call's results are being unflattened.
    std::shared_ptr<const tree::TreeDef> structure;
  };
  // Runs the program for this signature, tracing and compiling it first if needed.
  // `trace` rebuilds the arguments from tracers and calls the user's function.
  // Donated leaves (the call's own) whose buffer nobody else holds may be moved out and updated in place.
  Result call(const tree::TreeDef& structure, LeafPointers leaves, std::span<const bool> donated,
              const TraceFunction& trace);
  // The program for this signature: as traced, or after the optimizing passes.
  Program lower(const tree::TreeDef& structure, LeafPointers leaves, const TraceFunction& trace, bool optimized);
  std::size_t trace_count() const;
  // Drops every compiled signature (jitted.clear_cache()).
  void clear_cache();
  std::size_t cache_size() const;
  struct State;  // the cache (src/transforms/jit.cpp); public so that the process-wide registry can see it

 private:
  Result run(const tree::TreeDef& structure, LeafPointers leaves, std::span<const bool> donated,
             const TraceFunction& trace);
  Result call_checking_finite(const tree::TreeDef& structure, LeafPointers leaves, const TraceFunction& trace,
                              const config::Flags& flags);

  std::unique_ptr<State> state_;
};

// Per-thread flattening buffers, reused from call to call (a stack, for re-entrant calls).
struct CallBuffers {
  tree::TreeDef structure;
  std::vector<const Array*> leaves;  // every leaf: the caller's own, or one in `held`
  std::vector<Array> held;           // the leaves of given-up arguments, moved in
  std::vector<char> donated;         // not std::vector<bool>: spans need contiguous bools
};
// Every jitted function's cache (jx::clear_caches()).
void clear_all_caches();

CallBuffers& acquire_call_buffers();
void release_call_buffers();

// Whether a StaticArgnums<...> or DonateArgnums<...> names argument Index.
template <std::size_t Index, class Numbers>
inline constexpr bool names_index = false;
template <std::size_t Index, template <int...> class List, int... N>
inline constexpr bool names_index<Index, List<N...>> = ((static_cast<int>(Index) == N) || ...);

}  // namespace detail

namespace tree {
template <class T>
struct TreeTraits<jx::detail::StaticArgument<T>> {
  static_assert(Hashable<T> && std::equality_comparable<T>,
                "a static argument of jx::jit must be hashable (std::hash) and equality-comparable");
  static void flatten(const jx::detail::StaticArgument<T>& a, detail::Flattener& f) {
    f.static_leaf(StaticValue(a.value));
  }
  static jx::detail::StaticArgument<T> unflatten(detail::Reader& r) {
    return {r.take_static(typeid(T), typeid(T).name()).template get<T>()};
  }
};
}  // namespace tree

template <class F, class Static = StaticArgnums<>, class Donate = DonateArgnums<>>
class Jitted : public detail::CallWithLocation<Jitted<F, Static, Donate>> {
 public:
  Jitted(F f, std::source_location where)
      : f_(std::make_shared<const F>(std::move(f))), core_(std::make_shared<detail::JitCore>(where)) {}

  // Numbers are traced where f takes arrays (jx/transforms/arguments.h), static where it takes C++
  // values or where static_argnums names them.
  template <std::size_t I, class... Args>
  static constexpr bool array_parameter = !detail::names_index<I, Static> && detail::array_parameter<F, I, Args...>();

  template <class... Args>
  auto invoke(std::source_location where, Args&&... args) const {
    return call(where, std::index_sequence_for<Args...>{}, std::forward<Args>(args)...);
  }

  // The program this call signature compiles to, after the optimizing passes.
  template <class... Args>
  Program lower(const Args&... args) const {
    detail::CallBuffers buffers;
    flatten_arguments(buffers, std::index_sequence_for<Args...>{}, args...);
    return core_->lower(buffers.structure, buffers.leaves, tracer<Args...>(std::index_sequence_for<Args...>{}), true);
  }
  // What one call with these arguments costs (jx/ir/cost_analysis.h), as JAX's
  // jitted.lower(...).compile().cost_analysis() counts it.
  template <class... Args>
  CostAnalysis cost_analysis(const Args&... args) const {
    return jx::cost_analysis(lower(args...));
  }
  // The program as traced, before optimization (what jx::make_jaxpr shows).
  template <class... Args>
  Program trace(const Args&... args) const {
    detail::CallBuffers buffers;
    flatten_arguments(buffers, std::index_sequence_for<Args...>{}, args...);
    return core_->lower(buffers.structure, buffers.leaves, tracer<Args...>(std::index_sequence_for<Args...>{}), false);
  }

  // How many times the function has been traced (once per new signature).
  std::size_t trace_count() const { return core_->trace_count(); }
  // The signatures compiled and kept (at most config::jit_cache_size(), least recently used dropped).
  std::size_t cache_size() const { return core_->cache_size(); }
  // Drops the compiled programs: the next call of each signature traces again (jitted.clear_cache()).
  void clear_cache() const { core_->clear_cache(); }

 private:
  template <std::size_t I, class... Args>
  using Argument = std::tuple_element_t<I, std::tuple<Args...>>;
  // How an argument is kept in the call's signature: a static argument by value, a traced number as a
  // weakly typed array (jx/transforms/arguments.h), anything else as itself.
  template <std::size_t I, class... Args>
  using Stored =
      std::conditional_t<detail::names_index<I, Static>, detail::StaticArgument<std::decay_t<Argument<I, Args...>>>,
                         detail::ArgumentType<F, I, Args...>>;
  // What f receives for it.
  template <std::size_t I, class... Args>
  using Passed = std::conditional_t<detail::names_index<I, Static>, std::decay_t<Argument<I, Args...>>,
                                    detail::ArgumentType<F, I, Args...>>;

  // How flatten_arguments holds an argument: rvalues (and static arguments, and numbers made arrays)
  // by value, lvalues by reference (copying a whole tree only to flatten it would cost two
  // reference-count updates and the containers' allocations per call). An array argument, such as a
  // string literal, decays to a pointer made here, so it is held by value too.
  template <class A>
  static constexpr bool is_given_up = std::is_rvalue_reference_v<A&&> && !std::is_const_v<std::remove_reference_t<A>>;
  // An lvalue named by donate_argnums is given up too (moved from, as JAX deletes donated arrays).
  template <std::size_t I, class A>
  static constexpr bool is_donated_lvalue =
      detail::names_index<I, Donate>&& std::is_lvalue_reference_v<A> && !std::is_const_v<std::remove_reference_t<A>>;
  template <std::size_t I, class A>
  static constexpr bool is_donated = is_given_up<A> || is_donated_lvalue<I, A>;
  template <std::size_t I, class A>
  static decltype(auto) pass_on(A&& a) {
    if constexpr (is_donated_lvalue<I, A>)
      return std::move(a);
    else
      return std::forward<A>(a);
  }
  template <std::size_t I, class... Args>
  static constexpr bool is_held_by_value =
      detail::names_index<I, Static> || is_donated<I, Argument<I, Args...>> ||
      std::is_array_v<std::remove_reference_t<Argument<I, Args...>>> || detail::traces_number_at<F, I, Args...>;
  template <std::size_t I, class... Args>
  using Held = std::conditional_t<is_held_by_value<I, Args...>, Stored<I, Args...>, const Stored<I, Args...>&>;

  template <std::size_t... I, class... Args>
  auto call(std::source_location where, std::index_sequence<I...> indices, Args&&... args) const {
    static_assert(std::is_invocable_v<const F&, const Passed<I, Args...>&...>,
                  "jx::jit: the function cannot be called with these arguments. An overloaded or template function "
                  "must be wrapped in a lambda.");
    using Result = std::remove_cvref_t<std::invoke_result_t<const F&, const Passed<I, Args...>&...>>;
    CallSite site(where);
    if (detail::tracing_active() || config::disable_jit()) {
      // Inside another transformation a jitted function is simply part of what is being traced; under
      // jx::disable_jit() it runs op by op.
      UserCodeScope user;
      return Result((*f_)(Passed<I, Args...>(std::forward<Args>(args))...));
    }
    detail::CallBuffers& buffers = detail::acquire_call_buffers();
    struct Release {
      detail::CallBuffers& buffers;
      ~Release() {
        buffers.held.clear();  // drop our references, even when the call throws
        detail::release_call_buffers();
      }
    } release{buffers};
    flatten_arguments(buffers, indices, std::forward<Args>(args)...);
    detail::JitCore::Result result = core_->call(
        buffers.structure, buffers.leaves,
        std::span<const bool>(reinterpret_cast<const bool*>(buffers.donated.data()), buffers.donated.size()),
        tracer<Args...>(indices));
    buffers.held.clear();  // drop our references before the caller reuses donated names
    return tree::unflatten_moving<Result>(*result.structure, result.outputs);
  }

  // Flattens the arguments into the buffers. An lvalue argument's leaves are borrowed: the buffer
  // points at the caller's arrays, which outlive the call, and takes no reference counts. Rvalue
  // arguments are moved into a local tuple and their leaves moved on into `held`, which then holds
  // them alone: they can be donated.
  template <std::size_t... I, class... Args>
  static void flatten_arguments(detail::CallBuffers& buffers, std::index_sequence<I...>, Args&&... args) {
    using Leaves = tree::detail::Flattener::Leaves;
    buffers.structure.clear();
    buffers.leaves.clear();
    buffers.held.clear();
    buffers.donated.clear();
    [[maybe_unused]] std::tuple<Held<I, Args...>...> arguments(
        Held<I, Args...>(pass_on<I>(std::forward<Args>(args)))...);
    // Flattened as TreeTraits<std::tuple> would, noting which leaves come from rvalue arguments.
    tree::detail::Flattener flattener(buffers.structure, buffers.held, buffers.leaves, Leaves::borrow);
    const std::size_t root = flattener.begin(tree::NodeKind::tuple);
    (
        [&] {
          // Held by value in `arguments`, which dies before the call: moved or copied, never borrowed.
          constexpr bool by_value = is_held_by_value<I, Args...>;
          constexpr bool donate = is_donated<I, Args> && tree::gives_up_leaves<Stored<I, Args...>>;
          flattener.set_mode(donate ? Leaves::move : by_value ? Leaves::copy : Leaves::borrow);
          tree::TreeTraits<Stored<I, Args...>>::flatten(std::get<I>(arguments), flattener);
          buffers.donated.resize(flattener.num_leaves(), donate ? 1 : 0);
        }(),
        ...);
    flattener.end(root, sizeof...(Args));
    flattener.finish();
  }

  // The function jit traces: rebuild the arguments (tracers at the array leaves, static values from
  // the signature), call f, flatten what it returns. It captures one pointer, so std::function stores
  // it without allocating.
  template <class... Args, std::size_t... I>
  detail::TraceFunction tracer(std::index_sequence<I...>) const {
    const F* f = f_.get();
    return [f](const tree::TreeDef& structure, std::span<const Array> inputs) -> detail::TracedOutputs {
      [[maybe_unused]] const auto arguments = tree::unflatten<std::tuple<Stored<I, Args...>...>>(structure, inputs);
      detail::TracedOutputs traced;
      const auto result = (*f)(detail::unwrap_argument(std::get<I>(arguments))...);
      tree::flatten_into(result, traced.structure, traced.leaves);
      return traced;
    };
  }

  std::shared_ptr<const F> f_;
  std::shared_ptr<detail::JitCore> core_;
};

}  // namespace jx

namespace jx {

template <class F>
Jitted<F> jit(F f, std::source_location where = std::source_location::current()) {
  return Jitted<F>(std::move(f), where);
}

namespace detail {
// Whether F declares its I-th parameter a jx::Array (for functions with one call signature).
template <class F, int I>
constexpr bool declares_array_parameter() {
  if constexpr (HasCallSignature<F>) {
    using Parameters = typename CallSignature<F>::Parameters;
    if constexpr (I >= 0 && I < static_cast<int>(std::tuple_size_v<Parameters>))
      return std::is_base_of_v<Array,
                               std::remove_cvref_t<std::tuple_element_t<static_cast<std::size_t>(I), Parameters>>>;
  }
  return false;
}
}  // namespace detail

namespace detail {
template <class T>
inline constexpr bool is_jit_option = false;
template <int... I>
inline constexpr bool is_jit_option<StaticArgnums<I...>> = true;
template <int... I>
inline constexpr bool is_jit_option<DonateArgnums<I...>> = true;
template <>
inline constexpr bool is_jit_option<KeepUnused> = true;

// The static and donated argnums among jit's options (each at most once, in any order).
template <class... Options>
struct JitOptions {
  using Static = StaticArgnums<>;
  using Donate = DonateArgnums<>;
};
template <int... I, class... Rest>
struct JitOptions<StaticArgnums<I...>, Rest...> : JitOptions<Rest...> {
  using Static = StaticArgnums<I...>;
};
template <int... I, class... Rest>
struct JitOptions<DonateArgnums<I...>, Rest...> : JitOptions<Rest...> {
  using Donate = DonateArgnums<I...>;
};
template <class... Rest>
struct JitOptions<KeepUnused, Rest...> : JitOptions<Rest...> {};

template <class F, class Static, class Donate>
struct CheckedJitOptions;
template <class F, int... S, int... D>
struct CheckedJitOptions<F, StaticArgnums<S...>, DonateArgnums<D...>> {
  static_assert(!(detail::declares_array_parameter<F, S>() || ...),
                "jx::jit: static_argnums names a jx::Array parameter. A static argument is a C++ value that keys the "
                "cache: give that parameter a C++ type (int, float, an enum, ...), or leave it traced.");
  static_assert(!(names_index<static_cast<std::size_t>(D < 0 ? 0 : D), StaticArgnums<S...>> || ...),
                "jx::jit: an argument cannot be both static and donated");
  static constexpr bool ok = true;
};

template <class F, class... Options>
auto make_jitted(F f, std::source_location where) {
  using Chosen = JitOptions<Options...>;
  static_assert(CheckedJitOptions<F, typename Chosen::Static, typename Chosen::Donate>::ok);
  return Jitted<F, typename Chosen::Static, typename Chosen::Donate>(std::move(f), where);
}
}  // namespace detail

// jx::jit(f, options...) with options among jx::static_argnums<...>, jx::donate_argnums<...> and
// jx::keep_unused, in any order.
template <class F, class A>
requires detail::is_jit_option<A>
auto jit(F f, A, std::source_location where = std::source_location::current()) {
  return detail::make_jitted<F, A>(std::move(f), where);
}
template <class F, class A, class B>
requires(detail::is_jit_option<A>&& detail::is_jit_option<B>) auto jit(
    F f, A, B, std::source_location where = std::source_location::current()) {
  return detail::make_jitted<F, A, B>(std::move(f), where);
}
template <class F, class A, class B, class C>
requires(detail::is_jit_option<A>&& detail::is_jit_option<B>&& detail::is_jit_option<C>) auto jit(
    F f, A, B, C, std::source_location where = std::source_location::current()) {
  return detail::make_jitted<F, A, B, C>(std::move(f), where);
}

// Drops every jitted function's compiled programs and returns the memory jx keeps cached to the system
// (jax.clear_caches).
inline void clear_caches() { detail::clear_all_caches(); }

// A scope in which jitted functions run eagerly, op by op, as jax.disable_jit: side effects and
// prints happen at every call, and C++ control flow may read values.
//
//   { auto eager = jx::disable_jit(); step(state, batch); }
inline config::ScopedFlags disable_jit() { return config::scoped({.disable_jit = true}); }

// A scope in which operations on concrete values are computed at once even while a function is traced
// (jax.ensure_compile_time_eval), so that their results are C++ values:
//
//   auto f = jx::jit([](const jx::Array& x) {
//     int n;
//     { auto now = jx::ensure_compile_time_eval(); n = jnp::sum(jnp::arange(4)).item<int>(); }  // 6
//     return x * n;
//   });
class [[nodiscard]] CompileTimeEvalScope {
 public:
  CompileTimeEvalScope();
  ~CompileTimeEvalScope();
  CompileTimeEvalScope(const CompileTimeEvalScope&) = delete;
  CompileTimeEvalScope& operator=(const CompileTimeEvalScope&) = delete;
};
inline CompileTimeEvalScope ensure_compile_time_eval() { return {}; }

// jax.effects_barrier(): waits for pending callbacks and prints. jx runs them in program order as the
// program runs and returns once they are done, so there is never anything pending.
inline void effects_barrier() {}

// jx::make_jaxpr(f)(args...): the program tracing f with these arguments produces.
template <class F>
class MakeJaxpr : public detail::CallWithLocation<MakeJaxpr<F>> {
 public:
  MakeJaxpr(F f, std::source_location where) : jitted_(std::move(f), where) {}
  template <class... Args>
  Program invoke(std::source_location where, const Args&... args) const {
    CallSite site(where);
    return jitted_.trace(args...);
  }

 private:
  Jitted<F> jitted_;
};

template <class F>
MakeJaxpr<F> make_jaxpr(F f, std::source_location where = std::source_location::current()) {
  return MakeJaxpr<F>(std::move(f), where);
}

}  // namespace jx
