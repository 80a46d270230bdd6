// jx/lax/solves.h — differentiable solvers whose derivatives come from the math, not from the
// iterations: lax.custom_root (implicit differentiation of a root finder) and lax.custom_linear_solve
// (a linear solve differentiated through solves of the same and the transposed system).
//
//   namespace lax = jx::lax;
//   // sqrt(a) by Newton's method (JAX's example); d/da is 1 / (2 sqrt(a)), from the implicit
//   // function theorem, whatever the loop did:
//   auto my_sqrt = [](const jx::Array& a) {
//     auto f = [a](const jx::Array& x) { return x * x - a; };
//     auto newton = [](const auto& g, const jx::Array& x0) {
//       return jx::fori_loop(0, 20, [&](int, const jx::Array& x) { return x - g(x) / (2 * x); }, x0);
//     };
//     auto scalar_solve = [](const auto& g, const jx::Array& y) { return y / g(jnp::array(1.0f)); };
//     return lax::custom_root(f, a, newton, scalar_solve);
//   };
//   jx::grad(my_sqrt)(jnp::array(4.0f));   // 0.25
//
//   // A 2x2 system solved by a direct solver; gradients in b and in the matrix come from solves:
//   auto matvec = [m](const jx::Array& x) { return jnp::matmul(m, x); };
//   auto solve = [m](const auto& /*matvec*/, const jx::Array& b) { return jnp::linalg::solve(m, b); };
//   auto transpose_solve = [m](const auto&, const jx::Array& b) { return jnp::linalg::solve(m.transpose(), b); };
//   auto x = lax::custom_linear_solve(matvec, b, solve, transpose_solve);
//
// JAX's semantics: arrays that f (or matvec) closes over are its parameters, and the derivative
// flows to them and nowhere else; what solve, tangent_solve and transpose_solve close over gets no
// derivative, nor does the initial guess (the root does not depend on it). The guess and b are an
// Array or a pytree of arrays; f maps that structure to itself, and so does matvec.
//
// Differences from JAX, and why:
//  - custom_root is a jx::custom_jvp, as JAX's is a jvp rule: forward and reverse mode both work;
//    reverse mode transposes tangent_solve, so it must be linear in its second argument (as JAX
//    requires).
//  - custom_linear_solve is a jx::custom_vjp whose backward pass is again a custom_linear_solve of the
//    transposed system (so grad of grad works); JAX binds a linear_solve primitive with its own
//    transpose rule, which jx's IR does not have. Forward-mode differentiation (jvp, jacfwd) of
//    custom_linear_solve is therefore an error, as for every custom_vjp function.
//  - custom_linear_solve's solve and transpose_solve run again in the backward pass, after the
//    enclosing grad has finished its forward trace, so they may close over constants but must reach
//    arrays that an enclosing transformation traces only through the matvec they are given (a traced
//    array captured directly is a leaked tracer there). JAX turns such captures into inputs of its
//    primitive; jx's custom_vjp has no place to put them.
//  - has_aux is the tag jx::has_aux (it changes the result type), placed after the solver arguments.
#pragma once

#include <cstddef>
#include <functional>
#include <source_location>
#include <span>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "jx/core/array.h"
#include "jx/lax.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/closure_convert.h"
#include "jx/transforms/custom_derivatives.h"
#include "jx/transforms/linear_transpose.h"
#include "jx/tree.h"

