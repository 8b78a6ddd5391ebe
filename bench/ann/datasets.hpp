// Datasets for the ANN benchmark: base vectors, queries and exact top-100 ground truth.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace strata::bench {

struct Dataset {
  std::string name;
  std::size_t dim = 0;
  std::size_t rows = 0;
  std::size_t queries = 0;
  std::vector<float> base;
  std::vector<float> query;
  std::size_t gt_k = 0;
  std::vector<std::int32_t> groundtruth;  // queries x gt_k base row numbers, nearest first
};

// bigann10k from ../shared/datasets (or $STRATA_DATASETS); nullopt with a message when absent.
std::optional<Dataset> load_bigann10k(const std::string& datasets_dir);

// fashion-mnist-784 from Debian's dataset-fashion-mnist: 60,000 train images as base and the 10,000
// test images as queries (the split ann-benchmarks uses). Ground truth is computed by brute force on
// first use and cached in `cache_dir`.
std::optional<Dataset> load_fashion_mnist(const std::string& cache_dir, std::size_t max_queries);

}  // namespace strata::bench
