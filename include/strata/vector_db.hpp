// VectorDB: the database. Open one with VectorDB::open(DbOptions); insert, search, get and remove.
#pragma once

#include <iosfwd>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "strata/filter.hpp"
#include "strata/options.hpp"
#include "strata/status.hpp"
#include "strata/types.hpp"

namespace strata {

// A k-nearest-neighbour query.
struct SearchQuery {
  std::vector<float> vector;             // REQUIRES: the database's dimension, every value finite
  std::size_t k = 10;                    // number of results. REQUIRES: k >= 1
  std::optional<std::size_t> ef_search;  // HNSW ef for this query; default DbOptions::hnsw_ef_search;
                                         // values below k are raised to k
  std::optional<Filter> filter;          // only vectors whose metadata matches; default: all
  bool include_vectors = false;          // fill SearchResult::vector
};

// An approximate nearest-neighbour database of fixed-dimension float vectors with metadata.
//
// Thread safety: every method may be called concurrently from any number of threads. Reads
// (search, search_batch, get, contains, size, stats) never wait for each other and do not wait for a
// write in progress, except briefly while a write publishes its ids; writes (insert, insert_batch,
// remove) are serialised. A read concurrent with a write sees each written vector either entirely or
// not at all; an upserted id is never returned twice.
//
// Caveats: with the cosine metric vectors are stored normalised, so get() returns the unit-length
// vector. Removed vectors stop appearing in results at once; their graph slots are repaired and reused
// in batches (see DbStats::removed_pending).
class VectorDB {
 public:
  // Opens (or, in memory, creates) a database. InvalidArgument if the options do not validate.
  static Result<VectorDB> open(const DbOptions& options);

  VectorDB(VectorDB&&) noexcept;
  VectorDB& operator=(VectorDB&&) noexcept;
  VectorDB(const VectorDB&) = delete;
  VectorDB& operator=(const VectorDB&) = delete;
  ~VectorDB();

  // Inserts or replaces (upserts) one vector. Returns its id: the given one, or a generated UUID when
  // entry.id is empty.
  Result<std::string> insert(VectorEntry entry);

  // Inserts or replaces many vectors, building the index on DbOptions::num_threads threads. Validates
  // every entry first: on any error nothing is inserted. When an id appears more than once, the last
  // entry wins. Returns the ids in input order.
  Result<std::vector<std::string>> insert_batch(std::span<const VectorEntry> entries);

  // The entry stored under `id`; NotFound if there is none.
  Result<VectorEntry> get(std::string_view id) const;

  // Removes the vector stored under `id`; NotFound if there is none.
  Status remove(std::string_view id);

  bool contains(std::string_view id) const;
  std::size_t size() const;

  // The query.k nearest vectors (fewer if fewer match), nearest first.
  Result<std::vector<SearchResult>> search(const SearchQuery& query) const;

  // Runs many queries on DbOptions::num_threads threads; results in query order. Validates all
  // queries first: on any error no search runs.
  Result<std::vector<std::vector<SearchResult>>> search_batch(std::span<const SearchQuery> queries) const;

  // Writes every entry (id, vector, metadata) to `out` in the portable, versioned dump format of
  // docs/dump-format.md. Concurrent writes may or may not be included.
  Status export_all(std::ostream& out) const;
  Status export_all(const std::string& path) const;

  // Upserts every entry of a dump written by export_all, in batches. InvalidArgument when the dump's
  // dimensions differ from this database's; Corruption (naming the source) when it is damaged. Entries
  // of batches before a failure stay inserted.
  Status import_all(std::istream& in);
  Status import_all(const std::string& path);

  // Persistent databases: writes a graph checkpoint now, so the next open replays nothing. OK and no
  // effect for in-memory databases.
  Status checkpoint();

  // Runs a tier placement pass now (training the quantizers first when enough vectors exist and
  // none are trained), instead of waiting for the background pass. OK and no effect when tiering is
  // off. Blocks writes while codes are written.
  Status optimize();

  // The tier the vector stored under `id` is in now; NotFound if there is none.
  Result<Tier> tier_of(std::string_view id) const;

  DbStats stats() const;
  const DbOptions& options() const noexcept;

  class Impl;

 private:
  explicit VectorDB(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata
