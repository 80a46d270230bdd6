// jx::cost_analysis (jx/ir/cost_analysis.h): the operation and byte counts of a planned program, by
// primitive kind. Primitives not named here (gathers, copies, random bits) count their bytes only.
#include "jx/ir/cost_analysis.h"

#include <memory>

#include "backends/cpu/bias_epilogue.h"
#include "backends/cpu/executable.h"
#include "ir/primitives/convolution.h"
#include "ir/primitives/elementwise.h"
#include "ir/primitives/fused.h"
#include "ir/primitives/linalg.h"
#include "ir/primitives/reduce_window.h"
#include "ir/primitives/reduction.h"
#include "jx/ir/program.h"

namespace jx {
namespace {

bool is_transcendental(UnaryOp op) {
  switch (op) {
    case UnaryOp::neg:
    case UnaryOp::abs:
    case UnaryOp::sign:
    case UnaryOp::floor:
    case UnaryOp::ceil:
    case UnaryOp::round:
    case UnaryOp::is_finite:
    case UnaryOp::not_:
    case UnaryOp::square:
    case UnaryOp::reciprocal:
      return false;
    default:
      return true;
  }
}

std::int64_t elements(const ArrayType& type) { return type.num_elements(); }

// Multiply-adds of a product: each output element sums over the contracted axes of lhs.
double product_flops(const ArrayType& lhs, const ArrayType& out, const std::vector<int>& lhs_contracting) {
  double contracted = 1;
  for (int axis : lhs_contracting) contracted *= static_cast<double>(lhs.shape[axis]);
  return 2.0 * static_cast<double>(elements(out)) * contracted;
}

// Each output element of a convolution sums over a kernel's input features and taps.
double convolution_flops(const primitives::ConvParams& p, const ArrayType& rhs, const ArrayType& out) {
  const std::int64_t out_features = rhs.shape[p.rhs_spec[0]];
  const double per_output =
      out_features == 0 ? 0.0 : static_cast<double>(elements(rhs)) / static_cast<double>(out_features);
  return 2.0 * static_cast<double>(elements(out)) * per_output;
}

// The operations of one equation (the bytes are counted by the caller, per planned step).
void count_operations(const Equation& e, const Program& p, CostAnalysis& cost) {
  if (e.outputs.empty()) return;  // an effect (a debug print, a check): it reads, and computes nothing
  const Primitive& primitive = *e.primitive;
  const ArrayType& out = p.types[static_cast<std::size_t>(e.outputs[0])];
  const auto n = static_cast<double>(elements(out));
  if (const auto* fused = dynamic_cast<const primitives::FusedElementwise*>(&primitive)) {
    for (const Equation& inner : fused->group().equations) count_operations(inner, fused->group(), cost);
  } else if (const auto* unary = dynamic_cast<const primitives::Unary*>(&primitive)) {
    (is_transcendental(unary->op()) ? cost.transcendentals : cost.flops) += n;
  } else if (const auto* binary = dynamic_cast<const primitives::Binary*>(&primitive)) {
    const bool transcendental = binary->op() == BinaryOp::pow || binary->op() == BinaryOp::atan2;
    (transcendental ? cost.transcendentals : cost.flops) += n;
  } else if (const auto* dot = dynamic_cast<const primitives::DotGeneral*>(&primitive)) {
    cost.flops += product_flops(p.type_of(e.inputs[0]), out, dot->dimensions().lhs_contracting);
  } else if (const auto* dot_bias = dynamic_cast<const cpu::DotGeneralBias*>(&primitive)) {
    cost.flops += product_flops(p.type_of(e.inputs[0]), out, dot_bias->dimensions().lhs_contracting) + n;
  } else if (const auto* conv = dynamic_cast<const primitives::ConvGeneralDilated*>(&primitive)) {
    cost.flops += convolution_flops(conv->parameters(), p.type_of(e.inputs[1]), out);
  } else if (const auto* conv_bias = dynamic_cast<const cpu::ConvolutionBias*>(&primitive)) {
    cost.flops += convolution_flops(conv_bias->parameters(), p.type_of(e.inputs[1]), out) + n;
  } else if (dynamic_cast<const primitives::Reduce*>(&primitive)) {
    cost.flops += static_cast<double>(elements(p.type_of(e.inputs[0])));
  } else if (const auto* window = dynamic_cast<const primitives::ReduceWindow*>(&primitive)) {
    double taps = 1;
    for (std::int64_t size : window->parameters().window_dimensions) taps *= static_cast<double>(size);
    cost.flops += n * taps;
  }
}

}  // namespace

CostAnalysis cost_analysis(const Program& program) {
  const Program p = cpu::prepare(program);  // the steps as they would run: calls inlined, groups fused
  CostAnalysis cost;
  std::vector<ArrayType> input_types;
  for (const Equation& e : p.equations) {
    input_types.clear();
    for (const Atom& a : e.inputs) input_types.push_back(p.type_of(a));
    if (cpu::is_reinterpretation(e, input_types)) continue;  // shares its input's memory: nothing runs
    count_operations(e, p, cost);
    for (const Atom& a : e.inputs) {
      if (!a.is_literal()) cost.bytes_accessed += static_cast<double>(p.type_of(a).num_bytes());
    }
    for (int v : e.outputs)
      cost.bytes_accessed += static_cast<double>(p.types[static_cast<std::size_t>(v)].num_bytes());
  }
  return cost;
}

}  // namespace jx
