// VectorDB::Impl: the in-memory database behind strata::VectorDB. It owns the ids, metadata and
// vectors by slot and drives the HNSW graph. Write path in db_write.cpp, read path in db_search.cpp.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "storage/store.hpp"
#include "storage/vector_file.hpp"
#include "strata/detail/hnsw_graph.hpp"
#include "strata/detail/segmented_array.hpp"
#include "strata/detail/vector_arena.hpp"
#include "strata/detail/visited_set.hpp"
#include "strata/vector_db.hpp"
#include "tiering/tier_codes.hpp"

namespace strata {

// Locks, in the order they may be taken:
//   write_mutex_    one write operation at a time (insert, insert_batch, remove)
//   reclaim_mutex_  shared by every read that touches slots; taken exclusively only to recycle
//                   repaired slots, so no reader can see a slot change under it
//   map_mutex_      guards id_to_slot_ (exclusive while a write publishes its ids)
// tier_pass_mutex_ serialises tier placement passes and is taken before write_mutex_.
// Searches read slot states, links and vectors without locks (see hnsw_graph.hpp), and tier bytes,
// heat counters and codes likewise (db_tiering.cpp); codes_ is replaced only under reclaim_mutex_.
class VectorDB::Impl {
 public:
  // An in-memory database.
  explicit Impl(const DbOptions& options);
  // A persistent database in options.storage_path (db_open.cpp).
  static Result<std::unique_ptr<Impl>> open_persistent(const DbOptions& options);
  ~Impl();

  Status checkpoint();
  Status export_all(std::ostream& out) const;
  Status import_all(std::istream& in, const std::string& source);

  Result<std::vector<std::string>> insert_batch(std::span<const VectorEntry> entries);
  Status remove(std::string_view id);
  Result<VectorEntry> get(std::string_view id) const;
  bool contains(std::string_view id) const;
  std::size_t size() const noexcept { return live_count_.load(std::memory_order_relaxed); }
  Result<std::vector<SearchResult>> search(const SearchQuery& query) const;
  Result<std::vector<std::vector<SearchResult>>> search_batch(std::span<const SearchQuery> queries) const;
  DbStats stats() const;
  const DbOptions& options() const noexcept { return options_; }

  // Tiering (db_tiering.cpp).
  Status optimize();
  Result<Tier> tier_of(std::string_view id) const;
  // Starts the background tier manager; VectorDB::open calls it once the database is open.
  void start_background();

  // Removed slots are repaired and recycled once this many are pending (or 1/16 of the live count).
  static constexpr std::size_t kMinRepairBatch = 64;
  // Filtered searches whose estimated matches are below this many times ef scan exactly.
  static constexpr double kExactScanFactor = 20.0;

 private:
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  using IdMap = std::unordered_map<std::string, std::uint32_t, StringHash, std::equal_to<>>;

  Status check_query(const SearchQuery& query) const;
  // Search without validation; the caller holds reclaim_mutex_ shared.
  std::vector<SearchResult> search_unlocked(const SearchQuery& query) const;
  // Fraction of live slots matching `filter`, estimated from a sample.
  double estimate_selectivity(const Filter& filter) const;
  template <typename Accept>
  void exact_scan(const float* query, std::size_t k, const Accept& accept,
                  std::vector<detail::Neighbor>& out) const;
  SearchResult make_result(const detail::Neighbor& n, bool include_vector) const;
  // Recomputes the best rescore_factor * k candidates with full precision and keeps those, sorted.
  void rescore(const float* query, std::size_t k, std::vector<detail::Neighbor>& found) const;

  // Persistent state, absent for in-memory databases.
  struct Persistence {
    std::string dir;
    int lock_fd = -1;  // flock held by the one writer process
    std::unique_ptr<storage::Store> store;
    storage::VectorFile* vector_file = nullptr;  // owned by vectors_ when vectors are memory-mapped
    std::uint64_t checkpoint_seq = 0;
  };

  Impl(const DbOptions& options, std::unique_ptr<detail::SegmentSource> vector_source);
  // Brings the graph and vectors up to date with the store after loading a checkpoint (db_open.cpp).
  static Result<std::unique_ptr<Impl>> open_once(const DbOptions& options);
  Status load_from_store(storage::Txn& txn, bool checkpoint_loaded, bool vectors_trusted);
  Status checkpoint_locked();
  Status check_writable() const;

