// Minibatches of a dataset in a key-drawn order (jx/io/datasets.h).
#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <utility>

#include "backends/cpu/kernels.h"
#include "core/array_impl.h"
#include "jx/core/error.h"
#include "jx/io/datasets.h"

namespace jx::io {
namespace {

constexpr const char* kBatchesOp = "io::batches";

void check_dataset(const Dataset& data, std::int64_t batch_size) {
  if (!data.images.is_concrete() || !data.labels.is_concrete()) {
    throw ValueError(kBatchesOp, "the dataset's images and labels must be concrete arrays");
  }
  if (data.images.dtype() != DType::uint8 || data.images.ndim() < 1) {
    throw DTypeError(kBatchesOp, fmt::format("images must be uint8 [N, ...] (pixel intensities), not {}",
                                             data.images.type().to_string()));
  }
  if (!is_integer(data.labels.dtype()) || data.labels.ndim() != 1 || data.labels.shape()[0] != data.images.shape()[0]) {
    throw ShapeError(kBatchesOp, fmt::format("labels must be integers [N] for images {}, not {}",
                                             data.images.type().to_string(), data.labels.type().to_string()));
  }
  if (batch_size <= 0) throw ValueError(kBatchesOp, fmt::format("batch_size must be positive, not {}", batch_size));
}

}  // namespace

Batches::Batches(Dataset data, std::int64_t batch_size, std::vector<std::int64_t> order, BatchOptions options)
    : batch_size_(batch_size), order_(std::move(order)) {
  check_dataset(data, batch_size);
  // Labels in the dataset's integer type become int32, as sparse cross-entropy takes them.
  data_ = {cpu::contiguous(data.images), cpu::convert(data.labels, ArrayType{data.labels.shape(), DType::int32})};
  for (std::int64_t example : order_) {
    if (example < 0 || example >= data_.size()) {
      throw IndexError(kBatchesOp, fmt::format("example {} in the batch order is out of range for {} examples", example,
                                               data_.size()));
    }
  }
  const auto n = static_cast<std::int64_t>(order_.size());
  num_batches_ = options.drop_remainder ? n / batch_size_ : (n + batch_size_ - 1) / batch_size_;
}

Batch Batches::operator[](std::int64_t index) const {
  if (index < 0 || index >= num_batches_) {
    throw IndexError(kBatchesOp, fmt::format("batch {} is out of range for {} batches", index, num_batches_));
  }
  const std::int64_t first = index * batch_size_;
  const std::int64_t count = std::min(batch_size_, static_cast<std::int64_t>(order_.size()) - first);
  Shape image_shape = data_.images.shape();
  const std::int64_t example_size = image_shape[0] == 0 ? 0 : data_.images.size() / image_shape[0];
  image_shape[0] = count;

  auto images = allocate_array(ArrayType{image_shape, DType::float32});
  auto labels = allocate_array(ArrayType{Shape{count}, DType::int32});
  const std::uint8_t* pixels = concrete(data_.images).data_as<std::uint8_t>();
  float* out = images->data_as<float>();
  const std::int32_t* label_data = concrete(data_.labels).data_as<std::int32_t>();
  for (std::int64_t b = 0; b < count; ++b) {
    const std::int64_t example = order_[static_cast<std::size_t>(first + b)];
    const std::uint8_t* source = pixels + example * example_size;
    float* target = out + b * example_size;
    // Division, not a multiplication by 1/255: the same floats as NumPy's x.astype(float32) / 255.
    for (std::int64_t j = 0; j < example_size; ++j) target[j] = static_cast<float>(source[j]) / 255.0f;
    labels->data_as<std::int32_t>()[b] = label_data[example];
  }
  return {Array(std::move(images)), Array(std::move(labels))};
}

Batches batches(const Dataset& data, std::int64_t batch_size, const Key& key, BatchOptions options,
                std::source_location loc) {
  CallSite site(loc);
  check_dataset(data, batch_size);  // before data.size() below
  if (!key.is_concrete() || key.ndim() != 0) {
    throw ValueError(kBatchesOp, fmt::format("the shuffling key must be one concrete key (shape ()), not {}",
                                             key.valid() ? key.type().to_string() : std::string("an empty handle")));
  }
  std::vector<std::int64_t> order = random::permutation(key, data.size()).to_vector<std::int64_t>();
  return Batches(data, batch_size, std::move(order), options);
}

Batches batches(const Dataset& data, std::int64_t batch_size, BatchOptions options, std::source_location loc) {
  CallSite site(loc);
  check_dataset(data, batch_size);
  std::vector<std::int64_t> order(static_cast<std::size_t>(data.size()));
  std::iota(order.begin(), order.end(), std::int64_t{0});
  return Batches(data, batch_size, std::move(order), options);
}

}  // namespace jx::io
