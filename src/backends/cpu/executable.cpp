#include "backends/cpu/executable.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <numeric>
#include <utility>

#include "backends/cpu/arena_planner.h"
#include "backends/cpu/bias_epilogue.h"
#include "backends/cpu/fusion.h"
#include "backends/cpu/kernels.h"
#include "backends/cpu/lowering.h"
#include "core/array_impl.h"
#include "core/buffer.h"
#include "core/subnormals.h"
#include "debug/profiler_events.h"
#include "ir/passes.h"
#include "jx/core/error.h"

namespace jx::cpu {
namespace {

constexpr std::size_t kPointer = sizeof(std::byte*);

std::size_t round_up(std::size_t bytes, std::size_t alignment) {
  return (bytes + alignment - 1) / alignment * alignment;
}

Array contiguous_copy(const Array& x) {
  const ConcreteArray& c = concrete(x);
  return c.is_contiguous() ? x : contiguous(x);
}

// The arrays of the top-level run in progress on this thread: fallback kernels hand a primitive the
// caller's own array where an operand is a program input or constant, so that what identifies an array
// (its buffer: the key-reuse checker tracks keys by it) is the same as in eager code.
struct RunArrays {
  std::span<const Array* const> inputs;
  std::span<const Array> constants;
};
thread_local const RunArrays* t_run_arrays = nullptr;

class RunArraysScope {
 public:
  explicit RunArraysScope(const RunArrays* arrays) : previous_(std::exchange(t_run_arrays, arrays)) {}
  ~RunArraysScope() { t_run_arrays = previous_; }
  RunArraysScope(const RunArraysScope&) = delete;
  RunArraysScope& operator=(const RunArraysScope&) = delete;

