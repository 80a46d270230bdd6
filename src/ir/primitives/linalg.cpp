#include "ir/primitives/linalg.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <numeric>

#include "backends/cpu/kernels.h"
#include "core/array_impl.h"
#include "ir/primitives/rules.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "trace/trace.h"

namespace jx::primitives {

TypeList DotGeneral::infer(std::span<const ArrayType> inputs) const {
  const ArrayType& lhs = inputs[0];
  const ArrayType& rhs = inputs[1];
  auto fail = [&](const std::string& why) {
    throw ShapeError(
        std::string(name()),
        fmt::format("{} (lhs {}, rhs {}, contracting ({})/({}), batch ({})/({}))", why, lhs.to_string(),
                    rhs.to_string(), fmt::join(dims_.lhs_contracting, ","), fmt::join(dims_.rhs_contracting, ","),
                    fmt::join(dims_.lhs_batch, ","), fmt::join(dims_.rhs_batch, ",")));
  };
  if (lhs.dtype != rhs.dtype) {
    throw DTypeError(std::string(name()), fmt::format("operands must have the same dtype, got {} and {}",
                                                      dtype_name(lhs.dtype), dtype_name(rhs.dtype)));
  }
  if (!is_numeric(lhs.dtype))
    throw DTypeError(std::string(name()), fmt::format("does not accept dtype {}", dtype_name(lhs.dtype)));
  if (dims_.lhs_contracting.size() != dims_.rhs_contracting.size() ||
      dims_.lhs_batch.size() != dims_.rhs_batch.size()) {
    fail("contracting and batch axes must pair up");
  }
  std::vector<bool> lhs_used(static_cast<std::size_t>(lhs.ndim()), false),
      rhs_used(static_cast<std::size_t>(rhs.ndim()), false);
  auto use = [&](std::vector<bool>& used, int axis, int ndim) {
    if (axis < 0 || axis >= ndim || used[static_cast<std::size_t>(axis)]) fail("axes out of range or repeated");
    used[static_cast<std::size_t>(axis)] = true;
  };
  Shape shape;
  for (std::size_t i = 0; i < dims_.lhs_batch.size(); ++i) {
    use(lhs_used, dims_.lhs_batch[i], lhs.ndim());
    use(rhs_used, dims_.rhs_batch[i], rhs.ndim());
    if (lhs.shape[dims_.lhs_batch[i]] != rhs.shape[dims_.rhs_batch[i]]) fail("batch axes differ in size");
    shape.push_back(lhs.shape[dims_.lhs_batch[i]]);
  }
  for (std::size_t i = 0; i < dims_.lhs_contracting.size(); ++i) {
    use(lhs_used, dims_.lhs_contracting[i], lhs.ndim());
    use(rhs_used, dims_.rhs_contracting[i], rhs.ndim());
    if (lhs.shape[dims_.lhs_contracting[i]] != rhs.shape[dims_.rhs_contracting[i]])
      fail("contracting axes differ in size");
  }
  for (int d = 0; d < lhs.ndim(); ++d) {
    if (!lhs_used[static_cast<std::size_t>(d)]) shape.push_back(lhs.shape[d]);
  }
  for (int d = 0; d < rhs.ndim(); ++d) {
    if (!rhs_used[static_cast<std::size_t>(d)]) shape.push_back(rhs.shape[d]);
  }
  return {ArrayType{shape, lhs.dtype, lhs.weak && rhs.weak}};
}

ArrayList DotGeneral::evaluate(std::span<const Array> inputs) const {
  const ArrayType out = infer(std::array{inputs[0].type(), inputs[1].type()})[0];
  return {cpu::dot_general(inputs[0], inputs[1], dims_, out)};
}

Kernel DotGeneral::lower(const LoweringContext& context) const {
  // BLAS reads the operands where they are: a contraction over leading axes becomes a transpose flag,
  // never a copy. The array wrappers cost a few allocations, nothing next to the product.
  return Kernel{[dims = dims_, lhs = context.inputs[0], rhs = context.inputs[1],
                 out = context.outputs[0]](const KernelCall& call) {
    cpu::dot_general_into(borrowed_array(lhs, const_cast<std::byte*>(call.inputs[0])),
                          borrowed_array(rhs, const_cast<std::byte*>(call.inputs[1])), dims, out, call.outputs[0]);
  }};
}

}  // namespace jx::primitives

