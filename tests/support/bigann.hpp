// Loads ../shared/datasets/bigann10k for tests, or tells the test to skip when it is absent.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "io/vecs_file.hpp"

namespace strata::testing {

struct Bigann10k {
  io::Matrix<float> base;
  io::Matrix<float> queries;
  io::Matrix<std::int32_t> groundtruth;  // top-100 base indices per query, nearest first
};

inline std::string datasets_dir() {
  if (const char* env = std::getenv("STRATA_DATASETS")) return env;
  return STRATA_DATASETS_DIR;
}

// nullopt (and a message) when the files are missing.
inline std::optional<Bigann10k> load_bigann10k() {
  std::filesystem::path dir = std::filesystem::path(datasets_dir()) / "bigann10k";
  if (!std::filesystem::exists(dir / "bigann10k_base.bvecs")) return std::nullopt;
  Bigann10k d;
  auto base = io::read_bvecs((dir / "bigann10k_base.bvecs").string());
  auto queries = io::read_bvecs((dir / "bigann10k_query.bvecs").string());
  auto gt = io::read_ivecs((dir / "bigann10k_groundtruth.ivecs").string());
  if (!base || !queries || !gt) return std::nullopt;
  d.base = std::move(*base);
  d.queries = std::move(*queries);
  d.groundtruth = std::move(*gt);
  return d;
}

#define STRATA_LOAD_BIGANN_OR_SKIP(var)                                               \
  auto var##_opt = ::strata::testing::load_bigann10k();                               \
  if (!var##_opt)                                                                     \
    GTEST_SKIP() << "bigann10k not found under " << ::strata::testing::datasets_dir() \
                 << "/bigann10k; skipping";                                           \
  const ::strata::testing::Bigann10k& var = *var##_opt

// Fraction of `truth` ids (first k) present in `found`.
inline double recall_at(const std::vector<std::int64_t>& found, const std::int32_t* truth, std::size_t k) {
  std::set<std::int64_t> t(truth, truth + k);
  std::size_t hits = 0;
  for (std::size_t i = 0; i < found.size() && i < k; ++i) hits += t.count(found[i]);
  return static_cast<double>(hits) / static_cast<double>(k);
}

}  // namespace strata::testing
