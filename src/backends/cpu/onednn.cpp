#include "backends/cpu/onednn.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "backends/cpu/onednn_common.h"
#include "backends/cpu/thread_pool.h"
#include "core/buffer.h"

namespace jx::cpu::onednn {

// --- The engine, the thread rule, the switch ------------------------------------------------------

dnnl::engine& cpu_engine() {
  static auto* engine = new dnnl::engine(dnnl::engine::kind::cpu, 0);  // leaked: used until exit
  return *engine;
}

dnnl::stream& thread_stream() {
  thread_local dnnl::stream stream(cpu_engine());
  return stream;
}

void hold_to_one_thread() {
  thread_local bool held = false;
  if (!held) {
    omp_set_num_threads(1);  // this thread's OpenMP limit: oneDNN runs its parallel loops inline
    held = true;
  }
}

std::optional<dnnl::memory::data_type> data_type_of(DType dtype) {
  switch (dtype) {
    case DType::float32:
      return dnnl::memory::data_type::f32;
    case DType::bfloat16:
      return dnnl::memory::data_type::bf16;
    case DType::float16:
      return dnnl::memory::data_type::f16;
    default:
      return std::nullopt;
  }
}

Buffer::Buffer(std::size_t bytes)
    : data_(static_cast<std::byte*>(allocator::allocate(std::max<std::size_t>(bytes, 1)))),
      bytes_(std::max<std::size_t>(bytes, 1)) {}
Buffer::~Buffer() {
  if (data_ != nullptr) allocator::deallocate(data_, bytes_);
}
Buffer::Buffer(Buffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}
Buffer& Buffer::operator=(Buffer&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) allocator::deallocate(data_, bytes_);
    data_ = std::exchange(other.data_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

Split split(std::int64_t extent, std::int64_t wanted) {
  Split parts;
  parts.count = std::clamp<std::int64_t>(wanted, 1, std::max<std::int64_t>(extent, 1));
  parts.size = (extent + parts.count - 1) / parts.count;
  parts.last_size = extent - (parts.count - 1) * parts.size;
  return parts;
}

void run_parts(const Split& parts, const std::function<void(std::int64_t)>& part) {
  const auto run = [&](std::int64_t i) {
    hold_to_one_thread();
    part(i);
  };
  if (parts.count == 1) {
    run(0);
    return;
  }
  parallel_for(parts.count, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) run(i);
  });
}

bool is_reference(const std::string& implementation) { return implementation.rfind("ref", 0) == 0; }

dnnl::primitive_attr default_attributes() {
  dnnl::primitive_attr attributes;
  attributes.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attributes;
}

dnnl::memory thread_scratchpad(const dnnl::memory::desc& desc) {
  thread_local std::optional<Buffer> storage;
  thread_local std::size_t capacity = 0;
  const std::size_t bytes = desc.get_size();
  if (!storage || bytes > capacity) {
    storage.reset();
    storage.emplace(bytes);
    capacity = bytes;
  }
  return {desc, cpu_engine(), storage->data()};
}

namespace {

std::atomic<bool>& enabled_flag() {
  static std::atomic<bool> flag{[] {
    const char* value = std::getenv("JX_ONEDNN");
    return value == nullptr || std::strcmp(value, "0") != 0;
  }()};
  return flag;
}

thread_local std::string last_used;

}  // namespace

bool enabled() { return enabled_flag().load(std::memory_order_relaxed); }
void set_enabled(bool on) { enabled_flag().store(on); }
std::string last_implementation() { return last_used; }
void note_implementation(std::string_view implementation) {
  if (last_used != implementation) last_used = implementation;
}

// --- Matmul ---------------------------------------------------------------------------------------