 private:
  const RunArrays* previous_;
};

// Where a fallback kernel's operand comes from.
struct OperandSource {
  enum class Kind : std::uint8_t { input, constant, other };
  Kind kind = Kind::other;
  std::size_t index = 0;
};

Array owned_copy(const ArrayType& type, const std::byte* data) {
  std::shared_ptr<ConcreteArray> copy = allocate_array(type);
  if (type.num_bytes() > 0) std::memcpy(copy->data(), data, type.num_bytes());
  return wrap(std::move(copy));
}

// The kernel of a primitive that does not lower itself: its eager `evaluate`, on arrays wrapping the
// planned buffers, with the results copied into the planned outputs.
Kernel evaluate_kernel(std::shared_ptr<const Primitive> primitive, std::vector<ArrayType> input_types,
                       std::vector<ArrayType> output_types, std::vector<OperandSource> sources) {
  return Kernel{[primitive = std::move(primitive), input_types = std::move(input_types),
                 output_types = std::move(output_types), sources = std::move(sources)](const KernelCall& call) {
    // A callback may keep what it is given, so effects get arrays of their own.
    const bool own_inputs = primitive->has_side_effects();
    ArrayList inputs;
    inputs.reserve(input_types.size());
    for (std::size_t i = 0; i < input_types.size(); ++i) {
      const ArrayType& type = input_types[i];
      const OperandSource& source = sources[i];
      if (t_run_arrays && source.kind != OperandSource::Kind::other) {
        const Array& original = source.kind == OperandSource::Kind::input ? *t_run_arrays->inputs[source.index]
                                                                          : t_run_arrays->constants[source.index];
        inputs.push_back(original.type() == type ? original : reinterpreted_array(concrete(original), type));
      } else if (own_inputs) {
        inputs.push_back(owned_copy(type, call.inputs[i]));
      } else {
        inputs.push_back(borrowed_array(type, const_cast<std::byte*>(call.inputs[i])));
      }
    }
    const ArrayList outputs = primitive->evaluate(inputs);
    for (std::size_t k = 0; k < output_types.size(); ++k) {
      if (output_types[k].num_bytes() > 0) copy_to(concrete(outputs[k]), call.outputs[k]);
    }
  }};
}

std::shared_ptr<const CompiledProgram> compile_body(const Program& body) {
  Program optimized = body;
  passes::optimize(optimized);
  return std::make_shared<const Executable>(std::move(optimized));
}

}  // namespace

Program prepare(Program program) {
  if (passes::inline_calls(program)) passes::optimize(program);
  return fuse_elementwise(fuse_bias_epilogues(program));
}

bool is_reinterpretation(const Equation& e, std::span<const ArrayType> input_types) {
  return e.outputs.size() == 1 && !e.inputs.empty() && !e.inputs[0].is_literal() &&
         e.primitive->reinterprets_input(input_types);
}

Executable::Executable(Program program, ExecutableOptions options)
    : program_(std::make_unique<Program>(options.fuse_elementwise ? prepare(std::move(program)) : std::move(program))) {
  plan();
}

Executable::~Executable() {
  if (std::byte* block = spare_block_.load()) allocator::deallocate(block, block_bytes_);
}

void Executable::plan() {
  const Program& p = *program_;
  const std::size_t num_vars = p.types.size();
  const std::size_t num_equations = p.equations.size();
  const auto type_of = [&](const Atom& a) -> const ArrayType& { return p.type_of(a); };

  // 1. Variables that share memory: a reinterpreting equation's output joins its input's group, named
  //    by the group's first variable (its root).
  std::vector<int> root(num_vars);
  std::iota(root.begin(), root.end(), 0);
  std::vector<bool> is_alias(num_equations, false);
  std::vector<std::vector<ArrayType>> input_types(num_equations), output_types(num_equations);
  for (std::size_t i = 0; i < num_equations; ++i) {
    const Equation& e = p.equations[i];
    for (const Atom& a : e.inputs) input_types[i].push_back(type_of(a));
    for (int v : e.outputs) output_types[i].push_back(p.types[static_cast<std::size_t>(v)]);
    if (is_reinterpretation(e, input_types[i])) {
      root[static_cast<std::size_t>(e.outputs[0])] = root[static_cast<std::size_t>(e.inputs[0].var)];
      is_alias[i] = true;
    }
  }
  const auto root_of = [&](int var) { return static_cast<std::size_t>(root[static_cast<std::size_t>(var)]); };

  // 2. The buffers of inputs, constants and outputs.
  std::vector<int> buffer_of_root(num_vars, -1);
  const auto add_buffer = [&](PlannedBuffer::Kind kind, std::size_t index, const ArrayType& type) {
    buffers_.push_back(PlannedBuffer{kind, index, type});
    return static_cast<int>(buffers_.size() - 1);
  };
  const auto add_constant = [&](const Array& value) {
    constants_.push_back(contiguous_copy(value));
    return add_buffer(PlannedBuffer::Kind::constant, constants_.size() - 1, value.type());
  };
  for (std::size_t i = 0; i < p.inputs.size(); ++i) {
    const int v = p.inputs[i];
    buffer_of_root[root_of(v)] = add_buffer(PlannedBuffer::Kind::input, i, p.types[static_cast<std::size_t>(v)]);
  }
  for (std::size_t k = 0; k < p.constvars.size(); ++k)
    buffer_of_root[root_of(p.constvars[k])] = add_constant(p.consts[k]);
  for (std::size_t j = 0; j < p.outputs.size(); ++j) {
    const Atom& a = p.outputs[j];
    if (a.is_literal()) {
      output_buffer_.push_back(static_cast<std::uint32_t>(add_constant(a.literal)));
      continue;
    }
    int& buffer = buffer_of_root[root_of(a.var)];
    if (buffer < 0) buffer = add_buffer(PlannedBuffer::Kind::output, j, p.types[static_cast<std::size_t>(a.var)]);
    output_buffer_.push_back(static_cast<std::uint32_t>(buffer));
  }

  // 3. The last equation reading each group.
  std::vector<int> last_use(num_vars, -1);
  for (std::size_t i = 0; i < num_equations; ++i) {
    for (const Atom& a : p.equations[i].inputs) {
      if (!a.is_literal()) last_use[root_of(a.var)] = static_cast<int>(i);
    }
  }
  std::vector<std::vector<std::size_t>> dying_after(num_equations);
  for (std::size_t r = 0; r < num_vars; ++r) {
    if (last_use[r] >= 0) dying_after[static_cast<std::size_t>(last_use[r])].push_back(r);
  }

  // 4. Kernels, and arena ranges for everything else, in program order.
  ArenaPlanner arena;
  const LoweringContext::Compiler compile = compile_body;
  std::vector<int> step_of_equation(num_equations, -1);
  std::vector<int> defined_by(num_vars, -1);  // equation defining each root
  for (std::size_t i = 0; i < num_equations; ++i) {
    const Equation& e = p.equations[i];
    if (!is_alias[i]) {
      std::vector<int> operands;
      for (const Atom& a : e.inputs)
        operands.push_back(a.is_literal() ? add_constant(a.literal) : buffer_of_root[root_of(a.var)]);
      Kernel kernel = e.primitive->lower(LoweringContext{input_types[i], output_types[i], compile});
      if (!kernel && e.primitive->returns_view())
        kernel = view_copy_kernel(*e.primitive, input_types[i][0], output_types[i][0]);
      if (e.primitive->name() == "fused_elementwise") ++statistics_.fused_steps;
      if (!kernel) {
        std::vector<OperandSource> sources;
        for (int buffer : operands) {
          const PlannedBuffer& b = buffers_[static_cast<std::size_t>(buffer)];
          OperandSource source;
          if (b.kind == PlannedBuffer::Kind::input) source = {OperandSource::Kind::input, b.index};
          if (b.kind == PlannedBuffer::Kind::constant) source = {OperandSource::Kind::constant, b.index};
          sources.push_back(source);
        }
        kernel = evaluate_kernel(e.primitive, input_types[i], output_types[i], std::move(sources));
        ++statistics_.evaluated_steps;
      }
      Step step{std::move(kernel), static_cast<std::uint32_t>(operand_buffer_.size()),
                static_cast<std::uint16_t>(e.inputs.size()), static_cast<std::uint16_t>(e.outputs.size()), 0};
      for (int buffer : operands) operand_buffer_.push_back(static_cast<std::uint32_t>(buffer));
      for (int v : e.outputs) {
        int& buffer = buffer_of_root[root_of(v)];
        const ArrayType& type = p.types[static_cast<std::size_t>(v)];
        if (buffer < 0) {
          buffer = add_buffer(PlannedBuffer::Kind::arena, arena.allocate(type.num_bytes()), type);
          statistics_.intermediate_bytes += type.num_bytes();
          // A value nobody reads is released right after the step that writes it.
          if (last_use[root_of(v)] < 0) dying_after[i].push_back(root_of(v));
        }
        operand_buffer_.push_back(static_cast<std::uint32_t>(buffer));
        defined_by[root_of(v)] = static_cast<int>(i);
      }
      if (step.kernel.scratch_bytes > 0) {
        step.scratch_offset = arena.allocate(step.kernel.scratch_bytes);
        arena.release(step.scratch_offset, step.kernel.scratch_bytes);
      }
      step_of_equation[i] = static_cast<int>(steps_.size());
      steps_.push_back(std::move(step));
      // The step's name in profiler traces: the primitive and what it writes.
      std::string name(e.primitive->name());
      for (const ArrayType& type : output_types[i]) name += " " + type.to_string();
      step_names_.push_back(std::move(name));
    }
    for (std::size_t r : dying_after[i]) {
      const int buffer = buffer_of_root[r];
      if (buffer >= 0 && buffers_[static_cast<std::size_t>(buffer)].kind == PlannedBuffer::Kind::arena) {
        const PlannedBuffer& b = buffers_[static_cast<std::size_t>(buffer)];
        arena.release(b.index, b.type.num_bytes());
      }
    }
  }
  statistics_.steps = static_cast<int>(steps_.size());
  statistics_.arena_bytes = arena.size();

  // 5. Donation: for each output, the inputs whose buffer it may take over. Which inputs are donated is
  //    only known when a call runs, so every safe input is described: those the defining kernel
  //    overwrites in place, and the bucket of inputs of the output's size read before it is defined.
  //    (Were only the first safe input kept, an lvalue argument of the same type ahead of the
  //    donated one would block donation.) An input that is itself returned cannot become an output.
  std::vector<bool> returned(buffers_.size(), false);
  for (std::uint32_t b : output_buffer_) returned[b] = true;
  std::map<std::size_t, int> bucket_of_size;
  for (std::size_t i = 0; i < p.inputs.size(); ++i) {
    const std::size_t in_root = root_of(p.inputs[i]);
    const int buffer = buffer_of_root[in_root];
    const std::size_t bytes = buffers_[static_cast<std::size_t>(buffer)].type.num_bytes();
    if (returned[static_cast<std::size_t>(buffer)] || bytes == 0) continue;
    auto [it, is_new] = bucket_of_size.emplace(bytes, static_cast<int>(donation_buckets_.size()));
    if (is_new) donation_buckets_.emplace_back();
    DonationBucket& bucket = donation_buckets_[static_cast<std::size_t>(it->second)];
    bucket.inputs.push_back(static_cast<std::uint32_t>(i));
    bucket.last_read.push_back(last_use[in_root]);
  }
  for (DonationBucket& bucket : donation_buckets_) {
    std::vector<std::size_t> order(bucket.inputs.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return bucket.last_read[a] < bucket.last_read[b]; });
    DonationBucket sorted;
    for (std::size_t k : order) {
      sorted.inputs.push_back(bucket.inputs[k]);
      sorted.last_read.push_back(bucket.last_read[k]);
    }
    bucket = std::move(sorted);
  }
  donation_rules_.assign(p.outputs.size(), {});
  for (std::size_t j = 0; j < p.outputs.size(); ++j) {
    const PlannedBuffer& out = buffers_[output_buffer_[j]];
    if (out.kind != PlannedBuffer::Kind::output || out.index != j || out.type.num_bytes() == 0) continue;
    const std::size_t out_root = root_of(p.outputs[j].var);
    const int def = defined_by[out_root];
    if (def < 0) continue;
    DonationRule& rule = donation_rules_[j];
    rule.defined_at = def;
    if (auto it = bucket_of_size.find(out.type.num_bytes()); it != bucket_of_size.end())
      donation_buckets_[static_cast<std::size_t>(it->second)].outputs.push_back(static_cast<std::uint32_t>(j));
    // Inputs the defining kernel reads as it writes the output, element by element.
    const Equation& definition = p.equations[static_cast<std::size_t>(def)];
    const Step& step = steps_[static_cast<std::size_t>(step_of_equation[static_cast<std::size_t>(def)])];
    int output_index = -1;
    for (std::size_t k = 0; k < definition.outputs.size(); ++k) {
      if (root_of(definition.outputs[k]) == out_root) output_index = static_cast<int>(k);
    }
    for (std::size_t k = 0; k < definition.inputs.size() && output_index >= 0; ++k) {
      const Atom& a = definition.inputs[k];
      if (a.is_literal()) continue;
      const std::size_t in_root = root_of(a.var);
      if (last_use[in_root] != def) continue;  // read later too: not safe; read earlier: in the bucket
      const int buffer = buffer_of_root[in_root];
      const PlannedBuffer& in = buffers_[static_cast<std::size_t>(buffer)];
      if (in.kind != PlannedBuffer::Kind::input || returned[static_cast<std::size_t>(buffer)]) continue;
      // Every read of it in this step must be one the kernel allows in place.
      bool allowed = true;
      for (std::size_t m = 0; m < definition.inputs.size(); ++m) {
        const Atom& b = definition.inputs[m];
        if (b.is_literal() || root_of(b.var) != in_root) continue;
        const bool same_type = type_of(b).shape == out.type.shape && type_of(b).dtype == out.type.dtype;
        const std::pair<int, int> pair{output_index, static_cast<int>(m)};
        allowed = allowed && same_type &&
                  ((step.kernel.in_place && output_index == 0) ||
                   std::find(step.kernel.in_place_pairs.begin(), step.kernel.in_place_pairs.end(), pair) !=
                       step.kernel.in_place_pairs.end());
      }
      const auto input = static_cast<std::uint32_t>(in.index);
      if (allowed && std::find(rule.in_place.begin(), rule.in_place.end(), input) == rule.in_place.end())
        rule.in_place.push_back(input);
    }
  }
  // In-place candidates: an input that several outputs could overwrite goes to the one with no other
  // choice. Each output's candidates are ordered by how many outputs want them, and outputs with fewer
  // candidates choose first (a donated state whose update is fused with others' must not be taken by
  // a neighbour, leaving it a fresh buffer).
  std::vector<int> claimants(p.inputs.size(), 0);
  for (const DonationRule& rule : donation_rules_) {
    for (const std::uint32_t input : rule.in_place) ++claimants[input];
  }
  in_place_order_.clear();
  for (std::size_t j = 0; j < donation_rules_.size(); ++j) {
    std::vector<std::uint32_t>& candidates = donation_rules_[j].in_place;
    if (candidates.empty()) continue;
    std::stable_sort(candidates.begin(), candidates.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return claimants[a] < claimants[b]; });
    in_place_order_.push_back(static_cast<std::uint32_t>(j));
  }
  std::stable_sort(in_place_order_.begin(), in_place_order_.end(), [&](std::uint32_t a, std::uint32_t b) {
    return donation_rules_[a].in_place.size() < donation_rules_[b].in_place.size();
  });
  for (DonationBucket& bucket : donation_buckets_) {
    std::stable_sort(bucket.outputs.begin(), bucket.outputs.end(), [&](std::uint32_t a, std::uint32_t b) {
      return donation_rules_[a].defined_at < donation_rules_[b].defined_at;
    });
  }

  // 6. The memory of a run: the buffer address table, the operand table, the arena.
  operand_table_offset_ = buffers_.size() * kPointer;
  arena_offset_ = round_up(operand_table_offset_ + operand_buffer_.size() * kPointer, ArenaPlanner::kAlignment);
  block_bytes_ = arena_offset_ + arena.size();

  // What a run needs of the program itself.
  num_inputs_ = p.inputs.size();
  output_types_.clear();
  for (const Atom& a : p.outputs) output_types_.push_back(p.type_of(a));
  // A jit cache holds thousands of plans: no room left over from building them.
  buffers_.shrink_to_fit();
  operand_buffer_.shrink_to_fit();
  steps_.shrink_to_fit();
  constants_.shrink_to_fit();
  output_buffer_.shrink_to_fit();
  output_types_.shrink_to_fit();
}

