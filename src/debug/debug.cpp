// jx::debug: effects recorded in programs and run with them.
#include "jx/debug.h"

#include <iostream>
#include <mutex>
#include <typeinfo>

#include "core/print.h"
#include "jx/core/error.h"
#include "jx/ir/primitive.h"
#include "jx/lax.h"
#include "trace/trace.h"

namespace jx::debug {
namespace {

// A primitive with no outputs whose evaluation calls a host function on its (concrete) inputs.
class DebugCallback final : public PrimitiveBase<DebugCallback> {
 public:
  DebugCallback(std::shared_ptr<const std::function<void(std::span<const Array>)>> fn, std::string description)
      : fn_(std::move(fn)), description_(std::move(description)) {}
  std::string_view name() const override { return "debug_callback"; }
  TypeList infer(std::span<const ArrayType> /*inputs*/) const override { return {}; }
  ArrayList evaluate(std::span<const Array> inputs) const override {
    (*fn_)(inputs);
    return {};
  }
  // Under differentiation the callback sees the primal values; it has no outputs to differentiate.
  ArrayList jvp(std::span<const Array>, std::span<const Array>, std::span<const Array>) const override { return {}; }
  // Under vmap the callback runs once per element of the batch, in order, each time seeing that
  // element (unmapped inputs whole): JAX unrolls debug callbacks over the mapped axis the same way.
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override {
    std::int64_t size = 0;
    for (std::size_t k = 0; k < inputs.size(); ++k)
      if (axes[k] != kNotMapped) size = inputs[k].shape()[axes[k]];
    for (std::int64_t i = 0; i < size; ++i) {
      std::vector<Array> element;
      for (std::size_t k = 0; k < inputs.size(); ++k) {
        if (axes[k] == kNotMapped) {
          element.push_back(inputs[k]);
        } else {
          element.push_back(lax::squeeze(lax::slice_in_dim(inputs[k], i, i + 1, 1, axes[k]), {axes[k]}));
        }
      }
      jx::bind(*this, element);
    }
    return {{}, {}};
  }
  bool has_side_effects() const override { return true; }
  // Identified by what it does (the format string, or the callback's type), so that retracing the same
  // function gives an equal program.
  auto params() const { return std::tuple{Param{"callback", description_}}; }

 private:
  std::shared_ptr<const std::function<void(std::span<const Array>)>> fn_;
  std::string description_;
};

void emit(std::function<void(std::span<const Array>)> fn, std::string description, const std::vector<Array>& arrays) {
  auto shared = std::make_shared<const std::function<void(std::span<const Array>)>>(std::move(fn));
  jx::bind(DebugCallback(std::move(shared), std::move(description)), arrays);
}

}  // namespace

void print_impl(std::string format, std::vector<Array> arrays, std::source_location loc) {
  CallSite site(loc);
  const std::string description = "print '" + format + "'";
  emit(
      [format = std::move(format)](std::span<const Array> values) {
        static std::mutex output_mutex;  // lines from concurrent calls do not interleave
        std::lock_guard lock(output_mutex);
        std::cout << format_with_arrays(format, values) << std::endl;
      },
      description, arrays);
}

void log_impl(std::string format, std::vector<Array> arrays, std::source_location loc) {
  CallSite site(loc);
  const std::string description = "log '" + format + "'";
  emit(
      [format = std::move(format)](std::span<const Array> values) {
        static std::mutex log_mutex;
        std::lock_guard lock(log_mutex);
        std::clog << "jx.debug.log: " << format_with_arrays(format, values) << std::endl;
      },
      description, arrays);
}

namespace detail {
void callback_flat(std::function<void(std::span<const Array>)> fn, std::string description, std::vector<Array> leaves,
                   std::source_location loc) {
  CallSite site(loc);
  emit(std::move(fn), std::move(description), leaves);
}
}  // namespace detail

}  // namespace jx::debug
