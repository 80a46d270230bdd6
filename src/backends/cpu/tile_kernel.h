// src/backends/cpu/tile_kernel.h — tier 0's fused loops: a group of elementwise equations run tile by
// tile, with no code generated.
//
// A group iterates over n elements (its arrays all have n elements, or one, broadcast). Its program is
// compiled into a short list of run-kernel calls (unary_run, binary_run, ...) over tiles of a few
// hundred elements: each tile goes through the whole list while its temporaries sit in a buffer in L1,
// so an intermediate never reaches memory; outputs are written once, inputs read once. A trailing
// reduction of a whole n-element value (a sum, max, min or product to a scalar) accumulates one partial
// result per tile, combined pairwise at the end: the tiles' partition depends on n alone, so results
// do not depend on the number of threads.
#pragma once

#include <cstdint>

#include "jx/ir/kernel.h"
#include "jx/ir/program.h"

namespace jx::cpu {

// What an equation can be inside a fused group.
enum class TileRole : std::uint8_t {
  none,           // not fusible
  elementwise,    // computed element by element (unary, binary, convert, select, small integer powers)
  alias,          // the same elements under another shape or weak flag (reshape, squeeze, stop_gradient)
  scalar_source,  // a broadcast of a one-element array: read with a step of 0
  reduction,      // the reduction of a whole group value to a scalar
};

// The role of an equation and the element count of the group it would belong to.
TileRole tile_role(const Equation& equation, const Program& program, std::int64_t& group_size);

// The kernel running a group (a program of equations with roles other than `none`).
Kernel tile_kernel(const Program& group);

}  // namespace jx::cpu
