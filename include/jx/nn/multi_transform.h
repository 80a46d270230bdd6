// jx/nn/multi_transform.h — several pure functions over one set of modules (hk.multi_transform), and
// the adapters between the stateful and stateless forms of a transformed function (hk.without_state,
// hk.with_empty_state).
//
// f makes the modules and returns a pair: a template function that uses all of them (init runs it to
// make every parameter) and a tuple of functions (or a single one), each of which becomes an apply.
//
//   auto model = jx::nn::multi_transform([] {
//     const jx::nn::Linear encoder(4, {.name = "encoder"});
//     const jx::nn::Linear decoder(6, {.name = "decoder"});
//     auto both = [=](const jx::Array& x) { return decoder(encoder(x)); };
//     return std::pair{both, std::tuple{encoder, decoder}};
//   });
//   jx::nn::Params params = model.init(key, x);           // params["encoder"], params["decoder"]
//   auto [encode, decode] = model.apply;
//   jx::Array z = encode(params, std::nullopt, x);
//   jx::Array y = decode(params, std::nullopt, z);         // the same parameters as the template's
//
// f runs again inside every init and apply (its modules must be made there). init takes the key as a
// std::optional<jx::Key>, so that a function that draws nothing at init may get std::nullopt.
#pragma once

#include <cstddef>
#include <optional>
#include <source_location>
#include <tuple>
#include <type_traits>
#include <utility>

#include "jx/core/caller_location.h"
#include "jx/core/error.h"
#include "jx/nn/transform.h"

namespace jx::nn {

namespace detail {

template <class T>
concept TupleLike = requires {
  std::tuple_size<std::remove_cvref_t<T>>::value;
};

// The I-th function of what f returned: of its tuple, or the single function.
template <std::size_t I, class Fns>
decltype(auto) function_at(const Fns& functions) {
  if constexpr (TupleLike<Fns>) {
    return std::get<I>(functions);
  } else {
    static_assert(I == 0);
    return (functions);
  }
}

// Throws ValueError naming `op` when a function transformed without state made some.
void require_no_state(const char* op, const State& state);

}  // namespace detail

// What multi_transform_with_state returns: init(key, args...) -> (params, state), running the
// template; apply, a tuple of functions apply_i(params, state, key, args...) -> (output, state) (or
// one such function when f returned one).
template <class F>
class MultiTransformedWithState {
  using Made = std::remove_cvref_t<std::invoke_result_t<const F&>>;
  using Functions = std::remove_cvref_t<std::tuple_element_t<1, Made>>;

 public:
  struct Init : jx::detail::CallWithLocation<Init> {
    std::shared_ptr<const F> f;
    template <class... Args>
    std::pair<Params, State> invoke(std::source_location where, const std::optional<Key>& key,
                                    const Args&... args) const {
      CallSite site(where);
      const detail::FrameScope frame(detail::FrameMode::init, nullptr, nullptr, key);
      {
        UserCodeScope user;
        const Made made = (*f)();
        (void)std::get<0>(made)(args...);
      }
      return {frame.params(), frame.state(true)};
    }
  };

  template <std::size_t I>
  struct Apply : jx::detail::CallWithLocation<Apply<I>> {
    std::shared_ptr<const F> f;
    template <class... Args>
    auto invoke(std::source_location where, const Params& params, const State& state, const std::optional<Key>& key,
                const Args&... args) const {
      using Output = std::remove_cvref_t<decltype(detail::function_at<I>(std::declval<const Functions&>())(args...))>;
      CallSite site(where);
      const detail::FrameScope frame(detail::FrameMode::apply, &params, &state, key);
      std::optional<Output> output;
      {
        UserCodeScope user;
        const Made made = (*f)();
        output.emplace(detail::function_at<I>(std::get<1>(made))(args...));
      }
      return std::pair<Output, State>{std::move(*output), frame.state(false)};
    }
  };

 private:
  static constexpr std::size_t kCount = [] {
    if constexpr (detail::TupleLike<Functions>) {
      return std::tuple_size_v<Functions>;
    } else {
      return std::size_t{1};
    }
  }();
  template <class Indices>
  struct AppliesOf;
  template <std::size_t... I>
  struct AppliesOf<std::index_sequence<I...>> {
    using type = std::tuple<Apply<I>...>;
    static type make(const std::shared_ptr<const F>& f) { return type{Apply<I>{{}, f}...}; }
  };
  struct SingleApply {
    using type = Apply<0>;
    static type make(const std::shared_ptr<const F>& f) { return type{{}, f}; }
  };
  using Applies =
      std::conditional_t<detail::TupleLike<Functions>, AppliesOf<std::make_index_sequence<kCount>>, SingleApply>;

