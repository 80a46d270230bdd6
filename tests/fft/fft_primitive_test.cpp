// The fft primitive and jnp.fft beyond NumPy's values (tests/fft/fft_oracle_test.cpp): closed forms
// and round trips, derivatives by finite differences in both modes, jit and vmap, the printed
// program, plans used from several threads and on unaligned arrays, and the errors.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <numbers>
#include <string>
#include <thread>
#include <vector>

#include "array_close.h"
#include "jx/core/config.h"
#include "jx/core/error.h"
#include "jx/fft.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/random.h"
#include "jx/test_util.h"
#include "jx/transforms/jit.h"
#include "jx/transforms/vmap.h"

namespace {

namespace jnp = jx::numpy;
namespace fft = jx::numpy::fft;
using jx::Array;

void expect_close(const Array& got, const Array& want, double tolerance) {
  EXPECT_TRUE(jx::testing::all_close(got, want, tolerance));
}

Array complex_normal(int seed, const jx::Shape& shape, jx::DType real = jx::float32) {
  return jx::lax::complex(jx::random::normal(jx::random::PRNGKey(seed), shape, real),
                          jx::random::normal(jx::random::PRNGKey(seed + 100), shape, real));
}

TEST(Fft, ClosedForms) {
  // The transform of a unit impulse is all ones; of cos(2 pi k t / n), n / 2 at bins k and n - k.
  const Array impulse = jnp::array({1.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f});
  expect_close(fft::fft(impulse), jnp::astype(jnp::ones({8}), jx::complex64), 1e-6);
  std::vector<double> wave;
  for (int t = 0; t < 16; ++t) wave.push_back(std::cos(2 * std::numbers::pi * 3 * t / 16));
  const Array spectrum = fft::rfft(jnp::array(wave, jx::float32));
  EXPECT_EQ(spectrum.shape(), (jx::Shape{9}));
  std::vector<std::complex<double>> expected(9, 0.0);
  expected[3] = 8.0;
  expect_close(spectrum, jnp::array(std::span<const std::complex<double>>(expected), jx::Shape{9}, jx::complex64),
               1e-5);
}

TEST(Fft, RoundTripsAndNormModes) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array x = jx::random::normal(jx::random::PRNGKey(1), {3, 10, 12}, jx::float64);
  expect_close(fft::irfft(fft::rfft(x), 12), x, 1e-12);
  expect_close(fft::irfftn(fft::rfftn(x, std::nullopt, std::vector<int>{0, 2}), std::vector<std::int64_t>{3, 12},
                           std::vector<int>{0, 2}),
               x, 1e-12);
  const Array z = complex_normal(2, {4, 6, 5}, jx::float64);
  expect_close(fft::ifftn(fft::fftn(z)), z, 1e-12);
  for (const char* norm : {"backward", "ortho", "forward"}) {
    expect_close(fft::ifft2(fft::fft2(z, std::nullopt, std::vector<int>{-2, -1}, norm), std::nullopt,
                            std::vector<int>{-2, -1}, norm),
                 z, 1e-12);
  }
  // "ortho" is unitary: it keeps the 2-norm.
  const double before = jnp::sum(jnp::square(jnp::abs(z))).item<double>();
  const double after =
      jnp::sum(jnp::square(jnp::abs(fft::fftn(z, std::nullopt, std::nullopt, "ortho")))).item<double>();
  EXPECT_NEAR(after, before, 1e-9 * before);
  // hfft inverts ihfft.
  const Array r = jx::random::normal(jx::random::PRNGKey(3), {9}, jx::float64);
  expect_close(fft::hfft(fft::ihfft(r), 9), r, 1e-12);
}

