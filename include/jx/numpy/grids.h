// jx/numpy/grids.h — the rest of jax.numpy's array constructors: grids of indices and coordinates
// (indices, meshgrid, mgrid, ogrid, ix_), triangles and diagonals as arrays or index pairs (tri, diag,
// tril_indices, fill_diagonal), ranges in geometric progression, structured matrices (kron, vander),
// matrix-vector products, and arrays from functions, bytes and text.
//
//   namespace jnp = jx::numpy;
//   auto grid = jnp::meshgrid(x, y);                   // grid[0], grid[1]: (len(y), len(x)) each
//   auto [rows, cols] = jnp::tril_indices(4);          // as std::vector: rows = result[0]
//   auto lower = jnp::tri(3, std::nullopt, 0, jx::float32);
//   auto k = jnp::kron(jnp::eye(2), block);
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <source_location>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "jx/core/array.h"
#include "jx/numpy.h"

namespace jx::numpy {

// An array of zeros: jx arrays are never uninitialized (jnp.empty is jnp.zeros, as in JAX).
inline constexpr struct empty_function {
  Array operator()(const Shape& shape, std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) const;
} empty{};
inline constexpr struct empty_like_function {
  Array operator()(const Array& x, std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) const;
} empty_like{};

struct LogspaceOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  bool endpoint = true;
  double base = 10.0;  // logspace only
  std::optional<DType> dtype = std::nullopt;
};
// base^linspace(start, stop, num) (logspace) and the geometric progression from start to stop
// (geomspace: start and stop themselves, of the same sign, non-zero).
inline constexpr struct logspace_function {
  Array operator()(double start, double stop, std::int64_t num = 50, LogspaceOptions options = {},
                   Loc loc = Loc::current()) const;
} logspace{};
inline constexpr struct geomspace_function {
  Array operator()(double start, double stop, std::int64_t num = 50, LogspaceOptions options = {},
                   Loc loc = Loc::current()) const;
} geomspace{};

// An n x m matrix with ones at and below the k-th diagonal (jnp.tri; the default float dtype).
inline constexpr struct tri_function {
  Array operator()(std::int64_t n, std::optional<std::int64_t> m = std::nullopt, int k = 0,
                   std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) const;
} tri{};
// The k-th diagonal of a matrix, or the matrix with a vector on its k-th diagonal (jnp.diag); diagflat
// places the flattened input there.
inline constexpr struct diag_function {
  Array operator()(const Array& v, int k = 0, Loc loc = Loc::current()) const;
} diag{};
inline constexpr struct diagflat_function {
  Array operator()(const Array& v, int k = 0, Loc loc = Loc::current()) const;
} diagflat{};
// Index arrays, one per axis, that address the main diagonal of an n x ... x n array (diag_indices), the
// triangles of an n x m matrix (tril_indices, triu_indices: row indices first, then column indices, in
// row-major order), or the same for the shape of x (the *_from forms).
inline constexpr struct diag_indices_function {
  std::vector<Array> operator()(std::int64_t n, int ndim = 2, Loc loc = Loc::current()) const;
} diag_indices{};
inline constexpr struct diag_indices_from_function {
  std::vector<Array> operator()(const Array& x, Loc loc = Loc::current()) const;
} diag_indices_from{};
inline constexpr struct tril_indices_function {
  std::vector<Array> operator()(std::int64_t n, int k = 0, std::optional<std::int64_t> m = std::nullopt,
                                Loc loc = Loc::current()) const;
} tril_indices{};
inline constexpr struct triu_indices_function {
  std::vector<Array> operator()(std::int64_t n, int k = 0, std::optional<std::int64_t> m = std::nullopt,
                                Loc loc = Loc::current()) const;
} triu_indices{};
inline constexpr struct tril_indices_from_function {
  std::vector<Array> operator()(const Array& x, int k = 0, Loc loc = Loc::current()) const;
} tril_indices_from{};
inline constexpr struct triu_indices_from_function {
  std::vector<Array> operator()(const Array& x, int k = 0, Loc loc = Loc::current()) const;
} triu_indices_from{};
// The indices of the nonzero entries of mask_function(ones(n, n), k), as tril_indices gives them
// (mask_indices(n, jnp::triu) is triu_indices(n)).
inline constexpr struct mask_indices_function {
  std::vector<Array> operator()(std::int64_t n, const std::function<Array(const Array&, int)>& mask_function, int k = 0,
                                Loc loc = Loc::current()) const;
} mask_indices{};
struct FillDiagonalOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  bool wrap = false;  // tall matrices: start again below the square part, after one skipped row
};
// x with its main diagonal (all indices equal) set to val, cycled along it when val has several values
// (jnp.fill_diagonal with inplace=False: a new array is returned).
inline constexpr struct fill_diagonal_function {
  Array operator()(const Array& x, const Array& val, FillDiagonalOptions options = {}, Loc loc = Loc::current()) const;
} fill_diagonal{};