void Executable::execute(const std::byte* const* inputs, std::byte* const* outputs, std::byte* block) const {
  auto** address = reinterpret_cast<std::byte**>(block);
  std::byte* const arena = block + arena_offset_;
  for (std::size_t b = 0; b < buffers_.size(); ++b) {
    const PlannedBuffer& buffer = buffers_[b];
    switch (buffer.kind) {
      case PlannedBuffer::Kind::input:
        address[b] = const_cast<std::byte*>(inputs[buffer.index]);
        break;
      case PlannedBuffer::Kind::constant:
        address[b] = concrete(constants_[buffer.index]).data();
        break;
      case PlannedBuffer::Kind::output:
        address[b] = outputs[buffer.index];
        break;
      case PlannedBuffer::Kind::arena:
        address[b] = arena + buffer.index;
        break;
    }
  }
  auto** operand = reinterpret_cast<std::byte**>(block + operand_table_offset_);
  for (std::size_t o = 0; o < operand_buffer_.size(); ++o) operand[o] = address[operand_buffer_[o]];
  if (profiler::detail::tracing()) [[unlikely]] {
    for (std::size_t i = 0; i < steps_.size(); ++i) {
      const Step& step = steps_[i];
      std::byte* const* first = operand + step.first_operand;
      const std::int64_t start = profiler::detail::now_ns();
      step.kernel.run(KernelCall{first, first + step.num_inputs, arena + step.scratch_offset});
      profiler::detail::record(step_names_[i], "step", start, profiler::detail::now_ns());
    }
    return;
  }
  for (const Step& step : steps_) {
    std::byte* const* first = operand + step.first_operand;
    step.kernel.run(KernelCall{first, first + step.num_inputs, arena + step.scratch_offset});
  }
}

