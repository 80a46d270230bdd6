// jx/numpy/vectorize.h: the signature parsed into core dimensions, the loop axes broadcast, and the body
// wrapped in one vmap per loop axis.
#include <fmt/format.h>

#include <map>

#include "jx/core/error.h"
#include "jx/numpy.h"
#include "jx/numpy/vectorize.h"
#include "jx/transforms/vmap.h"
#include "ops/promotion.h"

namespace jx::detail {
namespace {

// "(m,n),(n)->(m)" as the names of each input's core dimensions (and the output's).
struct Signature {
  std::vector<std::vector<std::string>> inputs;
  std::vector<std::string> output;
};

std::vector<std::vector<std::string>> parse_groups(std::string_view text, const std::string& whole) {
  std::vector<std::vector<std::string>> groups;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == ',' || text[i] == ' ') {
      ++i;
      continue;
    }
    if (text[i] != '(') throw ValueError("vectorize", fmt::format("not a valid gufunc signature: '{}'", whole));
    const std::size_t close = text.find(')', i);
    if (close == std::string_view::npos)
      throw ValueError("vectorize", fmt::format("not a valid gufunc signature: '{}'", whole));
    std::vector<std::string> names;
    std::string name;
    for (char c : text.substr(i + 1, close - i - 1)) {
      if (c == ',') {
        if (!name.empty()) names.push_back(name);
        name.clear();
      } else if (c != ' ') {
        name += c;
      }
    }
    if (!name.empty()) names.push_back(name);
    groups.push_back(names);
    i = close + 1;
  }
  return groups;
}

Signature parse_signature(const std::string& signature) {
  const std::size_t arrow = signature.find("->");
  if (arrow == std::string::npos)
    throw ValueError("vectorize", fmt::format("not a valid gufunc signature: '{}'", signature));
  Signature s;
  s.inputs = parse_groups(std::string_view(signature).substr(0, arrow), signature);
  const auto outputs = parse_groups(std::string_view(signature).substr(arrow + 2), signature);
  if (outputs.size() != 1) throw ValueError("vectorize", "jx's vectorize supports signatures with one output");
  s.output = outputs[0];
  return s;
}

}  // namespace

Array call_vectorized(const VectorizedBody& body, const std::vector<Array>& args,
                      const numpy::VectorizeOptions& options) {
  // The vectorized arguments and their core ranks.
  std::vector<std::size_t> mapped;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (!options.excluded.contains(static_cast<int>(i))) mapped.push_back(i);
  }
  std::vector<int> core_rank(args.size(), 0);
  std::map<std::string, std::int64_t> core_sizes;
  std::optional<Signature> signature;
  if (options.signature) {
    signature = parse_signature(*options.signature);
    if (signature->inputs.size() != mapped.size()) {
      throw ValueError("vectorize", fmt::format("signature '{}' has {} inputs, the call {} vectorized arguments",
                                                *options.signature, signature->inputs.size(), mapped.size()));
    }
    for (std::size_t k = 0; k < mapped.size(); ++k) {
      const Array& a = args[mapped[k]];
      const auto& names = signature->inputs[k];
      const int rank = static_cast<int>(names.size());
      if (a.ndim() < rank) {
        throw ShapeError("vectorize",
                         fmt::format("argument {} of shape {} has fewer axes than its core dimensions ({})", mapped[k],
                                     a.shape().to_string(), rank));
      }
      for (int d = 0; d < rank; ++d) {
        const std::int64_t n = a.shape()[a.ndim() - rank + d];
        auto [it, inserted] = core_sizes.emplace(names[static_cast<std::size_t>(d)], n);
        if (!inserted && it->second != n) {
          throw ShapeError("vectorize",
                           fmt::format("core dimension '{}' has sizes {} and {}", it->first, it->second, n));
        }
      }
      core_rank[mapped[k]] = rank;
    }
  }
  // The loop shape: the arguments' leading axes broadcast together.
  Shape loop;
  for (std::size_t i : mapped) {
    const Array& a = args[i];
    std::vector<std::int64_t> leading(a.shape().begin(), a.shape().end() - core_rank[i]);
    loop = ops::broadcast_shapes("vectorize", loop, Shape(leading));
  }
  std::vector<Array> broadcast = args;
  for (std::size_t i : mapped) {
    Shape full = loop;
    for (int d = args[i].ndim() - core_rank[i]; d < args[i].ndim(); ++d) full.push_back(args[i].shape()[d]);
    broadcast[i] = numpy::broadcast_to(args[i], full);
  }
  // One vmap per loop axis, over the vectorized arguments only (the excluded ones are captured).
  std::function<Array(const std::vector<Array>&)> mapped_body = [&](const std::vector<Array>& slices) {
    std::vector<Array> call = args;
    for (std::size_t k = 0; k < mapped.size(); ++k) call[mapped[k]] = slices[k];
    Array out = body(call);
    if (signature && out.ndim() != static_cast<int>(signature->output.size())) {
      throw ShapeError("vectorize", fmt::format("the function's result has rank {}, the signature says {}", out.ndim(),
                                                signature->output.size()));
    }
    return out;
  };
  for (int d = 0; d < loop.ndim(); ++d) mapped_body = vmap(mapped_body);
  std::vector<Array> loop_args;
  for (std::size_t i : mapped) loop_args.push_back(broadcast[i]);
  return mapped_body(loop_args);
}

}  // namespace jx::detail
