// jx/core/config.h — switches that change what jx computes or checks.
//
// Each flag has a process-wide value, set with its setter, and thread-local scoped overrides, as JAX's
// config contexts. Flags that change results (x64, the threefry mode, key-reuse checking) are part of
// every jit cache key, so flipping one retraces instead of running a stale program.
//
//   jx::config::enable_x64(true);                              // process-wide
//   {
//     auto scope = jx::config::scoped({.threefry_partitionable = false});  // this thread, this block
//     auto legacy_keys = jx::random::split(key, 4);
//   }
//
// Environment variables set the initial values: JX_ENABLE_X64=1, JX_CHECK_JIT=1, JX_LOG_COMPILES=1,
// JX_DEBUG_NANS=1, JX_DEBUG_INFS=1, JX_DISABLE_JIT=1, JX_NO_TRACING=1, JX_EXPLAIN_CACHE_MISSES=1,
// JX_ENABLE_CHECKS=1, JX_CHECK_TRACER_LEAKS=1, JX_NO_EXECUTION=1, JX_ALLOW_F16_REDUCTIONS=0,
// JX_SOFTMAX_CUSTOM_JVP=1, JX_NUMPY_RANK_PROMOTION=allow|warn|raise,
// JX_NUMPY_DTYPE_PROMOTION=standard|strict,
// JX_DEFAULT_MATMUL_PRECISION=default|high|highest|bfloat16|tensorfloat32|float32.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace jx::config {

// jax_numpy_rank_promotion: what jx::numpy does when arrays of different (non-zero) ranks meet in a
// broadcasting operation: allow it as NumPy does, warn (once per operation, on standard error), or
// raise ShapeError.
enum class RankPromotion : std::uint8_t { allow, warn, raise };

// jax_numpy_dtype_promotion: `standard` promotes operands of different dtypes on JAX's lattice;
// `strict` allows only what takes no choice (equal dtypes, and a weakly typed scalar joining an array
// of its kind or a wider one: int into int or float, float into float) and raises DTypeError for the
// rest, as JAX's TypePromotionError.
enum class DtypePromotion : std::uint8_t { standard, strict };

// jax_default_matmul_precision: the precision of float32 matrix products and convolutions when an
// operation names none. On the CPU, as in XLA's CPU backend, every level computes in float32 (bfloat16
// and tensorfloat32 passes exist on accelerators only), so the setting changes no result here; it is
// kept, validated and part of the jit cache key so that programs written for accelerators run as is.
enum class MatmulPrecision : std::uint8_t { default_, high, highest, bfloat16, tensorfloat32, float32 };

struct Flags {
  bool enable_x64 = false;             // 64-bit dtypes (jax_enable_x64)
  bool threefry_partitionable = true;  // JAX's default PRNG scheme since 0.5.0
  bool debug_key_reuse = false;        // throw KeyReuseError when a key is consumed twice
  bool check_jit = false;              // retrace on every jitted call to catch impure functions
  bool log_compiles = false;           // print why each trace happened
  bool debug_nans = false;             // a NaN produced by any operation throws FloatingPointError (jax_debug_nans)
  bool debug_infs = false;             // the same for infinities (jax_debug_infs)
  bool disable_jit = false;            // jitted functions run op by op, eagerly (jax.disable_jit)
  bool no_tracing = false;             // a jitted call that would trace throws instead (jax_no_tracing)
  bool explain_cache_misses = false;   // print why a jitted function is traced again (jax_explain_cache_misses)
  bool enable_checks = false;          // verify every program jx builds, after each pass (jax_enable_checks)
  bool check_tracer_leaks = false;     // throw TracerLeakError when a trace ends with a tracer still alive
  bool no_execution = false;           // computing anything (eagerly or a jitted call) throws (jax_no_execution)
  bool allow_f16_reductions = true;    // false: sums of float16/bfloat16 throw DTypeError
  bool softmax_custom_jvp = false;     // nn::softmax differentiates by its own rule, y (t - sum(y t))
  RankPromotion numpy_rank_promotion = RankPromotion::allow;
  DtypePromotion numpy_dtype_promotion = DtypePromotion::standard;
  MatmulPrecision default_matmul_precision = MatmulPrecision::default_;
};

// The flags in effect on this thread.
const Flags& flags();

