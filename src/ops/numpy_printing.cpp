// jx/numpy/printing.h: NumPy's spellings over jx's print options.
#include <fmt/format.h>

#include "jx/core/error.h"
#include "jx/numpy/printing.h"

namespace jx::numpy {

PrintOptions get_printoptions() { return get_print_options(); }

void set_printoptions(const PrintOptionsUpdate& update) {
  PrintOptions options = get_print_options();
  if (update.precision) {
    if (*update.precision < 0)
      throw ValueError("set_printoptions", fmt::format("precision must be >= 0, got {}", *update.precision));
    options.precision = *update.precision;
  }
  if (update.threshold) options.threshold = *update.threshold;
  if (update.edgeitems) {
    if (*update.edgeitems < 0)
      throw ValueError("set_printoptions", fmt::format("edgeitems must be >= 0, got {}", *update.edgeitems));
    options.edgeitems = *update.edgeitems;
  }
  if (update.linewidth) {
    if (*update.linewidth < 1)
      throw ValueError("set_printoptions", fmt::format("linewidth must be >= 1, got {}", *update.linewidth));
    options.linewidth = *update.linewidth;
  }
  if (update.suppress) options.suppress = *update.suppress;
  set_print_options(options);
}

PrintOptionsScope::PrintOptionsScope(const PrintOptionsUpdate& update) : saved_(get_print_options()) {
  set_printoptions(update);
}

PrintOptionsScope::~PrintOptionsScope() { set_print_options(saved_); }

}  // namespace jx::numpy
