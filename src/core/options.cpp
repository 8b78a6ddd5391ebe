// DbOptions::validate.
#include <fmt/format.h>

#include "strata/options.hpp"

namespace strata {

namespace {
constexpr std::size_t kMaxDimensions = 65536;
constexpr std::size_t kMaxM = 256;
}  // namespace

Status DbOptions::validate() const {
  if (dimensions == 0 || dimensions > kMaxDimensions) {
    return Status::invalid_argument(
        fmt::format("DbOptions::dimensions is {}; it must be between 1 and {}", dimensions, kMaxDimensions));
  }
  if (hnsw_m < 2 || hnsw_m > kMaxM) {
    return Status::invalid_argument(
        fmt::format("DbOptions::hnsw_m is {}; it must be between 2 and {}", hnsw_m, kMaxM));
  }
  if (hnsw_ef_construction == 0) {
    return Status::invalid_argument("DbOptions::hnsw_ef_construction must be at least 1");
  }
  if (hnsw_ef_search == 0) {
    return Status::invalid_argument("DbOptions::hnsw_ef_search must be at least 1");
  }
  switch (distance_metric) {
    case DistanceMetric::kEuclidean:
    case DistanceMetric::kCosine:
    case DistanceMetric::kDotProduct:
    case DistanceMetric::kManhattan:
      break;
    default:
      return Status::invalid_argument("DbOptions::distance_metric is not a known metric");
  }
  if (rescore_factor == 0) return Status::invalid_argument("DbOptions::rescore_factor must be at least 1");
  if (cold_codec != ColdCodec::kProduct && cold_codec != ColdCodec::kBinary) {
    return Status::invalid_argument("DbOptions::cold_codec is not a known codec");
  }
  if (storage_path.empty() && read_only) {
    return Status::invalid_argument("DbOptions::read_only needs a storage_path");
  }
  return Status::ok();
}

}  // namespace strata
