// Reductions, arg-reductions and cumulative reductions.
//
// Sums are numerically careful: contiguous float32 rows add blocks of 256 elements in float32 and
// the block totals in float64 (sum_float32_run), other float32 layouts (and float16/bfloat16)
// accumulate in float64 (float32 for the halves) across 16 independent lanes, so error does not
// grow with the length of the row; float64 sums use 16 lanes of float64, combined pairwise.
// Reducing trailing axes walks contiguous rows; reducing leading axes accumulates whole rows into a
// block of accumulators (column sums, in float64 for float32); any other layout is first copied
// into reduced-axes-last order. Work is split over threads by a partition that depends on the shape
// alone (rows cut into chunks of 2^16 elements, leading axes into chunks of 1024 rows, partial
// results combined in a fixed order), so results are bit-identical whatever the number of threads.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <numeric>

#include "backends/cpu/dispatch.h"
#include "backends/cpu/kernels.h"
#include "backends/cpu/scratch.h"
#include "backends/cpu/strided.h"
#include "backends/cpu/thread_pool.h"
#include "core/buffer.h"

namespace jx::cpu {
namespace {

// The type reductions accumulate in.
template <class T>
using Accumulator = std::conditional_t<std::is_same_v<T, float>, double, std::conditional_t<is_half_v<T>, float, T>>;

template <class Acc>
Acc identity(ReduceOp op) {
  switch (op) {
    case ReduceOp::sum:
      return Acc(0);
    case ReduceOp::prod:
      return Acc(1);
    case ReduceOp::max:
      if constexpr (std::is_floating_point_v<Acc>)
        return -std::numeric_limits<Acc>::infinity();
      else
        return std::numeric_limits<Acc>::lowest();
    case ReduceOp::min:
      if constexpr (std::is_floating_point_v<Acc>)
        return std::numeric_limits<Acc>::infinity();
      else
        return std::numeric_limits<Acc>::max();
    case ReduceOp::and_:
      return Acc(1);
    case ReduceOp::or_:
      return Acc(0);
  }
  return Acc(0);
}

template <class Acc>
Acc combine(ReduceOp op, Acc a, Acc b) {
  if constexpr (std::is_same_v<Acc, bool>) {
    return (op == ReduceOp::and_ || op == ReduceOp::min || op == ReduceOp::prod) ? (a && b) : (a || b);
  } else if constexpr (std::is_integral_v<Acc>) {
    using U = std::make_unsigned_t<Acc>;
    switch (op) {
      case ReduceOp::sum:
        return static_cast<Acc>(static_cast<U>(a) + static_cast<U>(b));
      case ReduceOp::prod:
        return static_cast<Acc>(static_cast<U>(a) * static_cast<U>(b));
      case ReduceOp::max:
        return a > b ? a : b;
      case ReduceOp::min:
        return a < b ? a : b;
      case ReduceOp::and_:
        return static_cast<Acc>(a & b);
      case ReduceOp::or_:
        return static_cast<Acc>(a | b);
    }
    return a;
  } else {
    switch (op) {
      case ReduceOp::sum:
        return a + b;
      case ReduceOp::prod:
        return a * b;
      case ReduceOp::max:
        return (a >= b || a != a) ? a : b;  // NaN propagates
      case ReduceOp::min:
        return (a <= b || a != a) ? a : b;
      default:
        return a;
    }
  }
}

template <class T>
Accumulator<T> widen(T x) {
  if constexpr (is_half_v<T>)
    return static_cast<float>(x);
  else
    return static_cast<Accumulator<T>>(x);
}

// Sums n contiguous float32 in blocks of 256: each block is added up in float32 over 64 lanes (four
// elements per lane, then two pairwise folds to 16 lanes), so every block total is a sum of 16
// elements per lane with at most 5 roundings; the block totals accumulate in 16 float64 lanes, whose
// own rounding is negligible. The error is at most ~5 float32 ulps of the sum of |x| over a block,
// whatever n is; and the float32 adds keep up with memory where converting every element to float64
// did not (43 GB/s on one core, in cache, against 86 for this loop).
double sum_float32_run(const float* p, std::int64_t n) {
  constexpr int kLanes = 64, kBlock = 256, kWide = 16;
  double wide[kWide] = {};
  std::int64_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    float block[kLanes];
    for (int j = 0; j < kLanes; ++j) block[j] = p[i + j];
    for (int k = kLanes; k < kBlock; k += kLanes) {
      for (int j = 0; j < kLanes; ++j) block[j] += p[i + k + j];
    }
    for (int j = 0; j < 32; ++j) block[j] += block[j + 32];
    for (int j = 0; j < kWide; ++j) block[j] += block[j + kWide];
    for (int j = 0; j < kWide; ++j) wide[j] += static_cast<double>(block[j]);
  }
  // What is left of a short row (under one block) still goes through the 16 lanes: one scalar chain
  // of float64 adds would take ~4 cycles per element.
  for (; i + kWide <= n; i += kWide) {
    for (int j = 0; j < kWide; ++j) wide[j] += static_cast<double>(p[i + j]);
  }
  double tail = 0;
  for (; i < n; ++i) tail += static_cast<double>(p[i]);
  for (int width = kWide / 2; width > 0; width /= 2) {  // pairwise
    for (int j = 0; j < width; ++j) wide[j] += wide[j + width];
  }
  return wide[0] + tail;
}

// Reduces n elements at p with the given element step, in 16 independent lanes.
template <class T>
Accumulator<T> reduce_run(ReduceOp op, const T* p, std::int64_t n, std::int64_t step) {
  using Acc = Accumulator<T>;
  if constexpr (std::is_same_v<T, float>) {
    if (op == ReduceOp::sum && step == 1) return sum_float32_run(p, n);
  }
  constexpr int kLanes = 16;
  Acc lanes[kLanes];
  std::fill(lanes, lanes + kLanes, identity<Acc>(op));
  std::int64_t i = 0;
  if (step == 1) {
    switch (op) {
      case ReduceOp::sum:
        for (; i + kLanes <= n; i += kLanes) {
          for (int j = 0; j < kLanes; ++j) lanes[j] = combine(ReduceOp::sum, lanes[j], widen(p[i + j]));
        }
        break;
      default:
        for (; i + kLanes <= n; i += kLanes) {
          for (int j = 0; j < kLanes; ++j) lanes[j] = combine(op, lanes[j], widen(p[i + j]));
        }
        break;
    }
  }
  Acc tail = identity<Acc>(op);
  for (; i < n; ++i) tail = combine(op, tail, widen(p[i * step]));
  for (int width = kLanes / 2; width > 0; width /= 2) {  // pairwise
    for (int j = 0; j < width; ++j) lanes[j] = combine(op, lanes[j], lanes[j + width]);
  }
  return combine(op, lanes[0], tail);
}

template <class T>
T narrow(Accumulator<T> value) {
  if constexpr (is_half_v<T>)
    return T(value);
  else
    return static_cast<T>(value);
}

// Combines n partial results pairwise (error grows with log n, not n).
template <class Acc>
Acc combine_pairwise(ReduceOp op, const Acc* values, std::int64_t n) {
  if (n <= 8) {
    Acc total = values[0];
    for (std::int64_t i = 1; i < n; ++i) total = combine(op, total, values[i]);
    return total;
  }
  const std::int64_t half = n / 2;
  return combine(op, combine_pairwise(op, values, half), combine_pairwise(op, values + half, n - half));
}

// acc[k] = acc[k] (op) row[k] for k < n, with the operation chosen outside the loop so it vectorizes.
template <class T>
void accumulate_row(ReduceOp op, Accumulator<T>* acc, const T* row, std::int64_t n) {
  switch (op) {
    case ReduceOp::sum:
      for (std::int64_t k = 0; k < n; ++k) acc[k] = combine(ReduceOp::sum, acc[k], widen(row[k]));
      return;
    case ReduceOp::max:
      for (std::int64_t k = 0; k < n; ++k) acc[k] = combine(ReduceOp::max, acc[k], widen(row[k]));
      return;
    case ReduceOp::min:
      for (std::int64_t k = 0; k < n; ++k) acc[k] = combine(ReduceOp::min, acc[k], widen(row[k]));
      return;
    default:
      for (std::int64_t k = 0; k < n; ++k) acc[k] = combine(op, acc[k], widen(row[k]));
      return;
  }
}

// acc[k] += (row0[k] + row1[k]) + (row2[k] + row3[k]) for float32 rows `step` elements apart: four rows
// per pass over the float64 accumulators, which quarters their loads, stores and conversions (each
// group of four is added in float32 first: two roundings, next to float64's thousands of additions).
void accumulate_four_float32_rows(double* acc, const float* row0, std::int64_t step, std::int64_t n) {
  const float* row1 = row0 + step;
  const float* row2 = row1 + step;
  const float* row3 = row2 + step;
  for (std::int64_t k = 0; k < n; ++k) acc[k] += static_cast<double>((row0[k] + row1[k]) + (row2[k] + row3[k]));
}

// Splits of the reduced axis into chunks of fixed size, so that the partition, and with it every
// rounding, depends on the shape alone: results are the same whatever the number of threads.
constexpr std::int64_t kRunChunk = std::int64_t{1} << 16;  // elements of one row per task
constexpr std::int64_t kRowChunk = 1024;                   // rows per task when reducing leading axes

// Each output reduces one strided run of num_reduced elements: out[o] = reduce(base[offsets[o] +
// i * step]). Long runs are split into fixed chunks whose partial results combine pairwise.
template <class T>
void reduce_runs(ReduceOp op, const T* base, const CollapsedLayout& kept, std::int64_t num_out,
                 std::int64_t num_reduced, std::int64_t step, T* result) {
  using Acc = Accumulator<T>;
  const std::int64_t chunks = (num_reduced + kRunChunk - 1) / kRunChunk;
  if (chunks == 1) {
    parallel_for(
        num_out, std::max<std::int64_t>(1, (std::int64_t{1} << 15) / num_reduced),
        [&](std::int64_t begin, std::int64_t end) {
          std::int64_t out_index = begin;
          for_each_run(kept, begin, end - begin, [&](std::int64_t offset, std::int64_t kept_step, std::int64_t length) {
            for (std::int64_t i = 0; i < length; ++i) {
              result[out_index++] = narrow<T>(reduce_run(op, base + offset + i * kept_step, num_reduced, step));
            }
          });
        });
    return;
  }
  Scratch<std::int64_t> offsets(num_out);
  std::int64_t out_index = 0;
  for_each_run(kept, 0, num_out, [&](std::int64_t offset, std::int64_t kept_step, std::int64_t length) {
    for (std::int64_t i = 0; i < length; ++i) offsets.data()[out_index++] = offset + i * kept_step;
  });
  Scratch<Acc> partial(num_out * chunks);
  parallel_for(num_out * chunks, 1, [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t task = first; task < last; ++task) {
      const std::int64_t o = task / chunks, begin = task % chunks * kRunChunk;
      const std::int64_t length = std::min(kRunChunk, num_reduced - begin);
      partial.data()[task] = reduce_run(op, base + offsets.data()[o] + begin * step, length, step);
    }
  });
  for (std::int64_t o = 0; o < num_out; ++o)
    result[o] = narrow<T>(combine_pairwise(op, partial.data() + o * chunks, chunks));
}

// Reduces leading axes onto a contiguous kept axis (column sums): out[k] = reduce over rows r of
// row_r[k], the rows placed by the `rows` layout. Tasks are (chunk of rows) x (block of columns): each
// accumulates its rows into a block of accumulators that stays in L1, in float64 for float32 data
// (float32 sums four rows at a time). Where the groups of four fall depends on the shape alone.
template <class T>
void reduce_columns(ReduceOp op, const T* base, const CollapsedLayout& rows, std::int64_t num_rows,
                    std::int64_t num_out, T* result) {
  using Acc = Accumulator<T>;
  const std::int64_t row_chunks = (num_rows + kRowChunk - 1) / kRowChunk;
  // Column blocks only change which thread adds what, never the order of the additions. Wide blocks
  // read long runs of each row, which the prefetchers follow: summing axis 0 of 4096 x 4096 float32
  // runs at 47 GB/s with whole rows (4096 columns), 41 GB/s with 2048 and 31 GB/s with 512.
  const int threads = num_threads();
  constexpr std::int64_t kMaxWidth = 4096;  // float64 accumulators: 32 KiB, in L1
  std::int64_t width = std::clamp<std::int64_t>(num_out * row_chunks / threads, 64, kMaxWidth);
  width = std::min(width, num_out);
  const std::int64_t blocks = (num_out + width - 1) / width;
  std::unique_ptr<Scratch<Acc>> partial;
  if (row_chunks > 1) partial = std::make_unique<Scratch<Acc>>(row_chunks * num_out);
  parallel_for(row_chunks * blocks, 1, [&](std::int64_t first, std::int64_t last) {
    Acc acc[kMaxWidth];
    for (std::int64_t task = first; task < last; ++task) {
      const std::int64_t chunk = task / blocks, column = task % blocks * width;
      const std::int64_t columns = std::min(width, num_out - column);
      const std::int64_t row = chunk * kRowChunk;
      std::fill_n(acc, columns, identity<Acc>(op));
      for_each_run(rows, row, std::min(kRowChunk, num_rows - row),
                   [&](std::int64_t offset, std::int64_t step, std::int64_t length) {
                     std::int64_t r = 0;
                     if constexpr (std::is_same_v<T, float>) {
                       if (op == ReduceOp::sum) {
                         for (; r + 4 <= length; r += 4) {
                           accumulate_four_float32_rows(acc, base + offset + r * step + column, step, columns);
                         }
                       }
                     }
                     for (; r < length; ++r) accumulate_row(op, acc, base + offset + r * step + column, columns);
                   });
      if (partial) {
        std::copy_n(acc, columns, partial->data() + chunk * num_out + column);
      } else {
        for (std::int64_t k = 0; k < columns; ++k) result[column + k] = narrow<T>(acc[k]);
      }
    }
  });
  if (!partial) return;
  parallel_for(num_out, 1024, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t k = begin; k < end; ++k) {
      Acc total = partial->data()[k];
      for (std::int64_t chunk = 1; chunk < row_chunks; ++chunk) {
        total = combine(op, total, partial->data()[chunk * num_out + k]);
      }
      result[k] = narrow<T>(total);
    }
  });
}

