// Micro-benchmarks of distance-per-code throughput for each quantizer against float L2, scanning a
// block of codes as a brute-force pass or a tier's candidate list would, at 128 and 768 dimensions.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "strata/detail/distance.hpp"
#include "strata/detail/quant/binary_quantizer.hpp"
#include "strata/detail/quant/product_quantizer.hpp"
#include "strata/detail/quant/scalar_quantizer.hpp"

namespace strata::detail {
namespace {

// 16384 vectors: the float block (8 MB at 128-d, 48 MB at 768-d) spills the caches as a real scan would,
// while the codes shrink by the quantizer's ratio; that difference is part of what tiers buy.
constexpr std::size_t kVectors = 16384;
constexpr std::size_t kDims[] = {128, 768};

struct Setup {
  std::size_t dim = 0;
  std::vector<float> vectors;  // kVectors x dim
  std::vector<float> query;
  std::unique_ptr<ScalarQuantizer> sq;
  std::vector<std::uint8_t> sq_codes;
  std::map<std::size_t, std::unique_ptr<ProductQuantizer>> pq;  // by sub-space count
  std::map<std::size_t, std::vector<std::uint8_t>> pq_codes;
  std::unique_ptr<BinaryQuantizer> bq;
  std::vector<std::uint64_t> bq_codes;
};

// Built once per dimension, on first use, so that --benchmark_filter skips the training it does not need.
Setup& setup(std::size_t dim) {
  static std::map<std::size_t, Setup> cache;
  Setup& s = cache[dim];
  if (s.dim != 0) return s;
  s.dim = dim;
  std::mt19937 rng(42);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  s.vectors.resize(kVectors * dim);
  for (float& x : s.vectors) x = normal(rng);
  s.query.resize(dim);
  for (float& x : s.query) x = normal(rng);
  s.sq = std::make_unique<ScalarQuantizer>(*ScalarQuantizer::train(s.vectors.data(), kVectors, dim));
  s.sq_codes.resize(kVectors * s.sq->code_size());
  s.sq->encode_batch(s.vectors.data(), kVectors, s.sq_codes.data());
  s.bq = std::make_unique<BinaryQuantizer>(*BinaryQuantizer::train(s.vectors.data(), kVectors, dim));
  s.bq_codes.resize(kVectors * s.bq->words());
  s.bq->encode_batch(s.vectors.data(), kVectors, s.bq_codes.data());
  return s;
}

const ProductQuantizer& product_quantizer(Setup& s, std::size_t m) {
  auto& pq = s.pq[m];
  if (!pq) {
    ProductQuantizerOptions o;
    o.subspaces = m;
    o.max_training_vectors = 4096;  // codebook quality does not change scan speed
    o.iterations = 8;
    pq = std::make_unique<ProductQuantizer>(*ProductQuantizer::train(s.vectors.data(), kVectors, s.dim, o));
    s.pq_codes[m].resize(kVectors * pq->code_size());
    pq->encode_batch(s.vectors.data(), kVectors, s.pq_codes[m].data());
  }
  return *pq;
}

// Items are codes scored; bytes are code bytes read.
void finish(benchmark::State& state, std::size_t code_bytes) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kVectors));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kVectors * code_bytes));
}

void float_l2(benchmark::State& state, std::size_t dim) {
  Setup& s = setup(dim);
  const FloatKernel l2 = kernels().l2_squared;
  std::vector<float> out(kVectors);
  for (auto _ : state) {
    for (std::size_t i = 0; i < kVectors; ++i) out[i] = l2(s.query.data(), s.vectors.data() + i * dim, dim);
    benchmark::DoNotOptimize(out.data());
  }
  finish(state, dim * sizeof(float));
}

