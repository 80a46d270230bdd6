#include "ir/primitives/reduction.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <numeric>

#include "backends/cpu/lowering.h"
#include "core/array_impl.h"
#include "ir/primitives/rules.h"
#include "jx/core/config.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "trace/trace.h"

namespace jx::primitives {
namespace {

bool accepts(cpu::ReduceOp op, DType dtype) {
  switch (op) {
    case cpu::ReduceOp::and_:
    case cpu::ReduceOp::or_:
      return is_bool(dtype) || is_integer(dtype);
    case cpu::ReduceOp::max:
    case cpu::ReduceOp::min:
      return is_numeric(dtype) && !is_complex(dtype);  // complex numbers have no order
    default:
      return is_numeric(dtype) && !is_bool(dtype);
  }
}

}  // namespace

std::string_view Reduce::name() const {
  switch (op_) {
    case cpu::ReduceOp::sum:
      return "reduce_sum";
    case cpu::ReduceOp::prod:
      return "reduce_prod";
    case cpu::ReduceOp::max:
      return "reduce_max";
    case cpu::ReduceOp::min:
      return "reduce_min";
    case cpu::ReduceOp::and_:
      return "reduce_and";
    case cpu::ReduceOp::or_:
      return "reduce_or";
  }
  return "reduce";
}

TypeList Reduce::infer(std::span<const ArrayType> inputs) const {
  const ArrayType& x = inputs[0];
  if (!accepts(op_, x.dtype))
    throw DTypeError(std::string(name()), fmt::format("does not accept dtype {}", dtype_name(x.dtype)));
  if (op_ == cpu::ReduceOp::sum && (x.dtype == DType::float16 || x.dtype == DType::bfloat16) &&
      !config::allow_f16_reductions()) {
    throw DTypeError(std::string(name()), fmt::format("a sum of {} values, and config::allow_f16_reductions is off; "
                                                      "convert to float32 first",
                                                      dtype_name(x.dtype)));
  }
  Shape shape;
  int previous = -1;
  for (int axis : axes_) {
    if (axis < 0 || axis >= x.ndim() || axis <= previous) {
      throw ShapeError(std::string(name()), fmt::format("axes ({}) must be sorted, unique and within the rank of {}",
                                                        fmt::join(axes_, ", "), x.to_string()));
    }
    previous = axis;
  }
  for (int d = 0; d < x.ndim(); ++d) {
    if (std::find(axes_.begin(), axes_.end(), d) == axes_.end()) shape.push_back(x.shape[d]);
  }
  return {ArrayType{shape, x.dtype, x.weak}};
}

namespace {
// n as a scalar of `dtype`; integers wrap as n repeated additions would (modulo 2^bits, as two's
// complement for signed types).
Array repeat_count(std::int64_t n, DType dtype) {
  if (is_inexact(dtype)) return lax::convert_element_type(Array(static_cast<double>(n)), dtype);
  const std::size_t bits = 8 * itemsize(dtype);
  if (bits >= 64) return lax::convert_element_type(Array(n), dtype);
  std::uint64_t wrapped = static_cast<std::uint64_t>(n) & ((std::uint64_t{1} << bits) - 1);
  if (is_signed_integer(dtype) && wrapped >= (std::uint64_t{1} << (bits - 1))) wrapped -= std::uint64_t{1} << bits;
  // A signed value of at most 32 bits; an unsigned one below 2^32 is made from its two's complement.
  const auto value = static_cast<std::int32_t>(static_cast<std::uint32_t>(wrapped));
  return lax::convert_element_type(Array(value), dtype);
}
}  // namespace

ArrayList Reduce::evaluate(std::span<const Array> inputs) const {
  const ArrayType out = infer(std::array{inputs[0].type()})[0];
  const Array& x = inputs[0];
  // Along an axis where a lazily broadcast input repeats one value (stride 0), a max, min, and or or is
  // that value and a sum is it times the axis's length, as XLA rewrites reduce(broadcast): so reducing
  // jnp::zeros({1 << 20, 1 << 20}) costs what reducing its one element does.
  if (x.is_concrete() && op_ != cpu::ReduceOp::prod) {
    const ConcreteArray& c = concrete(x);
    Shape base_shape = x.shape();
    std::int64_t repeats = 1;
    for (int a : axes_) {
      if (c.strides()[static_cast<std::size_t>(a)] == 0 && x.shape()[a] > 1) {
        repeats *= x.shape()[a];
        base_shape[a] = 1;
      }
    }
    if (repeats > 1) {
      const Array base = make_view(c, ArrayType{base_shape, x.dtype(), x.weak_type()}, c.strides(), c.offset());
      const Array reduced = cpu::reduce(op_, base, axes_, out);
      if (op_ != cpu::ReduceOp::sum) return {reduced};
      // Half-precision types multiply in float32: the count alone may exceed their range (65504 for
      // float16) when the sum does not. The result keeps the reduction's type, weak flag included.
      const DType multiply_in =
          out.dtype == DType::float16 || out.dtype == DType::bfloat16 ? DType::float32 : out.dtype;
      const Array product = lax::convert_element_type(
          lax::mul(lax::convert_element_type(reduced, multiply_in), repeat_count(repeats, multiply_in)), out.dtype);
      return {reinterpreted_array(concrete(product), out)};
    }
  }
  return {cpu::reduce(op_, x, axes_, out)};
}

// Long rows are split into the same fixed chunks as the eager kernel's, so that both round alike.
constexpr std::int64_t kChunk = std::int64_t{1} << 16;

Kernel Reduce::lower(const LoweringContext& context) const {
  // Planned kernels cover reductions of trailing axes (rows), which include full reductions; the
  // rest run through evaluate.
  const ArrayType& x = context.inputs[0];
  if (is_complex(x.dtype)) return {};  // complex sums and products run through evaluate
  const int ndim = x.ndim();
  for (std::size_t i = 0; i < axes_.size(); ++i) {
    if (axes_[i] != ndim - static_cast<int>(axes_.size()) + static_cast<int>(i)) return {};
  }
  const std::int64_t num_out = context.outputs[0].num_elements();
  const std::int64_t length = num_out == 0 ? 0 : x.num_elements() / num_out;
  const std::int64_t chunks = std::max<std::int64_t>(1, (length + kChunk - 1) / kChunk);
  const std::size_t partial_size = cpu::reduce_accumulator_size(x.dtype);
  const std::size_t item = itemsize(x.dtype);
  if (chunks == 1) {
    // Each row is one run: rows go to the threads in blocks, one dispatch on the dtype per block.
    const std::int64_t rows_per_task =
        std::max<std::int64_t>(1, cpu::kParallelGrain / std::max<std::int64_t>(length, 1));
    return Kernel{[op = op_, dtype = x.dtype, num_out, length, rows_per_task, item](const KernelCall& call) {
      const std::int64_t tasks = (num_out + rows_per_task - 1) / rows_per_task;
      const auto rows = [&](std::int64_t first, std::int64_t last) {
        const std::int64_t begin = first * rows_per_task, end = std::min(num_out, last * rows_per_task);
        cpu::reduce_rows(op, dtype, call.inputs[0] + begin * length * static_cast<std::int64_t>(item), end - begin,
                         length, call.outputs[0] + begin * static_cast<std::int64_t>(item));
      };
      if (tasks > 1) {
        cpu::parallel_for(tasks, 1, rows);
      } else {
        rows(0, tasks);
      }
    }};
  }
  return Kernel{[op = op_, dtype = x.dtype, num_out, length, chunks, partial_size, item](const KernelCall& call) {
                  cpu::for_each_chunk(num_out * chunks, [&](std::int64_t first, std::int64_t last) {
                    for (std::int64_t task = first; task < last; ++task) {
                      const std::int64_t row = task / chunks, begin = task % chunks * kChunk;
                      const std::int64_t count = std::min(kChunk, length - begin);
                      cpu::reduce_run_partial(op, dtype,
                                              call.inputs[0] + (row * length + begin) * static_cast<std::int64_t>(item),
                                              count, 1, call.scratch + task * static_cast<std::int64_t>(partial_size));
                    }
                  });
                  for (std::int64_t row = 0; row < num_out; ++row) {
                    cpu::reduce_partials(
                        op, dtype, call.scratch + row * chunks * static_cast<std::int64_t>(partial_size),
                        length == 0 ? 0 : chunks, call.outputs[0] + row * static_cast<std::int64_t>(item));
                  }
                },
                static_cast<std::size_t>(num_out * chunks) * partial_size};
}

TypeList ArgReduce::infer(std::span<const ArrayType> inputs) const {
  const ArrayType& x = inputs[0];
  if (!is_numeric(x.dtype) || is_complex(x.dtype))
    throw DTypeError(std::string(name()), fmt::format("does not accept dtype {}", dtype_name(x.dtype)));
  if (axis_ < 0 || axis_ >= x.ndim()) {
    throw ShapeError(std::string(name()), fmt::format("axis {} is out of range for {}", axis_, x.to_string()));
  }
  if (x.shape[axis_] == 0) {
    throw ValueError(std::string(name()), fmt::format("attempt to get {} of an empty sequence (axis {} of {})", name(),
                                                      axis_, x.to_string()));
  }
  Shape shape = x.shape;
  shape.erase(axis_);
  return {ArrayType{shape, index_dtype_}};
}

ArrayList ArgReduce::evaluate(std::span<const Array> inputs) const {
  const ArrayType out = infer(std::array{inputs[0].type()})[0];
  return {cpu::argreduce(is_max_, inputs[0], axis_, out)};
}

std::string_view Cumulative::name() const {
  switch (op_) {
    case cpu::CumulativeOp::sum:
      return "cumsum";
    case cpu::CumulativeOp::prod:
      return "cumprod";
    case cpu::CumulativeOp::max:
      return "cummax";
    case cpu::CumulativeOp::min:
      return "cummin";
  }
  return "cumulative";
}

TypeList Cumulative::infer(std::span<const ArrayType> inputs) const {
  const ArrayType& x = inputs[0];
  // Complex numbers have running sums and products, not maxima.
  const bool complex_order = is_complex(x.dtype) && op_ != cpu::CumulativeOp::sum && op_ != cpu::CumulativeOp::prod;
  if (!is_numeric(x.dtype) || is_bool(x.dtype) || complex_order)
    throw DTypeError(std::string(name()), fmt::format("does not accept dtype {}", dtype_name(x.dtype)));
  if (axis_ < 0 || axis_ >= x.ndim()) {
    throw ShapeError(std::string(name()), fmt::format("axis {} is out of range for {}", axis_, x.to_string()));
  }
  return {x};
}

ArrayList Cumulative::evaluate(std::span<const Array> inputs) const {
  const ArrayType out = infer(std::array{inputs[0].type()})[0];
  return {cpu::cumulative(op_, inputs[0], axis_, reverse_, out)};
}

}  // namespace jx::primitives