// An array of shape (len(dimensions), *dimensions) whose i-th slice holds each position's index along
// axis i (jnp.indices, dense; ix_ or ogrid give the sparse form).
inline constexpr struct indices_function {
  Array operator()(const Shape& dimensions, std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) const;
} indices{};
struct MeshgridOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  bool copy = true;  // accepted for NumPy's signature
  bool sparse = false;
  std::string_view indexing = "xy";  // "xy": the first two axes swapped (Cartesian), or "ij" (matrix)
};
// Coordinate arrays from coordinate vectors, one per vector (jnp.meshgrid).
inline constexpr struct meshgrid_function {
  std::vector<Array> operator()(const std::vector<Array>& xs, MeshgridOptions options = {},
                                Loc loc = Loc::current()) const;
  std::vector<Array> operator()(const Array& x, const Array& y, MeshgridOptions options = {},
                                Loc loc = Loc::current()) const {
    return (*this)(std::vector<Array>{x, y}, options, loc);
  }
  std::vector<Array> operator()(const Array& x, const Array& y, const Array& z, MeshgridOptions options = {},
                                Loc loc = Loc::current()) const {
    return (*this)(std::vector<Array>{x, y, z}, options, loc);
  }
} meshgrid{};
// jnp.mgrid[0:3, 0:4] and jnp.ogrid[...] as functions of their slices (start defaults to 0, step to 1):
// mgrid stacks the dense grids (one slice gives the 1-D range itself), ogrid returns the open (broadcastable)
// ones. ix_ turns 1-D index arrays into an open mesh for indexing.
inline constexpr struct mgrid_function {
  Array operator()(const std::vector<Slice>& slices, Loc loc = Loc::current()) const;
} mgrid{};
inline constexpr struct ogrid_function {
  std::vector<Array> operator()(const std::vector<Slice>& slices, Loc loc = Loc::current()) const;
} ogrid{};
inline constexpr struct ix__function {
  std::vector<Array> operator()(const std::vector<Array>& xs, Loc loc = Loc::current()) const;
} ix_{};

// The Kronecker product (blocks a[i, j] * b); the Vandermonde matrix whose columns are powers of x
// (decreasing unless increasing = true; n columns, len(x) by default).
inline constexpr struct kron_function {
  Array operator()(const Array& a, const Array& b, Loc loc = Loc::current()) const;
} kron{};
inline constexpr struct vander_function {
  Array operator()(const Array& x, std::optional<std::int64_t> n = std::nullopt, bool increasing = false,
                   Loc loc = Loc::current()) const;
} vander{};
// Batched matrix-vector products over the last axes: matvec(a, v)[..., i] = sum_j a[..., i, j] v[..., j],
// vecmat(v, a)[..., j] = sum_i conj(v[..., i]) a[..., i, j] (the batch axes broadcast).
inline constexpr struct matvec_function {
  Array operator()(const Array& a, const Array& v, Loc loc = Loc::current()) const;
} matvec{};
inline constexpr struct vecmat_function {
  Array operator()(const Array& v, const Array& a, Loc loc = Loc::current()) const;
} vecmat{};

// f called once with index arrays, one per axis of `shape` (jnp.fromfunction: f(*indices) in JAX).
inline constexpr struct fromfunction_function {
  Array operator()(const std::function<Array(const std::vector<Array>&)>& f, const Shape& shape,
                   std::optional<DType> dtype = std::nullopt, Loc loc = Loc::current()) const;
} fromfunction{};
// The little-endian bytes of a buffer read as `count` values of dtype (all by default), from `offset`.
inline constexpr struct frombuffer_function {
  Array operator()(std::span<const std::byte> buffer, DType dtype = DType::float32, std::int64_t count = -1,
                   std::int64_t offset = 0, Loc loc = Loc::current()) const;
} frombuffer{};
// Numbers written in text, separated by sep (whitespace around them is ignored), as dtype.
inline constexpr struct fromstring_function {
  Array operator()(std::string_view text, DType dtype, std::int64_t count, std::string_view sep,
                   Loc loc = Loc::current()) const;
  Array operator()(std::string_view text, DType dtype = DType::float32, std::string_view sep = " ",
                   Loc loc = Loc::current()) const {
    return (*this)(text, dtype, -1, sep, loc);
  }
} fromstring{};

}  // namespace jx::numpy
