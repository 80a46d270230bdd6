// Haiku's hk.data_structures over parameter and state trees (jx/nn/data_structures.h).
#include "jx/nn/data_structures.h"

#include <fmt/format.h>

#include <set>

#include "jx/core/error.h"

namespace jx::nn::data_structures {
namespace {

// The entries of `structure` in sorted order (Tree dicts are std::maps, so walking them sorts).
std::vector<Entry> entries_of(const char* op, const Params& structure) {
  if (!structure.is_dict()) {
    throw TreeError(op, fmt::format("needs a dict from module names to dicts of arrays (as init returns), got {}",
                                    structure.to_string()));
  }
  std::vector<Entry> entries;
  for (const auto& [module, bundle] : structure.as_dict()) {
    if (!bundle.is_dict()) throw TreeError(op, fmt::format("['{}'] is not a dict of arrays", module));
    for (const auto& [name, value] : bundle.as_dict()) {
      if (!value.is_array()) throw TreeError(op, fmt::format("['{}']['{}'] is not an array", module, name));
      entries.push_back({module, name, value.array()});
    }
  }
  return entries;
}

// A structure built up entry by entry: a module appears once it has one.
Params structure_of(const MutableDict& modules) {
  Params::Dict out;
  for (const auto& [module, arrays] : modules) {
    if (arrays.empty()) continue;
    Params::Dict bundle;
    for (const auto& [name, value] : arrays) bundle.emplace(name, Params(value));
    out.emplace(module, Params::dict(std::move(bundle)));
  }
  return Params::dict(std::move(out));
}

std::vector<Params> partition_into(const char* op, const Bucket& bucket, const Params& structure, int n) {
  if (n < 0) throw ValueError(op, fmt::format("needs a number of structures n >= 0, got {}", n));
  std::vector<MutableDict> buckets(static_cast<std::size_t>(n));
  for (const Entry& entry : entries_of(op, structure)) {
    const int index = bucket(entry.module_name, entry.name, entry.value);
    if (index < 0 || index >= n) {
      throw ValueError(op, fmt::format("the function put '{}/{}' in structure {}, which must be in [0, {})",
                                       entry.module_name, entry.name, index, n));
    }
    buckets[static_cast<std::size_t>(index)][entry.module_name][entry.name] = entry.value;
  }
  std::vector<Params> out;
  out.reserve(buckets.size());
  for (const MutableDict& modules : buckets) out.push_back(structure_of(modules));
  return out;
}

}  // namespace

std::vector<Entry> traverse(const Params& structure) { return entries_of("data_structures::traverse", structure); }

std::pair<Params, Params> partition(const Predicate& predicate, const Params& structure) {
  std::vector<Params> parts = partition_into(
      "data_structures::partition",
      [&](const std::string& module, const std::string& name, const Array& value) {
        return predicate(module, name, value) ? 0 : 1;
      },
      structure, 2);
  return {std::move(parts[0]), std::move(parts[1])};
}

std::vector<Params> partition_n(const Bucket& bucket, const Params& structure, int n) {
  return partition_into("data_structures::partition_n", bucket, structure, n);
}

Params filter(const Predicate& predicate, const Params& structure) {
  MutableDict kept;
  for (const Entry& entry : entries_of("data_structures::filter", structure)) {
    if (predicate(entry.module_name, entry.name, entry.value)) kept[entry.module_name][entry.name] = entry.value;
  }
  return structure_of(kept);
}

Params map(const Mapper& fn, const Params& structure) {
  MutableDict mapped;
  for (const Entry& entry : entries_of("data_structures::map", structure)) {
    mapped[entry.module_name][entry.name] = fn(entry.module_name, entry.name, entry.value);
  }
  return structure_of(mapped);
}

Params merge(const std::vector<Params>& structures, bool check_duplicates) {
  MutableDict merged;
  for (const Params& structure : structures) {
    for (const Entry& entry : entries_of("data_structures::merge", structure)) {
      auto& bundle = merged[entry.module_name];
      if (check_duplicates) {
        if (auto it = bundle.find(entry.name); it != bundle.end() && (it->second.shape() != entry.value.shape() ||
                                                                      it->second.dtype() != entry.value.dtype())) {
          throw ValueError(
              "data_structures::merge",
              fmt::format("Duplicate array found with different shape/dtype for {}.{}: {} vs {}.", entry.module_name,
                          entry.name, it->second.type().to_string(), entry.value.type().to_string()));
        }
      }
      bundle.insert_or_assign(entry.name, entry.value);
    }
  }
  return structure_of(merged);
}

bool is_subset(const Params& subset, const Params& superset) {
  std::set<std::pair<std::string, std::string>> available;
  for (const Entry& entry : entries_of("data_structures::is_subset", superset)) {
    available.emplace(entry.module_name, entry.name);
  }
  for (const Entry& entry : entries_of("data_structures::is_subset", subset)) {
    if (!available.contains({entry.module_name, entry.name})) return false;
  }
  return true;
}

MutableDict to_mutable_dict(const Params& structure) {
  MutableDict out;
  for (const Entry& entry : entries_of("data_structures::to_mutable_dict", structure)) {
    out[entry.module_name][entry.name] = entry.value;
  }
  return out;
}

Params to_haiku_dict(const MutableDict& structure) { return structure_of(structure); }

}  // namespace jx::nn::data_structures
