// src/ops/compaction.h — the shared core of jx::numpy's functions whose result length depends on the
// values (nonzero, extract, unique, the set functions): the positions of a mask's true entries written
// into a result of a static length by a scatter, so that it traces under jit and vmap.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "jx/core/array.h"

namespace jx::ops {

// The static length of a result: `size` when given, otherwise the number of true entries of the
// concrete 1-D bool mask (ConcretizationError naming `op` and the size option when it is traced).
std::int64_t result_length(std::string_view op, const Array& mask, std::optional<std::int64_t> size);

// The positions of the first `length` true entries of a 1-D bool mask, in order, then `fill` (an index of
// the default int type).
Array compact(const Array& mask, std::int64_t length, std::int64_t fill);

// Whether position i < length of a compacted result holds a found entry (i < the number of true entries).
Array found(const Array& mask, std::int64_t length);

}  // namespace jx::ops
