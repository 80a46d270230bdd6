// jx/jx.h — everything: include this and write JAX-style C++.
//
//   #include <jx/jx.h>
//   namespace jnp = jx::numpy;
//   auto x = jnp::arange(5) * 2;
//   std::cout << x << "\n";   // [0 2 4 6 8]
#pragma once

#include "jx/core/array.h"
#include "jx/core/config.h"
#include "jx/core/dtype.h"
#include "jx/core/error.h"
#include "jx/core/shape.h"
#include "jx/debug.h"
#include "jx/flatten_util.h"
#include "jx/io.h"
#include "jx/ir/program.h"
#include "jx/lax.h"
#include "jx/lax/parallel.h"
#include "jx/linalg.h"
#include "jx/nn.h"
#include "jx/numpy.h"
#include "jx/optim.h"
#include "jx/profiler.h"
#include "jx/random.h"
#include "jx/ref.h"
#include "jx/scipy.h"
#include "jx/sharding.h"
#include "jx/transforms/autodiff.h"
#include "jx/transforms/checkify.h"
#include "jx/transforms/checkpoint.h"
#include "jx/transforms/closure_convert.h"
#include "jx/transforms/control_flow.h"
#include "jx/transforms/custom_derivatives.h"
#include "jx/transforms/eval_shape.h"
#include "jx/transforms/jacobian.h"
#include "jx/transforms/jit.h"
#include "jx/transforms/linear_transpose.h"
#include "jx/transforms/named_scope.h"
#include "jx/transforms/pmap.h"
#include "jx/transforms/pure_callback.h"
#include "jx/transforms/vmap.h"
#include "jx/tree.h"