void Executable::run(const std::byte* const* inputs, std::byte* const* outputs, std::byte* scratch) const {
  {
    const RunArraysScope no_arrays(nullptr);  // a body's inputs are not the top-level run's
    execute(inputs, outputs, scratch);
  }
  // Outputs that are inputs, constants or another output's value are copied into place.
  const auto* address = reinterpret_cast<std::byte* const*>(scratch);
  for (std::size_t j = 0; j < output_buffer_.size(); ++j) {
    const PlannedBuffer& buffer = buffers_[output_buffer_[j]];
    if (buffer.kind == PlannedBuffer::Kind::output && buffer.index == j) continue;
    const std::size_t bytes = output_types_[j].num_bytes();
    if (bytes > 0) std::memmove(outputs[j], address[output_buffer_[j]], bytes);
  }
}

void Executable::discard_program() { program_ = std::make_unique<Program>(); }

// Small arenas are kept for the next run (a cached executable holds at most this much memory between
// calls); larger ones come from the caching allocator each time.
constexpr std::size_t kKeptArenaBytes = std::size_t{64} << 10;

std::byte* Executable::acquire_block() const {
  if (std::byte* block = spare_block_.exchange(nullptr)) return block;
  return static_cast<std::byte*>(allocator::allocate(std::max<std::size_t>(block_bytes_, 64)));
}

