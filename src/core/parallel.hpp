// parallel_for: spreads independent work items over a few threads for batch operations.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace strata::detail {

// Number of threads to use for `requested` (0 means one per hardware thread).
inline std::size_t resolve_threads(std::size_t requested) {
  if (requested != 0) return requested;
  return std::max<std::size_t>(1, std::thread::hardware_concurrency());
}

// Calls fn(worker, i) once for every i in [0, n), on up to `threads` threads including the caller.
// Items are handed out one at a time, so uneven items balance. `worker` is in [0, threads).
// fn must not throw.
template <typename Fn>
void parallel_for(std::size_t n, std::size_t threads, Fn&& fn) {
  threads = std::min(threads, n);
  if (threads <= 1) {
    for (std::size_t i = 0; i < n; ++i) fn(std::size_t{0}, i);
    return;
  }
  std::atomic<std::size_t> next{0};
  auto work = [&](std::size_t worker) {
    for (std::size_t i = next.fetch_add(1, std::memory_order_relaxed); i < n;
         i = next.fetch_add(1, std::memory_order_relaxed)) {
      fn(worker, i);
    }
  };
  std::vector<std::jthread> pool;
  pool.reserve(threads - 1);
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
}

}  // namespace strata::detail
