// Shared helpers for the quantizer tests: synthetic data, exact search, recall of code-only ranking
// with and without exact rescoring, and corruption of serialized bytes.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace strata::testing {

// Gaussian vectors whose dimensions have different spreads and centres (scale from 0.1 to 10), so
// per-dimension ranges matter.
inline std::vector<float> heterogeneous_gaussian(std::size_t n, std::size_t dim, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> scale(dim);
  std::vector<float> centre(dim);
  for (std::size_t d = 0; d < dim; ++d) {
    scale[d] = 0.1f * std::pow(100.0f, static_cast<float>(d % 17) / 16.0f);
    centre[d] = 5.0f * normal(rng);
  }
  std::vector<float> v(n * dim);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t d = 0; d < dim; ++d) v[i * dim + d] = centre[d] + scale[d] * normal(rng);
  }
  return v;
}

// Unit-length Gaussian vectors (directions uniform on the sphere).
inline std::vector<float> unit_gaussian(std::size_t n, std::size_t dim, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> v(n * dim);
  for (std::size_t i = 0; i < n; ++i) {
    double norm = 0.0;
    for (std::size_t d = 0; d < dim; ++d) {
      v[i * dim + d] = normal(rng);
      norm += double{v[i * dim + d]} * v[i * dim + d];
    }
    const auto inv = static_cast<float>(1.0 / std::sqrt(norm));
    for (std::size_t d = 0; d < dim; ++d) v[i * dim + d] *= inv;
  }
  return v;
}

inline double exact_l2(const float* a, const float* b, std::size_t dim) {
  double s = 0.0;
  for (std::size_t d = 0; d < dim; ++d) {
    const double diff = double{a[d]} - double{b[d]};
    s += diff * diff;
  }
  return s;
}

inline double exact_dot(const float* a, const float* b, std::size_t dim) {
  double s = 0.0;
  for (std::size_t d = 0; d < dim; ++d) s += double{a[d]} * double{b[d]};
  return s;
}

// Indices of the k smallest values, nearest first, ties by lower index.
template <class T>
std::vector<std::int64_t> smallest_k(const std::vector<T>& values, std::size_t k) {
  std::vector<std::int64_t> idx(values.size());
  std::iota(idx.begin(), idx.end(), 0);
  k = std::min(k, idx.size());
  auto less = [&](std::int64_t a, std::int64_t b) {
    return values[static_cast<std::size_t>(a)] < values[static_cast<std::size_t>(b)] ||
           (values[static_cast<std::size_t>(a)] == values[static_cast<std::size_t>(b)] && a < b);
  };
  std::partial_sort(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(k), idx.end(), less);
  idx.resize(k);
  return idx;
}

// Exact top-k by Euclidean distance for each query: the ground truth for synthetic data.
inline std::vector<std::vector<std::int64_t>> exact_knn(const std::vector<float>& base,
                                                        const std::vector<float>& queries, std::size_t dim,
                                                        std::size_t k) {
  const std::size_t n = base.size() / dim;
  std::vector<std::vector<std::int64_t>> out;
  std::vector<double> dist(n);
  for (std::size_t q = 0; q < queries.size() / dim; ++q) {
    for (std::size_t i = 0; i < n; ++i)
      dist[i] = exact_l2(queries.data() + q * dim, base.data() + i * dim, dim);
    out.push_back(smallest_k(dist, k));
  }
  return out;
}

struct RecallReport {
  double codes_only = 0.0;  // recall@k ranking every base vector by its code distance alone
  double rescored = 0.0;    // recall@k after re-ranking the code distance's top `rerank` exactly
};

// approx(q, out) writes the code distance from query q to every base vector; truth[q] holds at least k
// true nearest ids. Rescoring uses the exact Euclidean distance on the float base vectors.
template <class T>
RecallReport measure_recall(std::size_t num_queries, std::size_t n, std::size_t k, std::size_t rerank,
                            const std::function<void(std::size_t, std::vector<T>&)>& approx,
                            const std::function<const std::int64_t*(std::size_t)>& truth, const float* base,
                            const float* queries, std::size_t dim) {
  RecallReport report;
  std::vector<T> dist(n);
  for (std::size_t q = 0; q < num_queries; ++q) {
    approx(q, dist);
    const std::set<std::int64_t> want(truth(q), truth(q) + k);
    const std::vector<std::int64_t> top = smallest_k(dist, std::max(k, rerank));
    for (std::size_t i = 0; i < k; ++i) report.codes_only += static_cast<double>(want.count(top[i]));
    std::vector<double> exact(top.size());
    for (std::size_t i = 0; i < top.size(); ++i) {
      exact[i] = exact_l2(queries + q * dim, base + static_cast<std::size_t>(top[i]) * dim, dim);
    }
    for (std::int64_t pos : smallest_k(exact, k))
      report.rescored += static_cast<double>(want.count(top[static_cast<std::size_t>(pos)]));
  }
  report.codes_only /= static_cast<double>(num_queries * k);
  report.rescored /= static_cast<double>(num_queries * k);
  return report;
}

// Every strict prefix, and every single-byte change, of a serialized blob: none may deserialize.
inline std::vector<std::string> damaged_copies(const std::string& good) {
  std::vector<std::string> out;
  for (std::size_t len = 0; len < good.size(); ++len) out.push_back(good.substr(0, len));
  for (std::size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x5A);
    out.push_back(std::move(bad));
  }
  out.push_back(good + std::string(1, '\0'));
  return out;
}

}  // namespace strata::testing
