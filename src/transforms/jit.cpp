// jit's cache, tracing and running: everything that does not depend on the user's types.
#include "jx/transforms/jit.h"

#include <fmt/format.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <atomic>
#include <iostream>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <unordered_map>
#include <unordered_set>

#include "backends/cpu/executable.h"
#include "backends/cpu/onednn.h"
#include "core/buffer.h"
#include "core/nonfinite.h"
#include "debug/profiler_events.h"
#include "ir/passes.h"
#include "ir/primitives/control_flow.h"
#include "jx/core/config.h"
#include "trace/staging.h"
#include "transforms/ref_cell.h"

namespace jx::detail {

bool tracing_active() { return current_trace() != nullptr; }

namespace {

// The buffers of nested jit calls on one thread (a debug callback may call a jitted function).
struct BufferStack {
  std::vector<std::unique_ptr<CallBuffers>> buffers;
  std::size_t depth = 0;
};

BufferStack& buffer_stack() {
  thread_local BufferStack stack;
  return stack;
}

struct Signature {
  tree::TreeDef structure;
  std::vector<ArrayType> types;
  std::uint32_t config = 0;
  std::size_t hash = 0;

  bool matches(const tree::TreeDef& s, LeafPointers leaves, std::uint32_t c) const {
    if (config != c || types.size() != leaves.size()) return false;
    for (std::size_t i = 0; i < leaves.size(); ++i) {
      if (!(types[i] == leaves[i]->type())) return false;
    }
    return structure == s;
  }
};

std::size_t signature_hash(const tree::TreeDef& structure, LeafPointers leaves, std::uint32_t config) {
  std::size_t h = structure.hash() * 31 + config;
  for (const Array* leaf : leaves) h = h * 1000003u ^ hash_value(leaf->type());
  return h;
}

struct Entry {
  Signature signature;
  // As traced, for check_jit's comparison: kept only while check_jit is on (an entry holds no more than
  // it runs with: thousands of signatures of one function stay small).
  std::unique_ptr<Program> traced;
  std::atomic<std::uint64_t> last_used{0};  // the cache's epoch when last found, for least-recently-used eviction
  std::unique_ptr<cpu::Executable> executable;
  tree::TreeDef output_structure;
  RefBindings refs;  // refs the function closes over: extra inputs, and outputs for those it writes
  // Whether a call holds references to its inputs instead of reading the caller's arrays where they
  // are: when it runs user code (callbacks could reassign those arrays) or reads refs (whose values
  // join the inputs). See JitCore::call.
  bool holds_inputs = false;
};

// What tracing the user's function gives.
struct Traced {
  Program program;
  tree::TreeDef output_structure;
  RefBindings refs;
};

std::string describe_flags(std::uint32_t config) {
  static constexpr const char* kRankPromotion[] = {"allow", "warn", "raise", "?"};
  return fmt::format("enable_x64={}, threefry_partitionable={}, debug_key_reuse={}, numpy_rank_promotion={}",
                     (config & 1) != 0, (config & 2) != 0, (config & 4) != 0, kRankPromotion[(config >> 3) & 3]);
}

// Why a new signature needed a trace, compared with the previous one.
std::string retrace_reason(const Entry* last, const tree::TreeDef& structure, LeafPointers leaves,
                           std::uint32_t config) {
  if (!last) return "first call";
  const Signature& old = last->signature;
  if (old.config != config)
    return "configuration changed: " + describe_flags(old.config) + " -> " + describe_flags(config);
  if (!(old.structure == structure)) {
    return fmt::format("argument structure or static values changed: {} -> {}", old.structure.to_string(),
                       structure.to_string());
  }
  const std::vector<tree::KeyPath> paths = tree::leaf_paths(structure);
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    if (!(old.types[i] == leaves[i]->type())) {
      const ArrayType& was = old.types[i];
      const ArrayType& now = leaves[i]->type();
      const std::string what = was.shape != now.shape ? "shape" : (was.dtype != now.dtype ? "dtype" : "weak type");
      return fmt::format("argument {} changed {}: {}{} -> {}{}", tree::keystr(paths[i]), what, was.to_string(),
                         was.weak ? " (weak)" : "", now.to_string(), now.weak ? " (weak)" : "");
    }
  }
  return "a new signature";
}

}  // namespace

CallBuffers& acquire_call_buffers() {
  BufferStack& stack = buffer_stack();
  if (stack.depth == stack.buffers.size()) stack.buffers.push_back(std::make_unique<CallBuffers>());
  return *stack.buffers[stack.depth++];
}

