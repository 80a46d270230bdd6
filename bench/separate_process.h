// bench/separate_process.h — measure a baseline library in a child process of its own.
//
// libtorch and jx in one process compete: each one's idle threads (OpenMP's spin for milliseconds)
// take cycles from the other's kernels, and the figures of both move (libtorch's MLP step rose from
// 31 to 42 ms next to jx's pool). So a baseline is measured in a child forked before jx has started
// a thread, and its figures come back through a pipe; the parent then measures jx alone.
//
//   jx::bench::run_again_with_passive_openmp(argv);   // first thing in main (see below)
//   struct Figures { double forward, backward; };
//   std::optional<Figures> torch = jx::bench::in_child_process([] { return Figures{...}; });
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <type_traits>

namespace jx::bench {

// libtorch runs on OpenMP, whose idle threads spin by default; next to the OpenBLAS threads libtorch
// calls for its matrix products that made its 2-thread MLP step 50 ms instead of 22. OpenMP reads
// OMP_WAIT_POLICY once, when it is loaded, so a benchmark that measures libtorch calls this first
// thing in main: without the variable set, the program runs itself again with OMP_WAIT_POLICY=PASSIVE
// (jx starts no OpenMP team, so its own figures do not change).
inline void run_again_with_passive_openmp(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  execv("/proc/self/exe", argv);  // returns only if it failed: go on as we are
}

// Runs `measure` (returning a trivially copyable T) in a forked child and returns its result, or
// nothing when the child failed. Call it before anything starts a thread.
template <class Measure>
auto in_child_process(const Measure& measure) -> std::optional<decltype(measure())> {
  using Figures = decltype(measure());
  static_assert(std::is_trivially_copyable_v<Figures>, "figures travel through a pipe as bytes");
  int channel[2];
  if (pipe(channel) != 0) return std::nullopt;
  const pid_t child = fork();
  if (child < 0) return std::nullopt;
  if (child == 0) {
    close(channel[0]);
    const Figures figures = measure();
    const bool written = write(channel[1], &figures, sizeof figures) == static_cast<ssize_t>(sizeof figures);
    _exit(written ? 0 : 1);
  }
  close(channel[1]);
  Figures figures{};
  const bool complete = read(channel[0], &figures, sizeof figures) == static_cast<ssize_t>(sizeof figures);
  close(channel[0]);
  int status = 0;
  waitpid(child, &status, 0);
  if (!complete || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return figures;
}

}  // namespace jx::bench
