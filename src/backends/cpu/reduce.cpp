// Reductions, arg-reductions and cumulative reductions.
//
// Sums are numerically careful: float32 (and float16/bfloat16) accumulate in float64 (float32 for the
// halves) across 16 independent lanes, so error does not grow with the length of the row; float64
// sums use 16 lanes of float64, combined pairwise. Reducing trailing axes walks contiguous rows;
// reducing leading axes accumulates whole rows into the output (column sums); any other layout is
// first copied into reduced-axes-last order.
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <numeric>

#include "backends/cpu/dispatch.h"
#include "backends/cpu/kernels.h"
#include "backends/cpu/strided.h"
#include "backends/cpu/thread_pool.h"

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

// Reduces n elements at p with the given element step, in 16 independent lanes.
template <class T>
Accumulator<T> reduce_run(ReduceOp op, const T* p, std::int64_t n, std::int64_t step) {
  using Acc = Accumulator<T>;
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
  if (inner.dims.size() == 1) {
    // Each output reduces one strided run: rows (step 1) or columns.
    const std::int64_t step = inner.strides[0];
    if (num_out == 1 && num_reduced > (std::int64_t{1} << 16)) {
      // One long run: split it over the threads, then combine the partial results in order.
      const int parts = num_threads();
      auto partial = std::make_unique<Acc[]>(static_cast<std::size_t>(parts));
      std::fill_n(partial.get(), parts, identity<Acc>(op));
      parallel_for(parts, 1, [&](std::int64_t first, std::int64_t last) {
        for (std::int64_t part = first; part < last; ++part) {
          const std::int64_t begin = num_reduced * part / parts, end = num_reduced * (part + 1) / parts;
          partial[static_cast<std::size_t>(part)] = reduce_run(op, base + begin * step, end - begin, step);
        }
      });
      Acc total = identity<Acc>(op);
      for (int part = 0; part < parts; ++part) total = combine(op, total, partial[static_cast<std::size_t>(part)]);
      result[0] = narrow<T>(total);
      return;
    }
    const bool column_sums = step != 1 && kept.dims.size() == 1 && kept.strides[0] == 1;
    if (!column_sums) {
      parallel_for(num_out, std::max<std::int64_t>(1, (std::int64_t{1} << 15) / num_reduced),
                   [&](std::int64_t begin, std::int64_t end) {
                     std::int64_t out_index = begin;
                     for_each_run(kept, begin, end - begin,
                                  [&](std::int64_t offset, std::int64_t kept_step, std::int64_t length) {
                                    for (std::int64_t i = 0; i < length; ++i) {
                                      result[out_index++] =
                                          narrow<T>(reduce_run(op, base + offset + i * kept_step, num_reduced, step));
                                    }
                                  });
                   });
      return;
    }
  }
  if (kept.dims.size() == 1 && kept.strides[0] == 1) {
    // Reducing leading axes of a layout whose kept axis is contiguous: accumulate whole rows.
    auto acc = std::make_unique<Acc[]>(static_cast<std::size_t>(num_out));  // not vector: vector<bool>
    std::fill_n(acc.get(), num_out, identity<Acc>(op));
    for_each_run(inner, 0, num_reduced, [&](std::int64_t offset, std::int64_t step, std::int64_t length) {
      for (std::int64_t r = 0; r < length; ++r) {
        const T* row = base + offset + r * step;
        for (std::int64_t k = 0; k < num_out; ++k)
          acc[static_cast<std::size_t>(k)] = combine(op, acc[static_cast<std::size_t>(k)], widen(row[k]));
      }
    });
    for (std::int64_t k = 0; k < num_out; ++k) result[k] = narrow<T>(acc[static_cast<std::size_t>(k)]);
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
  auto dense = std::make_unique<T[]>(static_cast<std::size_t>(permuted_shape.num_elements()));
  copy_to(view, reinterpret_cast<std::byte*>(dense.get()));
  parallel_for(num_out, std::max<std::int64_t>(1, (std::int64_t{1} << 15) / num_reduced),
               [&](std::int64_t begin, std::int64_t end) {
                 for (std::int64_t k = begin; k < end; ++k)
                   result[k] = narrow<T>(reduce_run(op, dense.get() + k * num_reduced, num_reduced, 1));
               });
}

// Moves `axis` last and returns a contiguous copy, with rows of length shape[axis].
Array axis_last_contiguous(const Array& x, int axis) {
  const ConcreteArray& source = concrete(x);
  const Shape& shape = source.type().shape;
  if (axis == shape.ndim() - 1) return contiguous(x);
  Shape permuted_shape;
  Strides permuted_strides;
  for (int d = 0; d < shape.ndim(); ++d) {
    if (d == axis) continue;
    permuted_shape.push_back(shape[d]);
    permuted_strides.push_back(source.strides()[static_cast<std::size_t>(d)]);
  }
  permuted_shape.push_back(shape[axis]);
  permuted_strides.push_back(source.strides()[static_cast<std::size_t>(axis)]);
  return contiguous(
      make_view(source, ArrayType{permuted_shape, source.type().dtype}, permuted_strides, source.offset()));
}

}  // namespace

Array reduce(ReduceOp op, const Array& x, std::span<const int> axes, const ArrayType& out_type) {
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
  const Array dense = contiguous(x);
  auto out = allocate_array(out_type);
  const Shape& shape = out_type.shape;
  std::int64_t inner = 1;
  for (int d = axis + 1; d < shape.ndim(); ++d) inner *= shape[d];
  const std::int64_t length = shape[axis];
  const std::int64_t outer = (length * inner != 0) ? out_type.num_elements() / (length * inner) : 0;
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
