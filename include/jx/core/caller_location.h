// jx/core/caller_location.h — call operators that know the caller's line, for variadic functions.
//
// jx names the user's line in every error. A function takes it as a defaulted last parameter,
// `std::source_location loc = std::source_location::current()`, which C++ evaluates at the call. A
// variadic template cannot: a parameter after a pack is never deduced. So jx's variadic entry points
// (tree::map, vjp, the callables grad and vmap return, ...) are function objects deriving from
// CallWithLocation, which gives them one call operator per number of arguments, each with the
// defaulted location, forwarding to the object's own `invoke(location, arguments...)`:
//
//   struct map_function : jx::detail::CallWithLocation<map_function> {
//     template <class F, class... Trees>
//     auto invoke(std::source_location where, F&& f, const Trees&... trees) const;
//   };
//
// Up to eight arguments carry the location; more are accepted without it (errors then name the line
// from the stack, or the enclosing transformation's).
#pragma once

#include <source_location>
#include <string>
#include <string_view>
#include <utility>

namespace jx {

// A message or format string that remembers the line of the call it is passed to: for functions
// whose message is followed by a pack of arguments (debug::print, checkify::check), which therefore
// cannot take a defaulted location of their own.
struct FormatString {
  FormatString(const char* format, std::source_location loc = std::source_location::current())  // NOLINT
      : text(format), where(loc) {}
  FormatString(std::string format, std::source_location loc = std::source_location::current())  // NOLINT
      : text(std::move(format)), where(loc) {}
  FormatString(std::string_view format, std::source_location loc = std::source_location::current())  // NOLINT
      : text(format), where(loc) {}
  std::string text;
  std::source_location where;
};

}  // namespace jx

namespace jx::detail {

template <class Derived>
class CallWithLocation {
 public:
  using Loc = std::source_location;

  decltype(auto) operator()(Loc loc = Loc::current()) const { return self().invoke(loc); }
  template <class A1>
  decltype(auto) operator()(A1&& a1, Loc loc = Loc::current()) const {
    return self().invoke(loc, std::forward<A1>(a1));
  }
  template <class A1, class A2>
  decltype(auto) operator()(A1&& a1, A2&& a2, Loc loc = Loc::current()) const {
    return self().invoke(loc, std::forward<A1>(a1), std::forward<A2>(a2));
  }
  template <class A1, class A2, class A3>
  decltype(auto) operator()(A1&& a1, A2&& a2, A3&& a3, Loc loc = Loc::current()) const {
    return self().invoke(loc, std::forward<A1>(a1), std::forward<A2>(a2), std::forward<A3>(a3));
  }
  template <class A1, class A2, class A3, class A4>
  decltype(auto) operator()(A1&& a1, A2&& a2, A3&& a3, A4&& a4, Loc loc = Loc::current()) const {
    return self().invoke(loc, std::forward<A1>(a1), std::forward<A2>(a2), std::forward<A3>(a3), std::forward<A4>(a4));
  }
  template <class A1, class A2, class A3, class A4, class A5>
  decltype(auto) operator()(A1&& a1, A2&& a2, A3&& a3, A4&& a4, A5&& a5, Loc loc = Loc::current()) const {
    return self().invoke(loc, std::forward<A1>(a1), std::forward<A2>(a2), std::forward<A3>(a3), std::forward<A4>(a4),
                         std::forward<A5>(a5));
  }
  template <class A1, class A2, class A3, class A4, class A5, class A6>
  decltype(auto) operator()(A1&& a1, A2&& a2, A3&& a3, A4&& a4, A5&& a5, A6&& a6, Loc loc = Loc::current()) const {
    return self().invoke(loc, std::forward<A1>(a1), std::forward<A2>(a2), std::forward<A3>(a3), std::forward<A4>(a4),
                         std::forward<A5>(a5), std::forward<A6>(a6));
  }
  template <class A1, class A2, class A3, class A4, class A5, class A6, class A7>
  decltype(auto) operator()(A1&& a1, A2&& a2, A3&& a3, A4&& a4, A5&& a5, A6&& a6, A7&& a7,
                            Loc loc = Loc::current()) const {
    return self().invoke(loc, std::forward<A1>(a1), std::forward<A2>(a2), std::forward<A3>(a3), std::forward<A4>(a4),
                         std::forward<A5>(a5), std::forward<A6>(a6), std::forward<A7>(a7));
  }
  template <class A1, class A2, class A3, class A4, class A5, class A6, class A7, class A8>
  decltype(auto) operator()(A1&& a1, A2&& a2, A3&& a3, A4&& a4, A5&& a5, A6&& a6, A7&& a7, A8&& a8,
                            Loc loc = Loc::current()) const {
    return self().invoke(loc, std::forward<A1>(a1), std::forward<A2>(a2), std::forward<A3>(a3), std::forward<A4>(a4),
                         std::forward<A5>(a5), std::forward<A6>(a6), std::forward<A7>(a7), std::forward<A8>(a8));
  }
  // More arguments: no location (line 0, which jx reads as unknown).
  template <class... A>
  requires(sizeof...(A) > 8) decltype(auto) operator()(A&&... a) const {
    return self().invoke(Loc(), std::forward<A>(a)...);
  }

 private:
  const Derived& self() const { return static_cast<const Derived&>(*this); }
};

}  // namespace jx::detail
