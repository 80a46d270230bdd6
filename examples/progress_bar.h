// examples/progress_bar.h — a one-line terminal progress bar for training loops.
//
// Debian has no maintained C++ progress-bar library, so this is a small one: on a terminal the line
// is redrawn in place (carriage return); when the output is a file or a pipe (a log, a test) only the
// final line of each bar is written, so logs stay short.
//
//   ProgressBar bar("epoch 1/10", steps);
//   for (int i = 0; i < steps; ++i) { ...; bar.update(i + 1, fmt::format("loss {:.4f}", loss)); }
//   bar.finish("loss 0.3124  acc 0.887");
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

class ProgressBar {
 public:
  ProgressBar(std::string label, std::int64_t total, std::int64_t examples_per_step)
      : label_(std::move(label)),
        total_(total),
        examples_per_step_(examples_per_step),
        start_(std::chrono::steady_clock::now()),
        interactive_(isatty(STDOUT_FILENO) != 0) {}

  // Redraws the bar at `done` of `total` steps, with a caller's status text (interactive output only,
  // at most ten times a second).
  void update(std::int64_t done, const std::string& status) {
    if (!interactive_) return;
    const auto now = std::chrono::steady_clock::now();
    if (done < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    std::printf("\r%s\033[K", line(done, status).c_str());
    std::fflush(stdout);
  }

  // The bar's last state, on its own line.
  void finish(const std::string& status) {
    std::printf("%s%s\n", interactive_ ? "\r" : "", line(total_, status).c_str());
    std::fflush(stdout);
  }

 private:
  std::string line(std::int64_t done, const std::string& status) const {
    constexpr int kWidth = 24;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const int filled = total_ > 0 ? static_cast<int>(kWidth * done / total_) : kWidth;
    std::string bar = "[" + std::string(static_cast<std::size_t>(filled), '#') +
                      std::string(static_cast<std::size_t>(kWidth - filled), '.') + "]";
    const double rate = seconds > 0 ? static_cast<double>(done * examples_per_step_) / seconds : 0;
    const double left = done > 0 ? seconds * static_cast<double>(total_ - done) / static_cast<double>(done) : 0;
    char text[256];
    std::snprintf(text, sizeof text, "%s %s %lld/%lld  %s  %.0f ex/s  %s %d:%02d", label_.c_str(), bar.c_str(),
                  static_cast<long long>(done), static_cast<long long>(total_), status.c_str(), rate,
                  done < total_ ? "left" : "took", static_cast<int>((done < total_ ? left : seconds) / 60),
                  static_cast<int>(done < total_ ? left : seconds) % 60);
    return text;
  }

  std::string label_;
  std::int64_t total_, examples_per_step_;
  std::chrono::steady_clock::time_point start_, last_draw_{};
  bool interactive_;
};
