// The decomposition primitives' shape rules, evaluation (LAPACK through backends/cpu/lapack.h) and
// batching; their derivatives are in decomposition_derivatives.cpp.
#include "ir/primitives/decompositions.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <numeric>

#include "backends/cpu/kernels.h"
#include "backends/cpu/lapack.h"
#include "core/array_impl.h"
#include "ir/primitives/rules.h"
#include "jx/core/error.h"
#include "trace/trace.h"

namespace jx::primitives {

namespace matrix {

std::int64_t batch_count(const ArrayType& x) {
  std::int64_t count = 1;
  for (int d = 0; d < x.ndim() - 2; ++d) count *= x.shape[d];
  return count;
}

void check_inexact_matrices(std::string_view op, const ArrayType& x, std::string_view what) {
  if (!is_inexact(x.dtype)) {
    throw DTypeError(std::string(op),
                     fmt::format("{} must be float32, float64, complex64 or complex128, got {}", what, x.to_string()));
  }
  if (x.dtype != DType::float32 && x.dtype != DType::float64 && !is_complex(x.dtype)) {
    throw DTypeError(std::string(op), fmt::format("LAPACK has no {} routines ({} is {}); convert to float32 first",
                                                  dtype_name(x.dtype), what, x.to_string()));
  }
  if (x.ndim() < 2) {
    throw ShapeError(std::string(op), fmt::format("{} must have shape (..., m, n), got {}", what, x.to_string()));
  }
}

Shape batch_shape_with(const ArrayType& x, std::initializer_list<std::int64_t> tail) {
  Shape shape(x.shape.begin(), x.shape.end() - 2);
  for (std::int64_t dim : tail) shape.push_back(dim);
  return shape;
}

}  // namespace matrix

namespace {

using matrix::batch_count;
using matrix::cols;
using matrix::rows;

void check_square(std::string_view op, const ArrayType& x) {
  matrix::check_inexact_matrices(op, x, "the matrix");
  if (rows(x) != cols(x)) {
    throw ShapeError(std::string(op), fmt::format("expects square matrices (..., n, n), got {}", x.to_string()));
  }
}

const std::byte* data_of(const Array& dense) { return concrete(dense).data(); }

// Every input moved (or broadcast) to a leading batch axis, the primitive bound once, every output
// batched at axis 0: the decompositions treat leading axes as a stack already.
BatchResult batch_stacked(const Primitive& p, std::span<const Array> inputs, std::span<const int> axes) {
  const std::int64_t size = rules::batch_size(inputs, axes);
  ArrayList stacked;
  for (std::size_t i = 0; i < inputs.size(); ++i) stacked.push_back(rules::batched_at_front(inputs[i], axes[i], size));
  ArrayList outputs = jx::bind(p, stacked);
  return {outputs, std::vector<int>(outputs.size(), 0)};
}

void pivots_to_permutation(const std::int32_t* pivots, std::int64_t k, std::int64_t size, std::int32_t* permutation) {
  std::iota(permutation, permutation + size, 0);
  for (std::int64_t i = 0; i < k; ++i) {
    const std::int32_t j = pivots[i];
    if (j >= 0 && j < size) std::swap(permutation[i], permutation[j]);
  }
}

}  // namespace

// --- lu ------------------------------------------------------------------------------------------------

TypeList Lu::infer(std::span<const ArrayType> inputs) const {
  const ArrayType& x = inputs[0];
  matrix::check_inexact_matrices(name(), x, "the matrix");
  const std::int64_t k = std::min(rows(x), cols(x));
  Shape pivots(x.shape.begin(), x.shape.end() - 2), permutation = pivots;
  pivots.push_back(k);
  permutation.push_back(rows(x));
  return {ArrayType{x.shape, x.dtype}, ArrayType{pivots, DType::int32}, ArrayType{permutation, DType::int32}};
}

ArrayList Lu::evaluate(std::span<const Array> inputs) const {
  const TypeList types = infer(std::array{inputs[0].type()});
  const ArrayType& x = types[0];
  const Array dense = cpu::contiguous(inputs[0]);
  auto lu = allocate_array(x);
  auto pivots = allocate_array(types[1]);
  auto permutation = allocate_array(types[2]);
  const std::int64_t batch = batch_count(x), m = rows(x), n = cols(x), k = std::min(m, n);
  auto* pivot_data = reinterpret_cast<std::int32_t*>(pivots->data());
  cpu::lu_factor(x.dtype, batch, m, n, data_of(dense), lu->data(), pivot_data);
  auto* permutation_data = reinterpret_cast<std::int32_t*>(permutation->data());
  for (std::int64_t b = 0; b < batch; ++b) {
    pivots_to_permutation(pivot_data + b * k, k, m, permutation_data + b * m);
  }
  return {wrap(std::move(lu)), wrap(std::move(pivots)), wrap(std::move(permutation))};
}

BatchResult Lu::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  return batch_stacked(*this, inputs, axes);
}