template <class T>
void reduce_typed(ReduceOp op, const ConcreteArray& x, std::span<const int> axes, ConcreteArray& out) {
  using Acc = Accumulator<T>;
  const Shape& shape = x.type().shape;
  const int ndim = shape.ndim();
  // Permute: kept axes first, then reduced axes.
  std::vector<bool> reduced(static_cast<std::size_t>(ndim), false);
  for (int a : axes) reduced[static_cast<std::size_t>(a)] = true;
  Shape kept_shape, reduced_shape;
  Strides kept_strides, reduced_strides;
  for (int d = 0; d < ndim; ++d) {
    if (reduced[static_cast<std::size_t>(d)]) {
      reduced_shape.push_back(shape[d]);
      reduced_strides.push_back(x.strides()[static_cast<std::size_t>(d)]);
    } else {
      kept_shape.push_back(shape[d]);
      kept_strides.push_back(x.strides()[static_cast<std::size_t>(d)]);
    }
  }
  const CollapsedLayout kept = collapse(kept_shape, kept_strides);
  const CollapsedLayout inner = collapse(reduced_shape, reduced_strides);
  const std::int64_t num_out = kept_shape.num_elements();
  const std::int64_t num_reduced = reduced_shape.num_elements();
  T* result = out.data_as<T>();
  const T* base = x.data_as<T>();

  if (num_reduced == 0 || num_out == 0) {
    std::fill_n(result, num_out, narrow<T>(identity<Acc>(op)));
    return;
  }
  const bool kept_contiguous = kept.dims.size() == 1 && kept.strides[0] == 1;
  if (inner.dims.size() == 1 && (inner.strides[0] == 1 || num_out == 1 || !kept_contiguous)) {
    // Each output reduces one strided run: rows (step 1), or columns when no better order exists.
    reduce_runs(op, base, kept, num_out, num_reduced, inner.strides[0], result);
    return;
  }
  if (kept_contiguous) {
    // Reducing leading axes of a layout whose kept axis is contiguous: accumulate whole rows.
    reduce_columns(op, base, inner, num_reduced, num_out, result);
    return;
  }
  // General layout: copy into (kept..., reduced...) order, then reduce contiguous rows.
  Shape permuted_shape = kept_shape;
  Strides permuted_strides = kept_strides;
  for (int d = 0; d < reduced_shape.ndim(); ++d) {
    permuted_shape.push_back(reduced_shape[d]);
    permuted_strides.push_back(reduced_strides[static_cast<std::size_t>(d)]);
  }
  const ConcreteArray view(ArrayType{permuted_shape, x.type().dtype}, x.buffer(), permuted_strides, x.offset());
  Scratch<T> dense(permuted_shape.num_elements());
  copy_to(view, reinterpret_cast<std::byte*>(dense.data()));
  const CollapsedLayout rows = collapse(Shape{num_out}, Strides{num_reduced});
  reduce_runs(op, dense.data(), rows, num_out, num_reduced, 1, result);
}

