// SNParamsTree and EMAParamsTree (jx/nn/normalization.h): one SpectralNorm or ExponentialMovingAverage
// per parameter of a tree, as Haiku's modules of those names.
#include <fmt/format.h>

#include <functional>
#include <regex>

#include "jx/core/error.h"
#include "jx/nn/normalization.h"

namespace jx::nn {
namespace {

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// The tree with each parameter `module/name` replaced by transform(path, value), or kept where
// `ignore_regex` matches the path at its start (Python's re.match).
Params map_parameters(const char* op, const Params& tree, const std::string& ignore_regex,
                      const std::function<Array(const std::string&, const Array&)>& transform) {
  std::optional<std::regex> ignore;
  if (!ignore_regex.empty()) {
    try {
      ignore.emplace(ignore_regex);
    } catch (const std::regex_error& e) {
      throw ValueError(op, fmt::format("ignore_regex \"{}\" is not a regular expression: {}", ignore_regex, e.what()));
    }
  }
  if (!tree.is_dict()) throw TreeError(op, "needs a parameter tree: a dict from module names to dicts of arrays");
  Params::Dict modules;
  for (const auto& [module, entries] : tree.as_dict()) {
    if (!entries.is_dict()) throw TreeError(op, fmt::format("params['{}'] is not a dict of arrays", module));
    Params::Dict arrays;
    for (const auto& [name, value] : entries.as_dict()) {
      if (!value.is_array()) throw TreeError(op, fmt::format("params['{}']['{}'] is not an array", module, name));
      const std::string path = module + "/" + name;
      const bool ignored = ignore && std::regex_search(path, *ignore, std::regex_constants::match_continuous);
      arrays.emplace(name, ignored ? value.array() : transform(path, value.array()));
    }
    modules.emplace(module, Params::dict(std::move(arrays)));
  }
  return Params::dict(std::move(modules));
}

}  // namespace

SNParamsTree::SNParamsTree(SNParamsTreeOptions options)
    : Module("sn_params_tree", options.name), options_(std::move(options)) {}

Params SNParamsTree::operator()(const Params& tree, bool update_stats, std::source_location loc) const {
  CallSite site(loc);
  return scoped([&] {
    return map_parameters(
        "SNParamsTree", tree, options_.ignore_regex, [&](const std::string& path, const Array& value) {
          const std::string name = replace_all(replace_all(path, "/", "__"), "~", "_tilde");
          return SpectralNorm({.eps = options_.eps, .n_steps = options_.n_steps, .name = name})(value, update_stats);
        });
  });
}

EMAParamsTree::EMAParamsTree(float decay, EMAParamsTreeOptions options)
    : Module("ema_params_tree", options.name), decay_(decay), options_(std::move(options)) {
  if (decay < 0 || decay > 1) throw ValueError("EMAParamsTree", fmt::format("decay must be in [0, 1], got {}", decay));
  if (options_.warmup_length < 0) {
    throw ValueError("EMAParamsTree",
                     fmt::format("warmup_length must not be negative, got {}", options_.warmup_length));
  }
  // A warmup starts the average at the value itself, so there is no zero start to debias.
  if (options_.warmup_length > 0 && options_.zero_debias)
    throw ValueError("EMAParamsTree", "a warmup_length needs zero_debias = false");
}

Params EMAParamsTree::operator()(const Params& tree, bool update_stats, std::source_location loc) const {
  CallSite site(loc);
  return scoped([&] {
    return map_parameters(
        "EMAParamsTree", tree, options_.ignore_regex, [&](const std::string& path, const Array& value) {
          const std::string name = replace_all(replace_all(path, "/", "__"), "~", "_tilde_");
          return ExponentialMovingAverage(
              decay_, {.zero_debias = options_.zero_debias, .warmup_length = options_.warmup_length, .name = name})(
              value, update_stats);
        });
  });
}

}  // namespace jx::nn
