// jx/io/datasets.h — Fashion-MNIST, IDX files, and shuffled minibatches.
//
// fashion_mnist reads the IDX files Debian's dataset-fashion-mnist package installs (gzip-compressed,
// under /usr/share/datasets/fashion-mnist); batches cuts a dataset into minibatches in an order drawn
// from a jx::Key, so that a run's data order is reproducible from its seed:
//
//   auto train = jx::io::fashion_mnist(jx::io::Split::train);   // 60000 images, uint8 [N,28,28,1]
//   auto data_key = jx::random::PRNGKey(0);
//   for (int epoch = 0; epoch < epochs; ++epoch) {
//     for (auto [images, labels] : jx::io::batches(train, 128, jx::random::fold_in(data_key, epoch))) {
//       // images: float32 [128,28,28,1] in [0, 1]; labels: int32 [128]
//     }
//   }
//
// The last partial batch of an epoch is dropped by default ({.drop_remainder = true}): every batch
// then has one shape, so a jitted step traces once (a smaller last batch is a second trace), and
// BatchNorm never sees a batch of a handful of examples. Shuffling means that the dropped examples
// differ from epoch to epoch. With {.drop_remainder = false} the last batch holds the rest (what an
// evaluation over a whole test set wants).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <iterator>
#include <memory>
#include <optional>
#include <source_location>
#include <string_view>
#include <vector>

#include "jx/core/array.h"
#include "jx/numpy.h"
#include "jx/random.h"

namespace jx::io {

// --- IDX files (the format of MNIST and Fashion-MNIST) ----------------------------------------------

// An IDX file, gzip-compressed or not, as an array of its dtype and dimensions (unsigned and signed
// bytes, int16, int32, float32, float64; multi-byte data is big-endian on disk).
Array load_idx(const std::filesystem::path& path, std::source_location loc = std::source_location::current());

// --- Fashion-MNIST ------------------------------------------------------------------------------------

enum class Split { train, test };

// Images with their labels, example i being images[i] and labels[i].
struct Dataset {
  Array images;  // uint8 [N, 28, 28, 1]: pixel intensities 0..255, one channel (NHWC)
  Array labels;  // int32 [N]: class indices 0..9
  std::int64_t size() const { return labels.shape()[0]; }
};

// Where Debian's dataset-fashion-mnist package puts the files.
inline constexpr std::string_view kFashionMnistDirectory = "/usr/share/datasets/fashion-mnist";
// The classes, by label.
inline constexpr std::array<std::string_view, 10> kFashionMnistClasses = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};

// The train split (60000 examples) or the test split (10000), from kFashionMnistDirectory or from
// `directory` (which holds {train,t10k}-{images-idx3,labels-idx1}-ubyte, with or without .gz). A
// missing file throws IOError saying which package to install; a truncated or corrupt one throws
// IOError saying what is wrong with it.
Dataset fashion_mnist(Split split, std::source_location loc = std::source_location::current());
Dataset fashion_mnist(Split split, const std::filesystem::path& directory,
                      std::source_location loc = std::source_location::current());

// --- Minibatches ---------------------------------------------------------------------------------------

struct BatchOptions {
  [[no_unique_address]] jx::detail::KeywordsOnly keywords_only_{};
  bool drop_remainder = true;  // drop the last batch when it is smaller than batch_size
};

// One minibatch: images as float32 [B, ...] scaled to [0, 1] (pixel / 255), labels int32 [B].
struct Batch {
  Array images;
  Array labels;
};

// The minibatches of one pass over a dataset, made as they are visited (the dataset's arrays are
// shared, not copied). A range: `for (auto [images, labels] : batches)`, or batches[i].
class Batches {
 public:
  Batches(Dataset data, std::int64_t batch_size, std::vector<std::int64_t> order, BatchOptions options);

  std::int64_t size() const { return num_batches_; }  // how many batches this pass yields
  Batch operator[](std::int64_t index) const;         // the index-th batch (IndexError out of range)
  // The example indices of this pass, in visiting order (dropped ones included, at the end).
  const std::vector<std::int64_t>& order() const { return order_; }

  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Batch;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    iterator(const Batches* batches, std::int64_t index) : batches_(batches), index_(index) {}
    Batch operator*() const { return (*batches_)[index_]; }
    iterator& operator++() {
      ++index_;
      return *this;
    }
    void operator++(int) { ++index_; }
    friend bool operator==(const iterator& a, const iterator& b) { return a.index_ == b.index_; }

   private:
    const Batches* batches_ = nullptr;
    std::int64_t index_ = 0;
  };
  iterator begin() const { return {this, 0}; }
  iterator end() const { return {this, num_batches_}; }

 private:
  Dataset data_;
  std::int64_t batch_size_;
  std::vector<std::int64_t> order_;
  std::int64_t num_batches_;
};

// Batches in the order of jx::random::permutation(key, data.size()): the same key gives the same
// order; use a new key each epoch (fold_in(key, epoch), or split).
Batches batches(const Dataset& data, std::int64_t batch_size, const Key& key, BatchOptions options = {},
                std::source_location loc = std::source_location::current());
// Batches in the dataset's own order (no shuffling), e.g. for evaluation.
Batches batches(const Dataset& data, std::int64_t batch_size, BatchOptions options = {},
                std::source_location loc = std::source_location::current());

}  // namespace jx::io
