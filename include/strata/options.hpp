// DbOptions: everything that configures a strata::VectorDB.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "strata/status.hpp"
#include "strata/types.hpp"

namespace strata {

// Options for VectorDB::open. Every field has a usable default except `dimensions`.
// Thread safety: a plain value; copy it freely.
struct DbOptions {
  // Number of components of every vector. REQUIRES: 1 <= dimensions <= 65536. No default (0 is invalid).
  std::size_t dimensions = 0;

  // How distances are measured. Default: Euclidean.
  DistanceMetric distance_metric = DistanceMetric::kEuclidean;

  // Directory of a persistent database. Default: empty, which means in-memory: the data lives and
  // dies with the VectorDB object. With a path, the directory is created when missing (see
  // create_if_missing) and the database survives restarts and crashes (docs/storage.md).
  std::string storage_path;

  // Persistent databases only: create the directory and an empty database when there is none.
  // Default: true. When false, opening a missing database returns NotFound.
  bool create_if_missing = true;

  // Persistent databases only: open for reading; writes return NotSupported. Any number of read-only
  // processes may share a database with one writer process. Default: false.
  bool read_only = false;

  // Persistent databases only: serve full-precision vectors from a memory-mapped file, so a collection
  // larger than RAM is read through the page cache. When false they are copied into RAM at open.
  // Default: true.
  bool mmap_vectors = true;

  // Persistent databases only: when the graph checkpoint or the vector file is damaged, rebuild it
  // from LMDB (the truth) instead of failing with Corruption. Rebuilding takes time proportional to
  // the collection. Default: false.
  bool rebuild_index_if_corrupt = false;

  // Persistent databases only: write a graph checkpoint after this many changes, so that open replays
  // at most this many. 0 means only at close and on checkpoint(). Default: 100000.
  std::size_t checkpoint_every = 100000;

  // M in the HNSW paper: links per node on the upper levels; level 0 keeps 2*M.
  // Larger M gives better recall and uses more memory. REQUIRES: 2 <= M <= 256. Default: 16.
  std::size_t hnsw_m = 16;

  // efConstruction in the HNSW paper: candidate list size while inserting. Larger builds a better
  // graph, more slowly. REQUIRES: >= 1. Default: 200.
  std::size_t hnsw_ef_construction = 200;

  // ef in the HNSW paper: candidate list size while searching, when a query does not give its own.
  // Larger gives better recall, more slowly. REQUIRES: >= 1. Default: 100.
  std::size_t hnsw_ef_search = 100;

  // Expected number of vectors, used to size the first allocation. Only a hint: the database grows
  // beyond it. Default: 10000.
  std::size_t max_elements = 10000;

  // Threads used by insert_batch and search_batch. 0 means one per hardware thread. Default: 0.
  std::size_t num_threads = 0;

  // Seed of the random level assignment, so that builds are reproducible. Default: 0x5eed.
  std::uint64_t random_seed = 0x5eed;

  // ---- Tiering (docs/tiering.md) ----

  // Track how often each vector is returned by search or get, and place vectors in hot (float32),
  // warm (SQ8) and cold (PQ or binary) tiers to keep within memory_budget_bytes, rescoring the best
  // candidates with full precision. false keeps every vector hot and tracks nothing. Not available
  // for the Manhattan metric (no SQ8 form): it stays all hot. Default: true.
  bool tiering = true;

  // Bytes of RAM the tiers may use: float32 of hot vectors plus the codes of all of them (see
  // TierStats). 0 means automatic: in-memory databases keep everything hot (their floats stay in RAM
  // anyway, so demoting would cost recall and save nothing); persistent databases use half of the
  // machine's available memory (MemAvailable in /proc/meminfo), read at every placement pass.
  // Default: 0.
  std::size_t memory_budget_bytes = 0;

  // The code cold vectors are traversed on. Default: product quantization.
  ColdCodec cold_codec = ColdCodec::kProduct;

  // When a search traversed codes, the best rescore_factor * k candidates (by code distance) are
  // rescored with full precision and the k best of those returned. REQUIRES: >= 1. Default: 8 (the
  // smallest that kept recall@10 within 0.005 of all-hot in bench/tiering_bench; docs/tiering.md).
  std::size_t rescore_factor = 8;

  // When set, every vector is kept in this tier once quantizers are trained, whatever its use and the
  // budget: for a fixed memory footprint, and for benchmarks. Default: unset (placed by temperature).
  std::optional<Tier> pin_tier;

  // Checks every field; the message names the first one out of range.
  Status validate() const;
};

}  // namespace strata
