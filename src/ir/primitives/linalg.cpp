#include "ir/primitives/linalg.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <array>

#include "jx/core/error.h"

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

}  // namespace jx::primitives