namespace {

// One part of a product, as oneDNN sees it: everything that decides the primitive, not the addresses.
struct MatmulKey {
  DType dtype{};
  std::int64_t batch = 0, m = 0, n = 0, k = 0;
  bool a_transposed = false, b_transposed = false;
  std::int64_t a_leading = 0, b_leading = 0, a_batch_stride = 0, b_batch_stride = 0, c_leading = 0;
  bool bias = false;
  bool operator==(const MatmulKey&) const = default;
};

struct MatmulKeyHash {
  std::size_t operator()(const MatmulKey& key) const {
    std::size_t h = static_cast<std::size_t>(key.dtype);
    for (std::int64_t v : {key.batch, key.m, key.n, key.k, key.a_leading, key.b_leading, key.a_batch_stride,
                           key.b_batch_stride, key.c_leading}) {
      h = h * 1000003u ^ std::hash<std::int64_t>()(v);
    }
    return h * 8 + (key.a_transposed ? 4u : 0u) + (key.b_transposed ? 2u : 0u) + (key.bias ? 1u : 0u);
  }
};

struct MatmulPrimitive {
  std::optional<dnnl::matmul> primitive;  // empty: oneDNN has only its reference code for this
  dnnl::memory::desc a, b, c, bias, scratchpad;
  std::string implementation;
};

// A matrix operand's descriptor: (rows, cols), or (batch, rows, cols) with the batch's stride.
dnnl::memory::desc operand_desc(dnnl::memory::data_type type, std::int64_t batch, std::int64_t rows, std::int64_t cols,
                                bool transposed, std::int64_t leading, std::int64_t batch_stride) {
  const std::int64_t row_stride = transposed ? 1 : leading;
  const std::int64_t col_stride = transposed ? leading : 1;
  if (batch == 1) return {{rows, cols}, type, {row_stride, col_stride}};
  // A shared matrix is a batch of one, broadcast by oneDNN.
  const std::int64_t stride = batch_stride == 0 ? rows * cols : batch_stride;
  return {{batch_stride == 0 ? 1 : batch, rows, cols}, type, {stride, row_stride, col_stride}};
}

std::shared_ptr<const MatmulPrimitive> create(const MatmulKey& key) {
  const dnnl::memory::data_type type = *data_type_of(key.dtype);
  auto made = std::make_shared<MatmulPrimitive>();
  made->a = operand_desc(type, key.batch, key.m, key.k, key.a_transposed, key.a_leading, key.a_batch_stride);
  made->b = operand_desc(type, key.batch, key.k, key.n, key.b_transposed, key.b_leading, key.b_batch_stride);
  made->c = key.batch == 1
                ? dnnl::memory::desc({key.m, key.n}, type, {key.c_leading, 1})
                : dnnl::memory::desc({key.batch, key.m, key.n}, type, {key.m * key.c_leading, key.c_leading, 1});
  try {
    if (key.bias) made->bias = dnnl::memory::desc({1, key.n}, type, {key.n, 1});
    const dnnl::matmul::primitive_desc pd(key.bias ? dnnl::matmul::desc(made->a, made->b, made->bias, made->c)
                                                   : dnnl::matmul::desc(made->a, made->b, made->c),
                                          default_attributes(), cpu_engine());
    made->implementation = "matmul: " + std::string(pd.impl_info_str());
    made->scratchpad = pd.scratchpad_desc();
    if (!is_reference(pd.impl_info_str())) made->primitive.emplace(pd);
  } catch (const dnnl::error&) {
    made->implementation = "unsupported";  // this dtype or layout: jx's own path
  }
  return made;
}

PrimitiveCache<MatmulKey, MatmulPrimitive, MatmulKeyHash>& matmul_cache() {
  static auto* cache = new PrimitiveCache<MatmulKey, MatmulPrimitive, MatmulKeyHash>();
  return *cache;
}

// Products below this many multiply-adds cost less than a primitive's call: BLAS takes them.
constexpr std::int64_t kMinimumWork = std::int64_t{1} << 15;
// A part of a product split over threads does at least this many multiply-adds.
constexpr std::int64_t kWorkPerThread = std::int64_t{1} << 20;

// How a product is split over threads: along the batch, the rows of a or the columns of b.
enum class SplitAxis { batch, rows, columns };

}  // namespace

