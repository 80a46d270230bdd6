// jx/numpy/grids.h: constructors of index grids, triangles, progressions and structured matrices.
// Index sets known from static sizes (tril_indices, diag_indices) are computed here and become
// constants; everything that depends on an operand is built from jx::lax primitives.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <numeric>
#include <string>

#include "io/host_arrays.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/numpy/grids.h"
#include "jx/numpy/shaping.h"
#include "jx/transforms/jit.h"
#include "ops/promotion.h"

namespace jx::numpy {
namespace {

// Host-computed indices as an array of the default int type.
Array index_array(const std::vector<std::int64_t>& values) { return array(values, default_int_dtype()); }

std::int64_t checked_size(std::string_view op, std::int64_t n, const char* what) {
  if (n < 0) throw ValueError(std::string(op), fmt::format("{} must be non-negative, got {}", what, n));
  return n;
}

// The (row, column) pairs of an n x m matrix with column - row <= k (lower) or >= k, row-major.
std::vector<Array> triangle_indices(std::string_view op, std::int64_t n, std::int64_t m, int k, bool lower) {
  checked_size(op, n, "n");
  checked_size(op, m, "m");
  std::vector<std::int64_t> rows, cols;
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t j = 0; j < m; ++j) {
      if (lower ? j - i <= k : j - i >= k) {
        rows.push_back(i);
        cols.push_back(j);
      }
    }
  }
  return {index_array(rows), index_array(cols)};
}

void require_matrix(std::string_view op, const Array& x) {
  if (x.ndim() != 2) throw ShapeError(std::string(op), fmt::format("needs a 2-D array, got {}", x.shape().to_string()));
}

// The number of elements of a range with a non-zero step.
std::int64_t range_length(std::int64_t start, std::int64_t stop, std::int64_t step) {
  if (step > 0) return std::max<std::int64_t>(0, (stop - start + step - 1) / step);
  return std::max<std::int64_t>(0, (start - stop - step - 1) / -step);
}

Array slice_range(std::string_view op, const Slice& s) {
  if (!s.stop) throw ValueError(std::string(op), "each slice needs a stop");
  const std::int64_t start = s.start.value_or(0), stop = *s.stop, step = s.step.value_or(1);
  if (step == 0) throw ValueError(std::string(op), "slice step cannot be zero");
  const std::int64_t n = range_length(start, stop, step);
  const Array iota = lax::iota(default_int_dtype(), n);
  return lax::add(lax::mul(iota, array(step, default_int_dtype())), array(start, default_int_dtype()));
}

}  // namespace

// --- empty, logspace, geomspace ---------------------------------------------------------------------

Array empty_function::operator()(const Shape& shape, std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  return zeros(shape, dtype);
}

Array empty_like_function::operator()(const Array& x, std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  return zeros_like(x, dtype);
}

Array logspace_function::operator()(double start, double stop, std::int64_t num, LogspaceOptions options,
                                    Loc loc) const {
  CallSite site(loc);
  const DType dtype = options.dtype.value_or(default_float_dtype());
  // Computed in the wider of the dtype and float32 (ints are taken from the floats, as NumPy's cast).
  const DType compute = is_floating(dtype) || is_complex(dtype) ? dtype : default_float_dtype();
  const Array exponents = linspace(start, stop, num, {.endpoint = options.endpoint, .dtype = compute});
  return astype(power(array(options.base, compute), exponents), dtype);
}

Array geomspace_function::operator()(double start, double stop, std::int64_t num, LogspaceOptions options,
                                     Loc loc) const {
  CallSite site(loc);
  if (start == 0 || stop == 0) throw ValueError("geomspace", "geometric sequence cannot include zero");
  if ((start < 0) != (stop < 0)) throw ValueError("geomspace", "start and stop must have the same sign");
  const DType dtype = options.dtype.value_or(default_float_dtype());
  const DType compute = is_floating(dtype) ? dtype : default_float_dtype();
  const double sign_of_ends = start < 0 ? -1.0 : 1.0;
  const Array exponents = linspace(std::log10(sign_of_ends * start), std::log10(sign_of_ends * stop), num,
                                   {.endpoint = options.endpoint, .dtype = compute});
  Array result = lax::mul(power(array(10.0, compute), exponents), array(sign_of_ends, compute));
  // The ends exactly, as NumPy sets them.
  if (num > 0) result = result.at(0).set(array(start, compute));
  if (num > 1 && options.endpoint) result = result.at(num - 1).set(array(stop, compute));
  return astype(result, dtype);
}

