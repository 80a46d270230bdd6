// jx::lax's special functions, integer bit operations, reduce_precision, select_n and dot
// (jx/lax/numeric.h), composed from jx's primitives and jx::scipy::special.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/lax/numeric.h"
#include "jx/scipy.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/custom_derivatives.h"
#include "ops/promotion.h"

namespace jx::lax {
namespace {

namespace jnp = jx::numpy;
namespace special = jx::scipy::special;

// lax's rule for operands: one dtype (a weakly typed operand takes a strong one's), one shape or scalars.
std::vector<Array> strict_operands(std::string_view op, std::vector<Array> operands) {
  const auto strong = std::find_if(operands.begin(), operands.end(), [](const Array& a) { return !a.weak_type(); });
  const DType common = strong == operands.end() ? operands[0].dtype() : strong->dtype();
  const Shape* shape = nullptr;
  for (Array& operand : operands) {
    if (operand.dtype() != common) {
      if (!operand.weak_type()) {
        throw DTypeError(std::string(op), fmt::format("operands must have one dtype, got {} and {}", dtype_name(common),
                                                      dtype_name(operand.dtype())));
      }
      operand = convert_element_type(operand, common);
    }
    if (operand.ndim() == 0) continue;
    if (shape != nullptr && operand.shape() != *shape) {
      throw ShapeError(std::string(op), fmt::format("operands must have one shape or be scalars, got {} and {}",
                                                    shape->to_string(), operand.shape().to_string()));
    }
    shape = &operand.shape();
  }
  return operands;
}

std::vector<Array> strict_floats(std::string_view op, std::vector<Array> operands) {
  std::vector<Array> checked = strict_operands(op, std::move(operands));
  if (!is_floating(checked[0].dtype())) {
    throw DTypeError(std::string(op),
                     fmt::format("needs floating-point operands, got {}", dtype_name(checked[0].dtype())));
  }
  return checked;
}

const Array& require_floating(std::string_view op, const Array& x) {
  if (!is_floating(x.dtype())) {
    throw DTypeError(std::string(op), fmt::format("needs a floating-point operand, got {}", dtype_name(x.dtype())));
  }
  return x;
}

// The unsigned integer type of x's width, x's integer dtype checked.
DType unsigned_word(std::string_view op, DType dtype) {
  switch (dtype) {
    case DType::int8:
    case DType::uint8:
      return DType::uint8;
    case DType::int16:
    case DType::uint16:
      return DType::uint16;
    case DType::int32:
    case DType::uint32:
      return DType::uint32;
    case DType::int64:
    case DType::uint64:
      return DType::uint64;
    default:
      throw DTypeError(std::string(op), fmt::format("needs an integer operand, got {}", dtype_name(dtype)));
  }
}

int bit_width(DType word) { return static_cast<int>(itemsize(word)) * 8; }

Array word_constant(std::uint64_t value, DType word) {
  const int bits = bit_width(word);
  return jnp::array(bits == 64 ? value : value & ((std::uint64_t{1} << bits) - 1), word);
}

// Set bits of an unsigned word, by halving: pairs, nibbles, bytes, then the bytes summed by a product.
Array count_bits(Array v) {
  const DType word = v.dtype();
  const int bits = bit_width(word);
  auto c = [word](std::uint64_t value) { return word_constant(value, word); };
  v = sub(v, bitwise_and(shift_right_logical(v, c(1)), c(0x5555555555555555ULL)));
  v = add(bitwise_and(v, c(0x3333333333333333ULL)),
          bitwise_and(shift_right_logical(v, c(2)), c(0x3333333333333333ULL)));
  v = bitwise_and(add(v, shift_right_logical(v, c(4))), c(0x0F0F0F0F0F0F0F0FULL));
  if (bits > 8) v = shift_right_logical(mul(v, c(0x0101010101010101ULL)), c(static_cast<std::uint64_t>(bits - 8)));
  return v;
}

// (exponent bits, mantissa bits) of a float dtype.
std::pair<int, int> float_format(DType dtype) {
  switch (dtype) {
    case DType::float16:
      return {5, 10};
    case DType::bfloat16:
      return {8, 7};
    case DType::float32:
      return {8, 23};
    default:
      return {11, 52};
  }
}

Array reduced_precision_value(const Array& x, int exponent_bits, int mantissa_bits) {
  const auto [source_exponent_bits, source_mantissa_bits] = float_format(x.dtype());
  Array y = x;
  const Array special_value = bitwise_or(eq(x, Array(0.0)), bitwise_not(is_finite(x)));
  if (mantissa_bits < source_mantissa_bits) {
    // x = m 2^e with |m| in [0.5, 1): m 2^(mantissa_bits + 1) holds the kept bits left of the point,
    // so rounding it to an integer (ties to even) is the mantissa's rounding; ldexp scales back exactly.
    // The top binade is halved first (exactly), since frexp would need 2^e there, which overflows.
    const int largest_exponent = (1 << (source_exponent_bits - 1)) - 1;
    const Array top = ge(abs(x), ops::constant_like(x, std::ldexp(1.0, largest_exponent - 1)));
    const Array scale = select(top, Array(0.5), Array(1.0));
    const auto [mantissa, exponent] = jnp::frexp(mul(x, scale));
    const Array kept = jnp::rint(mul(mantissa, ops::constant_like(x, std::ldexp(1.0, mantissa_bits + 1))));
    y = div(jnp::ldexp(kept, sub(exponent, Array(mantissa_bits + 1))), scale);
    y = select(special_value, x, y);
  }
  if (exponent_bits < source_exponent_bits) {
    const int bias = (1 << (exponent_bits - 1)) - 1;
    const Array magnitude = abs(y);
    const Array overflows = ge(magnitude, ops::constant_like(x, std::ldexp(1.0, bias + 1)));
    const Array underflows = lt(magnitude, ops::constant_like(x, std::ldexp(1.0, 1 - bias)));
    const Array infinity = select(lt(y, Array(0.0)), Array(-INFINITY), Array(INFINITY));
    y = select(overflows, infinity, select(underflows, mul(y, Array(0.0)), y));
  }
  return select(ne(x, x), x, y);  // NaN stays NaN
}

}  // namespace

// --- Special functions ------------------------------------------------------------------------------

Array bessel_i0e_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  return special::i0e(require_floating("bessel_i0e", x));
}

