// jx/numpy/printing.h (src/ops/numpy_printing.cpp, src/core/print.cpp): the print options change how
// arrays print exactly as they change NumPy's output (the expected strings are NumPy 1.24's for the
// same values and options), and scopes restore them.
#include <gtest/gtest.h>

#include <string>

#include "jx/core/error.h"
#include "jx/numpy.h"

namespace {

namespace jnp = jx::numpy;
using jx::Array;

TEST(NumpyPrinting, OptionsChangeTheOutputAsInNumpy) {
  EXPECT_EQ(jx::to_string(jnp::arange(20)), "[ 0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15 16 17 18 19]");
  {
    auto scope = jnp::printoptions({.precision = 3});
    EXPECT_EQ(jx::to_string(jnp::array({1.123456789f, 2.5f, -3.0f})), "[ 1.123  2.5   -3.   ]");
  }
  {
    auto scope = jnp::printoptions({.threshold = 10, .edgeitems = 2});
    EXPECT_EQ(jx::to_string(jnp::arange(20)), "[ 0  1 ... 18 19]");
  }
  {
    auto scope = jnp::printoptions({.linewidth = 20});
    EXPECT_EQ(jx::to_string(jnp::arange(12)), "[ 0  1  2  3  4  5\n  6  7  8  9 10 11]");
  }
  const Array mixed = jnp::array({1e-6, 1.0, 10.0});
  EXPECT_EQ(jx::to_string(mixed), "[1.e-06 1.e+00 1.e+01]");
  {
    auto scope = jnp::printoptions({.suppress = true});
    EXPECT_EQ(jx::to_string(mixed), "[ 0.000001  1.       10.      ]");
  }
  {
    auto scope = jnp::printoptions({.precision = 2});
    EXPECT_EQ(jx::to_string(jnp::array({1.23456e-7, 3.0})), "[1.23e-07 3.00e+00]");
  }
  // Every scope restored the defaults.
  EXPECT_EQ(jnp::get_printoptions().precision, 8);
  EXPECT_EQ(jnp::get_printoptions().threshold, 1000);
}

TEST(NumpyPrinting, SetPrintoptionsChangesOnlyTheFieldsGiven) {
  const jx::PrintOptions before = jnp::get_printoptions();
  jnp::set_printoptions({.edgeitems = 1});
  EXPECT_EQ(jnp::get_printoptions().edgeitems, 1);
  EXPECT_EQ(jnp::get_printoptions().linewidth, before.linewidth);
  jx::set_print_options(before);
  EXPECT_THROW(jnp::set_printoptions({.precision = -1}), jx::ValueError);
  EXPECT_THROW(jnp::set_printoptions({.linewidth = 0}), jx::ValueError);
}

}  // namespace
