// TierCodes: training, encoding and the pool of warm SQ8 codes.
#include "tiering/tier_codes.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace strata::tiering {

namespace {

// PQ training is k-means per sub-space; 8192 vectors (32 per centroid) and 12 Lloyd iterations keep
// it to about a second for 784 dimensions while costing little recall after rescoring.
constexpr std::size_t kPqTrainingVectors = 8192;
constexpr std::size_t kPqIterations = 12;

std::size_t words64(std::size_t dimensions) { return (dimensions + 63) / 64; }

}  // namespace

std::size_t cold_code_bytes(std::size_t dimensions, ColdCodec codec) {
  (void)codec;  // both codecs use d/8 bytes, so budgets do not depend on the choice
  return words64(dimensions) * 8;
}

TierCodes::TierCodes(detail::ScalarQuantizer sq8, std::optional<detail::ProductQuantizer> pq,
                     std::optional<detail::BinaryQuantizer> bq, DistanceMetric metric,
                     std::size_t capacity_hint)
    : sq8_(std::move(sq8)),
      pq_(std::move(pq)),
      bq_(std::move(bq)),
      metric_(metric),
      codec_(pq_ ? ColdCodec::kProduct : ColdCodec::kBinary),
      cold_stride_(cold_code_bytes(sq8_.dimensions(), codec_)),
      cold_(cold_stride_, 8, capacity_hint),
      pool_(sq8_.code_size(), 8, std::max<std::size_t>(capacity_hint / 4, 64)),
      warm_index_(capacity_hint) {}

Result<std::unique_ptr<TierCodes>> TierCodes::train(const float* sample, std::size_t n, std::size_t dim,
                                                    DistanceMetric metric, ColdCodec codec,
                                                    std::size_t threads, std::size_t capacity_hint) {
  if (metric == DistanceMetric::kManhattan) {
    return Status::invalid_argument("tiering: the Manhattan metric has no SQ8 code form");
  }
  auto sq8 = detail::ScalarQuantizer::train(sample, n, dim);
  if (!sq8) return sq8.status();
  std::optional<detail::ProductQuantizer> pq;
  std::optional<detail::BinaryQuantizer> bq;
  if (codec == ColdCodec::kProduct) {
    detail::ProductQuantizerOptions po;
    po.subspaces = std::min(dim, cold_code_bytes(dim, codec));
    po.centroids = std::min<std::size_t>(256, n);
    po.iterations = kPqIterations;
    po.max_training_vectors = kPqTrainingVectors;
    po.threads = std::max<std::size_t>(threads, 1);
    auto trained = detail::ProductQuantizer::train(sample, n, dim, po);
    if (!trained) return trained.status();
    pq.emplace(std::move(trained).value());
  } else {
    auto trained = detail::BinaryQuantizer::train(sample, n, dim);
    if (!trained) return trained.status();
    bq.emplace(std::move(trained).value());
  }
  return std::unique_ptr<TierCodes>(
      new TierCodes(std::move(sq8).value(), std::move(pq), std::move(bq), metric, capacity_hint));
}

Result<std::unique_ptr<TierCodes>> TierCodes::restore(std::string_view sq8_bytes, std::string_view cold_bytes,
                                                      std::size_t dim, DistanceMetric metric,
                                                      std::size_t capacity_hint) {
  auto sq8 = detail::ScalarQuantizer::deserialize(sq8_bytes);
  if (!sq8) return sq8.status();
  std::optional<detail::ProductQuantizer> pq;
  std::optional<detail::BinaryQuantizer> bq;
  if (!cold_bytes.empty() && static_cast<std::uint8_t>(cold_bytes[0]) == detail::ProductQuantizer::kTag) {
    auto r = detail::ProductQuantizer::deserialize(cold_bytes);
    if (!r) return r.status();
    pq.emplace(std::move(r).value());
  } else {
    auto r = detail::BinaryQuantizer::deserialize(cold_bytes);
    if (!r) return r.status();
    bq.emplace(std::move(r).value());
  }
  const std::size_t cold_dim = pq ? pq->dimensions() : bq->dimensions();
  if (sq8->dimensions() != dim || cold_dim != dim) {
    return Status::corruption(fmt::format("stored quantizers have {} and {} dimensions; the database has {}",
                                          sq8->dimensions(), cold_dim, dim));
  }
  return std::unique_ptr<TierCodes>(
      new TierCodes(std::move(sq8).value(), std::move(pq), std::move(bq), metric, capacity_hint));
}

void TierCodes::serialize(std::string& sq8, std::string& cold) const {
  sq8.clear();
  cold.clear();
  sq8_.serialize(sq8);
  if (pq_) {
    pq_->serialize(cold);
  } else {
    bq_->serialize(cold);
  }
}

bool TierCodes::reserve(std::size_t slots) { return cold_.reserve(slots) && warm_index_.reserve(slots); }

void TierCodes::encode_cold(std::uint32_t slot, const float* v) noexcept {
  auto* code = reinterpret_cast<std::uint8_t*>(cold_.at(slot));
  if (pq_) {
    pq_->encode(v, code);
  } else {
    bq_->encode(v, reinterpret_cast<std::uint64_t*>(code));
  }
}

bool TierCodes::add_warm(std::uint32_t slot, const float* v) {
  std::uint32_t entry = 0;
  if (!free_entries_.empty()) {
    entry = free_entries_.back();
    free_entries_.pop_back();
  } else {
    if (!pool_.reserve(std::size_t{next_entry_} + 1)) return false;
    entry = next_entry_++;
  }
  sq8_.encode(v, reinterpret_cast<std::uint8_t*>(pool_.at(entry)));
  warm_index_[slot].store(entry, std::memory_order_release);
  return true;
}

void TierCodes::release_warm(std::uint32_t slot) {
  released_entries_.push_back(warm_index_[slot].load(std::memory_order_relaxed));
}

void TierCodes::recycle_released() {
  free_entries_.insert(free_entries_.end(), released_entries_.begin(), released_entries_.end());
  released_entries_.clear();
}

TierCodes::Query TierCodes::prepare(const float* q, const detail::HnswGraph& graph,
                                    const detail::SegmentedArray<std::atomic<std::uint8_t>>& tiers) const {
  Query query(graph.float_distance(q), this, tiers);
  // kFast: one int8 kernel call per code. Its ranking error is far below what rescoring corrects
  // (recall@10 0.994 on bigann10k from codes alone, scalar_quantizer_test).
  if (warm_in_use()) {
    auto sq = sq8_.prepare(q, metric_, detail::ScalarQuantizer::QueryPrecision::kFast);
    if (sq) query.sq8_.emplace(std::move(sq).value());
  }
  if (cold_in_use()) {
    if (pq_) {
      query.pq_.emplace(pq_->prepare(q, metric_));
    } else {
      query.bq_.emplace(bq_->prepare_asymmetric(q, metric_));
    }
  }
  return query;
}

}  // namespace strata::tiering