void release_call_buffers() { --buffer_stack().depth; }

struct JitCore::State {
  std::source_location where;
  std::string description;
  std::shared_mutex cache_mutex;
  std::unordered_multimap<std::size_t, std::shared_ptr<Entry>> cache;
  std::shared_ptr<Entry> last;
  std::mutex trace_mutex;  // traces one signature at a time, so concurrent first calls trace once
  std::atomic<std::size_t> traces{0};
  // Advanced at every compile. An entry found notes it (a plain store, only when it changed), so that
  // eviction can drop the least recently used without every call writing a shared counter.
  std::atomic<std::uint64_t> epoch{0};

  State();
  ~State();
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  std::shared_ptr<Entry> find(std::size_t hash, const tree::TreeDef& structure, LeafPointers leaves,
                              std::uint32_t config) {
    std::shared_lock lock(cache_mutex);
    auto [first, end] = cache.equal_range(hash);
    for (auto it = first; it != end; ++it) {
      if (it->second->signature.matches(structure, leaves, config)) {
        const std::uint64_t now = epoch.load(std::memory_order_relaxed);
        if (it->second->last_used.load(std::memory_order_relaxed) != now)
          it->second->last_used.store(now, std::memory_order_relaxed);
        return it->second;
      }
    }
    return nullptr;
  }

  // Takes the least recently used entries out until there is room for one more (under the unique
  // lock). They are returned to be destroyed once the lock is released: destroying a plan may release
  // arrays and other jitted functions, which must not run under this cache's locks.
  std::vector<std::shared_ptr<Entry>> make_room() {
    std::vector<std::shared_ptr<Entry>> evicted;
    const std::size_t limit = config::jit_cache_size();
    while (!cache.empty() && cache.size() >= limit) {
      auto oldest = cache.begin();
      for (auto it = cache.begin(); it != cache.end(); ++it) {
        if (it->second->last_used.load(std::memory_order_relaxed) <
            oldest->second->last_used.load(std::memory_order_relaxed))
          oldest = it;
      }
      evicted.push_back(std::move(oldest->second));
      cache.erase(oldest);
    }
    return evicted;
  }

  // The cache's entries, taken out; the caller destroys them outside every lock. Takes only the cache
  // lock, so it may be called from anywhere, tracing included (an entry being traced is added after).
  std::unordered_multimap<std::size_t, std::shared_ptr<Entry>> take_entries() {
    std::unordered_multimap<std::size_t, std::shared_ptr<Entry>> taken;
    std::unique_lock lock(cache_mutex);
    taken.swap(cache);
    last.reset();
    return taken;
  }

  // Traces the function on tracers of the leaves' types. Refs it closes over become extra inputs
  // (after the leaves) and, for those it writes, extra outputs (after its results).
  Traced trace(const tree::TreeDef& structure, LeafPointers leaves, const TraceFunction& fn) {
    StagingTrace staging(nullptr, description);
    RefFunctionalizer functionalizer(staging);
    std::vector<Array> inputs;
    inputs.reserve(leaves.size());
    for (const Array* leaf : leaves) inputs.push_back(staging.new_input(leaf->type()));
    TracedOutputs outputs;
    {
      TraceScope scope(&staging);
      CallSite site(where);  // errors in the user's function fall back to the jit's line
      UserCodeScope user;
      outputs = fn(structure, inputs);
    }
    Traced traced;
    for (const RefUse& use : functionalizer.uses()) {
      traced.refs.cells.push_back(use.cell);
      traced.refs.written.push_back(use.written);
      if (use.written) outputs.leaves.push_back(use.current);
    }
    traced.program = staging.finish(outputs.leaves);
    traced.output_structure = std::move(outputs.structure);
    return traced;
  }

