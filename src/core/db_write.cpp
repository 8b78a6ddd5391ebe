// The write path of VectorDB::Impl: validation, slot allocation, parallel graph insertion, publication
// of ids, removal and the batched repair that recycles removed slots.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <unordered_map>

#include "core/db_impl.hpp"
#include "core/parallel.hpp"
#include "core/uuid.hpp"
#include "core/validation.hpp"

namespace strata {

namespace {

std::size_t metadata_footprint(const Metadata& m) {
  std::size_t bytes = 0;
  for (const auto& [key, value] : m) {
    bytes += 64 + key.capacity();  // map node and key
    if (const auto* s = std::get_if<std::string>(&value)) bytes += s->capacity();
    if (const auto* l = std::get_if<std::vector<std::string>>(&value)) {
      for (const auto& e : *l) bytes += sizeof(std::string) + e.capacity();
    }
  }
  return bytes;
}

std::size_t id_footprint(const std::string& id) {
  // The string in its slot plus a map node holding a copy (node, key, bucket pointer).
  return 2 * (sizeof(std::string) + id.capacity()) + 32;
}

}  // namespace

VectorDB::Impl::Impl(const DbOptions& options)
    : Impl(options, std::make_unique<detail::HeapSegmentSource>()) {}

VectorDB::Impl::Impl(const DbOptions& options, std::unique_ptr<detail::SegmentSource> vector_source)
    : options_(options),
      threads_(detail::resolve_threads(options.num_threads)),
      vectors_(options.dimensions, options.max_elements, std::move(vector_source)),
      graph_(detail::HnswParams{options.hnsw_m, options.hnsw_ef_construction, options.random_seed,
                                options.max_elements},
             vectors_,
             detail::MetricDistance::make(options.distance_metric, options.dimensions, detail::kernels())),
      ids_(options.max_elements),
      metadata_(options.max_elements),
      // Manhattan has no SQ8 form (it does not expand into a dot product): such databases stay hot.
      tiering_(options.tiering && options.distance_metric != DistanceMetric::kManhattan),
      heat_(options.max_elements),
      tiers_(options.max_elements) {}

Status VectorDB::Impl::reserve_slots(std::size_t slots) {
  if (!vectors_.reserve(slots)) {
    if (persistence_ && persistence_->vector_file != nullptr &&
        !persistence_->vector_file->last_error().empty()) {
      return Status::resource_exhausted(persistence_->vector_file->last_error());
    }
    return Status::resource_exhausted(fmt::format("out of memory growing the vectors to {} slots", slots));
  }
  bool ok = graph_.reserve(slots) && ids_.reserve(slots) && metadata_.reserve(slots) &&
            heat_.reserve(slots) && tiers_.reserve(slots) && (!codes_ || codes_->reserve(slots)) &&
            (!building_codes_ || building_codes_->reserve(slots));
  if (!ok)
    return Status::resource_exhausted(fmt::format("out of memory growing the database to {} slots", slots));
  return Status::ok();
}

Status VectorDB::Impl::check_writable() const {
  if (options_.read_only) return Status::not_supported("the database is open read-only");
  return Status::ok();
}

std::uint32_t VectorDB::Impl::allocate_slot() {
  if (!free_slots_.empty()) {
    std::uint32_t slot = free_slots_.back();
    free_slots_.pop_back();
    return slot;
  }
  return next_slot_++;
}

Result<std::vector<std::string>> VectorDB::Impl::insert_batch(std::span<const VectorEntry> entries) {
  // Validate everything before touching the database.
  std::vector<std::string> ids(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const VectorEntry& e = entries[i];
    STRATA_RETURN_IF_ERROR(detail::check_id(e.id));
    std::string what =
        e.id.empty() ? fmt::format("vector of entry #{}", i) : fmt::format("vector of entry '{}'", e.id);
    STRATA_RETURN_IF_ERROR(detail::check_vector(e.vector, options_.dimensions, what));
    ids[i] = e.id.empty() ? detail::generate_uuid() : e.id;
  }
  if (entries.empty()) return ids;
  if (next_slot_ >= UINT32_MAX - entries.size()) {
    return Status::resource_exhausted("the database holds the maximum number of slots (2^32)");
  }

  // The last entry for an id wins; earlier ones are skipped.
  std::vector<std::size_t> order;
  order.reserve(entries.size());
  {
    std::unordered_map<std::string_view, std::size_t> last;
    last.reserve(entries.size());
    for (std::size_t i = 0; i < entries.size(); ++i) last[ids[i]] = i;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (last[ids[i]] == i) order.push_back(i);
    }
  }

