// src/io/host_arrays.h — the bytes of arrays, on their way to and from files.
//
// Files hold row-major little-endian data; jx arrays may be strided views, tracers, keys or
// weakly typed. These helpers turn a leaf into bytes that can be written as they are, and freshly
// read bytes into the array jx would have made from the same values.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "core/array_impl.h"
#include "jx/core/array.h"

namespace jx::io {

static_assert(std::endian::native == std::endian::little,
              "jx::io writes memory as it is; big-endian hosts would need a byte swap on every read and write");

// x as a contiguous concrete array whose memory can be written out as it is. `what` names the leaf
// for the errors: an empty handle (ValueError), a tracer (ConcretizationError), float0 (DTypeError).
Array writable_array(const Array& x, const char* op, const std::string& what);
inline std::span<const std::byte> bytes_of(const Array& contiguous) {
  return {jx::concrete(contiguous).data(), contiguous.type().num_bytes()};
}

// A fresh contiguous array to read `num_bytes` of file data into.
std::shared_ptr<ConcreteArray> allocate_for_reading(DType dtype, const Shape& shape);
inline std::span<std::byte> bytes_of(const std::shared_ptr<ConcreteArray>& array) {
  return {array->data(), array->type().num_bytes()};
}

// Reverses the bytes of each element in place (big-endian file data).
void byteswap_elements(std::byte* data, std::size_t itemsize, std::int64_t count);

// The array as jx would have made it from the values just read: bools normalized to 0/1 (a file
// may hold any nonzero byte for true; jx's kernels assume 0 or 1), the dtype canonicalized as
// jnp.asarray does (float64 -> float32 without x64), and the weak-type flag set when asked.
Array finish_read(std::shared_ptr<ConcreteArray> raw, bool weak = false);

// Checked arithmetic for sizes read from files: false on overflow.
bool checked_multiply(std::uint64_t a, std::uint64_t b, std::uint64_t& out);
// The element count of `dims`, false if it or any dimension overflows int64.
bool checked_num_elements(std::span<const std::uint64_t> dims, std::uint64_t& out);

}  // namespace jx::io
