// k-means for codebook training: Eigen computes point-centroid dot products in blocks, the rest is plain.
#include "quant/kmeans.hpp"

#include <Eigen/Core>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <random>

namespace strata::detail {
namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Points assigned per matrix product: 1024 x 256 floats of scores stay within L2.
constexpr std::size_t kBlock = 1024;

// The libstdc++ distributions are not specified bit-for-bit by the standard; these are, so a seed means
// the same codebook on every platform.
double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }
std::size_t uniform_index(std::mt19937_64& rng, std::size_t n) {
  return static_cast<std::size_t>(uniform01(rng) * static_cast<double>(n)) % n;
}

void seed_plus_plus(const Eigen::Map<const RowMatrix>& x, RowMatrix& c, std::mt19937_64& rng) {
  const auto n = static_cast<std::size_t>(x.rows());
  const auto k = static_cast<std::size_t>(c.rows());
  c.row(0) = x.row(static_cast<Eigen::Index>(uniform_index(rng, n)));
  Eigen::VectorXf nearest = (x.rowwise() - c.row(0)).rowwise().squaredNorm();
  for (std::size_t j = 1; j < k; ++j) {
    const double total = nearest.cast<double>().sum();
    std::size_t pick = uniform_index(rng, n);
    if (total > 0.0) {
      // Sampling proportional to squared distance spreads the seeds across the data.
      const double target = uniform01(rng) * total;
      double running = 0.0;
      for (std::size_t i = 0; i < n; ++i) {
        running += nearest[static_cast<Eigen::Index>(i)];
        if (running > target) {
          pick = i;
          break;
        }
      }
    }
    c.row(static_cast<Eigen::Index>(j)) = x.row(static_cast<Eigen::Index>(pick));
    nearest = nearest.cwiseMin((x.rowwise() - c.row(static_cast<Eigen::Index>(j))).rowwise().squaredNorm());
  }
}

void seed_random(const Eigen::Map<const RowMatrix>& x, RowMatrix& c, std::mt19937_64& rng) {
  const auto n = static_cast<std::size_t>(x.rows());
  const auto k = static_cast<std::size_t>(c.rows());
  // Partial Fisher-Yates: k distinct rows.
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  for (std::size_t j = 0; j < k; ++j) {
    std::swap(order[j], order[j + uniform_index(rng, n - j)]);
    c.row(static_cast<Eigen::Index>(j)) = x.row(static_cast<Eigen::Index>(order[j]));
  }
}

// Assigns every point to its nearest centroid; returns the number of points whose cluster changed and
// adds up the squared distances.
std::size_t assign(const Eigen::Map<const RowMatrix>& x, const Eigen::VectorXf& x_norms, const RowMatrix& c,
                   std::vector<std::uint32_t>& labels, double& inertia) {
  const Eigen::Index n = x.rows();
  const Eigen::Index k = c.rows();
  const Eigen::VectorXf c_norms = c.rowwise().squaredNorm();
  RowMatrix scores;
  std::size_t changed = 0;
  inertia = 0.0;
  for (Eigen::Index begin = 0; begin < n; begin += static_cast<Eigen::Index>(kBlock)) {
    const Eigen::Index rows = std::min<Eigen::Index>(static_cast<Eigen::Index>(kBlock), n - begin);
    // |x - c|^2 = |x|^2 - 2 x.c + |c|^2; |x|^2 does not change the argmin, so it is added back only for
    // the inertia.
    scores.noalias() = x.middleRows(begin, rows) * c.transpose();
    for (Eigen::Index r = 0; r < rows; ++r) {
      const float* row = scores.data() + r * k;
      float best = std::numeric_limits<float>::infinity();
      std::uint32_t best_j = 0;
      for (Eigen::Index j = 0; j < k; ++j) {
        const float s = c_norms[j] - 2.0f * row[j];
        if (s < best) {
          best = s;
          best_j = static_cast<std::uint32_t>(j);
        }
      }
      auto& label = labels[static_cast<std::size_t>(begin + r)];
      if (label != best_j) ++changed;
      label = best_j;
      inertia += std::max(0.0, static_cast<double>(x_norms[begin + r]) + best);
    }
  }
  return changed;
}

}  // namespace

KMeansResult kmeans(const float* data, std::size_t n, std::size_t d, const KMeansOptions& options) {
  assert(options.k >= 1 && options.k <= n && d >= 1);
  const std::size_t k = options.k;
  const Eigen::Map<const RowMatrix> x(data, static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(d));
  const Eigen::VectorXf x_norms = x.rowwise().squaredNorm();
  std::mt19937_64 rng(options.seed);

  RowMatrix c(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(d));
  if (options.plus_plus) {
    seed_plus_plus(x, c, rng);
  } else {
    seed_random(x, c, rng);
  }
  // A perturbation in the units of the data, for splitting clusters when one empties.
  const float jitter =
      1e-4f * std::sqrt(static_cast<float>(x_norms.cast<double>().mean() / static_cast<double>(d))) +
      std::numeric_limits<float>::min();

  KMeansResult result;
  std::vector<std::uint32_t> labels(n, std::numeric_limits<std::uint32_t>::max());
  Eigen::MatrixXd sums(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(d));
  std::vector<std::size_t> counts(k);
  for (std::size_t iter = 0; iter < options.iterations; ++iter) {
    const std::size_t changed = assign(x, x_norms, c, labels, result.inertia);
    ++result.iterations;
    if (changed == 0) break;
    sums.setZero();
    std::fill(counts.begin(), counts.end(), 0);
    for (std::size_t i = 0; i < n; ++i) {
      sums.row(labels[i]) += x.row(static_cast<Eigen::Index>(i)).cast<double>();
      ++counts[labels[i]];
    }
    for (std::size_t j = 0; j < k; ++j) {
      if (counts[j] > 0)
        c.row(static_cast<Eigen::Index>(j)) =
            (sums.row(static_cast<Eigen::Index>(j)) / static_cast<double>(counts[j])).cast<float>();
    }
    // An empty cluster takes half of a populous one (chosen in proportion to its size, as Faiss does):
    // both copies are nudged apart and the next assignment splits the points between them.
    for (std::size_t j = 0; j < k; ++j) {
      if (counts[j] != 0) continue;
      std::size_t donor = 0;
      for (;;) {
        donor = uniform_index(rng, k);
        if (uniform01(rng) * static_cast<double>(n - k) < static_cast<double>(counts[donor]) - 1.0) break;
      }
      const auto dj = static_cast<Eigen::Index>(j);
      const auto dd = static_cast<Eigen::Index>(donor);
      c.row(dj) = c.row(dd);
      for (Eigen::Index t = 0; t < static_cast<Eigen::Index>(d); ++t) {
        const float delta = (t % 2 == 0 ? 1.0f : -1.0f) * (jitter + 1e-3f * std::abs(c(dd, t)));
        c(dj, t) += delta;
        c(dd, t) -= delta;
      }
      counts[j] = counts[donor] / 2;
      counts[donor] -= counts[j];
    }
  }
  result.centroids.assign(c.data(), c.data() + c.size());
  return result;
}

}  // namespace strata::detail
