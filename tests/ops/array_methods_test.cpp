// jax.Array's methods on jx::Array (src/ops/array_methods.cpp): each against the values NumPy's method
// of the same name gives on small arrays (written out below, computed by hand), under jit as well
// as eagerly, and the errors of bad arguments.
#include <gtest/gtest.h>

#include <complex>
#include <cstdint>
#include <cstring>
#include <vector>

#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/transforms/jit.h"

namespace {

namespace jnp = jx::numpy;
using jx::Array;

// x = [[1, 5, 2], [4, 3, 6]] as float32.
Array sample() { return jnp::array(std::vector<float>{1, 5, 2, 4, 3, 6}).reshape({2, 3}); }

std::vector<float> values(const Array& x) { return x.astype(jx::float32).to_vector<float>(); }
std::vector<int> ints(const Array& x) { return x.astype(jx::int32).to_vector<int>(); }

TEST(ArrayMethods, Reductions) {
  const Array x = sample();
  EXPECT_EQ(x.sum().item<float>(), 21.0f);
  EXPECT_EQ(values(x.sum(0)), (std::vector<float>{5, 8, 8}));
  EXPECT_EQ(values(x.sum({0, 1})), (std::vector<float>{21}));
  EXPECT_EQ(x.sum({.axis = 1, .keepdims = true}).shape(), jx::Shape({2, 1}));
  EXPECT_EQ(values(x.prod(1)), (std::vector<float>{10, 72}));
  EXPECT_EQ(x.mean().item<float>(), 3.5f);
  EXPECT_EQ(values(x.max(0)), (std::vector<float>{4, 5, 6}));
  EXPECT_EQ(values(x.min(1)), (std::vector<float>{1, 3}));
  EXPECT_EQ(values(x.ptp(1)), (std::vector<float>{4, 3}));
  EXPECT_EQ(x.ptp().item<float>(), 5.0f);
  // var of 1..6 is 35/12; with ddof = 1 it is 3.5.
  EXPECT_NEAR(x.var().item<float>(), 35.0 / 12.0, 1e-6);
  EXPECT_NEAR(x.var({.ddof = 1}).item<float>(), 3.5, 1e-6);
  EXPECT_NEAR(x.std().item<float>(), std::sqrt(35.0 / 12.0), 1e-6);
  EXPECT_TRUE(x.all().item<bool>());
  EXPECT_EQ(ints((x > 4).any(1)), (std::vector<int>{1, 1}));
  EXPECT_EQ(ints((x > 4).all(0)), (std::vector<int>{0, 0, 0}));
  EXPECT_EQ(x.sum({.dtype = jx::int32}).dtype(), jx::int32);
}

TEST(ArrayMethods, ArgReductionsAndCumulative) {
  const Array x = sample();
  EXPECT_EQ(x.argmax().item<int>(), 5);
  EXPECT_EQ(ints(x.argmax(1)), (std::vector<int>{1, 2}));
  EXPECT_EQ(ints(x.argmin(0)), (std::vector<int>{0, 1, 0}));
  EXPECT_EQ(x.argmin({.axis = 1, .keepdims = true}).shape(), jx::Shape({2, 1}));
  EXPECT_EQ(values(x.cumsum()), (std::vector<float>{1, 6, 8, 12, 15, 21}));
  EXPECT_EQ(values(x.cumsum(1)), (std::vector<float>{1, 6, 8, 4, 7, 13}));
  EXPECT_EQ(values(x.cumprod(0)), (std::vector<float>{1, 5, 2, 4, 15, 12}));
  EXPECT_EQ(values(x.cumprod({.axis = 1})), (std::vector<float>{1, 5, 10, 4, 12, 72}));
}

TEST(ArrayMethods, Shapes) {
  const Array x = sample();
  EXPECT_EQ(values(x.transpose()), (std::vector<float>{1, 4, 5, 3, 2, 6}));
  EXPECT_EQ(values(x.mT()), (std::vector<float>{1, 4, 5, 3, 2, 6}));
  EXPECT_EQ(jnp::zeros({4, 2, 3}).mT().shape(), jx::Shape({4, 3, 2}));
  EXPECT_EQ(x.ravel().shape(), jx::Shape({6}));
  EXPECT_EQ(values(x.flatten()), (std::vector<float>{1, 5, 2, 4, 3, 6}));
  EXPECT_EQ(values(x.swapaxes(0, 1)), (std::vector<float>{1, 4, 5, 3, 2, 6}));
  const Array y = jnp::zeros({1, 3, 1});
  EXPECT_EQ(y.squeeze().shape(), jx::Shape({3}));
  EXPECT_EQ(y.squeeze(0).shape(), jx::Shape({3, 1}));
  EXPECT_EQ(y.squeeze({0, 2}).shape(), jx::Shape({3}));
  EXPECT_EQ(values(x.repeat(2)), (std::vector<float>{1, 1, 5, 5, 2, 2, 4, 4, 3, 3, 6, 6}));
  EXPECT_EQ(x.repeat(2, 0).shape(), jx::Shape({4, 3}));
  EXPECT_EQ(values(x.diagonal()), (std::vector<float>{1, 3}));
  EXPECT_EQ(values(x.diagonal({.offset = 1})), (std::vector<float>{5, 6}));
  EXPECT_EQ(x.trace().item<float>(), 4.0f);
  EXPECT_EQ(x.trace({.offset = 1}).item<float>(), 11.0f);
  const Array c = x.copy();
  EXPECT_EQ(values(c), values(x));
}

TEST(ArrayMethods, ElementwiseAndProducts) {
  const Array x = sample();
  EXPECT_EQ(values(x.clip(2, 4)), (std::vector<float>{2, 4, 2, 4, 3, 4}));
  EXPECT_EQ(values(x.clip(std::nullopt, 3)), (std::vector<float>{1, 3, 2, 3, 3, 3}));
  // Halves round to even, as NumPy's round.
  const Array h = jnp::array(std::vector<float>{0.5f, 1.5f, 2.5f, -0.5f, 1.26f});
  EXPECT_EQ(values(h.round()), (std::vector<float>{0, 2, 2, -0.0f, 1}));
  EXPECT_NEAR(values(h.round(1))[4], 1.3f, 1e-6);
  EXPECT_EQ(values(x.dot(x.transpose())), (std::vector<float>{30, 31, 31, 61}));
  const Array z = jnp::array(std::vector<std::complex<float>>{{1, 2}, {-3, 0.5f}});
  EXPECT_EQ(z.real().to_vector<float>(), (std::vector<float>{1, -3}));
  EXPECT_EQ(z.imag().to_vector<float>(), (std::vector<float>{2, 0.5f}));
  EXPECT_EQ(z.conj().imag().to_vector<float>(), (std::vector<float>{-2, -0.5f}));
  EXPECT_EQ(z.conjugate().real().to_vector<float>(), (std::vector<float>{1, -3}));
  EXPECT_EQ(values(x.real()), values(x));
  EXPECT_EQ(values(x.imag()), (std::vector<float>(6, 0.0f)));
}

TEST(ArrayMethods, SortingSearchingSelecting) {
  const Array v = jnp::array(std::vector<float>{3, 1, 2, 5, 4});
  EXPECT_EQ(values(v.sort()), (std::vector<float>{1, 2, 3, 4, 5}));
  EXPECT_EQ(ints(v.argsort()), (std::vector<int>{1, 2, 0, 4, 3}));
  EXPECT_EQ(values(sample().sort(0)), (std::vector<float>{1, 3, 2, 4, 5, 6}));
  // argpartition puts the kth smallest at kth, smaller ones before and larger after.
  const std::vector<int> part = ints(v.argpartition(2));
  const std::vector<float> vv = values(v);
  EXPECT_EQ(vv[part[2]], 3.0f);
  for (int i = 0; i < 2; ++i) EXPECT_LT(vv[part[i]], 3.0f);
  for (int i = 3; i < 5; ++i) EXPECT_GT(vv[part[i]], 3.0f);
  const Array sorted = jnp::array(std::vector<float>{1, 2, 2, 3});
  EXPECT_EQ(ints(sorted.searchsorted(jnp::array(std::vector<float>{2, 2.5f, 9}))), (std::vector<int>{1, 3, 4}));
  EXPECT_EQ(ints(sorted.searchsorted(Array(2.0f), {.side = "right"})), (std::vector<int>{3}));
  const Array mask = jnp::array(std::vector<int>{0, 3, 0, 7}).reshape({2, 2});
  const std::vector<Array> nz = mask.nonzero();
  ASSERT_EQ(nz.size(), 2u);
  EXPECT_EQ(ints(nz[0]), (std::vector<int>{0, 1}));
  EXPECT_EQ(ints(nz[1]), (std::vector<int>{1, 1}));
  const std::vector<Array> nz3 = mask.nonzero({.size = 3, .fill_value = Array(-1)});
  EXPECT_EQ(ints(nz3[0]), (std::vector<int>{0, 1, -1}));
  EXPECT_EQ(values(v.compress(jnp::array({true, false, true, false, true}))), (std::vector<float>{3, 2, 4}));
  EXPECT_EQ(values(sample().compress(jnp::array({false, true}), 0)), (std::vector<float>{4, 3, 6}));
  const Array which = jnp::array(std::vector<int>{0, 1, 1, 0});
  const std::vector<Array> choices = {jnp::array(std::vector<float>{1, 2, 3, 4}),
                                      jnp::array(std::vector<float>{10, 20, 30, 40})};
  EXPECT_EQ(values(which.choose(choices)), (std::vector<float>{1, 20, 30, 4}));
  EXPECT_EQ(values(v.take(jnp::array(std::vector<int>{4, 0}))), (std::vector<float>{4, 3}));
  EXPECT_EQ(values(sample().take(jnp::array(std::vector<int>{2}), 1)), (std::vector<float>{2, 6}));
  // Out of range: NaN under the default "fill" mode, the last element under "clip".
  EXPECT_TRUE(std::isnan(values(v.take(jnp::array(std::vector<int>{7})))[0]));
  EXPECT_EQ(values(v.take(jnp::array(std::vector<int>{7}), std::nullopt, {.mode = "clip"})), (std::vector<float>{4}));
}

TEST(ArrayMethods, UnderJitTheMethodsAreTraced) {
  auto f = jx::jit([](const Array& x) { return (x.sum(0) + x.mean(1).sum() + x.cumsum(1).max()) * x.ptp(); });
  // sum(0) = [5, 8, 8], mean(1) = [8/3, 13/3] sums to 7, max(cumsum(1)) = 13, ptp = 5.
  EXPECT_EQ(values(f(sample())), (std::vector<float>{125, 140, 140}));
  auto g = jx::jit([](const Array& x) { return x.sort().take(jnp::array(std::vector<int>{0, 4})); });
  EXPECT_EQ(values(g(jnp::array(std::vector<float>{3, 1, 2, 5, 4}))), (std::vector<float>{1, 5}));
}

TEST(ArrayMethods, BytesAndBuffers) {
  const Array x = sample();
  EXPECT_EQ(x.itemsize(), 4);
  EXPECT_EQ(x.nbytes(), 24);
  EXPECT_EQ(x.on_device_size_in_bytes(), 24);
  EXPECT_EQ(x.astype(jx::int16).itemsize(), 2);
  EXPECT_EQ(jnp::zeros({3}, jx::bool_).nbytes(), 3);
  const auto* data = reinterpret_cast<const float*>(x.unsafe_buffer_pointer());
  EXPECT_EQ(data[4], 3.0f);
  const std::string bytes = x.transpose().tobytes();  // row-major bytes of the transposed values
  ASSERT_EQ(bytes.size(), 24u);
  std::vector<float> decoded(6);
  std::memcpy(decoded.data(), bytes.data(), bytes.size());
  EXPECT_EQ(decoded, (std::vector<float>{1, 4, 5, 3, 2, 6}));
  EXPECT_EQ(jnp::array({true, false}).tobytes(), std::string("\x01\x00", 2));
  x.copy_to_host_async();  // nothing to wait for: the values are already there
  EXPECT_EQ(x.block_until_ready().sum().item<float>(), 21.0f);
  auto traced = jx::jit([](const Array& t) {
    (void)t.unsafe_buffer_pointer();
    return t;
  });
  EXPECT_THROW(traced(x), jx::ConcretizationError);
}

TEST(ArrayMethods, OneCpuDevice) {
  const Array x = sample();
  EXPECT_EQ(x.device(), jx::devices().at(0));
  EXPECT_EQ(x.devices(), jx::local_devices());
  EXPECT_EQ(x.platform(), "cpu");
  EXPECT_FALSE(x.committed());
  EXPECT_TRUE(x.is_fully_addressable());
  EXPECT_TRUE(x.is_fully_replicated());
  EXPECT_EQ(values(x.to_device(jx::devices()[0])), values(x));
  EXPECT_THROW(x.to_device(jx::Device{.id = 3}), jx::ValueError);
}

TEST(ArrayMethods, BadArgumentsNameTheMethod) {
  const Array x = sample();
  EXPECT_THROW(x.sum(2), jx::Error);
  EXPECT_THROW(x.argmax(-3), jx::Error);
  EXPECT_THROW(x.swapaxes(0, 5), jx::Error);
  EXPECT_THROW(x.squeeze(0), jx::Error);  // axis 0 has length 2
  EXPECT_THROW(x.dot(jnp::zeros({2, 2})), jx::Error);
  EXPECT_THROW(x.choose({}), jx::Error);
}

}  // namespace
