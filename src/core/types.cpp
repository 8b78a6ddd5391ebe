// Names of distance metrics and tiers.
#include "strata/types.hpp"

namespace strata {

std::string_view metric_name(DistanceMetric metric) noexcept {
  switch (metric) {
    case DistanceMetric::kEuclidean:
      return "euclidean";
    case DistanceMetric::kCosine:
      return "cosine";
    case DistanceMetric::kDotProduct:
      return "dot";
    case DistanceMetric::kManhattan:
      return "manhattan";
  }
  return "unknown";
}

std::string_view tier_name(Tier tier) noexcept {
  switch (tier) {
    case Tier::kHot:
      return "hot";
    case Tier::kWarm:
      return "warm";
    case Tier::kCold:
      return "cold";
  }
  return "unknown";
}

std::optional<DistanceMetric> parse_metric(std::string_view name) noexcept {
  if (name == "euclidean" || name == "l2") return DistanceMetric::kEuclidean;
  if (name == "cosine") return DistanceMetric::kCosine;
  if (name == "dot" || name == "ip" || name == "dotproduct") return DistanceMetric::kDotProduct;
  if (name == "manhattan" || name == "l1") return DistanceMetric::kManhattan;
  return std::nullopt;
}

}  // namespace strata
