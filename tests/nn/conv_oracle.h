// Convolutions written out as plain loops in double precision, the oracle of the convolution modules'
// tests (convolution_test.cpp, conv_transpose_test.cpp, depthwise_conv_test.cpp). Any number of spatial
// axes, channels last (N...C) or second (NC...), weights laid out as Haiku lays them out.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "jx/jx.h"

namespace conv_oracle {

using Sizes = std::vector<std::int64_t>;
using Pairs = std::vector<std::pair<std::int64_t, std::int64_t>>;

inline jx::Array parameter(const jx::nn::Params& params, const std::string& module, const std::string& name) {
  return params.as_dict().at(module).as_dict().at(name).array();
}

inline std::vector<double> widen(const std::vector<float>& values) { return {values.begin(), values.end()}; }

inline std::int64_t product(const Sizes& sizes) {
  std::int64_t result = 1;
  for (const std::int64_t size : sizes) result *= size;
  return result;
}

// Steps `index` through every position below `sizes`, the last axis fastest; false after the last.
inline bool advance(Sizes& index, const Sizes& sizes) {
  for (std::size_t d = index.size(); d-- > 0;) {
    if (++index[d] < sizes[d]) return true;
    index[d] = 0;
  }
  return false;
}

// One convolution's sizes; the vectors have one entry per spatial axis.
struct Geometry {
  std::int64_t batch = 1, in_channels = 1, out_channels = 1, groups = 1;
  Sizes in, kernel, stride, rate;
  bool channels_last = true;
  Sizes pad_before = {}, out = {};  // filled by padded() or transposed()
};

// Where (n, position, c) lies in the input (or output) of g, a row-major array.
inline std::size_t offset(const Geometry& g, bool input, std::int64_t n, const Sizes& position, std::int64_t c) {
  const Sizes& sizes = input ? g.in : g.out;
  const std::int64_t channels = input ? g.in_channels : g.out_channels;
  std::int64_t spatial = 0;
  for (std::size_t d = 0; d < sizes.size(); ++d) spatial = spatial * sizes[d] + position[d];
  const std::int64_t points = product(sizes);
  return static_cast<std::size_t>(g.channels_last ? (n * points + spatial) * channels + c
                                                  : (n * channels + c) * points + spatial);
}

inline std::int64_t window(const Geometry& g, std::size_t d) { return (g.kernel[d] - 1) * g.rate[d] + 1; }

// TensorFlow's rules. "SAME": ceil(in / stride) outputs, and the padding that takes split with the odd
// element after; "VALID": no padding, so windows inside the input only.
inline Geometry padded(Geometry g, const std::string& padding) {
  g.out.clear();
  g.pad_before.clear();
  for (std::size_t d = 0; d < g.in.size(); ++d) {
    if (padding == "SAME") {
      const std::int64_t out = (g.in[d] + g.stride[d] - 1) / g.stride[d];
      const std::int64_t total = std::max<std::int64_t>((out - 1) * g.stride[d] + window(g, d) - g.in[d], 0);
      g.out.push_back(out);
      g.pad_before.push_back(total / 2);
    } else {
      g.out.push_back((g.in[d] - window(g, d)) / g.stride[d] + 1);
      g.pad_before.push_back(0);
    }
  }
  return g;
}

// Explicit (low, high) padding of each spatial axis.
inline Geometry padded(Geometry g, const Pairs& pairs) {
  g.out.clear();
  g.pad_before.clear();
  for (std::size_t d = 0; d < g.in.size(); ++d) {
    g.out.push_back((g.in[d] + pairs[d].first + pairs[d].second - window(g, d)) / g.stride[d] + 1);
    g.pad_before.push_back(pairs[d].first);
  }
  return g;
}

// out[n, p, o] = b[o] + sum over kernel offsets k and the input channels c of o's group of
//   x[n, p * stride + k * rate - pad_before, c] * w[k, c - (first channel of the group), o],
// zero outside x. w is [kernel..., in_channels / groups, out_channels]; b may be empty.
inline std::vector<double> direct_conv(const Geometry& g, const std::vector<double>& x, const std::vector<double>& w,
                                       const std::vector<double>& b) {
  const std::size_t dims = g.in.size();
  const std::int64_t group_in = g.in_channels / g.groups, group_out = g.out_channels / g.groups;
  std::vector<double> out(static_cast<std::size_t>(g.batch * product(g.out) * g.out_channels));
  for (std::int64_t n = 0; n < g.batch; ++n) {
    Sizes p(dims, 0);
    do {
      for (std::int64_t o = 0; o < g.out_channels; ++o) {
        double sum = b.empty() ? 0.0 : b[static_cast<std::size_t>(o)];
        const std::int64_t first = (o / group_out) * group_in;
        Sizes k(dims, 0);
        std::int64_t tap = 0;  // k's row-major index in the kernel
        do {
          Sizes at(dims);
          bool inside = true;
          for (std::size_t d = 0; d < dims; ++d) {
            at[d] = p[d] * g.stride[d] + k[d] * g.rate[d] - g.pad_before[d];
            inside = inside && at[d] >= 0 && at[d] < g.in[d];
          }
          for (std::int64_t c = 0; inside && c < group_in; ++c) {
            sum += x[offset(g, true, n, at, first + c)] *
                   w[static_cast<std::size_t>((tap * group_in + c) * g.out_channels + o)];
          }
          ++tap;
        } while (advance(k, g.kernel));
        out[offset(g, false, n, p, o)] = sum;
      }
    } while (advance(p, g.out));
  }
  return out;
}

// Haiku's transposed convolutions are TensorFlow's conv_transpose (the gradient of a forward
// convolution with respect to its input) of the spatially reversed kernel. Sizes and the forward
// convolution's padding before each axis:
//   "SAME": in * stride outputs, padding max(kernel - stride, 0) / 2;
//   "VALID": (in - 1) * stride + max(kernel, stride) outputs, no padding;
//   an output_shape: those outputs, with padding max((in - 1) * stride + kernel - out, 0) / 2 for
//   "SAME" (the forward convolution's own SAME rule), none for "VALID".
inline Geometry transposed(Geometry g, const std::string& padding, const Sizes& output_shape = {}) {
  g.out.clear();
  g.pad_before.clear();
  for (std::size_t d = 0; d < g.in.size(); ++d) {
    const std::int64_t k = g.kernel[d], s = g.stride[d], in = g.in[d];
    const bool same = padding == "SAME";
    if (!output_shape.empty()) {
      g.out.push_back(output_shape[d]);
      g.pad_before.push_back(same ? std::max<std::int64_t>((in - 1) * s + k - output_shape[d], 0) / 2 : 0);
    } else {
      g.out.push_back(same ? in * s : (in - 1) * s + std::max(k, s));
      g.pad_before.push_back(same ? std::max<std::int64_t>(k - s, 0) / 2 : 0);
    }
  }
  return g;
}

// Explicit pairs, which lax.conv_transpose adds around the stride-dilated input before correlating it
// with the kernel as stored: (in - 1) * stride + 1 + low + high - kernel + 1 outputs, and the reversed
// kernel's forward padding kernel - 1 - low.
inline Geometry transposed(Geometry g, const Pairs& pairs) {
  g.out.clear();
  g.pad_before.clear();
  for (std::size_t d = 0; d < g.in.size(); ++d) {
    const std::int64_t k = g.kernel[d];
    g.out.push_back((g.in[d] - 1) * g.stride[d] + 1 + pairs[d].first + pairs[d].second - k + 1);
    g.pad_before.push_back(k - 1 - pairs[d].first);
  }
  return g;
}

// The scatter form of the transposed convolution: every input element, times the reversed kernel,
// added to the outputs it reaches,
//   out[n, i * stride + a - pad_before, o] += x[n, i, c] * w[kernel - 1 - a, o, c],
// those outside the output dropped; then b[o] added. w is [kernel..., out_channels, in_channels].
inline std::vector<double> direct_conv_transpose(const Geometry& g, const std::vector<double>& x,
                                                 const std::vector<double>& w, const std::vector<double>& b) {
  const std::size_t dims = g.in.size();
  std::vector<double> out(static_cast<std::size_t>(g.batch * product(g.out) * g.out_channels));
  for (std::int64_t n = 0; n < g.batch; ++n) {
    Sizes i(dims, 0);
    do {
      for (std::int64_t c = 0; c < g.in_channels; ++c) {
        const double value = x[offset(g, true, n, i, c)];
        Sizes a(dims, 0);
        do {
          Sizes at(dims);
          bool inside = true;
          std::int64_t reversed_tap = 0;
          for (std::size_t d = 0; d < dims; ++d) {
            at[d] = i[d] * g.stride[d] + a[d] - g.pad_before[d];
            inside = inside && at[d] >= 0 && at[d] < g.out[d];
            reversed_tap = reversed_tap * g.kernel[d] + (g.kernel[d] - 1 - a[d]);
          }
          for (std::int64_t o = 0; inside && o < g.out_channels; ++o) {
            out[offset(g, false, n, at, o)] +=
                value * w[static_cast<std::size_t>((reversed_tap * g.out_channels + o) * g.in_channels + c)];
          }
        } while (advance(a, g.kernel));
      }
    } while (advance(i, g.in));
  }
  if (!b.empty()) {
    for (std::int64_t n = 0; n < g.batch; ++n) {
      Sizes p(dims, 0);
      do {
        for (std::int64_t o = 0; o < g.out_channels; ++o)
          out[offset(g, false, n, p, o)] += b[static_cast<std::size_t>(o)];
      } while (advance(p, g.out));
    }
  }
  return out;
}

// The shape of g's input or output, in its layout.
inline jx::Shape shape_of(const Geometry& g, bool input) {
  const Sizes& sizes = input ? g.in : g.out;
  const std::int64_t channels = input ? g.in_channels : g.out_channels;
  jx::Shape shape{g.batch};
  if (!g.channels_last) shape.push_back(channels);
  for (const std::int64_t size : sizes) shape.push_back(size);
  if (g.channels_last) shape.push_back(channels);
  return shape;
}

inline void expect_close(const jx::Array& got, const jx::Shape& shape, const std::vector<double>& want,
                         double tolerance = 1e-4) {
  ASSERT_EQ(got.shape(), shape);
  const std::vector<float> values = got.to_vector<float>();
  ASSERT_EQ(values.size(), want.size());
  for (std::size_t k = 0; k < values.size(); ++k)
    EXPECT_NEAR(values[k], want[k], tolerance * (1.0 + std::abs(want[k]))) << "at " << k;
}

// The standard deviation of a parameter's values: truncated_normal(stddev) cut at two standard
// deviations has 0.87962566 * stddev.
inline double sample_stddev(const jx::Array& values) {
  const std::vector<float> v = values.to_vector<float>();
  double squares = 0.0;
  for (const float value : v) squares += static_cast<double>(value) * value;
  return std::sqrt(squares / static_cast<double>(v.size()));
}

}  // namespace conv_oracle