// Moves `axes` (sorted) last, in order, and returns a contiguous copy: rows of the axes' elements.
Array axes_last_contiguous(const Array& x, std::span<const int> axes) {
  const ConcreteArray& source = concrete(x);
  const Shape& shape = source.type().shape;
  Shape permuted_shape;
  Strides permuted_strides;
  const auto append = [&](int d) {
    permuted_shape.push_back(shape[d]);
    permuted_strides.push_back(source.strides()[static_cast<std::size_t>(d)]);
  };
  for (int d = 0; d < shape.ndim(); ++d) {
    if (std::find(axes.begin(), axes.end(), d) == axes.end()) append(d);
  }
  for (int d : axes) append(d);
  return contiguous(
      make_view(source, ArrayType{permuted_shape, source.type().dtype}, permuted_strides, source.offset()));
}

// Moves `axis` last and returns a contiguous copy, with rows of length shape[axis].
Array axis_last_contiguous(const Array& x, int axis) {
  if (axis == x.ndim() - 1) return contiguous(x);
  const int axes[] = {axis};
  return axes_last_contiguous(x, axes);
}

}  // namespace

std::size_t reduce_accumulator_size(DType dtype) {
  return visit_dtype(dtype, []<class T>(TypeTag<T>) { return sizeof(Accumulator<T>); });
}