  std::shared_ptr<Entry> compile(std::size_t hash, const tree::TreeDef& structure, LeafPointers leaves,
                                 std::uint32_t config, const TraceFunction& fn) {
    std::lock_guard lock(trace_mutex);
    if (auto entry = find(hash, structure, leaves, config)) return entry;  // another thread traced it
    if (config::no_tracing()) {
      std::shared_ptr<Entry> previous;
      {
        std::shared_lock cache_lock(cache_mutex);
        previous = last;
      }
      throw ValueError("jit", fmt::format("{} would be traced ({}), but config::no_tracing is set", description,
                                          retrace_reason(previous.get(), structure, leaves, config)));
    }
    if (config::log_compiles() || config::explain_cache_misses()) {
      std::shared_ptr<Entry> previous;
      {
        std::shared_lock cache_lock(cache_mutex);  // the cache may be cleared meanwhile
        previous = last;
      }
      std::cerr << fmt::format("jx: tracing {} (trace {}): {}\n", description, traces.load() + 1,
                               retrace_reason(previous.get(), structure, leaves, config));
    }
    const bool profiled = profiler::detail::tracing();  // a trace started meanwhile misses this compile
    const std::int64_t start = profiled ? profiler::detail::now_ns() : 0;
    auto entry = std::make_shared<Entry>();
    Traced traced = trace(structure, leaves, fn);
    report_leaked_tracers();
    if (config::enable_checks()) traced.program.verify();
    if (config::check_jit()) entry->traced = std::make_unique<Program>(traced.program);
    passes::optimize(traced.program);
    traced.program.verify();
    entry->executable = std::make_unique<cpu::Executable>(std::move(traced.program));
    entry->output_structure = traced.output_structure;  // a copy holds the nodes only, not the tracer's spare room
    entry->refs = std::move(traced.refs);
    entry->holds_inputs = primitives::has_effects(entry->executable->program()) || !entry->refs.empty();
    entry->executable->discard_program();  // the plan is all a run needs
    entry->signature = Signature{structure, {}, config, hash};
    for (const Array* leaf : leaves) entry->signature.types.push_back(leaf->type());
    ++traces;
    const std::uint64_t now = epoch.fetch_add(1, std::memory_order_relaxed) + 1;
    entry->last_used.store(now, std::memory_order_relaxed);
    if (profiled) profiler::detail::record("compile: " + description, "compile", start, profiler::detail::now_ns());
    std::vector<std::shared_ptr<Entry>> evicted;
    {
      std::unique_lock cache_lock(cache_mutex);
      evicted = make_room();
      cache.emplace(hash, entry);
      last = entry;
    }
    return entry;
  }

  // check_jit: the function must trace to the same program every time.
  void check_pure(Entry& entry, const tree::TreeDef& structure, LeafPointers leaves, const TraceFunction& fn) {
    Traced traced = trace(structure, leaves, fn);
    report_leaked_tracers();
    std::lock_guard lock(trace_mutex);  // other threads may set or compare the reference meanwhile
    if (!entry.traced) {                // compiled before check_jit was on: this trace is the reference from now on
      entry.traced = std::make_unique<Program>(std::move(traced.program));
      return;
    }
    std::optional<std::string> difference = first_difference(*entry.traced, traced.program);
    if (!difference && !(traced.output_structure == entry.output_structure))
      difference = "the structure of its result changed";
    if (difference) {
      throw ImpureFunctionError(
          "jit",
          fmt::format("{} traced to a different program this time: {}. It depends on something "
                      "other than its arguments (captured mutable state, globals, I/O); pass such "
                      "state in and return it, or use jx::debug::print for output.",
                      description, *difference),
          format_location(where));
    }
  }
};

namespace {
// Every live jit cache, for jx::clear_caches().
struct CacheRegistry {
  std::mutex mutex;
  std::unordered_set<JitCore::State*> states;
};
CacheRegistry& cache_registry() {
  static auto* registry = new CacheRegistry();  // leaked: jitted functions may outlive static destructors
  return *registry;
}
}  // namespace

JitCore::State::State() {
  CacheRegistry& registry = cache_registry();
  std::lock_guard lock(registry.mutex);
  registry.states.insert(this);
}

JitCore::State::~State() {
  CacheRegistry& registry = cache_registry();
  std::lock_guard lock(registry.mutex);
  registry.states.erase(this);
}

void JitCore::clear_cache() { (void)state_->take_entries(); }

std::size_t JitCore::cache_size() const {
  std::shared_lock lock(state_->cache_mutex);
  return state_->cache.size();
}

void clear_all_caches() {
  // Entries are taken out under the registry's lock (no cache can be destroyed meanwhile) and
  // destroyed after it is released.
  std::vector<std::unordered_multimap<std::size_t, std::shared_ptr<Entry>>> taken;
  {
    CacheRegistry& registry = cache_registry();
    std::lock_guard lock(registry.mutex);
    for (JitCore::State* state : registry.states) taken.push_back(state->take_entries());
  }
  taken.clear();
  cpu::onednn::clear_cache();
  allocator::trim();
#if defined(__GLIBC__)
  malloc_trim(0);  // the memory the caches' programs and plans took goes back to the system too
#endif
}

JitCore::JitCore(std::source_location where) : state_(std::make_unique<State>()) {
  state_->where = where;
  state_->description = "jit of the function at " + format_location(where);
}