bool matmul(DType dtype, const MatrixOperand& a, const MatrixOperand& b, std::byte* c, std::int64_t m, std::int64_t n,
            std::int64_t k, std::int64_t batch, const Epilogue& epilogue) {
  if (!enabled() || !data_type_of(dtype)) return false;
  if (!epilogue.empty() && (batch != 1 || dtype != DType::float32)) return false;
  const std::int64_t work = m * n * k * batch;
  if (work < kMinimumWork) return false;
  const std::size_t item = itemsize(dtype);
  const SplitAxis axis = batch > 1 ? SplitAxis::batch : (m >= n ? SplitAxis::rows : SplitAxis::columns);
  const std::int64_t extent = axis == SplitAxis::batch ? batch : (axis == SplitAxis::rows ? m : n);
  const Split parts = split(extent, std::min<std::int64_t>(work / kWorkPerThread, num_threads()));

  // The primitive of each part (two sizes at most: the last part may be shorter). A part oneDNN does
  // not take means the whole product goes to BLAS, decided before anything is written.
  const auto key_of = [&](std::int64_t size) {
    MatmulKey key{dtype,
                  batch,
                  m,
                  n,
                  k,
                  a.transposed,
                  b.transposed,
                  a.leading,
                  b.leading,
                  a.batch_stride,
                  b.batch_stride,
                  n,
                  epilogue.bias != nullptr};
    if (axis == SplitAxis::batch) key.batch = size;
    if (axis == SplitAxis::rows) key.m = size;
    if (axis == SplitAxis::columns) key.n = size;
    return key;
  };
  hold_to_one_thread();
  // One float32 matrix: oneDNN's sgemm, which needs no primitive and ran faster than the matmul
  // primitive on large products here; batches and half types take the matmul primitive.
  const bool use_sgemm = dtype == DType::float32 && batch == 1 && epilogue.empty();
  std::shared_ptr<const MatmulPrimitive> full, last;
  if (use_sgemm) {
    note_implementation("matmul: dnnl_sgemm");
  } else {
    std::tie(full, last) = part_primitives(matmul_cache(), parts, key_of, create);
    if (!full->primitive || !last->primitive) return false;
    note_implementation(full->implementation);
  }

  run_parts(parts, [&](std::int64_t part) {
    const std::int64_t first = part * parts.size;
    const std::int64_t size = part == parts.count - 1 ? parts.last_size : parts.size;
    const std::byte* a_data = a.data;
    const std::byte* b_data = b.data;
    std::byte* c_data = c;
    if (axis == SplitAxis::batch) {
      a_data += first * a.batch_stride * static_cast<std::int64_t>(item);
      b_data += first * b.batch_stride * static_cast<std::int64_t>(item);
      c_data += first * m * n * static_cast<std::int64_t>(item);
    } else if (axis == SplitAxis::rows) {
      a_data += first * (a.transposed ? 1 : a.leading) * static_cast<std::int64_t>(item);
      c_data += first * n * static_cast<std::int64_t>(item);
    } else {
      b_data += first * (b.transposed ? b.leading : 1) * static_cast<std::int64_t>(item);
      c_data += first * static_cast<std::int64_t>(item);
    }
    if (use_sgemm) {
      // Row-major sgemm: a transposed operand is the transpose of a row-major matrix with its leading
      // dimension.
      const std::int64_t rows = axis == SplitAxis::rows ? size : m;
      const std::int64_t cols = axis == SplitAxis::columns ? size : n;
      const dnnl_status_t status =
          dnnl_sgemm(a.transposed ? 'T' : 'N', b.transposed ? 'T' : 'N', rows, cols, k, 1.0f,
                     reinterpret_cast<const float*>(a_data), a.leading, reinterpret_cast<const float*>(b_data),
                     b.leading, 0.0f, reinterpret_cast<float*>(c_data), n);
      if (status != dnnl_success) throw dnnl::error(status, "dnnl_sgemm");
      return;
    }
    const MatmulPrimitive& p = part == parts.count - 1 ? *last : *full;
    dnnl::engine& engine = cpu_engine();
    const dnnl::memory a_memory(p.a, engine, const_cast<std::byte*>(a_data));
    const dnnl::memory b_memory(p.b, engine, const_cast<std::byte*>(b_data));
    const dnnl::memory c_memory(p.c, engine, c_data);
    std::unordered_map<int, dnnl::memory> arguments{{DNNL_ARG_SRC, a_memory},
                                                    {DNNL_ARG_WEIGHTS, b_memory},
                                                    {DNNL_ARG_DST, c_memory},
                                                    {DNNL_ARG_SCRATCHPAD, thread_scratchpad(p.scratchpad)}};
    if (epilogue.bias != nullptr) {
      // A part of the columns adds its part of the bias.
      const std::int64_t bias_offset = axis == SplitAxis::columns ? first : 0;
      arguments.emplace(DNNL_ARG_BIAS, dnnl::memory(p.bias, engine,
                                                    const_cast<std::byte*>(epilogue.bias) +
                                                        bias_offset * static_cast<std::int64_t>(item)));
    }
    p.primitive->execute(thread_stream(), arguments);
  });
  return true;
}

std::size_t cached_primitives() { return matmul_cache().size() + convolution_cache_size() + pooling_cache_size(); }

void clear_cache() {
  matmul_cache().clear();
  clear_convolution_cache();
  clear_pooling_cache();
}

}  // namespace jx::cpu::onednn