void reduce_run_partial(ReduceOp op, DType dtype, const void* in, std::int64_t n, int step, void* partial) {
  visit_dtype(dtype, [&]<class T>(TypeTag<T>) {
    *static_cast<Accumulator<T>*>(partial) = reduce_run(op, static_cast<const T*>(in), n, step);
  });
}

void reduce_rows(ReduceOp op, DType dtype, const void* in, std::int64_t rows, std::int64_t length, void* out) {
  visit_dtype(dtype, [&]<class T>(TypeTag<T>) {
    const auto* x = static_cast<const T*>(in);
    auto* result = static_cast<T*>(out);
    for (std::int64_t r = 0; r < rows; ++r) result[r] = narrow<T>(reduce_run(op, x + r * length, length, 1));
  });
}

void reduce_partials(ReduceOp op, DType dtype, const void* partials, std::int64_t count, void* out) {
  visit_dtype(dtype, [&]<class T>(TypeTag<T>) {
    const auto* values = static_cast<const Accumulator<T>*>(partials);
    *static_cast<T*>(out) = narrow<T>(count == 0 ? identity<Accumulator<T>>(op) : combine_pairwise(op, values, count));
  });
}

namespace {

// x (complex) seen as its parts: the real dtype, with a trailing axis of 2 (real, imaginary).
Array complex_parts_view(const ConcreteArray& x) {
  Shape shape = x.type().shape;
  shape.push_back(2);
  Strides strides;
  for (std::int64_t stride : x.strides()) strides.push_back(2 * stride);
  strides.push_back(1);
  return make_view(x, ArrayType{shape, real_dtype(x.type().dtype)}, strides, 2 * x.offset());
}

// The reverse: an array of parts (trailing axis of 2, contiguous) as complex numbers.
Array complex_from_parts(const Array& parts, const ArrayType& out_type) {
  const ConcreteArray& c = concrete(contiguous(parts));
  return make_view(c, out_type, row_major_strides(out_type.shape), c.offset() / 2);
}

Array reduce_complex(ReduceOp op, const Array& x, std::span<const int> axes, const ArrayType& out_type) {
  if (op == ReduceOp::sum) {
    // A sum adds the parts separately: the real kernels' careful summation, on both.
    Shape parts_shape = out_type.shape;
    parts_shape.push_back(2);
    const Array parts =
        reduce(op, complex_parts_view(concrete(x)), axes, ArrayType{parts_shape, real_dtype(out_type.dtype)});
    return complex_from_parts(parts, out_type);
  }
  if (op != ReduceOp::prod) throw std::logic_error("jx: only sums and products reduce complex numbers");
  // Products: reduced axes moved last and copied, then each row multiplied out in double precision.
  const Array rows = axes_last_contiguous(x, axes);
  const std::int64_t count = out_type.num_elements();
  const std::int64_t length = count ? x.size() / count : 0;
  auto out = allocate_array(out_type);
  visit_complex_dtype(x.dtype(), [&]<class C>(TypeTag<C>) {
    const C* data = concrete(rows).data_as<C>();
    C* result = out->data_as<C>();
    for (std::int64_t r = 0; r < count; ++r) {
      std::complex<double> product = 1;
      for (std::int64_t i = 0; i < length; ++i) product *= std::complex<double>(data[r * length + i]);
      result[r] = C(product);
    }
  });
  return wrap(std::move(out));
}

// A cumulative operation's lines along `axis`: `outer` blocks of `length` steps, `inner` apart.
struct ScanLines {
  std::int64_t outer, length, inner;
};
ScanLines scan_lines(const Shape& shape, int axis) {
  std::int64_t inner = 1;
  for (int d = axis + 1; d < shape.ndim(); ++d) inner *= shape[d];
  const std::int64_t length = shape[axis];
  const std::int64_t outer = (length * inner != 0) ? shape.num_elements() / (length * inner) : 0;
  return {outer, length, inner};
}

// Running products along `axis`, in the element type, sequentially as NumPy's cumprod.
Array cumulative_complex_product(const Array& x, int axis, bool reverse, const ArrayType& out_type) {
  const Array dense = contiguous(x);
  auto out = allocate_array(out_type);
  const ScanLines lines = scan_lines(out_type.shape, axis);
  const std::int64_t outer = lines.outer, length = lines.length, inner = lines.inner;
  visit_complex_dtype(x.dtype(), [&]<class C>(TypeTag<C>) {
    const C* src = concrete(dense).data_as<C>();
    C* dst = out->data_as<C>();
    for (std::int64_t o = 0; o < outer; ++o) {
      for (std::int64_t k = 0; k < inner; ++k) {
        C running(1);
        for (std::int64_t step = 0; step < length; ++step) {
          const std::int64_t at = (o * length + (reverse ? length - 1 - step : step)) * inner + k;
          running = step == 0 ? src[at] : running * src[at];
          dst[at] = running;
        }
      }
    }
  });
  return wrap(std::move(out));
}

}  // namespace