 public:
  explicit MultiTransformedWithState(F f)
      : init{{}, std::make_shared<const F>(std::move(f))}, apply(Applies::make(init.f)) {}

  Init init;
  typename Applies::type apply;
};

// The stateless forms: init(key, args...) -> params and apply(params, key, args...) -> output, each
// a ValueError when the function made or changed state.
template <class InnerInit>
struct StatelessInit : jx::detail::CallWithLocation<StatelessInit<InnerInit>> {
  InnerInit inner;
  template <class... Args>
  Params invoke(std::source_location where, const Args&... args) const {
    auto [params, state] = inner.invoke(where, args...);
    detail::require_no_state("without_state", state);
    return params;
  }
};
template <class InnerApply>
struct StatelessApply : jx::detail::CallWithLocation<StatelessApply<InnerApply>> {
  InnerApply inner;
  template <class... Args>
  auto invoke(std::source_location where, const Params& params, const std::optional<Key>& key,
              const Args&... args) const {
    auto [output, state] = inner.invoke(where, params, tree::Tree::dict({}), key, args...);
    detail::require_no_state("without_state", state);
    return output;
  }
};

template <class Inner>
class WithoutState;

// hk.without_state of a TransformedWithState: a transformed function without state.
template <class F>
class WithoutState<TransformedWithState<F>> {
 public:
  explicit WithoutState(const TransformedWithState<F>& f) : init{{}, f.init}, apply{{}, f.apply} {}
  StatelessInit<typename TransformedWithState<F>::Init> init;
  StatelessApply<typename TransformedWithState<F>::Apply> apply;
};

// Of a MultiTransformedWithState: init and a tuple of applies without state (what multi_transform is).
template <class F>
class WithoutState<MultiTransformedWithState<F>> {
  template <class Applies>
  struct StatelessOf {
    using type = StatelessApply<Applies>;
    static type make(const Applies& apply) { return type{{}, apply}; }
  };
  template <class... Applies>
  struct StatelessOf<std::tuple<Applies...>> {
    using type = std::tuple<StatelessApply<Applies>...>;
    static type make(const std::tuple<Applies...>& applies) {
      return std::apply([](const Applies&... apply) { return type{StatelessApply<Applies>{{}, apply}...}; }, applies);
    }
  };
  using Stateless = StatelessOf<std::remove_cvref_t<decltype(std::declval<MultiTransformedWithState<F>&>().apply)>>;

 public:
  explicit WithoutState(const MultiTransformedWithState<F>& f) : init{{}, f.init}, apply(Stateless::make(f.apply)) {}
  StatelessInit<typename MultiTransformedWithState<F>::Init> init;
  typename Stateless::type apply;
};

template <class F>
WithoutState<TransformedWithState<F>> without_state(const TransformedWithState<F>& f) {
  return WithoutState<TransformedWithState<F>>(f);
}
template <class F>
WithoutState<MultiTransformedWithState<F>> without_state(const MultiTransformedWithState<F>& f) {
  return WithoutState<MultiTransformedWithState<F>>(f);
}

// hk.with_empty_state: a transformed function without state, in the stateful form: init returns
// (params, {}), apply(params, state, key, args...) returns (output, {}) whatever state it is given.
template <class F>
class WithEmptyState {
 public:
  explicit WithEmptyState(const Transformed<F>& f) : init{{}, f.init}, apply{{}, f.apply} {}

  struct Init : jx::detail::CallWithLocation<Init> {
    typename Transformed<F>::Init inner;
    template <class... Args>
    std::pair<Params, State> invoke(std::source_location where, const Args&... args) const {
      return {inner.invoke(where, args...), tree::Tree::dict({})};
    }
  } init;
  struct Apply : jx::detail::CallWithLocation<Apply> {
    typename Transformed<F>::Apply inner;
    template <class... Args>
    auto invoke(std::source_location where, const Params& params, const State&, const std::optional<Key>& key,
                const Args&... args) const {
      auto output = inner.invoke(where, params, key, args...);
      return std::pair<decltype(output), State>{std::move(output), tree::Tree::dict({})};
    }
  } apply;
};

template <class F>
WithEmptyState<F> with_empty_state(const Transformed<F>& f) {
  return WithEmptyState<F>(f);
}

template <class F>
MultiTransformedWithState<F> multi_transform_with_state(F f) {
  return MultiTransformedWithState<F>(std::move(f));
}
// hk.multi_transform: the stateless form (a ValueError if the functions use state).
template <class F>
WithoutState<MultiTransformedWithState<F>> multi_transform(F f) {
  return without_state(MultiTransformedWithState<F>(std::move(f)));
}

}  // namespace jx::nn