void Executable::release_block(std::byte* block) const {
  std::byte* expected = nullptr;
  if (block_bytes_ > kKeptArenaBytes || !spare_block_.compare_exchange_strong(expected, block))
    allocator::deallocate(block, std::max<std::size_t>(block_bytes_, 64));
}

namespace {
// A program's output buffer; out of memory, the error says which output of the program it was.
template <class Describe>
std::shared_ptr<ConcreteArray> allocate_or_explain(const ArrayType& type, const Describe& describe) {
  try {
    return allocate_array(type);
  } catch (const ResourceExhaustedError& e) {
    throw ResourceExhaustedError("jit", fmt::format("the program's {}: {}", describe(), e.detail()));
  }
}
}  // namespace

ArrayList Executable::run(std::span<Array> inputs, std::span<const bool> donated) const {
  std::vector<const Array*> pointers(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) pointers[i] = &inputs[i];
  return run(std::span<const Array* const>(pointers), donated);
}

ArrayList held_inputs(std::span<const Array* const> inputs, std::span<const bool> donated) {
  ArrayList held;
  held.reserve(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    // A donated input is the caller's own, so it may be moved from (and then still be donated).
    const bool given = i < donated.size() && donated[i];
    held.push_back(given ? std::move(const_cast<Array&>(*inputs[i])) : *inputs[i]);
  }
  return held;
}

