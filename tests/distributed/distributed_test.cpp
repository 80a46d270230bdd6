// jx::distributed under mpirun (tests/CMakeLists.txt runs this binary with 2 and with 4 processes, and with
// 2 devices per process): the global device list, and every collective over a pmap axis that spans the
// processes, checked against closed forms over the global device numbers; the gradient of a
// data-parallel loss against the one-process gradient of the whole batch; 16-bit floats and integers.
#include "jx/distributed.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <numeric>
#include <vector>

#include "jx/core/device.h"
#include "jx/lax/parallel.h"
#include "jx/numpy.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/control_flow.h"
#include "jx/transforms/pmap.h"

namespace jnp = jx::numpy;
namespace lax = jx::lax;

namespace {

// Global device numbers of this process's devices: p * L ... p * L + L - 1.
std::vector<float> own_device_numbers() {
  std::vector<float> numbers;
  for (const jx::Device& d : jx::local_devices()) numbers.push_back(static_cast<float>(d.id));
  return numbers;
}

jx::Array own_ids() {
  const std::vector<float> ids = own_device_numbers();
  return jnp::array(ids);
}

int processes() { return jx::process_count(); }
int local() { return jx::local_device_count(); }
int global() { return jx::device_count(); }

TEST(Distributed, DevicesSpanTheProcesses) {
  ASSERT_TRUE(jx::distributed::is_initialized());
  // Launched by mpirun, the processes are the ones it started (not each a group of one).
  if (const char* started = std::getenv("OMPI_COMM_WORLD_SIZE")) {
    EXPECT_EQ(processes(), std::atoi(started));
  }
  EXPECT_EQ(global(), processes() * local());
  const std::vector<jx::Device> all = jx::devices();
  ASSERT_EQ(static_cast<int>(all.size()), global());
  for (int k = 0; k < global(); ++k) {
    EXPECT_EQ(all[static_cast<std::size_t>(k)].id, k);
    EXPECT_EQ(all[static_cast<std::size_t>(k)].process_index, k / local());
  }
  for (const jx::Device& d : jx::local_devices()) EXPECT_EQ(d.process_index, jx::process_index());
  EXPECT_EQ(jnp::arange(3.0f).device(), jx::local_devices().front());
}

TEST(Distributed, PsumPmeanPmaxPminOverEveryProcess) {
  const int n = global();
  const double total = n * (n - 1) / 2.0;
  auto reductions = jx::pmap(
      [](const jx::Array& x) {
        return std::vector<jx::Array>{lax::psum(x, "d"), lax::pmean(x, "d"), lax::pmax(x, "d"), lax::pmin(x, "d")};
      },
      {.axis_name = "d"});
  const std::vector<jx::Array> out = reductions(own_ids());
  for (int i = 0; i < local(); ++i) {
    EXPECT_DOUBLE_EQ(out[0].to_vector<float>()[static_cast<std::size_t>(i)], total);
    EXPECT_FLOAT_EQ(out[1].to_vector<float>()[static_cast<std::size_t>(i)], static_cast<float>(total / n));
    EXPECT_EQ(out[2].to_vector<float>()[static_cast<std::size_t>(i)], static_cast<float>(n - 1));
    EXPECT_EQ(out[3].to_vector<float>()[static_cast<std::size_t>(i)], 0.0f);
  }
  // A value every device of a process holds (not mapped): each device contributes it.
  auto replicated = jx::pmap([](const jx::Array& x, const jx::Array& c) { return x * 0.0f + lax::psum(c, "d"); },
                             {.axis_name = "d", .in_axes = {0, std::nullopt}});
  const jx::Array c = jnp::array(static_cast<float>(jx::process_index() + 1));
  const double per_process_sum = local() * processes() * (processes() + 1) / 2.0;
  for (float v : replicated(own_ids(), c).to_vector<float>()) EXPECT_DOUBLE_EQ(v, per_process_sum);
}

TEST(Distributed, AxisIndexAndAxisSizeAreGlobal) {
  auto index = jx::pmap(
      [](const jx::Array& x) {
        return std::vector<jx::Array>{lax::axis_index("d"), x * 0.0f + static_cast<float>(lax::axis_size("d"))};
      },
      {.axis_name = "d"});
  const std::vector<jx::Array> out = index(own_ids());
  const std::vector<std::int32_t> got = out[0].to_vector<std::int32_t>();
  for (int i = 0; i < local(); ++i) {
    EXPECT_EQ(got[static_cast<std::size_t>(i)], jx::process_index() * local() + i);
    EXPECT_EQ(out[1].to_vector<float>()[static_cast<std::size_t>(i)], static_cast<float>(global()));
  }
}

TEST(Distributed, AllGatherCollectsEveryDevicesValueInOrder) {
  auto gather = jx::pmap([](const jx::Array& x) { return lax::all_gather(x * 2.0f, "d"); }, {.axis_name = "d"});
  const std::vector<float> got = gather(own_ids()).to_vector<float>();
  ASSERT_EQ(static_cast<int>(got.size()), local() * global());
  for (int i = 0; i < local(); ++i) {
    for (int k = 0; k < global(); ++k) EXPECT_EQ(got[static_cast<std::size_t>(i * global() + k)], 2.0f * k);
  }
}

TEST(Distributed, PsumScatterKeepsEachDevicesShareOfTheSum) {
  // Device d holds the row d * [1, 2, ..., N]; the sum over devices is S * [1, ..., N] with S the sum of
  // the device numbers, and device d keeps element d of it.
  const int n = global();
  auto scatter = jx::pmap([](const jx::Array& row) { return lax::psum_scatter(row, "d"); }, {.axis_name = "d"});
  const jx::Array rows = jnp::outer(own_ids(), jnp::arange(1.0f, static_cast<float>(n) + 1.0f));
  const std::vector<float> got = scatter(rows).to_vector<float>();
  const double s = n * (n - 1) / 2.0;
  for (int i = 0; i < local(); ++i) {
    const int d = jx::process_index() * local() + i;
    EXPECT_DOUBLE_EQ(got[static_cast<std::size_t>(i)], s * (d + 1));
  }
}

TEST(Distributed, PpermuteShiftsAroundTheRingOfDevices) {
  const int n = global();
  std::vector<std::pair<std::int64_t, std::int64_t>> ring;
  for (int d = 0; d < n; ++d) ring.emplace_back(d, (d + 1) % n);
  auto shift = jx::pmap([ring](const jx::Array& x) { return lax::ppermute(x, "d", ring); }, {.axis_name = "d"});
  const std::vector<float> got = shift(own_ids()).to_vector<float>();
  for (int i = 0; i < local(); ++i) {
    const int d = jx::process_index() * local() + i;
    EXPECT_EQ(got[static_cast<std::size_t>(i)], static_cast<float>((d + n - 1) % n));
  }
}

TEST(Distributed, AllToAllTransposesDevicesAndChunks) {
  // Device d holds [d * N + 0, ..., d * N + N - 1]; afterwards device d holds [0 * N + d, ..., (N-1) * N + d].
  const int n = global();
  auto exchange = jx::pmap([](const jx::Array& x) { return lax::all_to_all(x, "d", 0, 0); }, {.axis_name = "d"});
  std::vector<float> values;
  for (int i = 0; i < local(); ++i) {
    const int d = jx::process_index() * local() + i;
    for (int k = 0; k < n; ++k) values.push_back(static_cast<float>(d * n + k));
  }
  const jx::Array rows = jnp::reshape(jnp::array(values), {local(), n});
  const std::vector<float> got = exchange(rows).to_vector<float>();
  for (int i = 0; i < local(); ++i) {
    const int d = jx::process_index() * local() + i;
    for (int k = 0; k < n; ++k) EXPECT_EQ(got[static_cast<std::size_t>(i * n + k)], static_cast<float>(k * n + d));
  }
}

TEST(Distributed, DataParallelGradientEqualsTheWholeBatchGradient) {
  // Least squares on a batch split over every device: the pmean of the devices' gradients is the
  // gradient of the mean loss over the whole batch, which each process also computes alone.
  const int n = global();
  const int per_device = 3;
  const jx::Array all_x =
      jnp::reshape(jnp::sin(jnp::arange(static_cast<float>(n * per_device * 2))), {n, per_device, 2});
  const jx::Array all_y = jnp::reshape(jnp::cos(jnp::arange(static_cast<float>(n * per_device))), {n, per_device});
  const jx::Array w = jnp::array({0.5f, -0.25f});
  auto loss = [](const jx::Array& weights, const jx::Array& x, const jx::Array& y) {
    return jnp::mean(jnp::square(jnp::matmul(x, weights) - y));
  };
  auto step = jx::pmap([loss](const jx::Array& weights, const jx::Array& x,
                              const jx::Array& y) { return lax::pmean(jx::grad(loss)(weights, x, y), "batch"); },
                       {.axis_name = "batch", .in_axes = {std::nullopt, 0, 0}});
  const int first = jx::process_index() * local();
  const jx::Array mine_x = all_x[jx::Slice{first, first + local()}];
  const jx::Array mine_y = all_y[jx::Slice{first, first + local()}];
  const jx::Array grads = step(w, mine_x, mine_y);
  const jx::Array whole =
      jx::grad(loss)(w, jnp::reshape(all_x, {n * per_device, 2}), jnp::reshape(all_y, {n * per_device}));
  for (int i = 0; i < local(); ++i) {
    const std::vector<float> got = grads[i].to_vector<float>(), want = whole.to_vector<float>();
    for (std::size_t k = 0; k < want.size(); ++k) EXPECT_NEAR(got[k], want[k], 1e-5);
  }
  // grad through the collective itself: d/dx of sum(psum(x) * x) per device is psum(x) + sum of every
  // device's x (psum's transpose sums the cotangents of every process's devices).
  auto inner = jx::pmap(
      [](const jx::Array& x) {
        return jx::grad([](const jx::Array& v) { return jnp::sum(lax::psum(v, "d") * v); })(x);
      },
      {.axis_name = "d"});
  const double total = n * (n - 1) / 2.0;
  for (float g : inner(own_ids()).to_vector<float>()) EXPECT_NEAR(g, 2 * total, 1e-4);
}

TEST(Distributed, CollectivesInsideLoopsSpanTheProcesses) {
  // Three rounds of acc + psum(x): the loop body is batched over the same axis as the map.
  auto looped = jx::pmap(
      [](const jx::Array& x) {
        return jx::lax::fori_loop(
            0, 3, [x](const jx::Array& /*i*/, const jx::Array& acc) { return acc + lax::psum(x, "d"); }, x * 0.0f);
      },
      {.axis_name = "d"});
  const int n = global();
  for (float v : looped(own_ids()).to_vector<float>()) EXPECT_DOUBLE_EQ(v, 3 * n * (n - 1) / 2.0);
}

TEST(Distributed, SixteenBitFloatsAndIntegersReduceExactly) {
  auto sums = jx::pmap(
      [](const jx::Array& x) {
        return std::vector<jx::Array>{lax::psum(x.astype(jx::bfloat16), "d"), lax::psum(x.astype(jx::float16), "d"),
                                      lax::psum(x.astype(jx::int32), "d"), lax::pmax(x.astype(jx::int64), "d"),
                                      lax::psum(x.astype(jx::float64), "d")};
      },
      {.axis_name = "d"});
  const std::vector<jx::Array> out = sums(own_ids());
  const int n = global();
  const double total = n * (n - 1) / 2.0;
  EXPECT_EQ(out[0].dtype(), jx::bfloat16);
  EXPECT_EQ(out[1].dtype(), jx::float16);
  for (int k = 0; k < 2; ++k) {
    for (float v : out[static_cast<std::size_t>(k)].astype(jx::float32).to_vector<float>()) EXPECT_EQ(v, total);
  }
  for (std::int32_t v : out[2].to_vector<std::int32_t>()) EXPECT_EQ(v, static_cast<std::int32_t>(total));
  for (std::int64_t v : out[3].to_vector<std::int64_t>()) EXPECT_EQ(v, n - 1);
  for (double v : out[4].to_vector<double>()) EXPECT_EQ(v, total);
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  jx::distributed::initialize();
  const int failed = RUN_ALL_TESTS();
  jx::distributed::shutdown();
  return failed;
}
