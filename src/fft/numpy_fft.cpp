// jx::numpy::fft and jx::lax::fft: JAX's jnp.fft wrappers (jax/_src/numpy/fft.py) around the fft
// primitive — moving the transformed axes last, cropping or zero-padding to the requested lengths,
// and the norm modes — plus the frequency grids and shifts.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "fft/fft_primitive.h"
#include "jx/core/error.h"
#include "jx/fft.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "ops/promotion.h"
#include "trace/trace.h"

namespace jx {

namespace lax {

Array fft_function::operator()(const Array& x, FftType fft_type, const std::vector<std::int64_t>& fft_lengths,
                               std::source_location loc) const {
  CallSite site(loc);
  if (!x.valid()) throw ValueError("fft", "the operand is an empty jx::Array handle");
  // As lax.fft: RFFT takes real input (integers become the default float type); the others complex.
  // The operand by pointer, and bound as a span of it: at 2^10 points each reference-count update of
  // a copied handle is a measurable part of the call.
  const Array* input = &x;
  Array converted;
  if (fft_type == FftType::RFFT) {
    if (is_complex(x.dtype())) {
      throw DTypeError("fft", fmt::format("RFFT takes real input, got {}", x.type().to_string()));
    }
    if (!is_inexact(x.dtype())) {  // integers and booleans become the default float type
      converted = ops::to_inexact(x);
      input = &converted;
    }
  } else if (!is_complex(x.dtype())) {
    const Array inexact = ops::to_inexact(x);
    converted = convert_element_type(inexact, complex_dtype(inexact.dtype()));
    input = &converted;
  }
  if (fft_lengths.empty()) return *input;
  return jx::bind1(primitives::Fft(fft_type, fft_lengths), std::span<const Array>(input, 1));
}

}  // namespace lax

namespace numpy::fft {
namespace {

// The factor each norm mode applies on top of lax.fft, whose inverse transforms already divide by n
// (jnp.fft's _fft_norm): none in "backward" mode; in "ortho" 1 / sqrt(n) forward and sqrt(n) inverse;
// in "forward" 1 / n forward and n inverse. hfft counts as forward, ihfft as inverse, by name as JAX.
double norm_factor(std::string_view function, Norm norm, std::int64_t points) {
  const std::string_view mode = norm.value_or("backward");
  const bool inverse = function.front() == 'i';
  const double n = static_cast<double>(points);
  if (mode == "backward") return 1.0;
  if (mode == "ortho") return inverse ? std::sqrt(n) : 1.0 / std::sqrt(n);
  if (mode == "forward") return inverse ? n : 1.0 / n;
  throw ValueError(std::string(function),
                   fmt::format("norm must be \"backward\", \"ortho\" or \"forward\", got \"{}\"", mode));
}

// x's axes [first, first + count) moved to the end (or, with `back`, the last `count` axes moved to
// position `first`).
Array move_block(const Array& x, int first, int count, bool back) {
  std::vector<int> order;
  const int ndim = x.ndim();
  if (!back) {
    for (int d = 0; d < ndim; ++d) {
      if (d < first || d >= first + count) order.push_back(d);
    }
    for (int d = first; d < first + count; ++d) order.push_back(d);
  } else {
    for (int d = 0; d < first; ++d) order.push_back(d);
    for (int d = ndim - count; d < ndim; ++d) order.push_back(d);
    for (int d = first; d < ndim - count; ++d) order.push_back(d);
  }
  return lax::transpose(x, order);
}

// lax.fft over the last lengths.size() axes of x, for any number of them: XLA's (and FFTW's plans
// here) go to 3, so more are composed from transforms of up to 3 axes (two 2-D ones for 4), as
// jnp.fft's _fft_core_nd does.
Array fft_nd(const Array& x, lax::FftType type, const std::vector<std::int64_t>& lengths) {
  const int count = static_cast<int>(lengths.size());
  if (count <= 3) return lax::fft(x, type, lengths);
  const int inner = count == 4 ? 2 : 3;
  const int first = x.ndim() - count;
  const std::vector<std::int64_t> outer_lengths(lengths.begin(), lengths.end() - inner),
      inner_lengths(lengths.end() - inner, lengths.end());
  if (type == lax::FftType::RFFT || type == lax::FftType::FFT) {
    Array y = lax::fft(x, type, inner_lengths);
    y = move_block(y, first, count - inner, false);
    y = fft_nd(y, lax::FftType::FFT, outer_lengths);
    return move_block(y, first, count - inner, true);
  }
  Array y = move_block(x, first, count - inner, false);
  y = fft_nd(y, lax::FftType::IFFT, outer_lengths);
  y = move_block(y, first, count - inner, true);
  return lax::fft(y, type, inner_lengths);
}

// jnp.fft's _fft_core: the transform of `a` along `axes` with lengths `s`.
Array fft_core(std::string_view function, lax::FftType type, const Array& a, const Lengths& s, const AxisList& axes,
               Norm norm) {
  const std::string op(function);
  if (!a.valid()) throw ValueError(op, "the operand is an empty jx::Array handle");
  if (s) {
    for (std::int64_t length : *s) {
      if (length <= 0) throw ValueError(op, fmt::format("lengths must be positive, got ({})", fmt::join(*s, ", ")));
    }
    if (axes && s->size() != axes->size()) {
      throw ValueError(
          op, fmt::format("s ({}) and axes ({}) have different lengths", fmt::join(*s, ", "), fmt::join(*axes, ", ")));
    }
  }
  std::vector<int> chosen;
  if (axes) {
    for (int axis : *axes) chosen.push_back(ops::normalize_axis(op, axis, a.ndim()));
  } else {
    const int count = s ? static_cast<int>(s->size()) : a.ndim();
    if (count > a.ndim()) {
      throw ValueError(op, fmt::format("s has {} lengths for {}", count, a.type().to_string()));
    }
    for (int d = a.ndim() - count; d < a.ndim(); ++d) chosen.push_back(d);
  }
  std::vector<int> sorted = chosen;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
    throw ValueError(op, fmt::format("repeated axes ({}) are not supported", fmt::join(chosen, ", ")));
  }
  if (chosen.empty()) return lax::fft(a, type, {});
  // Move the transformed axes last, in the order given.
  const int rank = static_cast<int>(chosen.size());
  std::vector<int> order;
  for (int d = 0; d < a.ndim(); ++d) {
    if (std::find(chosen.begin(), chosen.end(), d) == chosen.end()) order.push_back(d);
  }
  order.insert(order.end(), chosen.begin(), chosen.end());
  bool moved = false;
  for (std::size_t i = 0; i < order.size(); ++i) moved |= order[i] != static_cast<int>(i);
  Array x = moved ? lax::transpose(a, order) : a;
  const int first = x.ndim() - rank;
  std::vector<std::int64_t> lengths;
  if (s) {
    // Crop or zero-pad each transformed axis to its input length (for IRFFT, n / 2 + 1 bins last).
    std::vector<std::int64_t> input_lengths = *s;
    if (type == lax::FftType::IRFFT) input_lengths.back() = input_lengths.back() / 2 + 1;
    std::vector<std::pair<std::int64_t, std::int64_t>> widths(static_cast<std::size_t>(x.ndim()), {0, 0});
    for (int i = 0; i < rank; ++i) {
      const int axis = first + i;
      const std::int64_t want = input_lengths[static_cast<std::size_t>(i)];
      if (x.shape()[axis] > want) x = lax::slice_in_dim(x, 0, want, 1, axis);
      widths[static_cast<std::size_t>(axis)] = {0, want - x.shape()[axis]};
    }
    x = pad(x, widths);
    lengths = *s;
  } else {
    for (int i = 0; i < rank; ++i) lengths.push_back(x.shape()[first + i]);
    if (type == lax::FftType::IRFFT) lengths.back() = std::max<std::int64_t>(0, 2 * (lengths.back() - 1));
  }
  for (std::int64_t length : lengths) {
    if (length <= 0) {
      throw ValueError(op, fmt::format("cannot transform {} points (lengths ({}) for {})", length,
                                       fmt::join(lengths, ", "), a.type().to_string()));
    }
  }
  Array transformed = fft_nd(x, type, lengths);
  std::int64_t points = 1;
  for (std::int64_t length : lengths) points *= length;
  const double factor = norm_factor(function, norm, points);
  if (factor != 1.0) transformed = multiply(transformed, array(factor, real_dtype(transformed.dtype())));
  // And the axes back where they were.
  if (!moved) return transformed;
  std::vector<int> inverse(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) inverse[static_cast<std::size_t>(order[i])] = static_cast<int>(i);
  return lax::transpose(transformed, inverse);
}

Lengths one(std::optional<std::int64_t> n) { return n ? Lengths(std::vector<std::int64_t>{*n}) : std::nullopt; }

// The 1-D transforms. The common call (the last axis at its own length, the default norm) goes
// straight to lax.fft: fft_core's bookkeeping (five small vectors) cost a quarter of the whole call at
// 2^10 points, where the transform itself takes about a microsecond.
Array one_axis(std::string_view function, lax::FftType type, const Array& a, std::optional<std::int64_t> n, int axis,
               Norm norm) {
  const bool plain = a.valid() && a.ndim() >= 1 && (axis == -1 || axis == a.ndim() - 1) &&
                     norm.value_or("backward") == "backward" && type != lax::FftType::IRFFT;
  if (plain) {
    const std::int64_t length = a.shape()[a.ndim() - 1];
    if (length > 0 && (!n || *n == length)) return lax::fft(a, type, {length});
  }
  return fft_core(function, type, a, one(n), std::vector<int>{axis}, norm);
}

// jnp.fftshift / ifftshift: a roll by n / 2 (or -(n / 2)) along each axis, by slicing and joining.
Array shift(std::string_view op, const Array& x, const std::optional<Axes>& axes, bool inverse) {
  if (!x.valid()) throw ValueError(std::string(op), "the operand is an empty jx::Array handle");
  const std::vector<int> chosen = ops::normalize_axes(op, axes, x.ndim());
  Array result = x;
  for (int axis : chosen) {
    const std::int64_t n = result.shape()[axis];
    if (n == 0) continue;
    const std::int64_t roll = inverse ? n - n / 2 : n / 2;  // rolling right by roll: the last roll elements first
    const std::int64_t split = n - roll;
    if (split == 0 || split == n) continue;
    result =
        concatenate({lax::slice_in_dim(result, split, n, 1, axis), lax::slice_in_dim(result, 0, split, 1, axis)}, axis);
  }
  return result;
}

Array frequencies(std::string_view op, std::int64_t n, double d, const FreqOptions& options, bool real) {
  if (n <= 0) throw ValueError(std::string(op), fmt::format("n must be positive, got {}", n));
  const DType dtype = options.dtype.value_or(default_float_dtype());
  if (!is_floating(dtype)) {
    throw DTypeError(std::string(op), fmt::format("dtype must be a float type, got {}", dtype_name(dtype)));
  }
  std::vector<double> k;
  const std::int64_t positive = real ? n / 2 + 1 : (n - 1) / 2 + 1;
  for (std::int64_t i = 0; i < positive; ++i) k.push_back(static_cast<double>(i));
  if (!real) {
    for (std::int64_t i = -(n / 2); i < 0; ++i) k.push_back(static_cast<double>(i));
  }
  // k / (d n), divided in the result dtype as JAX does.
  return divide(array(k, dtype), array(d * static_cast<double>(n), dtype));
}

}  // namespace

Array fft_function::operator()(const Array& a, std::optional<std::int64_t> n, int axis, Norm norm, Loc loc) const {
  CallSite site(loc);
  return one_axis("fft", lax::FftType::FFT, a, n, axis, norm);
}
Array ifft_function::operator()(const Array& a, std::optional<std::int64_t> n, int axis, Norm norm, Loc loc) const {
  CallSite site(loc);
  return one_axis("ifft", lax::FftType::IFFT, a, n, axis, norm);
}
Array rfft_function::operator()(const Array& a, std::optional<std::int64_t> n, int axis, Norm norm, Loc loc) const {
  CallSite site(loc);
  return one_axis("rfft", lax::FftType::RFFT, a, n, axis, norm);
}
Array irfft_function::operator()(const Array& a, std::optional<std::int64_t> n, int axis, Norm norm, Loc loc) const {
  CallSite site(loc);
  return fft_core("irfft", lax::FftType::IRFFT, a, one(n), std::vector<int>{axis}, norm);
}
Array hfft_function::operator()(const Array& a, std::optional<std::int64_t> n, int axis, Norm norm, Loc loc) const {
  CallSite site(loc);
  // The Hermitian signal's FFT is n times the inverse real FFT of its conjugated first half.
  if (!a.valid()) throw ValueError("hfft", "the operand is an empty jx::Array handle");
  const Array conjugated = conj(a);
  const int normalized = ops::normalize_axis("hfft", axis, a.ndim());
  const std::int64_t length = n.value_or(2 * (a.shape()[normalized] - 1));
  const Array inverse = fft_core("hfft", lax::FftType::IRFFT, conjugated, one(n), std::vector<int>{axis}, norm);
  return multiply(inverse, array(static_cast<double>(length), inverse.dtype()));
}
Array ihfft_function::operator()(const Array& a, std::optional<std::int64_t> n, int axis, Norm norm, Loc loc) const {
  CallSite site(loc);
  if (!a.valid()) throw ValueError("ihfft", "the operand is an empty jx::Array handle");
  const int normalized = ops::normalize_axis("ihfft", axis, a.ndim());
  const std::int64_t length = n.value_or(a.shape()[normalized]);
  const Array output = fft_core("ihfft", lax::FftType::RFFT, a, one(n), std::vector<int>{axis}, norm);
  return multiply(conj(output), array(1.0 / static_cast<double>(length), real_dtype(output.dtype())));
}

#define JX_DEFINE_FFT_ND(name, type)                                                                      \
  Array name##_function::operator()(const Array& a, Lengths s, AxisList axes, Norm norm, Loc loc) const { \
    CallSite site(loc);                                                                                   \
    return fft_core(#name, lax::FftType::type, a, s, axes, norm);                                         \
  }
JX_DEFINE_FFT_ND(fft2, FFT)
JX_DEFINE_FFT_ND(ifft2, IFFT)
JX_DEFINE_FFT_ND(rfft2, RFFT)
JX_DEFINE_FFT_ND(irfft2, IRFFT)
JX_DEFINE_FFT_ND(fftn, FFT)
JX_DEFINE_FFT_ND(ifftn, IFFT)
JX_DEFINE_FFT_ND(rfftn, RFFT)
JX_DEFINE_FFT_ND(irfftn, IRFFT)
#undef JX_DEFINE_FFT_ND

Array fftfreq_function::operator()(std::int64_t n, double d, FreqOptions options, Loc loc) const {
  CallSite site(loc);
  return frequencies("fftfreq", n, d, options, false);
}
Array rfftfreq_function::operator()(std::int64_t n, double d, FreqOptions options, Loc loc) const {
  CallSite site(loc);
  return frequencies("rfftfreq", n, d, options, true);
}
Array fftshift_function::operator()(const Array& x, std::optional<Axes> axes, Loc loc) const {
  CallSite site(loc);
  return shift("fftshift", x, axes, false);
}
Array ifftshift_function::operator()(const Array& x, std::optional<Axes> axes, Loc loc) const {
  CallSite site(loc);
  return shift("ifftshift", x, axes, true);
}

}  // namespace numpy::fft
}  // namespace jx
