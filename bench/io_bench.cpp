// bench/io_bench.cpp — checkpoint throughput: jx::io::save / load of a ~100 MB train-state-like tree
// against writing and reading the same bytes with plain fwrite / fread, in the same run and directory.
//
//   - save: jx::io::save (header, a temporary file, fsync, rename, fsync of the directory) against
//     fwrite + fflush + fsync of the same bytes (the same durability), and against fwrite alone (what
//     a save that does not reach the disk costs: the page cache's speed);
//   - load: jx::io::load<T> (header checks, one pread per tensor into fresh arrays) against fread of
//     the same file into one buffer. The file is in the page cache after the saves, as a checkpoint
//     written by the same run is; both sides read from there.
//
// Rounds alternate jx and baseline so both see the same machine (a shared VM's disk is noisy); the
// figures are medians over the rounds, in GB/s (10^9 bytes per second).
//
// Where Debian's dataset-fashion-mnist is installed, also: jx::io::fashion_mnist(train) against
// zlib's gzread of the same two files, and one epoch of shuffled batches of 128 against the same
// gather and scaling written as a plain loop into one preallocated batch.
//
//   cmake --build build/default --target bench_io && ./build/default/bench/bench_io [DIRECTORY]
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "harness.h"
#include "jx/jx.h"

namespace jnp = jx::numpy;

namespace {

constexpr int kRounds = 7;

// A train state's shape: 24 weight matrices of 1M float32, their biases, a key and a step: ~100 MB.
std::map<std::string, jx::Array> make_state() {
  std::map<std::string, jx::Array> state;
  const jx::Key key = jx::random::PRNGKey(0);
  for (int i = 0; i < 24; ++i) {
    const std::string layer = "layer" + std::to_string(i);
    state[layer + ".w"] = jx::random::normal(jx::random::fold_in(key, static_cast<std::uint32_t>(i)), {1024, 1024});
    state[layer + ".b"] = jnp::zeros({1024});
  }
  state["step"] = jnp::array(1000, jx::int32);
  return state;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Before each timed step: no dirty pages left from the step before (the unsynced fwrite's would be
// written back during the next step and slow it down).
void settle() { ::sync(); }

// Writes `bytes` with stdio; with `sync`, flushes them to disk as jx::io::save does.
void fwrite_file(const std::filesystem::path& path, const std::vector<char>& bytes, bool sync) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fflush(f);
  if (sync) ::fsync(::fileno(f));
  std::fclose(f);
}

// Reads the file into `buffer`, allocated and touched once beforehand: the fastest a read can be,
// where jx::io::load allocates each array (from jx's caching allocator, warm after the first round).
void fread_into(const std::filesystem::path& path, std::vector<char>& buffer) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), f);
  std::fclose(f);
  if (n != buffer.size()) std::fprintf(stderr, "short read\n");
}

// The decompressed bytes of a gzip file, read with zlib's own gzread.
std::vector<char> gzread_file(const std::filesystem::path& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  std::vector<char> out;
  std::vector<char> chunk(1 << 20);
  for (int n; (n = gzread(f, chunk.data(), static_cast<unsigned>(chunk.size()))) > 0;) {
    out.insert(out.end(), chunk.begin(), chunk.begin() + n);
  }
  gzclose(f);
  return out;
}

