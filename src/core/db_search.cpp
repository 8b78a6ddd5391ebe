// The read path of VectorDB::Impl: search (graph walk or exact scan, chosen per filter), get, stats.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <random>

#include "core/db_impl.hpp"
#include "core/parallel.hpp"
#include "core/validation.hpp"

namespace strata {

namespace {
constexpr std::size_t kSelectivitySamples = 256;
}  // namespace

Status VectorDB::Impl::check_query(const SearchQuery& query) const {
  if (query.k == 0) return Status::invalid_argument("SearchQuery::k is 0; it must be at least 1");
  if (query.ef_search && *query.ef_search == 0) {
    return Status::invalid_argument("SearchQuery::ef_search is 0; it must be at least 1");
  }
  return detail::check_vector(query.vector, options_.dimensions, "query vector");
}

Result<std::vector<SearchResult>> VectorDB::Impl::search(const SearchQuery& query) const {
  STRATA_RETURN_IF_ERROR(check_query(query));
  std::shared_lock reclaim_lock(reclaim_mutex_);
  return search_unlocked(query);
}

Result<std::vector<std::vector<SearchResult>>> VectorDB::Impl::search_batch(
    std::span<const SearchQuery> queries) const {
  for (std::size_t i = 0; i < queries.size(); ++i) {
    Status s = check_query(queries[i]);
    if (!s.is_ok()) return Status(s.code(), fmt::format("query #{}: {}", i, s.message()));
  }
  std::vector<std::vector<SearchResult>> out(queries.size());
  detail::parallel_for(queries.size(), threads_, [&](std::size_t, std::size_t i) {
    std::shared_lock reclaim_lock(reclaim_mutex_);
    out[i] = search_unlocked(queries[i]);
  });
  return out;
}

double VectorDB::Impl::estimate_selectivity(const Filter& filter) const {
  const std::size_t bound = graph_.slot_bound();
  if (bound == 0) return 0.0;
  std::minstd_rand rng(static_cast<std::uint32_t>(bound));
  std::size_t live = 0;
  std::size_t matching = 0;
  const std::size_t samples = std::min(bound, kSelectivitySamples);
  for (std::size_t i = 0; i < samples; ++i) {
    auto slot = static_cast<std::uint32_t>(samples == bound ? i : rng() % bound);
    if (graph_.state(slot) != detail::NodeState::kLive) continue;
    ++live;
    if (filter.matches(metadata_[slot])) ++matching;
  }
  return live == 0 ? 0.0 : static_cast<double>(matching) / static_cast<double>(live);
}

template <typename Accept>
void VectorDB::Impl::exact_scan(const float* query, std::size_t k, const Accept& accept,
                                std::vector<detail::Neighbor>& out) const {
  out.clear();
  const auto& distance = graph_.distance();
  const std::size_t bound = graph_.slot_bound();
  for (std::uint32_t slot = 0; slot < bound; ++slot) {
    if (!accept(slot)) continue;
    detail::Neighbor n{distance(query, vectors_.at(slot)), slot};
    if (out.size() < k) {
      out.push_back(n);
      std::push_heap(out.begin(), out.end());
    } else if (n < out.front()) {
      std::pop_heap(out.begin(), out.end());
      out.back() = n;
      std::push_heap(out.begin(), out.end());
    }
  }
  std::sort_heap(out.begin(), out.end());
}

SearchResult VectorDB::Impl::make_result(const detail::Neighbor& n, bool include_vector) const {
  SearchResult r;
  r.id = ids_[n.slot];
  r.distance = graph_.distance().to_user(n.distance);
  r.metadata = metadata_[n.slot];
  if (include_vector) {
    const float* v = vectors_.at(n.slot);
    r.vector.emplace(v, v + options_.dimensions);
  }
  return r;
}

std::vector<SearchResult> VectorDB::Impl::search_unlocked(const SearchQuery& query) const {
  const float* q = query.vector.data();
  std::vector<float> normalized;
  if (options_.distance_metric == DistanceMetric::kCosine) {
    normalized = query.vector;
    detail::normalize(normalized.data(), normalized.size());
    q = normalized.data();
  }
  const std::size_t k = query.k;
  const std::size_t ef = std::max(query.ef_search.value_or(options_.hnsw_ef_search), k);

  thread_local std::vector<detail::Neighbor> found;
  auto visited = visited_pool_.acquire();
  const std::size_t live = live_count_.load(std::memory_order_relaxed);
  // Some vectors are traversed on codes: walk on each node's current representation, then rescore.
  // While every vector is hot this is false and the walk is the float-only one.
  const tiering::TierCodes* codes = codes_in_use_.load(std::memory_order_acquire) ? codes_.get() : nullptr;
  auto walk = [&](const auto& accept) {
    if (codes == nullptr) {
      graph_.search(q, ef, accept, *visited, found);
      return;
    }
    const auto dist = codes->prepare(q, graph_, tiers_);
    graph_.search_with(dist, ef, accept, *visited, found);
    rescore(q, k, found);
  };

  if (query.filter) {
    const Filter& filter = *query.filter;
    auto accept = [&](std::uint32_t slot) {
      return graph_.state(slot) == detail::NodeState::kLive && filter.matches(metadata_[slot]);
    };
    // A selective filter makes the walk visit most of the graph to collect ef matches; scanning
    // the matching slots directly is then cheaper and exact.
    double selectivity = estimate_selectivity(filter);
    double expected = selectivity * static_cast<double>(live);
    if (expected < kExactScanFactor * static_cast<double>(ef)) {
      exact_scan(q, k, accept, found);
    } else {
      walk(accept);
      if (found.size() < k) exact_scan(q, k, accept, found);  // the walk missed part of a sparse set
    }
  } else {
    auto accept = [&](std::uint32_t slot) { return graph_.state(slot) == detail::NodeState::kLive; };
    walk(accept);
    if (found.size() < std::min(k, live)) exact_scan(q, k, accept, found);
  }

  // An id upserted during this search may have been accepted in both its old and its new slot;
  // keep the nearer one. `found` holds up to ef candidates, so dropping one still leaves k.
  std::vector<SearchResult> results;
  results.reserve(std::min(k, found.size()));
  for (std::size_t i = 0; i < found.size() && results.size() < k; ++i) {
    const std::string& id = ids_[found[i].slot];
    bool seen =
        std::any_of(results.begin(), results.end(), [&](const SearchResult& r) { return r.id == id; });
    if (!seen) {
      results.push_back(make_result(found[i], query.include_vectors));
      note_access(found[i].slot);
    }
  }
  return results;
}

void VectorDB::Impl::rescore(const float* query, std::size_t k, std::vector<detail::Neighbor>& found) const {
  // Every kept candidate is recomputed, hot ones included: a node promoted during the walk may carry a
  // code distance, and the final order must be exact for the candidates found.
  const std::size_t keep = std::min(found.size(), std::max(k + 1, options_.rescore_factor * k));
  found.resize(keep);
  const auto& distance = graph_.distance();
  for (auto& n : found) n.distance = distance(query, vectors_.at(n.slot));
  std::sort(found.begin(), found.end());
}

Result<VectorEntry> VectorDB::Impl::get(std::string_view id) const {
  std::shared_lock reclaim_lock(reclaim_mutex_);
  std::uint32_t slot = 0;
  {
    std::shared_lock map_lock(map_mutex_);
    auto it = id_to_slot_.find(id);
    if (it == id_to_slot_.end()) return Status::not_found(fmt::format("no vector with id '{}'", id));
    slot = it->second;
  }
  note_access(slot);
  VectorEntry e;
  e.id = ids_[slot];
  const float* v = vectors_.at(slot);
  e.vector.assign(v, v + options_.dimensions);
  e.metadata = metadata_[slot];
  return e;
}

bool VectorDB::Impl::contains(std::string_view id) const {
  std::shared_lock map_lock(map_mutex_);
  return id_to_slot_.find(id) != id_to_slot_.end();
}

DbStats VectorDB::Impl::stats() const {
  DbStats s;
  s.count = live_count_.load(std::memory_order_relaxed);
  s.dimensions = options_.dimensions;
  s.metric = options_.distance_metric;
  s.hnsw_m = options_.hnsw_m;
  s.hnsw_ef_construction = options_.hnsw_ef_construction;
  s.hnsw_ef_search = options_.hnsw_ef_search;
  s.slots = slot_count_.load(std::memory_order_relaxed);
  s.removed_pending = removed_count_.load(std::memory_order_relaxed);
  s.free_slots = free_count_.load(std::memory_order_relaxed);
  s.max_level = static_cast<std::size_t>(std::max(graph_.max_level(), 0));
  s.memory.vectors = vectors_.reserved_bytes();
  s.memory.graph = graph_.memory_bytes() + visited_pool_.bytes();
  s.memory.metadata =
      metadata_bytes_.load(std::memory_order_relaxed) + metadata_.capacity() * sizeof(Metadata);
  s.memory.ids = id_bytes_.load(std::memory_order_relaxed) + ids_.capacity() * sizeof(std::string);
  if (persistence_) {
    std::error_code ec;
    for (const auto& file : std::filesystem::directory_iterator(persistence_->dir, ec)) {
      if (file.is_regular_file(ec)) s.disk_bytes[file.path().filename().string()] = file.file_size(ec);
    }
    s.changes_since_checkpoint = changes_since_checkpoint_.load(std::memory_order_relaxed);
  }
  fill_tier_stats(s.tiers);
  return s;
}

}  // namespace strata
