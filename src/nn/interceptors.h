// The hooks through which get_parameter, get_state and set_state (src/nn/frame.cpp) run the custom
// creators, getters and setters of jx/nn/naming.h (src/nn/interceptors.cpp). Each costs one check of
// an empty stack when none is active.
#pragma once

#include <optional>
#include <string>

#include "jx/nn/transform.h"

namespace jx::nn::detail {

// A missing parameter (state = false) or state value (state = true) of `module`: made by the active
// creators, the last of which calls init(next_rng_key(), shape, dtype); without creators, by that call.
Array create_value(bool state, const std::string& module, const std::string& name, const Shape& shape, DType dtype,
                   const Initializer& init);
// What get_parameter or get_state returns for `value`: the value through the active getters, whose
// result must keep the requested shape (its dtype may change: a getter may cast).
Array got_value(bool state, const std::string& module, const std::string& name, const Shape& shape, DType dtype,
                const Initializer& init, const Array& value);
// What set_state stores: `value` through the active setters.
Array set_value(const std::string& module, const std::string& name, const Array& value);

// The prefix the enclosing lifts (jx/nn/lift.h) put their inner parameters under, while their init
// runs: what GetterContext::lifted_prefix_name reports (src/nn/lift.cpp).
std::optional<std::string> lifted_prefix_name();

}  // namespace jx::nn::detail
