// Printing arrays as NumPy does. `operator<<` (and jx::to_string) prints like NumPy's str(a); jx::repr
// prints like NumPy's repr(a) with JAX's "Array(" for "array(" (the same width, so the layout is
// NumPy's). Each expected string below was printed by NumPy 1.24.2 (Debian 12's python3-numpy) with
// the command in the comment above it.
#include <gtest/gtest.h>

#include <limits>
#include <sstream>
#include <string>
#include <tuple>

#include "jx/numpy.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/jit.h"
#include "jx/transforms/vmap.h"

namespace jnp = jx::numpy;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

std::string streamed(const jx::Array& x) {
  std::ostringstream os;
  os << x;
  return os.str();
}

TEST(Print, TwoDimensionalFloat) {
  const jx::Array x = jnp::array({{1.5f, -2.25f, 3.0f}, {4.0f, 5.0f, 6.0f}});
  // str(np.array([[1.5, -2.25, 3], [4, 5, 6]], dtype=np.float32))
  EXPECT_EQ(streamed(x), "[[ 1.5  -2.25  3.  ]\n [ 4.    5.    6.  ]]");
  EXPECT_EQ(jx::to_string(x), streamed(x));
  // repr(np.array([[1.5, -2.25, 3], [4, 5, 6]], dtype=np.float32))
  EXPECT_EQ(jx::repr(x), "Array([[ 1.5 , -2.25,  3.  ],\n       [ 4.  ,  5.  ,  6.  ]], dtype=float32)");
}

TEST(Print, NaNInfinitiesAndNegativeZero) {
  const jx::Array x = jnp::array({kNaN, kInf, -kInf, -0.0f, 1.0f});
  // str(np.array([np.nan, np.inf, -np.inf, -0.0, 1.0], dtype=np.float32))
  EXPECT_EQ(streamed(x), "[ nan  inf -inf  -0.   1.]");
  // repr(np.array([np.nan, np.inf, -np.inf, -0.0, 1.0], dtype=np.float32))
  EXPECT_EQ(jx::repr(x), "Array([ nan,  inf, -inf,  -0.,   1.], dtype=float32)");
  // str(np.array([-0.0, 0.0], dtype=np.float32))
  EXPECT_EQ(streamed(jnp::array({-0.0f, 0.0f})), "[-0.  0.]");
}

TEST(Print, ScientificNotationForWideRanges) {
  // str(np.array([0.1, 1e-5, 2.0], dtype=np.float32))
  EXPECT_EQ(streamed(jnp::array({0.1f, 1e-5f, 2.0f})), "[1.e-01 1.e-05 2.e+00]");
}

TEST(Print, Scalars) {
  // str(np.float32(0.1)); repr(np.array(np.float32(0.1))) is "array(0.1, dtype=float32)"
  EXPECT_EQ(streamed(jnp::array(0.1f, jx::float32)), "0.1");
  EXPECT_EQ(jx::repr(jnp::array(0.1f, jx::float32)), "Array(0.1, dtype=float32)");
}

TEST(Print, IntegersAlignRight) {
  const jx::Array x = jnp::array({{1, -20, 300}, {4, 5, 6}});
  ASSERT_EQ(x.dtype(), jx::int32);
  // str(np.array([[1, -20, 300], [4, 5, 6]], dtype=np.int32))
  EXPECT_EQ(streamed(x), "[[  1 -20 300]\n [  4   5   6]]");
  // repr(np.array([[1, -20, 300], [4, 5, 6]], dtype=np.int32))
  EXPECT_EQ(jx::repr(x), "Array([[  1, -20, 300],\n       [  4,   5,   6]], dtype=int32)");
}

TEST(Print, Booleans) {
  const jx::Array x = jnp::array({true, false, true});
  // str(np.array([True, False, True]))
  EXPECT_EQ(streamed(x), "[ True False  True]");
  // repr(np.array([True, False, True])) is "array([ True, False,  True])"; JAX's repr names the dtype
  // of every array, bool included.
  EXPECT_EQ(jx::repr(x), "Array([ True, False,  True], dtype=bool)");
}

