// jx/nn/normalization.h — Haiku's other normalizations, and the modules that normalize or average a
// whole parameter tree: GroupNorm, InstanceNorm, RMSNorm, SpectralNorm, SNParamsTree, EMAParamsTree
// (LayerNorm, BatchNorm and ExponentialMovingAverage live in jx/nn/modules.h). Semantics and
// defaults are Haiku's; call them inside jx::nn::transform or transform_with_state.
//
//   auto h = jx::nn::GroupNorm(8)(x);                                 // NHWC; params group_norm/scale, offset: (C)
//   h = jx::nn::RMSNorm(-1)(h);                                       // x * scale / sqrt(mean(x^2) + eps)
//   auto w_bar = jx::nn::SpectralNorm()(w);                           // state spectral_norm/u0 and sigma
//   auto averaged = jx::nn::EMAParamsTree(0.99f)(params);            // one moving average per parameter
#pragma once

#include <cstdint>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>
#include <vector>

#include "jx/nn/modules.h"

namespace jx::nn {

// The channel axis a data format names (hk.get_channel_index): 1 for "channels_first" and formats
// like "NCHW" or "NC..."; -1 for "channels_last", "NHWC"-like and sequential formats ("BTHWD", "TBD").
// ValueError otherwise.
int get_channel_index(std::string_view data_format);

struct GroupNormOptions {
  std::optional<std::vector<int>> axis = std::nullopt;  // axes of x to normalize over; absent: all but the first
  bool create_scale = true;
  bool create_offset = true;
  float eps = 1e-5f;
  std::optional<Initializer> scale_init = std::nullopt;   // default: ones (only with create_scale)
  std::optional<Initializer> offset_init = std::nullopt;  // default: zeros (only with create_offset)
  std::string data_format = "channels_last";              // or "channels_first", "NHWC", "NCHW", ...
  std::optional<std::string> name = std::nullopt;
};

// hk.GroupNorm: the channels are split into `groups` consecutive groups, and each example is
// normalized with the mean and (two-pass) variance over `axis` within each group, never across groups.
// Scale and offset have one entry per channel: (C) channels-last, (C, 1, ..., 1) channels-first.
// Without create_scale / create_offset, a scale and offset may be given at the call instead (as
// conditional normalization does); they broadcast against x.
class GroupNorm : public Module {
 public:
  explicit GroupNorm(std::int64_t groups, GroupNormOptions options = {});
  Array operator()(const Array& x, const std::optional<Array>& scale = std::nullopt,
                   const std::optional<Array>& offset = std::nullopt,
                   std::source_location loc = std::source_location::current()) const;

 private:
  std::int64_t groups_;
  GroupNormOptions options_;
  int channel_index_;
};

struct InstanceNormOptions {
  float eps = 1e-5f;
  std::optional<Initializer> scale_init = std::nullopt;
  std::optional<Initializer> offset_init = std::nullopt;
  std::string data_format = "channels_last";
  std::optional<std::string> name = std::nullopt;
};

// hk.InstanceNorm: a LayerNorm over the spatial axes (all but the first and the channel axis), one
// scale and offset per channel.
class InstanceNorm : public LayerNorm {
 public:
  InstanceNorm(bool create_scale, bool create_offset, InstanceNormOptions options = {});
  Array operator()(const Array& x, const std::optional<Array>& scale = std::nullopt,
                   const std::optional<Array>& offset = std::nullopt,
                   std::source_location loc = std::source_location::current()) const;

 private:
  int channel_index_;
};

struct RMSNormOptions {
  float eps = 1e-5f;
  std::optional<Initializer> scale_init = std::nullopt;  // default: ones (only with create_scale)
  bool create_scale = true;
  // Not in Haiku's RMSNorm: an offset added after scaling, for models that want one (off by default).
  bool create_offset = false;
  std::optional<Initializer> offset_init = std::nullopt;  // default: zeros (only with create_offset)
  // The axes the parameters span (as LayerNorm's); absent: the last axis, stored with shape (C).
  std::optional<std::vector<int>> param_axis = std::nullopt;
  std::optional<std::string> name = std::nullopt;
};

// hk.RMSNorm: x * scale / sqrt(mean(x^2 over axis) + eps), without recentering.
class RMSNorm : public Module {
 public:
  explicit RMSNorm(std::vector<int> axis, RMSNormOptions options = {});
  explicit RMSNorm(int axis, RMSNormOptions options = {}) : RMSNorm(std::vector<int>{axis}, std::move(options)) {}
  Array operator()(const Array& x, std::source_location loc = std::source_location::current()) const;

 private:
  std::vector<int> axis_;
  RMSNormOptions options_;
};

struct SpectralNormOptions {
  float eps = 1e-4f;  // added under the square roots of the power iteration's normalizations
  int n_steps = 1;    // power iteration steps per call
  std::optional<std::string> name = std::nullopt;
};

// hk.SpectralNorm: divides a matrix by an estimate of its largest singular value. The estimate comes
// from power iteration on a state vector u0 (1, columns), drawn from a standard normal at init and
// carried between calls, so that one step per call converges over training. Inputs of more than two
// axes are viewed as (-1, last axis) matrices (or refused, with error_on_non_matrix). With
// update_stats the state keeps the new u0 and the estimate, sigma.
class SpectralNorm : public Module {
 public:
  explicit SpectralNorm(SpectralNormOptions options = {});
  Array operator()(const Array& value, bool update_stats = true, bool error_on_non_matrix = false,
                   std::source_location loc = std::source_location::current()) const;
  // The last estimate kept in the state (one, if none was kept yet).
  Array sigma(DType dtype = DType::float32) const;

 private:
  SpectralNormOptions options_;
};

struct SNParamsTreeOptions {
  float eps = 1e-4f;
  int n_steps = 1;
  std::string ignore_regex = "";  // parameters whose "module/name" this matches at its start are left alone
  std::optional<std::string> name = std::nullopt;
};

// hk.SNParamsTree: SpectralNorm applied to every parameter of a tree (module -> name -> array), each
// by its own module named after the path ("linear/w" -> "linear__w", "~" -> "_tilde"). Vectors and
// scalars must be excluded through ignore_regex, as in Haiku.
class SNParamsTree : public Module {
 public:
  explicit SNParamsTree(SNParamsTreeOptions options = {});
  Params operator()(const Params& tree, bool update_stats = true,
                    std::source_location loc = std::source_location::current()) const;

 private:
  SNParamsTreeOptions options_;
};

struct EMAParamsTreeOptions {
  bool zero_debias = true;
  int warmup_length = 0;  // needs zero_debias = false
  std::string ignore_regex = "";
  std::optional<std::string> name = std::nullopt;
};

// hk.EMAParamsTree: an ExponentialMovingAverage of every parameter of a tree, each by its own module
// named after the path ("linear/w" -> "linear__w", "~" -> "_tilde_"); returns the tree of averages.
//
//   auto ema = jx::nn::transform_with_state([](const jx::nn::Params& p) { return jx::nn::EMAParamsTree(0.99f)(p); });
//   auto [no_params, ema_state] = ema.init(key, params);
//   auto [averaged, next_ema_state] = ema.apply(no_params, ema_state, std::nullopt, params);
class EMAParamsTree : public Module {
 public:
  explicit EMAParamsTree(float decay, EMAParamsTreeOptions options = {});
  Params operator()(const Params& tree, bool update_stats = true,
                    std::source_location loc = std::source_location::current()) const;

 private:
  float decay_;
  EMAParamsTreeOptions options_;
};

}  // namespace jx::nn
