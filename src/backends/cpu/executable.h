// src/backends/cpu/executable.h — tier 0: a program planned once, then run many times.
//
// Building an Executable decides, once, where every value of the program lives:
//   - program inputs stay in the caller's buffers, constants and literals in the program's;
//   - values that are only a reinterpretation of another (a reshape) share its memory and cost nothing;
//   - program outputs are written straight into the buffers handed back to the caller;
//   - every other intermediate gets a range of one arena, reused by liveness (ArenaPlanner).
// and lowers every equation to a Kernel (jx/ir/kernel.h) working on raw buffers. A run then fills a
// table of addresses and calls the kernels in order: no shape inference, no allocation of intermediates.
//
// Inputs the caller donates (rvalue arguments of a jitted function whose buffer nobody else holds) are
// reused for an output of the same size when the plan shows it is safe — after the input's last read,
// or by the very elementwise kernel that reads it last — so `params = update(std::move(params), ...)`
// updates the parameters in place.
//
// An Executable is also a CompiledProgram, the form in which loop bodies and branches run inside
// another plan: raw buffers in and out, its arena inside the caller's scratch memory.
//
// Running is thread-safe: the arena of a run is its own (one cached arena is kept for the next run).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "jx/ir/kernel.h"
#include "jx/ir/program.h"

namespace jx::cpu {

// The program as an Executable runs it: calls of custom-derivative functions inlined (their equations
// then fuse with their neighbours: a ReLU with the bias add before it), products merged with their bias
// (bias_epilogue.h), and elementwise chains grouped (fusion.h).
Program prepare(Program program);

// Whether equation `e` (inputs of these types) only reinterprets input 0's memory (a reshape): the
// planner gives its output that memory and runs nothing.
bool is_reinterpretation(const Equation& e, std::span<const ArrayType> input_types);

struct ExecutableOptions {
  // Group elementwise chains into tile-by-tile fused steps (src/backends/cpu/fusion.h).
  bool fuse_elementwise = true;
};

class Executable final : public CompiledProgram {
 public:
  explicit Executable(Program program, ExecutableOptions options = {});
  ~Executable() override;
  Executable(const Executable&) = delete;
  Executable& operator=(const Executable&) = delete;

  // Runs on concrete arrays, which must outlive the call (jit points at its caller's own arrays rather
  // than copying their handles). `donated[i]` marks inputs the caller owns and gives up: an input whose
  // array and buffer have no other owner may be overwritten and returned as an output (moved out).
  ArrayList run(std::span<const Array* const> inputs, std::span<const bool> donated = {}) const;
  ArrayList run(std::span<Array> inputs, std::span<const bool> donated = {}) const;

  // CompiledProgram: raw buffers of the program's input and output types.
  void run(const std::byte* const* inputs, std::byte* const* outputs, std::byte* scratch) const override;
  std::size_t scratch_bytes() const override { return block_bytes_; }

  // The program as planned (after fusion).
  const Program& program() const { return *program_; }
  // Frees the program, which the plan no longer needs (jit's cached executables keep only what runs
  // them); program() is empty afterwards.
  void discard_program();

  // What the plan looks like, for tests and benchmarks.
  struct Statistics {
    std::size_t arena_bytes = 0;         // the intermediates' arena (scratch of the kernels included)
    std::size_t intermediate_bytes = 0;  // the intermediates' bytes without reuse, for comparison
    int steps = 0;                       // kernels run per call
    int evaluated_steps = 0;             // of which run through a primitive's eager `evaluate`
    int fused_steps = 0;                 // of which run fused groups of elementwise equations
  };
  Statistics statistics() const { return statistics_; }

 private:
  ArrayList run_on_dense_copies(std::span<const Array* const> inputs, std::span<const bool> donated) const;
  // Where one value (a group of variables sharing memory) lives during a run.
  struct PlannedBuffer {
    enum class Kind : std::uint8_t { input, constant, output, arena };
    Kind kind;
    std::size_t index;  // input number, constant number, output number, or arena offset
    ArrayType type;     // of the variable that defines it
  };
  struct Step {
    Kernel kernel;
    std::uint32_t first_operand;  // into the operand table: inputs, then outputs
    std::uint16_t num_inputs;
    std::uint16_t num_outputs;
    std::size_t scratch_offset;  // into the arena
  };

  void plan();
  void execute(const std::byte* const* inputs, std::byte* const* outputs, std::byte* block) const;
  std::byte* acquire_block() const;
  void release_block(std::byte* block) const;

  std::unique_ptr<Program> program_;  // a pointer: most cached executables discard it
  std::size_t num_inputs_ = 0;
  std::vector<ArrayType> output_types_;
  std::vector<Array> constants_;  // contiguous: the program's constants, then its literals
  std::vector<PlannedBuffer> buffers_;
  std::vector<std::uint32_t> operand_buffer_;  // buffer of each step operand
  std::vector<Step> steps_;
  std::vector<std::string> step_names_;       // one per step, for profiler traces
  std::vector<std::uint32_t> output_buffer_;  // buffer holding each program output
  // Donation. An output may take over a donated input of its byte size that the program reads for the
  // last time before the output's defining step, or in that step by a kernel that works in place.
  // Inputs are kept in buckets by byte size, sorted by their last read, with the outputs of that size
  // sorted by their definition: matching the earliest-defined output first to the earliest-read input
  // takes over as many inputs as any matching can, in amortized constant time per output (a first
  // call over 100k leaves must not be quadratic).
  struct DonationRule {
    std::vector<std::uint32_t> in_place;  // inputs the defining kernel may overwrite as it reads them
    int defined_at = 0;                   // the defining equation: inputs last read before it qualify
  };
  struct DonationBucket {
    std::vector<std::uint32_t> inputs;  // sorted by last read
    std::vector<int> last_read;
    std::vector<std::uint32_t> outputs;  // sorted by their defining equation
  };
  std::vector<DonationRule> donation_rules_;   // per output
  std::vector<std::uint32_t> in_place_order_;  // outputs with in-place candidates, fewest first
  std::vector<DonationBucket> donation_buckets_;
  // The memory of a run: tables of buffer and operand addresses, then the arena.
  std::size_t operand_table_offset_ = 0;
  std::size_t arena_offset_ = 0;
  std::size_t block_bytes_ = 0;
  mutable std::atomic<std::byte*> spare_block_{nullptr};
  Statistics statistics_;
};

// Handles of a run's inputs owned by the caller of this: donated inputs (the run's caller's own)
// are moved, the others copied. For a run that must not depend on the inputs staying put.
ArrayList held_inputs(std::span<const Array* const> inputs, std::span<const bool> donated);

}  // namespace jx::cpu