// --- Triangles and diagonals ------------------------------------------------------------------------

Array tri_function::operator()(std::int64_t n, std::optional<std::int64_t> m, int k, std::optional<DType> dtype,
                               Loc loc) const {
  CallSite site(loc);
  const std::int64_t cols = checked_size("tri", m.value_or(n), "M");
  checked_size("tri", n, "N");
  const Array row = lax::broadcasted_iota(DType::int64, Shape{n, cols}, 0);
  const Array col = lax::broadcasted_iota(DType::int64, Shape{n, cols}, 1);
  const Array mask = lax::le(lax::sub(col, row), array(std::int64_t{k}, DType::int64));
  return lax::convert_element_type(mask, dtype.value_or(default_float_dtype()));
}

Array diag_function::operator()(const Array& v, int k, Loc loc) const {
  CallSite site(loc);
  if (v.ndim() == 2) return diagonal(v, {.offset = k});
  if (v.ndim() != 1) throw ShapeError("diag", fmt::format("needs a 1-D or 2-D array, got {}", v.shape().to_string()));
  // The vector on the k-th diagonal of an (n + |k|)-square matrix: row i of the result holds v at
  // column i + k.
  const std::int64_t n = v.size() + std::abs(k);
  const Array row = lax::broadcasted_iota(DType::int64, Shape{n, n}, 0);
  const Array col = lax::broadcasted_iota(DType::int64, Shape{n, n}, 1);
  const Array on_diagonal = lax::eq(lax::sub(col, row), array(std::int64_t{k}, DType::int64));
  // v padded to length n so that its element j sits at row j (k >= 0) or column j (k < 0).
  const std::int64_t before = 0, after = n - v.size();
  const Array padded = pad(v, {{before, after}});
  const Array along = k >= 0 ? reshape(padded, {n, 1}) : reshape(padded, {1, n});
  return where(on_diagonal, broadcast_to(along, {n, n}), zeros({n, n}, v.dtype()));
}

Array diagflat_function::operator()(const Array& v, int k, Loc loc) const {
  CallSite site(loc);
  return diag(ravel(v), k);
}

std::vector<Array> diag_indices_function::operator()(std::int64_t n, int ndim, Loc loc) const {
  CallSite site(loc);
  checked_size("diag_indices", n, "n");
  if (ndim < 0) throw ValueError("diag_indices", fmt::format("ndim must be non-negative, got {}", ndim));
  std::vector<std::int64_t> range(static_cast<std::size_t>(n));
  std::iota(range.begin(), range.end(), 0);
  return std::vector<Array>(static_cast<std::size_t>(ndim), index_array(range));
}

std::vector<Array> diag_indices_from_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  if (x.ndim() < 2) throw ShapeError("diag_indices_from", "needs an array of rank 2 or more");
  for (int d = 1; d < x.ndim(); ++d) {
    if (x.shape()[d] != x.shape()[0]) {
      throw ShapeError("diag_indices_from", fmt::format("all dimensions must be equal, got {}", x.shape().to_string()));
    }
  }
  return diag_indices(x.shape()[0], x.ndim());
}

std::vector<Array> tril_indices_function::operator()(std::int64_t n, int k, std::optional<std::int64_t> m,
                                                     Loc loc) const {
  CallSite site(loc);
  return triangle_indices("tril_indices", n, m.value_or(n), k, true);
}

std::vector<Array> triu_indices_function::operator()(std::int64_t n, int k, std::optional<std::int64_t> m,
                                                     Loc loc) const {
  CallSite site(loc);
  return triangle_indices("triu_indices", n, m.value_or(n), k, false);
}

std::vector<Array> tril_indices_from_function::operator()(const Array& x, int k, Loc loc) const {
  CallSite site(loc);
  require_matrix("tril_indices_from", x);
  return triangle_indices("tril_indices_from", x.shape()[0], x.shape()[1], k, true);
}

