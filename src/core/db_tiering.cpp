// Tiering in VectorDB::Impl: access tracking, quantizer training, tier placement by temperature within
// the memory budget, the background tier manager and the persistence of placement (docs/tiering.md).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>

#include "core/db_impl.hpp"
#include "core/parallel.hpp"
#include "storage/tier_file.hpp"

namespace strata {

namespace {

constexpr char kTierFile[] = "tiers.bin";
// Quantizers are trained once this many vectors exist, and again when the collection has grown by
// kRetrainGrowth since (codes trained on a small sample of a drifting collection lose accuracy).
constexpr std::size_t kMinTrainVectors = 1000;
constexpr std::size_t kRetrainGrowth = 4;
// Vectors sampled for training: SQ8 ranges and binary means settle long before; PQ subsamples further.
constexpr std::size_t kTrainingSample = 20000;
// The background pass runs this often, and access counters halve once per interval, so temperature is
// roughly the accesses of the last two intervals.
constexpr std::chrono::seconds kPassInterval{10};
// Share of the budget above the cold floor that hot vectors may take; the rest goes to warm codes, so
// that a budget too small for everything keeps traversal quality broad (SQ8 walks almost as well as
// float32) instead of spending it all on float32 for the few hottest vectors.
constexpr double kHotShare = 0.5;
// Slots encoded per hold of the write lock while a new generation of codes is built.
constexpr std::uint32_t kEncodeChunk = 4096;

std::size_t mem_available_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  std::size_t value = 0;
  std::string unit;
  while (in >> key >> value) {
    std::getline(in, unit);
    if (key == "MemAvailable:") return value * 1024;
  }
  return 0;
}

}  // namespace

void VectorDB::Impl::tier_on_write(std::uint32_t slot, const float* v) {
  if (!tiering_) return;
  heat_[slot].store(0, std::memory_order_relaxed);
  const std::uint8_t old = tiers_[slot].load(std::memory_order_relaxed);
  // A reused slot's SQ8 entry is given back; searches cannot hold the slot (it was free).
  if (old == tiering::kWarm && codes_) codes_->release_warm(slot);
  tiers_[slot].store(tiering::kHot, std::memory_order_release);
  if (codes_) codes_->encode_cold(slot, v);
  if (building_codes_) building_codes_->encode_cold(slot, v);
  if (old != tiering::kHot) tiers_dirty_ = true;
}

std::size_t VectorDB::Impl::tier_budget() const {
  if (options_.memory_budget_bytes != 0) return options_.memory_budget_bytes;
  // In-memory databases (and persistent ones that copy vectors into RAM) keep every float in RAM
  // whatever the tier, so demoting would only cost recall: everything stays hot.
  if (!persistence_ || persistence_->vector_file == nullptr) return std::numeric_limits<std::size_t>::max();
  // Vector file pages are page cache, which MemAvailable counts as available, so this does not shrink
  // as hot vectors are read.
  const std::size_t available = mem_available_bytes();
  return available == 0 ? std::numeric_limits<std::size_t>::max() : available / 2;
}

void VectorDB::Impl::start_background() {
  if (!tiering_ || tier_thread_.joinable()) return;
  // Restoring stored quantizers and placement after an open is done at once; then every interval.
  // Read here, before optimize() can run: passes change stored_quantizers_ under tier_pass_mutex_.
  const bool restore_first = stored_quantizers_.has_value();
  tier_thread_ = std::thread([this, restore_first] {
    bool first = restore_first;
    std::unique_lock lock(tier_wait_mutex_);
    while (!tier_stop_) {
      if (!first) {
        tier_wake_.wait_for(lock, kPassInterval, [this] { return tier_stop_; });
        if (tier_stop_) break;
      }
      first = false;
      lock.unlock();
      (void)tier_pass(/*on_demand=*/false);  // a failed pass leaves placement as it was
      lock.lock();
    }
  });
}

