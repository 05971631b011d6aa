// A one-line progress bar on a terminal (stderr), redrawn in place; silent when not a terminal.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>

namespace person_import::cli {

class ProgressBar {
 public:
  // Draws on `stream` only when it is a terminal.
  explicit ProgressBar(std::FILE* stream);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void update(std::uint64_t done, std::uint64_t total, std::uint64_t rows);
  // Clears the line so later output starts clean.
  void finish();

 private:
  std::FILE* stream_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace person_import::cli
