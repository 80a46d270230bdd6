#include "ir/primitives/elementwise.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <numbers>

#include "backends/cpu/kernels.h"
#include "backends/cpu/lowering.h"
#include "ir/primitives/rules.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/scipy.h"

namespace jx::primitives {
namespace {

// Which dtypes each operation accepts.
enum Accepts : unsigned { kFloat = 1, kInt = 2, kBool = 4, kComplex = 8, kReal = 7, kInexact = kFloat | kComplex };

struct UnaryInfo {
  std::string_view name;
  unsigned accepts;
};

constexpr std::array<UnaryInfo, static_cast<std::size_t>(UnaryOp::kCount)> kUnary = {{
    {"neg", kInexact | kInt},
    {"abs", kInexact | kInt},
    {"sign", kInexact | kInt},
    {"floor", kFloat},
    {"ceil", kFloat},
    {"round", kFloat},
    {"is_finite", kInexact},
    {"not", kInt | kBool},
    {"exp", kInexact},
    {"exp2", kInexact},
    {"expm1", kInexact},
    {"log", kInexact},
    {"log1p", kInexact},
    {"log2", kInexact},
    {"log10", kInexact},
    {"sqrt", kInexact},
    {"rsqrt", kInexact},
    {"cbrt", kFloat},
    {"square", kInexact | kInt},
    {"reciprocal", kInexact},
    {"sin", kInexact},
    {"cos", kInexact},
    {"tan", kInexact},
    {"asin", kInexact},
    {"acos", kInexact},
    {"atan", kInexact},
    {"sinh", kInexact},
    {"cosh", kInexact},
    {"tanh", kInexact},
    {"asinh", kInexact},
    {"acosh", kInexact},
    {"atanh", kInexact},
    {"logistic", kInexact},
    {"erf", kFloat},
    {"erfc", kFloat},
    {"erf_inv", kFloat},
    {"lgamma", kFloat},
    {"real", kComplex},
    {"imag", kComplex},
    {"conj", kComplex},
}};

struct BinaryInfo {
  std::string_view name;
  unsigned accepts;
};

constexpr std::array<BinaryInfo, static_cast<std::size_t>(BinaryOp::kCount)> kBinary = {{
    {"add", kInexact | kInt},
    {"sub", kInexact | kInt},
    {"mul", kInexact | kInt},
    {"div", kInexact | kInt},
    {"rem", kFloat | kInt},
    {"pow", kInexact | kInt},
    {"max", kReal},
    {"min", kReal},
    {"atan2", kFloat},
    {"nextafter", kFloat},
    {"and", kInt | kBool},
    {"or", kInt | kBool},
    {"xor", kInt | kBool},
    {"shift_left", kInt},
    {"shift_right_logical", kInt},
    {"shift_right_arithmetic", kInt},
    {"eq", kReal | kComplex},
    {"ne", kReal | kComplex},
    {"lt", kReal},
    {"le", kReal},
    {"gt", kReal},
    {"ge", kReal},
    {"complex", kFloat},  // float32 and float64 only, checked in infer
}};

unsigned kind_of(DType dtype) {
  if (is_floating(dtype)) return kFloat;
  if (is_integer(dtype)) return kInt;
  if (is_bool(dtype)) return kBool;
  if (is_complex(dtype)) return kComplex;
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
  // The magnitude and the parts of a complex number are real.
  if (op_ == UnaryOp::abs || op_ == UnaryOp::real || op_ == UnaryOp::imag) {
    return {ArrayType{x.shape, real_dtype(x.dtype), x.weak}};
  }
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
  if (op_ == BinaryOp::complex) {
    if (a.dtype != DType::float32 && a.dtype != DType::float64) {
      throw DTypeError(std::string(name()),
                       fmt::format("the parts must be float32 or float64, got {}", dtype_name(a.dtype)));
    }
    return {ArrayType{shape, complex_dtype(a.dtype), a.weak && b.weak}};
  }
  return {ArrayType{shape, a.dtype, a.weak && b.weak}};
}

ArrayList Binary::evaluate(std::span<const Array> inputs) const {
  const ArrayType out = infer(std::array{inputs[0].type(), inputs[1].type()})[0];
  return {cpu::binary(op_, inputs[0], inputs[1], out)};
}

// --- IntegerPow --------------------------------------------------------------------------------

TypeList IntegerPow::infer(std::span<const ArrayType> inputs) const {
  check_accepts(name(), kInexact | kInt, inputs[0].dtype);
  if (y_ < 0 && !is_inexact(inputs[0].dtype)) {
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

// --- Lowering to planned kernels ----------------------------------------------------------------
//
// Operands are dense; a scalar operand of a larger output is read with a step of 0. Every kernel
// reads element i of its inputs before writing element i of its output, so it may run in place.

namespace {
int step_of(const ArrayType& operand, std::int64_t n) { return operand.num_elements() == n ? 1 : 0; }
std::size_t stride_bytes(const ArrayType& operand, std::int64_t n) {
  return step_of(operand, n) ? itemsize(operand.dtype) : 0;
}
}  // namespace

Kernel Unary::lower(const LoweringContext& context) const {
  const std::int64_t n = context.outputs[0].num_elements();
  const DType dtype = context.inputs[0].dtype;
  const std::size_t in_size = itemsize(dtype), out_size = itemsize(context.outputs[0].dtype);
  return Kernel{[op = op_, dtype, n, in_size, out_size](const KernelCall& call) {
                  cpu::for_each_chunk(n, [&](std::int64_t begin, std::int64_t end) {
                    cpu::unary_run(op, dtype, call.inputs[0] + begin * in_size, call.outputs[0] + begin * out_size,
                                   end - begin);
                  });
                },
                0, true};
}

Kernel Binary::lower(const LoweringContext& context) const {
  const std::int64_t n = context.outputs[0].num_elements();
  const ArrayType& a = context.inputs[0];
  const ArrayType& b = context.inputs[1];
  const int a_step = step_of(a, n), b_step = step_of(b, n);
  const std::size_t a_bytes = stride_bytes(a, n), b_bytes = stride_bytes(b, n);
  const std::size_t out_size = itemsize(context.outputs[0].dtype);
  return Kernel{[op = op_, dtype = a.dtype, n, a_step, b_step, a_bytes, b_bytes, out_size](const KernelCall& call) {
                  cpu::for_each_chunk(n, [&](std::int64_t begin, std::int64_t end) {
                    cpu::binary_run(op, dtype, call.inputs[0] + begin * a_bytes, a_step,
                                    call.inputs[1] + begin * b_bytes, b_step, call.outputs[0] + begin * out_size,
                                    end - begin);
                  });
                },
                0, true};
}

Kernel IntegerPow::lower(const LoweringContext& context) const {
  const std::int64_t n = context.outputs[0].num_elements();
  const DType dtype = context.inputs[0].dtype;
  const std::size_t size = itemsize(dtype);
  // Square-and-multiply as in evaluate, tile by tile so that the running factor stays in cache.
  return Kernel{[y = y_, dtype, n, size](const KernelCall& call) {
                  cpu::for_each_chunk(n, [&](std::int64_t begin, std::int64_t end) {
                    constexpr std::int64_t kTile = 1024;
                    alignas(64) std::byte factor[kTile * 8];
                    for (std::int64_t first = begin; first < end; first += kTile) {
                      const std::int64_t count = std::min(kTile, end - first);
                      std::byte* out = call.outputs[0] + first * size;
                      std::memcpy(factor, call.inputs[0] + first * size, static_cast<std::size_t>(count) * size);
                      bool empty = true;
                      for (int e = y < 0 ? -y : y; e > 0; e >>= 1) {
                        if (e & 1) {
                          if (empty) {
                            std::memcpy(out, factor, static_cast<std::size_t>(count) * size);
                          } else {
                            cpu::binary_run(BinaryOp::mul, dtype, out, 1, factor, 1, out, count);
                          }
                          empty = false;
                        }
                        if (e > 1) cpu::binary_run(BinaryOp::mul, dtype, factor, 1, factor, 1, factor, count);
                      }
                      if (empty) {
                        const std::int64_t one = 1;
                        cpu::convert_run(DType::int64, dtype, &one, factor, 1);
                        for (std::int64_t i = 0; i < count; ++i)
                          std::memcpy(out + i * static_cast<std::int64_t>(size), factor, size);
                      }
                      if (y < 0) cpu::unary_run(UnaryOp::reciprocal, dtype, out, out, count);
                    }
                  });
                },
                0, true};
}

Kernel ConvertElementType::lower(const LoweringContext& context) const {
  const std::int64_t n = context.outputs[0].num_elements();
  const DType from = context.inputs[0].dtype, to = new_dtype_;
  const std::size_t in_size = itemsize(from), out_size = itemsize(to);
  return Kernel{[from, to, n, in_size, out_size](const KernelCall& call) {
                  cpu::for_each_chunk(n, [&](std::int64_t begin, std::int64_t end) {
                    cpu::convert_run(from, to, call.inputs[0] + begin * in_size, call.outputs[0] + begin * out_size,
                                     end - begin);
                  });
                },
                0, true};
}

Kernel SelectN::lower(const LoweringContext& context) const {
  const std::int64_t n = context.outputs[0].num_elements();
  const ArrayType& pred = context.inputs[0];
  const ArrayType& on_false = context.inputs[1];
  const ArrayType& on_true = context.inputs[2];
  const int p_step = step_of(pred, n), f_step = step_of(on_false, n), t_step = step_of(on_true, n);
  const std::size_t size = itemsize(context.outputs[0].dtype);
  return Kernel{[n, p_step, f_step, t_step, size](const KernelCall& call) {
                  cpu::for_each_chunk(n, [&](std::int64_t begin, std::int64_t end) {
                    const auto offset = static_cast<std::size_t>(begin);
                    cpu::select_run(
                        reinterpret_cast<const bool*>(call.inputs[0]) + offset * static_cast<std::size_t>(p_step),
                        p_step, size, call.inputs[2] + offset * size * static_cast<std::size_t>(t_step), t_step,
                        call.inputs[1] + offset * size * static_cast<std::size_t>(f_step), f_step,
                        call.outputs[0] + offset * size, end - begin);
                  });
                },
                0, true};
}

}  // namespace jx::primitives

// --- Derivatives -----------------------------------------------------------------------------------

namespace jx::primitives {

namespace {
// x with its zeros replaced by ones (JAX's _replace_zero): a safe divisor or log argument where the
// rule's factor is zero anyway.
Array zeros_to_ones(const Array& x) {
  return lax::select(lax::eq(x, 0.0), rules::broadcast_to(lax::convert_element_type(1.0, x.dtype()), x.shape()), x);
}
}  // namespace

ArrayList Unary::jvp(std::span<const Array> primals, std::span<const Array> tangents,
                     std::span<const Array> outputs) const {
  const Array& x = primals[0];
  const Array& t = tangents[0];
  const Array& y = outputs[0];
  if (!t.valid() || !is_inexact(y.dtype())) return {Array()};
  using std::numbers::pi;
  switch (op_) {
    case UnaryOp::neg:
      return {lax::neg(t)};
    case UnaryOp::abs:
      if (is_complex(x.dtype())) {
        // d|z| = Re(conj(z) dz) / |z|, with |z| = 0 replaced by 1 (as JAX, so 0 gives 0, not NaN).
        const Array magnitude = lax::convert_element_type(zeros_to_ones(y), x.dtype());
        return {lax::real(lax::mul(t, lax::div(lax::conj(x), magnitude)))};
      }
      return {lax::select(lax::ge(x, 0.0), t, lax::neg(t))};  // 1 at 0, as JAX
    case UnaryOp::real:
      return {lax::real(t)};
    case UnaryOp::imag:
      return {lax::imag(t)};
    case UnaryOp::conj:
      return {lax::conj(t)};
    case UnaryOp::sign:
    case UnaryOp::floor:
    case UnaryOp::ceil:
    case UnaryOp::round:
      return {Array()};
    case UnaryOp::exp:
      return {lax::mul(t, y)};
    case UnaryOp::exp2:
      return {lax::mul(t, lax::mul(y, std::numbers::ln2))};
    case UnaryOp::expm1:
      return {lax::mul(t, lax::add(y, 1.0))};
    case UnaryOp::log:
      return {lax::div(t, x)};
    case UnaryOp::log1p:
      return {lax::div(t, lax::add(x, 1.0))};
    case UnaryOp::log2:
      return {lax::div(t, lax::mul(x, std::numbers::ln2))};
    case UnaryOp::log10:
      return {lax::div(t, lax::mul(x, std::numbers::ln10))};
    case UnaryOp::sqrt:
      return {lax::div(t, lax::mul(y, 2.0))};  // inf at 0, as JAX
    case UnaryOp::rsqrt:
      return {lax::mul(t, lax::mul(lax::div(y, x), -0.5))};
    case UnaryOp::cbrt:
      return {lax::mul(t, lax::mul(lax::integer_pow(y, -2), 1.0 / 3.0))};
    case UnaryOp::square:
      return {lax::mul(t, lax::mul(x, 2.0))};
    case UnaryOp::reciprocal:
      return {lax::mul(t, lax::neg(lax::mul(y, y)))};
    case UnaryOp::sin:
      return {lax::mul(t, lax::cos(x))};
    case UnaryOp::cos:
      return {lax::mul(t, lax::neg(lax::sin(x)))};
    case UnaryOp::tan:
      return {lax::mul(t, lax::add(lax::mul(y, y), 1.0))};
    case UnaryOp::asin:
      return {lax::mul(t, lax::rsqrt(lax::sub(1.0, lax::mul(x, x))))};
    case UnaryOp::acos:
      return {lax::neg(lax::mul(t, lax::rsqrt(lax::sub(1.0, lax::mul(x, x)))))};
    case UnaryOp::atan:
      return {lax::div(t, lax::add(lax::mul(x, x), 1.0))};
    case UnaryOp::sinh:
      return {lax::mul(t, lax::cosh(x))};
    case UnaryOp::cosh:
      return {lax::mul(t, lax::sinh(x))};
    case UnaryOp::tanh:
      return {lax::mul(t, lax::sub(1.0, lax::mul(y, y)))};
    case UnaryOp::asinh:
      return {lax::mul(t, lax::rsqrt(lax::add(lax::mul(x, x), 1.0)))};
    case UnaryOp::acosh:
      return {lax::mul(t, lax::rsqrt(lax::mul(lax::sub(x, 1.0), lax::add(x, 1.0))))};
    case UnaryOp::atanh:
      return {lax::div(t, lax::sub(1.0, lax::mul(x, x)))};
    case UnaryOp::logistic:
      return {lax::mul(t, lax::mul(y, lax::sub(1.0, y)))};
    case UnaryOp::erf:
      return {lax::mul(t, lax::mul(lax::exp(lax::neg(lax::mul(x, x))), 2.0 / std::sqrt(pi)))};
    case UnaryOp::erfc:
      return {lax::mul(t, lax::mul(lax::exp(lax::neg(lax::mul(x, x))), -2.0 / std::sqrt(pi)))};
    case UnaryOp::erf_inv:
      return {lax::mul(t, lax::mul(lax::exp(lax::mul(y, y)), std::sqrt(pi) / 2.0))};
    case UnaryOp::lgamma:  // digamma is composed of differentiable ops, so this goes to any order
      return {lax::mul(t, scipy::special::digamma(x))};
    case UnaryOp::is_finite:
    case UnaryOp::not_:
    case UnaryOp::kCount:
      break;
  }
  return {Array()};
}

ArrayList Unary::transpose(std::span<const Array> cotangents, std::span<const Array> /*inputs*/,
                           std::span<const ArrayType> /*types*/) const {
  // The complex rules are JAX's: transposes under the pairing Re(ct * t), without conjugation, so
  // that grad of a real function of z is the conjugate of df/dz (JAX's convention).
  const Array& ct = cotangents[0];
  switch (op_) {
    case UnaryOp::neg:
      return {lax::neg(ct)};
    case UnaryOp::real:
      return {lax::complex(ct, rules::zeros(ct.type()))};
    case UnaryOp::imag:
      return {lax::complex(rules::zeros(ct.type()), lax::neg(ct))};
    case UnaryOp::conj:
      return {lax::conj(ct)};
    default:
      return Primitive::transpose(cotangents, {}, {});
  }
}

namespace {
// JAX's _balanced_eq: where x attains the extremum z: 1, or 1/2 when y ties with it; 0 elsewhere.
Array balanced_eq(const Array& x, const Array& z, const Array& y) {
  const Array one_or_half =
      lax::select(lax::eq(y, z), rules::broadcast_to(lax::convert_element_type(0.5, z.dtype()), z.shape()),
                  rules::broadcast_to(lax::convert_element_type(1.0, z.dtype()), z.shape()));
  return lax::select(lax::eq(x, z), one_or_half, rules::zeros(z.type()));
}
}  // namespace

ArrayList Binary::jvp(std::span<const Array> primals, std::span<const Array> tangents,
                      std::span<const Array> outputs) const {
  const Array& a = primals[0];
  const Array& b = primals[1];
  const Array& ta = tangents[0];
  const Array& tb = tangents[1];
  const Array& out = outputs[0];
  if (!is_inexact(out.dtype())) return {Array()};
  Array result;
  switch (op_) {
    case BinaryOp::complex: {
      const Array real_part = ta.valid() ? ta : rules::zeros(a.type());
      const Array imag_part = tb.valid() ? tb : rules::zeros(b.type());
      result = lax::complex(rules::broadcast_to(real_part, out.shape()), rules::broadcast_to(imag_part, out.shape()));
      break;
    }
    case BinaryOp::add:
      result = rules::add_tangents(ta, tb);
      break;
    case BinaryOp::sub:
      result = rules::add_tangents(ta, tb.valid() ? lax::neg(tb) : tb);
      break;
    case BinaryOp::mul:
      result = rules::add_tangents(rules::scale(ta, b), rules::scale(tb, a));
      break;
    case BinaryOp::div:
      result = rules::add_tangents(ta.valid() ? lax::div(ta, b) : ta, rules::scale(tb, lax::neg(lax::div(out, b))));
      break;
    case BinaryOp::rem: {
      // d(a rem b) = da - db * trunc(a / b)
      const Array quotient = lax::div(a, b);
      const Array truncated = lax::mul(lax::sign(quotient), lax::floor(lax::abs(quotient)));
      result = rules::add_tangents(ta, rules::scale(tb, lax::neg(truncated)));
      break;
    }
    case BinaryOp::pow: {
      // d/da = b a^(b-1), zero where b == 0 (so 0^0 has derivative 0); d/db = log(a) a^b, with log(0)
      // replaced by 0 so that a zero base gives 0, not NaN.
      Array da, db;
      if (ta.valid()) {
        const Array factor = lax::mul(b, lax::pow(a, lax::sub(b, 1.0)));
        da = lax::mul(ta, lax::select(lax::eq(b, 0.0), rules::zeros(factor.type()), factor));
      }
      if (tb.valid()) {
        db = lax::mul(tb, lax::mul(lax::log(zeros_to_ones(a)), out));
      }
      result = rules::add_tangents(da, db);
      break;
    }
    case BinaryOp::max:
    case BinaryOp::min: {
      const Array a_full = rules::broadcast_to(a, out.shape()), b_full = rules::broadcast_to(b, out.shape());
      result = rules::add_tangents(rules::scale(ta, balanced_eq(a_full, out, b_full)),
                                   rules::scale(tb, balanced_eq(b_full, out, a_full)));
      break;
    }
    case BinaryOp::atan2: {
      // atan2(a, b): d/da = b / (a^2 + b^2), d/db = -a / (a^2 + b^2)
      const Array denominator = lax::add(lax::mul(a, a), lax::mul(b, b));
      result = rules::add_tangents(rules::scale(ta, lax::div(b, denominator)),
                                   rules::scale(tb, lax::div(lax::neg(a), denominator)));
      break;
    }
    default:
      return {Array()};  // nextafter and the integer/boolean operations are piecewise constant
  }
  if (result.valid()) result = rules::broadcast_to(result, out.shape());
  return {result};
}

ArrayList Binary::transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                            std::span<const ArrayType> types) const {
  const Array& ct = cotangents[0];
  const bool a_linear = !inputs[0].valid(), b_linear = !inputs[1].valid();
  switch (op_) {
    case BinaryOp::add:
      return {a_linear ? rules::unbroadcast(ct, types[0]) : Array(),
              b_linear ? rules::unbroadcast(ct, types[1]) : Array()};
    case BinaryOp::sub:
      return {a_linear ? rules::unbroadcast(ct, types[0]) : Array(),
              b_linear ? rules::unbroadcast(lax::neg(ct), types[1]) : Array()};
    case BinaryOp::mul:
      if (a_linear && b_linear) break;  // not linear
      return {a_linear ? rules::unbroadcast(lax::mul(ct, inputs[1]), types[0]) : Array(),
              b_linear ? rules::unbroadcast(lax::mul(inputs[0], ct), types[1]) : Array()};
    case BinaryOp::div:
      if (b_linear) break;  // linear in the numerator only
      return {rules::unbroadcast(lax::div(ct, inputs[1]), types[0]), Array()};
    case BinaryOp::complex:
      return {a_linear ? rules::unbroadcast(lax::real(ct), types[0]) : Array(),
              b_linear ? rules::unbroadcast(lax::imag(lax::neg(ct)), types[1]) : Array()};
    default:
      break;
  }
  return Primitive::transpose(cotangents, inputs, types);
}

ArrayList IntegerPow::jvp(std::span<const Array> primals, std::span<const Array> tangents,
                          std::span<const Array> /*outputs*/) const {
  const Array& x = primals[0];
  if (!tangents[0].valid() || y_ == 0) return {Array()};
  if (y_ == 1) return {tangents[0]};
  const Array power = y_ == 2 ? x : lax::integer_pow(x, y_ - 1);
  const Array derivative = lax::mul(power, static_cast<double>(y_));
  return {lax::mul(tangents[0], derivative)};
}

ArrayList ConvertElementType::jvp(std::span<const Array> primals, std::span<const Array> tangents,
                                  std::span<const Array> /*outputs*/) const {
  if (!tangents[0].valid() || !is_inexact(new_dtype_) || !is_inexact(primals[0].dtype())) return {Array()};
  return {lax::convert_element_type(tangents[0], new_dtype_)};
}

ArrayList ConvertElementType::transpose(std::span<const Array> cotangents, std::span<const Array> /*inputs*/,
                                        std::span<const ArrayType> types) const {
  return {lax::convert_element_type(cotangents[0], types[0].dtype)};
}

ArrayList SelectN::jvp(std::span<const Array> primals, std::span<const Array> tangents,
                       std::span<const Array> outputs) const {
  if (!tangents[1].valid() && !tangents[2].valid()) return {Array()};
  const ArrayType& type = outputs[0].type();
  const Array on_false = rules::broadcast_to(rules::instantiate(tangents[1], primals[1].type()), type.shape);
  const Array on_true = rules::broadcast_to(rules::instantiate(tangents[2], primals[2].type()), type.shape);
  return {lax::select(primals[0], on_true, on_false)};
}

ArrayList SelectN::transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                             std::span<const ArrayType> types) const {
  const Array& ct = cotangents[0];
  const Array& pred = inputs[0];
  const Array zero = rules::zeros(ct.type());
  return {Array(), !inputs[1].valid() ? rules::unbroadcast(lax::select(pred, zero, ct), types[1]) : Array(),
          !inputs[2].valid() ? rules::unbroadcast(lax::select(pred, ct, zero), types[2]) : Array()};
}

}  // namespace jx::primitives