// --- Derivatives -----------------------------------------------------------------------------------

namespace jx::primitives {
namespace {

// Re-expands a reduced array to the operand's rank (reduced axes as size 1), then to its shape.
Array expand_reduced(const Array& reduced, const Shape& operand, const std::vector<int>& axes) {
  if (reduced.ndim() == 0) return lax::broadcast_in_dim(reduced, operand, {});
  Shape kept = operand;
  for (int a : axes) kept[a] = 1;
  return lax::broadcast_in_dim(lax::reshape(reduced, kept), operand, [&] {
    std::vector<int> dims(static_cast<std::size_t>(operand.ndim()));
    std::iota(dims.begin(), dims.end(), 0);
    return dims;
  }());
}

}  // namespace

ArrayList Reduce::jvp(std::span<const Array> primals, std::span<const Array> tangents,
                      std::span<const Array> outputs) const {
  const Array& x = primals[0];
  const Array& t = tangents[0];
  if (!t.valid() || !is_inexact(x.dtype())) return {Array()};
  switch (op_) {
    case cpu::ReduceOp::sum:
      return {lax::reduce_sum(t, axes_)};
    case cpu::ReduceOp::max:
    case cpu::ReduceOp::min: {
      // The tangent at the extremum; ties share it equally (as JAX's _reduce_chooser_jvp_rule).
      const Array location =
          lax::convert_element_type(lax::eq(x, expand_reduced(outputs[0], x.shape(), axes_)), x.dtype());
      const Array counts = lax::reduce_sum(location, axes_);
      return {lax::div(lax::reduce_sum(lax::mul(t, location), axes_), counts)};
    }
    case cpu::ReduceOp::prod: {
      // d prod = sum_i t_i * prod_{j != i} x_j, with the products of the others from exclusive cumulative
      // products in both directions, so zeros in x are handled exactly.
      std::vector<int> kept, order;
      for (int d = 0; d < x.ndim(); ++d) {
        if (std::find(axes_.begin(), axes_.end(), d) == axes_.end()) kept.push_back(d);
      }
      order = kept;
      order.insert(order.end(), axes_.begin(), axes_.end());
      Shape grouped;
      std::int64_t reduced = 1;
      for (int d : kept) grouped.push_back(x.shape()[d]);
      for (int a : axes_) reduced *= x.shape()[a];
      grouped.push_back(reduced);
      const int last = grouped.ndim() - 1;
      const Array xs = lax::reshape(lax::transpose(x, order), grouped);
      const Array ts = lax::reshape(lax::transpose(t, order), grouped);
      std::vector<lax::PadConfig> shift_right(static_cast<std::size_t>(grouped.ndim())), shift_left(shift_right);
      shift_right.back() = {1, -1, 0};
      shift_left.back() = {-1, 1, 0};
      const Array one = lax::convert_element_type(1, x.dtype());
      const Array before = lax::pad(lax::cumprod(xs, last), one, shift_right);                  // prod of x_j, j < i
      const Array after = lax::pad(lax::cumprod(xs, last, /*reverse=*/true), one, shift_left);  // prod of x_j, j > i
      return {lax::reduce_sum(lax::mul(ts, lax::mul(before, after)), {last})};
    }
    default:
      return {Array()};
  }
}

ArrayList Reduce::transpose(std::span<const Array> cotangents, std::span<const Array>,
                            std::span<const ArrayType> types) const {
  if (op_ != cpu::ReduceOp::sum) return Primitive::transpose(cotangents, {}, types);
  return {expand_reduced(cotangents[0], types[0].shape, axes_)};
}

ArrayList Cumulative::jvp(std::span<const Array> primals, std::span<const Array> tangents,
                          std::span<const Array> outputs) const {
  const Array& x = primals[0];
  const Array& t = tangents[0];
  if (!t.valid()) return {Array()};
  switch (op_) {
    case cpu::CumulativeOp::sum:
      return {lax::cumsum(t, axis_, reverse_)};
    case cpu::CumulativeOp::prod: {
      // A scan over (product, tangent) pairs combined by the product rule, in log2(n) doubling steps
      // (Hillis-Steele). No division, so zeros in x are handled exactly.
      Array product = x, tangent = t;
      const std::int64_t n = x.shape()[axis_];
      const Array one = lax::convert_element_type(1, x.dtype()), zero = lax::convert_element_type(0, x.dtype());
      for (std::int64_t step = 1; step < n; step *= 2) {
        std::vector<lax::PadConfig> shift(static_cast<std::size_t>(x.ndim()));
        shift[static_cast<std::size_t>(axis_)] =
            reverse_ ? lax::PadConfig{-step, step, 0} : lax::PadConfig{step, -step, 0};
        const Array earlier_product = lax::pad(product, one, shift);
        const Array earlier_tangent = lax::pad(tangent, zero, shift);
        tangent = lax::add(lax::mul(tangent, earlier_product), lax::mul(product, earlier_tangent));
        product = lax::mul(product, earlier_product);
      }
      return {tangent};
    }
    case cpu::CumulativeOp::max:
    case cpu::CumulativeOp::min: {
      // Each output takes the tangent of the element that set the running extremum: the last position
      // (in scan order) where x equalled it.
      const Array positions = lax::broadcasted_iota(DType::int32, x.shape(), axis_);
      const Array setter = lax::select(
          lax::eq(x, outputs[0]), positions,
          rules::broadcast_to(lax::convert_element_type(reverse_ ? x.shape()[axis_] : -1, DType::int32), x.shape()));
      const Array source = reverse_ ? lax::cummin(setter, axis_, true) : lax::cummax(setter, axis_);
      return {lax::gather(t, source, axis_)};
    }
  }
  return {Array()};
}

ArrayList Cumulative::transpose(std::span<const Array> cotangents, std::span<const Array>,
                                std::span<const ArrayType> types) const {
  if (op_ != cpu::CumulativeOp::sum) return Primitive::transpose(cotangents, {}, types);
  return {lax::cumsum(cotangents[0], axis_, !reverse_)};
}

}  // namespace jx::primitives

// --- Batching rules ----------------------------------------------------------------------------

namespace jx::primitives {

BatchResult Reduce::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  const int b = axes[0];
  std::vector<int> reduced;
  int before = 0;  // reduced axes in front of the batch axis
  for (int a : axes_) {
    reduced.push_back(rules::full_axis(a, b));
    if (rules::full_axis(a, b) < b) ++before;
  }
  return {{jx::bind(Reduce(op_, reduced), inputs)[0]}, {b - before}};
}

BatchResult ArgReduce::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  const int b = axes[0];
  const int axis = rules::full_axis(axis_, b);
  return {{jx::bind(ArgReduce(is_max_, axis, index_dtype_), inputs)[0]}, {axis < b ? b - 1 : b}};
}

BatchResult Cumulative::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  return {{jx::bind(Cumulative(op_, rules::full_axis(axis_, axes[0]), reverse_), inputs)[0]}, {axes[0]}};
}

}  // namespace jx::primitives
