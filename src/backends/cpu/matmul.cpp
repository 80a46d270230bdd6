// dot_general: batched matrix products through oneDNN (float32, and half types the CPU supports) or
// OpenBLAS (float64, small products, what oneDNN does not take).
//
// Each operand is viewed as a stack of matrices. Where its strides already describe a matrix BLAS can
// read — row-major, or transposed (column-major) — it is passed as is with the matching transpose
// flag and leading dimension, so a transposed view costs nothing; otherwise it is copied once into
// the layout BLAS wants. float16/bfloat16 that oneDNN does not take go through float32; integers use a
// plain loop.
#include <cblas.h>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <vector>

#include "backends/cpu/dispatch.h"
#include "backends/cpu/kernels.h"
#include "backends/cpu/onednn.h"
#include "backends/cpu/thread_pool.h"

namespace jx::cpu {
namespace {

// An operand seen as `batch` matrices of rows x cols.
struct MatrixStack {
  Array storage;  // keeps the data alive (a view of the input, or a dense copy)
  const std::byte* data = nullptr;
  std::int64_t batch = 1, rows = 1, cols = 1;
  std::int64_t batch_stride = 0;  // in elements
  bool transposed = false;        // column-major: element (r, c) at r + c * leading
  std::int64_t leading = 1;
};

// Collapses the given axes of a view into one (size, stride), if they are nested evenly.
bool merge_axes(const Shape& shape, const Strides& strides, const std::vector<int>& axes, std::int64_t& size,
                std::int64_t& stride) {
  size = 1;
  stride = 1;
  bool first = true;
  for (auto it = axes.rbegin(); it != axes.rend(); ++it) {
    const std::int64_t dim = shape[*it];
    const std::int64_t s = strides[static_cast<std::size_t>(*it)];
    if (dim == 1) continue;
    if (first) {
      stride = s;
      first = false;
    } else if (s != stride * size) {
      return false;
    }
    size *= dim;
  }
  return true;
}

// Views x as a stack of (row_axes) x (col_axes) matrices, copying only if the strides don't allow it.
MatrixStack as_matrix_stack(const Array& x, const std::vector<int>& batch_axes, const std::vector<int>& row_axes,
                            const std::vector<int>& col_axes) {
  const ConcreteArray& source = concrete(x);
  const Shape& shape = source.type().shape;
  MatrixStack m;
  std::int64_t row_stride = 1, col_stride = 1;
  const bool mergeable = merge_axes(shape, source.strides(), batch_axes, m.batch, m.batch_stride) &&
                         merge_axes(shape, source.strides(), row_axes, m.rows, row_stride) &&
                         merge_axes(shape, source.strides(), col_axes, m.cols, col_stride);
  if (mergeable && (col_stride == 1 || m.cols == 1) &&
      (m.rows == 1 || row_stride >= std::max<std::int64_t>(m.cols, 1))) {
    m.storage = x;
    m.data = source.data();
    m.leading = std::max<std::int64_t>(row_stride, std::max<std::int64_t>(m.cols, 1));
    if (m.rows == 1) m.leading = std::max<std::int64_t>(m.cols, 1);
    return m;
  }
  if (mergeable && (row_stride == 1 || m.rows == 1) &&
      (m.cols == 1 || col_stride >= std::max<std::int64_t>(m.rows, 1))) {
    m.storage = x;
    m.data = source.data();
    m.transposed = true;
    m.leading = m.cols == 1 ? std::max<std::int64_t>(m.rows, 1) : col_stride;
    return m;
  }
  // Copy into (batch, rows, cols) row-major order.
  std::vector<int> order = batch_axes;
  order.insert(order.end(), row_axes.begin(), row_axes.end());
  order.insert(order.end(), col_axes.begin(), col_axes.end());
  Shape permuted_shape;
  Strides permuted_strides;
  for (int axis : order) {
    permuted_shape.push_back(shape[axis]);
    permuted_strides.push_back(source.strides()[static_cast<std::size_t>(axis)]);
  }
  m.storage =
      contiguous(make_view(source, ArrayType{permuted_shape, source.type().dtype}, permuted_strides, source.offset()));
  m.data = concrete(m.storage).data();
  // merge_axes may have stopped part-way (or, short-circuited, not run at all) on the axes that could
  // not be merged, leaving partial sizes: recount them (found by the NumPy differential tests, where
  // matmul with broadcast batch axes and N-d dot gave wrong values).
  auto product = [&](const std::vector<int>& axes) {
    std::int64_t size = 1;
    for (int axis : axes) size *= shape[axis];
    return size;
  };
  m.batch = product(batch_axes);
  m.rows = product(row_axes);
  m.cols = product(col_axes);
  m.batch_stride = m.rows * m.cols;
  m.leading = std::max<std::int64_t>(m.cols, 1);
  m.transposed = false;
  return m;
}

template <class T>
void gemm_blas(const MatrixStack& a, const MatrixStack& b, T* out, std::int64_t m, std::int64_t n, std::int64_t k,
               std::int64_t batch) {
  for (std::int64_t i = 0; i < batch; ++i) {
    const T* pa = reinterpret_cast<const T*>(a.data) + (a.batch > 1 ? i * a.batch_stride : 0);
    const T* pb = reinterpret_cast<const T*>(b.data) + (b.batch > 1 ? i * b.batch_stride : 0);
    T* pc = out + i * m * n;
    const auto ta = a.transposed ? CblasTrans : CblasNoTrans;
    const auto tb = b.transposed ? CblasTrans : CblasNoTrans;
    if constexpr (std::is_same_v<T, float>) {
      cblas_sgemm(CblasRowMajor, ta, tb, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), 1.0f, pa,
                  static_cast<int>(a.leading), pb, static_cast<int>(b.leading), 0.0f, pc,
                  static_cast<int>(std::max<std::int64_t>(n, 1)));
    } else if constexpr (std::is_same_v<T, double>) {
      cblas_dgemm(CblasRowMajor, ta, tb, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), 1.0, pa,
                  static_cast<int>(a.leading), pb, static_cast<int>(b.leading), 0.0, pc,
                  static_cast<int>(std::max<std::int64_t>(n, 1)));
    } else {
      // complex64 and complex128: BLAS's cgemm and zgemm, which take their scalars by pointer.
      const T one(1), zero(0);
      const auto gemm = std::is_same_v<T, std::complex<float>> ? cblas_cgemm : cblas_zgemm;
      gemm(CblasRowMajor, ta, tb, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), &one, pa,
           static_cast<int>(a.leading), pb, static_cast<int>(b.leading), &zero, pc,
           static_cast<int>(std::max<std::int64_t>(n, 1)));
    }
  }
}

