#include "io/host_arrays.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <utility>

#include "backends/cpu/kernels.h"
#include "jx/core/error.h"

namespace jx::io {

Array writable_array(const Array& x, const char* op, const std::string& what) {
  if (!x.valid()) throw ValueError(op, fmt::format("{} is an empty jx::Array handle, not an array", what));
  if (x.is_tracer()) {
    throw ConcretizationError(op, fmt::format("{} is a traced value ({}): only concrete arrays can be written; "
                                              "save outside jit, grad and vmap",
                                              what, x.type().to_string()));
  }
  if (x.dtype() == DType::float0) {
    throw DTypeError(op, fmt::format("{} has dtype float0, which holds no data", what));
  }
  return cpu::contiguous(x);
}

std::shared_ptr<ConcreteArray> allocate_for_reading(DType dtype, const Shape& shape) {
  return allocate_array(ArrayType{shape, dtype});
}

void byteswap_elements(std::byte* data, std::size_t itemsize, std::int64_t count) {
  if (itemsize <= 1) return;
  for (std::int64_t i = 0; i < count; ++i, data += itemsize) std::reverse(data, data + itemsize);
}

Array finish_read(std::shared_ptr<ConcreteArray> raw, bool weak) {
  if (raw->type().dtype == DType::bool_) {
    std::byte* data = raw->data();
    const std::int64_t n = raw->type().num_elements();
    for (std::int64_t i = 0; i < n; ++i) data[i] = data[i] != std::byte{0} ? std::byte{1} : std::byte{0};
  }
  Array result(std::move(raw));
  const DType canonical = canonicalize_dtype(result.dtype());
  if (canonical != result.dtype()) result = cpu::convert(result, ArrayType{result.shape(), canonical});
  if (weak) result = reinterpreted_array(jx::concrete(result), ArrayType{result.shape(), result.dtype(), true});
  return result;
}

bool checked_multiply(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
  return !__builtin_mul_overflow(a, b, &out);
}

bool checked_num_elements(std::span<const std::uint64_t> dims, std::uint64_t& out) {
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  out = 1;
  for (std::uint64_t d : dims) {
    // Each dimension must fit a Shape's int64 too, even where another one is 0.
    if (d > kMax || !checked_multiply(out, d, out)) return false;
  }
  return out <= kMax;
}

}  // namespace jx::io
