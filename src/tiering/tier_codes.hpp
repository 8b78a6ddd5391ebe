// TierCodes: one trained generation of the quantized codes the tiers traverse on (SQ8 for warm
// vectors, PQ or binary for cold ones), and the per-query distance that picks each node's code.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/detail/hnsw_graph.hpp"
#include "strata/detail/quant/binary_quantizer.hpp"
#include "strata/detail/quant/product_quantizer.hpp"
#include "strata/detail/quant/scalar_quantizer.hpp"
#include "strata/detail/segmented_array.hpp"
#include "strata/detail/vector_arena.hpp"
#include "strata/options.hpp"

namespace strata::tiering {

// Per-slot tier byte values (Tier in types.hpp has the same order).
inline constexpr std::uint8_t kHot = 0;
inline constexpr std::uint8_t kWarm = 1;
inline constexpr std::uint8_t kCold = 2;

// Bytes of a cold code for `dimensions`: d/8 rounded up to whole 64-bit words, the same for PQ (one
// byte per 8-dimension sub-space) and binary (one bit per dimension), about 3% of float32.
std::size_t cold_code_bytes(std::size_t dimensions, ColdCodec codec);

// The codes of one quantizer training. Every slot below the reserved capacity has a cold code (the
// floor every vector keeps); warm vectors also have an SQ8 code in a pool, reached through
// warm_index(slot). Pool entries given back by release_warm() are reused only after the owner has
// passed a quiescence point (recycle_released()), so a search that read a stale index still reads
// a valid code of some vector, never freed memory.
// Thread safety: one writer (the database's write lock) mutates; searches read concurrently the slots
// and pool entries published to them (see VectorDB::Impl).
class TierCodes {
 public:
  // Trains on n row-major sample vectors. InvalidArgument when the metric has no code form
  // (Manhattan) or training fails.
  static Result<std::unique_ptr<TierCodes>> train(const float* sample, std::size_t n, std::size_t dim,
                                                  DistanceMetric metric, ColdCodec codec, std::size_t threads,
                                                  std::size_t capacity_hint);
  // From the bytes serialize() produced (stored in LMDB). Corruption when damaged.
  static Result<std::unique_ptr<TierCodes>> restore(std::string_view sq8, std::string_view cold,
                                                    std::size_t dim, DistanceMetric metric,
                                                    std::size_t capacity_hint);
  void serialize(std::string& sq8, std::string& cold) const;

  ColdCodec codec() const noexcept { return codec_; }
  std::size_t sq8_bytes() const noexcept { return sq8_.code_size(); }
  std::size_t cold_bytes() const noexcept { return cold_stride_; }

  // Writer side.
  bool reserve(std::size_t slots);
  void encode_cold(std::uint32_t slot, const float* v) noexcept;
  // Encodes v into a free pool entry and points the slot at it (before the caller publishes the tier).
  bool add_warm(std::uint32_t slot, const float* v);
  // The slot no longer uses its SQ8 code; the entry waits for recycle_released().
  void release_warm(std::uint32_t slot);
  // Call after a quiescence point (no search started before it is still running).
  void recycle_released();
  std::size_t warm_pool_bytes() const noexcept { return pool_.reserved_bytes(); }

  // Reader side.
  const std::uint8_t* cold_code(std::uint32_t slot) const noexcept {
    return reinterpret_cast<const std::uint8_t*>(cold_.at(slot));
  }
  const std::uint8_t* warm_code(std::uint32_t slot) const noexcept {
    return reinterpret_cast<const std::uint8_t*>(pool_.at(warm_index_[slot].load(std::memory_order_acquire)));
  }

  // Which codes some slot may be traversed on. Set (true) before the first tier byte naming them is
  // published; cleared only after a quiescence point, so a query prepared without a table never meets
  // a node that needs it. Skipping a table saves its per-query set-up (a PQ table is 256 floats per
  // sub-space).
  void set_in_use(bool warm, bool cold) noexcept {
    warm_in_use_.store(warm, std::memory_order_release);
    cold_in_use_.store(cold, std::memory_order_release);
  }
  bool warm_in_use() const noexcept { return warm_in_use_.load(std::memory_order_acquire); }
  bool cold_in_use() const noexcept { return cold_in_use_.load(std::memory_order_acquire); }

  // The distance from one query to every node, by the node's current tier.
  class Query;
  Query prepare(const float* q, const detail::HnswGraph& graph,
                const detail::SegmentedArray<std::atomic<std::uint8_t>>& tiers) const;

 private:
  TierCodes(detail::ScalarQuantizer sq8, std::optional<detail::ProductQuantizer> pq,
            std::optional<detail::BinaryQuantizer> bq, DistanceMetric metric, std::size_t capacity_hint);

  detail::ScalarQuantizer sq8_;
  std::optional<detail::ProductQuantizer> pq_;
  std::optional<detail::BinaryQuantizer> bq_;
  DistanceMetric metric_;
  ColdCodec codec_;
  std::size_t cold_stride_;
  detail::SegmentedArena cold_;  // slot -> cold code
  detail::SegmentedArena pool_;  // pool entry -> SQ8 code
  detail::SegmentedArray<std::atomic<std::uint32_t>> warm_index_;
  std::vector<std::uint32_t> free_entries_;
  std::vector<std::uint32_t> released_entries_;
  std::uint32_t next_entry_ = 0;
  std::atomic<bool> warm_in_use_{false};
  std::atomic<bool> cold_in_use_{false};
};

// Thread safety: one search at a time (holds per-query tables); the codes it reads follow TierCodes.
class TierCodes::Query {
 public:
  float operator()(std::uint32_t slot) const noexcept {
    const std::uint8_t tier = tiers_[slot].load(std::memory_order_acquire);
    if (tier == kWarm && sq8_) return sq8_->distance(codes_->warm_code(slot));
    if (tier == kCold) {
      if (pq_) return pq_->distance(codes_->cold_code(slot));
      if (bq_) return bq_->distance(reinterpret_cast<const std::uint64_t*>(codes_->cold_code(slot)));
    }
    return float_(slot);  // hot, or (defensively) a tier whose table this query did not prepare
  }
  void prefetch(std::uint32_t slot) const noexcept {
    // The tier byte decides what to load; the cold code is small and always valid, so prefetch it and
    // the float vector only for hot nodes.
    if (tiers_[slot].load(std::memory_order_relaxed) == kHot) {
      float_.prefetch(slot);
    } else {
      detail::prefetch_read(codes_->cold_code(slot));
    }
  }

 private:
  friend class TierCodes;
  Query(detail::FloatQueryDistance f, const TierCodes* codes,
        const detail::SegmentedArray<std::atomic<std::uint8_t>>& tiers)
      : float_(f), codes_(codes), tiers_(tiers) {}

  detail::FloatQueryDistance float_;
  const TierCodes* codes_;
  const detail::SegmentedArray<std::atomic<std::uint8_t>>& tiers_;
  std::optional<detail::ScalarQuantizer::Query> sq8_;
  std::optional<detail::ProductQuantizer::Query> pq_;
  std::optional<detail::BinaryQuantizer::AsymmetricQuery> bq_;
};

}  // namespace strata::tiering
