// Convenience header: the whole public API of strata.
#pragma once

#include "strata/filter.hpp"
#include "strata/options.hpp"
#include "strata/status.hpp"
#include "strata/types.hpp"
#include "strata/vector_db.hpp"
