// The tier placement file (tiers.bin): each slot's tier and access counter, saved so that placement
// survives close and reopen without waiting for the workload to warm it again.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "strata/status.hpp"

namespace strata::storage {

// Layout (little-endian): magic "STRATATF", format version (u32), slot count n (u32), CRC32 of the
// body (u32), then n tier bytes and n u32 counters. Placement is only a hint (LMDB stays the truth):
// a missing or damaged file means placement starts from scratch, never a failed open. Written to a
// temporary file and renamed over the old one.
struct TierPlacement {
  std::vector<std::uint8_t> tiers;
  std::vector<std::uint32_t> heat;
};

Status write_tier_file(const std::string& path, std::span<const std::uint8_t> tiers,
                       std::span<const std::uint32_t> heat);
// NotFound when absent; Corruption when damaged.
Result<TierPlacement> read_tier_file(const std::string& path);

}  // namespace strata::storage