namespace jx::detail {
// The arrays a function closes over, split into those that are differentiated (inexact dtypes) and
// the rest; `is_parameter` records which was which, for merge_closed_over.
std::pair<std::vector<Array>, std::vector<Array>> split_closed_over(const std::vector<Array>& consts,
                                                                    std::vector<bool>& is_parameter);
std::vector<Array> merge_closed_over(const std::vector<bool>& is_parameter, const std::vector<Array>& parameters,
                                     const std::vector<Array>& others);
// Throws unless `got` has the leaf count, shapes and dtypes of `expected` (what a solver returned
// against the guess or right-hand side it was given).
void check_solver_output(const char* op, const char* what, std::span<const Array> expected, std::span<const Array> got);
// The same structure with every leaf an empty Array: a symbolic zero tangent or cotangent.
template <class T>
T empty_leaves_like(const T& value) {
  auto [leaves, structure] = tree::flatten(value);
  const std::vector<Array> empties(leaves.size());
  return tree::unflatten<T>(structure, empties);
}
template <class T>
T negated(const T& value) {
  auto [leaves, structure] = tree::flatten(value);
  for (Array& leaf : leaves) leaf = lax::neg(leaf);
  return tree::unflatten<T>(structure, leaves);
}

// custom_root's body, for a solve returning X (no aux) or std::pair<X, Aux>.
template <bool kHasAux, class F, class X, class Solve, class TangentSolve>
auto custom_root_impl(const F& f, const X& initial_guess, const Solve& solve, const TangentSolve& tangent_solve) {
  using Function = std::function<X(const X&)>;
  using Output = std::remove_cvref_t<std::invoke_result_t<const Solve&, const Function&, const X&>>;
  const std::vector<Array> guess_leaves = tree::leaves(initial_guess);
  auto [f_closed, consts] = jx::closure_convert(f, initial_guess);
  auto is_parameter = std::make_shared<std::vector<bool>>();
  auto [parameters, others] = split_closed_over(consts, *is_parameter);
  const auto solution_of = [](const Output& output) -> const X& {
    if constexpr (kHasAux) {
      return output.first;
    } else {
      return output;
    }
  };
  // The root for f with these closed-over arrays, by the user's solver.
  const auto find_root = [f_closed, is_parameter, solve, guess_leaves, solution_of](
                             const std::vector<Array>& params, const std::vector<Array>& rest, const X& guess) {
    const std::vector<Array> closed = merge_closed_over(*is_parameter, params, rest);
    const Function f_of = [&f_closed, &closed](const X& x) { return f_closed(x, closed); };
    Output output = solve(f_of, guess);
    check_solver_output("custom_root", "solve", guess_leaves, tree::leaves(solution_of(output)));
    return output;
  };
  // f(u*(m), m) = 0 for the root u* as a function of the parameters m, so
  // du* = -(d_u f)^-1 [d_m f dm]: tangent_solve inverts d_u f, the linearization of f at the root.
  const auto root_tangent = [f_closed, is_parameter, tangent_solve, guess_leaves, solution_of](
                                const std::vector<Array>& rest, const X& /*guess*/,
                                const std::vector<Array>& params_dot, const Output& output,
                                const std::vector<Array>& params) -> Output {
    const X& solution = solution_of(output);
    const auto f_at_solution = [&](const std::vector<Array>& p) {
      return f_closed(solution, merge_closed_over(*is_parameter, p, rest));
    };
    const X rhs = jx::jvp(f_at_solution, std::tuple{params}, std::tuple{params_dot}).second;
    const std::vector<Array> closed = merge_closed_over(*is_parameter, params, rest);
    const Function linearized = [&](const X& v) {
      const auto f_of = [&](const X& x) { return f_closed(x, closed); };
      return jx::jvp(f_of, std::tuple{solution}, std::tuple{v}).second;
    };
    const X solved = tangent_solve(linearized, rhs);
    check_solver_output("custom_root", "tangent_solve", guess_leaves, tree::leaves(solved));
    if constexpr (kHasAux) {
      return Output{negated(solved), empty_leaves_like(output.second)};  // aux gets no derivative
    } else {
      return negated(solved);
    }
  };
  if (parameters.empty()) {
    // Nothing to differentiate: the root alone, with no derivative (as JAX gives).
    Output output = find_root(parameters, others, initial_guess);
    auto [leaves, structure] = tree::flatten(output);
    for (Array& leaf : leaves) leaf = lax::stop_gradient(leaf);
    return tree::unflatten<Output>(structure, leaves);
  }
  const auto root = jx::custom_jvp(find_root, jx::nondiff_argnums<1, 2>).defjvps(root_tangent);
  return Output(root(parameters, others, initial_guess));
}

// custom_linear_solve differentiated in reverse mode with neither transpose_solve nor symmetric.
[[noreturn]] void throw_missing_transpose_solve();
// The cotangent with empty leaves (symbolic zeros) filled in with zeros shaped as `like`'s.
template <class X>
X instantiate_like(const X& cotangent, const X& like) {
  auto [leaves, structure] = tree::flatten(cotangent);
  const std::vector<Array> like_leaves = tree::leaves(like);
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    if (!leaves[i].valid()) leaves[i] = zeros_of(like_leaves[i].type());
  }
  return tree::unflatten<X>(structure, leaves);
}
// custom_linear_solve's body over type-erased functions (its backward pass calls it again on the
// transposed system, which must not instantiate new templates). The solve returns the solution and
// aux leaves (none without has_aux).
template <class X>
using Matvec = std::function<X(const X&)>;
template <class X>
using LinearSolver = std::function<std::pair<X, std::vector<Array>>(const Matvec<X>&, const X&)>;