// --- lu_pivots_to_permutation -------------------------------------------------------------------------

TypeList LuPivotsToPermutation::infer(std::span<const ArrayType> inputs) const {
  const ArrayType& pivots = inputs[0];
  if (pivots.dtype != DType::int32) {
    throw DTypeError(std::string(name()), fmt::format("pivots must be int32, got {}", pivots.to_string()));
  }
  if (pivots.ndim() < 1) {
    throw ShapeError(std::string(name()), fmt::format("pivots must have shape (..., k), got {}", pivots.to_string()));
  }
  if (pivots.shape[pivots.ndim() - 1] > permutation_size_) {
    throw ShapeError(std::string(name()), fmt::format("permutation_size {} is smaller than the number of pivots in {}",
                                                      permutation_size_, pivots.to_string()));
  }
  Shape shape = pivots.shape;
  shape[shape.ndim() - 1] = permutation_size_;
  return {ArrayType{shape, DType::int32}};
}

ArrayList LuPivotsToPermutation::evaluate(std::span<const Array> inputs) const {
  const ArrayType type = infer(std::array{inputs[0].type()})[0];
  const Array dense = cpu::contiguous(inputs[0]);
  auto out = allocate_array(type);
  const std::int64_t k = inputs[0].shape()[inputs[0].ndim() - 1];
  const std::int64_t count =
      k == 0 ? type.shape.num_elements() / std::max<std::int64_t>(permutation_size_, 1) : inputs[0].size() / k;
  const auto* pivots = reinterpret_cast<const std::int32_t*>(data_of(dense));
  auto* permutation = reinterpret_cast<std::int32_t*>(out->data());
  for (std::int64_t b = 0; b < count; ++b) {
    pivots_to_permutation(pivots + b * k, k, permutation_size_, permutation + b * permutation_size_);
  }
  return {wrap(std::move(out))};
}

BatchResult LuPivotsToPermutation::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  return batch_stacked(*this, inputs, axes);
}

// --- inverse -------------------------------------------------------------------------------------------

TypeList Inverse::infer(std::span<const ArrayType> inputs) const {
  check_square(name(), inputs[0]);
  return {inputs[0]};
}

ArrayList Inverse::evaluate(std::span<const Array> inputs) const {
  const ArrayType type = infer(std::array{inputs[0].type()})[0];
  const Array dense = cpu::contiguous(inputs[0]);
  auto out = allocate_array(type);
  cpu::inverse(type.dtype, batch_count(type), rows(type), data_of(dense), out->data());
  return {wrap(std::move(out))};
}

BatchResult Inverse::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  return batch_stacked(*this, inputs, axes);
}

// --- solve, det, slogdet --------------------------------------------------------------------------------

TypeList Solve::infer(std::span<const ArrayType> inputs) const {
  const ArrayType &a = inputs[0], &b = inputs[1];
  check_square(name(), a);
  matrix::check_inexact_matrices(name(), b, "the right-hand side");
  if (b.dtype != a.dtype || b.ndim() != a.ndim() || rows(b) != rows(a) ||
      !std::equal(a.shape.begin(), a.shape.end() - 2, b.shape.begin())) {
    throw ShapeError(
        std::string(name()),
        fmt::format("b must be (..., n, k) with a's batch shape and dtype; a {}, b {}", a.to_string(), b.to_string()));
  }
  return {b};
}

