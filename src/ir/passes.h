// src/ir/passes.h — rewrites of a Program that keep its meaning. Each returns whether it changed
// anything; optimize() runs them to a fixed point (a few rounds at most).
#pragma once

#include <cstdint>

#include "jx/ir/program.h"

namespace jx::passes {

// Results larger than this are not folded: large constants stay inputs rather than being computed
// and stored at compile time.
inline constexpr std::int64_t kFoldLimit = 1024;

// x * 1, x + 0, x - 0, x / 1, converts to the same type, reshapes and broadcasts to the same shape,
// reshape of reshape, transpose of transpose.
bool simplify_algebra(Program& program);
// Evaluates equations whose inputs are all constants (results up to max_elements).
bool fold_constants(Program& program, std::int64_t max_elements = kFoldLimit);
// Merges equations that apply the same primitive to the same inputs.
bool eliminate_common_subexpressions(Program& program);
// Removes equations (and constants) no output depends on; side effects are kept.
bool eliminate_dead_code(Program& program);

void optimize(Program& program);

// Replaces every call whose primitive offers an inline_body (custom_jvp_call, custom_vjp_call) by the
// body's equations, for a program about to be planned: its derivative rules are lost, so transformed
// programs must never go through it. Returns whether anything was inlined.
bool inline_calls(Program& program);

}  // namespace jx::passes
