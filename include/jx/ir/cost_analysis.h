// jx/ir/cost_analysis.h — what running a program costs, counted as JAX's compiled.cost_analysis()
// (XLA's HloCostAnalysis) counts it, on the program as the CPU backend plans it (fusions included):
//
//   const jx::CostAnalysis cost = jx::jit(step).cost_analysis(params, x, y);
//   std::printf("%.3g GFLOP, %.3g MB per call\n", cost.flops * 1e-9, cost.bytes_accessed * 1e-6);
//
// flops: one per element of each elementwise arithmetic operation and reduction step, 2 per
// multiply-add of a product or convolution; transcendentals: one per element of exp, log, sqrt, tanh,
// pow, erf and their kin (not counted in flops); bytes_accessed: what each planned step reads and
// writes (a fused group counts its inputs and outputs only; reshapes cost nothing).
#pragma once

namespace jx {

class Program;

struct CostAnalysis {
  double flops = 0;
  double transcendentals = 0;
  double bytes_accessed = 0;
};

CostAnalysis cost_analysis(const Program& program);

}  // namespace jx
