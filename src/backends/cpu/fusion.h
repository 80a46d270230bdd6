// src/backends/cpu/fusion.h — the pass that groups elementwise equations for tile-by-tile execution.
//
// Equations iterating over the same number of elements (elementwise math, broadcasts of scalars,
// reshapes, and reductions of a whole value to a scalar) are gathered into groups, each replaced by one
// fused_elementwise equation (src/ir/primitives/fused.h) placed where its last member was. A group
// grows along data dependencies and between siblings that share inputs, as long as nothing outside the
// group needs one of its values before the group runs, and no member reads a reduction of its own group.
//
//   a = mul x 2; b = add a y; c = reduce_sum b        ->   c b' = fused_elementwise[...] x y
//
// Run just before planning, after every transformation: the fused equation has no derivative rules.
#pragma once

#include "jx/ir/program.h"

namespace jx::cpu {

Program fuse_elementwise(const Program& program);

}  // namespace jx::cpu
