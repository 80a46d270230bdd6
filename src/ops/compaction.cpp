// src/ops/compaction.h's scatter-based compaction of masks.
#include "ops/compaction.h"

#include <fmt/format.h>

#include "jx/core/error.h"
#include "jx/numpy.h"

namespace jx::ops {

namespace jnp = jx::numpy;

std::int64_t result_length(std::string_view op, const Array& mask, std::optional<std::int64_t> size) {
  if (size) {
    if (*size < 0) throw ValueError(std::string(op), fmt::format("size must be non-negative, got {}", *size));
    return *size;
  }
  if (mask.is_tracer()) {
    throw ConcretizationError(std::string(op),
                              "the length of the result depends on the values of a traced array; "
                              "pass a static size, e.g. {.size = 10} (and a fill_value for the "
                              "entries beyond those found)");
  }
  return jnp::sum(mask, {.dtype = DType::int64}).item<std::int64_t>();
}

Array compact(const Array& mask, std::int64_t length, std::int64_t fill) {
  const DType index_dtype = default_int_dtype();
  // The k-th true entry goes to position k; the others (and those past `length`) are dropped.
  const Array rank = jnp::subtract(jnp::cumsum(mask, {.dtype = index_dtype}), jnp::array(std::int64_t{1}, index_dtype));
  const Array target = jnp::where(mask, rank, jnp::array(length, index_dtype));
  return jnp::full({length}, jnp::array(fill, index_dtype))
      .at(target)
      .set(jnp::arange(mask.size(), index_dtype), {.mode = "drop"});
}

Array found(const Array& mask, std::int64_t length) {
  const DType index_dtype = default_int_dtype();
  return jnp::less(jnp::arange(length, index_dtype), jnp::sum(mask, {.dtype = index_dtype}));
}

}  // namespace jx::ops