TEST(Fft, DerivativesMatchFiniteDifferences) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array z = complex_normal(4, {2, 6}, jx::float64);
  const Array x = jx::random::normal(jx::random::PRNGKey(5), {2, 7}, jx::float64);
  jx::test::check_grads([](const Array& a) { return fft::fft(a); }, {z}, 2);
  jx::test::check_grads([](const Array& a) { return fft::ifft(a, 8, -1, "ortho"); }, {z}, 2);
  jx::test::check_grads([](const Array& a) { return fft::rfft(a); }, {x}, 2);
  jx::test::check_grads([](const Array& a) { return fft::irfft(a, 10); }, {z}, 2);
  jx::test::check_grads([](const Array& a) { return fft::irfft(a, 11); }, {z}, 1);
  jx::test::check_grads([](const Array& a) { return fft::hfft(a); }, {z}, 1);
  jx::test::check_grads([](const Array& a) { return fft::rfftn(a); }, {x}, 1);
  jx::test::check_grads([](const Array& a) { return fft::irfft2(a); }, {z}, 1);
  // A real loss of a spectrum: the gradient of |rfft(x)|^2 summed is 2 n x (Parseval, bins weighted).
  jx::test::check_grads([](const Array& a) { return jnp::sum(jnp::square(jnp::abs(fft::rfft(a)))); }, {x}, 2);
}

TEST(Fft, JitVmapAndTheProgram) {
  const Array z = complex_normal(6, {5, 16});
  const Array eager = fft::fft(z);
  expect_close(jx::jit([](const Array& a) { return fft::fft(a); })(z), eager, 1e-5);
  expect_close(jx::vmap([](const Array& a) { return fft::fft(a); })(z), eager, 1e-5);
  expect_close(
      jx::vmap([](const Array& a) { return fft::fft(a); }, {.in_axes = {1}, .out_axes = 1})(jnp::swapaxes(z, 0, 1)),
      jnp::swapaxes(eager, 0, 1), 1e-5);
  const std::string program = jx::make_jaxpr([](const Array& a) {
                                return jx::lax::fft(a, jx::lax::FftType::IRFFT, {16});
                              })(complex_normal(7, {3, 9}))
                                  .to_string();
  EXPECT_NE(program.find("fft[fft_type=IRFFT fft_lengths=(16,)]"), std::string::npos) << program;
}

TEST(Fft, ConcurrentCallsSharePlansAndUnalignedViewsGetTheirOwn) {
  const Array z = complex_normal(8, {64, 128});
  const Array expected = fft::fft(z);
  std::vector<Array> results(4);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < results.size(); ++t) {
    threads.emplace_back([&, t] { results[t] = fft::fft(z); });
  }
  for (auto& thread : threads) thread.join();
  for (const Array& r : results) expect_close(r, expected, 0);
  // A view that starts one complex64 into the buffer (8-byte aligned, not 16) runs an unaligned plan:
  // other codelets, the same values up to rounding.
  const Array flat = jnp::reshape(z, {64 * 128});
  const Array shifted = jx::lax::slice_in_dim(flat, 1, 129, 1, 0);
  expect_close(fft::fft(shifted), fft::fft(jnp::array(shifted.to_vector<std::complex<float>>(), jx::complex64)), 1e-5);
}

// The DFT of each row of `rows` (row length n) by its defining sum, in double precision.
std::vector<std::complex<double>> direct_dft(const std::vector<std::complex<double>>& rows, std::size_t n) {
  std::vector<std::complex<double>> out(rows.size());
  for (std::size_t start = 0; start < rows.size(); start += n) {
    for (std::size_t k = 0; k < n; ++k) {
      std::complex<double> sum = 0;
      for (std::size_t t = 0; t < n; ++t) {
        sum += rows[start + t] *
               std::polar(1.0, -2 * std::numbers::pi * static_cast<double>(k * t) / static_cast<double>(n));
      }
      out[start + k] = sum;
    }
  }
  return out;
}