template <class X>
std::pair<X, std::vector<Array>> linear_solve_impl(const Matvec<X>& matvec, const X& b, const LinearSolver<X>& solve,
                                                   const LinearSolver<X>& transpose_solve, bool symmetric) {
  using Output = std::pair<X, std::vector<Array>>;
  const std::vector<Array> b_leaves = tree::leaves(b);
  auto [matvec_closed, consts] = jx::closure_convert(matvec, b);
  auto is_parameter = std::make_shared<std::vector<bool>>();
  auto [parameters, others] = split_closed_over(consts, *is_parameter);
  const auto run_solve = [matvec_closed, is_parameter, solve, b_leaves](const std::vector<Array>& params,
                                                                        const std::vector<Array>& rest, const X& rhs) {
    const std::vector<Array> closed = merge_closed_over(*is_parameter, params, rest);
    const Matvec<X> matvec_of = [&matvec_closed, &closed](const X& x) { return matvec_closed(x, closed); };
    Output output = solve(matvec_of, rhs);
    check_solver_output("custom_linear_solve", "solve", b_leaves, tree::leaves(output.first));
    return output;
  };
  const auto forward = [run_solve](const std::vector<Array>& params, const std::vector<Array>& rest, const X& rhs) {
    Output output = run_solve(params, rest, rhs);
    return std::pair{output, std::tuple{output.first, params, rest}};
  };
  // x = A^-1 b, so b's cotangent is A^-T x̄ (a solve of the transposed system) and the matrix's is
  // -b̄ x^T, reaching A's parameters through matvec's vjp at x.
  const auto backward = [matvec_closed, is_parameter, solve, transpose_solve, symmetric](
                            const std::tuple<X, std::vector<Array>, std::vector<Array>>& residuals,
                            const Output& cotangent) {
    const auto& [solution, params, rest] = residuals;
    const std::vector<Array> closed = merge_closed_over(*is_parameter, params, rest);
    const Matvec<X> matvec_of = [matvec_closed, closed](const X& x) { return matvec_closed(x, closed); };
    Matvec<X> vecmat = matvec_of;
    if (!symmetric) {
      const auto transposed = jx::linear_transpose(matvec_of, solution);
      vecmat = [transposed](const X& y) { return std::get<0>(transposed(y)); };
    }
    const LinearSolver<X>& solve_transposed = symmetric && !transpose_solve ? solve : transpose_solve;
    if (!solve_transposed) throw_missing_transpose_solve();
    const X b_cotangent =
        linear_solve_impl<X>(vecmat, instantiate_like(cotangent.first, solution), solve_transposed, solve, symmetric)
            .first;
    const auto matvec_at_solution = [&](const std::vector<Array>& p) {
      return matvec_closed(solution, merge_closed_over(*is_parameter, p, rest));
    };
    auto pullback = jx::vjp(matvec_at_solution, params).second;
    const std::vector<Array> params_cotangent = negated(std::get<0>(pullback(b_cotangent)));
    return std::tuple{params_cotangent, std::vector<Array>(rest.size()), b_cotangent};
  };
  const auto solver = jx::custom_vjp(run_solve, forward, backward);
  return solver(parameters, others, b);
}
}  // namespace jx::detail

