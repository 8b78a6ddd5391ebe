// Micro-benchmarks of every kernel of every kernel table this CPU supports, at common embedding sizes.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "strata/detail/distance.hpp"

namespace strata::detail {
namespace {

constexpr std::size_t kDims[] = {128, 384, 768, 1536};

template <class T>
std::vector<T> random_vector(std::size_t n, std::mt19937& rng) {
  std::vector<T> v(n);
  if constexpr (std::is_floating_point_v<T>) {
    std::uniform_real_distribution<T> dist(-1, 1);
    for (T& x : v) x = dist(rng);
  } else {
    std::uniform_int_distribution<int> dist(std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
    for (T& x : v) x = static_cast<T>(dist(rng));
  }
  return v;
}

// Items are vector elements (bytes for hamming); bytes are what the kernel reads from both inputs.
template <class T, class Kernel>
void run(benchmark::State& state, Kernel kernel, std::size_t n) {
  std::mt19937 rng(42);
  const auto a = random_vector<T>(n, rng);
  const auto b = random_vector<T>(n, rng);
  for (auto _ : state) {
    auto result = kernel(a.data(), b.data(), n);
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n * 2 * sizeof(T)));
}

bool register_all() {
  for (const KernelTable* table : supported_kernels()) {
    const std::string isa = table->isa;
    for (std::size_t n : kDims) {
      const std::string suffix = "/" + isa + "/" + std::to_string(n);
      benchmark::RegisterBenchmark(("l2_squared" + suffix).c_str(),
                                   [=](benchmark::State& s) { run<float>(s, table->l2_squared, n); });
      benchmark::RegisterBenchmark(("dot" + suffix).c_str(),
                                   [=](benchmark::State& s) { run<float>(s, table->dot, n); });
      benchmark::RegisterBenchmark(("l1" + suffix).c_str(),
                                   [=](benchmark::State& s) { run<float>(s, table->l1, n); });
      benchmark::RegisterBenchmark(("int8_dot" + suffix).c_str(),
                                   [=](benchmark::State& s) { run<std::int8_t>(s, table->int8_dot, n); });
      benchmark::RegisterBenchmark(("int8_l2_squared" + suffix).c_str(), [=](benchmark::State& s) {
        run<std::int8_t>(s, table->int8_l2_squared, n);
      });
      // n bytes = 8n-bit binary codes.
      benchmark::RegisterBenchmark(("hamming" + suffix).c_str(),
                                   [=](benchmark::State& s) { run<std::uint8_t>(s, table->hamming, n); });
    }
  }
  return true;
}

[[maybe_unused]] const bool kRegistered = register_all();

}  // namespace
}  // namespace strata::detail
