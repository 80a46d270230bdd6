// jx/core/keywords_only.h — the marker that makes an options struct keyword-only.
//
// Every options struct starts with this member, so only designated initializers fill one:
//   jnp::sum(x, {.axis = 0, .keepdims = true});  // compiles
//   jnp::sum(x, {0, 1});                          // a list of axes, never an options struct
#pragma once

namespace jx::detail {
// It cannot be initialized from a value, so a positional brace list like {0, 1} never binds to an
// options struct.
struct KeywordsOnly {
  explicit KeywordsOnly() = default;
};
}  // namespace jx::detail