JitCore::~JitCore() = default;

namespace {
// The entry's output structure, keeping the entry alive while the caller holds it.
std::shared_ptr<const tree::TreeDef> output_structure_of(std::shared_ptr<Entry> entry) {
  const tree::TreeDef* structure = &entry->output_structure;
  return {std::move(entry), structure};
}
}  // namespace

JitCore::Result JitCore::call(const tree::TreeDef& structure, LeafPointers leaves, std::span<const bool> donated,
                              const TraceFunction& trace) {
  if (const config::Flags& flags = config::flags(); flags.debug_nans || flags.debug_infs) [[unlikely]]
    return call_checking_finite(structure, leaves, trace, flags);
  if (profiler::detail::tracing()) [[unlikely]] {
    const std::int64_t start = profiler::detail::now_ns();
    Result result = run(structure, leaves, donated, trace);
    profiler::detail::record(state_->description, "jit", start, profiler::detail::now_ns());
    return result;
  }
  return run(structure, leaves, donated, trace);
}

JitCore::Result JitCore::run(const tree::TreeDef& structure, LeafPointers leaves, std::span<const bool> donated,
                             const TraceFunction& trace) {
  if (config::no_execution()) [[unlikely]] {
    throw ValueError("jit", fmt::format("{} would run, but config::no_execution is set", state_->description));
  }
  const std::uint32_t config = config::result_affecting_key();
  const std::size_t hash = signature_hash(structure, leaves, config);
  std::shared_ptr<Entry> entry = state_->find(hash, structure, leaves, config);
  // The common case: `leaves` point at the caller's own arrays, which nothing in this call can
  // reassign (and another thread must not: see jx::jit), so the run reads them where they are, with
  // no reference counts taken.
  if (entry && !entry->holds_inputs && !config::check_jit())
    return {entry->executable->run(leaves, donated), output_structure_of(std::move(entry))};
  // User code runs during this call (tracing, check_jit's second trace, callbacks). It could reassign
  // the arrays the leaves point at, so the call holds references of its own, taken first.
  ArrayList held = cpu::held_inputs(leaves, donated);
  {
    std::vector<const Array*> held_leaves(held.size());  // into `held`, which grows below
    for (std::size_t i = 0; i < held.size(); ++i) held_leaves[i] = &held[i];
    if (!entry) {
      entry = state_->compile(hash, structure, held_leaves, config, trace);
    } else if (config::check_jit()) {
      state_->check_pure(*entry, structure, held_leaves, trace);
    }
  }
  // The refs' values join the inputs, under their locks until the new values are written back.
  RefCallScope refs(entry->refs, held);
  ArrayList outputs = entry->executable->run(std::span<Array>(held), donated);
  refs.write_back(outputs);
  return {std::move(outputs), output_structure_of(std::move(entry))};
}

// debug_nans/debug_infs: run the program without donating (its inputs may be needed again), and when
// an output is not finite, run the function again op by op, eagerly, so that the operation that made
// the value throws FloatingPointError with its own name and line — what JAX does.
JitCore::Result JitCore::call_checking_finite(const tree::TreeDef& structure, LeafPointers leaves,
                                              const TraceFunction& trace, const config::Flags& flags) {
  const std::vector<char> none(leaves.size(), 0);
  const std::span<const bool> kept(reinterpret_cast<const bool*>(none.data()), none.size());
  ArrayList inputs = cpu::held_inputs(leaves, kept);
  std::vector<const Array*> input_pointers;
  for (const Array& x : inputs) input_pointers.push_back(&x);
  Result result = run(structure, input_pointers, kept, trace);
  for (const Array& out : result.outputs) {
    if (nonfinite_kind(out, flags.debug_nans, flags.debug_infs) == nullptr) continue;
    {
      UserCodeScope user;
      (void)trace(structure, inputs);  // throws at the operation that produced the value
    }
    throw FloatingPointError("jit",
                             fmt::format("{} returned a non-finite value, but running it op by op did not "
                                         "produce one (the compiled program computes differently)",
                                         state_->description),
                             format_location(state_->where));
  }
  return result;
}

Program JitCore::lower(const tree::TreeDef& structure, LeafPointers leaves, const TraceFunction& trace,
                       bool optimized) {
  Program program = state_->trace(structure, leaves, trace).program;
  if (optimized) passes::optimize(program);
  return program;
}

std::size_t JitCore::trace_count() const { return state_->traces.load(); }

}  // namespace jx::detail
