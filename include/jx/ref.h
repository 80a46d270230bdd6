// jx/ref.h — jx::Ref, a mutable box holding an Array (JAX's jax.new_ref).
//
// Eagerly a Ref simply mutates. A jitted function that reads or writes refs it closes over is
// functionalized: while it is traced, each ref it touches becomes an extra input of the program and
// each ref it writes an extra output, and every call reads the refs' current values in and writes
// their final values back. So the tutorial's counter works under jit once its state lives in a Ref:
//
//   jx::Ref n = jx::new_ref(jnp::array(0));
//   auto count = jx::jit([&] {
//     n.set(n.get() + 1);
//     return n.get();
//   });
//   count(); count(); std::cout << count();   // 3
//
// empty_ref(type) makes a ref of a given shape and dtype (zeros here; JAX leaves the contents
// unspecified). freeze(ref) returns the ref's final value and free_ref(ref) discards it; either way
// the ref may not be used again (JAX's jax.freeze and jax.free_ref):
//
//   jx::Ref sums = jx::empty_ref(jx::ArrayType{{3}, jx::float32});
//   for (const auto& x : batch) sums.set(sums.get() + x);
//   jx::Array total = jx::freeze(sums);   // sums.get() now throws
//
// Rules, as JAX's: a Ref is not an argument or result of a transformation (close over it instead);
// the value it holds keeps its shape and dtype; under grad or vmap a Ref created outside may be read
// but only written with concrete values (refs created inside the function are unrestricted). Calls of
// a jitted function are serialized on the refs it writes, so concurrent calls never race on them.
#pragma once

#include <memory>
#include <source_location>

#include "jx/core/array.h"
#include "jx/core/error.h"
#include "jx/tree.h"

namespace jx {

namespace detail {
struct RefCell;
}

class Ref {
 public:
  // The current value (under jit: the value as traced so far).
  Array get(std::source_location loc = std::source_location::current()) const;
  // Replaces the value; `value` must have the same shape and dtype.
  void set(const Array& value, std::source_location loc = std::source_location::current()) const;

  const std::shared_ptr<detail::RefCell>& cell() const { return cell_; }

 private:
  friend Ref new_ref(const Array& value, std::source_location loc);
  friend Array freeze(const Ref& ref, std::source_location loc);
  friend void free_ref(const Ref& ref, std::source_location loc);
  explicit Ref(std::shared_ptr<detail::RefCell> cell) : cell_(std::move(cell)) {}
  std::shared_ptr<detail::RefCell> cell_;
};

Ref new_ref(const Array& value, std::source_location loc = std::source_location::current());
Ref empty_ref(const ArrayType& type, std::source_location loc = std::source_location::current());
Array freeze(const Ref& ref, std::source_location loc = std::source_location::current());
void free_ref(const Ref& ref, std::source_location loc = std::source_location::current());

namespace detail {
[[noreturn]] void throw_ref_in_pytree();
}

namespace tree {
// A Ref in the arguments or results of jit, grad or vmap is an error (as in JAX): close over it.
template <>
struct TreeTraits<Ref> {
  static void flatten(const Ref&, detail::Flattener&) { jx::detail::throw_ref_in_pytree(); }
  static Ref unflatten(detail::Reader&) { jx::detail::throw_ref_in_pytree(); }
  static Tree to_tree(const Ref&) { jx::detail::throw_ref_in_pytree(); }
  static Ref from_tree(const Tree&) { jx::detail::throw_ref_in_pytree(); }
};
}  // namespace tree

}  // namespace jx
