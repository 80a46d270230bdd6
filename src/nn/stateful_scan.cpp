// jx::nn::scan's and nn::map's checks (jx/nn/stateful.h); the loop itself is a template over the user's types.
#include <fmt/format.h>

#include "jx/core/error.h"
#include "jx/nn/stateful.h"

namespace jx::nn::detail {

// Checked here rather than left to lax::scan: during init the first element is taken before the loop,
// and a scalar or a shorter leaf would fail there with a less helpful message.
std::int64_t scan_length(const char* op, std::span<const Array> xs, std::optional<std::int64_t> length) {
  for (const Array& x : xs) {
    if (x.ndim() == 0) {
      throw ShapeError(op, "scanned inputs must have a leading axis to scan over; got a scalar");
    }
    if (length && *length != x.shape()[0]) {
      throw ShapeError(
          op, fmt::format("scanned inputs have leading axes of different lengths: {} and {}", *length, x.shape()[0]));
    }
    length = x.shape()[0];
  }
  if (!length) throw ValueError(op, "with no scanned inputs, the length option is needed");
  if (*length < 0) throw ValueError(op, fmt::format("length must not be negative, got {}", *length));
  return *length;
}

}  // namespace jx::nn::detail
