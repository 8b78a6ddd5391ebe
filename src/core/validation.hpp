// Checks of caller input (vectors, ids, queries) that produce Status messages naming the problem.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "strata/status.hpp"

namespace strata::detail {

// Longest id accepted, in bytes (the key limit of LMDB's default build, so ids stay portable).
inline constexpr std::size_t kMaxIdBytes = 511;

// OK when `v` has `dimensions` finite components. `what` names the vector in the message,
// e.g. "vector of entry 'a1'" or "query vector".
Status check_vector(std::span<const float> v, std::size_t dimensions, std::string_view what);

// OK when the id is at most kMaxIdBytes long. Empty ids are allowed (a UUID is generated).
Status check_id(std::string_view id);

}  // namespace strata::detail