// --- Derivatives: dot_general is bilinear ----------------------------------------------------------

namespace jx::primitives {
namespace {

int rank_among(const std::vector<int>& axes, int axis) {
  std::vector<int> sorted = axes;
  std::sort(sorted.begin(), sorted.end());
  return static_cast<int>(std::find(sorted.begin(), sorted.end(), axis) - sorted.begin());
}

}  // namespace

ArrayList DotGeneral::jvp(std::span<const Array> primals, std::span<const Array> tangents,
                          std::span<const Array>) const {
  Array result;
  if (tangents[0].valid()) result = jx::bind(*this, std::array{tangents[0], primals[1]})[0];
  if (tangents[1].valid())
    result = rules::add_tangents(result, jx::bind(*this, std::array{primals[0], tangents[1]})[0]);
  return {result};
}

ArrayList DotGeneral::transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                                std::span<const ArrayType> types) const {
  const Array& ct = cotangents[0];
  const int nb = static_cast<int>(dims_.lhs_batch.size());
  const std::vector<int> lhs_free = cpu::free_axes(types[0].ndim(), dims_.lhs_batch, dims_.lhs_contracting);
  const std::vector<int> rhs_free = cpu::free_axes(types[1].ndim(), dims_.rhs_batch, dims_.rhs_contracting);
  const int n_lhs_free = static_cast<int>(lhs_free.size());
  std::vector<int> batch_positions(static_cast<std::size_t>(nb));
  std::iota(batch_positions.begin(), batch_positions.end(), 0);
  Array ct_lhs, ct_rhs;
  if (!inputs[0].valid()) {
    // ct (batch, lhs free, rhs free) . rhs over rhs free -> (batch, lhs free, rhs contracting), then
    // permuted into lhs's axis order.
    std::vector<int> ct_rhs_free(rhs_free.size());
    std::iota(ct_rhs_free.begin(), ct_rhs_free.end(), nb + n_lhs_free);
    const Array product = lax::dot_general(ct, inputs[1], {ct_rhs_free, rhs_free, batch_positions, dims_.rhs_batch});
    std::vector<int> permutation(static_cast<std::size_t>(types[0].ndim()));
    for (int d = 0; d < types[0].ndim(); ++d) {
      auto b = std::find(dims_.lhs_batch.begin(), dims_.lhs_batch.end(), d);
      auto c = std::find(dims_.lhs_contracting.begin(), dims_.lhs_contracting.end(), d);
      if (b != dims_.lhs_batch.end()) {
        permutation[static_cast<std::size_t>(d)] = static_cast<int>(b - dims_.lhs_batch.begin());
      } else if (c != dims_.lhs_contracting.end()) {
        const int rhs_axis = dims_.rhs_contracting[static_cast<std::size_t>(c - dims_.lhs_contracting.begin())];
        permutation[static_cast<std::size_t>(d)] = nb + n_lhs_free + rank_among(dims_.rhs_contracting, rhs_axis);
      } else {
        permutation[static_cast<std::size_t>(d)] =
            nb + static_cast<int>(std::find(lhs_free.begin(), lhs_free.end(), d) - lhs_free.begin());
      }
    }
    ct_lhs = lax::transpose(product, permutation);
  }
  if (!inputs[1].valid()) {
    // lhs . ct over lhs free -> (batch, lhs contracting, rhs free), permuted into rhs's axis order.
    std::vector<int> ct_lhs_free(lhs_free.size());
    std::iota(ct_lhs_free.begin(), ct_lhs_free.end(), nb);
    const Array product = lax::dot_general(inputs[0], ct, {lhs_free, ct_lhs_free, dims_.lhs_batch, batch_positions});
    const int n_contracting = static_cast<int>(dims_.lhs_contracting.size());
    std::vector<int> permutation(static_cast<std::size_t>(types[1].ndim()));
    for (int d = 0; d < types[1].ndim(); ++d) {
      auto b = std::find(dims_.rhs_batch.begin(), dims_.rhs_batch.end(), d);
      auto c = std::find(dims_.rhs_contracting.begin(), dims_.rhs_contracting.end(), d);
      if (b != dims_.rhs_batch.end()) {
        permutation[static_cast<std::size_t>(d)] = static_cast<int>(b - dims_.rhs_batch.begin());
      } else if (c != dims_.rhs_contracting.end()) {
        const int lhs_axis = dims_.lhs_contracting[static_cast<std::size_t>(c - dims_.rhs_contracting.begin())];
        permutation[static_cast<std::size_t>(d)] = nb + rank_among(dims_.lhs_contracting, lhs_axis);
      } else {
        permutation[static_cast<std::size_t>(d)] =
            nb + n_contracting + static_cast<int>(std::find(rhs_free.begin(), rhs_free.end(), d) - rhs_free.begin());
      }
    }
    ct_rhs = lax::transpose(product, permutation);
  }
  return {ct_lhs, ct_rhs};
}

}  // namespace jx::primitives

