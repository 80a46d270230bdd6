#include "fft/fftw_plans.h"

#include <fftw3.h>

#include <array>
#include <compare>
#include <complex>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <utility>

#include "backends/cpu/scratch.h"

namespace jx::fft_kernels {
namespace {

constexpr std::size_t kMaxRank = 3;  // FFTW's plans here, as XLA's FFT, take 1 to 3 axes

// FFTW's two precisions behind one interface.
template <class Real>
struct Fftw;

template <>
struct Fftw<double> {
  using Plan = fftw_plan;
  using Complex = fftw_complex;
  static Plan many(int rank, const int* n, int howmany, Complex* in, Complex* out, int sign, unsigned flags, int idist,
                   int odist) {
    return fftw_plan_many_dft(rank, n, howmany, in, nullptr, 1, idist, out, nullptr, 1, odist, sign, flags);
  }
  static Plan many_r2c(int rank, const int* n, int howmany, double* in, Complex* out, unsigned flags, int idist,
                       int odist) {
    return fftw_plan_many_dft_r2c(rank, n, howmany, in, nullptr, 1, idist, out, nullptr, 1, odist, flags);
  }
  static Plan many_c2r(int rank, const int* n, int howmany, Complex* in, double* out, unsigned flags, int idist,
                       int odist) {
    return fftw_plan_many_dft_c2r(rank, n, howmany, in, nullptr, 1, idist, out, nullptr, 1, odist, flags);
  }
  static void run(Plan p, Complex* in, Complex* out) { fftw_execute_dft(p, in, out); }
  static void run(Plan p, double* in, Complex* out) { fftw_execute_dft_r2c(p, in, out); }
  static void run(Plan p, Complex* in, double* out) { fftw_execute_dft_c2r(p, in, out); }
  static bool aligned(const void* p) { return fftw_alignment_of(static_cast<double*>(const_cast<void*>(p))) == 0; }
  static void destroy(Plan p) { fftw_destroy_plan(p); }
};

template <>
struct Fftw<float> {
  using Plan = fftwf_plan;
  using Complex = fftwf_complex;
  static Plan many(int rank, const int* n, int howmany, Complex* in, Complex* out, int sign, unsigned flags, int idist,
                   int odist) {
    return fftwf_plan_many_dft(rank, n, howmany, in, nullptr, 1, idist, out, nullptr, 1, odist, sign, flags);
  }
  static Plan many_r2c(int rank, const int* n, int howmany, float* in, Complex* out, unsigned flags, int idist,
                       int odist) {
    return fftwf_plan_many_dft_r2c(rank, n, howmany, in, nullptr, 1, idist, out, nullptr, 1, odist, flags);
  }
  static Plan many_c2r(int rank, const int* n, int howmany, Complex* in, float* out, unsigned flags, int idist,
                       int odist) {
    return fftwf_plan_many_dft_c2r(rank, n, howmany, in, nullptr, 1, idist, out, nullptr, 1, odist, flags);
  }
  static void run(Plan p, Complex* in, Complex* out) { fftwf_execute_dft(p, in, out); }
  static void run(Plan p, float* in, Complex* out) { fftwf_execute_dft_r2c(p, in, out); }
  static void run(Plan p, Complex* in, float* out) { fftwf_execute_dft_c2r(p, in, out); }
  static bool aligned(const void* p) { return fftwf_alignment_of(static_cast<float*>(const_cast<void*>(p))) == 0; }
  static void destroy(Plan p) { fftwf_destroy_plan(p); }
};

// A plan is valid for any arrays with the same layout and alignment as those it was made for; plans
// for unaligned arrays (a view starting mid-buffer) are made with FFTW_UNALIGNED. A plain value (no
// heap allocation): at 2^10 points the transform itself takes about a microsecond, so the lookup must
// cost next to nothing.
struct PlanKey {
  Kind kind;
  std::array<int, kMaxRank> lengths;  // unused trailing entries 0
  int howmany;
  bool aligned;
  auto operator<=>(const PlanKey&) const = default;
};

template <class Real>
class PlanCache {
 public:
  using Plan = typename Fftw<Real>::Plan;

