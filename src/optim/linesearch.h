// What scale_by_lbfgs and the line searches share: the leaves they work on, inner products over
// them, the objective evaluated along a line, and strongly typed scalars for loop carries.
#pragma once

#include <cstddef>
#include <functional>
#include <limits>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "jx/core/array.h"
#include "jx/core/dtype.h"
#include "jx/optim/transformation.h"

namespace jx::optim::detail {

// The value and errors a search starts from, before any trial step is evaluated.
inline constexpr double infinity = std::numeric_limits<double>::infinity();

// The objective on all the parameters' leaves, as update's extra arguments hold it.
using ValueFunction = decltype(ExtraArgs::value_fn);

// The leaves present (not hidden by a mask) and where they sit among all of them: loop carries and
// scans hold the present ones only.
class PresentLeaves {
 public:
  explicit PresentLeaves(std::span<const Array> leaves);

  std::size_t size() const { return positions_.size(); }
  // The present leaves of a list of all leaves.
  std::vector<Array> take(std::span<const Array> all) const;
  // All leaves again, empty where hidden.
  std::vector<Array> put(std::span<const Array> present) const;

 private:
  std::size_t total_;
  std::vector<std::size_t> positions_;
};

// A strongly typed scalar (a loop carry must not change type between iterations).
Array scalar(double value, DType dtype);
// x as a strongly typed array of dtype.
Array strong(const Array& x, DType dtype);
// The dtype of the objective's values: the real dtype of the first leaf (Optax's val_dtype), the
// default float dtype without leaves.
DType value_dtype(std::span<const Array> leaves);

// Re(sum a * b) over the leaves, in dtype: the derivative along b when a is a gradient.
Array real_dot(std::span<const Array> a, std::span<const Array> b, DType dtype);
// Re(sum conj(a) * b) over the leaves, in dtype.
Array real_vdot(std::span<const Array> a, std::span<const Array> b, DType dtype);
// sum |a|^2 over the leaves, in dtype.
Array squared_norm(std::span<const Array> a, DType dtype);
// params + stepsize * direction, leaf by leaf in each parameter's dtype.
std::vector<Array> step_along(std::span<const Array> params, const Array& stepsize, std::span<const Array> direction);
// Each leaf in the dtype of the corresponding leaf of `like`, strongly typed.
std::vector<Array> cast_all_like(std::span<const Array> leaves, std::span<const Array> like);
// A criterion's violation: max(error, 0), infinite where it is NaN.
Array violation(const Array& error);

// The objective on the present leaves, its value in a fixed dtype.
class Objective {
 public:
  Objective(const ValueFunction& value_fn, const PresentLeaves& present, DType dtype)
      : value_fn_(value_fn), present_(present), dtype_(dtype) {}

  Array value(std::span<const Array> params) const;
  // The value and the gradient, in the parameters' dtypes.
  std::pair<Array, std::vector<Array>> value_and_grad(std::span<const Array> params) const;

 private:
  const ValueFunction& value_fn_;
  const PresentLeaves& present_;
  DType dtype_;
};

// What a line search needs from update: the parameters and the value, gradient and objective among
// the extra arguments; ValueError naming the transformation and what is missing.
void require_line_search_arguments(const std::string& transformation, std::span<const Array> params,
                                   const ExtraArgs& extra);
// The value among the extra arguments, a strongly typed scalar of dtype.
Array value_argument(const ExtraArgs& extra, DType dtype);

}  // namespace jx::optim::detail
