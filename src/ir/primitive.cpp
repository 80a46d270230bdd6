#include "jx/ir/primitive.h"

#include <fmt/format.h>

#include <functional>
#include <ostream>

#include "ir/primitives/rules.h"
#include "jx/core/error.h"

namespace jx {

ArrayList Primitive::jvp(std::span<const Array> /*primals*/, std::span<const Array> /*tangents*/,
                         std::span<const Array> /*outputs*/) const {
  throw TypeError(std::string(name()), fmt::format("'{}' is not differentiable (it has no jvp rule)", name()));
}

std::pair<ArrayList, ArrayList> Primitive::jvp_with_primals(std::span<const Array> /*primals*/,
                                                            std::span<const Array> /*tangents*/) const {
  throw TypeError(std::string(name()),
                  fmt::format("'{}' declares jvp_computes_primals but has no jvp_with_primals", name()));
}

ArrayList Primitive::transpose(std::span<const Array> /*cotangents*/, std::span<const Array> /*inputs*/,
                               std::span<const ArrayType> /*types*/) const {
  throw TypeError(std::string(name()),
                  fmt::format("'{}' is not linear in its inputs, so reverse mode cannot transpose it", name()));
}

BatchResult Primitive::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  // Elementwise primitives all batch the same way.
  if (is_elementwise()) return rules::batch_elementwise(*this, inputs, axes);
  throw TypeError(std::string(name()), fmt::format("'{}' has no batching rule (vmap)", name()));
}

Kernel Primitive::lower(const LoweringContext& /*context*/) const { return {}; }

namespace detail {

void print_param_value(std::ostream& os, bool v) { os << (v ? "True" : "False"); }
void print_param_value(std::ostream& os, int v) { os << v; }
void print_param_value(std::ostream& os, std::int64_t v) { os << v; }
void print_param_value(std::ostream& os, double v) { os << v; }
void print_param_value(std::ostream& os, DType v) { os << dtype_name(v); }
void print_param_value(std::ostream& os, const Shape& v) { os << v.to_string(); }
void print_param_value(std::ostream& os, const Axes& v) {
  os << "(";
  for (int i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
  os << (v.size() == 1 ? ",)" : ")");
}
void print_param_value(std::ostream& os, const std::vector<int>& v) {
  os << "(";
  for (std::size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
  os << (v.size() == 1 ? ",)" : ")");
}
void print_param_value(std::ostream& os, const std::vector<std::int64_t>& v) {
  os << "(";
  for (std::size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
  os << (v.size() == 1 ? ",)" : ")");
}
void print_param_value(std::ostream& os, const std::string& v) { os << v; }

std::size_t hash_param_value(bool v) { return v ? 1 : 2; }
std::size_t hash_param_value(int v) { return std::hash<int>{}(v); }
std::size_t hash_param_value(std::int64_t v) { return std::hash<std::int64_t>{}(v); }
std::size_t hash_param_value(double v) { return std::hash<double>{}(v); }
std::size_t hash_param_value(DType v) { return static_cast<std::size_t>(v) + 7; }
std::size_t hash_param_value(const Shape& v) {
  std::size_t h = 17;
  for (std::int64_t d : v) h = h * 31 + std::hash<std::int64_t>{}(d);
  return h;
}
std::size_t hash_param_value(const Axes& v) {
  std::size_t h = 19;
  for (int a : v) h = h * 31 + std::hash<int>{}(a);
  return h;
}
std::size_t hash_param_value(const std::vector<int>& v) {
  std::size_t h = 23;
  for (int a : v) h = h * 31 + std::hash<int>{}(a);
  return h;
}
std::size_t hash_param_value(const std::vector<std::int64_t>& v) {
  std::size_t h = 29;
  for (std::int64_t a : v) h = h * 31 + std::hash<std::int64_t>{}(a);
  return h;
}
std::size_t hash_param_value(const std::string& v) { return std::hash<std::string>{}(v); }

}  // namespace detail
}  // namespace jx
