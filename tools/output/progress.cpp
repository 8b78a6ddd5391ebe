// Progress bar drawing.
#include "output/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <fmt/format.h>

namespace strata::cli {

namespace {

constexpr int kBarWidth = 30;
constexpr auto kRedrawInterval = std::chrono::milliseconds(100);

std::string human_count(double n) {
  if (n >= 1e9) return fmt::format("{:.1f}G", n / 1e9);
  if (n >= 1e6) return fmt::format("{:.1f}M", n / 1e6);
  if (n >= 1e4) return fmt::format("{:.1f}k", n / 1e3);
  return fmt::format("{:.0f}", n);
}

std::string duration(double seconds) {
  const long long s = std::llround(seconds);
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

}  // namespace

Progress::Progress(std::string label, std::uint64_t total_bytes)
    : label_(std::move(label)),
      total_bytes_(total_bytes),
      enabled_(isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() {
  // Leave the terminal on a fresh line if a command failed half-way.
  if (enabled_ && !finished_) std::fputs("\n", stderr);
}

void Progress::update(std::uint64_t bytes_done, std::uint64_t items_done) {
  bytes_done_ = bytes_done;
  items_done_ = items_done;
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < kRedrawInterval) return;
  last_draw_ = now;
  draw(false);
}

void Progress::finish() {
  if (!enabled_ || finished_) return;
  draw(true);
  std::fputs("\n", stderr);
  finished_ = true;
}

void Progress::draw(bool final) {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(items_done_) / elapsed : 0;
  std::string line = fmt::format("\r{} ", label_);
  if (total_bytes_ > 0) {
    const double fraction =
        std::min(1.0, static_cast<double>(bytes_done_) / static_cast<double>(total_bytes_));
    const int filled = static_cast<int>(fraction * kBarWidth);
    line += fmt::format("{:3.0f}% [{}{}] ", fraction * 100, std::string(filled, '='),
                        std::string(kBarWidth - filled, ' '));
    line += fmt::format("{} vectors  {}/s", human_count(static_cast<double>(items_done_)), human_count(rate));
    if (final) {
      line += fmt::format("  {}", duration(elapsed));
    } else if (fraction > 0) {
      line += fmt::format("  ETA {}", duration(elapsed * (1 - fraction) / fraction));
    }
  } else {
    line += fmt::format("{} vectors  {}/s  {}", human_count(static_cast<double>(items_done_)),
                        human_count(rate), duration(elapsed));
  }
  line += "\x1b[K";  // clear what a longer previous line left behind
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

}  // namespace strata::cli
