// jx/transforms/pmap.h — jx::pmap: run a function on every device, one slice of the inputs each.
//
// As JAX's pmap: the mapped axis of the arguments (axis 0 unless in_axes says otherwise) is split
// among the devices, f runs once per device on its slice, compiled (pmap is jit'ed), and the results
// are stacked along out_axes. Inside f, the collectives of jx/lax/parallel.h combine the devices'
// values over axis_name:
//
//   auto step = jx::pmap([](const Params& p, const Batch& b) {
//     Params g = jx::grad(loss)(p, b.x, b.y);
//     g = jx::lax::pmean(g, "batch");                  // average the gradients of all devices
//     return jx::tree::map([](const jx::Array& w, const jx::Array& d) { return w - 0.1f * d; }, p, g);
//   }, {.axis_name = "batch", .in_axes = {std::nullopt, 0}}, jx::donate_argnums<0>);
//
// The mapped axis may not be longer than the number of devices (jx::local_device_count(); set
// JX_NUM_CPU_DEVICES=N to give a process N CPU devices, as XLA's
// --xla_force_host_platform_device_count). The devices of one process share its memory and thread
// pool: the program runs once, over all of the process's slices together, the way vmap runs a batch,
// and its collectives are reductions and data movement inside that one program. In a program of several
// processes (jx/distributed.h) the axis spans every process's devices: each process passes its own
// devices' slices, and the collectives combine the processes too (axis_index and axis_size count every
// process's devices). jit options
// (jx::donate_argnums) follow the options, as for jx::jit. A value every device shares (JAX's
// static_broadcasted_argnums) is captured by f, or passed with in_axes std::nullopt.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "jx/core/keywords_only.h"
#include "jx/transforms/axis_spec.h"
#include "jx/transforms/jit.h"
#include "jx/transforms/vmap.h"

namespace jx {

struct PmapOptions {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::optional<std::string> axis_name = std::nullopt;  // for collectives inside f
  AxisSpec in_axes = 0;
  AxisSpec out_axes = 0;
};

namespace detail {
// Throws ValueError unless the mapped axis (bound as `axis_name`) fits the devices.
void check_pmap_axis(const std::string& axis_name);
// A fresh name for the axis of a pmap given none.
std::string anonymous_pmap_axis();

// What pmap jits: f on one device's slice, vmapped over the devices.
template <class F>
struct PerDevice {
  F f;
  std::string axis_name;
  AxisSpec in_axes, out_axes;

  template <class... Args>
  auto operator()(const Args&... args) const {
    auto checked = [this](const auto&... slices) {
      check_pmap_axis(axis_name);
      return f(slices...);
    };
    return jx::vmap(checked, {.in_axes = in_axes, .out_axes = out_axes, .axis_name = axis_name})(args...);
  }
};
}  // namespace detail

template <class F, class... JitOptions>
requires(detail::is_jit_option<JitOptions>&&...) auto pmap(F f, PmapOptions options = {}, JitOptions... jit_options) {
  std::string axis = options.axis_name ? *options.axis_name : detail::anonymous_pmap_axis();
  detail::PerDevice<F> per_device{std::move(f), std::move(axis), std::move(options.in_axes),
                                  std::move(options.out_axes)};
  if constexpr (sizeof...(JitOptions) == 0) {
    return jx::jit(std::move(per_device));
  } else {
    return jx::jit(std::move(per_device), jit_options...);
  }
}

}  // namespace jx
