// The non-template parts of jx::lax::custom_root and custom_linear_solve (jx/lax/solves.h): splitting
// closed-over arrays into differentiated parameters and the rest, and the checks of solvers' outputs.
#include <fmt/format.h>

#include "jx/core/error.h"
#include "jx/lax/solves.h"

namespace jx::detail {

std::pair<std::vector<Array>, std::vector<Array>> split_closed_over(const std::vector<Array>& consts,
                                                                    std::vector<bool>& is_parameter) {
  // Only inexact arrays have tangents; integer and key arrays a function closes over (a loop bound, a
  // PRNG key) go through as they are.
  std::vector<Array> parameters, others;
  is_parameter.clear();
  for (const Array& c : consts) {
    const bool parameter = is_inexact(c.dtype());
    is_parameter.push_back(parameter);
    (parameter ? parameters : others).push_back(c);
  }
  return {std::move(parameters), std::move(others)};
}

std::vector<Array> merge_closed_over(const std::vector<bool>& is_parameter, const std::vector<Array>& parameters,
                                     const std::vector<Array>& others) {
  std::vector<Array> merged;
  merged.reserve(is_parameter.size());
  std::size_t p = 0, o = 0;
  for (const bool parameter : is_parameter) merged.push_back(parameter ? parameters.at(p++) : others.at(o++));
  return merged;
}

void check_solver_output(const char* op, const char* what, std::span<const Array> expected,
                         std::span<const Array> got) {
  if (got.size() != expected.size()) {
    throw TreeError(op, fmt::format("{} must return the structure of its input: {} leaves, got {}", what,
                                    expected.size(), got.size()));
  }
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (got[i].shape() != expected[i].shape() || got[i].dtype() != expected[i].dtype()) {
      throw TypeError(op, fmt::format("{} must return arrays of its input's types: leaf {} is {}{}, expected {}{}",
                                      what, i, dtype_name(got[i].dtype()), got[i].shape().to_string(),
                                      dtype_name(expected[i].dtype()), expected[i].shape().to_string()));
    }
  }
}

void throw_missing_transpose_solve() {
  throw ValueError("custom_linear_solve",
                   "reverse-mode differentiation needs transpose_solve, or symmetric = true for a symmetric matvec");
}

}  // namespace jx::detail
