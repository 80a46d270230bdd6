// src/nn/transform_guard.h — the check of the jx::nn functions that only work inside a transformed
// function (Haiku's "must be used as part of an hk.transform").
#pragma once

#include "jx/core/error.h"
#include "jx/nn/transform.h"

namespace jx::nn::detail {

// ValueError naming `op` unless a transformed function's init or apply is running on this thread.
inline void require_transform(const char* op) {
  if (!inside_transform()) {
    throw ValueError(op,
                     "must be called inside a function transformed with jx::nn::transform or "
                     "jx::nn::transform_with_state (while its init or apply runs)");
  }
}

}  // namespace jx::nn::detail
