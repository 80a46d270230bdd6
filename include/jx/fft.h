// jx/fft.h — discrete Fourier transforms: jax.numpy.fft and jax.lax.fft, on FFTW.
//
// A library of its own: link the CMake target jx::fft (which brings FFTW, GPL-2.0-or-later) to use
// it; programs that do not, do not link FFTW (README, "Licenses"). Transforms run over 1 to 3 axes of
// float32/float64 (complex64/complex128) arrays, batched over the others, under jit and vmap, and are
// differentiable in forward and reverse mode (they are linear). Results follow JAX's dtypes: float32
// input gives complex64. JAX's positional arguments are positional here: jnp::fft::irfft(x, n).
//
//   namespace jnp = jx::numpy;
//   auto x = jnp::sin(jnp::linspace(0.0, 6.28, 64));
//   auto spectrum = jnp::fft::rfft(x);                    // complex64, 33 bins
//   auto back = jnp::fft::irfft(spectrum, 64);            // x again
//   auto image = jnp::fft::fft2(jnp::ones({8, 8}), std::nullopt, {{-2, -1}}, "ortho");
//   auto freqs = jnp::fft::fftshift(jnp::fft::fftfreq(64, 0.1));
#pragma once

#include <cstdint>
#include <optional>
#include <source_location>
#include <string_view>
#include <vector>

#include "jx/core/array.h"

namespace jx {

namespace lax {

// lax.FftType: complex-to-complex forward and inverse (normalized by 1 / N), real-to-complex and its
// inverse (normalized).
enum class FftType { FFT, IFFT, RFFT, IRFFT };  // NOLINT(readability-identifier-naming): JAX's names

// The transform of the trailing fft_lengths.size() (1 to 3) axes of x (lax.fft): FFT and IFFT take
// complex arrays of those lengths (real ones are converted), RFFT real ones and gives n / 2 + 1 bins on
// the last axis, IRFFT takes those bins and gives fft_lengths.
inline constexpr struct fft_function {
  Array operator()(const Array& x, FftType fft_type, const std::vector<std::int64_t>& fft_lengths,
                   std::source_location loc = std::source_location::current()) const;
} fft{};

}  // namespace lax

namespace numpy::fft {

using Loc = std::source_location;
using Lengths = std::optional<std::vector<std::int64_t>>;
using AxisList = std::optional<std::vector<int>>;
// norm: "backward" (the default: the inverse divides by n), "ortho" (both by sqrt(n)) or "forward".
using Norm = std::optional<std::string_view>;

// One axis: n pads with zeros or crops the input along `axis` (its length by default; for irfft and
// hfft the output length, 2 (m - 1) by default for m input bins).
#define JX_DECLARE_FFT_1D(name)                                                                   \
  inline constexpr struct name##_function {                                                       \
    Array operator()(const Array& a, std::optional<std::int64_t> n = std::nullopt, int axis = -1, \
                     Norm norm = std::nullopt, Loc loc = Loc::current()) const;                   \
  } name{};
JX_DECLARE_FFT_1D(fft)
JX_DECLARE_FFT_1D(ifft)
JX_DECLARE_FFT_1D(rfft)
JX_DECLARE_FFT_1D(irfft)
JX_DECLARE_FFT_1D(hfft)   // the FFT of a Hermitian-symmetric signal given by its first half: real
JX_DECLARE_FFT_1D(ihfft)  // its inverse, from a real signal
#undef JX_DECLARE_FFT_1D

// Several axes: s gives the lengths along `axes` (the last len(s) axes, or all, by default; the
// 2-D forms default to the last two).
#define JX_DECLARE_FFT_ND(name, default_axes)                                                                          \
  inline constexpr struct name##_function {                                                                            \
    Array operator()(const Array& a, Lengths s = std::nullopt, AxisList axes = default_axes, Norm norm = std::nullopt, \
                     Loc loc = Loc::current()) const;                                                                  \
  } name{};
JX_DECLARE_FFT_ND(fft2, (std::vector<int>{-2, -1}))
JX_DECLARE_FFT_ND(ifft2, (std::vector<int>{-2, -1}))
JX_DECLARE_FFT_ND(rfft2, (std::vector<int>{-2, -1}))
JX_DECLARE_FFT_ND(irfft2, (std::vector<int>{-2, -1}))
JX_DECLARE_FFT_ND(fftn, std::nullopt)
JX_DECLARE_FFT_ND(ifftn, std::nullopt)
JX_DECLARE_FFT_ND(rfftn, std::nullopt)
JX_DECLARE_FFT_ND(irfftn, std::nullopt)
#undef JX_DECLARE_FFT_ND

struct FreqOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::optional<DType> dtype = std::nullopt;  // the default float type
};
// The sample frequencies of an n-point FFT with sample spacing d: [0, 1, ..., -2, -1] / (d n).
inline constexpr struct fftfreq_function {
  Array operator()(std::int64_t n, double d = 1.0, FreqOptions options = {}, Loc loc = Loc::current()) const;
} fftfreq{};
// Those of an rfft: [0, 1, ..., n / 2] / (d n).
inline constexpr struct rfftfreq_function {
  Array operator()(std::int64_t n, double d = 1.0, FreqOptions options = {}, Loc loc = Loc::current()) const;
} rfftfreq{};
// The zero frequency moved to the centre (rolled by n / 2) along `axes` (all by default), and back.
inline constexpr struct fftshift_function {
  Array operator()(const Array& x, std::optional<Axes> axes = std::nullopt, Loc loc = Loc::current()) const;
} fftshift{};
inline constexpr struct ifftshift_function {
  Array operator()(const Array& x, std::optional<Axes> axes = std::nullopt, Loc loc = Loc::current()) const;
} ifftshift{};

}  // namespace numpy::fft

}  // namespace jx
