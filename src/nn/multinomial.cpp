// hk.multinomial (jx/nn/multinomial.h), drawn as Haiku draws it: one categorical over a sample axis in
// front, moved to the back.
#include "jx/nn/multinomial.h"

#include <fmt/format.h>

#include "jx/core/error.h"
#include "jx/numpy.h"

namespace jx::nn {

Array multinomial(const Key& rng, const Array& logits, std::int64_t num_samples, std::source_location loc) {
  CallSite site(loc);
  if (logits.ndim() < 1) {
    throw ShapeError("multinomial",
                     fmt::format("logits need a last axis of categories; got {}", logits.type().to_string()));
  }
  if (num_samples < 0) throw ValueError("multinomial", fmt::format("num_samples must be >= 0, got {}", num_samples));
  if (num_samples == 1) return numpy::expand_dims(random::categorical(rng, logits, -1), -1);
  Shape shape{num_samples};
  for (int axis = 0; axis + 1 < logits.ndim(); ++axis) shape.push_back(logits.shape()[axis]);
  return numpy::moveaxis(random::categorical(rng, logits, -1, shape), 0, -1);
}

}  // namespace jx::nn
