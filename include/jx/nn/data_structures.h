// jx/nn/data_structures.h — Haiku's hk.data_structures: work on parameter and state trees by module and
// name. A structure is what init returns (jx/nn/transform.h): a dict from module paths to dicts from
// names to arrays. Each function returns a new structure (trees are values), walks entries in sorted
// order (module, then name) and leaves out modules left with no entries, as Haiku does.
//
//   namespace ds = jx::nn::data_structures;
//   auto [weights, rest] = ds::partition([](const std::string&, const std::string& name, const jx::Array&) {
//     return name == "w";
//   }, params);                                                  // {"linear": {"w"}}, {"linear": {"b"}}
//   jx::nn::Params same = ds::merge({weights, rest});            // the round trip
//   std::int64_t count = ds::tree_size(params);                  // elements over all leaves
//   std::int64_t bytes = ds::tree_bytes(params);                 // the same, times each dtype's size
//   for (const auto& [module, name, value] : ds::traverse(params)) std::cout << module << "/" << name << "\n";
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "jx/core/array.h"
#include "jx/nn/transform.h"
#include "jx/tree.h"

namespace jx::nn::data_structures {

// One entry of a structure: what traverse yields and what the callbacks below see.
struct Entry {
  std::string module_name;
  std::string name;
  Array value;
};

using Predicate = std::function<bool(const std::string& module_name, const std::string& name, const Array& value)>;
using Bucket = std::function<int(const std::string& module_name, const std::string& name, const Array& value)>;
using Mapper = std::function<Array(const std::string& module_name, const std::string& name, const Array& value)>;

// The entries in sorted order. A structure that is not a dict of dicts of arrays throws TreeError
// (here and in every function below).
std::vector<Entry> traverse(const Params& structure);

// (the entries the predicate accepts, the others).
std::pair<Params, Params> partition(const Predicate& predicate, const Params& structure);
// n structures, entry by entry in the one `bucket` names; a bucket outside [0, n) throws ValueError.
std::vector<Params> partition_n(const Bucket& bucket, const Params& structure, int n);
// The entries the predicate accepts.
Params filter(const Predicate& predicate, const Params& structure);
// Every entry replaced by fn(module_name, name, value).
Params map(const Mapper& fn, const Params& structure);
// One structure with every path of the given ones; a path in several takes the last one's value. With
// check_duplicates, a path whose arrays differ in shape or dtype throws ValueError.
Params merge(const std::vector<Params>& structures, bool check_duplicates = false);
// Whether every (module, name) of `subset` is in `superset` (vacuously true for no entries).
bool is_subset(const Params& subset, const Params& superset);

// Haiku's to_mutable_dict and to_haiku_dict: a structure as nested C++ maps, to edit in place, and back.
// (Trees are values already, so to_immutable_dict has nothing to do here: a const Params is immutable.)
using MutableDict = std::map<std::string, std::map<std::string, Array>>;
MutableDict to_mutable_dict(const Params& structure);
Params to_haiku_dict(const MutableDict& structure);

// The number of elements of all arrays in any pytree (a structure, gradients, optimizer state).
template <tree::Pytree T>
std::int64_t tree_size(const T& tree) {
  std::int64_t total = 0;
  for (const Array& leaf : jx::tree::leaves(tree)) total += leaf.size();
  return total;
}
// Their bytes: elements times each dtype's size (the least memory they take; devices may pad).
template <tree::Pytree T>
std::int64_t tree_bytes(const T& tree) {
  std::int64_t total = 0;
  for (const Array& leaf : jx::tree::leaves(tree)) total += leaf.nbytes();
  return total;
}

}  // namespace jx::nn::data_structures
