// BinaryQuantizer: one bit per dimension (above or below the trained mean), compared by Hamming
// distance with the hamming kernel of distance.hpp. Used for the coldest tier, before rescoring. Not API.
#pragma once

#include "strata/detail/quant/lookup_table.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "strata/detail/distance.hpp"
#include "strata/status.hpp"
#include "strata/types.hpp"

namespace strata::detail {

// Bit d of a code (bit d % 64 of word d / 64) is set when x_d > mean_d. Centring first matters: raw
// signs of non-negative data (SIFT, pixels) would be all ones. Unused bits of the last word are 0.
// Thread safety: immutable after train/deserialize; share freely.
class BinaryQuantizer {
 public:
  static constexpr std::uint8_t kTag = 'B';
  static constexpr std::uint8_t kFormatVersion = 1;
  static constexpr std::size_t kMaxDimensions = 65536;

  class Query;
  class AsymmetricQuery;

  // Learns the per-dimension means (and, for decode, the mean of each side). InvalidArgument when n or
  // dim is 0, dim > kMaxDimensions or a value is not finite.
  static Result<BinaryQuantizer> train(const float* data, std::size_t n, std::size_t dim);

  std::size_t dimensions() const noexcept { return mean_.size(); }
  std::size_t words() const noexcept { return (dimensions() + 63) / 64; }
  // Bytes per code: whole 64-bit words.
  std::size_t code_size() const noexcept { return words() * sizeof(std::uint64_t); }

  // x: dimensions() floats; code: words() words.
  void encode(const float* x, std::uint64_t* code) const noexcept;
  void encode_batch(const float* x, std::size_t n, std::uint64_t* codes) const noexcept;
  // Each dimension becomes the training mean of its side of the split (E[x_d | bit]), the reconstruction
  // with the least squared error that one bit allows.
  void decode(const std::uint64_t* code, float* x) const noexcept;

  // Encodes the query (dimensions() floats); its distances are Hamming distances, whatever the metric.
  Query prepare(const float* q, const KernelTable& table = kernels()) const;
  // Keeps the query in floats: its distance to a code is `metric` applied to q and decode(code)
  // (Euclidean squared; Cosine as 1 - dot), by one table lookup per code byte. About 8x the work of
  // Hamming, but it ranks better (see the tests), so it suits choosing which candidates to rescore.
  AsymmetricQuery prepare_asymmetric(const float* q, DistanceMetric metric) const;

  void serialize(std::string& out) const;
  // Corruption when the bytes are truncated, altered or from an unknown version; never crashes.
  static Result<BinaryQuantizer> deserialize(std::string_view bytes);

  const std::vector<float>& mean() const noexcept { return mean_; }

 private:
  BinaryQuantizer(std::vector<float> mean, std::vector<float> below, std::vector<float> above);

  std::vector<float> mean_;   // the threshold per dimension
  std::vector<float> below_;  // mean of the training values <= mean_, per dimension
  std::vector<float> above_;  // mean of the training values > mean_, per dimension
};

// Thread safety: immutable; share freely.
class BinaryQuantizer::Query {
 public:
  std::uint32_t distance(const std::uint64_t* code) const noexcept {
    return hamming_(reinterpret_cast<const std::uint8_t*>(bits_.data()),
                    reinterpret_cast<const std::uint8_t*>(code), bits_.size() * sizeof(std::uint64_t));
  }
  // Distances to `count` consecutive codes of words() words.
  void distances(const std::uint64_t* codes, std::size_t count, std::uint32_t* out) const noexcept {
    for (std::size_t i = 0; i < count; ++i) out[i] = distance(codes + i * bits_.size());
  }
  const std::vector<std::uint64_t>& bits() const noexcept { return bits_; }

 private:
  friend class BinaryQuantizer;
  Query() = default;

  HammingKernel hamming_ = nullptr;
  std::vector<std::uint64_t> bits_;
};

// Every metric on a decoded vector is separable and each dimension has two possible values, so
// distance = sum_d f(q_d, below_d) + sum_d bit_d * (f(q_d, above_d) - f(q_d, below_d)), and the bit sums
// of each code byte come from a 256-entry table.
// Thread safety: immutable; share freely.
class BinaryQuantizer::AsymmetricQuery {
 public:
  float distance(const std::uint64_t* code) const noexcept {
    return lookup_distance(table_.data(), 256, reinterpret_cast<const std::uint8_t*>(code), bytes_);
  }
  // Distances to `count` consecutive codes; four at a time so their table loads overlap.
  void distances(const std::uint64_t* codes, std::size_t count, float* out) const noexcept;

 private:
  friend class BinaryQuantizer;
  AsymmetricQuery() = default;

  std::size_t bytes_ = 0;     // code_size()
  std::vector<float> table_;  // bytes_ x 256; the constant sum rides in the first byte's entries
};

}  // namespace strata::detail