  // Runs `run(plan)` with the plan for this transform, made on first use. fftw and fftwf are
  // separate libraries with a planner each, so one lock per precision serializes every call into a
  // planner (making and destroying plans); executing a plan on new arrays is thread-safe and runs
  // outside it. Past kMaxPlans shapes (a program cycling through batch sizes), a plan is made for
  // the call and destroyed after it, so the cache cannot grow without bound.
  template <class Make, class Run>
  void run(const PlanKey& key, const Make& make, const Run& run_plan) {
    // The plan this thread ran last, when it is the one wanted again (a program transforming one
    // shape over and over): no lock, no map. Cached plans live as long as the process, so the copy
    // here cannot dangle.
    thread_local std::optional<std::pair<PlanKey, Plan>> last;
    if (last && last->first == key) {
      run_plan(last->second);
      return;
    }
    Plan plan = nullptr;
    bool cached = true;
    {
      const std::lock_guard lock(mutex_);
      auto it = plans_.find(key);
      if (it != plans_.end()) {
        plan = it->second;
      } else {
        plan = make();
        if (plan == nullptr) throw std::runtime_error("jx fft: FFTW could not make a plan");
        cached = plans_.size() < kMaxPlans;
        if (cached) plans_.emplace(key, plan);
      }
    }
    if (cached) last.emplace(key, plan);
    run_plan(plan);
    if (!cached) {
      const std::lock_guard lock(mutex_);
      Fftw<Real>::destroy(plan);
    }
  }

 private:
  static constexpr std::size_t kMaxPlans = 512;
  std::mutex mutex_;
  std::map<PlanKey, Plan> plans_;  // kept for the process's lifetime, as FFTW's wisdom is
};

template <class Real>
PlanCache<Real>& cache() {
  static auto* plans = new PlanCache<Real>();  // never destroyed: plans may run during static teardown
  return *plans;
}

int as_int(std::int64_t n) {
  if (n > (std::int64_t{1} << 31) - 1) throw std::length_error("jx fft: a dimension exceeds 2^31");
  return static_cast<int>(n);
}

template <class Real>
void execute_typed(Kind kind, std::span<const std::int64_t> lengths, std::int64_t batch, const void* in, void* out) {
  using F = Fftw<Real>;
  using C = typename F::Complex;
  if (lengths.empty() || lengths.size() > kMaxRank)
    throw std::logic_error("jx fft: 1 to 3 axes (the primitive checks)");
  std::array<int, kMaxRank> n{};
  std::int64_t points = 1;
  for (std::size_t i = 0; i < lengths.size(); ++i) {
    n[i] = as_int(lengths[i]);
    points *= lengths[i];
  }
  if (batch == 0 || points == 0) return;
  const std::int64_t half = points / lengths.back() * (lengths.back() / 2 + 1);  // complex side of r2c / c2r
  const int rank = static_cast<int>(lengths.size()), howmany = as_int(batch);
  switch (kind) {
    case Kind::forward:
    case Kind::inverse: {
      auto* source = static_cast<C*>(const_cast<void*>(in));
      auto* target = static_cast<C*>(out);
      const bool aligned = F::aligned(source) && F::aligned(target);
      const unsigned flags = FFTW_ESTIMATE | (aligned ? 0U : FFTW_UNALIGNED);
      const int sign = kind == Kind::forward ? FFTW_FORWARD : FFTW_BACKWARD;
      cache<Real>().run(
          {kind, n, howmany, aligned},
          [&] { return F::many(rank, n.data(), howmany, source, target, sign, flags, as_int(points), as_int(points)); },
          [&](auto plan) { F::run(plan, source, target); });
      return;
    }
    case Kind::real_forward: {
      auto* source = static_cast<Real*>(const_cast<void*>(in));
      auto* target = static_cast<C*>(out);
      const bool aligned = F::aligned(source) && F::aligned(target);
      const unsigned flags = FFTW_ESTIMATE | (aligned ? 0U : FFTW_UNALIGNED);
      cache<Real>().run(
          {kind, n, howmany, aligned},
          [&] { return F::many_r2c(rank, n.data(), howmany, source, target, flags, as_int(points), as_int(half)); },
          [&](auto plan) { F::run(plan, source, target); });
      return;
    }
    case Kind::real_inverse: {
      cpu::Scratch<C> scratch(half * batch);  // c2r overwrites its input
      std::memcpy(scratch.data(), in, scratch.size() * sizeof(C));
      auto* target = static_cast<Real*>(out);
      const bool aligned = F::aligned(scratch.data()) && F::aligned(target);
      const unsigned flags = FFTW_ESTIMATE | FFTW_DESTROY_INPUT | (aligned ? 0U : FFTW_UNALIGNED);
      cache<Real>().run(
          {kind, n, howmany, aligned},
          [&] {
            return F::many_c2r(rank, n.data(), howmany, scratch.data(), target, flags, as_int(half), as_int(points));
          },
          [&](auto plan) { F::run(plan, scratch.data(), target); });
      return;
    }
  }
}

}  // namespace

void execute(Kind kind, DType real_dtype, std::span<const std::int64_t> lengths, std::int64_t batch, const void* in,
             void* out) {
  if (real_dtype == DType::float32) return execute_typed<float>(kind, lengths, batch, in, out);
  if (real_dtype == DType::float64) return execute_typed<double>(kind, lengths, batch, in, out);
  throw std::logic_error("jx fft: float32 or float64 precision only (the primitive's shape rule checks)");
}

}  // namespace jx::fft_kernels