template <class T>
T element(const MatrixStack& s, std::int64_t batch, std::int64_t r, std::int64_t c) {
  const T* base = reinterpret_cast<const T*>(s.data) + (s.batch > 1 ? batch * s.batch_stride : 0);
  return s.transposed ? base[r + c * s.leading] : base[r * s.leading + c];
}

template <class T>
void gemm_loop(const MatrixStack& a, const MatrixStack& b, T* out, std::int64_t m, std::int64_t n, std::int64_t k,
               std::int64_t batch) {
  for (std::int64_t i = 0; i < batch; ++i) {
    for (std::int64_t r = 0; r < m; ++r) {
      for (std::int64_t c = 0; c < n; ++c) {
        if constexpr (std::is_same_v<T, bool>) {
          bool acc = false;
          for (std::int64_t j = 0; j < k; ++j) acc = acc || (element<T>(a, i, r, j) && element<T>(b, i, j, c));
          out[(i * m + r) * n + c] = acc;
        } else {
          using U = wrapping_t<T>;
          U acc = 0;
          for (std::int64_t j = 0; j < k; ++j) {
            acc = static_cast<U>(acc + static_cast<U>(element<T>(a, i, r, j)) * static_cast<U>(element<T>(b, i, j, c)));
          }
          out[(i * m + r) * n + c] = static_cast<T>(acc);
        }
      }
    }
  }
}

}  // namespace