// Kernels read dense row-major buffers: a run with views among its inputs runs on dense copies.
ArrayList Executable::run_on_dense_copies(std::span<const Array* const> inputs, std::span<const bool> donated) const {
  ArrayList dense = held_inputs(inputs, donated);
  for (std::size_t i = 0; i < dense.size(); ++i) {
    if (concrete(dense[i]).is_contiguous()) continue;
    try {
      dense[i] = contiguous(dense[i]);
    } catch (const ResourceExhaustedError& e) {
      throw ResourceExhaustedError("jit", fmt::format("input {} is a view (a broadcast, slice or transpose) the "
                                                      "program reads as a dense array: {}",
                                                      i, e.detail()));
    }
  }
  return run(std::span<Array>(dense), donated);
}

ArrayList Executable::run(std::span<const Array* const> inputs, std::span<const bool> donated) const {
  if (inputs.size() != num_inputs_) {
    throw ValueError("jit", fmt::format("the program takes {} inputs, {} were given", num_inputs_, inputs.size()));
  }
  for (const Array* input : inputs) {
    if (!concrete(*input).is_contiguous()) return run_on_dense_copies(inputs, donated);
  }
  constexpr std::size_t kInline = 16;
  const std::byte* inline_pointers[2 * kInline];
  std::vector<const std::byte*> heap_pointers;
  const std::size_t num_pointers = inputs.size() + output_types_.size();
  const std::byte** pointers = inline_pointers;
  if (num_pointers > 2 * kInline) {
    heap_pointers.resize(num_pointers);
    pointers = heap_pointers.data();
  }
  const std::byte** input_data = pointers;
  auto** output_data = const_cast<std::byte**>(pointers + inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) input_data[i] = concrete(*inputs[i]).data();
  // Fresh buffers for the outputs, or donated ones: the first candidate that was donated, is held by
  // nothing else, and no earlier output took.
  ArrayList results(output_types_.size());
  // When inputs are donated: per output, the input it takes over (or -1); per input, whether one has;
  // on the stack for small programs, as the pointer table is.
  std::span<int> taken_input, is_taken;
  int donation_inline[2 * kInline];
  std::vector<int> donation_heap;
  if (std::find(donated.begin(), donated.end(), true) != donated.end()) {
    const std::size_t n = output_types_.size() + inputs.size();
    int* storage = donation_inline;
    if (n > 2 * kInline) {
      donation_heap.resize(n);
      storage = donation_heap.data();
    }
    taken_input = {storage, output_types_.size()};
    is_taken = {storage + output_types_.size(), inputs.size()};
    std::fill(storage, storage + n, 0);
    std::fill(taken_input.begin(), taken_input.end(), -1);
  }
  // Whether input i can become an output: donated, held by nothing else, not taken by another output.
  const auto available = [&](std::uint32_t i) {
    if (i >= donated.size() || !donated[i] || is_taken[i]) return false;
    const Array& input = *inputs[i];
    return input.impl_ptr().use_count() == 1 && concrete(input).buffer()->use_count() == 1;
  };
  const auto take = [&](std::size_t j, std::uint32_t i) {
    output_data[j] = const_cast<std::byte*>(input_data[i]);
    taken_input[j] = static_cast<int>(i);  // results[j] takes the input over once the run is done
    is_taken[i] = 1;
  };
  if (!taken_input.empty()) {
    // First the inputs a kernel overwrites as it reads them, then, bucket by bucket, the earliest-read
    // available input for each output in the order they are defined.
    for (const std::uint32_t j : in_place_order_) {
      for (const std::uint32_t i : donation_rules_[j].in_place) {
        if (available(i)) {
          take(j, i);
          break;
        }
      }
    }
    for (std::size_t b = 0; b < donation_buckets_.size(); ++b) {
      const DonationBucket& bucket = donation_buckets_[b];
      std::size_t c = 0;  // inputs before it are taken or not available
      for (const std::uint32_t j : bucket.outputs) {
        if (taken_input[j] >= 0) continue;
        while (c < bucket.inputs.size() && !available(bucket.inputs[c])) ++c;
        if (c < bucket.inputs.size() && bucket.last_read[c] < donation_rules_[j].defined_at)
          take(j, bucket.inputs[c++]);
      }
    }
  }
  for (std::size_t j = 0; j < output_types_.size(); ++j) {
    const PlannedBuffer& buffer = buffers_[output_buffer_[j]];
    if (buffer.kind != PlannedBuffer::Kind::output || buffer.index != j) continue;
    if (!taken_input.empty() && taken_input[j] >= 0) continue;
    std::shared_ptr<ConcreteArray> fresh =
        allocate_or_explain(buffer.type, [&] { return fmt::format("output {}", j); });
    output_data[j] = fresh->data();
    results[j] = wrap(std::move(fresh));
  }
  std::byte* block = nullptr;
  try {
    block = acquire_block();
  } catch (const ResourceExhaustedError& e) {
    throw ResourceExhaustedError(
        "jit", fmt::format("cannot allocate the program's intermediates ({} bytes): {}", block_bytes_, e.detail()));
  }
  try {
    const RunArrays arrays{inputs, constants_};
    const RunArraysScope scope(&arrays);
    const ScopedFlushSubnormals flush;  // as JAX runs its executables (core/subnormals.h)
    execute(input_data, output_data, block);
  } catch (const ResourceExhaustedError& e) {
    release_block(block);
    if (e.op() != "allocate") throw;
    throw ResourceExhaustedError("jit", e.detail());
  } catch (...) {
    release_block(block);
    throw;
  }
  release_block(block);
  for (std::size_t j = 0; j < taken_input.size(); ++j) {
    if (taken_input[j] < 0) continue;
    const PlannedBuffer& buffer = buffers_[output_buffer_[j]];
    // Donated, so the caller's own: taken over rather than copied.
    auto& input = const_cast<Array&>(*inputs[static_cast<std::size_t>(taken_input[j])]);
    results[j] = input.type() == buffer.type ? std::move(input) : reinterpreted_array(concrete(input), buffer.type);
  }
  // Outputs that are inputs, constants or another output's value share that array's buffer.
  for (std::size_t j = 0; j < output_types_.size(); ++j) {
    const PlannedBuffer& buffer = buffers_[output_buffer_[j]];
    if (buffer.kind == PlannedBuffer::Kind::output && buffer.index == j) continue;
    const ArrayType& type = output_types_[j];
    const Array& source = buffer.kind == PlannedBuffer::Kind::input      ? *inputs[buffer.index]
                          : buffer.kind == PlannedBuffer::Kind::constant ? constants_[buffer.index]
                                                                         : results[buffer.index];
    results[j] = source.type() == type ? source : reinterpreted_array(concrete(source), type);
  }
  return results;
}

}  // namespace jx::cpu
