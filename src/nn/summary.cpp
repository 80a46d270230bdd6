#include "jx/nn/summary.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace jx::nn {
namespace {

struct Row {
  std::string path, shape, dtype;
  std::int64_t count = 0;
};

void collect(const tree::Tree& node, const std::string& path, std::vector<Row>& rows) {
  if (node.is_array()) {
    const Array& x = node.array();
    rows.push_back(Row{path, x.shape().to_string(), std::string(dtype_name(x.dtype())), x.size()});
  } else if (node.is_dict()) {
    for (const auto& [key, child] : node.as_dict()) collect(child, path.empty() ? key : path + "/" + key, rows);
  } else if (node.is_list()) {
    const auto& items = node.as_list();
    for (std::size_t i = 0; i < items.size(); ++i) collect(items[i], fmt::format("{}[{}]", path, i), rows);
  }
}

}  // namespace

std::string summary(const tree::Tree& params) {
  std::vector<Row> rows;
  collect(params, "", rows);
  std::size_t path_width = 5, shape_width = 5, dtype_width = 5;
  std::int64_t total = 0;
  for (const Row& r : rows) {
    path_width = std::max(path_width, r.path.size());
    shape_width = std::max(shape_width, r.shape.size());
    dtype_width = std::max(dtype_width, r.dtype.size());
    total += r.count;
  }
  const std::string total_text = fmt::format("{}", total);
  const std::size_t count_width = std::max<std::size_t>(5, total_text.size());
  std::string out = fmt::format("{:<{}}  {:<{}}  {:<{}}  {:>{}}\n", "path", path_width, "shape", shape_width, "dtype",
                                dtype_width, "count", count_width);
  for (const Row& r : rows) {
    out += fmt::format("{:<{}}  {:<{}}  {:<{}}  {:>{}}\n", r.path, path_width, r.shape, shape_width, r.dtype,
                       dtype_width, r.count, count_width);
  }
  out += fmt::format("{:<{}}  {:>{}}\n", "total", path_width + shape_width + dtype_width + 4, total_text, count_width);
  return out;
}

}  // namespace jx::nn
