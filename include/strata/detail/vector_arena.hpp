// VectorArena and MetricDistance: where full-precision vectors live, and how two of them are
// compared under a DistanceMetric. Not API.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "strata/detail/distance.hpp"
#include "strata/detail/segmented_array.hpp"
#include "strata/types.hpp"

namespace strata::detail {

// Fixed-dimension float vectors by slot, each starting on a 64-byte boundary so SIMD loads of one
// vector never straddle more cache lines than they must.
// Thread safety: as SegmentedArena (one writer; readers of published slots).
class VectorArena {
 public:
  static constexpr std::size_t kAlignment = 64;

  VectorArena(std::size_t dimensions, std::size_t base_hint,
              std::unique_ptr<SegmentSource> source = std::make_unique<HeapSegmentSource>())
      : dimensions_(dimensions), arena_(padded_bytes(dimensions), kAlignment, base_hint, std::move(source)) {}

  static std::size_t padded_bytes(std::size_t dimensions) {
    std::size_t bytes = dimensions * sizeof(float);
    return (bytes + kAlignment - 1) / kAlignment * kAlignment;
  }

  std::size_t dimensions() const noexcept { return dimensions_; }
  bool reserve(std::size_t slots) { return arena_.reserve(slots); }
  std::size_t capacity() const noexcept { return arena_.capacity(); }
  std::size_t reserved_bytes() const noexcept { return arena_.reserved_bytes(); }
  std::size_t stride_bytes() const noexcept { return arena_.stride(); }

  const float* at(std::uint32_t slot) const noexcept {
    return reinterpret_cast<const float*>(arena_.at(slot));
  }
  float* mutable_at(std::uint32_t slot) noexcept { return reinterpret_cast<float*>(arena_.at(slot)); }

  SegmentedArena& arena() noexcept { return arena_; }

 private:
  std::size_t dimensions_;
  SegmentedArena arena_;
};

// The distance the index ranks by, for one metric: offset + sign * kernel(a, b). Euclidean ranks by
// the squared distance and takes the root only for results (to_user).
// Thread safety: immutable; share freely.
struct MetricDistance {
  FloatKernel kernel = nullptr;
  float sign = 1.0F;
  float offset = 0.0F;
  std::size_t dimensions = 0;
  bool squared_euclidean = false;

  static MetricDistance make(DistanceMetric metric, std::size_t dimensions, const KernelTable& table) {
    MetricDistance d;
    d.dimensions = dimensions;
    switch (metric) {
      case DistanceMetric::kEuclidean:
        d.kernel = table.l2_squared;
        d.squared_euclidean = true;
        break;
      case DistanceMetric::kCosine:  // vectors are unit length: 1 - cos = 1 - dot
        d.kernel = table.dot;
        d.sign = -1.0F;
        d.offset = 1.0F;
        break;
      case DistanceMetric::kDotProduct:
        d.kernel = table.dot;
        d.sign = -1.0F;
        break;
      case DistanceMetric::kManhattan:
        d.kernel = table.l1;
        break;
    }
    return d;
  }

  float operator()(const float* a, const float* b) const noexcept {
    return offset + sign * kernel(a, b, dimensions);
  }

  // The distance reported to users for an internal (ranking) distance.
  float to_user(float internal) const noexcept {
    return squared_euclidean ? std::sqrt(std::max(internal, 0.0F)) : internal;
  }
};

}  // namespace strata::detail