TEST(Print, LargeArraysAreSummarized) {
  // Over 1000 elements NumPy shows 3 items at each edge of each axis, and formats floats from those
  // items only (here 0..2 and 1997..1999: a range over 1e3, so scientific).
  // str(np.arange(2000, dtype=np.float32))
  EXPECT_EQ(streamed(jnp::arange(2000.0f)), "[0.000e+00 1.000e+00 2.000e+00 ... 1.997e+03 1.998e+03 1.999e+03]");
  // repr(np.arange(2000, dtype=np.float32))
  EXPECT_EQ(jx::repr(jnp::arange(2000.0f)),
            "Array([0.000e+00, 1.000e+00, 2.000e+00, ..., 1.997e+03, 1.998e+03,\n"
            "       1.999e+03], dtype=float32)");
  // str(np.arange(1001, dtype=np.int32)): one element over the threshold
  EXPECT_EQ(streamed(jnp::arange(1001)), "[   0    1    2 ...  998  999 1000]");
  // str(np.arange(1000, dtype=np.int32)) is not summarized
  EXPECT_EQ(streamed(jnp::arange(1000)).find("..."), std::string::npos);
  // str(np.arange(2000, dtype=np.int32).reshape(40, 50))
  EXPECT_EQ(streamed(jnp::arange(2000).reshape({40, 50})),
            "[[   0    1    2 ...   47   48   49]\n"
            " [  50   51   52 ...   97   98   99]\n"
            " [ 100  101  102 ...  147  148  149]\n"
            " ...\n"
            " [1850 1851 1852 ... 1897 1898 1899]\n"
            " [1900 1901 1902 ... 1947 1948 1949]\n"
            " [1950 1951 1952 ... 1997 1998 1999]]");
  // repr(np.arange(2000, dtype=np.int32).reshape(40, 50))
  EXPECT_EQ(jx::repr(jnp::arange(2000).reshape({40, 50})),
            "Array([[   0,    1,    2, ...,   47,   48,   49],\n"
            "       [  50,   51,   52, ...,   97,   98,   99],\n"
            "       [ 100,  101,  102, ...,  147,  148,  149],\n"
            "       ...,\n"
            "       [1850, 1851, 1852, ..., 1897, 1898, 1899],\n"
            "       [1900, 1901, 1902, ..., 1947, 1948, 1949],\n"
            "       [1950, 1951, 1952, ..., 1997, 1998, 1999]], dtype=int32)");
}

}  // namespace

// Tracers print as JAX's Tracer._short_repr does (jax/_src/interpreters/partial_eval.py, batching.py,
// ad.py): what `print(x)` shows inside jax.jit, jax.vmap and jax.jvp.
TEST(Print, TracersShowTheirKindAndAbstractValue) {
  std::string seen;
  jx::jit([&](const jx::Array& x) {
    seen = jx::to_string(x);
    return x + 1;
  })(jnp::arange(5));
  EXPECT_EQ(seen, "JitTracer(int32[5])");

  jx::vmap([&](const jx::Array& x) {
    seen = jx::repr(x);
    return x * 2.0f;
  })(jnp::ones({4, 3}));
  EXPECT_EQ(seen, "VmapTracer(aval=float32[3], batched=float32[4,3])");

  jx::jvp(
      [&](const jx::Array& x) {
        seen = jx::to_string(x);
        return x * x;
      },
      std::tuple{jnp::array(3.0f)}, std::tuple{jnp::array(1.0f)});
  EXPECT_EQ(seen, "JVPTracer(primal=3.0, tangent=1.0)");

  // A weakly typed scalar's type shows JAX's "~".
  jx::jit([&](const jx::Array& x) {
    seen = jx::to_string(x);
    return x;
  })(jnp::array(2.0));
  EXPECT_EQ(seen, "JitTracer(~float32[])");
}
