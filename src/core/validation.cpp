// Input checks with messages that name the offending entry, index and value.
#include "core/validation.hpp"

#include <fmt/format.h>

#include <cmath>

namespace strata::detail {

Status check_vector(std::span<const float> v, std::size_t dimensions, std::string_view what) {
  if (v.empty())
    return Status::invalid_argument(
        fmt::format("{} is empty; the database expects {} dimensions", what, dimensions));
  if (v.size() != dimensions) {
    return Status::invalid_argument(
        fmt::format("{} has {} dimensions; the database expects {}", what, v.size(), dimensions));
  }
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!std::isfinite(v[i])) {
      return Status::invalid_argument(
          fmt::format("{} has a non-finite value ({}) at index {}", what, v[i], i));
    }
  }
  return Status::ok();
}

Status check_id(std::string_view id) {
  if (id.size() > kMaxIdBytes) {
    return Status::invalid_argument(
        fmt::format("id of {} bytes is longer than the limit of {} bytes", id.size(), kMaxIdBytes));
  }
  return Status::ok();
}

}  // namespace strata::detail