ArrayList Solve::evaluate(std::span<const Array> inputs) const {
  const ArrayType type = infer(std::array{inputs[0].type(), inputs[1].type()})[0];
  const Array a = cpu::contiguous(inputs[0]), b = cpu::contiguous(inputs[1]);
  auto x = allocate_array(type);
  cpu::solve(type.dtype, batch_count(type), rows(type), cols(type), data_of(a), data_of(b), x->data());
  return {wrap(std::move(x))};
}

BatchResult Solve::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  return batch_stacked(*this, inputs, axes);
}

TypeList Determinant::infer(std::span<const ArrayType> inputs) const {
  const ArrayType& a = inputs[0];
  check_square(name(), a);
  const Shape batch(a.shape.begin(), a.shape.end() - 2);
  if (!log_) return {ArrayType{batch, a.dtype}};
  return {ArrayType{batch, a.dtype}, ArrayType{batch, real_dtype(a.dtype)}};
}

ArrayList Determinant::evaluate(std::span<const Array> inputs) const {
  const TypeList types = infer(std::array{inputs[0].type()});
  const ArrayType& a = inputs[0].type();
  const Array dense = cpu::contiguous(inputs[0]);
  auto value = allocate_array(types[0]);
  if (!log_) {
    cpu::determinant(a.dtype, batch_count(a), rows(a), data_of(dense), value->data());
    return {wrap(std::move(value))};
  }
  auto logabsdet = allocate_array(types[1]);
  cpu::log_determinant(a.dtype, batch_count(a), rows(a), data_of(dense), value->data(), logabsdet->data());
  return {wrap(std::move(value)), wrap(std::move(logabsdet))};
}

BatchResult Determinant::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  return batch_stacked(*this, inputs, axes);
}

// --- qr, geqrf, householder_product ---------------------------------------------------------------------

TypeList Qr::infer(std::span<const ArrayType> inputs) const {
  const ArrayType& x = inputs[0];
  matrix::check_inexact_matrices(name(), x, "the matrix");
  const std::int64_t m = rows(x), n = cols(x), k = std::min(m, n);
  const std::int64_t q_columns = full_matrices_ ? m : k;
  return {ArrayType{matrix::batch_shape_with(x, {m, q_columns}), x.dtype},
          ArrayType{matrix::batch_shape_with(x, {q_columns, n}), x.dtype}};
}

ArrayList Qr::evaluate(std::span<const Array> inputs) const {
  const TypeList types = infer(std::array{inputs[0].type()});
  const ArrayType x = inputs[0].type();
  const Array dense = cpu::contiguous(inputs[0]);
  auto q = allocate_array(types[0]);
  auto r = allocate_array(types[1]);
  cpu::qr(x.dtype, batch_count(x), rows(x), cols(x), cols(types[0]), data_of(dense), q->data(), r->data());
  return {wrap(std::move(q)), wrap(std::move(r))};
}

BatchResult Qr::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  return batch_stacked(*this, inputs, axes);
}

TypeList Geqrf::infer(std::span<const ArrayType> inputs) const {
  const ArrayType& x = inputs[0];
  matrix::check_inexact_matrices(name(), x, "the matrix");
  Shape taus(x.shape.begin(), x.shape.end() - 2);
  taus.push_back(std::min(rows(x), cols(x)));
  return {ArrayType{x.shape, x.dtype}, ArrayType{taus, x.dtype}};
}

ArrayList Geqrf::evaluate(std::span<const Array> inputs) const {
  const TypeList types = infer(std::array{inputs[0].type()});
  const ArrayType& x = types[0];
  const Array dense = cpu::contiguous(inputs[0]);
  auto reflectors = allocate_array(types[0]);
  auto taus = allocate_array(types[1]);
  cpu::householder_qr(x.dtype, batch_count(x), rows(x), cols(x), data_of(dense), reflectors->data(), taus->data());
  return {wrap(std::move(reflectors)), wrap(std::move(taus))};
}

BatchResult Geqrf::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  return batch_stacked(*this, inputs, axes);
}

