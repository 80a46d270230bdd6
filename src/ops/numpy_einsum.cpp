// jx/numpy/einsum.h: subscripts parsed (with "..." expanded into labels of their own), each operand's
// diagonals taken and lone labels summed, then operands contracted two at a time in greedy order, each
// contraction one dot_general.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/numpy/einsum.h"
#include "ops/promotion.h"

namespace jx::numpy {
namespace {

struct Operand {
  Array value;
  std::string labels;  // one per axis
};

struct Parsed {
  std::vector<Operand> operands;
  std::string output;
  std::map<char, std::int64_t> sizes;
};

std::vector<std::string> split_inputs(const std::string& lhs) {
  std::vector<std::string> inputs;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = lhs.find(',', start);
    inputs.push_back(lhs.substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return inputs;
}

// Labels for the axes "..." stands for: letters the subscripts do not use.
std::string ellipsis_labels(const std::string& text, int count) {
  static const std::string pool = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string labels;
  for (char c : pool) {
    if (static_cast<int>(labels.size()) == count) break;
    if (text.find(c) == std::string::npos) labels += c;
  }
  if (static_cast<int>(labels.size()) < count) throw ValueError("einsum", "too many axes under '...'");
  return labels;
}

Parsed parse(const std::string& subscripts, const std::vector<Array>& arrays) {
  std::string text;
  for (char c : subscripts) {
    if (c != ' ') text += c;
  }
  const std::size_t arrow = text.find("->");
  const std::vector<std::string> inputs = split_inputs(arrow == std::string::npos ? text : text.substr(0, arrow));
  if (inputs.size() != arrays.size()) {
    throw ValueError("einsum",
                     fmt::format("'{}' names {} operands but {} were given", subscripts, inputs.size(), arrays.size()));
  }
  // How many axes "..." covers in each operand; the widest defines the ellipsis labels (right-aligned).
  std::vector<int> covered(inputs.size(), 0);
  int widest = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const std::string& in = inputs[i];
    const std::size_t dots = in.find("...");
    const int explicit_axes = static_cast<int>(in.size()) - (dots == std::string::npos ? 0 : 3);
    if (dots == std::string::npos ? explicit_axes != arrays[i].ndim() : explicit_axes > arrays[i].ndim()) {
      throw ShapeError("einsum", fmt::format("subscripts '{}' do not match operand {} of shape {}", in, i,
                                             arrays[i].shape().to_string()));
    }
    if (dots != std::string::npos) covered[i] = arrays[i].ndim() - explicit_axes;
    widest = std::max(widest, covered[i]);
  }
  const std::string batch = ellipsis_labels(text, widest);
  Parsed parsed;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    std::string labels = inputs[i];
    const std::size_t dots = labels.find("...");
    if (dots != std::string::npos)
      labels.replace(dots, 3, batch.substr(batch.size() - static_cast<std::size_t>(covered[i])));
    for (char c : labels) {
      if (!std::isalpha(static_cast<unsigned char>(c))) {
        throw ValueError("einsum", fmt::format("invalid subscript '{}' in '{}'", c, subscripts));
      }
    }
    parsed.operands.push_back({arrays[i], labels});
  }
  if (arrow != std::string::npos) {
    parsed.output = text.substr(arrow + 2);
    const std::size_t dots = parsed.output.find("...");
    if (dots != std::string::npos) parsed.output.replace(dots, 3, batch);
  } else {
    // Implicit output: the ellipsis axes, then the labels that appear once, alphabetically.
    std::map<char, int> counts;
    for (const Operand& o : parsed.operands) {
      for (char c : o.labels) ++counts[c];
    }
    parsed.output = batch;
    for (const auto& [c, n] : counts) {
      if (n == 1 && batch.find(c) == std::string::npos) parsed.output += c;
    }
  }
  // Each label's size; axes of size 1 broadcast against the others, as in NumPy and JAX.
  for (const Operand& o : parsed.operands) {
    for (std::size_t d = 0; d < o.labels.size(); ++d) {
      const char c = o.labels[d];
      const std::int64_t n = o.value.shape()[static_cast<int>(d)];
      auto [it, inserted] = parsed.sizes.emplace(c, n);
      if (inserted || it->second == n) continue;
      const bool broadcastable = n == 1 || it->second == 1;
      if (!broadcastable) {
        throw ShapeError("einsum", fmt::format("label '{}' has sizes {} and {} in '{}'", c, it->second, n, subscripts));
      }
      it->second = std::max(it->second, n);
    }
  }
  for (char c : parsed.output) {
    if (!parsed.sizes.contains(c)) {
      throw ValueError("einsum", fmt::format("output label '{}' does not appear in the inputs", c));
    }
  }
  for (Operand& o : parsed.operands) {
    Shape full;
    for (char c : o.labels) full.push_back(parsed.sizes.at(c));
    if (full != o.value.shape()) o.value = broadcast_to(o.value, full);
  }
  return parsed;
}

// The diagonal over repeated labels, and the labels not in `keep` summed out.
Operand reduce(Operand x, const std::string& keep) {
  for (std::size_t i = 0; i < x.labels.size(); ++i) {
    for (std::size_t j = i + 1; j < x.labels.size(); ++j) {
      if (x.labels[i] != x.labels[j]) continue;
      const std::int64_t n = x.value.shape()[static_cast<int>(i)];
      Shape mask_shape;
      for (int d = 0; d < x.value.ndim(); ++d)
        mask_shape.push_back(d == static_cast<int>(i) || d == static_cast<int>(j) ? n : 1);
      const Array mask = lax::broadcast_in_dim(eye(n, std::nullopt, 0, x.value.dtype()), mask_shape,
                                               {static_cast<int>(i), static_cast<int>(j)});
      x.value = lax::reduce_sum(multiply(x.value, mask), {static_cast<int>(j)});
      x.labels.erase(j, 1);
      --j;
    }
  }
  std::vector<int> summed;
  std::string remaining;
  for (std::size_t i = 0; i < x.labels.size(); ++i) {
    if (keep.find(x.labels[i]) == std::string::npos) {
      summed.push_back(static_cast<int>(i));
    } else {
      remaining += x.labels[i];
    }
  }
  if (!summed.empty()) x.value = lax::reduce_sum(x.value, summed);
  x.labels = remaining;
  return x;
}

// The labels a contraction of a and b keeps: those that the output or another operand still needs.
std::string kept_labels(const std::string& a, const std::string& b, const std::string& needed) {
  std::string kept;
  for (char c : a + b) {
    if (needed.find(c) != std::string::npos && kept.find(c) == std::string::npos) kept += c;
  }
  return kept;
}

Operand contract(const Operand& a, const Operand& b, const std::string& needed) {
  const Operand x = reduce(a, needed + b.labels), y = reduce(b, needed + x.labels);
  lax::DotDimensionNumbers dims;
  std::string labels;
  for (std::size_t i = 0; i < x.labels.size(); ++i) {
    const std::size_t j = y.labels.find(x.labels[i]);
    if (j == std::string::npos) continue;
    if (needed.find(x.labels[i]) != std::string::npos) {
      dims.lhs_batch.push_back(static_cast<int>(i));
      dims.rhs_batch.push_back(static_cast<int>(j));
      labels += x.labels[i];
    } else {
      dims.lhs_contracting.push_back(static_cast<int>(i));
      dims.rhs_contracting.push_back(static_cast<int>(j));
    }
  }
  for (char c : x.labels) {
    if (y.labels.find(c) == std::string::npos) labels += c;
  }
  for (char c : y.labels) {
    if (x.labels.find(c) == std::string::npos) labels += c;
  }
  return {lax::dot_general(x.value, y.value, dims), labels};
}

// The labels every operand but those at i and j, and the output, need.
std::string needed_besides(const std::vector<Operand>& operands, std::size_t i, std::size_t j,
                           const std::string& output) {
  std::string needed = output;
  for (std::size_t k = 0; k < operands.size(); ++k) {
    if (k != i && k != j) needed += operands[k].labels;
  }
  return needed;
}

struct Contraction {
  Operand result;
  std::vector<std::pair<int, int>> path;
  std::string description;
};

Contraction run(const std::string& subscripts, const std::vector<Array>& arrays, bool compute) {
  if (arrays.empty()) throw ValueError("einsum", "needs at least one operand");
  // All operands in their common type first.
  const PromotionType type = ops::result_type(arrays);
  std::vector<Array> promoted;
  for (const Array& a : arrays) promoted.push_back(ops::convert_to(a, {type.dtype, false}));
  Parsed parsed = parse(subscripts, promoted);
  std::vector<Operand>& operands = parsed.operands;
  for (std::size_t i = 0; i < operands.size(); ++i) {
    if (compute) operands[i] = reduce(operands[i], needed_besides(operands, i, i, parsed.output));
  }
  Contraction out;
  auto size_of = [&](const std::string& labels) {
    double n = 1;
    for (char c : labels) n *= static_cast<double>(parsed.sizes.at(c));
    return n;
  };
  while (operands.size() > 1) {
    // The pair whose result is smallest (the first such pair on ties).
    std::size_t best_i = 0, best_j = 1;
    double best = -1;
    for (std::size_t i = 0; i < operands.size(); ++i) {
      for (std::size_t j = i + 1; j < operands.size(); ++j) {
        const double size =
            size_of(kept_labels(operands[i].labels, operands[j].labels, needed_besides(operands, i, j, parsed.output)));
        if (best < 0 || size < best) {
          best = size;
          best_i = i;
          best_j = j;
        }
      }
    }
    const std::string needed = needed_besides(operands, best_i, best_j, parsed.output);
    Operand result = compute ? contract(operands[best_i], operands[best_j], needed)
                             : Operand{Array(), kept_labels(operands[best_i].labels, operands[best_j].labels, needed)};
    out.path.emplace_back(static_cast<int>(best_i), static_cast<int>(best_j));
    out.description += fmt::format("  {},{} -> {}  ({} elements)\n", operands[best_i].labels, operands[best_j].labels,
                                   result.labels, static_cast<std::int64_t>(best));
    operands.erase(operands.begin() + static_cast<std::ptrdiff_t>(best_j));
    operands.erase(operands.begin() + static_cast<std::ptrdiff_t>(best_i));
    operands.push_back(std::move(result));
  }
  if (compute) {
    Operand last = reduce(operands[0], parsed.output);
    std::vector<int> permutation;
    for (char c : parsed.output) permutation.push_back(static_cast<int>(last.labels.find(c)));
    last.value = lax::transpose(last.value, permutation);
    last.labels = parsed.output;
    out.result = last;
  }
  out.description = fmt::format("einsum path for '{}' (greedy):\n", subscripts) + out.description;
  return out;
}

}  // namespace

Array einsum_function::operator()(const std::string& subscripts, const std::vector<Array>& operands, Loc loc) const {
  CallSite site(loc);
  return run(subscripts, operands, true).result.value;
}

EinsumPath einsum_path_function::operator()(const std::string& subscripts, const std::vector<Array>& operands,
                                            Loc loc) const {
  CallSite site(loc);
  Contraction c = run(subscripts, operands, false);
  return {c.path, c.description};
}

}  // namespace jx::numpy
