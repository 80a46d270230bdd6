// pmap's checks (jx/transforms/pmap.h): the mapped axis must fit the devices.
#include "jx/transforms/pmap.h"

#include <fmt/format.h>

#include <atomic>

#include "jx/core/device.h"
#include "jx/core/error.h"
#include "trace/batching.h"

namespace jx::detail {

void check_pmap_axis(const std::string& axis_name) {
  // Over several processes the axis holds every process's devices, this process's in the batch.
  if (process_count() > 1) mark_axis_spanning_processes(axis_name, process_count(), process_index());
  const std::int64_t size = bound_axis_size(axis_name).value_or(0) / process_count();
  const int available = local_device_count();
  if (size > available) {
    throw ValueError("pmap", fmt::format("the mapped axis has size {}, but this process has {} device{} "
                                         "(JX_NUM_CPU_DEVICES=N gives a process N CPU devices)",
                                         size, available, available == 1 ? "" : "s"));
  }
}

std::string anonymous_pmap_axis() {
  static std::atomic<int> count{0};
  return fmt::format("<pmap axis {}>", count++);
}

}  // namespace jx::detail
