// jx/transforms/named_scope.h — names for parts of a traced program (jax.named_scope,
// jax.named_call), shown next to the equations they recorded when a jaxpr is printed.
//
//   auto layer = jx::named_call(dense, "encoder");      // every call runs inside the scope "encoder"
//   {
//     auto scope = jx::named_scope("attention");       // until the end of the block
//     y = jnp::matmul(q, k);                           // printed: c:f32[4,4] = dot_general[...] a b  # [attention]
//   }
//
// Scopes nest ("outer/inner") and belong to the thread that opened them. They change nothing but the
// names; jx::profiler's events are unaffected.
#pragma once

#include <memory>
#include <string>
#include <utility>

namespace jx {

class [[nodiscard]] NamedScope {
 public:
  explicit NamedScope(const std::string& name);
  ~NamedScope();
  NamedScope(const NamedScope&) = delete;
  NamedScope& operator=(const NamedScope&) = delete;
};

inline NamedScope named_scope(const std::string& name) { return NamedScope(name); }

// The scopes open on this thread, outermost first, joined by '/' ("" outside every scope).
std::string current_name_stack();

namespace detail {
// The same, shared (null outside every scope): what each traced equation keeps.
const std::shared_ptr<const std::string>& current_name_stack_shared();
}  // namespace detail

// f, run inside named_scope(name) at every call.
template <class F>
auto named_call(F f, std::string name) {
  return [f = std::move(f), name = std::move(name)](auto&&... args) -> decltype(auto) {
    const NamedScope scope(name);
    return f(std::forward<decltype(args)>(args)...);
  };
}

}  // namespace jx