// --- Batching rule -----------------------------------------------------------------------------

namespace jx::primitives {

BatchResult DotGeneral::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  auto shifted = [](const std::vector<int>& dims, int b) {
    std::vector<int> result;
    for (int d : dims) result.push_back(rules::full_axis(d, b));
    return result;
  };
  const int lb = axes[0], rb = axes[1];
  cpu::DotDimensions dims;
  if (lb != kNotMapped && rb != kNotMapped) {
    // Both mapped: the batch axis becomes one more (leading) dot_general batch axis.
    dims.lhs_contracting = shifted(dims_.lhs_contracting, lb);
    dims.rhs_contracting = shifted(dims_.rhs_contracting, rb);
    dims.lhs_batch = shifted(dims_.lhs_batch, lb);
    dims.rhs_batch = shifted(dims_.rhs_batch, rb);
    dims.lhs_batch.insert(dims.lhs_batch.begin(), lb);
    dims.rhs_batch.insert(dims.rhs_batch.begin(), rb);
    return {{jx::bind(DotGeneral(dims), inputs)[0]}, {0}};
  }
  // One side mapped: its batch axis is one more free axis of that side.
  const int nb = static_cast<int>(dims_.lhs_batch.size());
  if (lb != kNotMapped) {
    dims = {shifted(dims_.lhs_contracting, lb), dims_.rhs_contracting, shifted(dims_.lhs_batch, lb), dims_.rhs_batch};
    const std::vector<int> free = cpu::free_axes(inputs[0].ndim(), dims.lhs_batch, dims.lhs_contracting);
    const int position = nb + static_cast<int>(std::find(free.begin(), free.end(), lb) - free.begin());
    return {{jx::bind(DotGeneral(dims), inputs)[0]}, {position}};
  }
  dims = {dims_.lhs_contracting, shifted(dims_.rhs_contracting, rb), dims_.lhs_batch, shifted(dims_.rhs_batch, rb)};
  const int lhs_free = static_cast<int>(cpu::free_axes(inputs[0].ndim(), dims.lhs_batch, dims.lhs_contracting).size());
  const std::vector<int> free = cpu::free_axes(inputs[1].ndim(), dims.rhs_batch, dims.rhs_contracting);
  const int position = nb + lhs_free + static_cast<int>(std::find(free.begin(), free.end(), rb) - free.begin());
  return {{jx::bind(DotGeneral(dims), inputs)[0]}, {position}};
}

}  // namespace jx::primitives
