// Fashion-MNIST from the IDX files of Debian's dataset-fashion-mnist package (jx/io/datasets.h).
#include <fmt/format.h>

#include <string>
#include <system_error>

#include "backends/cpu/kernels.h"
#include "io/files.h"
#include "io/host_arrays.h"
#include "io/idx.h"
#include "jx/core/error.h"
#include "jx/io/datasets.h"

namespace jx::io {
namespace {

constexpr const char* kFashionMnistOp = "io::fashion_mnist";
constexpr std::int64_t kSide = 28;
constexpr std::int64_t kClasses = 10;

// The file `stem` in `directory`, as Debian installs it (.gz) or unpacked.
std::filesystem::path find_file(const std::filesystem::path& directory, const std::string& stem) {
  std::error_code error;
  for (const std::string& name : {stem + ".gz", stem}) {
    if (std::filesystem::exists(directory / name, error)) return directory / name;
  }
  const bool default_directory = directory == std::filesystem::path(kFashionMnistDirectory);
  throw IOError(
      kFashionMnistOp,
      fmt::format("'{}' not found{}", (directory / (stem + ".gz")).string(),
                  default_directory ? ": the dataset is not installed; install Debian's dataset-fashion-mnist "
                                      "package (sudo apt-get install dataset-fashion-mnist)"
                                    : fmt::format(" (nor '{}'): pass the directory holding Fashion-MNIST's IDX files, "
                                                  "or install Debian's dataset-fashion-mnist package and use the "
                                                  "default directory",
                                                  stem)));
}

Array read_checked(const std::filesystem::path& path, DType dtype, int ndim, const char* what) {
  FileReader file(path, kFashionMnistOp);
  Array array = read_idx(file);
  if (array.dtype() != dtype || array.ndim() != ndim) {
    file.fail(fmt::format("expected {} as IDX {} with {} dimension{}, found {} {}", what, dtype_name(dtype), ndim,
                          ndim == 1 ? "" : "s", dtype_name(array.dtype()), array.shape().to_string()));
  }
  return array;
}

}  // namespace

Dataset fashion_mnist(Split split, const std::filesystem::path& directory, std::source_location loc) {
  CallSite site(loc);
  const std::string prefix = split == Split::train ? "train" : "t10k";
  const std::filesystem::path images_path = find_file(directory, prefix + "-images-idx3-ubyte");
  const std::filesystem::path labels_path = find_file(directory, prefix + "-labels-idx1-ubyte");

  Array images = read_checked(images_path, DType::uint8, 3, "images");
  if (images.shape()[1] != kSide || images.shape()[2] != kSide) {
    throw_file_error(kFashionMnistOp, images_path,
                     fmt::format("expected images of 28x28 pixels, found {}", images.shape().to_string()));
  }
  Array labels = read_checked(labels_path, DType::uint8, 1, "labels");
  if (labels.shape()[0] != images.shape()[0]) {
    throw_file_error(kFashionMnistOp, labels_path,
                     fmt::format("holds {} labels but '{}' holds {} images", labels.shape()[0], images_path.string(),
                                 images.shape()[0]));
  }
  const std::uint8_t* label_data = concrete(labels).data_as<std::uint8_t>();
  for (std::int64_t i = 0; i < labels.shape()[0]; ++i) {
    if (label_data[i] >= kClasses) {
      throw_file_error(
          kFashionMnistOp, labels_path,
          fmt::format("label {} of example {} is not a class (0 to 9): the file is corrupt", label_data[i], i));
    }
  }
  // NHWC with one channel, as convolutions take images; the reshape is a view of the same data.
  return {images.reshape({images.shape()[0], kSide, kSide, 1}),
          cpu::convert(labels, ArrayType{labels.shape(), DType::int32})};
}

Dataset fashion_mnist(Split split, std::source_location loc) {
  return fashion_mnist(split, std::filesystem::path(kFashionMnistDirectory), loc);
}

}  // namespace jx::io
