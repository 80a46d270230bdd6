// pmap over a process's CPU devices (set_num_cpu_devices, as JAX's jax_num_cpu_devices): JAX's
// documented examples, the seed update step (linear regression) data-parallel against the one-device
// step, donation, grad through pmap, and the device-count check.
#include "jx/transforms/pmap.h"

#include <gtest/gtest.h>

#include <vector>

#include "error_expectations.h"
#include "jx/core/device.h"
#include "jx/core/error.h"
#include "jx/lax/parallel.h"
#include "jx/numpy.h"
#include "jx/sharding.h"
#include "jx/test_util.h"
#include "jx/transforms/autodiff.h"
#include "jx/tree.h"
#include "transforms/four_devices.h"

namespace jnp = jx::numpy;
namespace lax = jx::lax;

namespace pmap_test {
struct Params {
  jx::Array w, b;
};
JX_PYTREE(Params, w, b);
}  // namespace pmap_test

namespace {

using jx_test::expect_error;
using jx_test::expect_near_all;
using pmap_test::Params;

class Pmap : public jx_test::FourCpuDevices {};

TEST_F(Pmap, DevicesAreTheConfiguredCount) {
  ASSERT_EQ(jx::device_count(), 4);
  ASSERT_EQ(jx::local_device_count(), 4);
  EXPECT_EQ(jx::devices()[3].id, 3);
  EXPECT_EQ(jx::to_string(jx::devices()[2]), "CpuDevice(id=2)");
  EXPECT_EQ(jx::process_count(), 1);
  const jx::Array x = jnp::arange(3.0f);
  EXPECT_EQ(x.to_device(jx::devices()[3]).to_vector<float>(), x.to_vector<float>());
  expect_error<jx::ValueError>([&] { x.to_device(jx::Device{.id = 4}); }, {"CpuDevice(id=4)", "not a device"});
}

TEST_F(Pmap, JaxsDocumentedExamples) {
  // jax.pmap(lambda x: x / jax.lax.psum(x, 'i'), axis_name='i')(jnp.arange(4.))
  auto normalize = jx::pmap([](const jx::Array& x) { return x / lax::psum(x, "i"); }, {.axis_name = "i"});
  expect_near_all(normalize(jnp::arange(4.0f)), jnp::array({0.0f, 1.0f / 6, 2.0f / 6, 3.0f / 6}), 1e-6);
  // Without collectives, pmap is a map: sin of each device's row.
  auto rows = jx::pmap([](const jx::Array& x) { return jnp::sin(x) * 2.0f; });
  const jx::Array m = jnp::reshape(jnp::arange(8.0f), {4, 2});
  expect_near_all(rows(m), jnp::sin(m) * 2.0f, 1e-6);
  // in_axes / out_axes as vmap's.
  auto columns = jx::pmap([](const jx::Array& x, const jx::Array& s) { return x * s; },
                          {.in_axes = {1, std::nullopt}, .out_axes = 1});
  const jx::Array wide = jnp::reshape(jnp::arange(12.0f), {3, 4});
  expect_near_all(columns(wide, jnp::array(3.0f)), wide * 3.0f, 1e-6);
}

TEST_F(Pmap, MoreSlicesThanDevicesIsAnError) {
  auto f = jx::pmap([](const jx::Array& x) { return x + 1.0f; });
  expect_error<jx::ValueError>([&] { f(jnp::arange(5.0f)); }, {"pmap", "size 5", "4 devices", "JX_NUM_CPU_DEVICES"});
  jx::set_num_cpu_devices(8);
  expect_near_all(f(jnp::arange(5.0f)), jnp::arange(5.0f) + 1.0f, 0);
}

// The seed update step: linear regression y = w x + b on 128 points, squared loss, learning rate 0.1.
jx::Array loss(const Params& p, const jx::Array& x, const jx::Array& y) {
  const jx::Array prediction = p.w * x + p.b;
  return jnp::mean(jnp::square(prediction - y));
}

Params step(const Params& p, const jx::Array& x, const jx::Array& y) {
  const Params g = jx::grad(loss)(p, x, y);
  return {p.w - 0.1f * g.w, p.b - 0.1f * g.b};
}

TEST_F(Pmap, DataParallelUpdateStepMatchesOneDevice) {
  const jx::Array x = jnp::linspace(-1.0, 1.0, 128).astype(jx::DType::float32);
  const jx::Array y = 3.0f * x - 1.0f + 0.1f * jnp::sin(17.0f * x);
  Params single{jnp::array(0.5f), jnp::array(0.0f)};
  // Every device holds the parameters; each gets 32 points and averages its gradient with the others.
  auto parallel_step = jx::pmap(
      [](const Params& p, const jx::Array& xs, const jx::Array& ys) {
        const Params g = lax::pmean(jx::grad(loss)(p, xs, ys), "batch");
        return Params{p.w - 0.1f * g.w, p.b - 0.1f * g.b};
      },
      {.axis_name = "batch", .in_axes = {std::nullopt, 0, 0}, .out_axes = std::nullopt}, jx::donate_argnums<0>);
  Params replicated = single;
  const jx::Array xs = jnp::reshape(x, {4, 32}), ys = jnp::reshape(y, {4, 32});
  for (int i = 0; i < 20; ++i) {
    single = step(single, x, y);
    replicated = parallel_step(std::move(replicated), xs, ys);
  }
  expect_near_all(replicated.w, single.w, 1e-5);
  expect_near_all(replicated.b, single.b, 1e-5);
  EXPECT_GT(single.w.item<float>(), 2.0f);  // it is learning: from 0.5 toward 3
}

TEST_F(Pmap, GradThroughPmap) {
  // d/dx of sum(pmap(x * psum(x))) = d/dx (sum x)^2 = 2 sum(x), for every element.
  auto f = jx::pmap([](const jx::Array& x) { return x * lax::psum(x, "i"); }, {.axis_name = "i"});
  const jx::Array x = jnp::array({0.5f, -1.0f, 2.0f, 0.25f});
  const jx::Array g = jx::grad([&](const jx::Array& a) { return jnp::sum(f(a)); })(x);
  expect_near_all(g, jnp::full({4}, 2.0f * 1.75f), 1e-6);
  jx::test::check_grads([&](const jx::Array& a) { return f(a); }, {x}, 1, jx::test::Modes::both, 1e-3, 1e-3, 1e-3);
}

}  // namespace