void VectorDB::Impl::stop_background() {
  {
    std::lock_guard lock(tier_wait_mutex_);
    tier_stop_ = true;
  }
  tier_wake_.notify_all();
  if (tier_thread_.joinable()) tier_thread_.join();
}

Status VectorDB::Impl::optimize() {
  if (!tiering_) return Status::ok();
  return tier_pass(/*on_demand=*/true);
}

Status VectorDB::Impl::tier_pass(bool on_demand) {
  (void)on_demand;
  std::lock_guard pass_lock(tier_pass_mutex_);
  const std::size_t live = live_count_.load(std::memory_order_relaxed);
  const std::size_t budget = tier_budget();
  last_budget_.store(budget == std::numeric_limits<std::size_t>::max() ? 0 : budget,
                     std::memory_order_relaxed);

  const std::size_t float_bytes = vectors_.stride_bytes();
  const bool pinned_codes = options_.pin_tier.has_value() && *options_.pin_tier != Tier::kHot;
  const bool over_budget = budget != std::numeric_limits<std::size_t>::max() && live * float_bytes > budget;
  // Quantizers stored at the last training are restored (and their codes rebuilt) once codes are
  // needed; a database whose budget holds everything hot does not spend the encoding time.
  if (pinned_codes || over_budget) {
    if (stored_quantizers_ && !codes_) {
      StoredQuantizers stored = std::move(*stored_quantizers_);
      stored_quantizers_.reset();
      auto codes = tiering::TierCodes::restore(stored.sq8, stored.cold, options_.dimensions,
                                               options_.distance_metric, options_.max_elements);
      // Damaged parameters are retrained below, like missing ones, and so are codes of another codec
      // than DbOptions::cold_codec asks for now.
      if (codes && (*codes)->codec() == options_.cold_codec) {
        STRATA_RETURN_IF_ERROR(install_codes(std::move(codes).value(), stored.trained_on));
      }
    }
  }
  const std::size_t trained_on = trained_on_.load(std::memory_order_relaxed);
  const bool need_training = (pinned_codes || over_budget) && live >= kMinTrainVectors &&
                             (!codes_ || codes_->codec() != options_.cold_codec ||
                              live >= kRetrainGrowth * std::max<std::size_t>(trained_on, 1));
  if (need_training) STRATA_RETURN_IF_ERROR(train_codes(live));
  if (codes_) place(budget);
  passes_.fetch_add(1, std::memory_order_relaxed);
  return Status::ok();
}

Status VectorDB::Impl::train_codes(std::size_t live) {
  // A sample of live vectors. Live slots never change their vector (an upsert writes a new slot) and
  // are not recycled while reclaim_mutex_ is held shared, so they are read without the write lock.
  std::vector<float> sample;
  std::size_t rows = 0;
  {
    std::shared_lock reclaim_lock(reclaim_mutex_);
    const auto bound = static_cast<std::uint32_t>(graph_.slot_bound());
    std::vector<std::uint32_t> slots;
    slots.reserve(std::min<std::size_t>(live, bound));
    for (std::uint32_t s = 0; s < bound; ++s) {
      if (graph_.state(s) == detail::NodeState::kLive) slots.push_back(s);
    }
    std::mt19937_64 rng(options_.random_seed);
    if (slots.size() > kTrainingSample) {
      for (std::size_t i = 0; i < kTrainingSample; ++i)
        std::swap(slots[i], slots[i + rng() % (slots.size() - i)]);
      slots.resize(kTrainingSample);
    }
    rows = slots.size();
    sample.resize(rows * options_.dimensions);
    for (std::size_t i = 0; i < rows; ++i) {
      std::copy_n(vectors_.at(slots[i]), options_.dimensions, sample.data() + i * options_.dimensions);
    }
  }
  if (rows == 0) return Status::ok();
  auto codes = tiering::TierCodes::train(sample.data(), rows, options_.dimensions, options_.distance_metric,
                                         options_.cold_codec, threads_, options_.max_elements);
  if (!codes) return codes.status();
  return install_codes(std::move(codes).value(), live);
}