namespace jx::lax {

using Loc = std::source_location;

// jax.lax.custom_root(f, initial_guess, solve, tangent_solve): solve(f, initial_guess) returns a root
// of f (solve(f, guess) is called with f as a std::function<X(const X&)>), and its derivative in
// whatever f closes over is -tangent_solve(g, df)'s, g being f's linearization at the root and df the
// derivative of f at the root in the closed-over arrays; tangent_solve(g, y) returns x with g(x) = y.
// With jx::has_aux after tangent_solve, solve returns std::pair(root, aux) and so does custom_root;
// aux gets no derivative.
inline constexpr struct custom_root_function {
  template <class F, class X, class Solve, class TangentSolve>
  auto operator()(const F& f, const X& initial_guess, const Solve& solve, const TangentSolve& tangent_solve,
                  Loc loc = Loc::current()) const {
    CallSite site(loc);
    return detail::custom_root_impl<false>(f, initial_guess, solve, tangent_solve);
  }
  template <class F, class X, class Solve, class TangentSolve>
  auto operator()(const F& f, const X& initial_guess, const Solve& solve, const TangentSolve& tangent_solve,
                  HasAux /*has_aux*/, Loc loc = Loc::current()) const {
    CallSite site(loc);
    return detail::custom_root_impl<true>(f, initial_guess, solve, tangent_solve);
  }
} custom_root{};

struct LinearSolveOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  // matvec is symmetric (self-adjoint): its transpose is itself, and solve serves as transpose_solve
  // when that is nullptr.
  bool symmetric = false;
};

// jax.lax.custom_linear_solve(matvec, b, solve, transpose_solve): x = solve(matvec, b) with
// matvec(x) = b, differentiated as A^-1 b should be: b's cotangent is transpose_solve(vecmat, x̄)
// (vecmat the transpose of matvec) and the cotangent of matvec's closed-over arrays follows from it.
// solve and transpose_solve are called with a std::function<X(const X&)> and the right-hand side.
// transpose_solve may be nullptr (JAX's None): then reverse-mode differentiation needs symmetric.
// With jx::has_aux after transpose_solve, solve returns std::pair(x, aux) and so does this; aux gets
// no derivative.
inline constexpr struct custom_linear_solve_function {
  template <class Matvec, class X, class Solve, class TransposeSolve>
  X operator()(const Matvec& matvec, const X& b, const Solve& solve, const TransposeSolve& transpose_solve,
               const LinearSolveOptions& options = {}, Loc loc = Loc::current()) const {
    CallSite site(loc);
    return detail::linear_solve_impl<X>(matvec, b, erase<X, false>(solve), erase<X, false>(transpose_solve),
                                        options.symmetric)
        .first;
  }
  template <class Matvec, class X, class Solve, class TransposeSolve>
  auto operator()(const Matvec& matvec, const X& b, const Solve& solve, const TransposeSolve& transpose_solve,
                  HasAux /*has_aux*/, const LinearSolveOptions& options = {}, Loc loc = Loc::current()) const {
    CallSite site(loc);
    using Aux = typename std::remove_cvref_t<
        std::invoke_result_t<const Solve&, const detail::Matvec<X>&, const X&>>::second_type;
    // The aux structure, recorded by the first call of solve (every call has the same structure).
    auto aux_structure = std::make_shared<tree::TreeDef>();
    const detail::LinearSolver<X> erased = [solve, aux_structure](const detail::Matvec<X>& mv, const X& rhs) {
      auto [solution, aux] = solve(mv, rhs);
      auto [aux_leaves, structure] = tree::flatten(aux);
      *aux_structure = structure;
      return std::pair{X(solution), std::move(aux_leaves)};
    };
    auto [solution, aux_leaves] =
        detail::linear_solve_impl<X>(matvec, b, erased, erase<X, true>(transpose_solve), options.symmetric);
    return std::pair<X, Aux>{std::move(solution), tree::unflatten<Aux>(*aux_structure, aux_leaves)};
  }

 private:
  // A user's solver as custom_linear_solve's core calls it; nullptr stays empty.
  template <class X, bool kHasAux, class Solver>
  static detail::LinearSolver<X> erase(const Solver& solver) {
    if constexpr (std::is_same_v<Solver, std::nullptr_t>) {
      return {};
    } else {
      return [solver](const detail::Matvec<X>& mv, const X& rhs) {
        if constexpr (kHasAux) {
          return std::pair{X(solver(mv, rhs).first), std::vector<Array>{}};  // transpose_solve's aux is dropped
        } else {
          return std::pair{X(solver(mv, rhs)), std::vector<Array>{}};
        }
      };
    }
  }
} custom_linear_solve{};

}  // namespace jx::lax
