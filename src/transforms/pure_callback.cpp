// pure_callback as a primitive: evaluation calls the host function on concrete inputs and checks what
// it returns; batching follows the vmap_method the caller chose, as JAX's callback batching rule does.
#include "jx/transforms/pure_callback.h"

#include <fmt/format.h>

#include "ir/primitives/rules.h"
#include "jx/core/error.h"
#include "jx/ir/primitive.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "trace/trace.h"

namespace jx::detail {
namespace {

class PureCallback final : public PrimitiveBase<PureCallback> {
 public:
  PureCallback(std::shared_ptr<const HostFunction> fn, TypeList result_types, VmapMethod vmap_method,
               std::string description)
      : fn_(std::move(fn)),
        result_types_(std::move(result_types)),
        vmap_method_(vmap_method),
        description_(std::move(description)) {
    for (const ArrayType& t : result_types_) result_text_ += (result_text_.empty() ? "" : ",") + t.to_string();
  }
  std::string_view name() const override { return "pure_callback"; }
  TypeList infer(std::span<const ArrayType> /*inputs*/) const override { return result_types_; }
  ArrayList evaluate(std::span<const Array> inputs) const override {
    ArrayList results;
    {
      UserCodeScope user;
      results = (*fn_)(inputs);
    }
    if (results.size() != result_types_.size()) {
      throw ValueError("pure_callback", fmt::format("the callback returned {} arrays, but {} were declared",
                                                    results.size(), result_types_.size()));
    }
    for (std::size_t i = 0; i < results.size(); ++i) {
      const ArrayType& declared = result_types_[i];
      if (results[i].shape() != declared.shape || results[i].dtype() != declared.dtype) {
        throw TypeError("pure_callback", fmt::format("result {} of the callback has type {}, but {} was declared "
                                                     "(result_shape_dtypes)",
                                                     i, results[i].type().to_string(), declared.to_string()));
      }
    }
    return results;
  }
  ArrayList jvp(std::span<const Array> /*primals*/, std::span<const Array> /*tangents*/,
                std::span<const Array> /*outputs*/) const override {
    throw TypeError("pure_callback",
                    "a pure_callback cannot be differentiated; give it a rule with jx::custom_jvp or jx::custom_vjp");
  }
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override {
    const std::int64_t size = rules::batch_size(inputs, axes);
    if (vmap_method_ == VmapMethod::sequential) {
      // One call per example, stacked.
      std::vector<ArrayList> per_example(result_types_.size());
      for (std::int64_t i = 0; i < size; ++i) {
        ArrayList example;
        for (std::size_t k = 0; k < inputs.size(); ++k) {
          example.push_back(axes[k] == kNotMapped
                                ? inputs[k]
                                : lax::squeeze(lax::slice_in_dim(inputs[k], i, i + 1, 1, axes[k]), {axes[k]}));
        }
        const ArrayList results = jx::bind(*this, example);
        for (std::size_t r = 0; r < results.size(); ++r) per_example[r].push_back(results[r]);
      }
      ArrayList outputs;
      for (const ArrayList& results : per_example) outputs.push_back(numpy::stack(results));
      return {outputs, std::vector<int>(outputs.size(), 0)};
    }
    if (vmap_method_ == VmapMethod::unspecified) {
      throw ValueError("pure_callback",
                       "vmap of a pure_callback needs a vmap_method: pass jx::PureCallbackOptions{.vmap_method = "
                       "jx::VmapMethod::sequential} (one call per example), expand_dims or broadcast_all");
    }
    // One call on the whole batch: batched arguments with the batch axis first; the others given a
    // leading axis of size 1 (expand_dims) or broadcast to the batch (broadcast_all).
    ArrayList values;
    for (std::size_t k = 0; k < inputs.size(); ++k) {
      if (axes[k] != kNotMapped) {
        values.push_back(rules::batch_to_front(inputs[k], axes[k]));
      } else if (vmap_method_ == VmapMethod::expand_dims) {
        values.push_back(lax::expand_dims(inputs[k], {0}));
      } else {
        values.push_back(rules::batched_at_front(inputs[k], kNotMapped, size));
      }
    }
    TypeList batched_types;
    for (const ArrayType& type : result_types_) {
      Shape shape{size};
      for (std::int64_t d : type.shape) shape.push_back(d);
      batched_types.push_back(ArrayType{shape, type.dtype});
    }
    const ArrayList outputs = jx::bind(PureCallback(fn_, std::move(batched_types), vmap_method_, description_), values);
    return {outputs, std::vector<int>(outputs.size(), 0)};
  }
  // Identified by the callback's type and the declared results, so that retracing gives an equal program.
  auto params() const {
    return std::tuple{Param{"callback", description_}, Param{"result_types", result_text_},
                      Param{"vmap_method", vmap_method_index_}};
  }

 private:
  std::shared_ptr<const HostFunction> fn_;
  TypeList result_types_;
  VmapMethod vmap_method_;
  std::string description_;
  std::string result_text_;
  int vmap_method_index_ = static_cast<int>(vmap_method_);
};

}  // namespace

ArrayList pure_callback_flat(HostFunction fn, std::vector<ArrayType> result_types, std::span<const Array> inputs,
                             VmapMethod vmap_method, const std::string& description) {
  for (ArrayType& type : result_types) {
    type.validate("pure_callback");
    type.weak = false;
  }
  return jx::bind(PureCallback(std::make_shared<const HostFunction>(std::move(fn)), std::move(result_types),
                               vmap_method, description),
                  inputs);
}

}  // namespace jx::detail