Status VectorDB::Impl::install_codes(std::unique_ptr<tiering::TierCodes> codes, std::size_t trained_on) {
  // Cold codes for every slot, encoded in chunks so writes are not blocked for the whole collection;
  // inserts meanwhile encode their slots into building_codes_ as well (tier_on_write).
  {
    std::lock_guard write_lock(write_mutex_);
    if (!codes->reserve(next_slot_)) return Status::resource_exhausted("out of memory for tier codes");
    building_codes_ = std::move(codes);
  }
  for (std::uint32_t start = 0;; start += kEncodeChunk) {
    std::lock_guard write_lock(write_mutex_);
    const std::uint32_t end = std::min<std::uint32_t>(next_slot_, start + kEncodeChunk);
    // Encoding (PQ: d x 256 multiply-adds per vector) is the expensive part: spread over the threads.
    detail::parallel_for(end - start, threads_, [&](std::size_t, std::size_t i) {
      const auto s = static_cast<std::uint32_t>(start + i);
      building_codes_->encode_cold(s, vectors_.at(s));
    });
    if (end == next_slot_) break;
  }
  std::lock_guard write_lock(write_mutex_);
  // Warm indexes belong to the old generation's pool: every slot is hot (float32, always valid) when
  // searches switch to the new codes, and the next placement demotes again.
  codes_in_use_.store(false, std::memory_order_release);
  for (std::uint32_t s = 0; s < next_slot_; ++s) tiers_[s].store(tiering::kHot, std::memory_order_release);
  {
    std::unique_lock reclaim_lock(reclaim_mutex_);
    codes_ = std::move(building_codes_);
  }
  trained_on_.store(trained_on, std::memory_order_relaxed);
  tiers_dirty_ = true;
  if (persistence_ && !options_.read_only) {
    std::string sq8;
    std::string cold;
    codes_->serialize(sq8, cold);
    STRATA_RETURN_IF_ERROR(persistence_->store->put_quantizers(sq8, cold, trained_on));
  }
  return Status::ok();
}

