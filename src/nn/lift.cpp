// lift and its relatives (jx/nn/lift.h): the module each lift makes, the prefix getters see, and the
// updater that hands the inner state back.
#include "jx/nn/lift.h"

#include <fmt/format.h>

#include <string>
#include <vector>

#include "jx/core/error.h"
#include "nn/interceptors.h"

namespace jx::nn {

namespace detail {

namespace {

thread_local std::vector<std::string> t_lift_prefixes;  // of the lifts whose init runs, outermost first

}  // namespace

void require_inside_transform(const char* op) {
  if (!inside_transform()) {
    throw ValueError(op,
                     "must be called inside a function transformed with jx::nn::transform or "
                     "jx::nn::transform_with_state (while its init or apply runs)");
  }
}

LiftingModule::LiftingModule(const char* op, const std::string& name, bool transparent) : Module("lifted", name) {
  if (module_name().empty()) require_inside_transform(op);
  const std::string& path = module_name();
  // A transparent lift files the inner parameters where its own module sits: under its parent.
  const std::size_t slash = path.rfind('/');
  prefix_ = !transparent ? path : slash == std::string::npos ? std::string() : path.substr(0, slash);
}

LiftPrefixScope::LiftPrefixScope(const std::string& prefix) : pushed_(!prefix.empty()) {
  if (pushed_) t_lift_prefixes.push_back(prefix);
}

LiftPrefixScope::~LiftPrefixScope() {
  if (pushed_) t_lift_prefixes.pop_back();
}

// Haiku reports the prefix during init only: the names an apply sees are the inner ones.
std::optional<std::string> lifted_prefix_name() {
  if (t_lift_prefixes.empty() || !running_init()) return std::nullopt;
  std::string prefix;
  for (const std::string& part : t_lift_prefixes) prefix += part + "/";
  return prefix;
}

Key lift_argument(const char* op, const std::optional<Key>& key) {
  if (!key) {
    throw ValueError(op, "the lifted init needs a key, but got std::nullopt (only the outer apply may pass none)");
  }
  return *key;
}

}  // namespace detail

LiftWithStateUpdater::LiftWithStateUpdater(std::string prefix)
    : record_(std::make_shared<Record>(Record{std::move(prefix), detail::frame_identity("lift_with_state")})) {}

void LiftWithStateUpdater::use(const char* op) const {
  if (record_->used) throw ValueError(op, "a LiftWithStateUpdater may be used once only");
  if (!detail::inside_transform() || detail::frame_identity(op) != record_->frame) {
    throw ValueError(op, "a LiftWithStateUpdater must be used in the run of init or apply that made it");
  }
  record_->used = true;
}

void LiftWithStateUpdater::update(const State& state, std::source_location loc) const {
  CallSite site(loc);
  use("LiftWithStateUpdater::update");
  detail::update_lifted_state("LiftWithStateUpdater::update", record_->prefix, state);
}

void LiftWithStateUpdater::ignore_update(std::source_location loc) const {
  CallSite site(loc);
  use("LiftWithStateUpdater::ignore_update");
}

}  // namespace jx::nn
