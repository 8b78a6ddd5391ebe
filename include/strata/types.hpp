// Value types of the public API: metrics, metadata, entries, queries, results and statistics.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace strata {

// How the distance between two vectors is measured. Smaller distances are closer for every metric.
enum class DistanceMetric {
  kEuclidean,   // sqrt(sum (a_i - b_i)^2); ranking uses the squared form internally
  kCosine,      // 1 - cos(a, b); vectors are stored normalised to unit length
  kDotProduct,  // -(a . b), the negative inner product, as pgvector's <#> operator
  kManhattan,   // sum |a_i - b_i|
};

// Where a vector lives (docs/tiering.md). Every vector keeps its full-precision float32 copy (in RAM
// for in-memory databases, in the vector file for persistent ones); the tier decides which code the
// graph search reads for it and whether strata counts its floats as held in RAM.
enum class Tier {
  kHot,   // float32 in RAM: traversed and ranked exactly
  kWarm,  // SQ8 code (1 byte per dimension) in RAM; floats read only to rescore
  kCold,  // PQ or binary code (about d/8 bytes) in RAM; floats read only to rescore
};

// The code cold vectors are traversed on.
enum class ColdCodec {
  kProduct,  // product quantization, one byte per 8 dimensions, 256 centroids per sub-space
  kBinary,   // one bit per dimension around the trained mean, compared asymmetrically
};

// Short lower-case name of a tier ("hot", "warm", "cold").
std::string_view tier_name(Tier tier) noexcept;

// Short lower-case name of a metric ("euclidean", "cosine", "dot", "manhattan").
std::string_view metric_name(DistanceMetric metric) noexcept;
// Parses a name as returned by metric_name (also "l2", "ip", "l1"); nullopt if unknown.
std::optional<DistanceMetric> parse_metric(std::string_view name) noexcept;

// One metadata value: a string, a 64-bit integer, a double, a bool or a list of strings.
// Integer and double values compare numerically with each other in filters.
using MetadataValue = std::variant<std::string, std::int64_t, double, bool, std::vector<std::string>>;

// Metadata attached to a vector: string keys to typed values.
using Metadata = std::map<std::string, MetadataValue, std::less<>>;

// A vector to insert. An empty id asks strata to generate a random UUID (returned by insert).
struct VectorEntry {
  std::string id;
  std::vector<float> vector;
  Metadata metadata;
};

// One search hit. Results are ordered by ascending distance.
struct SearchResult {
  std::string id;
  float distance = 0;
  Metadata metadata;
  std::optional<std::vector<float>> vector;  // set when SearchQuery::include_vectors
};

// Bytes of memory held by each component of a database.
struct MemoryUsage {
  std::size_t vectors = 0;   // full-precision vector arena
  std::size_t graph = 0;     // HNSW links on every level
  std::size_t metadata = 0;  // metadata maps
  std::size_t ids = 0;       // external ids and the id -> slot map
  std::size_t total() const noexcept { return vectors + graph + metadata + ids; }
};

// Tiering counters (docs/tiering.md). Bytes are what strata counts as held in RAM for traversal and
// ranking: float32 vectors of hot slots, SQ8 codes of warm ones and the cold code every vector keeps.
// For in-memory databases all floats stay in RAM whatever the tier (MemoryUsage::vectors); the tiers
// then save memory bandwidth during the walk, not memory.
struct TierStats {
  bool enabled = false;  // DbOptions::tiering, and the metric has a code form
  bool trained = false;  // quantizers trained (or loaded) and codes built
  ColdCodec cold_codec = ColdCodec::kProduct;
  std::size_t trained_on = 0;   // live vectors when the quantizers were trained
  std::size_t hot_vectors = 0;  // live vectors per tier
  std::size_t warm_vectors = 0;
  std::size_t cold_vectors = 0;
  std::size_t hot_bytes = 0;       // float32 (padded record) + cold code per hot vector
  std::size_t warm_bytes = 0;      // SQ8 code + cold code per warm vector
  std::size_t cold_bytes = 0;      // cold code per cold vector
  std::size_t budget_bytes = 0;    // the budget the last placement pass used (0 before any pass)
  std::uint64_t promotions = 0;    // tier changes towards hot, since open
  std::uint64_t demotions = 0;     // tier changes towards cold, since open
  std::uint64_t passes = 0;        // placement passes run since open
  std::size_t rescore_factor = 0;  // candidates rescored per result when traversal used codes
  std::size_t total_bytes() const noexcept { return hot_bytes + warm_bytes + cold_bytes; }
};

// A snapshot of a database's size and configuration (VectorDB::stats).
struct DbStats {
  std::size_t count = 0;  // live vectors
  std::size_t dimensions = 0;
  DistanceMetric metric = DistanceMetric::kEuclidean;
  std::size_t hnsw_m = 0;
  std::size_t hnsw_ef_construction = 0;
  std::size_t hnsw_ef_search = 0;
  std::size_t slots = 0;            // allocated node slots (live + removed + free)
  std::size_t removed_pending = 0;  // removed vectors whose slots await graph repair
  std::size_t free_slots = 0;       // repaired slots ready for reuse
  std::size_t max_level = 0;        // top level of the HNSW graph
  MemoryUsage memory;
  // Persistent databases: bytes on disk per file name (e.g. "data.mdb", "graph.ckpt"), and the number
  // of changes not yet in the last graph checkpoint (replayed at the next open).
  std::map<std::string, std::uint64_t> disk_bytes;
  std::size_t changes_since_checkpoint = 0;
  TierStats tiers;
};

}  // namespace strata
