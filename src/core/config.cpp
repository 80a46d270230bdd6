#include "jx/core/config.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "core/buffer.h"
#include "jx/core/error.h"

namespace jx::config {
namespace {

bool env_flag(const char* name, bool fallback) {
  const char* value = std::getenv(name);
  if (!value || !*value) return fallback;
  return std::strcmp(value, "0") != 0 && std::strcmp(value, "false") != 0;
}

RankPromotion env_rank_promotion() {
  const char* value = std::getenv("JX_NUMPY_RANK_PROMOTION");
  if (value && std::strcmp(value, "raise") == 0) return RankPromotion::raise;
  if (value && std::strcmp(value, "warn") == 0) return RankPromotion::warn;
  return RankPromotion::allow;
}

// An unknown name in the environment is reported and ignored: throwing here would end the program
// before main.
MatmulPrecision env_matmul_precision() {
  const char* value = std::getenv("JX_DEFAULT_MATMUL_PRECISION");
  if (!value || !*value) return MatmulPrecision::default_;
  try {
    return matmul_precision_named(value);
  } catch (const ValueError& e) {
    std::fprintf(stderr, "jx warning: JX_DEFAULT_MATMUL_PRECISION ignored: %s\n", e.what());
    return MatmulPrecision::default_;
  }
}

DtypePromotion env_dtype_promotion() {
  const char* value = std::getenv("JX_NUMPY_DTYPE_PROMOTION");
  return value && std::strcmp(value, "strict") == 0 ? DtypePromotion::strict : DtypePromotion::standard;
}

// The process-wide flags. Reads are far more frequent than writes, so writers replace the whole
// struct under a sequence number and readers copy it into their thread's cache when it changed.
struct Global {
  std::atomic<std::uint64_t> version{1};
  std::atomic<bool> enable_x64{env_flag("JX_ENABLE_X64", false)};
  std::atomic<bool> threefry_partitionable{true};
  std::atomic<bool> debug_key_reuse{env_flag("JX_DEBUG_KEY_REUSE", false)};
  std::atomic<bool> check_jit{env_flag("JX_CHECK_JIT", false)};
  std::atomic<bool> log_compiles{env_flag("JX_LOG_COMPILES", false)};
  std::atomic<bool> debug_nans{env_flag("JX_DEBUG_NANS", false)};
  std::atomic<bool> debug_infs{env_flag("JX_DEBUG_INFS", false)};
  std::atomic<bool> disable_jit{env_flag("JX_DISABLE_JIT", false)};
  std::atomic<bool> no_tracing{env_flag("JX_NO_TRACING", false)};
  std::atomic<bool> explain_cache_misses{env_flag("JX_EXPLAIN_CACHE_MISSES", false)};
  std::atomic<RankPromotion> numpy_rank_promotion{env_rank_promotion()};
  std::atomic<DtypePromotion> numpy_dtype_promotion{env_dtype_promotion()};
  std::atomic<bool> enable_checks{env_flag("JX_ENABLE_CHECKS", false)};
  std::atomic<bool> check_tracer_leaks{env_flag("JX_CHECK_TRACER_LEAKS", false)};
  std::atomic<bool> no_execution{env_flag("JX_NO_EXECUTION", false)};
  std::atomic<bool> allow_f16_reductions{env_flag("JX_ALLOW_F16_REDUCTIONS", true)};
  std::atomic<bool> softmax_custom_jvp{env_flag("JX_SOFTMAX_CUSTOM_JVP", false)};
  std::atomic<MatmulPrecision> default_matmul_precision{env_matmul_precision()};
};

Global& global() {
  static auto* g = new Global();  // never destroyed: flags are read during static destruction too
  return *g;
}

struct ThreadState {
  Flags flags;
  std::uint64_t seen_version = 0;
  int overrides = 0;  // open ScopedFlags on this thread
};

ThreadState& thread_state() {
  thread_local ThreadState state;
  return state;
}

Flags read_global() {
  Global& g = global();
  return {g.enable_x64.load(),
          g.threefry_partitionable.load(),
          g.debug_key_reuse.load(),
          g.check_jit.load(),
          g.log_compiles.load(),
          g.debug_nans.load(),
          g.debug_infs.load(),
          g.disable_jit.load(),
          g.no_tracing.load(),
          g.explain_cache_misses.load(),
          g.enable_checks.load(),
          g.check_tracer_leaks.load(),
          g.no_execution.load(),
          g.allow_f16_reductions.load(),
          g.softmax_custom_jvp.load(),
          g.numpy_rank_promotion.load(),
          g.numpy_dtype_promotion.load(),
          g.default_matmul_precision.load()};
}

template <class T>
void set(std::atomic<T> Global::*member, T value) {
  Global& g = global();
  (g.*member).store(value);
  g.version.fetch_add(1);
}

}  // namespace

const Flags& flags() {
  ThreadState& state = thread_state();
  if (state.overrides == 0) {
    const std::uint64_t version = global().version.load(std::memory_order_acquire);
    if (version != state.seen_version) {
      state.flags = read_global();
      state.seen_version = version;
    }
  }
  return state.flags;
}

void enable_x64(bool on) { set(&Global::enable_x64, on); }
void threefry_partitionable(bool on) { set(&Global::threefry_partitionable, on); }
void debug_key_reuse(bool on) { set(&Global::debug_key_reuse, on); }
void check_jit(bool on) { set(&Global::check_jit, on); }
void log_compiles(bool on) { set(&Global::log_compiles, on); }
void debug_nans(bool on) { set(&Global::debug_nans, on); }
void debug_infs(bool on) { set(&Global::debug_infs, on); }
void disable_jit(bool on) { set(&Global::disable_jit, on); }
void no_tracing(bool on) { set(&Global::no_tracing, on); }
void explain_cache_misses(bool on) { set(&Global::explain_cache_misses, on); }
void numpy_rank_promotion(RankPromotion mode) { set(&Global::numpy_rank_promotion, mode); }
void numpy_dtype_promotion(DtypePromotion mode) { set(&Global::numpy_dtype_promotion, mode); }
void enable_checks(bool on) { set(&Global::enable_checks, on); }
void check_tracer_leaks(bool on) { set(&Global::check_tracer_leaks, on); }
void no_execution(bool on) { set(&Global::no_execution, on); }
void allow_f16_reductions(bool on) { set(&Global::allow_f16_reductions, on); }
void softmax_custom_jvp(bool on) { set(&Global::softmax_custom_jvp, on); }
void default_matmul_precision(MatmulPrecision precision) { set(&Global::default_matmul_precision, precision); }

MatmulPrecision matmul_precision_named(std::string_view name) {
  constexpr std::pair<std::string_view, MatmulPrecision> kNames[] = {{"default", MatmulPrecision::default_},
                                                                     {"high", MatmulPrecision::high},
                                                                     {"highest", MatmulPrecision::highest},
                                                                     {"bfloat16", MatmulPrecision::bfloat16},
                                                                     {"tensorfloat32", MatmulPrecision::tensorfloat32},
                                                                     {"float32", MatmulPrecision::float32}};
  for (const auto& [spelling, precision] : kNames) {
    if (spelling == name) return precision;
  }
  throw ValueError("config::default_matmul_precision",
                   fmt::format("'{}' is not a precision (default, high, highest, bfloat16, tensorfloat32, float32)",
                               name.substr(0, 40)));
}

ScopedFlags::ScopedFlags(const Overrides& overrides) : saved_(flags()) {
  ThreadState& state = thread_state();
  Flags next = saved_;
  if (overrides.enable_x64) next.enable_x64 = *overrides.enable_x64;
  if (overrides.threefry_partitionable) next.threefry_partitionable = *overrides.threefry_partitionable;
  if (overrides.debug_key_reuse) next.debug_key_reuse = *overrides.debug_key_reuse;
  if (overrides.check_jit) next.check_jit = *overrides.check_jit;
  if (overrides.log_compiles) next.log_compiles = *overrides.log_compiles;
  if (overrides.debug_nans) next.debug_nans = *overrides.debug_nans;
  if (overrides.debug_infs) next.debug_infs = *overrides.debug_infs;
  if (overrides.disable_jit) next.disable_jit = *overrides.disable_jit;
  if (overrides.no_tracing) next.no_tracing = *overrides.no_tracing;
  if (overrides.explain_cache_misses) next.explain_cache_misses = *overrides.explain_cache_misses;
  if (overrides.numpy_rank_promotion) next.numpy_rank_promotion = *overrides.numpy_rank_promotion;
  if (overrides.numpy_dtype_promotion) next.numpy_dtype_promotion = *overrides.numpy_dtype_promotion;
  if (overrides.enable_checks) next.enable_checks = *overrides.enable_checks;
  if (overrides.check_tracer_leaks) next.check_tracer_leaks = *overrides.check_tracer_leaks;
  if (overrides.no_execution) next.no_execution = *overrides.no_execution;
  if (overrides.allow_f16_reductions) next.allow_f16_reductions = *overrides.allow_f16_reductions;
  if (overrides.softmax_custom_jvp) next.softmax_custom_jvp = *overrides.softmax_custom_jvp;
  if (overrides.default_matmul_precision) next.default_matmul_precision = *overrides.default_matmul_precision;
  state.flags = next;
  ++state.overrides;
}

ScopedFlags::~ScopedFlags() {
  ThreadState& state = thread_state();
  state.flags = saved_;
  if (--state.overrides == 0) state.seen_version = 0;  // re-read the global flags on next use
}

namespace {
std::atomic<std::size_t>& jit_cache_entries() {
  static std::atomic<std::size_t> entries{[] {
    const char* value = std::getenv("JX_JIT_CACHE_SIZE");
    return value && *value ? static_cast<std::size_t>(std::strtoull(value, nullptr, 10)) : std::size_t{4096};
  }()};
  return entries;
}
}  // namespace

void jit_cache_size(std::size_t entries) { jit_cache_entries().store(std::max<std::size_t>(entries, 1)); }
std::size_t jit_cache_size() { return jit_cache_entries().load(std::memory_order_relaxed); }
void allocator_cache_bytes(std::size_t bytes) { allocator::set_cache_limit(bytes); }
std::size_t allocator_cache_bytes() { return allocator::cache_limit(); }

std::uint32_t result_affecting_key() {
  const Flags& f = flags();
  // Rank and dtype promotion change what tracing accepts, so a program traced under `allow` or
  // `standard` must not run under `raise` or `strict`.
  // So do the flags JAX keys its jit cache on: f16 sums, softmax's rule, the matmul precision.
  return (f.enable_x64 ? 1u : 0u) | (f.threefry_partitionable ? 2u : 0u) | (f.debug_key_reuse ? 4u : 0u) |
         (static_cast<std::uint32_t>(f.numpy_rank_promotion) << 3) |
         (static_cast<std::uint32_t>(f.numpy_dtype_promotion) << 5) | (f.allow_f16_reductions ? 0u : 1u << 6) |
         (f.softmax_custom_jvp ? 1u << 7 : 0u) | (static_cast<std::uint32_t>(f.default_matmul_precision) << 8);
}

}  // namespace jx::config
