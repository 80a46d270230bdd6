// Elementwise array kernels: drive the run kernels tile by tile over whole (possibly strided) arrays.
//
// A tile is a few thousand consecutive output elements. Contiguous inputs are read in place; a size-1
// input is a repeated scalar (step 0); any other view (a transpose, a broadcast) is first gathered
// into a per-thread scratch tile that stays in cache. Large outputs are split over the thread pool and
// written with streaming (non-temporal) stores, so the output's cache lines are never read from
// memory first: c = a + b then moves three arrays' worth of bytes instead of four, and 16M-element
// ops run at ~100% of memcpy's bandwidth instead of ~70% (bench/foundation_bench.cpp). Small outputs
// (the common case in eager code, and the next op's operand) are written in place and stay in cache.
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>

#include "backends/cpu/dispatch.h"
#include "backends/cpu/kernels.h"
#include "backends/cpu/simd.h"
#include "backends/cpu/strided.h"
#include "backends/cpu/thread_pool.h"

namespace jx::cpu {
namespace {

constexpr std::int64_t kTile = 4096;              // elements per tile
constexpr std::int64_t kParallelTiles = 16;       // tiles per thread before splitting pays off
constexpr int kMaxInputs = 3;                     // select's pred, on_true, on_false
constexpr std::size_t kTileBytes = kTile * 16;    // room for one tile of the widest type (complex128)
constexpr std::size_t kStreamingBytes = 8 << 20;  // outputs at least this large bypass the caches

// Per-thread scratch: one tile per gathered input, one for a streamed output tile.
std::byte* scratch_tiles() {
  struct Scratch {
    std::byte* data = nullptr;
    ~Scratch() { std::free(data); }
  };
  thread_local Scratch scratch;
  if (!scratch.data) {
    scratch.data = static_cast<std::byte*>(std::aligned_alloc(64, (kMaxInputs + 1) * kTileBytes));
    if (!scratch.data) throw std::bad_alloc();
  }
  return scratch.data;
}

// One input as the tile loop reads it.
struct Operand {
  const ConcreteArray* array;
  const std::byte* data;
  std::size_t itemsize;
  int step;     // 1: contiguous, read in place; 0: one element, repeated
  bool gather;  // a strided view, copied into a scratch tile first
};

// How a tile's results reach the output.
enum class Stores : std::uint8_t {
  in_place,       // ordinary stores: the output stays in cache for the next op
  via_scratch,    // computed into a scratch tile in L1, then streamed out (cheap ops: the copy is free)
  kernel_streams  // written in place under simd::StreamingStores: the vector-math kernels stream each
                  // register as they go, overlapping the writes with their arithmetic; for an expensive
                  // op a separate streaming pass would serialize them (exp: 27 GB/s against 37 GB/s)
};

// The body computes `count` outputs into `out` from inputs at `in` (steps 0 or 1, as in `steps`).
template <class Body>
void run_tiles(const Operand* operands, int num_inputs, const int* steps, std::byte* out, std::size_t out_size,
               std::int64_t first, std::int64_t last, bool any_gather, Stores stores, bool prefetch, const Body& body) {
  std::byte* const scratch = (any_gather || stores == Stores::via_scratch) ? scratch_tiles() : nullptr;
  std::byte* const out_tile = stores == Stores::via_scratch ? scratch + kMaxInputs * kTileBytes : nullptr;
  const simd::StreamingStores streaming(stores == Stores::kernel_streams);
  const std::byte* pointers[kMaxInputs];
  for (std::int64_t begin = first; begin < last; begin += kTile) {
    const std::int64_t count = std::min(kTile, last - begin);
    for (int i = 0; i < num_inputs; ++i) {
      const Operand& op = operands[i];
      if (op.gather) {
        std::byte* tile = scratch + static_cast<std::size_t>(i) * kTileBytes;
        copy_range_to(*op.array, begin, count, tile);
        pointers[i] = tile;
      } else {
        pointers[i] = op.data + (op.step ? static_cast<std::size_t>(begin) * op.itemsize : 0);
      }
    }
    if (prefetch) {
      // Ask for the next tile of each contiguous input now. The hardware prefetchers fall behind a
      // slow consumer (division, sqrt), while this slows the cheap ops down (their prefetches compete
      // with their own loads). The vector-math kernels prefetch a fixed distance ahead as they go
      // instead (simd::map_vector), which overlaps memory with their arithmetic better than a burst
      // per tile: tanh over 64 MiB went from 0.81x to 0.95x of memcpy's rate.
      const std::int64_t next = std::min(kTile, last - begin - count);
      for (int i = 0; i < num_inputs; ++i) {
        const Operand& op = operands[i];
        if (op.step && !op.gather && next > 0) {
          simd::prefetch_l2(pointers[i] + static_cast<std::size_t>(count) * op.itemsize,
                            static_cast<std::size_t>(next) * op.itemsize);
        }
      }
    }
    std::byte* dst = out + static_cast<std::size_t>(begin) * out_size;
    if (out_tile) {
      body(pointers, steps, out_tile, count);
      simd::stream_copy(dst, out_tile, static_cast<std::size_t>(count) * out_size);
    } else {
      body(pointers, steps, dst, count);
    }
  }
  // Order the streamed stores before the thread pool reports this part done.
  if (stores != Stores::in_place) simd::stream_fence();
}

// What the driver needs to know about an operation's run kernel.
struct Cost {
  bool expensive = false;    // nanoseconds per element: prefetch its inputs
  bool vector_math = false;  // computed by simd::map_vector (SLEEF): it can stream its own stores
};

// Calls body for tiles covering all of `out`'s elements, with the inputs (of out's shape, or size 1)
// read in place, repeated or gathered.
template <class Body>
void for_each_tile(std::initializer_list<const ConcreteArray*> inputs, ConcreteArray& out, Cost cost,
                   const Body& body) {
  const std::int64_t n = out.type().num_elements();
  if (n == 0) return;
  Operand operands[kMaxInputs];
  int steps[kMaxInputs];
  int num_inputs = 0;
  bool any_gather = false;
  for (const ConcreteArray* array : inputs) {
    const bool scalar = n == 1 || array->type().shape.ndim() == 0 || array->type().num_elements() == 1;
    const bool gather = !scalar && !array->is_contiguous();
    operands[num_inputs] = {array, array->data(), itemsize(array->type().dtype), scalar ? 0 : 1, gather};
    steps[num_inputs] = scalar ? 0 : 1;
    any_gather |= gather;
    ++num_inputs;
  }
  std::byte* const out_data = out.data();
  const std::size_t out_size = itemsize(out.type().dtype);
  if (n <= kTile && !any_gather) {
    // Small and in place (the eager common case): one call, no tiling.
    const std::byte* pointers[kMaxInputs];
    for (int i = 0; i < num_inputs; ++i) pointers[i] = operands[i].data;
    body(pointers, steps, out_data, n);
    return;
  }
  const std::int64_t tiles = (n + kTile - 1) / kTile;
  const bool large = static_cast<std::size_t>(n) * out_size >= kStreamingBytes;
  const Stores stores = !large ? Stores::in_place : (cost.vector_math ? Stores::kernel_streams : Stores::via_scratch);
  const bool prefetch = large && cost.expensive && !cost.vector_math;
  if (tiles < 2 * kParallelTiles) {
    run_tiles(operands, num_inputs, steps, out_data, out_size, 0, n, any_gather, stores, prefetch, body);
    return;
  }
  parallel_for(tiles, kParallelTiles, [&](std::int64_t first_tile, std::int64_t last_tile) {
    run_tiles(operands, num_inputs, steps, out_data, out_size, first_tile * kTile, std::min(n, last_tile * kTile),
              any_gather, stores, prefetch, body);
  });
}

// Operations whose run kernels take nanoseconds per element; those that SLEEF computes, through
// simd::map_vector, for float32 and float64 (float16 and bfloat16 go through a float32 stack tile).
Cost cost_of(UnaryOp op, DType dtype) {
  switch (op) {
    case UnaryOp::neg:
    case UnaryOp::abs:
    case UnaryOp::sign:
    case UnaryOp::floor:
    case UnaryOp::ceil:
    case UnaryOp::round:
    case UnaryOp::is_finite:
    case UnaryOp::not_:
    case UnaryOp::square:
      return {};
    case UnaryOp::sqrt:
    case UnaryOp::rsqrt:
    case UnaryOp::reciprocal:
      return {.expensive = true, .vector_math = false};
    case UnaryOp::erf_inv:
      return {.expensive = true, .vector_math = dtype == DType::float32};
    default:
      return {.expensive = true, .vector_math = dtype == DType::float32 || dtype == DType::float64};
  }
}
Cost cost_of(BinaryOp op, DType dtype) {
  const bool vector_math = op == BinaryOp::pow || op == BinaryOp::atan2;
  const bool expensive = vector_math || op == BinaryOp::div || op == BinaryOp::rem || op == BinaryOp::nextafter;
  return {.expensive = expensive, .vector_math = vector_math && (dtype == DType::float32 || dtype == DType::float64)};
}

// out[0, count) = the element at `value`, repeated.
void repeat(std::byte* out, const std::byte* value, std::size_t size, std::int64_t count) {
  visit_itemsize(size, [&]<class T>(TypeTag<T>) {
    T element;
    std::memcpy(&element, value, sizeof(T));
    std::fill_n(reinterpret_cast<T*>(out), count, element);
  });
}

// An operand that the tiles would gather one element per cache line (a transposed view: its innermost
// axis strides across lines) is first copied whole by copy_to, which blocks the transpose. The extra
// pass costs less than the gather: a.T + b on 4096 x 4096 float32 ran at 2.6 GB/s gathered. Returns
// x itself (no reference-count traffic on the eager path) or the copy, kept in `copy`.
const Array& readable(const Array& x, std::int64_t out_elements, Array& copy) {
  if (out_elements <= kTile) return x;
  const ConcreteArray& c = concrete(x);
  if (c.is_contiguous() || c.type().num_elements() <= 1) return x;
  if (transposed_axis(collapse(c.type().shape, c.strides()), itemsize(c.type().dtype)) < 0) return x;
  copy = contiguous(x);
  return copy;
}

}  // namespace

Array unary(UnaryOp op, const Array& x_view, const ArrayType& out_type) {
  auto out = allocate_array(out_type);
  Array copy;
  const Array& x = readable(x_view, out_type.num_elements(), copy);
  const DType dtype = x.dtype();
  const std::size_t out_size = itemsize(out_type.dtype);
  for_each_tile({&concrete(x)}, *out, cost_of(op, dtype),
                [&](const std::byte* const* in, const int* steps, std::byte* dst, std::int64_t count) {
                  unary_run(op, dtype, in[0], dst, steps[0] == 0 ? 1 : count);
                  if (steps[0] == 0 && count > 1) repeat(dst + out_size, dst, out_size, count - 1);
                });
  return wrap(std::move(out));
}

Array binary(BinaryOp op, const Array& a_view, const Array& b_view, const ArrayType& out_type) {
  auto out = allocate_array(out_type);
  Array a_copy, b_copy;
  const Array& a = readable(a_view, out_type.num_elements(), a_copy);
  const Array& b = readable(b_view, out_type.num_elements(), b_copy);
  const DType dtype = a.dtype();
  for_each_tile({&concrete(a), &concrete(b)}, *out, cost_of(op, dtype),
                [&](const std::byte* const* in, const int* steps, std::byte* dst, std::int64_t count) {
                  binary_run(op, dtype, in[0], steps[0], in[1], steps[1], dst, count);
                });
  return wrap(std::move(out));
}

Array convert(const Array& x_view, const ArrayType& out_type) {
  auto out = allocate_array(out_type);
  Array copy;
  const Array& x = readable(x_view, out_type.num_elements(), copy);
  const DType from = x.dtype();
  const std::size_t out_size = itemsize(out_type.dtype);
  for_each_tile({&concrete(x)}, *out, Cost{},
                [&](const std::byte* const* in, const int* steps, std::byte* dst, std::int64_t count) {
                  convert_run(from, out_type.dtype, in[0], dst, steps[0] == 0 ? 1 : count);
                  if (steps[0] == 0 && count > 1) repeat(dst + out_size, dst, out_size, count - 1);
                });
  return wrap(std::move(out));
}

Array select(const Array& pred_view, const Array& on_true_view, const Array& on_false_view, const ArrayType& out_type) {
  auto out = allocate_array(out_type);
  const std::int64_t n = out_type.num_elements();
  Array pred_copy, on_true_copy, on_false_copy;
  const Array& pred = readable(pred_view, n, pred_copy);
  const Array& on_true = readable(on_true_view, n, on_true_copy);
  const Array& on_false = readable(on_false_view, n, on_false_copy);
  const std::size_t size = itemsize(out_type.dtype);
  for_each_tile({&concrete(pred), &concrete(on_true), &concrete(on_false)}, *out, Cost{},
                [&](const std::byte* const* in, const int* steps, std::byte* dst, std::int64_t count) {
                  select_run(reinterpret_cast<const bool*>(in[0]), steps[0], size, in[1], steps[1], in[2], steps[2],
                             dst, count);
                });
  return wrap(std::move(out));
}

// --- Conversions --------------------------------------------------------------------------------

namespace {

template <class From, class To>
To convert_one(From x) {
  if constexpr (std::is_same_v<From, To>) {
    return x;
  } else if constexpr (is_complex_v<From> && is_complex_v<To>) {
    return To(static_cast<typename To::value_type>(x.real()), static_cast<typename To::value_type>(x.imag()));
  } else if constexpr (is_complex_v<From>) {
    // The imaginary part is dropped, as NumPy's astype (with its ComplexWarning) and XLA do; to bool,
    // a complex is true when either part is nonzero.
    if constexpr (std::is_same_v<To, bool>) return x != From(0);
    return convert_one<typename From::value_type, To>(x.real());
  } else if constexpr (is_complex_v<To>) {
    return To(convert_one<From, typename To::value_type>(x), 0);
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
  if (n <= 0) return;  // the pointers may be null (an empty std::vector's data())
  if (from == to) {
    std::memcpy(out, in, static_cast<std::size_t>(n) * itemsize(from));
    return;
  }
  visit_numeric_dtype(from, [&]<class F>(TypeTag<F>) {
    visit_numeric_dtype(to, [&]<class T>(TypeTag<T>) {
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
    // The common cases with their steps known to the compiler, so that the loop becomes vector blends:
    // a ReLU's gradient mask is half true at random, and a branch per element mispredicts half the time.
    // (Not for the 16-byte elements of complex128, which take the plain loop below.)
    if constexpr (std::is_integral_v<T>) {
      const auto blend = [&]<int TrueStep, int FalseStep>() {
        const auto* flags = reinterpret_cast<const std::uint8_t*>(pred);
        for (std::int64_t i = 0; i < n; ++i) {
          const T mask = static_cast<T>(T{0} - static_cast<T>(flags[i] != 0));  // all ones where true
          o[i] = static_cast<T>((t[i * TrueStep] & mask) | (f[i * FalseStep] & static_cast<T>(~mask)));
        }
      };
      if (p_step == 1 && t_step == 1 && f_step == 1) return blend.template operator()<1, 1>();
      if (p_step == 1 && t_step == 1 && f_step == 0) return blend.template operator()<1, 0>();
      if (p_step == 1 && t_step == 0 && f_step == 1) return blend.template operator()<0, 1>();
    }
    for (std::int64_t i = 0; i < n; ++i) o[i] = pred[i * p_step] ? t[i * t_step] : f[i * f_step];
  });
}

}  // namespace jx::cpu
