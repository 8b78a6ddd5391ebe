// VectorDB::Impl: the in-memory database behind strata::VectorDB. It owns the ids, metadata and
// vectors by slot and drives the HNSW graph. Write path in db_write.cpp, read path in db_search.cpp.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "storage/store.hpp"
#include "storage/vector_file.hpp"
#include "strata/detail/hnsw_graph.hpp"
#include "strata/detail/segmented_array.hpp"
#include "strata/detail/vector_arena.hpp"
#include "strata/detail/visited_set.hpp"
#include "strata/vector_db.hpp"

namespace strata {

// Locks, in the order they may be taken:
//   write_mutex_    one write operation at a time (insert, insert_batch, remove)
//   reclaim_mutex_  shared by every read that touches slots; taken exclusively only to recycle
//                   repaired slots, so no reader can see a slot change under it
//   map_mutex_      guards id_to_slot_ (exclusive while a write publishes its ids)
// Searches read slot states, links and vectors without locks (see hnsw_graph.hpp).
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
};

}  // namespace strata
