#include "ir/primitives/elementwise.h"

#include <fmt/format.h>

#include <array>

#include "backends/cpu/kernels.h"
#include "jx/core/error.h"

namespace jx::primitives {
namespace {

// Which dtypes each operation accepts.
enum Accepts : unsigned { kFloat = 1, kInt = 2, kBool = 4, kAny = 7 };

struct UnaryInfo {
  std::string_view name;
  unsigned accepts;
};

constexpr std::array<UnaryInfo, static_cast<std::size_t>(UnaryOp::kCount)> kUnary = {{
    {"neg", kFloat | kInt}, {"abs", kFloat | kInt}, {"sign", kFloat | kInt},   {"floor", kFloat},
    {"ceil", kFloat},       {"round", kFloat},      {"is_finite", kFloat},     {"not", kInt | kBool},
    {"exp", kFloat},        {"exp2", kFloat},       {"expm1", kFloat},         {"log", kFloat},
    {"log1p", kFloat},      {"log2", kFloat},       {"log10", kFloat},         {"sqrt", kFloat},
    {"rsqrt", kFloat},      {"cbrt", kFloat},       {"square", kFloat | kInt}, {"reciprocal", kFloat},
    {"sin", kFloat},        {"cos", kFloat},        {"tan", kFloat},           {"asin", kFloat},
    {"acos", kFloat},       {"atan", kFloat},       {"sinh", kFloat},          {"cosh", kFloat},
    {"tanh", kFloat},       {"asinh", kFloat},      {"acosh", kFloat},         {"atanh", kFloat},
    {"logistic", kFloat},   {"erf", kFloat},        {"erf_inv", kFloat},       {"lgamma", kFloat},
}};

struct BinaryInfo {
  std::string_view name;
  unsigned accepts;
};

constexpr std::array<BinaryInfo, static_cast<std::size_t>(BinaryOp::kCount)> kBinary = {{
    {"add", kFloat | kInt},
    {"sub", kFloat | kInt},
    {"mul", kFloat | kInt},
    {"div", kFloat | kInt},
    {"rem", kFloat | kInt},
    {"pow", kFloat | kInt},
    {"max", kAny},
    {"min", kAny},
    {"atan2", kFloat},
    {"nextafter", kFloat},
    {"and", kInt | kBool},
    {"or", kInt | kBool},
    {"xor", kInt | kBool},
    {"shift_left", kInt},
    {"shift_right_logical", kInt},
    {"shift_right_arithmetic", kInt},
    {"eq", kAny},
    {"ne", kAny},
    {"lt", kAny},
    {"le", kAny},
    {"gt", kAny},
    {"ge", kAny},
}};

unsigned kind_of(DType dtype) {
  if (is_floating(dtype)) return kFloat;
  if (is_integer(dtype)) return kInt;
  if (is_bool(dtype)) return kBool;
  return 0;
}

void check_accepts(std::string_view op, unsigned accepts, DType dtype) {
  if (!(accepts & kind_of(dtype))) {
    throw DTypeError(std::string(op), fmt::format("does not accept dtype {}", dtype_name(dtype)));
  }
}

// Shapes of binary operands: equal, or either one a scalar.
Shape binary_shape(std::string_view op, const ArrayType& a, const ArrayType& b) {
  if (a.shape == b.shape || b.ndim() == 0) return a.shape;
  if (a.ndim() == 0) return b.shape;
  throw ShapeError(std::string(op), fmt::format("operands must have equal shapes (or be scalars), got {} and {}",
                                                a.to_string(), b.to_string()));
}

}  // namespace

std::string_view unary_name(UnaryOp op) { return kUnary[static_cast<std::size_t>(op)].name; }
std::string_view binary_name(BinaryOp op) { return kBinary[static_cast<std::size_t>(op)].name; }

// --- Unary -------------------------------------------------------------------------------------

TypeList Unary::infer(std::span<const ArrayType> inputs) const {
  const ArrayType& x = inputs[0];
  check_accepts(name(), kUnary[static_cast<std::size_t>(op_)].accepts, x.dtype);
  if (op_ == UnaryOp::is_finite) return {ArrayType{x.shape, DType::bool_}};
  return {x};
}

ArrayList Unary::evaluate(std::span<const Array> inputs) const {
  const ArrayType out = infer(std::array{inputs[0].type()})[0];
  return {cpu::unary(op_, inputs[0], out)};
}

// --- Binary ------------------------------------------------------------------------------------

TypeList Binary::infer(std::span<const ArrayType> inputs) const {
  const ArrayType& a = inputs[0];
  const ArrayType& b = inputs[1];
  if (a.dtype != b.dtype) {
    throw DTypeError(std::string(name()), fmt::format("operands must have the same dtype, got {} and {}",
                                                      dtype_name(a.dtype), dtype_name(b.dtype)));
  }
  check_accepts(name(), kBinary[static_cast<std::size_t>(op_)].accepts, a.dtype);
  const Shape shape = binary_shape(name(), a, b);
  if (is_comparison(op_)) return {ArrayType{shape, DType::bool_}};
  return {ArrayType{shape, a.dtype, a.weak && b.weak}};
}

ArrayList Binary::evaluate(std::span<const Array> inputs) const {
  const ArrayType out = infer(std::array{inputs[0].type(), inputs[1].type()})[0];
  return {cpu::binary(op_, inputs[0], inputs[1], out)};
}

// --- IntegerPow --------------------------------------------------------------------------------

TypeList IntegerPow::infer(std::span<const ArrayType> inputs) const {
  check_accepts(name(), kFloat | kInt, inputs[0].dtype);
  if (y_ < 0 && !is_floating(inputs[0].dtype)) {
    throw ValueError(std::string(name()), "integers cannot be raised to negative powers");
  }
  return {inputs[0]};
}

ArrayList IntegerPow::evaluate(std::span<const Array> inputs) const {
  const ArrayType type = infer(std::array{inputs[0].type()})[0];
  // Square-and-multiply, as XLA expands integer_pow.
  Array result;
  Array factor = inputs[0];
  for (int e = y_ < 0 ? -y_ : y_; e > 0; e >>= 1) {
    if (e & 1) result = result.valid() ? cpu::binary(BinaryOp::mul, result, factor, type) : factor;
    if (e > 1) factor = cpu::binary(BinaryOp::mul, factor, factor, type);
  }
  if (!result.valid()) {  // x ** 0 is 1 everywhere, NaN included
    const Array one = cpu::convert(Array(1), ArrayType{{}, type.dtype});
    result = cpu::fill(type, concrete(one).data());
  }
  if (y_ < 0) result = cpu::unary(UnaryOp::reciprocal, result, type);
  return {cpu::contiguous(result)};
}

// --- ConvertElementType ------------------------------------------------------------------------

TypeList ConvertElementType::infer(std::span<const ArrayType> inputs) const {
  const DType from = inputs[0].dtype;
  if (!is_numeric(from) || !is_numeric(new_dtype_)) {
    throw DTypeError(std::string(name()),
                     fmt::format("cannot convert {} to {}", dtype_name(from), dtype_name(new_dtype_)));
  }
  return {ArrayType{inputs[0].shape, new_dtype_, weak_type_}};
}

ArrayList ConvertElementType::evaluate(std::span<const Array> inputs) const {
  const ArrayType out = infer(std::array{inputs[0].type()})[0];
  if (inputs[0].dtype() == new_dtype_) {
    // Only the weak flag changes: share the data.
    const ConcreteArray& x = concrete(inputs[0]);
    return {make_view(x, out, x.strides(), x.offset())};
  }
  return {cpu::convert(inputs[0], out)};
}

// --- SelectN -----------------------------------------------------------------------------------

TypeList SelectN::infer(std::span<const ArrayType> inputs) const {
  const ArrayType& pred = inputs[0];
  const ArrayType& on_false = inputs[1];
  const ArrayType& on_true = inputs[2];
  if (pred.dtype != DType::bool_) {
    throw DTypeError(std::string(name()), fmt::format("the predicate must be bool, got {}", dtype_name(pred.dtype)));
  }
  if (on_false.dtype != on_true.dtype) {
    throw DTypeError(std::string(name()), fmt::format("cases must have the same dtype, got {} and {}",
                                                      dtype_name(on_false.dtype), dtype_name(on_true.dtype)));
  }
  Shape shape = binary_shape(name(), on_false, on_true);
  if (pred.ndim() != 0 && pred.shape != shape) {
    if (shape.ndim() != 0) {
      throw ShapeError(std::string(name()), fmt::format("the predicate {} must be a scalar or match the cases {}",
                                                        pred.to_string(), on_false.to_string()));
    }
    shape = pred.shape;
  }
  return {ArrayType{shape, on_false.dtype, on_false.weak && on_true.weak}};
}

ArrayList SelectN::evaluate(std::span<const Array> inputs) const {
  const ArrayType out = infer(std::array{inputs[0].type(), inputs[1].type(), inputs[2].type()})[0];
  return {cpu::select(inputs[0], inputs[2], inputs[1], out)};
}

}  // namespace jx::primitives