TypeList HouseholderProduct::infer(std::span<const ArrayType> inputs) const {
  const ArrayType& a = inputs[0];
  const ArrayType& taus = inputs[1];
  matrix::check_inexact_matrices(name(), a, "a");
  auto fail = [&](std::string_view why) {
    throw ShapeError(std::string(name()), fmt::format("{} (a {}, taus {})", why, a.to_string(), taus.to_string()));
  };
  if (taus.dtype != a.dtype) fail("a and taus must have the same dtype");
  if (taus.ndim() != a.ndim() - 1 || !std::equal(a.shape.begin(), a.shape.end() - 2, taus.shape.begin())) {
    fail("taus must have shape (..., k) with a's batch dimensions");
  }
  if (rows(a) < cols(a)) fail("a must have at least as many rows as columns");
  if (taus.shape[taus.ndim() - 1] > cols(a)) fail("taus must have at most as many entries as a has columns");
  return {ArrayType{a.shape, a.dtype}};
}

ArrayList HouseholderProduct::evaluate(std::span<const Array> inputs) const {
  const ArrayType type = infer(std::array{inputs[0].type(), inputs[1].type()})[0];
  const Array a = cpu::contiguous(inputs[0]);
  const Array taus = cpu::contiguous(inputs[1]);
  auto q = allocate_array(type);
  cpu::householder_product(type.dtype, batch_count(type), rows(type), cols(type),
                           inputs[1].shape()[inputs[1].ndim() - 1], cols(type), data_of(a), data_of(taus), q->data());
  return {wrap(std::move(q))};
}

BatchResult HouseholderProduct::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  return batch_stacked(*this, inputs, axes);
}

// --- eigh, svd, eig, schur ------------------------------------------------------------------------------

TypeList Eigh::infer(std::span<const ArrayType> inputs) const {
  const ArrayType& x = inputs[0];
  check_square(name(), x);
  Shape values(x.shape.begin(), x.shape.end() - 1);
  return {ArrayType{x.shape, x.dtype}, ArrayType{values, real_dtype(x.dtype)}};
}

ArrayList Eigh::evaluate(std::span<const Array> inputs) const {
  const TypeList types = infer(std::array{inputs[0].type()});
  const ArrayType& x = types[0];
  const Array dense = cpu::contiguous(inputs[0]);
  auto v = allocate_array(types[0]);
  auto w = allocate_array(types[1]);
  cpu::eigh(x.dtype, batch_count(x), rows(x), lower_, data_of(dense), v->data(), w->data());
  return {wrap(std::move(v)), wrap(std::move(w))};
}

BatchResult Eigh::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  return batch_stacked(*this, inputs, axes);
}

TypeList Svd::infer(std::span<const ArrayType> inputs) const {
  const ArrayType& x = inputs[0];
  matrix::check_inexact_matrices(name(), x, "the matrix");
  const std::int64_t m = rows(x), n = cols(x), k = std::min(m, n);
  Shape values(x.shape.begin(), x.shape.end() - 2);
  values.push_back(k);
  TypeList types{ArrayType{values, real_dtype(x.dtype)}};
  if (compute_uv_) {
    types.push_back(ArrayType{matrix::batch_shape_with(x, {m, full_matrices_ ? m : k}), x.dtype});
    types.push_back(ArrayType{matrix::batch_shape_with(x, {full_matrices_ ? n : k, n}), x.dtype});
  }
  return types;
}

ArrayList Svd::evaluate(std::span<const Array> inputs) const {
  const TypeList types = infer(std::array{inputs[0].type()});
  const ArrayType x = inputs[0].type();
  const Array dense = cpu::contiguous(inputs[0]);
  ArrayList outputs;
  std::vector<std::shared_ptr<ConcreteArray>> buffers;
  for (const ArrayType& type : types) buffers.push_back(allocate_array(type));
  cpu::svd(x.dtype, batch_count(x), rows(x), cols(x), full_matrices_, compute_uv_, data_of(dense), buffers[0]->data(),
           compute_uv_ ? buffers[1]->data() : nullptr, compute_uv_ ? buffers[2]->data() : nullptr);
  for (auto& buffer : buffers) outputs.push_back(wrap(std::move(buffer)));
  return outputs;
}

