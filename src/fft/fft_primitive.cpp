#include "fft/fft_primitive.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <array>
#include <complex>

#include "backends/cpu/kernels.h"
#include "core/array_impl.h"
#include "fft/fftw_plans.h"
#include "ir/primitives/rules.h"
#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "trace/trace.h"

namespace jx::primitives {
namespace jnp = jx::numpy;

namespace {

std::string type_name(lax::FftType type) {
  switch (type) {
    case lax::FftType::FFT:
      return "FFT";
    case lax::FftType::IFFT:
      return "IFFT";
    case lax::FftType::RFFT:
      return "RFFT";
    case lax::FftType::IRFFT:
      return "IRFFT";
  }
  return "?";
}

std::int64_t product(const std::vector<std::int64_t>& lengths) {
  std::int64_t n = 1;
  for (std::int64_t length : lengths) n *= length;
  return n;
}

// x scaled in place by `factor` (the 1 / N of the inverse transforms).
template <class T>
void scale(std::byte* data, std::int64_t count, double factor) {
  auto* values = reinterpret_cast<T*>(data);
  const auto f = static_cast<typename T::value_type>(factor);
  for (std::int64_t i = 0; i < count; ++i) values[i] *= f;
}

}  // namespace

Fft::Fft(lax::FftType type, std::vector<std::int64_t> lengths)
    : type_(type), type_name_(type_name(type)), lengths_(std::move(lengths)) {}

TypeList Fft::infer(std::span<const ArrayType> inputs) const { return {output_type(inputs[0])}; }

ArrayType Fft::output_type(const ArrayType& x) const {
  const int rank = static_cast<int>(lengths_.size());
  auto fail = [&](std::string_view why) {
    throw ShapeError(std::string(name()), fmt::format("{} (x {}, fft_type {}, fft_lengths ({}))", why, x.to_string(),
                                                      type_name_, fmt::join(lengths_, ", ")));
  };
  if (rank < 1 || rank > 3) fail("transforms 1 to 3 axes");
  for (std::int64_t length : lengths_) {
    if (length < 1) {
      throw ValueError(std::string(name()), fmt::format("fft_lengths must be positive, got ({}) for x {}",
                                                        fmt::join(lengths_, ", "), x.to_string()));
    }
  }
  if (x.ndim() < rank) fail("x has fewer axes than fft_lengths");
  const bool real_input = type_ == lax::FftType::RFFT;
  if (real_input ? (x.dtype != DType::float32 && x.dtype != DType::float64) : !is_complex(x.dtype)) {
    throw DTypeError(std::string(name()),
                     fmt::format("{} takes {} input, got {}", type_name_,
                                 real_input ? "float32 or float64" : "complex64 or complex128", x.to_string()));
  }
  Shape out = x.shape;
  for (int i = 0; i < rank; ++i) {
    const int axis = x.ndim() - rank + i;
    const bool last = i == rank - 1;
    const std::int64_t expected = type_ == lax::FftType::IRFFT && last ? lengths_[static_cast<std::size_t>(i)] / 2 + 1
                                                                       : lengths_[static_cast<std::size_t>(i)];
    if (x.shape[axis] != expected) fail("the trailing axes of x do not match fft_lengths");
    if (last && type_ == lax::FftType::RFFT) out[axis] = lengths_.back() / 2 + 1;
    if (last && type_ == lax::FftType::IRFFT) out[axis] = lengths_.back();
  }
  const DType dtype = type_ == lax::FftType::RFFT    ? complex_dtype(x.dtype)
                      : type_ == lax::FftType::IRFFT ? real_dtype(x.dtype)
                                                     : x.dtype;
  return ArrayType{out, dtype};
}

ArrayList Fft::evaluate(std::span<const Array> inputs) const {
  const ArrayType out_type = output_type(inputs[0].type());
  // The operand itself where it is dense (no handle copied: see numpy_fft.cpp), else a dense copy.
  const ConcreteArray* dense = &concrete(inputs[0]);
  Array dense_copy;
  if (!dense->is_contiguous()) {
    dense_copy = cpu::contiguous(inputs[0]);
    dense = &concrete(dense_copy);
  }
  auto out = allocate_array(out_type);
  const std::int64_t points = product(lengths_);
  const std::int64_t batch =
      points == 0
          ? 0
          : (type_ == lax::FftType::IRFFT ? out_type.shape.num_elements() : dense->type().num_elements()) / points;
  const DType real = real_dtype(out_type.dtype);
  const fft_kernels::Kind kind = type_ == lax::FftType::FFT    ? fft_kernels::Kind::forward
                                 : type_ == lax::FftType::IFFT ? fft_kernels::Kind::inverse
                                 : type_ == lax::FftType::RFFT ? fft_kernels::Kind::real_forward
                                                               : fft_kernels::Kind::real_inverse;
  fft_kernels::execute(kind, real, lengths_, batch, dense->data(), out->data());
  // XLA's (and so JAX's) inverse transforms are normalized; FFTW's are not.
  if ((type_ == lax::FftType::IFFT || type_ == lax::FftType::IRFFT) && points > 0) {
    const std::int64_t count = out_type.shape.num_elements();
    const double factor = 1.0 / static_cast<double>(points);
    if (type_ == lax::FftType::IFFT) {
      if (real == DType::float32)
        scale<std::complex<float>>(out->data(), count, factor);
      else
        scale<std::complex<double>>(out->data(), count, factor);
    } else {
      auto* values = out->data();
      if (real == DType::float32) {
        for (std::int64_t i = 0; i < count; ++i) reinterpret_cast<float*>(values)[i] *= static_cast<float>(factor);
      } else {
        for (std::int64_t i = 0; i < count; ++i) reinterpret_cast<double*>(values)[i] *= factor;
      }
    }
  }
  ArrayList result;  // not `return {wrap(...)}`, which would copy the handle out of an initializer list
  result.push_back(wrap(std::move(out)));
  return result;
}

ArrayList Fft::jvp(std::span<const Array> /*primals*/, std::span<const Array> tangents,
                   std::span<const Array> /*outputs*/) const {
  if (!tangents[0].valid()) return {Array()};
  return {jx::bind1(*this, {tangents[0]})};
}

ArrayList Fft::transpose(std::span<const Array> cotangents, std::span<const Array> /*inputs*/,
                         std::span<const ArrayType> types) const {
  if (!cotangents[0].valid()) return {Array()};
  const Array& t = cotangents[0];
  const int last = t.ndim() - 1;
  switch (type_) {
    case lax::FftType::FFT:
    case lax::FftType::IFFT:
      return {jx::bind1(*this, {t})};
    case lax::FftType::RFFT: {
      // RFFT(x) = the first n / 2 + 1 bins of FFT(x as complex): transposed, the bins padded back to n
      // with zeros, an FFT, and the real part (the transpose of the real-to-complex conversion).
      const std::int64_t n = lengths_.back();
      std::vector<std::pair<std::int64_t, std::int64_t>> widths(static_cast<std::size_t>(t.ndim()), {0, 0});
      widths.back() = {0, n - t.shape()[last]};
      const Array full = jx::bind1(Fft(lax::FftType::FFT, lengths_), {jnp::pad(t, widths)});
      return {lax::convert_element_type(jnp::real(full), types[0].dtype)};
    }
    case lax::FftType::IRFFT: {
      // The bins other than 0 and (for even n) n / 2 appear twice in the real signal.
      const Array x = jx::bind1(Fft(lax::FftType::RFFT, lengths_), {t});
      const std::int64_t bins = x.shape()[last];
      const bool odd = lengths_.back() % 2 == 1;
      std::vector<double> weights(static_cast<std::size_t>(bins), 2.0);
      weights.front() = 1.0;
      if (!odd && bins > 1) weights.back() = 1.0;
      const Array mask = jnp::array(weights, x.dtype());
      const double scale_factor = 1.0 / static_cast<double>(product(lengths_));
      const Array out = jnp::multiply(jnp::multiply(x, mask), jnp::array(scale_factor, real_dtype(x.dtype())));
      return {jnp::conj(out)};
    }
  }
  return {Array()};
}

BatchResult Fft::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  return {{jx::bind1(*this, {rules::batch_to_front(inputs[0], axes[0])})}, {0}};
}

}  // namespace jx::primitives
