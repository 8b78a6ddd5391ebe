// ScalarQuantizer (SQ8): one int8 code per dimension over trained per-dimension ranges, with distances
// from a float query computed by the int8 kernels of distance.hpp. Used for the warm tier. Not API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "strata/detail/distance.hpp"
#include "strata/status.hpp"
#include "strata/types.hpp"

namespace strata::detail {

struct ScalarQuantizerOptions {
  // Fraction of the training values ignored at each end of every dimension when choosing its range, so
  // a few outliers do not stretch the range and waste levels; values outside are clamped at encode.
  // 0 uses the exact minimum and maximum. REQUIRES: 0 <= clip_fraction < 0.5. Default: 0.
  double clip_fraction = 0.0;
};

// Dimension d of a vector x is stored as the int8 c_d nearest to (x_d - mid_d) / step_d, where the 256
// levels span the trained range [lower_d, upper_d] (mid_d = lower_d + 128 step_d, step_d = range / 255).
// A code is dimensions() int8 values followed by one native-endian float, |step o c|^2, which lets the
// Euclidean distance be expanded into a dot product: per-dimension steps then fold into the query, and
// the int8 dot kernel serves every dimension whatever its range (a uniform step would waste levels on
// narrow dimensions; an int8 L2 kernel cannot weight dimensions).
// Thread safety: immutable after train/deserialize; share freely.
class ScalarQuantizer {
 public:
  static constexpr std::uint8_t kTag = 'S';
  static constexpr std::uint8_t kFormatVersion = 1;
  static constexpr std::size_t kMaxDimensions = 65536;  // keeps the int8 kernels' int32 sums exact

  class Query;

  // How finely a prepared query's weights are kept (see Query).
  enum class QueryPrecision {
    kHigh,  // two int8 kernel calls per code; ranks as well as the float query on decoded vectors
    kFast,  // one call; about 7 bits per weight, which costs recall (numbers in the tests)
  };

  // Learns the ranges from n row-major vectors of dim floats. InvalidArgument when n or dim is 0,
  // dim > kMaxDimensions, a value is not finite, or the options are out of range.
  static Result<ScalarQuantizer> train(const float* data, std::size_t n, std::size_t dim,
                                       const ScalarQuantizerOptions& options = {});

  std::size_t dimensions() const noexcept { return mid_.size(); }
  // Bytes per code: one per dimension plus the float norm term.
  std::size_t code_size() const noexcept { return dimensions() + sizeof(float); }

  // x: dimensions() floats; code: code_size() bytes. Values outside the trained range are clamped.
  void encode(const float* x, std::uint8_t* code) const noexcept;
  // n vectors into n consecutive codes.
  void encode_batch(const float* x, std::size_t n, std::uint8_t* codes) const noexcept;
  // The vector a code stands for (the centre of each level).
  void decode(const std::uint8_t* code, float* x) const noexcept;

  // Prepares a float query (dimensions() floats) for ranking codes under `metric`: Euclidean (squared
  // distance), DotProduct (-dot) and Cosine (1 - dot; q and the encoded vectors must be unit length).
  // NotSupported for Manhattan, which does not expand into a dot product.
  Result<Query> prepare(const float* q, DistanceMetric metric,
                        QueryPrecision precision = QueryPrecision::kHigh,
                        const KernelTable& table = kernels()) const;

  // Appends the trained parameters (tag, version, ranges, CRC-32C).
  void serialize(std::string& out) const;
  // Corruption when the bytes are truncated, altered or from an unknown version; never crashes.
  static Result<ScalarQuantizer> deserialize(std::string_view bytes);

  const std::vector<float>& lower() const noexcept { return lower_; }
  const std::vector<float>& step() const noexcept { return step_; }

 private:
  ScalarQuantizer(std::vector<float> lower, std::vector<float> step);

  std::vector<float> lower_;     // the value of level 0 (code -128) per dimension
  std::vector<float> step_;      // level spacing per dimension; 0 for a constant dimension
  std::vector<float> inv_step_;  // 1 / step_, or 0 where step_ is 0
  std::vector<float> mid_;       // the value of code 0: lower_ + 128 step_
};

// A query prepared for one metric. The query's per-dimension weights w (for Euclidean (q - mid) o step,
// for dot products q o step) are split into two int8 vectors, w ~ alpha * hi + beta * lo with lo the
// rounding residual of hi, so that sum w_d c_d costs two int8_dot calls yet each weight errs by at most
// max|w| / 64000. hi alone (kFast) errs by up to max|w| / 254 per weight, which on Euclidean distances
// outweighs the codes' own rounding.
// distance = offset + weight * (alpha hi.c + beta lo.c) + norm_weight * |step o c|^2.
// Thread safety: immutable; share freely.
class ScalarQuantizer::Query {
 public:
  float distance(const std::uint8_t* code) const noexcept {
    const auto* c = reinterpret_cast<const std::int8_t*>(code);
    float dot = alpha_ * static_cast<float>(dot_(hi_.data(), c, dim_));
    if (refined_) dot += beta_ * static_cast<float>(dot_(lo_.data(), c, dim_));
    float norm = 0.0f;
    std::memcpy(&norm, code + dim_, sizeof(norm));
    return offset_ + weight_ * dot + norm_weight_ * norm;
  }
  // Distances to `count` consecutive codes of code_size() bytes each.
  void distances(const std::uint8_t* codes, std::size_t count, float* out) const noexcept {
    const std::size_t stride = dim_ + sizeof(float);
    for (std::size_t i = 0; i < count; ++i) out[i] = distance(codes + i * stride);
  }

 private:
  friend class ScalarQuantizer;
  Query() = default;

  Int8Kernel dot_ = nullptr;
  std::size_t dim_ = 0;
  bool refined_ = true;
  std::vector<std::int8_t> hi_;
  std::vector<std::int8_t> lo_;
  float alpha_ = 0.0f;
  float beta_ = 0.0f;
  float offset_ = 0.0f;
  float weight_ = 0.0f;
  float norm_weight_ = 0.0f;
};

}  // namespace strata::detail