void dataset_figures() {
  const std::filesystem::path directory(jx::io::kFashionMnistDirectory);
  if (!std::filesystem::exists(directory / "train-images-idx3-ubyte.gz")) {
    std::printf("\nFashion-MNIST is not installed (Debian's dataset-fashion-mnist): dataset figures skipped\n");
    return;
  }
  std::vector<double> load, gzread_both, epoch, plain_epoch;
  constexpr std::int64_t kBatch = 128;
  const jx::Key key = jx::random::PRNGKey(0);
  for (int round = 0; round < 3; ++round) {
    auto start = std::chrono::steady_clock::now();
    const jx::io::Dataset train = jx::io::fashion_mnist(jx::io::Split::train);
    load.push_back(seconds_since(start));

    start = std::chrono::steady_clock::now();
    const auto images = gzread_file(directory / "train-images-idx3-ubyte.gz");
    const auto labels = gzread_file(directory / "train-labels-idx1-ubyte.gz");
    gzread_both.push_back(seconds_since(start));

    const jx::Key epoch_key = jx::random::fold_in(key, static_cast<std::uint32_t>(round));
    start = std::chrono::steady_clock::now();
    std::int64_t examples = 0;
    for (auto [x, y] : jx::io::batches(train, kBatch, epoch_key)) {
      jx::bench::do_not_optimize(x.impl());
      examples += y.shape()[0];
    }
    epoch.push_back(static_cast<double>(examples) / seconds_since(start));

    // The same epoch by hand: the order drawn the same way, then gather and scale into one buffer.
    start = std::chrono::steady_clock::now();
    const std::vector<std::int64_t> order = jx::random::permutation(epoch_key, train.size()).to_vector<std::int64_t>();
    std::vector<float> batch_images(kBatch * 784);
    std::vector<std::int32_t> batch_labels(kBatch);
    const auto* pixels = reinterpret_cast<const std::uint8_t*>(images.data()) + 16;
    const auto* label_bytes = reinterpret_cast<const std::uint8_t*>(labels.data()) + 8;
    std::int64_t plain_examples = 0;
    for (std::int64_t b = 0; b + kBatch <= train.size(); b += kBatch) {
      for (std::int64_t i = 0; i < kBatch; ++i) {
        const std::int64_t e = order[static_cast<std::size_t>(b + i)];
        for (int j = 0; j < 784; ++j)
          batch_images[static_cast<std::size_t>(i * 784 + j)] = static_cast<float>(pixels[e * 784 + j]) / 255.0f;
        batch_labels[static_cast<std::size_t>(i)] = label_bytes[e];
      }
      jx::bench::do_not_optimize(batch_images.data());
      jx::bench::clobber_memory();
      plain_examples += kBatch;
    }
    plain_epoch.push_back(static_cast<double>(plain_examples) / seconds_since(start));
  }
  jx::bench::Table table("Fashion-MNIST train split (60000 images), medians of 3 rounds");
  table.row({.name = "fashion_mnist(train): load",
             .value = median(load),
             .unit = "s",
             .baseline_name = "gzread of the 2 files",
             .baseline = median(gzread_both),
             .target = ""});
  table.row({.name = "batches(128, key): one epoch",
             .value = median(epoch) / 1e6,
             .unit = "M ex/s",
             .baseline_name = "plain gather loop",
             .baseline = median(plain_epoch) / 1e6,
             .target = ""});
}

}  // namespace

int main(int argc, char** argv) {
  const std::filesystem::path directory =
      argc > 1 ? std::filesystem::path(argv[1]) : std::filesystem::temp_directory_path() / "jx_io_bench";
  std::filesystem::create_directories(directory);
  const auto checkpoint = directory / "state.safetensors";
  const auto plain = directory / "state.bin";

  const auto state = make_state();
  jx::io::save(checkpoint, state);
  const auto size = static_cast<std::size_t>(std::filesystem::file_size(checkpoint));
  std::vector<char> bytes(size);
  fread_into(checkpoint, bytes);
  std::vector<char> buffer(size);
  const double gigabytes = static_cast<double>(size) / 1e9;
  std::printf("checkpoint: %zu tensors, %.1f MB, in %s\n", state.size(), static_cast<double>(size) / 1e6,
              directory.c_str());

  std::vector<double> save, fwrite_sync, fwrite_cached, load, fread_all;
  for (int round = 0; round < kRounds; ++round) {
    settle();
    auto start = std::chrono::steady_clock::now();
    jx::io::save(checkpoint, state);
    save.push_back(gigabytes / seconds_since(start));

    settle();
    start = std::chrono::steady_clock::now();
    fwrite_file(plain, bytes, /*sync=*/true);
    fwrite_sync.push_back(gigabytes / seconds_since(start));

    settle();
    start = std::chrono::steady_clock::now();
    fwrite_file(plain, bytes, /*sync=*/false);
    fwrite_cached.push_back(gigabytes / seconds_since(start));

    settle();
    start = std::chrono::steady_clock::now();
    const auto loaded = jx::io::load<std::map<std::string, jx::Array>>(checkpoint);
    load.push_back(gigabytes / seconds_since(start));
    jx::bench::do_not_optimize(loaded);

    settle();
    start = std::chrono::steady_clock::now();
    fread_into(checkpoint, buffer);
    fread_all.push_back(gigabytes / seconds_since(start));
    jx::bench::do_not_optimize(buffer.data());
  }

  jx::bench::Table table("jx::io checkpoints: ~100 MB, medians of " + std::to_string(kRounds) + " rounds");
  table.row({.name = "save (atomic, fsync)",
             .value = median(save),
             .unit = "GB/s",
             .baseline_name = "fwrite + fsync",
             .baseline = median(fwrite_sync),
             .target = ""});
  table.row({.name = "save (atomic, fsync)",
             .value = median(save),
             .unit = "GB/s",
             .baseline_name = "fwrite, no fsync",
             .baseline = median(fwrite_cached),
             .target = ""});
  table.row({.name = "load<T> (checked)",
             .value = median(load),
             .unit = "GB/s",
             .baseline_name = "fread",
             .baseline = median(fread_all),
             .target = ""});

  std::filesystem::remove(checkpoint);
  std::filesystem::remove(plain);
  if (argc <= 1) std::filesystem::remove(directory);  // ours: it is empty now

  dataset_figures();
  return 0;
}
