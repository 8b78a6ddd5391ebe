// Progress: a one-line progress bar with rate and ETA on stderr, drawn only when stderr is a terminal
// so that logs and pipes never receive carriage returns.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace strata::cli {

// Thread safety: not safe to share; update from one thread.
class Progress {
 public:
  // `total_bytes` 0 means unknown (standard input): the bar then shows counts and rate only.
  Progress(std::string label, std::uint64_t total_bytes);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Redraws at most ten times a second.
  void update(std::uint64_t bytes_done, std::uint64_t items_done);
  // Draws the final state and ends the line.
  void finish();

 private:
  void draw(bool final);

  std::string label_;
  std::uint64_t total_bytes_;
  bool enabled_;
  bool finished_ = false;
  std::uint64_t bytes_done_ = 0;
  std::uint64_t items_done_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace strata::cli
