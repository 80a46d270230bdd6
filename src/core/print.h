// src/core/print.h — formatting messages that show arrays (print.cpp prints the arrays themselves).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "jx/core/array.h"

namespace jx {

// `format` with each "{}" replaced by the next value as NumPy's str prints it (extra "{}"s stay):
// what debug::print writes and checkify's messages show.
std::string format_with_arrays(std::string_view format, std::span<const Array> values);

// An abstract value as JAX's str shows it: "int32[5]", "~float32[]" when weakly typed.
std::string aval_string(const ArrayType& type);

}  // namespace jx
