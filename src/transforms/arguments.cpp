// How transformations take C++ numbers (jx/transforms/arguments.h).
#include "jx/transforms/arguments.h"

#include "jx/lax.h"

namespace jx::detail {

Array strong_number(const Array& weak_number) {
  // convert_element_type to the same dtype drops the weak type, as jnp.asarray(x, dtype) does.
  return lax::convert_element_type(weak_number, weak_number.dtype());
}

}  // namespace jx::detail