  STRATA_RETURN_IF_ERROR(check_writable());
  std::lock_guard write_lock(write_mutex_);
  maybe_repair();

  const std::size_t reuse = std::min(order.size(), free_slots_.size());
  STRATA_RETURN_IF_ERROR(reserve_slots(next_slot_ + (order.size() - reuse)));

  std::vector<std::uint32_t> slots;
  slots.reserve(order.size());
  try {
    for (const std::size_t index : order) {
      const VectorEntry& e = entries[index];
      std::uint32_t slot = allocate_slot();
      slots.push_back(slot);
      float* dst = vectors_.mutable_at(slot);
      std::memcpy(dst, e.vector.data(), options_.dimensions * sizeof(float));
      if (options_.distance_metric == DistanceMetric::kCosine) detail::normalize(dst, options_.dimensions);
      tier_on_write(slot, dst);
      ids_[slot] = ids[index];
      metadata_[slot] = e.metadata;
      graph_.prepare_slot(slot, graph_.random_level());
    }
  } catch (const std::bad_alloc&) {
    // Nothing is linked yet: give the slots back for later use.
    for (std::uint32_t slot : slots) {
      graph_.release_slot(slot);
      free_slots_.push_back(slot);
    }
    free_count_.store(free_slots_.size(), std::memory_order_relaxed);
    return Status::resource_exhausted("out of memory copying the batch into the database");
  }
  slot_count_.store(next_slot_, std::memory_order_relaxed);

  // Persistent databases: the batch is durable once this transaction commits; the graph and the
  // in-memory maps are derived from it, and open replays them if the process dies before they are.
  if (persistence_) {
    std::vector<storage::Store::Put> puts(order.size());
    {
      std::shared_lock map_lock(map_mutex_);
      for (std::size_t j = 0; j < order.size(); ++j) {
        const std::string& id = ids[order[j]];
        puts[j] = {slots[j], id, vectors_.at(slots[j]), &metadata_[slots[j]], std::nullopt};
        if (auto it = id_to_slot_.find(id); it != id_to_slot_.end()) puts[j].replaces = it->second;
      }
    }
    Status committed = persistence_->store->commit(puts, {}).status();
    if (!committed.is_ok()) {
      for (std::uint32_t slot : slots) {
        graph_.release_slot(slot);
        ids_[slot] = std::string();
        metadata_[slot] = Metadata();
        free_slots_.push_back(slot);
      }
      free_count_.store(free_slots_.size(), std::memory_order_relaxed);
      return committed;
    }
    changes_since_checkpoint_.fetch_add(order.size(), std::memory_order_relaxed);
  }

  const std::size_t threads = order.size() < 64 ? 1 : threads_;
  std::vector<detail::VisitedSetPool::Lease> visited;
  visited.reserve(threads);
  for (std::size_t t = 0; t < threads; ++t) visited.push_back(visited_pool_.acquire());
  detail::parallel_for(slots.size(), threads,
                       [&](std::size_t worker, std::size_t j) { graph_.insert(slots[j], *visited[worker]); });

