// The tiled transposes (src/backends/cpu/matrix_transpose.cpp) against the definition out[j][i] =
// in[i][j], for each element size, at shapes that exercise full tiles, ragged edges in either
// direction, one row or column, and the parallel path past a million elements.
#include "backends/cpu/matrix_transpose.h"

#include <gtest/gtest.h>

#include <complex>
#include <cstdint>
#include <numeric>
#include <vector>

namespace {

template <class T>
T value_at(std::int64_t index) {
  if constexpr (std::is_same_v<T, std::complex<double>> || std::is_same_v<T, std::complex<float>>) {
    using R = typename T::value_type;
    return T(static_cast<R>(index), static_cast<R>(-index - 1));
  } else {
    return static_cast<T>(index);
  }
}

template <class T>
void check_shape(std::int64_t rows, std::int64_t cols) {
  std::vector<T> in(static_cast<std::size_t>(rows * cols)), out(in.size());
  for (std::int64_t k = 0; k < rows * cols; ++k) in[static_cast<std::size_t>(k)] = value_at<T>(k);
  jx::cpu::transpose_matrix(in.data(), rows, cols, out.data());
  std::int64_t wrong = 0;
  for (std::int64_t i = 0; i < rows; ++i) {
    for (std::int64_t j = 0; j < cols; ++j) {
      wrong += out[static_cast<std::size_t>(j * rows + i)] != in[static_cast<std::size_t>(i * cols + j)];
    }
  }
  EXPECT_EQ(wrong, 0) << rows << " x " << cols << ", " << sizeof(T) << "-byte elements";
}

template <class T>
void check_shapes() {
  for (std::int64_t rows : {1, 3, 4, 7, 8, 9, 16, 17, 33, 64}) {
    for (std::int64_t cols : {1, 2, 5, 8, 12, 16, 31, 64}) check_shape<T>(rows, cols);
  }
  check_shape<T>(1031, 1029);  // past the parallel threshold, ragged on both sides
}

TEST(MatrixTranspose, FourByteElements) { check_shapes<float>(); }
TEST(MatrixTranspose, EightByteElements) {
  check_shapes<double>();
  check_shapes<std::complex<float>>();
}
TEST(MatrixTranspose, SixteenByteElements) { check_shapes<std::complex<double>>(); }
TEST(MatrixTranspose, OtherSizesElementByElement) { check_shapes<std::int16_t>(); }

}  // namespace
