// closure_convert: the function traced as a closure (what it captured becomes leading inputs).
#include "jx/transforms/closure_convert.h"

#include "transforms/program_transforms.h"

namespace jx::detail {

std::pair<std::shared_ptr<const Program>, ArrayList> closure_convert_flat(const FlatFunction& f,
                                                                          std::span<const ArrayType> types,
                                                                          const std::string& description) {
  ClosedBody body = trace_closure(f, types, description);
  return {std::move(body.program), std::move(body.consts)};
}

}  // namespace jx::detail