void sq8_l2(benchmark::State& state, std::size_t dim, ScalarQuantizer::QueryPrecision precision) {
  Setup& s = setup(dim);
  const auto query = *s.sq->prepare(s.query.data(), DistanceMetric::kEuclidean, precision);
  std::vector<float> out(kVectors);
  for (auto _ : state) {
    query.distances(s.sq_codes.data(), kVectors, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  finish(state, s.sq->code_size());
}

void pq_l2(benchmark::State& state, std::size_t dim, std::size_t m) {
  Setup& s = setup(dim);
  const ProductQuantizer& pq = product_quantizer(s, m);
  const ProductQuantizer::Query query = pq.prepare(s.query.data(), DistanceMetric::kEuclidean);
  std::vector<float> out(kVectors);
  for (auto _ : state) {
    query.distances(s.pq_codes[m].data(), kVectors, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  finish(state, pq.code_size());
}

void binary_hamming(benchmark::State& state, std::size_t dim) {
  Setup& s = setup(dim);
  const BinaryQuantizer::Query query = s.bq->prepare(s.query.data());
  std::vector<std::uint32_t> out(kVectors);
  for (auto _ : state) {
    query.distances(s.bq_codes.data(), kVectors, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  finish(state, s.bq->code_size());
}

void binary_asymmetric(benchmark::State& state, std::size_t dim) {
  Setup& s = setup(dim);
  const BinaryQuantizer::AsymmetricQuery query =
      s.bq->prepare_asymmetric(s.query.data(), DistanceMetric::kEuclidean);
  std::vector<float> out(kVectors);
  for (auto _ : state) {
    query.distances(s.bq_codes.data(), kVectors, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  finish(state, s.bq->code_size());
}

// Per-query preparation, paid once per search before any code is scored.
void prepare_costs(benchmark::State& state, std::size_t dim, int which) {
  Setup& s = setup(dim);
  const ProductQuantizer& pq = product_quantizer(s, dim / 8);
  for (auto _ : state) {
    switch (which) {
      case 0:
        benchmark::DoNotOptimize(s.sq->prepare(s.query.data(), DistanceMetric::kEuclidean));
        break;
      case 1:
        benchmark::DoNotOptimize(pq.prepare(s.query.data(), DistanceMetric::kEuclidean));
        break;
      case 2:
        benchmark::DoNotOptimize(s.bq->prepare(s.query.data()));
        break;
      default:
        benchmark::DoNotOptimize(s.bq->prepare_asymmetric(s.query.data(), DistanceMetric::kEuclidean));
        break;
    }
  }
}

bool register_all() {
  const std::string isa = kernels().isa;
  for (std::size_t dim : kDims) {
    const std::string suffix = "/" + isa + "/" + std::to_string(dim);
    benchmark::RegisterBenchmark(("scan_float_l2" + suffix).c_str(),
                                 [=](benchmark::State& s) { float_l2(s, dim); });
    benchmark::RegisterBenchmark(("scan_sq8_l2" + suffix).c_str(), [=](benchmark::State& s) {
      sq8_l2(s, dim, ScalarQuantizer::QueryPrecision::kHigh);
    });
    benchmark::RegisterBenchmark(("scan_sq8_fast_l2" + suffix).c_str(), [=](benchmark::State& s) {
      sq8_l2(s, dim, ScalarQuantizer::QueryPrecision::kFast);
    });
    // 16 sub-spaces (the tests' setting) and one per 8 dimensions (a common choice for wide vectors).
    std::vector<std::size_t> subspaces = {16};
    if (dim / 8 != 16) subspaces.push_back(dim / 8);
    for (std::size_t m : subspaces) {
      benchmark::RegisterBenchmark(("scan_pq" + std::to_string(m) + "x256_l2" + suffix).c_str(),
                                   [=](benchmark::State& s) { pq_l2(s, dim, m); });
    }
    benchmark::RegisterBenchmark(("scan_binary_hamming" + suffix).c_str(),
                                 [=](benchmark::State& s) { binary_hamming(s, dim); });
    benchmark::RegisterBenchmark(("scan_binary_asymmetric_l2" + suffix).c_str(),
                                 [=](benchmark::State& s) { binary_asymmetric(s, dim); });
    const char* names[] = {"prepare_sq8", "prepare_pq", "prepare_binary", "prepare_binary_asymmetric"};
    for (int which = 0; which < 4; ++which) {
      std::string name = names[which];
      if (which == 1) name += std::to_string(dim / 8) + "x256";
      benchmark::RegisterBenchmark((name + suffix).c_str(),
                                   [=](benchmark::State& s) { prepare_costs(s, dim, which); });
    }
  }
  return true;
}

[[maybe_unused]] const bool kRegistered = register_all();

}  // namespace
}  // namespace strata::detail
