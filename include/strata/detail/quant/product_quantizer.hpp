// ProductQuantizer (PQ, Jegou et al. 2011): one byte per sub-space naming the nearest of its trained
// centroids, with asymmetric distances from a per-query lookup table. Used for the cold tier. Not API.
#pragma once

#include "strata/detail/quant/lookup_table.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "strata/status.hpp"
#include "strata/types.hpp"

namespace strata::detail {

struct ProductQuantizerOptions {
  // M in the PQ paper: sub-spaces, each coded in one byte. When M does not divide the dimension, the
  // first dim % M sub-spaces get one extra dimension. REQUIRES: 1 <= subspaces <= dim. Default: 16.
  std::size_t subspaces = 16;
  // k* in the paper: centroids per sub-space. REQUIRES: 2 <= centroids <= 256, and at least that many
  // training vectors. Default: 256.
  std::size_t centroids = 256;
  // Lloyd iterations per sub-space (fewer when assignments settle). Default: 25.
  std::size_t iterations = 25;
  // Training uses a random sample of at most this many vectors (0 = all); k-means gains little past a
  // few hundred points per centroid. Default: 65536.
  std::size_t max_training_vectors = 65536;
  // Seeds both the sample and the k-means seeding: same seed and data, same codebooks. Default: 1.
  std::uint64_t seed = 1;
  // k-means++ seeding (Arthur & Vassilvitskii 2007); false seeds with distinct random training vectors,
  // which is faster but converges to worse codebooks more often. Default: true.
  bool kmeans_plus_plus = true;
  // Threads that train sub-spaces concurrently; the result does not depend on it. Default: 1.
  std::size_t threads = 1;
};

// Thread safety: immutable after train/deserialize; share freely.
class ProductQuantizer {
 public:
  static constexpr std::uint8_t kTag = 'P';
  static constexpr std::uint8_t kFormatVersion = 1;
  static constexpr std::size_t kMaxDimensions = 65536;

  class Query;

  // Learns the codebooks from n row-major vectors of dim floats. InvalidArgument when an option is out
  // of range, n < centroids, dim > kMaxDimensions or a value is not finite.
  static Result<ProductQuantizer> train(const float* data, std::size_t n, std::size_t dim,
                                        const ProductQuantizerOptions& options = {});

  std::size_t dimensions() const noexcept { return dim_; }
  std::size_t subspaces() const noexcept { return offsets_.size() - 1; }
  std::size_t centroids() const noexcept { return ks_; }
  // Bytes per code: one per sub-space.
  std::size_t code_size() const noexcept { return subspaces(); }
  // Dimensions [subspace_begin(j), subspace_begin(j + 1)) form sub-space j.
  std::size_t subspace_begin(std::size_t j) const noexcept { return offsets_[j]; }

  // x: dimensions() floats; code: code_size() bytes.
  void encode(const float* x, std::uint8_t* code) const noexcept;
  void encode_batch(const float* x, std::size_t n, std::uint8_t* codes) const noexcept;
  // The concatenation of the named centroids.
  void decode(const std::uint8_t* code, float* x) const noexcept;

  // Builds the query's lookup table: for every metric, the distance to a code is the sum of one table
  // entry per sub-space and equals the metric applied to q and decode(code) (Euclidean squared; Cosine
  // as 1 - dot, so q and the encoded vectors must be unit length).
  Query prepare(const float* q, DistanceMetric metric) const;

  void serialize(std::string& out) const;
  // Corruption when the bytes are truncated, altered or from an unknown version; never crashes.
  static Result<ProductQuantizer> deserialize(std::string_view bytes);

 private:
  ProductQuantizer(std::size_t dim, std::size_t ks, std::vector<std::size_t> offsets,
                   std::vector<float> codebook);
  static std::vector<std::size_t> split(std::size_t dim, std::size_t subspaces);

  std::size_t dim_ = 0;
  std::size_t ks_ = 0;
  std::vector<std::size_t> offsets_;  // subspaces() + 1 dimension offsets
  // Dimension-major: codebook_[d * ks_ + k] is dimension d of centroid k of d's sub-space, so building a
  // lookup table walks contiguous memory across centroids and vectorizes.
  std::vector<float> codebook_;
};

// A query's lookup table: table_[j * centroids + k] is sub-space j's share of the distance to centroid k.
// Thread safety: immutable; share freely.
class ProductQuantizer::Query {
 public:
  float distance(const std::uint8_t* code) const noexcept {
    return lookup_distance(table_.data(), ks_, code, m_);
  }
  // Distances to `count` consecutive codes of code_size() bytes; four codes at a time so that the
  // table loads of different codes overlap instead of waiting on one chain of additions.
  void distances(const std::uint8_t* codes, std::size_t count, float* out) const noexcept;

  const std::vector<float>& table() const noexcept { return table_; }

 private:
  friend class ProductQuantizer;
  Query() = default;

  std::size_t m_ = 0;
  std::size_t ks_ = 0;
  std::vector<float> table_;
};

}  // namespace strata::detail
