// Elementwise array kernels: drive the run kernels tile by tile over whole (possibly strided) arrays.
//
// A tile is a few thousand consecutive output elements. Contiguous inputs are read in place; a size-1
// input is a repeated scalar (step 0); any other view (a transpose, a broadcast) is first gathered
// into a per-thread scratch tile that stays in cache. Large outputs are split over the thread pool.
#include <cstring>
#include <functional>
#include <limits>
#include <vector>

#include "backends/cpu/dispatch.h"
#include "backends/cpu/kernels.h"
#include "backends/cpu/thread_pool.h"

namespace jx::cpu {
namespace {

constexpr std::int64_t kTile = 4096;
constexpr std::int64_t kParallelTiles = 16;  // tiles per thread before splitting pays off

using TileBody =
    std::function<void(const std::byte* const* inputs, const int* steps, std::int64_t begin, std::int64_t count)>;

// Calls body for tiles covering the n output elements, with inputs broadcast/gathered to match.
void for_each_tile(std::span<const Array> inputs, std::int64_t n, const TileBody& body) {
  constexpr int kMaxInputs = 4;
  const int num_inputs = static_cast<int>(inputs.size());
  const ConcreteArray* arrays[kMaxInputs];
  bool gathered[kMaxInputs];
  int steps[kMaxInputs];
  bool any_gathered = false;
  for (int i = 0; i < num_inputs; ++i) {
    arrays[i] = &concrete(inputs[static_cast<std::size_t>(i)]);
    const std::int64_t size = arrays[i]->type().num_elements();
    steps[i] = size == 1 ? 0 : 1;
    gathered[i] = size != 1 && !arrays[i]->is_contiguous();
    any_gathered |= gathered[i];
  }
  auto run_range = [&](std::int64_t first, std::int64_t last) {
    std::vector<std::byte> scratch;
    if (any_gathered) scratch.resize(static_cast<std::size_t>(kTile * 8 * num_inputs));
    const std::byte* pointers[kMaxInputs];
    for (std::int64_t begin = first; begin < last; begin += kTile) {
      const std::int64_t count = std::min(kTile, last - begin);
      for (int i = 0; i < num_inputs; ++i) {
        const std::size_t size = itemsize(arrays[i]->type().dtype);
        if (gathered[i]) {
          std::byte* tile = scratch.data() + static_cast<std::size_t>(i) * kTile * 8;
          copy_range_to(*arrays[i], begin, count, tile);
          pointers[i] = tile;
        } else {
          pointers[i] = arrays[i]->data() + (steps[i] ? static_cast<std::size_t>(begin) * size : 0);
        }
      }
      body(pointers, steps, begin, count);
    }
  };
  const std::int64_t tiles = (n + kTile - 1) / kTile;
  if (tiles < 2 * kParallelTiles) {
    run_range(0, n);
    return;
  }
  parallel_for(tiles, kParallelTiles, [&](std::int64_t first_tile, std::int64_t last_tile) {
    run_range(first_tile * kTile, std::min(n, last_tile * kTile));
  });
}

std::shared_ptr<ConcreteArray> allocate_output(const ArrayType& type) { return allocate_array(type); }

}  // namespace

Array unary(UnaryOp op, const Array& x, const ArrayType& out_type) {
  auto out = allocate_output(out_type);
  const DType dtype = x.dtype();
  std::byte* out_data = out->data();
  const std::size_t out_size = itemsize(out_type.dtype);
  const Array inputs[] = {x};
  for_each_tile(inputs, out_type.num_elements(),
                [&](const std::byte* const* in, const int* steps, std::int64_t begin, std::int64_t count) {
                  if (steps[0] == 0) {
                    // A size-1 input: compute once, then repeat.
                    unary_run(op, dtype, in[0], out_data + begin * static_cast<std::int64_t>(out_size), 1);
                    for (std::int64_t i = 1; i < count; ++i) {
                      std::memcpy(out_data + (begin + i) * static_cast<std::int64_t>(out_size),
                                  out_data + begin * static_cast<std::int64_t>(out_size), out_size);
                    }
                    return;
                  }
                  unary_run(op, dtype, in[0], out_data + begin * static_cast<std::int64_t>(out_size), count);
                });
  return wrap(std::move(out));
}

Array binary(BinaryOp op, const Array& a, const Array& b, const ArrayType& out_type) {
  auto out = allocate_output(out_type);
  const DType dtype = a.dtype();
  std::byte* out_data = out->data();
  const auto out_size = static_cast<std::int64_t>(itemsize(out_type.dtype));
  const Array inputs[] = {a, b};
  for_each_tile(inputs, out_type.num_elements(),
                [&](const std::byte* const* in, const int* steps, std::int64_t begin, std::int64_t count) {
                  binary_run(op, dtype, in[0], steps[0], in[1], steps[1], out_data + begin * out_size, count);
                });
  return wrap(std::move(out));
}

Array convert(const Array& x, const ArrayType& out_type) {
  auto out = allocate_output(out_type);
  const DType from = x.dtype();
  std::byte* out_data = out->data();
  const auto out_size = static_cast<std::int64_t>(itemsize(out_type.dtype));
  const Array inputs[] = {x};
  for_each_tile(inputs, out_type.num_elements(),
                [&](const std::byte* const* in, const int* steps, std::int64_t begin, std::int64_t count) {
                  std::byte* dst = out_data + begin * out_size;
                  if (steps[0] == 0) {
                    convert_run(from, out_type.dtype, in[0], dst, 1);
                    for (std::int64_t i = 1; i < count; ++i)
                      std::memcpy(dst + i * out_size, dst, static_cast<std::size_t>(out_size));
                    return;
                  }
                  convert_run(from, out_type.dtype, in[0], dst, count);
                });
  return wrap(std::move(out));
}

Array select(const Array& pred, const Array& on_true, const Array& on_false, const ArrayType& out_type) {
  auto out = allocate_output(out_type);
  std::byte* out_data = out->data();
  const std::size_t size = itemsize(out_type.dtype);
  const Array inputs[] = {pred, on_true, on_false};
  for_each_tile(inputs, out_type.num_elements(),
                [&](const std::byte* const* in, const int* steps, std::int64_t begin, std::int64_t count) {
                  select_run(reinterpret_cast<const bool*>(in[0]), steps[0], size, in[1], steps[1], in[2], steps[2],
                             out_data + begin * static_cast<std::int64_t>(size), count);
                });
  return wrap(std::move(out));
}

// --- Conversions --------------------------------------------------------------------------------

namespace {

template <class From, class To>
To convert_one(From x) {
  if constexpr (std::is_same_v<From, To>) {
    return x;
  } else if constexpr (is_half_v<From>) {
    return convert_one<float, To>(static_cast<float>(x));
  } else if constexpr (std::is_same_v<To, bool>) {
    return x != From(0);
  } else if constexpr (is_half_v<To>) {
    return To(static_cast<float>(x));
  } else if constexpr (std::is_integral_v<To> && std::is_floating_point_v<From>) {
    // Saturating, NaN to 0, as XLA converts.
    if (x != x) return To(0);
    if (x <= static_cast<From>(std::numeric_limits<To>::min())) return std::numeric_limits<To>::min();
    if (x >= static_cast<From>(std::numeric_limits<To>::max())) return std::numeric_limits<To>::max();
    return static_cast<To>(x);
  } else {
    return static_cast<To>(x);  // integers wrap (C++20), integers to floats round to nearest
  }
}

}  // namespace

void convert_run(DType from, DType to, const void* in, void* out, std::int64_t n) {
  if (from == to) {
    std::memcpy(out, in, static_cast<std::size_t>(n) * itemsize(from));
    return;
  }
  visit_dtype(from, [&]<class F>(TypeTag<F>) {
    visit_dtype(to, [&]<class T>(TypeTag<T>) {
      const F* src = static_cast<const F*>(in);
      T* dst = static_cast<T*>(out);
      for (std::int64_t i = 0; i < n; ++i) dst[i] = convert_one<F, T>(src[i]);
    });
  });
}

void select_run(const bool* pred, int p_step, std::size_t itemsize, const void* on_true, int t_step,
                const void* on_false, int f_step, void* out, std::int64_t n) {
  visit_itemsize(itemsize, [&]<class T>(TypeTag<T>) {
    const T* t = static_cast<const T*>(on_true);
    const T* f = static_cast<const T*>(on_false);
    T* o = static_cast<T*>(out);
    for (std::int64_t i = 0; i < n; ++i) o[i] = pred[i * p_step] ? t[i * t_step] : f[i * f_step];
  });
}

}  // namespace jx::cpu
