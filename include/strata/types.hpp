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
};

}  // namespace strata
