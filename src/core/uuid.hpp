// Random (version 4) UUIDs for entries inserted without an id.
#pragma once

#include <string>

namespace strata::detail {

// A new random UUID in canonical form, e.g. "3f2b8c1e-9a4d-4e7f-b2c1-0d5e6f7a8b9c". Thread-safe.
std::string generate_uuid();

}  // namespace strata::detail