  Status reserve_slots(std::size_t slots);
  std::uint32_t allocate_slot();
  void maybe_repair();

  // ---- Tiering (db_tiering.cpp) ----
  // Quantizer parameters read from LMDB at open, restored by the first pass.
  struct StoredQuantizers {
    std::string sq8;
    std::string cold;
    std::size_t trained_on = 0;
  };
  // A search or get returned the slot: warms it. Lock-free (relaxed atomic add).
  void note_access(std::uint32_t slot) const noexcept {
    if (tiering_) heat_[slot].fetch_add(1, std::memory_order_relaxed);
  }
  // The writer wrote a slot's vector: it starts hot and cold-coded. Under write_mutex_, before the
  // slot is published.
  void tier_on_write(std::uint32_t slot, const float* v);
  Status tier_pass(bool on_demand);
  Status train_codes(std::size_t live);
  Status install_codes(std::unique_ptr<tiering::TierCodes> codes, std::size_t trained_on);
  void place(std::size_t budget);
  std::size_t tier_budget() const;
  void stop_background();
  Status save_tiers_locked();
  // At open, inside load_from_store's snapshot: stored quantizers and the saved placement, except for
  // `reset_slots` (replayed since the placement was saved).
  Status load_tiers(storage::Txn& txn, const std::vector<std::uint32_t>& reset_slots);
  void fill_tier_stats(TierStats& t) const;

  const DbOptions options_;
  const std::size_t threads_;
  detail::VectorArena vectors_;
  detail::HnswGraph graph_;
  detail::SegmentedArray<std::string> ids_;
  detail::SegmentedArray<Metadata> metadata_;
  mutable detail::VisitedSetPool visited_pool_;

  std::mutex write_mutex_;
  mutable std::shared_mutex reclaim_mutex_;
  mutable std::shared_mutex map_mutex_;
  IdMap id_to_slot_;

  // Writer-only bookkeeping (under write_mutex_).
  std::vector<std::uint32_t> free_slots_;
  std::vector<std::uint32_t> removed_slots_;
  std::uint32_t next_slot_ = 0;

  // Mirrors for stats(), readable from any thread.
  std::atomic<std::size_t> live_count_{0};
  std::atomic<std::size_t> removed_count_{0};
  std::atomic<std::size_t> free_count_{0};
  std::atomic<std::size_t> slot_count_{0};
  std::atomic<std::size_t> metadata_bytes_{0};
  std::atomic<std::size_t> id_bytes_{0};
  std::atomic<std::size_t> changes_since_checkpoint_{0};

  std::unique_ptr<Persistence> persistence_;

  // Tiering state. heat_ and tiers_ are per slot, read and bumped without locks; codes_ is read by
  // searches under reclaim_mutex_ (shared) and replaced under it (exclusive); building_codes_, the
  // next generation being encoded, and restored_tiers_ are under write_mutex_.
  const bool tiering_;
  mutable detail::SegmentedArray<std::atomic<std::uint32_t>> heat_;
  detail::SegmentedArray<std::atomic<std::uint8_t>> tiers_;
  std::unique_ptr<tiering::TierCodes> codes_;
  std::unique_ptr<tiering::TierCodes> building_codes_;
  std::atomic<bool> codes_in_use_{false};  // some slot is not hot: searches must read tiers
  std::atomic<std::size_t> trained_on_{0};
  std::atomic<std::size_t> last_budget_{0};
  std::atomic<std::uint64_t> promotions_{0};
  std::atomic<std::uint64_t> demotions_{0};
  std::atomic<std::uint64_t> passes_{0};
  std::optional<StoredQuantizers> stored_quantizers_;
  std::vector<std::uint8_t> restored_tiers_;
  bool tiers_dirty_ = false;  // placement changed since tiers.bin was written (under write_mutex_)
  std::chrono::steady_clock::time_point last_decay_ = std::chrono::steady_clock::now();  // write_mutex_

  std::mutex tier_pass_mutex_;
  std::mutex tier_wait_mutex_;
  std::condition_variable tier_wake_;
  bool tier_stop_ = false;  // under tier_wait_mutex_
  std::thread tier_thread_;
};

}  // namespace strata
