// bench_kernels — every elementwise run kernel on data in L1, on one thread, against memcpy of the
// same bytes: the check that each contiguous loop is vectorized (a scalar loop shows up as a ratio
// of a few percent) and that the transcendentals go through SLEEF. Figures are GB/s of bytes read +
// written for 4096-element runs; ratio = kernel / memcpy, the median of paired batches.
//
//   cmake --build build/default --target bench_kernels && build/default/bench/bench_kernels [float32|float64|int32]
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "backends/cpu/kernels.h"
#include "harness.h"

using jx::BinaryOp;
using jx::DType;
using jx::UnaryOp;
using jx::bench::compare;
using jx::bench::do_not_optimize;
using jx::bench::Row;
using jx::bench::Table;

namespace {

constexpr std::int64_t kRun = 4096;

const char* const kUnaryNames[] = {"neg",      "abs",  "sign",   "floor",      "ceil",   "round", "is_finite", "not",
                                   "exp",      "exp2", "expm1",  "log",        "log1p",  "log2",  "log10",     "sqrt",
                                   "rsqrt",    "cbrt", "square", "reciprocal", "sin",    "cos",   "tan",       "asin",
                                   "acos",     "atan", "sinh",   "cosh",       "tanh",   "asinh", "acosh",     "atanh",
                                   "logistic", "erf",  "erfc",   "erf_inv",    "lgamma", "real",  "imag",      "conj"};
static_assert(std::size(kUnaryNames) == static_cast<std::size_t>(UnaryOp::kCount));

const char* const kBinaryNames[] = {"add",
                                    "sub",
                                    "mul",
                                    "div",
                                    "rem",
                                    "pow",
                                    "max",
                                    "min",
                                    "atan2",
                                    "nextafter",
                                    "and",
                                    "or",
                                    "xor",
                                    "shift_left",
                                    "shift_right_logical",
                                    "shift_right_arithmetic",
                                    "eq",
                                    "ne",
                                    "lt",
                                    "le",
                                    "gt",
                                    "ge",
                                    "complex"};
static_assert(std::size(kBinaryNames) == static_cast<std::size_t>(BinaryOp::kCount));

bool is_float(DType d) { return d == DType::float32 || d == DType::float64; }

bool defined_for(UnaryOp op, DType dtype) {
  const bool complex_only = op == UnaryOp::real || op == UnaryOp::imag || op == UnaryOp::conj;
  if (is_float(dtype)) return op != UnaryOp::not_ && !complex_only;
  switch (op) {
    case UnaryOp::neg:
    case UnaryOp::abs:
    case UnaryOp::sign:
    case UnaryOp::not_:
    case UnaryOp::square:
    case UnaryOp::is_finite:
      return true;
    default:
      return false;
  }
}

bool defined_for(BinaryOp op, DType dtype) {
  const bool bitwise = op == BinaryOp::and_ || op == BinaryOp::or_ || op == BinaryOp::xor_ ||
                       op == BinaryOp::shift_left || op == BinaryOp::shift_right_logical ||
                       op == BinaryOp::shift_right_arithmetic;
  if (op == BinaryOp::complex) return false;  // its output is complex: bench/complex_bench.cpp
  if (is_float(dtype)) return !bitwise;
  return op != BinaryOp::atan2 && op != BinaryOp::nextafter;
}

// Inputs in (0.1, 0.9) for floats, in the domain of every function here; small positive integers
// (no division by zero, no shift past the width) for int32.
std::vector<std::byte> inputs(DType dtype, unsigned salt) {
  std::vector<std::byte> bytes(kRun * jx::itemsize(dtype));
  for (std::int64_t i = 0; i < kRun; ++i) {
    const double v = 0.1 + 0.8 * static_cast<double>((i * 7919 + salt * 104729) % kRun) / kRun;
    if (dtype == DType::float32) {
      reinterpret_cast<float*>(bytes.data())[i] = static_cast<float>(v);
    } else if (dtype == DType::float64) {
      reinterpret_cast<double*>(bytes.data())[i] = v;
    } else {
      reinterpret_cast<std::int32_t*>(bytes.data())[i] = 1 + static_cast<std::int32_t>(v * 20);
    }
  }
  return bytes;
}

template <class Kernel>
void kernel_row(Table& table, const std::string& name, double bytes, const Kernel& kernel) {
  std::vector<std::byte> source(static_cast<std::size_t>(bytes / 2)), destination(source.size());
  const auto c = compare(kernel,
                         [&] {
                           std::memcpy(destination.data(), source.data(), source.size());
                           do_not_optimize(destination.data());
                         },
                         {.min_time = 0.05, .sample_time = 0.005, .min_samples = 5});
  table.row({.name = name,
             .value = bytes / c.candidate.median / 1e9,
             .unit = "GB/s",
             .baseline_name = "memcpy, same bytes",
             .baseline = bytes / c.baseline.median / 1e9,
             .target = "",
             .met = std::nullopt,
             .ratio = 1 / c.time_ratio});
}

void bench_dtype(DType dtype, const char* dtype_name) {
  const std::size_t size = jx::itemsize(dtype);
  const auto a = inputs(dtype, 1), b = inputs(dtype, 2);
  std::vector<std::byte> out(kRun * 8);
  Table table(std::string("run kernels, ") + dtype_name + " x 4096 in L1, 1 thread (GB/s read + written)");
  for (int k = 0; k < static_cast<int>(UnaryOp::kCount); ++k) {
    const auto op = static_cast<UnaryOp>(k);
    if (!defined_for(op, dtype)) continue;
    const double bytes = static_cast<double>(kRun) * static_cast<double>(size + (op == UnaryOp::is_finite ? 1 : size));
    kernel_row(table, kUnaryNames[k], bytes, [&] {
      jx::cpu::unary_run(op, dtype, a.data(), out.data(), kRun);
      do_not_optimize(out.data());
    });
  }
  for (int k = 0; k < static_cast<int>(BinaryOp::kCount); ++k) {
    const auto op = static_cast<BinaryOp>(k);
    if (!defined_for(op, dtype)) continue;
    const double bytes = static_cast<double>(kRun) * static_cast<double>(2 * size + (jx::is_comparison(op) ? 1 : size));
    kernel_row(table, kBinaryNames[k], bytes, [&] {
      jx::cpu::binary_run(op, dtype, a.data(), 1, b.data(), 1, out.data(), kRun);
      do_not_optimize(out.data());
    });
  }
  kernel_row(table, std::string("convert to ") + (dtype == DType::int32 ? "float32" : "int32"),
             static_cast<double>(kRun) * static_cast<double>(size + 4), [&] {
               jx::cpu::convert_run(dtype, dtype == DType::int32 ? DType::float32 : DType::int32, a.data(), out.data(),
                                    kRun);
               do_not_optimize(out.data());
             });
}

}  // namespace

int main(int argc, char** argv) {
  const std::string only = argc > 1 ? argv[1] : "";
  if (only.empty() || only == "float32") bench_dtype(DType::float32, "float32");
  if (only.empty() || only == "float64") bench_dtype(DType::float64, "float64");
  if (only.empty() || only == "int32") bench_dtype(DType::int32, "int32");
  return 0;
}
