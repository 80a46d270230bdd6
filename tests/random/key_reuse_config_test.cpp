// debug_key_reuse is part of jit's cache key: a function traced with the checker off (whose
// primitives carry no key uses, so the check costs nothing) is traced again when it is turned on,
// and then catches reuse.
#include <gtest/gtest.h>

#include "ir/primitives/random.h"
#include "jx/core/config.h"
#include "jx/core/error.h"
#include "jx/random.h"
#include "jx/transforms/jit.h"

namespace jr = jx::random;

namespace {

TEST(KeyReuseConfig, TurningTheCheckerOnRetracesJittedFunctions) {
  jx::primitives::reset_key_reuse_tracking();
  auto twice = jx::jit([](const jx::Key& k) { return jr::normal(k, {2}) + jr::uniform(k, {2}); });
  const jx::Key key = jr::PRNGKey(3);
  EXPECT_NO_THROW(twice(key));
  EXPECT_EQ(twice.trace_count(), 1u);
  {
    auto checking = jx::config::scoped({.debug_key_reuse = true});
    EXPECT_THROW(twice(jr::PRNGKey(4)), jx::KeyReuseError);
    EXPECT_EQ(twice.trace_count(), 2u);
  }
  // Off again: the first program is reused, and reuse goes unchecked.
  EXPECT_NO_THROW(twice(key));
  EXPECT_EQ(twice.trace_count(), 2u);
  // The process-wide setter works as the scoped override does.
  jx::config::debug_key_reuse(true);
  EXPECT_THROW(twice(jr::PRNGKey(5)), jx::KeyReuseError);
  jx::config::debug_key_reuse(false);
}

}  // namespace