Array reduce(ReduceOp op, const Array& x, std::span<const int> axes, const ArrayType& out_type) {
  if (is_complex(x.dtype())) return reduce_complex(op, x, axes, out_type);
  auto out = allocate_array(out_type);
  visit_dtype(x.dtype(), [&]<class T>(TypeTag<T>) { reduce_typed<T>(op, concrete(x), axes, *out); });
  return wrap(std::move(out));
}

Array argreduce(bool is_max, const Array& x, int axis, const ArrayType& out_type) {
  const Array rows = axis_last_contiguous(x, axis);
  const std::int64_t length = x.shape()[axis];
  const std::int64_t count = (length != 0) ? x.size() / length : out_type.num_elements();
  auto out = allocate_array(out_type);
  visit_dtype(x.dtype(), [&]<class T>(TypeTag<T>) {
    const T* data = concrete(rows).data_as<T>();
    for (std::int64_t r = 0; r < count; ++r) {
      const T* row = data + r * length;
      std::int64_t best = 0;
      for (std::int64_t i = 1; i < length; ++i) {
        if constexpr (std::is_same_v<T, bool>) {
          if (is_max ? (row[i] && !row[best]) : (!row[i] && row[best])) best = i;
        } else {
          const auto v = widen(row[i]);
          const auto b = widen(row[best]);
          if (b != b) break;  // the first NaN wins
          if (v != v || (is_max ? v > b : v < b)) best = i;
        }
      }
      if (out_type.dtype == DType::int64)
        out->data_as<std::int64_t>()[r] = best;
      else
        out->data_as<std::int32_t>()[r] = static_cast<std::int32_t>(best);
    }
  });
  return wrap(std::move(out));
}

