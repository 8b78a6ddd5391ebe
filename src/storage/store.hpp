// Store: the LMDB schema of a persistent database, the source of truth for ids, vectors, metadata,
// options and the change log that derived files (graph checkpoint, vector file) are replayed from.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "storage/lmdb.hpp"
#include "strata/options.hpp"
#include "strata/types.hpp"

namespace strata::storage {

// Named LMDB databases:
//   meta   "format" -> version; "options" -> JSON of the options fixed at creation; "seq" -> last
//          sequence number (u64 BE); "tier.sq8", "tier.cold" -> the tiering quantizers' serialize()
//          bytes and "tier.trained_on" -> live vectors at training (u64 BE), written together
//          (absent until tiering first trains; older strata versions ignore them)
//   ids      id -> slot (u32 BE)
//   entries  slot (u32 BE) -> io::encode_entry(id, no vector, metadata)
//   vectors  slot (u32 BE) -> dimensions x float32 LE (kept apart from entries so that open, which
//            needs every id and metadata map in memory, does not read the vectors)
//   log    sequence number (u64 BE) -> slot (u32 BE): every slot written or freed, in commit order,
//          trimmed up to the last checkpoint
class Store {
 public:
  static constexpr std::uint32_t kFormatVersion = 1;

  // What a database fixes at creation and checks at every open.
  struct FixedOptions {
    std::size_t dimensions = 0;
    DistanceMetric metric = DistanceMetric::kEuclidean;
    std::size_t hnsw_m = 16;
    std::size_t hnsw_ef_construction = 200;
    std::uint64_t random_seed = 0;
    std::size_t arena_base = 0;  // records in the first segment of the vector file
  };

  // Opens the environment in `dir` (which must exist). A new, empty environment is initialised with
  // `fixed` unless read-only; an existing one must match dimensions and metric (InvalidArgument
  // otherwise) and have a supported format version. `fixed` is updated with the stored values.
  static Result<std::unique_ptr<Store>> open(const std::string& dir, bool read_only, FixedOptions& fixed);

  struct Put {
    std::uint32_t slot;
    std::string_view id;
    const float* vector;
    const Metadata* metadata;
    std::optional<std::uint32_t> replaces;  // the id's previous slot, freed by this write
  };
  // One durable transaction: every put and every removal, each logged with the next sequence number.
  // Returns the last sequence number used.
  Result<std::uint64_t> commit(std::span<const Put> puts,
                               std::span<const std::pair<std::string_view, std::uint32_t>> removals);

  // Deletes log entries up to and including `seq` (after a checkpoint made them unnecessary).
  Status trim_log(std::uint64_t seq);

  std::uint64_t last_seq() const noexcept { return last_seq_; }

  // Runs fn on one consistent snapshot of the store (a read transaction), for the reads below.
  Status snapshot(const std::function<Status(Txn&)>& fn) const { return env_.read(fn); }

  // The last sequence number committed as of the snapshot.
  Result<std::uint64_t> seq_at(Txn& txn) const;

  // Slots written or freed after `seq`, in log order (repeats possible). Corruption if the log does
  // not reach back to seq + 1 (it was trimmed past a checkpoint that is not the one being loaded).
  Status changed_since(Txn& txn, std::uint64_t seq, const std::function<void(std::uint32_t)>& fn) const;

  // The stored vector of a slot; Corruption when the slot has none.
  Status read_vector(Txn& txn, std::uint32_t slot, float* out) const;

  // Number of live entries and one past the highest live slot, as of the snapshot.
  Result<std::pair<std::size_t, std::uint32_t>> entry_count_and_bound(Txn& txn) const;

  // Every live slot's id and metadata (no vector), in slot order.
  Status for_each_entry(
      Txn& txn, const std::function<Status(std::uint32_t, std::string_view id, Metadata&&)>& fn) const;
  // Every live slot's vector, in slot order.
  Status for_each_vector(Txn& txn,
                         const std::function<Status(std::uint32_t, std::span<const float>)>& fn) const;

  // The tiering quantizers, stored in one transaction (see the meta keys above).
  Status put_quantizers(std::string_view sq8, std::string_view cold, std::uint64_t trained_on);
  // False when none are stored.
  Result<bool> get_quantizers(Txn& txn, std::string& sq8, std::string& cold, std::uint64_t& trained_on) const;

  std::size_t dimensions() const noexcept { return dimensions_; }
  Env& env() noexcept { return env_; }

 private:
  Store(Env env, std::size_t dimensions) : env_(std::move(env)), dimensions_(dimensions) {}

  Env env_;
  std::size_t dimensions_;
  MDB_dbi meta_ = 0;
  MDB_dbi ids_ = 0;
  MDB_dbi entries_ = 0;
  MDB_dbi vectors_ = 0;
  MDB_dbi log_ = 0;
  std::uint64_t last_seq_ = 0;
};

}  // namespace strata::storage