Array bessel_i1e_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  return special::i1e(require_floating("bessel_i1e", x));
}

Array digamma_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  return special::digamma(require_floating("digamma", x));
}

Array igamma_function::operator()(const Array& a, const Array& x, Loc loc) const {
  CallSite site(loc);
  const auto v = strict_floats("igamma", {a, x});
  return special::gammainc(v[0], v[1]);
}

Array igammac_function::operator()(const Array& a, const Array& x, Loc loc) const {
  CallSite site(loc);
  const auto v = strict_floats("igammac", {a, x});
  return special::gammaincc(v[0], v[1]);
}

Array igamma_grad_a_function::operator()(const Array& a, const Array& x, Loc loc) const {
  CallSite site(loc);
  const auto v = strict_floats("igamma_grad_a", {a, x});
  const std::vector<Array> both = jnp::broadcast_arrays(v);
  const Array& at_x = both[1];
  // The forward derivative along a with a tangent of ones: elementwise, so it is the partial itself.
  const auto derivative = jx::jvp([&at_x](const Array& shape) { return special::gammainc(shape, at_x); },
                                  std::tuple{both[0]}, std::tuple{jnp::ones_like(both[0])})
                              .second;
  return derivative;
}

Array random_gamma_grad_function::operator()(const Array& a, const Array& x, Loc loc) const {
  CallSite site(loc);
  const auto v = strict_floats("random_gamma_grad", {a, x});
  // P(a, x(a)) = u fixed: dx/da = -(dP/da) / (dP/dx), with dP/dx = x^(a - 1) e^-x / Gamma(a).
  const Array log_density = sub(sub(mul(sub(v[0], Array(1.0)), log(v[1])), v[1]), lgamma(v[0]));
  return neg(div(igamma_grad_a(v[0], v[1]), exp(log_density)));
}

Array betainc_function::operator()(const Array& a, const Array& b, const Array& x, Loc loc) const {
  CallSite site(loc);
  const auto v = strict_floats("betainc", {a, b, x});
  return special::betainc(v[0], v[1], v[2]);
}

Array polygamma_function::operator()(const Array& m, const Array& x, Loc loc) const {
  CallSite site(loc);
  const auto v = strict_floats("polygamma", {m, x});
  return special::polygamma(v[0], v[1]);
}

Array zeta_function::operator()(const Array& x, const Array& q, Loc loc) const {
  CallSite site(loc);
  const auto v = strict_floats("zeta", {x, q});
  return special::zeta(v[0], v[1]);
}

// --- Integer bits -----------------------------------------------------------------------------------

Array population_count_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  const DType word = unsigned_word("population_count", x.dtype());
  return convert_element_type(count_bits(convert_element_type(x, word)), x.dtype());
}