void enable_x64(bool on);
void threefry_partitionable(bool on);
void debug_key_reuse(bool on);
void check_jit(bool on);
void log_compiles(bool on);
void debug_nans(bool on);
void debug_infs(bool on);
void disable_jit(bool on);
void no_tracing(bool on);
void explain_cache_misses(bool on);
void numpy_rank_promotion(RankPromotion mode);
void numpy_dtype_promotion(DtypePromotion mode);
void enable_checks(bool on);
void check_tracer_leaks(bool on);
void no_execution(bool on);
void allow_f16_reductions(bool on);
void softmax_custom_jvp(bool on);
void default_matmul_precision(MatmulPrecision precision);
// The precision named as JAX names it ("bfloat16", "highest", ...); ValueError for other names.
MatmulPrecision matmul_precision_named(std::string_view name);

inline bool enable_x64() { return flags().enable_x64; }
inline bool threefry_partitionable() { return flags().threefry_partitionable; }
inline bool debug_key_reuse() { return flags().debug_key_reuse; }
inline bool check_jit() { return flags().check_jit; }
inline bool log_compiles() { return flags().log_compiles; }
inline bool debug_nans() { return flags().debug_nans; }
inline bool debug_infs() { return flags().debug_infs; }
inline bool disable_jit() { return flags().disable_jit; }
inline bool no_tracing() { return flags().no_tracing; }
inline bool explain_cache_misses() { return flags().explain_cache_misses; }
inline RankPromotion numpy_rank_promotion() { return flags().numpy_rank_promotion; }
inline DtypePromotion numpy_dtype_promotion() { return flags().numpy_dtype_promotion; }
inline bool enable_checks() { return flags().enable_checks; }
inline bool check_tracer_leaks() { return flags().check_tracer_leaks; }
inline bool no_execution() { return flags().no_execution; }
inline bool allow_f16_reductions() { return flags().allow_f16_reductions; }
inline bool softmax_custom_jvp() { return flags().softmax_custom_jvp; }
inline MatmulPrecision default_matmul_precision() { return flags().default_matmul_precision; }

// A thread-local override of some flags for the lifetime of the returned object.
struct Overrides {
  std::optional<bool> enable_x64 = std::nullopt;
  std::optional<bool> threefry_partitionable = std::nullopt;
  std::optional<bool> debug_key_reuse = std::nullopt;
  std::optional<bool> check_jit = std::nullopt;
  std::optional<bool> log_compiles = std::nullopt;
  std::optional<bool> debug_nans = std::nullopt;
  std::optional<bool> debug_infs = std::nullopt;
  std::optional<bool> disable_jit = std::nullopt;
  std::optional<bool> no_tracing = std::nullopt;
  std::optional<bool> explain_cache_misses = std::nullopt;
  std::optional<RankPromotion> numpy_rank_promotion = std::nullopt;
  std::optional<DtypePromotion> numpy_dtype_promotion = std::nullopt;
  std::optional<bool> enable_checks = std::nullopt;
  std::optional<bool> check_tracer_leaks = std::nullopt;
  std::optional<bool> no_execution = std::nullopt;
  std::optional<bool> allow_f16_reductions = std::nullopt;
  std::optional<bool> softmax_custom_jvp = std::nullopt;
  std::optional<MatmulPrecision> default_matmul_precision = std::nullopt;
};

class [[nodiscard]] ScopedFlags {
 public:
  explicit ScopedFlags(const Overrides& overrides);
  ~ScopedFlags();
  ScopedFlags(const ScopedFlags&) = delete;
  ScopedFlags& operator=(const ScopedFlags&) = delete;

 private:
  Flags saved_;
};

inline ScopedFlags scoped(const Overrides& overrides) { return ScopedFlags(overrides); }
// jax.checking_leaks(): check_tracer_leaks for a scope.
inline ScopedFlags checking_leaks() { return ScopedFlags({.check_tracer_leaks = true}); }

// The most signatures one jitted function keeps compiled; the least recently used go first (JAX's
// default, 4096; env JX_JIT_CACHE_SIZE). Not a flag of the scoped kind: it is process-wide.
void jit_cache_size(std::size_t entries);
std::size_t jit_cache_size();
// The most bytes jx's allocator keeps cached for reuse once freed (default: an eighth of physical
// memory; env JX_ALLOCATOR_CACHE_BYTES); lowering it returns what is above the limit to the system.
void allocator_cache_bytes(std::size_t bytes);
std::size_t allocator_cache_bytes();

// The flags that change results, packed for jit cache keys.
std::uint32_t result_affecting_key();

}  // namespace jx::config