  // Publish: an upserted id's old slot is retired before the new one becomes visible, so no reader
  // can see the id twice.
  std::size_t added = 0;
  std::size_t meta_bytes = 0;
  std::size_t id_bytes = 0;
  {
    std::unique_lock map_lock(map_mutex_);
    for (std::size_t j = 0; j < order.size(); ++j) {
      const std::string& id = ids[order[j]];
      auto [it, inserted] = id_to_slot_.try_emplace(id, slots[j]);
      if (!inserted) {
        std::uint32_t old = it->second;
        graph_.set_state(old, detail::NodeState::kRemoved);
        removed_slots_.push_back(old);
        meta_bytes -= metadata_footprint(metadata_[old]);
        id_bytes -= id_footprint(ids_[old]);
        it->second = slots[j];
      } else {
        ++added;
      }
      graph_.set_state(slots[j], detail::NodeState::kLive);
      meta_bytes += metadata_footprint(metadata_[slots[j]]);
      id_bytes += id_footprint(ids_[slots[j]]);
    }
  }
  live_count_.fetch_add(added, std::memory_order_relaxed);
  removed_count_.store(removed_slots_.size(), std::memory_order_relaxed);
  free_count_.store(free_slots_.size(), std::memory_order_relaxed);
  metadata_bytes_.fetch_add(meta_bytes, std::memory_order_relaxed);  // wraps correctly when negative
  id_bytes_.fetch_add(id_bytes, std::memory_order_relaxed);
  if (persistence_ && options_.checkpoint_every != 0 &&
      changes_since_checkpoint_.load(std::memory_order_relaxed) >= options_.checkpoint_every) {
    // The batch is already durable; a failed checkpoint only means a longer replay at open.
    (void)checkpoint_locked();
  }
  return ids;
}

Status VectorDB::Impl::remove(std::string_view id) {
  STRATA_RETURN_IF_ERROR(check_writable());
  std::lock_guard write_lock(write_mutex_);
  std::uint32_t slot = 0;
  {
    std::shared_lock map_lock(map_mutex_);
    auto it = id_to_slot_.find(id);
    if (it == id_to_slot_.end()) return Status::not_found(fmt::format("no vector with id '{}'", id));
    slot = it->second;
  }
  if (persistence_) {
    std::pair<std::string_view, std::uint32_t> removal{id, slot};
    STRATA_RETURN_IF_ERROR(persistence_->store->commit({}, {&removal, 1}).status());
    changes_since_checkpoint_.fetch_add(1, std::memory_order_relaxed);
  }
  {
    std::unique_lock map_lock(map_mutex_);
    graph_.set_state(slot, detail::NodeState::kRemoved);
    id_to_slot_.erase(id_to_slot_.find(id));
  }
  removed_slots_.push_back(slot);
  metadata_bytes_.fetch_sub(metadata_footprint(metadata_[slot]), std::memory_order_relaxed);
  id_bytes_.fetch_sub(id_footprint(ids_[slot]), std::memory_order_relaxed);
  live_count_.fetch_sub(1, std::memory_order_relaxed);
  removed_count_.store(removed_slots_.size(), std::memory_order_relaxed);
  maybe_repair();
  if (persistence_ && options_.checkpoint_every != 0 &&
      changes_since_checkpoint_.load(std::memory_order_relaxed) >= options_.checkpoint_every) {
    (void)checkpoint_locked();
  }
  return Status::ok();
}

void VectorDB::Impl::maybe_repair() {
  std::size_t threshold = std::max(kMinRepairBatch, live_count_.load(std::memory_order_relaxed) / 16);
  if (removed_slots_.size() < threshold) return;
  graph_.repair(removed_slots_);
  {
    // No search may still hold a removed slot when it is recycled.
    std::unique_lock reclaim_lock(reclaim_mutex_);
    for (std::uint32_t slot : removed_slots_) {
      graph_.release_slot(slot);
      ids_[slot] = std::string();
      metadata_[slot] = Metadata();
      free_slots_.push_back(slot);
    }
  }
  removed_slots_.clear();
  removed_count_.store(0, std::memory_order_relaxed);
  free_count_.store(free_slots_.size(), std::memory_order_relaxed);
}

}  // namespace strata