void VectorDB::Impl::place(std::size_t budget) {
  std::lock_guard write_lock(write_mutex_);
  const std::uint32_t bound = next_slot_;
  struct Item {
    std::uint32_t heat;
    std::uint8_t tier;
    std::uint32_t slot;
  };
  std::vector<Item> order;
  order.reserve(live_count_.load(std::memory_order_relaxed));
  // Decay by time, not per pass, so optimize() calls in quick succession see the same temperatures:
  // counters halve once per kPassInterval. Placement below uses the values before halving. A bump
  // racing with the halving store may be lost, which only makes a counter slightly colder.
  const auto now = std::chrono::steady_clock::now();
  const bool decay = now - last_decay_ >= kPassInterval;
  if (decay) last_decay_ = now;
  for (std::uint32_t s = 0; s < bound; ++s) {
    if (graph_.state(s) != detail::NodeState::kLive) continue;
    const std::uint32_t h = heat_[s].load(std::memory_order_relaxed);
    if (decay) heat_[s].store(h / 2, std::memory_order_relaxed);
    order.push_back({h, tiers_[s].load(std::memory_order_relaxed), s});
  }
  // Hottest first; among equals the current tier wins (no churn, and a restored placement stays), then
  // the slot number for determinism.
  std::sort(order.begin(), order.end(), [](const Item& a, const Item& b) {
    if (a.heat != b.heat) return a.heat > b.heat;
    if (a.tier != b.tier) return a.tier < b.tier;
    return a.slot < b.slot;
  });

  const std::size_t n = order.size();
  const std::size_t float_bytes = vectors_.stride_bytes();
  const std::size_t cold_bytes = codes_->cold_bytes();
  const std::size_t sq8_bytes = codes_->sq8_bytes();
  std::vector<std::uint8_t> target(n, tiering::kCold);
  if (options_.pin_tier) {
    std::fill(target.begin(), target.end(), static_cast<std::uint8_t>(*options_.pin_tier));
  } else if (!restored_tiers_.empty()) {
    // The first pass after an open reinstates the saved placement.
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint32_t s = order[i].slot;
      target[i] = s < restored_tiers_.size() ? restored_tiers_[s] : tiering::kHot;
    }
  } else if (budget / (float_bytes + cold_bytes) >= n) {
    std::fill(target.begin(), target.end(), tiering::kHot);
  } else {
    // Every vector keeps a cold code (the floor). Above it, the hottest accessed vectors take float32
    // up to kHotShare of the remainder, the next ones SQ8 codes while they fit, the rest stay cold; a
    // remainder left once every vector is warm promotes more of them to hot.
    const std::size_t floor = n * cold_bytes;
    std::size_t left = budget > floor ? budget - floor : 0;
    const auto hot_cap = static_cast<std::size_t>(static_cast<double>(left) * kHotShare);
    const std::size_t hot_cost = float_bytes;
    std::size_t i = 0;
    std::size_t hot_used = 0;
    for (; i < n && order[i].heat > 0 && hot_used + hot_cost <= hot_cap; ++i) {
      target[i] = tiering::kHot;
      hot_used += hot_cost;
    }
    left -= hot_used;
    const std::size_t first_warm = i;
    for (; i < n && left >= sq8_bytes; ++i) {
      target[i] = tiering::kWarm;
      left -= sq8_bytes;
    }
    if (i == n) {
      for (std::size_t j = first_warm; j < n && left >= hot_cost - sq8_bytes; ++j) {
        target[j] = tiering::kHot;
        left -= hot_cost - sq8_bytes;
      }
    }
  }
  restored_tiers_.clear();
  restored_tiers_.shrink_to_fit();

  const bool warm_used = std::find(target.begin(), target.end(), tiering::kWarm) != target.end();
  const bool cold_used = std::find(target.begin(), target.end(), tiering::kCold) != target.end();
  // Searches must prepare every table some tier byte may name: the new ones before they are published,
  // the old ones until the quiescence point below.
  codes_->set_in_use(warm_used || codes_->warm_in_use(), cold_used || codes_->cold_in_use());
  std::uint64_t promoted = 0;
  std::uint64_t demoted = 0;
  bool any_coded = false;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t s = order[i].slot;
    std::uint8_t want = target[i];
    const std::uint8_t cur = order[i].tier;
    if (want != cur) {
      // The code a tier names is written before the tier byte is published (release).
      if (want == tiering::kWarm && !codes_->add_warm(s, vectors_.at(s))) want = tiering::kCold;
      if (want != cur) {
        tiers_[s].store(want, std::memory_order_release);
        if (cur == tiering::kWarm) codes_->release_warm(s);
        (want < cur ? promoted : demoted) += 1;
      }
    }
    any_coded = any_coded || want != tiering::kHot;
  }
  codes_in_use_.store(any_coded, std::memory_order_release);
  promotions_.fetch_add(promoted, std::memory_order_relaxed);
  demotions_.fetch_add(demoted, std::memory_order_relaxed);
  if (promoted + demoted > 0) tiers_dirty_ = true;
  // Quiescence: once every search that may have read a released SQ8 index has finished, the entries
  // can be reused.
  { std::unique_lock reclaim_lock(reclaim_mutex_); }
  codes_->recycle_released();
  codes_->set_in_use(warm_used, cold_used);
}

Result<Tier> VectorDB::Impl::tier_of(std::string_view id) const {
  std::shared_lock map_lock(map_mutex_);
  auto it = id_to_slot_.find(id);
  if (it == id_to_slot_.end()) return Status::not_found(fmt::format("no vector with id '{}'", id));
  return static_cast<Tier>(tiers_[it->second].load(std::memory_order_acquire));
}