std::vector<int> free_axes(int ndim, const std::vector<int>& batch, const std::vector<int>& contracting) {
  std::vector<int> axes;
  for (int d = 0; d < ndim; ++d) {
    if (std::find(batch.begin(), batch.end(), d) == batch.end() &&
        std::find(contracting.begin(), contracting.end(), d) == contracting.end()) {
      axes.push_back(d);
    }
  }
  return axes;
}

namespace {

// out = lhs . rhs, plus `bias` (n float32 values, or none) on every row: oneDNN adds it as it writes
// the product; every other path adds it afterwards.
void multiply_into(const Array& lhs, const Array& rhs, const DotDimensions& dims, const ArrayType& out_type,
                   std::byte* out, const float* bias) {
  const DType dtype = lhs.dtype();
  const std::vector<int> lhs_free = free_axes(lhs.ndim(), dims.lhs_batch, dims.lhs_contracting);
  const std::vector<int> rhs_free = free_axes(rhs.ndim(), dims.rhs_batch, dims.rhs_contracting);
  const MatrixStack a = as_matrix_stack(lhs, dims.lhs_batch, lhs_free, dims.lhs_contracting);
  const MatrixStack b = as_matrix_stack(rhs, dims.rhs_batch, dims.rhs_contracting, rhs_free);
  const std::int64_t batch = std::max(a.batch, b.batch);
  const std::int64_t m = a.rows, k = a.cols, n = b.cols;
  if (out_type.num_elements() == 0) return;
  // oneDNN for floating products it runs well (float32, and half types where the CPU has them).
  const auto operand = [](const MatrixStack& s) {
    return onednn::MatrixOperand{s.data, s.transposed, s.leading, s.batch > 1 ? s.batch_stride : 0};
  };
  if (k > 0 &&
      onednn::matmul(dtype, operand(a), operand(b), out, m, n, k, batch, {reinterpret_cast<const std::byte*>(bias)}))
    return;
  if (k == 0) {
    std::memset(out, 0, out_type.num_bytes());
  } else if (is_half_dtype(dtype)) {
    // Compute in float32, round once at the end.
    const ArrayType wide{out_type.shape, DType::float32};
    const Array result = dot_general(convert(lhs, ArrayType{lhs.shape(), DType::float32}),
                                     convert(rhs, ArrayType{rhs.shape(), DType::float32}), dims, wide);
    convert_run(DType::float32, dtype, concrete(result).data(), out, out_type.num_elements());
  } else if (is_complex(dtype)) {
    visit_complex_dtype(dtype,
                        [&]<class C>(TypeTag<C>) { gemm_blas<C>(a, b, reinterpret_cast<C*>(out), m, n, k, batch); });
  } else {
    visit_dtype(dtype, [&]<class T>(TypeTag<T>) {
      if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
        gemm_blas<T>(a, b, reinterpret_cast<T*>(out), m, n, k, batch);
      } else if constexpr (!is_half_v<T>) {
        gemm_loop<T>(a, b, reinterpret_cast<T*>(out), m, n, k, batch);
      }
    });
  }
  if (bias == nullptr) return;
  auto* values = reinterpret_cast<float*>(out);
  for (std::int64_t r = 0; r < m; ++r) {
    float* row = values + r * n;
    for (std::int64_t c = 0; c < n; ++c) row[c] += bias[c];
  }
}

}  // namespace

void dot_general_into(const Array& lhs, const Array& rhs, const DotDimensions& dims, const ArrayType& out_type,
                      std::byte* out) {
  multiply_into(lhs, rhs, dims, out_type, out, nullptr);
}

void dot_general_bias_into(const Array& lhs, const Array& rhs, const DotDimensions& dims, const float* bias,
                           const ArrayType& out_type, std::byte* out) {
  multiply_into(lhs, rhs, dims, out_type, out, bias);
}

Array dot_general(const Array& lhs, const Array& rhs, const DotDimensions& dims, const ArrayType& out_type) {
  auto out = allocate_array(out_type);
  dot_general_into(lhs, rhs, dims, out_type, out->data());
  return wrap(std::move(out));
}

}  // namespace jx::cpu