Array clz_function::operator()(const Array& x, Loc loc) const {
  CallSite site(loc);
  const DType word = unsigned_word("clz", x.dtype());
  const int bits = bit_width(word);
  // Every bit below the highest set one set too; the zeros left are the leading ones.
  Array v = convert_element_type(x, word);
  for (int shift = 1; shift < bits; shift *= 2) {
    v = bitwise_or(v, shift_right_logical(v, word_constant(static_cast<std::uint64_t>(shift), word)));
  }
  const Array leading = sub(word_constant(static_cast<std::uint64_t>(bits), word), count_bits(v));
  return convert_element_type(leading, x.dtype());
}

Array mulhi_function::operator()(const Array& x, const Array& y, Loc loc) const {
  CallSite site(loc);
  const auto v = strict_operands("mulhi", {x, y});
  const DType dtype = v[0].dtype();
  const DType word = unsigned_word("mulhi", dtype);
  const int half = bit_width(word) / 2;
  const Array a = convert_element_type(v[0], word), b = convert_element_type(v[1], word);
  const Array mask = word_constant((std::uint64_t{1} << half) - 1, word);
  const Array shift = word_constant(static_cast<std::uint64_t>(half), word);
  // Schoolbook multiplication in half words; no partial sum exceeds a word.
  const Array a_low = bitwise_and(a, mask), a_high = shift_right_logical(a, shift);
  const Array b_low = bitwise_and(b, mask), b_high = shift_right_logical(b, shift);
  const Array low_low = mul(a_low, b_low), high_low = mul(a_high, b_low);
  const Array low_high = mul(a_low, b_high), high_high = mul(a_high, b_high);
  const Array cross = add(add(shift_right_logical(low_low, shift), bitwise_and(high_low, mask)), low_high);
  Array upper = add(add(high_high, shift_right_logical(high_low, shift)), shift_right_logical(cross, shift));
  if (is_signed_integer(dtype)) {
    // The signed high half: the unsigned one less b where a < 0 and less a where b < 0 (mod 2^bits).
    const Array zero = word_constant(0, word);
    upper = sub(upper, select(lt(v[0], Array(0)), b, zero));
    upper = sub(upper, select(lt(v[1], Array(0)), a, zero));
  }
  return convert_element_type(upper, dtype);
}

Array reduce_xor_function::operator()(const Array& x, const std::vector<int>& axes, Loc loc) const {
  CallSite site(loc);
  if (!is_integer(x.dtype()) && !is_bool(x.dtype())) {
    throw DTypeError("reduce_xor", fmt::format("needs a bool or integer operand, got {}", dtype_name(x.dtype())));
  }
  std::vector<int> normalized;
  for (int axis : axes) normalized.push_back(ops::normalize_axis("reduce_xor", axis, x.ndim()));
  std::sort(normalized.begin(), normalized.end());
  if (std::adjacent_find(normalized.begin(), normalized.end()) != normalized.end()) {
    throw ValueError("reduce_xor", "axes must be unique");
  }
  Array result = x;
  // Highest axis first, so that the lower axis numbers stay valid; each by pairwise halving.
  for (auto it = normalized.rbegin(); it != normalized.rend(); ++it) {
    const int axis = *it;
    std::int64_t length = result.shape()[axis];
    if (length == 0) {
      Shape shape = result.shape();
      shape.erase(axis);
      result = jnp::zeros(shape, x.dtype());
      continue;
    }
    while (length > 1) {
      const std::int64_t half = length / 2;
      Array combined =
          bitwise_xor(slice_in_dim(result, 0, half, 1, axis), slice_in_dim(result, half, 2 * half, 1, axis));
      if (length % 2 == 1) combined = concatenate({combined, slice_in_dim(result, 2 * half, length, 1, axis)}, axis);
      result = combined;
      length = half + length % 2;
    }
    result = squeeze(result, {axis});
  }
  return result;
}

// --- Precision --------------------------------------------------------------------------------------

Array reduce_precision_function::operator()(const Array& x, int exponent_bits, int mantissa_bits, Loc loc) const {
  CallSite site(loc);
  if (!is_floating(x.dtype())) {
    throw DTypeError("reduce_precision", fmt::format("needs a floating-point operand, got {}", dtype_name(x.dtype())));
  }
  if (exponent_bits < 1 || mantissa_bits < 0) {
    throw ValueError("reduce_precision", fmt::format("needs exponent_bits >= 1 and mantissa_bits >= 0, got {} and {}",
                                                     exponent_bits, mantissa_bits));
  }
  const auto [source_exponent_bits, source_mantissa_bits] = float_format(x.dtype());
  if (exponent_bits >= source_exponent_bits && mantissa_bits >= source_mantissa_bits) return x;
  // The derivative passes the tangent through: JAX reduces the tangent too (it declares the operation
  // linear), but a rounding composed of comparisons and selects cannot be transposed, and a tangent
  // reduced or not differs only by that rounding.
  static const char identity = 0;
  const auto round_to_format = [exponent_bits, mantissa_bits](std::span<const Array> inputs) {
    return ArrayList{reduced_precision_value(inputs[0], exponent_bits, mantissa_bits)};
  };
  const auto rule = [](std::span<const Array> /*primals*/, std::span<const Array> tangents,
                       std::span<const Array> /*outputs*/) { return ArrayList{tangents[0]}; };
  const Array inputs[] = {x};
  return detail::call_custom_jvp(round_to_format, rule, inputs, &identity,
                                 fmt::format("reduce_precision({}, {})", exponent_bits, mantissa_bits))[0];
}

