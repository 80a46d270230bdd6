// Fashion-MNIST: small datasets the tests write, their damaged forms, and the real files of Debian's
// dataset-fashion-mnist package when it is installed.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "io/io_test_util.h"
#include "jx/io/datasets.h"
#include "jx/jx.h"

namespace jnp = jx::numpy;

namespace {

using jx::io::test::append_be;
using jx::io::test::gzip_bytes;
using jx::io::test::TempDir;
using jx::io::test::write_file;

std::vector<std::uint8_t> images_file(std::uint32_t count, std::uint32_t side = 28, std::uint8_t ndim = 3) {
  std::vector<std::uint8_t> b = {0, 0, 0x08, ndim};
  append_be(b, count, 4);
  for (int d = 1; d < ndim; ++d) append_be(b, side, 4);
  for (std::uint32_t i = 0; i < count * side * side; ++i) b.push_back(static_cast<std::uint8_t>((i * 7) % 256));
  return b;
}

std::vector<std::uint8_t> labels_file(std::uint32_t count, std::uint8_t first_label = 0) {
  std::vector<std::uint8_t> b = {0, 0, 0x08, 1};
  append_be(b, count, 4);
  for (std::uint32_t i = 0; i < count; ++i) b.push_back(static_cast<std::uint8_t>(i == 0 ? first_label : i % 10));
  return b;
}

void write_split(const TempDir& dir, const std::string& prefix, const std::vector<std::uint8_t>& images,
                 const std::vector<std::uint8_t>& labels) {
  write_file(dir / (prefix + "-images-idx3-ubyte.gz"), gzip_bytes(images));
  write_file(dir / (prefix + "-labels-idx1-ubyte.gz"), gzip_bytes(labels));
}

std::string load_error(const std::filesystem::path& dir, jx::io::Split split = jx::io::Split::train) {
  try {
    jx::io::fashion_mnist(split, dir);
  } catch (const jx::IOError& e) {
    return e.detail();
  }
  return "";
}

TEST(IoFashionMnist, ReadsASmallDatasetAsNhwcImagesAndInt32Labels) {
  TempDir dir;
  write_split(dir, "train", images_file(5), labels_file(5, 9));
  write_split(dir, "t10k", images_file(3), labels_file(3));
  const jx::io::Dataset train = jx::io::fashion_mnist(jx::io::Split::train, dir.path());
  EXPECT_EQ(train.size(), 5);
  EXPECT_EQ(train.images.type(), (jx::ArrayType{{5, 28, 28, 1}, jx::uint8}));
  EXPECT_EQ(train.labels.type(), (jx::ArrayType{{5}, jx::int32}));
  EXPECT_EQ(train.labels.to_vector<int>(), (std::vector<int>{9, 1, 2, 3, 4}));
  // Pixel (example 1, row 2, column 3) is byte 784 + 2 * 28 + 3 of the data, which the file made (i * 7) % 256.
  const int i = 784 + 2 * 28 + 3;
  EXPECT_EQ(train.images(1, 2, 3, 0).item<int>(), (i * 7) % 256);
  EXPECT_EQ(jx::io::fashion_mnist(jx::io::Split::test, dir.path()).size(), 3);
}

TEST(IoFashionMnist, ReadsUncompressedFilesToo) {
  TempDir dir;
  write_file(dir / "train-images-idx3-ubyte", images_file(2));
  write_file(dir / "train-labels-idx1-ubyte", labels_file(2));
  EXPECT_EQ(jx::io::fashion_mnist(jx::io::Split::train, dir.path()).size(), 2);
}

TEST(IoFashionMnist, AMissingDatasetNamesThePackageToInstall) {
  TempDir dir;
  const std::string error = load_error(dir.path());
  EXPECT_NE(error.find("train-images-idx3-ubyte.gz"), std::string::npos) << error;
  EXPECT_NE(error.find("dataset-fashion-mnist"), std::string::npos) << error;
}

TEST(IoFashionMnist, RefusesInconsistentFiles) {
  TempDir dir;
  write_split(dir, "train", images_file(5), labels_file(4));  // a wrong count
  EXPECT_NE(load_error(dir.path()).find("holds 4 labels but"), std::string::npos);
  write_split(dir, "train", images_file(5), labels_file(5, 10));  // not a class
  EXPECT_NE(load_error(dir.path()).find("label 10 of example 0"), std::string::npos);
  write_split(dir, "train", images_file(5, 14), labels_file(5));  // the wrong size of image
  EXPECT_NE(load_error(dir.path()).find("28x28"), std::string::npos);
  write_split(dir, "train", labels_file(5), labels_file(5));  // labels where images belong: wrong magic
  EXPECT_NE(load_error(dir.path()).find("expected images as IDX uint8 with 3 dimensions"), std::string::npos);
  write_split(dir, "train", images_file(5), images_file(5));
  EXPECT_NE(load_error(dir.path()).find("expected labels"), std::string::npos);
  auto truncated = gzip_bytes(images_file(5));
  truncated.resize(truncated.size() / 2);
  write_file(dir / "train-images-idx3-ubyte.gz", truncated);
  write_file(dir / "train-labels-idx1-ubyte.gz", gzip_bytes(labels_file(5)));
  EXPECT_NE(load_error(dir.path()).find("truncated"), std::string::npos);
}

// --- The real dataset ---------------------------------------------------------------------------------

bool dataset_installed() {
  return std::filesystem::exists(std::filesystem::path(jx::io::kFashionMnistDirectory) / "t10k-labels-idx1-ubyte.gz");
}

// Figures computed independently with Debian's Python:
//   /usr/bin/python3 -c "import gzip, numpy as np
//   d = '/usr/share/datasets/fashion-mnist/'
//   for s in ['train', 't10k']:
//     img = np.frombuffer(gzip.open(d + s + '-images-idx3-ubyte.gz').read(), np.uint8, offset=16)
//     lab = np.frombuffer(gzip.open(d + s + '-labels-idx1-ubyte.gz').read(), np.uint8, offset=8)
//     print(s, img.size // 784, int(img.astype(np.int64).sum()), np.bincount(lab), lab[:10])"
// train 60000 3431114169 [6000 ... 6000] [9 0 0 3 0 2 7 2 5 5]
// t10k  10000  573469082 [1000 ... 1000] [9 2 1 1 6 1 4 6 5 7]
struct RealSplit {
  jx::io::Split split;
  std::int64_t count;
  std::int64_t pixel_sum;
  std::vector<int> first_labels;
};

class IoFashionMnistReal : public ::testing::TestWithParam<RealSplit> {};

TEST_P(IoFashionMnistReal, CountsHistogramAndPixelSumAreTheDatasets) {
  if (!dataset_installed()) GTEST_SKIP() << "Debian's dataset-fashion-mnist is not installed";
  const RealSplit& expected = GetParam();
  const jx::io::Dataset data = jx::io::fashion_mnist(expected.split);
  EXPECT_EQ(data.size(), expected.count);
  EXPECT_EQ(data.images.shape(), (jx::Shape{expected.count, 28, 28, 1}));
  const std::vector<int> labels = data.labels.to_vector<int>();
  std::vector<std::int64_t> histogram(10, 0);
  for (int label : labels) histogram.at(static_cast<std::size_t>(label)) += 1;
  EXPECT_EQ(histogram, std::vector<std::int64_t>(10, expected.count / 10));
  EXPECT_EQ(std::vector<int>(labels.begin(), labels.begin() + 10), expected.first_labels);
  auto x64 = jx::config::scoped({.enable_x64 = true});
  EXPECT_EQ(jnp::sum(data.images.astype(jx::int64)).item<std::int64_t>(), expected.pixel_sum);
}

INSTANTIATE_TEST_SUITE_P(
    Splits, IoFashionMnistReal,
    ::testing::Values(RealSplit{jx::io::Split::train, 60000, 3431114169, {9, 0, 0, 3, 0, 2, 7, 2, 5, 5}},
                      RealSplit{jx::io::Split::test, 10000, 573469082, {9, 2, 1, 1, 6, 1, 4, 6, 5, 7}}),
    [](const auto& split_info) { return split_info.param.split == jx::io::Split::train ? "train" : "test"; });

}  // namespace