Array cumulative(CumulativeOp op, const Array& x, int axis, bool reverse, const ArrayType& out_type) {
  if (is_complex(x.dtype())) {
    if (op == CumulativeOp::sum) {  // the parts' cumulative sums
      const Array parts = complex_parts_view(concrete(x));
      const Array summed = cumulative(op, parts, axis, reverse, parts.type());
      return complex_from_parts(summed, out_type);
    }
    if (op != CumulativeOp::prod) throw std::logic_error("jx: complex numbers have no cumulative max or min");
    return cumulative_complex_product(x, axis, reverse, out_type);
  }
  const Array dense = contiguous(x);
  auto out = allocate_array(out_type);
  const ScanLines lines = scan_lines(out_type.shape, axis);
  const std::int64_t outer = lines.outer, length = lines.length, inner = lines.inner;
  const ReduceOp reduce_op = op == CumulativeOp::sum    ? ReduceOp::sum
                             : op == CumulativeOp::prod ? ReduceOp::prod
                             : op == CumulativeOp::max  ? ReduceOp::max
                                                        : ReduceOp::min;
  visit_dtype(x.dtype(), [&]<class T>(TypeTag<T>) {
    const T* src = concrete(dense).data_as<T>();
    T* dst = out->data_as<T>();
    for (std::int64_t o = 0; o < outer; ++o) {
      for (std::int64_t k = 0; k < inner; ++k) {
        // Accumulate in the element type, sequentially, as NumPy's cumsum does.
        T running{};
        for (std::int64_t step = 0; step < length; ++step) {
          const std::int64_t i = reverse ? length - 1 - step : step;
          const std::int64_t at = (o * length + i) * inner + k;
          if (step == 0) {
            running = src[at];
          } else if constexpr (is_half_v<T>) {
            running = T(combine<float>(reduce_op, static_cast<float>(running), static_cast<float>(src[at])));
          } else {
            running = combine<T>(reduce_op, running, src[at]);
          }
          dst[at] = running;
        }
      }
    }
  });
  return wrap(std::move(out));
}

}  // namespace jx::cpu
