// Scanning concrete outputs for NaNs and infinities (config::debug_nans / debug_infs only, so a plain
// loop over a float64 copy is fast enough).
#include "core/nonfinite.h"

#include <fmt/format.h>

#include <cmath>
#include <string>

#include "backends/cpu/kernels.h"
#include "core/array_impl.h"
#include "jx/core/error.h"

namespace jx {

const char* nonfinite_kind(const Array& x, bool nans, bool infs) {
  if (!x.is_concrete() || !is_floating(x.dtype()) || x.size() == 0) return nullptr;
  const Array values = cpu::convert(x, ArrayType{x.shape(), DType::float64});
  const double* data = concrete(values).data_as<double>();
  const char* found = nullptr;
  for (std::int64_t i = 0; i < values.size(); ++i) {
    if (nans && std::isnan(data[i])) return "nan";
    if (infs && std::isinf(data[i])) found = "inf";
  }
  return found;
}

void check_finite_outputs(std::string_view op, std::span<const Array> outputs, const config::Flags& flags) {
  for (const Array& out : outputs) {
    if (const char* kind = nonfinite_kind(out, flags.debug_nans, flags.debug_infs)) {
      throw FloatingPointError(std::string(op), fmt::format("invalid value ({}) encountered in {} (an output of type "
                                                            "{}; config::debug_{}s is on)",
                                                            kind, op, out.type().to_string(), kind));
    }
  }
}

}  // namespace jx
