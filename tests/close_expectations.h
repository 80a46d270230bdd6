// Element-by-element closeness of a float32 result to values written out in a test (NumPy's, or a
// closed form's), each mismatch reported with its flat index.
#pragma once

#include <gtest/gtest.h>

#include <vector>

#include "jx/numpy.h"

namespace jx::testing {

inline void expect_close(const Array& got, const std::vector<float>& expected, float tolerance = 1e-5f) {
  const std::vector<float> values = numpy::ravel(got).to_vector<float>();
  ASSERT_EQ(values.size(), expected.size());
  for (std::size_t i = 0; i < values.size(); ++i) EXPECT_NEAR(values[i], expected[i], tolerance) << i;
}

}  // namespace jx::testing
