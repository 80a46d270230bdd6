// The process group registry (src/core/process_group.h).
#include "core/process_group.h"

#include <mutex>
#include <utility>

namespace jx::detail {
namespace {

std::mutex group_mutex;
std::shared_ptr<ProcessGroup> installed_group;

}  // namespace

void set_process_group(std::shared_ptr<ProcessGroup> group) {
  const std::lock_guard lock(group_mutex);
  installed_group = std::move(group);
}

std::shared_ptr<ProcessGroup> process_group() {
  const std::lock_guard lock(group_mutex);
  return installed_group;
}

}  // namespace jx::detail
