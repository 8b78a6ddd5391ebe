// k-means clustering (k-means++ seeding, then Lloyd iterations on Eigen matrix products), used to train
// the product quantizer's codebooks. Internal to src/quant.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace strata::detail {

struct KMeansOptions {
  std::size_t k = 256;          // clusters. REQUIRES: 1 <= k <= n.
  std::size_t iterations = 25;  // Lloyd iterations at most; stops early once no point changes cluster
  std::uint64_t seed = 0;       // same seed and input, same centroids
  bool plus_plus = true;        // k-means++ seeding (Arthur & Vassilvitskii); else k distinct random points
};

struct KMeansResult {
  std::vector<float> centroids;  // k x d, row-major
  double inertia = 0.0;          // sum of squared distances from each point to its centroid, after the last
                                 // assignment
  std::size_t iterations = 0;    // Lloyd iterations run
};

// Clusters n row-major points of d floats. REQUIRES: 1 <= k <= n, d >= 1, finite data.
// Thread safety: reentrant; concurrent calls share nothing.
KMeansResult kmeans(const float* data, std::size_t n, std::size_t d, const KMeansOptions& options);

}  // namespace strata::detail