std::vector<Array> triu_indices_from_function::operator()(const Array& x, int k, Loc loc) const {
  CallSite site(loc);
  require_matrix("triu_indices_from", x);
  return triangle_indices("triu_indices_from", x.shape()[0], x.shape()[1], k, false);
}

std::vector<Array> mask_indices_function::operator()(std::int64_t n,
                                                     const std::function<Array(const Array&, int)>& mask_function,
                                                     int k, Loc loc) const {
  CallSite site(loc);
  checked_size("mask_indices", n, "n");
  // The mask depends only on n and k: it is computed now, even inside a traced function (as NumPy
  // computes it in JAX's mask_indices).
  auto now = ensure_compile_time_eval();
  const Array mask = mask_function(ones({n, n}, DType::int32), k);
  if (mask.is_tracer()) throw ConcretizationError("mask_indices", "the mask function must give a concrete array");
  const auto values = astype(mask, DType::int32).to_vector<std::int32_t>();
  std::vector<std::int64_t> rows, cols;
  for (std::int64_t i = 0; i < n * n; ++i) {
    if (values[static_cast<std::size_t>(i)] != 0) {
      rows.push_back(i / n);
      cols.push_back(i % n);
    }
  }
  return {index_array(rows), index_array(cols)};
}

Array fill_diagonal_function::operator()(const Array& x, const Array& val, FillDiagonalOptions options, Loc loc) const {
  CallSite site(loc);
  if (x.ndim() < 2) throw ShapeError("fill_diagonal", "needs an array of rank 2 or more");
  if (x.ndim() > 2) {
    for (int d = 1; d < x.ndim(); ++d) {
      if (x.shape()[d] != x.shape()[0]) {
        throw ShapeError("fill_diagonal", fmt::format("all dimensions of an array of rank > 2 must be equal, got {}",
                                                      x.shape().to_string()));
      }
    }
  }
  // NumPy walks the flattened array with a stride of (1 + sum of the strides' cumulative products): the
  // positions are 0, step, 2 step, ..., stopping at the end of the square part unless wrap.
  const Shape& s = x.shape();
  std::int64_t step = 1, product = 1;
  for (int d = s.ndim() - 1; d > 0; --d) {
    product *= s[d];
    step += product;
  }
  std::int64_t end = x.size();
  if (!options.wrap && x.ndim() == 2) end = std::min(x.size(), s[1] * s[1]);
  std::vector<std::int64_t> positions;
  for (std::int64_t p = 0; p < end; p += step) positions.push_back(p);
  const auto count = static_cast<std::int64_t>(positions.size());
  // val is flattened and cycled over the positions.
  const Array values = ravel(ops::convert_to(val, x.type().promotion_type()));
  if (values.size() == 0) throw ValueError("fill_diagonal", "val is empty");
  const Array filled = resize(values, {count});
  return reshape(ravel(x).at(index_array(positions)).set(filled), s);
}

// --- Grids ------------------------------------------------------------------------------------------

Array indices_function::operator()(const Shape& dimensions, std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  const DType type = dtype.value_or(default_int_dtype());
  std::vector<Array> grids;
  for (int d = 0; d < dimensions.ndim(); ++d) grids.push_back(lax::broadcasted_iota(type, dimensions, d));
  if (grids.empty()) return zeros({0}, type);
  return stack(grids, 0);
}

std::vector<Array> meshgrid_function::operator()(const std::vector<Array>& xs, MeshgridOptions options, Loc loc) const {
  CallSite site(loc);
  if (options.indexing != "xy" && options.indexing != "ij") {
    throw ValueError("meshgrid", fmt::format("indexing must be \"xy\" or \"ij\", got \"{}\"", options.indexing));
  }
  const auto n = static_cast<int>(xs.size());
  std::vector<std::int64_t> sizes;
  for (const Array& x : xs) sizes.push_back(x.size());
  // With "xy", the first two output axes are swapped.
  const bool swap = options.indexing == "xy" && n >= 2;
  if (swap) std::swap(sizes[0], sizes[1]);
  std::vector<Array> grids;
  for (int i = 0; i < n; ++i) {
    const int axis = swap && i < 2 ? 1 - i : i;
    std::vector<std::int64_t> open(static_cast<std::size_t>(n), 1);
    open[static_cast<std::size_t>(axis)] = xs[static_cast<std::size_t>(i)].size();
    const Array shaped = reshape(xs[static_cast<std::size_t>(i)], Shape(open));
    grids.push_back(options.sparse ? shaped : broadcast_to(shaped, Shape(sizes)));
  }
  return grids;
}

