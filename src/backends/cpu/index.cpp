// Indexed reads and writes: gather, scatter, dynamic slices, sort.
//
// gather/scatter here are "take_along_axis with broadcasting indices": out[..., j, ...] =
// x[..., indices[..., j, ...], ...] along one axis, where the index array may have size 1 on the other
// axes. Gathers clamp indices into range; scatters drop out-of-range updates — JAX's defaults, so
// eager and jitted code agree and no index can read or write outside a buffer.
#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>
#include <numeric>
#include <vector>

#include "backends/cpu/dispatch.h"
#include "backends/cpu/kernels.h"

namespace jx::cpu {
namespace {

std::int64_t read_index(const ConcreteArray& indices, std::int64_t offset) {
  std::int64_t value = 0;
  visit_dtype(indices.type().dtype, [&]<class T>(TypeTag<T>) {
    if constexpr (std::is_integral_v<T>) value = static_cast<std::int64_t>(indices.data_as<T>()[offset]);
  });
  return value;
}

// Walks the elements of `shape` in row-major order, tracking the element offsets into x (with the
// gather axis contributing nothing) and into the indices (size-1 axes broadcast).
template <class Visit>
void for_each_gather_position(const Shape& shape, int axis, const Strides& x_strides, const ConcreteArray& indices,
                              Visit&& visit) {
  const int ndim = shape.ndim();
  const std::int64_t n = shape.num_elements();
  Strides index_strides(static_cast<std::size_t>(ndim), 0);
  for (int d = 0; d < ndim; ++d) {
    index_strides[static_cast<std::size_t>(d)] =
        indices.type().shape[d] == 1 ? 0 : indices.strides()[static_cast<std::size_t>(d)];
  }
  SmallVector<std::int64_t, 6> position(static_cast<std::size_t>(ndim), 0);
  std::int64_t x_offset = 0, index_offset = 0;
  for (std::int64_t flat = 0; flat < n; ++flat) {
    visit(flat, x_offset, index_offset);
    for (int d = ndim - 1; d >= 0; --d) {
      const auto du = static_cast<std::size_t>(d);
      const std::int64_t x_step = d == axis ? 0 : x_strides[du];
      if (++position[du] < shape[d]) {
        x_offset += x_step;
        index_offset += index_strides[du];
        break;
      }
      x_offset -= (shape[d] - 1) * x_step;
      index_offset -= (shape[d] - 1) * index_strides[du];
      position[du] = 0;
    }
  }
}

// When the indices have size 1 on every axis after `axis` (jnp.take along an axis: one index per row
// of trailing elements) and those trailing axes of x are one contiguous run in the same order as in
// the result, each index moves a whole run. Element by element, taking 4096 rows of 512 float32 ran
// 13x slower than copying the rows by hand. Returns the run length, or 0 when the fast path does not
// apply.
std::int64_t trailing_run(const Shape& shape, int axis, const ConcreteArray& indices, const Shape& x_shape,
                          const Strides& x_strides) {
  std::int64_t run = 1;
  for (int d = shape.ndim() - 1; d > axis; --d) {
    const auto du = static_cast<std::size_t>(d);
    if (indices.type().shape[d] != 1 || shape[d] != x_shape[d]) return 0;
    if (shape[d] != 1 && x_strides[du] != run) return 0;
    run *= shape[d];
  }
  return run;
}

// The leading axes, up to and including `axis`: the positions at which a run starts.
Shape leading_shape(const Shape& shape, int axis) {
  Shape leading;
  for (int d = 0; d <= axis; ++d) leading.push_back(shape[d]);
  return leading;
}

constexpr std::int64_t kMinRun = 8;  // shorter runs: the element walk costs as little

}  // namespace

Array gather(const Array& x, const Array& indices, int axis, const ArrayType& out_type) {
  const ConcreteArray& source = concrete(x);
  const ConcreteArray& index = concrete(indices);
  const std::int64_t limit = source.type().shape[axis];
  const std::int64_t axis_stride = source.strides()[static_cast<std::size_t>(axis)];
  auto out = allocate_array(out_type);
  if (out_type.num_elements() == 0) return wrap(std::move(out));
  const std::size_t size = itemsize(out_type.dtype);
  const std::int64_t run = trailing_run(out_type.shape, axis, index, source.type().shape, source.strides());
  if (run >= kMinRun) {
    const std::byte* src = source.data();
    std::byte* dst = out->data();
    const auto run_bytes = static_cast<std::size_t>(run) * size;
    for_each_gather_position(
        leading_shape(out_type.shape, axis), axis, source.strides(), index,
        [&](std::int64_t row, std::int64_t x_offset, std::int64_t index_offset) {
          const std::int64_t i = std::clamp<std::int64_t>(read_index(index, index_offset), 0, limit - 1);
          std::memcpy(dst + static_cast<std::size_t>(row) * run_bytes,
                      src + (x_offset + i * axis_stride) * static_cast<std::int64_t>(size), run_bytes);
        });
    return wrap(std::move(out));
  }
  visit_itemsize(size, [&]<class T>(TypeTag<T>) {
    const T* src = source.data_as<T>();
    T* dst = out->data_as<T>();
    for_each_gather_position(out_type.shape, axis, source.strides(), index,
                             [&](std::int64_t flat, std::int64_t x_offset, std::int64_t index_offset) {
                               const std::int64_t i =
                                   std::clamp<std::int64_t>(read_index(index, index_offset), 0, limit - 1);
                               dst[flat] = src[x_offset + i * axis_stride];
                             });
  });
  return wrap(std::move(out));
}

namespace {

template <class T>
T combine_update(ScatterMode mode, T old, T update) {
  if constexpr (std::is_same_v<T, bool>) {
    switch (mode) {
      case ScatterMode::set:
        return update;
      case ScatterMode::add:
      case ScatterMode::max:
        return old || update;
      case ScatterMode::mul:
      case ScatterMode::min:
        return old && update;
    }
  } else if constexpr (is_complex_v<T>) {
    // Complex numbers have no order: Scatter::infer allows set, add and mul only.
    switch (mode) {
      case ScatterMode::add:
        return old + update;
      case ScatterMode::mul:
        return old * update;
      default:
        return update;
    }
  } else if constexpr (is_half_v<T>) {
    const float a = static_cast<float>(old), b = static_cast<float>(update);
    switch (mode) {
      case ScatterMode::set:
        return update;
      case ScatterMode::add:
        return T(a + b);
      case ScatterMode::mul:
        return T(a * b);
      case ScatterMode::min:
        return (a <= b || a != a) ? old : update;
      case ScatterMode::max:
        return (a >= b || a != a) ? old : update;
    }
  } else {
    using W = wrapping_t<T>;
    switch (mode) {
      case ScatterMode::set:
        return update;
      case ScatterMode::add:
        return static_cast<T>(static_cast<W>(old) + static_cast<W>(update));
      case ScatterMode::mul:
        return static_cast<T>(static_cast<W>(old) * static_cast<W>(update));
      case ScatterMode::min:
        return (old <= update || old != old) ? old : update;
      case ScatterMode::max:
        return (old >= update || old != old) ? old : update;
    }
  }
  return update;
}

}  // namespace

Array scatter(ScatterMode mode, const Array& x, const Array& indices, const Array& updates, int axis,
              const ArrayType& out_type, bool in_place) {
  Array result = x;
  if (!in_place || !concrete(x).is_contiguous()) {
    result = Array(allocate_array(out_type));
    copy_to(concrete(x), concrete(result).data());
  }
  const ConcreteArray& target = concrete(result);
  const Array dense_updates = contiguous(updates);
  const ConcreteArray& index = concrete(indices);
  const std::int64_t limit = out_type.shape[axis];
  const Strides target_strides = row_major_strides(out_type.shape);
  const std::int64_t axis_stride = target_strides[static_cast<std::size_t>(axis)];
  const Shape& update_shape = updates.shape();
  if (update_shape.num_elements() == 0) return result;
  const std::int64_t run = trailing_run(update_shape, axis, index, out_type.shape, target_strides);
  visit_numeric_dtype(out_type.dtype, [&]<class T>(TypeTag<T>) {
    T* dst = target.data_as<T>();
    const T* src = concrete(dense_updates).data_as<T>();
    if (run >= kMinRun) {
      for_each_gather_position(leading_shape(update_shape, axis), axis, target_strides, index,
                               [&](std::int64_t row, std::int64_t x_offset, std::int64_t index_offset) {
                                 const std::int64_t i = read_index(index, index_offset);
                                 if (i < 0 || i >= limit) return;  // out of range: dropped
                                 T* slots = dst + x_offset + i * axis_stride;
                                 const T* values = src + row * run;
                                 if (mode == ScatterMode::set) {
                                   std::copy_n(values, run, slots);
                                 } else {
                                   for (std::int64_t k = 0; k < run; ++k)
                                     slots[k] = combine_update(mode, slots[k], values[k]);
                                 }
                               });
      return;
    }
    for_each_gather_position(update_shape, axis, target_strides, index,
                             [&](std::int64_t flat, std::int64_t x_offset, std::int64_t index_offset) {
                               const std::int64_t i = read_index(index, index_offset);
                               if (i < 0 || i >= limit) return;  // out of range: dropped
                               T& slot = dst[x_offset + i * axis_stride];
                               slot = combine_update(mode, slot, src[flat]);
                             });
  });
  return result;
}

Array dynamic_slice(const Array& x, std::span<const std::int64_t> starts, const Shape& sizes) {
  const ConcreteArray& source = concrete(x);
  const Shape& shape = source.type().shape;
  std::int64_t offset = source.offset();
  for (int d = 0; d < shape.ndim(); ++d) {
    const std::int64_t start = std::clamp<std::int64_t>(starts[static_cast<std::size_t>(d)], 0, shape[d] - sizes[d]);
    offset += start * source.strides()[static_cast<std::size_t>(d)];
  }
  return contiguous(
      make_view(source, ArrayType{sizes, source.type().dtype, source.type().weak}, source.strides(), offset));
}

Array dynamic_update_slice(const Array& x, const Array& update, std::span<const std::int64_t> starts, bool in_place) {
  Array result = (in_place && concrete(x).is_contiguous()) ? x : Array(allocate_array(x.type()));
  if (result.impl() != x.impl()) copy_to(concrete(x), concrete(result).data());
  const ConcreteArray& target = concrete(result);
  const Shape& shape = x.shape();
  const Shape& sizes = update.shape();
  const Strides strides = row_major_strides(shape);
  std::int64_t offset = 0;
  for (int d = 0; d < shape.ndim(); ++d) {
    const std::int64_t start = std::clamp<std::int64_t>(starts[static_cast<std::size_t>(d)], 0, shape[d] - sizes[d]);
    offset += start * strides[static_cast<std::size_t>(d)];
  }
  const ConcreteArray window(ArrayType{sizes, x.dtype()}, target.buffer(), strides, target.offset() + offset);
  // Copy the update into the window row by row (the window is a strided view of the result).
  const Array dense = contiguous(update);
  const std::size_t size = itemsize(x.dtype());
  const std::int64_t n = sizes.num_elements();
  if (n == 0) return result;
  const std::int64_t inner = sizes.ndim() ? sizes[sizes.ndim() - 1] : 1;
  SmallVector<std::int64_t, 6> position(static_cast<std::size_t>(sizes.ndim()), 0);
  for (std::int64_t flat = 0; flat < n; flat += inner) {
    std::int64_t window_offset = 0;
    for (int d = 0; d < sizes.ndim(); ++d)
      window_offset += position[static_cast<std::size_t>(d)] * strides[static_cast<std::size_t>(d)];
    std::memcpy(window.data() + window_offset * static_cast<std::int64_t>(size),
                concrete(dense).data() + flat * static_cast<std::int64_t>(size),
                static_cast<std::size_t>(inner) * size);
    for (int d = sizes.ndim() - 2; d >= 0; --d) {
      if (++position[static_cast<std::size_t>(d)] < sizes[d]) break;
      position[static_cast<std::size_t>(d)] = 0;
    }
  }
  return result;
}

namespace {

// Strict weak order with NaN after everything, as JAX sorts.
template <class T>
bool less_with_nan_last(T a, T b) {
  if constexpr (std::is_floating_point_v<T> || is_half_v<T>) {
    const auto fa = static_cast<double>(static_cast<std::conditional_t<is_half_v<T>, float, T>>(a));
    const auto fb = static_cast<double>(static_cast<std::conditional_t<is_half_v<T>, float, T>>(b));
    if (std::isnan(fa)) return false;
    if (std::isnan(fb)) return true;
    return fa < fb;
  } else {
    return a < b;
  }
}

// Complex numbers in NumPy's (and JAX's) lexicographic order: by real part, then imaginary part.
template <class R>
bool less_with_nan_last(std::complex<R> a, std::complex<R> b) {
  if (less_with_nan_last(a.real(), b.real())) return true;
  if (less_with_nan_last(b.real(), a.real())) return false;
  return less_with_nan_last(a.imag(), b.imag());
}

}  // namespace

std::vector<Array> sort(std::span<const Array> operands, int axis, int num_keys) {
  const Shape& shape = operands[0].shape();
  const std::int64_t length = shape[axis];
  std::int64_t inner = 1;
  for (int d = axis + 1; d < shape.ndim(); ++d) inner *= shape[d];
  const std::int64_t outer = (length * inner != 0) ? shape.num_elements() / (length * inner) : 0;
  std::vector<Array> dense, results;
  for (const Array& operand : operands) {
    dense.push_back(contiguous(operand));
    results.push_back(Array(allocate_array(ArrayType{shape, operand.dtype(), operand.weak_type()})));
  }
  std::vector<std::int64_t> order(static_cast<std::size_t>(length));
  for (std::int64_t o = 0; o < outer; ++o) {
    for (std::int64_t k = 0; k < inner; ++k) {
      const std::int64_t base = o * length * inner + k;
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(), [&](std::int64_t i, std::int64_t j) {
        for (int key = 0; key < num_keys; ++key) {
          bool less = false, greater = false;
          visit_numeric_dtype(dense[static_cast<std::size_t>(key)].dtype(), [&]<class T>(TypeTag<T>) {
            const T* data = concrete(dense[static_cast<std::size_t>(key)]).data_as<T>();
            const T a = data[base + i * inner], b = data[base + j * inner];
            less = less_with_nan_last(a, b);
            greater = less_with_nan_last(b, a);
          });
          if (less) return true;
          if (greater) return false;
        }
        return false;
      });
      for (std::size_t op = 0; op < operands.size(); ++op) {
        const std::size_t size = itemsize(operands[op].dtype());
        const std::byte* src = concrete(dense[op]).data();
        std::byte* dst = concrete(results[op]).data();
        for (std::int64_t s = 0; s < length; ++s) {
          std::memcpy(dst + (base + s * inner) * static_cast<std::int64_t>(size),
                      src + (base + order[static_cast<std::size_t>(s)] * inner) * static_cast<std::int64_t>(size),
                      size);
        }
      }
    }
  }
  return results;
}

}  // namespace jx::cpu
