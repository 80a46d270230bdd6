// Minibatches: order from the key, every example once per pass, the last partial batch, values.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

#include "jx/io/datasets.h"
#include "jx/jx.h"

namespace jnp = jx::numpy;

namespace {

// 10 examples of 2x2 one-channel images: example e has pixels 10e .. 10e+3, label e % 3.
jx::io::Dataset tiny_dataset() {
  std::vector<std::uint8_t> pixels;
  for (int e = 0; e < 10; ++e) {
    for (int p = 0; p < 4; ++p) pixels.push_back(static_cast<std::uint8_t>(10 * e + p));
  }
  std::vector<std::int32_t> labels;
  for (int e = 0; e < 10; ++e) labels.push_back(e % 3);
  return {jnp::array(pixels, jx::Shape{10, 2, 2, 1}), jnp::array(labels)};
}

// The example each batch row came from, read back from its first pixel.
std::vector<std::int64_t> examples_of(const jx::io::Batch& batch) {
  std::vector<std::int64_t> out;
  const std::vector<float> pixels = batch.images.to_vector<float>();
  for (std::size_t i = 0; i < pixels.size(); i += 4) out.push_back(std::lround(pixels[i] * 255.0f) / 10);
  return out;
}

TEST(IoBatches, ShuffledOrderIsTheKeysPermutation) {
  const auto data = tiny_dataset();
  const jx::Key key = jx::random::PRNGKey(3);
  const jx::io::Batches batches = jx::io::batches(data, 4, key);
  const std::vector<std::int64_t> permutation = jx::random::permutation(key, 10).to_vector<std::int64_t>();
  EXPECT_EQ(batches.order(), permutation);
  ASSERT_EQ(batches.size(), 2);  // 10 = 4 + 4, the last 2 dropped
  std::vector<std::int64_t> seen;
  for (auto [images, labels] : batches) {
    EXPECT_EQ(images.type(), (jx::ArrayType{{4, 2, 2, 1}, jx::float32}));
    EXPECT_EQ(labels.type(), (jx::ArrayType{{4}, jx::int32}));
    const auto examples = examples_of({images, labels});
    const auto label_values = labels.to_vector<int>();
    for (std::size_t i = 0; i < examples.size(); ++i) EXPECT_EQ(label_values[i], examples[i] % 3);
    seen.insert(seen.end(), examples.begin(), examples.end());
  }
  EXPECT_EQ(seen, std::vector<std::int64_t>(permutation.begin(), permutation.begin() + 8));
}

TEST(IoBatches, TheSameKeyGivesTheSameBatchesAndAnotherKeyAnotherOrder) {
  const auto data = tiny_dataset();
  const jx::Key key = jx::random::PRNGKey(0);
  EXPECT_EQ(jx::io::batches(data, 3, key).order(), jx::io::batches(data, 3, key).order());
  EXPECT_NE(jx::io::batches(data, 3, jx::random::fold_in(key, 0)).order(),
            jx::io::batches(data, 3, jx::random::fold_in(key, 1)).order());
  const auto again = jx::io::batches(data, 3, key);
  EXPECT_TRUE(jnp::array_equal(again[1].images, jx::io::batches(data, 3, key)[1].images).item<bool>());
}

TEST(IoBatches, KeepingTheRemainderVisitsEveryExampleOnce) {
  const auto data = tiny_dataset();
  const auto batches = jx::io::batches(data, 4, jx::random::PRNGKey(1), {.drop_remainder = false});
  ASSERT_EQ(batches.size(), 3);
  EXPECT_EQ(batches[2].images.shape()[0], 2);
  std::multiset<std::int64_t> seen;
  for (const jx::io::Batch& batch : batches) {
    for (auto e : examples_of(batch)) seen.insert(e);
  }
  EXPECT_EQ(seen, (std::multiset<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(IoBatches, UnshuffledBatchesFollowTheDataset) {
  const auto data = tiny_dataset();
  const auto batches = jx::io::batches(data, 5);
  ASSERT_EQ(batches.size(), 2);
  EXPECT_EQ(examples_of(batches[1]), (std::vector<std::int64_t>{5, 6, 7, 8, 9}));
  EXPECT_EQ(jx::io::batches(data, 3).size(), 3);
  EXPECT_EQ(jx::io::batches(data, 3, {.drop_remainder = false}).size(), 4);
  EXPECT_EQ(jx::io::batches(data, 11).size(), 0);
}

TEST(IoBatches, PixelsAreScaledToTheUnitIntervalAsNumPyDivides) {
  std::vector<std::uint8_t> pixels(256);
  for (int i = 0; i < 256; ++i) pixels[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i);
  const jx::io::Dataset data{jnp::array(pixels, jx::Shape{1, 16, 16, 1}), jnp::array(std::vector<int>{4})};
  const std::vector<float> scaled = jx::io::batches(data, 1)[0].images.to_vector<float>();
  for (int i = 0; i < 256; ++i) EXPECT_EQ(scaled[static_cast<std::size_t>(i)], static_cast<float>(i) / 255.0f);
  EXPECT_EQ(scaled.front(), 0.0f);
  EXPECT_EQ(scaled.back(), 1.0f);
}

TEST(IoBatches, RefusesBadArguments) {
  const auto data = tiny_dataset();
  EXPECT_THROW(jx::io::batches(data, 0), jx::ValueError);
  EXPECT_THROW(jx::io::batches(data, 2, jx::random::split(jx::random::PRNGKey(0), 2)), jx::ValueError);
  EXPECT_THROW(jx::io::batches({data.images.astype(jx::float32), data.labels}, 2), jx::DTypeError);
  EXPECT_THROW(jx::io::batches({data.images, jnp::zeros({3}, jx::int32)}, 2), jx::ShapeError);
  EXPECT_THROW(jx::io::batches(data, 4)[2], jx::IndexError);
  EXPECT_THROW(jx::io::Batches(data, 2, {0, 10}, {}), jx::IndexError);
}

}  // namespace