Array mgrid_function::operator()(const std::vector<Slice>& slices, Loc loc) const {
  CallSite site(loc);
  if (slices.size() == 1) return slice_range("mgrid", slices[0]);
  std::vector<Array> ranges;
  for (const Slice& s : slices) ranges.push_back(slice_range("mgrid", s));
  if (ranges.empty()) return zeros({0}, default_int_dtype());
  return stack(meshgrid(ranges, {.indexing = "ij"}), 0);
}

std::vector<Array> ogrid_function::operator()(const std::vector<Slice>& slices, Loc loc) const {
  CallSite site(loc);
  std::vector<Array> ranges;
  for (const Slice& s : slices) ranges.push_back(slice_range("ogrid", s));
  if (ranges.size() == 1) return ranges;
  return meshgrid(ranges, {.sparse = true, .indexing = "ij"});
}

std::vector<Array> ix__function::operator()(const std::vector<Array>& xs, Loc loc) const {
  CallSite site(loc);
  const auto n = xs.size();
  std::vector<Array> out;
  for (std::size_t i = 0; i < n; ++i) {
    const Array& x = xs[i];
    if (x.ndim() != 1)
      throw ShapeError("ix_", fmt::format("arguments must be 1-D, argument {} is {}", i, x.shape().to_string()));
    if (!is_integer(x.dtype()) && x.dtype() != DType::bool_) {
      throw DTypeError(
          "ix_", fmt::format("arguments must be integer or bool arrays, argument {} is {}", i, dtype_name(x.dtype())));
    }
    std::vector<std::int64_t> shape(n, 1);
    shape[i] = x.size();
    out.push_back(reshape(x, Shape(shape)));
  }
  return out;
}

// --- Structured matrices ----------------------------------------------------------------------------

Array kron_function::operator()(const Array& a, const Array& b, Loc loc) const {
  CallSite site(loc);
  // Both brought to the same rank (leading ones), then a's axes interleaved with b's: the product of
  // a[..., i, ...] and b[..., k, ...] lands at [..., i * len_b + k, ...].
  const int ndim = std::max(a.ndim(), b.ndim());
  auto lift = [ndim](const Array& x) {
    std::vector<std::int64_t> shape(static_cast<std::size_t>(ndim - x.ndim()), 1);
    for (std::int64_t d : x.shape()) shape.push_back(d);
    return reshape(x, Shape(shape));
  };
  const Array la = lift(a), lb = lift(b);
  std::vector<std::int64_t> a_shape, b_shape, result;
  for (int d = 0; d < ndim; ++d) {
    a_shape.insert(a_shape.end(), {la.shape()[d], 1});
    b_shape.insert(b_shape.end(), {1, lb.shape()[d]});
    result.push_back(la.shape()[d] * lb.shape()[d]);
  }
  return reshape(multiply(reshape(la, Shape(a_shape)), reshape(lb, Shape(b_shape))), Shape(result));
}

Array vander_function::operator()(const Array& x, std::optional<std::int64_t> n, bool increasing, Loc loc) const {
  CallSite site(loc);
  if (x.ndim() != 1) throw ShapeError("vander", fmt::format("x must be 1-D, got {}", x.shape().to_string()));
  const std::int64_t columns = checked_size("vander", n.value_or(x.size()), "N");
  // Powers by cumulative products (exact for integers), x^0 = 1 first.
  const Array lifted = x.dtype() == DType::bool_ ? astype(x, default_int_dtype()) : x;
  Array powers =
      concatenate({ones_like(reshape(lifted, {x.size(), 1})),
                   broadcast_to(reshape(lifted, {x.size(), 1}), {x.size(), std::max<std::int64_t>(columns - 1, 0)})},
                  1);
  powers = cumprod(powers, 1);
  return increasing ? powers : flip(powers, 1);
}