// Each thread keeps the plan it ran last (src/fft/fftw_plans.cpp): transforms that alternate between
// lengths, between aligned and unaligned arrays, and strided views (copied dense first) must each
// still get their own plan.
TEST(Fft, AlternatingShapesAndStridedViewsMatchTheDefiningSum) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array z = complex_normal(9, {2, 48}, jx::float64);
  const Array strided = jx::lax::slice(z, {0, 0}, {2, 48}, std::vector<std::int64_t>{1, 2});  // 2 x 24, stride 2
  const Array unaligned = jx::lax::slice_in_dim(jnp::reshape(z, {96}), 1, 25, 1, 0);          // 24 points, offset 1
  const Array whole = z;
  for (int round = 0; round < 3; ++round) {
    for (const Array* x : {&strided, &unaligned, &whole}) {
      const auto values = x->to_vector<std::complex<double>>();
      const auto n = static_cast<std::size_t>(x->shape()[x->ndim() - 1]);
      const Array want = jnp::array(std::span<const std::complex<double>>(direct_dft(values, n)), x->shape());
      expect_close(fft::fft(*x), want, 1e-10);
    }
  }
}

// More than 3 axes: composed from transforms of up to 3 (two 2-D ones for 4), as jnp.fft does.
TEST(Fft, FourAndFiveAxesComposeSmallerTransforms) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  const Array z = complex_normal(10, {3, 4, 2, 5}, jx::float64);
  // The 4-D transform is the 1-D transform along each axis in turn.
  Array along_each = z;
  for (int axis = 0; axis < 4; ++axis) along_each = fft::fft(along_each, std::nullopt, axis);
  expect_close(fft::fftn(z), along_each, 1e-10);
  expect_close(fft::ifftn(fft::fftn(z)), z, 1e-12);
  const Array x = jx::random::normal(jx::random::PRNGKey(11), {2, 3, 2, 2, 6}, jx::float64);
  const Array spectrum = fft::rfftn(x);
  EXPECT_EQ(spectrum.shape(), (jx::Shape{2, 3, 2, 2, 4}));
  expect_close(fft::irfftn(spectrum, std::vector<std::int64_t>{2, 3, 2, 2, 6}), x, 1e-12);
}

TEST(Fft, FrequenciesAndShifts) {
  expect_close(fft::fftfreq(5, 0.5), jnp::array({0.0f, 0.4f, 0.8f, -0.8f, -0.4f}), 1e-7);
  expect_close(fft::rfftfreq(6), jnp::array({0.0f, 1.0f / 6, 2.0f / 6, 0.5f}), 1e-7);
  EXPECT_EQ(fft::fftshift(jnp::arange(5)).to_vector<std::int32_t>(), (std::vector<std::int32_t>{3, 4, 0, 1, 2}));
  EXPECT_EQ(fft::ifftshift(fft::fftshift(jnp::arange(5))).to_vector<std::int32_t>(),
            (std::vector<std::int32_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(fft::fftfreq(4, 1.0, {.dtype = jx::float32}).dtype(), jx::float32);
}

TEST(Fft, BadInputRaisesNamedErrors) {
  const Array z = complex_normal(9, {4, 4, 4, 4});
  EXPECT_THROW(jx::lax::fft(z, jx::lax::FftType::FFT, {4, 4, 4, 4}), jx::ShapeError);
  EXPECT_THROW(jx::lax::fft(z, jx::lax::FftType::FFT, {5}), jx::ShapeError);
  EXPECT_THROW(jx::lax::fft(z, jx::lax::FftType::RFFT, {4}), jx::DTypeError);
  EXPECT_THROW(fft::fft(z, std::nullopt, -1, "sideways"), jx::ValueError);
  EXPECT_THROW(fft::fftn(z, std::nullopt, std::vector<int>{0, 0}), jx::ValueError);
  EXPECT_THROW(fft::rfft(jnp::ones({4}), 0), jx::ValueError);         // no points
  EXPECT_THROW(fft::irfft(complex_normal(12, {1})), jx::ValueError);  // 2 (1 - 1) = 0 points
  EXPECT_THROW(jx::lax::fft(z, jx::lax::FftType::IRFFT, {-1}), jx::ValueError);
  EXPECT_THROW(fft::fft2(z, std::vector<std::int64_t>{-1, 4}), jx::ValueError);
  EXPECT_THROW(fft::fft(z, std::nullopt, 4), jx::ShapeError);
  EXPECT_THROW(fft::fftfreq(0), jx::ValueError);
}

}  // namespace
