// linear_transpose: the function traced into a program and run backwards by the same pass that
// transposes reverse-mode's linear programs.
#include "jx/transforms/linear_transpose.h"

#include <fmt/format.h>

#include "jx/core/error.h"
#include "transforms/autodiff_core.h"
#include "transforms/program_transforms.h"

namespace jx::detail {

std::shared_ptr<const Program> trace_linear(const FlatFunction& f, std::span<const ArrayType> types,
                                            const std::string& description) {
  for (const ArrayType& type : types) {
    if (!is_inexact(type.dtype)) {
      throw TypeError("linear_transpose", fmt::format("linear_transpose requires floating-point inputs; an input "
                                                      "has type {}",
                                                      type.to_string()));
    }
  }
  return std::make_shared<const Program>(trace_in_context(f, types, description));
}

ArrayList transpose_linear(const Program& program, std::span<const Array> output_cotangents) {
  const std::vector<ArrayType> output_types = program.output_types();
  for (std::size_t i = 0; i < output_types.size(); ++i) {
    const Array& ct = output_cotangents[i];
    if (ct.shape() != output_types[i].shape || ct.dtype() != output_types[i].dtype) {
      throw TypeError("linear_transpose", fmt::format("cotangent {} has type {}, but the function's output has type {}",
                                                      i, ct.type().to_string(), output_types[i].to_string()));
    }
  }
  ArrayList cotangents = backward_pass(program, output_cotangents);
  const std::vector<ArrayType> input_types = program.input_types();
  cotangents.resize(input_types.size());
  for (std::size_t i = 0; i < input_types.size(); ++i) {
    if (!cotangents[i].valid()) cotangents[i] = zeros(input_types[i]);
  }
  return cotangents;
}

}  // namespace jx::detail
