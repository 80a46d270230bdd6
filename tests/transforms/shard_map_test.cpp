// shard_map over meshes of a process's CPU devices: blocks in and out by partition spec against
// slicing by hand, collectives over one and two mesh axes, JAX's replication check, the seed update
// step data-parallel against one device, grad through shard_map, jit of it, and bad specs.
#include <gtest/gtest.h>

#include <vector>

#include "error_expectations.h"
#include "jx/core/error.h"
#include "jx/lax/parallel.h"
#include "jx/numpy.h"
#include "jx/sharding.h"
#include "jx/test_util.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/jit.h"
#include "transforms/four_devices.h"

namespace jnp = jx::numpy;
namespace lax = jx::lax;

namespace {

using jx::sharding::P;
using jx_test::expect_error;
using jx_test::expect_near_all;

class ShardMap : public jx_test::FourCpuDevices {};

jx::Array numbers(const jx::Shape& shape) {
  const jx::Array counting = jnp::arange(static_cast<double>(shape.num_elements()), jx::DType::float32);
  return jnp::reshape(jnp::cos(counting * 0.7f) + 0.01f * counting, shape);
}

TEST_F(ShardMap, MeshesAndSpecs) {
  const jx::sharding::Mesh mesh = jx::make_mesh({2, 2}, {"x", "y"});
  EXPECT_EQ(mesh.size(), 4);
  EXPECT_EQ(mesh.axis_size("y"), 2);
  EXPECT_EQ(mesh.to_string(), "Mesh('x': 2, 'y': 2)");
  EXPECT_EQ((P{"x", std::nullopt}).to_string(), "PartitionSpec('x', None)");
  EXPECT_EQ((P{{"x", "y"}}).to_string(), "PartitionSpec(('x', 'y'))");
  expect_error<jx::ValueError>(
      [] {
        jx::make_mesh({2, 4}, {"x", "y"});
      },
      {"make_mesh", "needs 8 devices", "there are 4"});
  expect_error<jx::ValueError>([] { jx::make_mesh({2, 2}, {"x", "x"}); }, {"Mesh", "'x' appears twice"});
}

TEST_F(ShardMap, EachDeviceSeesItsBlock) {
  // Device (i, j) of a 2x2 mesh gets rows block i and columns block j of an [4, 6] array; it returns
  // its block times (1 + its linear index), and the blocks go back where they came from.
  const jx::sharding::Mesh mesh = jx::make_mesh({2, 2}, {"x", "y"});
  const jx::Array a = numbers({4, 6});
  auto scaled = jx::shard_map(
      [](const jx::Array& block) {
        const jx::Array index = lax::axis_index("x") * 2 + lax::axis_index("y");
        return block * (1.0f + index.astype(jx::DType::float32));
      },
      mesh, {P{"x", "y"}}, {P{"x", "y"}});
  std::vector<double> want = a.to_vector<double>();
  for (int r = 0; r < 4; ++r) {
    for (int c = 0; c < 6; ++c) want[static_cast<std::size_t>(r * 6 + c)] *= 1 + (r / 2) * 2 + (c / 3);
  }
  expect_near_all(scaled(a), jnp::reshape(jnp::array(want).astype(jx::DType::float32), {4, 6}), 1e-6);
  // Both mesh axes on one dimension, "x" major: device (i, j) gets rows block 2i + j.
  auto rows = jx::shard_map(
      [](const jx::Array& block) {
        return block + (lax::axis_index("x") * 2 + lax::axis_index("y")).astype(jx::DType::float32) * 100.0f;
      },
      mesh, {P{{"x", "y"}}}, {P{{"x", "y"}}});
  std::vector<double> by_row = a.to_vector<double>();
  for (int r = 0; r < 4; ++r) {
    for (int c = 0; c < 6; ++c) by_row[static_cast<std::size_t>(r * 6 + c)] += 100.0 * r;
  }
  expect_near_all(rows(a), jnp::reshape(jnp::array(by_row).astype(jx::DType::float32), {4, 6}), 1e-6);
}

TEST_F(ShardMap, MatvecWithAllGatherAndPsum) {
  const jx::sharding::Mesh mesh = jx::make_mesh({4}, {"x"});
  const jx::Array a = numbers({8, 12}), v = numbers({12});
  // Rows of a and of v split: gather v, multiply the row block.
  auto by_rows = jx::shard_map(
      [](const jx::Array& a_block, const jx::Array& v_block) {
        return jnp::dot(a_block, lax::all_gather(v_block, "x", {.tiled = true}));
      },
      mesh, {P{"x", std::nullopt}, P{"x"}}, {P{"x"}});
  expect_near_all(by_rows(a, v), jnp::dot(a, v), 1e-5);
  // Columns of a split with v: partial products summed, the result the same on every device (P{}).
  auto by_columns = jx::shard_map(
      [](const jx::Array& a_block, const jx::Array& v_block) { return lax::psum(jnp::dot(a_block, v_block), "x"); },
      mesh, {P{std::nullopt, "x"}, P{"x"}}, {P{}});
  expect_near_all(by_columns(a, v), jnp::dot(a, v), 1e-5);
  expect_near_all(jx::jit(by_columns)(a, v), jnp::dot(a, v), 1e-5);
  // The same without the psum varies along "x", which out_specs P{} does not allow.
  auto unsummed =
      jx::shard_map([](const jx::Array& a_block, const jx::Array& v_block) { return jnp::dot(a_block, v_block); }, mesh,
                    {P{std::nullopt, "x"}, P{"x"}}, {P{}});
  expect_error<jx::ValueError>([&] { unsummed(a, v); }, {"shard_map", "varies along mesh axis 'x'", "psum"});
}

TEST_F(ShardMap, SeedUpdateStepDataParallel) {
  const jx::sharding::Mesh mesh = jx::make_mesh({4}, {"batch"});
  const jx::Array x = jnp::linspace(-1.0, 1.0, 128).astype(jx::DType::float32);
  const jx::Array y = 3.0f * x - 1.0f + 0.1f * jnp::sin(17.0f * x);
  auto loss = [](const jx::Array& w, const jx::Array& xs, const jx::Array& ys) {
    return jnp::mean(jnp::square(w[0] * xs + w[1] - ys));
  };
  auto step = [&](const jx::Array& w, const jx::Array& xs, const jx::Array& ys) {
    return w - 0.1f * jx::grad(loss)(w, xs, ys);
  };
  auto sharded_step = jx::jit(
      jx::shard_map([&](const jx::Array& w, const jx::Array& xs,
                        const jx::Array& ys) { return w - 0.1f * lax::pmean(jx::grad(loss)(w, xs, ys), "batch"); },
                    mesh, {P{}, P{"batch"}, P{"batch"}}, {P{}}));
  jx::Array single = jnp::array({0.5f, 0.0f}), sharded = single;
  for (int i = 0; i < 20; ++i) {
    single = step(single, x, y);
    sharded = sharded_step(sharded, x, y);
  }
  expect_near_all(sharded, single, 1e-5);
}

TEST_F(ShardMap, GradOfAShardedLossIsTheGradOfTheLoss) {
  // The loss psums per-device partial losses: its gradient equals the unsharded loss's (efficient
  // psum transposition), and check_grads agrees with finite differences.
  const jx::sharding::Mesh mesh = jx::make_mesh({4}, {"x"});
  auto sharded_loss =
      jx::shard_map([](const jx::Array& w, const jx::Array& xs) { return lax::psum(jnp::sum(jnp::tanh(xs * w)), "x"); },
                    mesh, {P{}, P{"x"}}, {P{}});
  const jx::Array w = jnp::array(0.7f), xs = numbers({16});
  const jx::Array g = jx::grad(sharded_loss)(w, xs);
  const jx::Array want =
      jx::grad([](const jx::Array& a, const jx::Array& b) { return jnp::sum(jnp::tanh(b * a)); })(w, xs);
  expect_near_all(g, want, 1e-5);
  jx::test::check_grads([&](const jx::Array& a, const jx::Array& b) { return sharded_loss(a, b); }, {w, xs}, 2,
                        jx::test::Modes::both, 1e-3, 1e-3, 1e-3);
}

TEST_F(ShardMap, BadSpecsAreErrors) {
  const jx::sharding::Mesh mesh = jx::make_mesh({4}, {"x"});
  auto identity = [](const jx::Array& a) { return a; };
  expect_error<jx::ValueError>([&] { jx::shard_map(identity, mesh, {P{"z"}}, {P{"x"}})(numbers({8})); },
                               {"shard_map", "names 'z'", "not an axis of Mesh('x': 4)"});
  expect_error<jx::ShapeError>([&] { jx::shard_map(identity, mesh, {P{"x"}}, {P{"x"}})(numbers({6})); },
                               {"shard_map", "dimension 0 of size 6", "4 blocks"});
  expect_error<jx::ShapeError>(
      [&] {
        jx::shard_map(identity, mesh, {P{"x", std::nullopt}}, {P{"x"}})(numbers({8}));
      },
      {"shard_map", "has rank 1"});
  expect_error<jx::ValueError>(
      [&] {
        jx::shard_map(identity, mesh, {P{"x"}, P{"x"}}, {P{"x"}})(numbers({8}));
      },
      {"in_specs has 2 specs for 1"});
  expect_error<jx::ValueError>(
      [&] {
        jx::shard_map(identity, mesh, {P{"x"}}, {P{"x"}, P{}})(numbers({8}));
      },
      {"out_specs has 2 specs for 1 outputs"});
}

}  // namespace