// --- Selection and contraction ------------------------------------------------------------------------

Array select_n_function::operator()(const Array& which, const std::vector<Array>& cases, Loc loc) const {
  CallSite site(loc);
  if (cases.empty()) throw ValueError("select_n", "needs at least one case");
  const std::vector<Array> v = strict_operands("select_n", cases);
  for (const Array& c : v) {
    if (c.shape() != v[0].shape()) {
      throw ShapeError("select_n", fmt::format("cases must have one shape, got {} and {}", v[0].shape().to_string(),
                                               c.shape().to_string()));
    }
  }
  if (which.ndim() != 0 && which.shape() != v[0].shape()) {
    throw ShapeError("select_n", fmt::format("which {} must be a scalar or have the cases' shape {}",
                                             which.shape().to_string(), v[0].shape().to_string()));
  }
  if (is_bool(which.dtype())) {
    if (v.size() > 2) throw ValueError("select_n", fmt::format("a bool which selects from 2 cases, got {}", v.size()));
    return v.size() == 1 ? v[0] : select(which, v[1], v[0]);
  }
  if (!is_integer(which.dtype())) {
    throw DTypeError("select_n", fmt::format("which must be bool or integer, got {}", dtype_name(which.dtype())));
  }
  Array result = v.back();
  for (std::size_t i = v.size() - 1; i-- > 0;) {
    result = select(eq(which, Array(static_cast<std::int64_t>(i))), v[i], result);
  }
  if (v.size() == 1 && which.ndim() != 0) result = broadcast_in_dim(result, which.shape(), {});
  return result;
}

Array dot_function::operator()(const Array& lhs, const Array& rhs, const DotOptions& options, Loc loc) const {
  CallSite site(loc);
  DotDimensionNumbers numbers;
  if (options.dimension_numbers) {
    numbers = *options.dimension_numbers;
  } else if (lhs.ndim() >= 1 && lhs.ndim() <= 2 && rhs.ndim() >= 1 && rhs.ndim() <= 2 &&
             lhs.shape()[lhs.ndim() - 1] == rhs.shape()[0]) {
    numbers = {{lhs.ndim() - 1}, {0}, {}, {}};
  } else {
    throw ValueError("dot", fmt::format("dimension_numbers must be given unless the operands are vectors or matrices "
                                        "with lhs's last axis the length of rhs's first; got {} and {}",
                                        lhs.shape().to_string(), rhs.shape().to_string()));
  }
  if (!options.preferred_element_type) return dot_general(lhs, rhs, numbers);
  const DType preferred = canonicalize_dtype(*options.preferred_element_type);
  const DType accumulate = promote_types(promote_types(lhs.dtype(), rhs.dtype()), preferred);
  const Array product =
      dot_general(convert_element_type(lhs, accumulate), convert_element_type(rhs, accumulate), numbers);
  return convert_element_type(product, preferred);
}

Array batch_matmul_function::operator()(const Array& lhs, const Array& rhs, Loc loc) const {
  CallSite site(loc);
  if (std::min(lhs.ndim(), rhs.ndim()) < 2) {
    throw ValueError("batch_matmul", fmt::format("operands must have rank 2 or more, got {} and {}",
                                                 lhs.shape().to_string(), rhs.shape().to_string()));
  }
  if (lhs.ndim() != rhs.ndim()) {
    throw ValueError("batch_matmul", fmt::format("operands must have one rank, got {} and {}", lhs.shape().to_string(),
                                                 rhs.shape().to_string()));
  }
  std::vector<int> batch(static_cast<std::size_t>(lhs.ndim() - 2));
  for (int d = 0; d < lhs.ndim() - 2; ++d) batch[static_cast<std::size_t>(d)] = d;
  return dot_general(lhs, rhs, {{lhs.ndim() - 1}, {rhs.ndim() - 2}, batch, batch});
}

// --- Helpers ------------------------------------------------------------------------------------------

DType dtype(const Array& x, Loc loc) {
  CallSite site(loc);
  return canonicalize_dtype(x.dtype());
}

DType dtype(DType x, Loc loc) {
  CallSite site(loc);
  return canonicalize_dtype(x);
}

}  // namespace jx::lax