BatchResult Svd::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  return batch_stacked(*this, inputs, axes);
}

TypeList Eig::infer(std::span<const ArrayType> inputs) const {
  const ArrayType& x = inputs[0];
  check_square(name(), x);
  const DType complex = complex_dtype(x.dtype);
  Shape values(x.shape.begin(), x.shape.end() - 1);
  TypeList types{ArrayType{values, complex}};
  if (compute_left_) types.push_back(ArrayType{x.shape, complex});
  if (compute_right_) types.push_back(ArrayType{x.shape, complex});
  return types;
}

ArrayList Eig::evaluate(std::span<const Array> inputs) const {
  const TypeList types = infer(std::array{inputs[0].type()});
  const ArrayType x = inputs[0].type();
  const Array dense = cpu::contiguous(inputs[0]);
  std::vector<std::shared_ptr<ConcreteArray>> buffers;
  for (const ArrayType& type : types) buffers.push_back(allocate_array(type));
  std::byte* left = compute_left_ ? buffers[1]->data() : nullptr;
  std::byte* right = compute_right_ ? buffers.back()->data() : nullptr;
  cpu::eig(x.dtype, batch_count(x), rows(x), data_of(dense), buffers[0]->data(), left, right);
  ArrayList outputs;
  for (auto& buffer : buffers) outputs.push_back(wrap(std::move(buffer)));
  return outputs;
}

BatchResult Eig::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  return batch_stacked(*this, inputs, axes);
}

TypeList Schur::infer(std::span<const ArrayType> inputs) const {
  check_square(name(), inputs[0]);
  return {inputs[0], inputs[0]};
}

ArrayList Schur::evaluate(std::span<const Array> inputs) const {
  const ArrayType x = infer(std::array{inputs[0].type()})[0];
  const Array dense = cpu::contiguous(inputs[0]);
  auto t = allocate_array(x);
  auto z = allocate_array(x);
  cpu::schur(x.dtype, batch_count(x), rows(x), data_of(dense), t->data(), z->data());
  return {wrap(std::move(t)), wrap(std::move(z))};
}

BatchResult Schur::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  return batch_stacked(*this, inputs, axes);
}

// --- tridiagonal_solve ----------------------------------------------------------------------------------

TypeList TridiagonalSolve::infer(std::span<const ArrayType> inputs) const {
  const ArrayType& b = inputs[3];
  matrix::check_inexact_matrices(name(), b, "b");
  auto fail = [&](std::string_view why) {
    throw ShapeError(std::string(name()), fmt::format("{} (dl {}, d {}, du {}, b {})", why, inputs[0].to_string(),
                                                      inputs[1].to_string(), inputs[2].to_string(), b.to_string()));
  };
  for (int i = 0; i < 3; ++i) {
    const ArrayType& diagonal = inputs[static_cast<std::size_t>(i)];
    if (diagonal.dtype != b.dtype) fail("the diagonals and b must have the same dtype");
    if (diagonal.ndim() != b.ndim() - 1 || !std::equal(diagonal.shape.begin(), diagonal.shape.end(), b.shape.begin())) {
      fail("the diagonals must have shape (..., m) for b of shape (..., m, n)");
    }
  }
  return {ArrayType{b.shape, b.dtype}};
}

ArrayList TridiagonalSolve::evaluate(std::span<const Array> inputs) const {
  const ArrayType type = infer(std::array{inputs[0].type(), inputs[1].type(), inputs[2].type(), inputs[3].type()})[0];
  const Array dl = cpu::contiguous(inputs[0]), d = cpu::contiguous(inputs[1]), du = cpu::contiguous(inputs[2]);
  auto x = allocate_array(type);
  cpu::copy_to(concrete(inputs[3]), x->data());
  cpu::tridiagonal_solve(type.dtype, batch_count(type), rows(type), cols(type), data_of(dl), data_of(d), data_of(du),
                         x->data());
  return {wrap(std::move(x))};
}

BatchResult TridiagonalSolve::batch(std::span<const Array> inputs, std::span<const int> axes) const {
  return batch_stacked(*this, inputs, axes);
}

}  // namespace jx::primitives
