// src/backends/cpu/executor.h — tier 0: running a program on the CPU.
//
// An Executable is a program prepared to run many times: the last use of every variable is known in
// advance, so each intermediate is released as soon as nothing needs it any more and its memory goes
// straight back to the allocator's cache for the next equation. Running is thread-safe: all state of
// a run is local to it.
#pragma once

#include <span>
#include <vector>

#include "jx/ir/program.h"

namespace jx::cpu {

class Executable {
 public:
  explicit Executable(Program program);

  // `donated[i]` marks inputs whose buffers the caller gives up (they may be overwritten).
  ArrayList run(std::span<const Array> inputs, std::span<const bool> donated = {}) const;
  const Program& program() const { return program_; }

 private:
  Program program_;
  std::vector<std::vector<int>> release_after_;  // per equation: variables it uses for the last time
};

}  // namespace jx::cpu
