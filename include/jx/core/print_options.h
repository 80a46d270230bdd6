// jx/core/print_options.h — how arrays print (operator<<, to_string, repr), NumPy's print options:
//
//   jx::PrintOptions options = jx::get_print_options();
//   options.precision = 3;
//   jx::set_print_options(options);             // process-wide, until changed again
//
// jx::numpy offers NumPy's spellings: jnp::set_printoptions({.precision = 3}) changes only the fields
// given, and jnp::printoptions({...}) does so until the returned scope ends.
#pragma once

#include <cstdint>

namespace jx {

struct PrintOptions {
  int precision = 8;              // at most this many digits after the decimal point
  std::int64_t threshold = 1000;  // arrays with more elements are summarized with "..."
  std::int64_t edgeitems = 3;     // elements shown at each end of a summarized axis
  int linewidth = 75;             // characters per line before wrapping
  bool suppress = false;          // never use scientific notation for small numbers (print them as 0.)
};

PrintOptions get_print_options();
void set_print_options(const PrintOptions& options);

}  // namespace jx
