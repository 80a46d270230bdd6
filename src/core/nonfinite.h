// src/core/nonfinite.h — finding NaNs and infinities, for config::debug_nans and debug_infs.
#pragma once

#include <span>
#include <string_view>

#include "jx/core/array.h"
#include "jx/core/config.h"

namespace jx {

// "nan" or "inf" when a concrete floating-point array holds one the flags ask about, else nullptr.
const char* nonfinite_kind(const Array& x, bool nans, bool infs);

// Throws FloatingPointError, as jax_debug_nans does ("invalid value (nan) encountered in log"), when
// an output of the primitive `op` is not finite and the flags ask about it.
void check_finite_outputs(std::string_view op, std::span<const Array> outputs, const config::Flags& flags);

}  // namespace jx