void VectorDB::Impl::fill_tier_stats(TierStats& t) const {
  t.enabled = tiering_;
  t.rescore_factor = options_.rescore_factor;
  t.promotions = promotions_.load(std::memory_order_relaxed);
  t.demotions = demotions_.load(std::memory_order_relaxed);
  t.passes = passes_.load(std::memory_order_relaxed);
  t.budget_bytes = last_budget_.load(std::memory_order_relaxed);
  t.trained_on = trained_on_.load(std::memory_order_relaxed);
  t.cold_codec = options_.cold_codec;
  std::shared_lock reclaim_lock(reclaim_mutex_);
  const bool trained = codes_ != nullptr;
  t.trained = trained;
  if (trained) t.cold_codec = codes_->codec();
  const std::size_t bound = graph_.slot_bound();
  for (std::uint32_t s = 0; s < bound; ++s) {
    if (graph_.state(s) != detail::NodeState::kLive) continue;
    switch (tiers_[s].load(std::memory_order_relaxed)) {
      case tiering::kHot:
        ++t.hot_vectors;
        break;
      case tiering::kWarm:
        ++t.warm_vectors;
        break;
      default:
        ++t.cold_vectors;
    }
  }
  const std::size_t cold = trained ? codes_->cold_bytes() : 0;
  t.hot_bytes = t.hot_vectors * (vectors_.stride_bytes() + cold);
  t.warm_bytes = t.warm_vectors * ((trained ? codes_->sq8_bytes() : 0) + cold);
  t.cold_bytes = t.cold_vectors * cold;
}

Status VectorDB::Impl::save_tiers_locked() {
  if (!tiering_ || !persistence_ || options_.read_only || !codes_) return Status::ok();
  const std::uint32_t bound = next_slot_;
  std::vector<std::uint8_t> tiers(bound);
  std::vector<std::uint32_t> heat(bound);
  for (std::uint32_t s = 0; s < bound; ++s) {
    tiers[s] = tiers_[s].load(std::memory_order_relaxed);
    heat[s] = heat_[s].load(std::memory_order_relaxed);
  }
  // Not yet reinstated (the pass after open has not run): keep the saved placement, not all-hot.
  for (std::uint32_t s = 0; s < bound && s < restored_tiers_.size(); ++s) tiers[s] = restored_tiers_[s];
  STRATA_RETURN_IF_ERROR(
      storage::write_tier_file((std::filesystem::path(persistence_->dir) / kTierFile).string(), tiers, heat));
  tiers_dirty_ = false;
  return Status::ok();
}

Status VectorDB::Impl::load_tiers(storage::Txn& txn, const std::vector<std::uint32_t>& reset_slots) {
  if (!tiering_) return Status::ok();
  StoredQuantizers stored;
  std::uint64_t trained_on = 0;
  auto found = persistence_->store->get_quantizers(txn, stored.sq8, stored.cold, trained_on);
  if (!found) return found.status();
  if (!*found) return Status::ok();
  stored.trained_on = trained_on;
  stored_quantizers_ = std::move(stored);
  // Placement is a hint: a missing or damaged file only means starting from all hot.
  auto placement = storage::read_tier_file((std::filesystem::path(persistence_->dir) / kTierFile).string());
  if (!placement) return Status::ok();
  const std::size_t n = std::min<std::size_t>(placement->tiers.size(), next_slot_);
  restored_tiers_.assign(placement->tiers.begin(), placement->tiers.begin() + static_cast<std::ptrdiff_t>(n));
  for (std::size_t s = 0; s < n; ++s) heat_[s].store(placement->heat[s], std::memory_order_relaxed);
  // Slots replayed after the file was written hold other vectors now.
  for (std::uint32_t s : reset_slots) {
    if (s < n) {
      restored_tiers_[s] = tiering::kHot;
      heat_[s].store(0, std::memory_order_relaxed);
    }
  }
  return Status::ok();
}

}  // namespace strata