Array matvec_function::operator()(const Array& a, const Array& v, Loc loc) const {
  CallSite site(loc);
  if (a.ndim() < 2 || v.ndim() < 1) {
    throw ShapeError("matvec", fmt::format("needs a matrix and a vector, got {} and {}", a.shape().to_string(),
                                           v.shape().to_string()));
  }
  return squeeze(matmul(a, expand_dims(v, -1)), -1);
}

Array vecmat_function::operator()(const Array& v, const Array& a, Loc loc) const {
  CallSite site(loc);
  if (a.ndim() < 2 || v.ndim() < 1) {
    throw ShapeError("vecmat", fmt::format("needs a vector and a matrix, got {} and {}", v.shape().to_string(),
                                           a.shape().to_string()));
  }
  return squeeze(matmul(expand_dims(conj(v), -2), a), -2);
}

// --- From functions, bytes and text -----------------------------------------------------------------

Array fromfunction_function::operator()(const std::function<Array(const std::vector<Array>&)>& f, const Shape& shape,
                                        std::optional<DType> dtype, Loc loc) const {
  CallSite site(loc);
  const DType type = dtype.value_or(default_float_dtype());
  std::vector<Array> grids;
  for (int d = 0; d < shape.ndim(); ++d) grids.push_back(lax::broadcasted_iota(type, shape, d));
  return f(grids);
}

Array frombuffer_function::operator()(std::span<const std::byte> buffer, DType dtype, std::int64_t count,
                                      std::int64_t offset, Loc loc) const {
  CallSite site(loc);
  const auto size = static_cast<std::int64_t>(itemsize(dtype));
  const auto available = static_cast<std::int64_t>(buffer.size()) - offset;
  if (offset < 0 || available < 0) {
    throw ValueError("frombuffer", fmt::format("offset {} is outside the buffer of {} bytes", offset, buffer.size()));
  }
  if (count < 0) {
    if (available % size != 0) {
      throw ValueError("frombuffer",
                       fmt::format("buffer size {} must be a multiple of the element size {}", available, size));
    }
    count = available / size;
  } else if (count * size > available) {
    throw ValueError("frombuffer", fmt::format("buffer is smaller than requested size: {} bytes for {} elements of {}",
                                               available, count, dtype_name(dtype)));
  }
  // Read as a file's bytes are (jx::io): bools normalized, the dtype canonicalized as jnp.asarray does.
  auto data = io::allocate_for_reading(dtype, Shape{count});
  std::memcpy(data->data(), buffer.data() + offset, static_cast<std::size_t>(count * size));
  return io::finish_read(std::move(data));
}

Array fromstring_function::operator()(std::string_view text, DType dtype, std::int64_t count, std::string_view sep,
                                      Loc loc) const {
  CallSite site(loc);
  if (sep.empty()) throw ValueError("fromstring", "sep must be given: binary mode is frombuffer's");
  // Whitespace separators match any run of whitespace, as NumPy's.
  const bool whitespace = sep.find_first_not_of(" \t\n\r") == std::string_view::npos;
  std::vector<double> values;
  std::size_t position = 0;
  auto skip_space = [&] {
    while (position < text.size() && std::isspace(static_cast<unsigned char>(text[position]))) ++position;
  };
  while (count < 0 || static_cast<std::int64_t>(values.size()) < count) {
    skip_space();
    if (position >= text.size()) break;
    double value = 0;
    const auto [end, error] = std::from_chars(text.data() + position, text.data() + text.size(), value);
    if (error != std::errc()) {
      throw ValueError("fromstring", fmt::format("cannot parse a number at offset {} of the text", position));
    }
    values.push_back(value);
    position = static_cast<std::size_t>(end - text.data());
    skip_space();
    if (position >= text.size()) break;
    if (!whitespace) {
      if (text.substr(position, sep.size()) != sep) {
        throw ValueError("fromstring", fmt::format("expected the separator \"{}\" at offset {}", sep, position));
      }
      position += sep.size();
    }
  }
  if (count >= 0 && static_cast<std::int64_t>(values.size()) < count) {
    throw ValueError("fromstring", fmt::format("the text holds {} numbers, {} were requested", values.size(), count));
  }
  return array(values, dtype);
}

}  // namespace jx::numpy
