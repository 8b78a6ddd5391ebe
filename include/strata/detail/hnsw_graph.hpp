// HnswGraph: the hierarchical navigable small world graph of Malkov & Yashunin (2016), kept apart
// from the class that owns ids and metadata. Not API.
//
// Nodes are dense uint32 slots. Vectors live in a VectorArena owned by the caller; the graph keeps
// only links, levels and each slot's lifecycle state:
//
//   kFree -> kInserting -> kLive -> kRemoved -> (repair, quiescence) -> kFree
//
// Concurrency: searches run without locks alongside one writer operation, which may itself insert on
// several threads. Link words are atomics (plain loads on x86), written under a per-node striped lock
// and published with release stores, so a reader sees each list either before or after an update and
// every id in it refers to a slot whose vector was written before the link. A removed slot stays
// traversable until repair() relinks its neighbours; the caller then waits until no search can still
// hold the slot (see VectorDB's reclaim lock) and calls release_slot().
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <random>
#include <span>
#include <vector>

#include "strata/detail/segmented_array.hpp"
#include "strata/detail/vector_arena.hpp"
#include "strata/detail/visited_set.hpp"

namespace strata::detail {

enum class NodeState : std::uint8_t { kFree = 0, kInserting = 1, kLive = 2, kRemoved = 3 };

// A candidate node and its distance to the query.
struct Neighbor {
  float distance;
  std::uint32_t slot;
  friend bool operator<(const Neighbor& a, const Neighbor& b) noexcept {
    return a.distance < b.distance || (a.distance == b.distance && a.slot < b.slot);
  }
  friend bool operator>(const Neighbor& a, const Neighbor& b) noexcept { return b < a; }
};

inline void prefetch_read(const void* p) noexcept {
#if defined(__GNUC__)
  __builtin_prefetch(p, 0, 3);
#else
  (void)p;
#endif
}

// The distance from one query to any slot, as the graph walk sees it: operator()(slot) returns the
// ranking distance and prefetch(slot) starts loading what it will read. The graph is templated on it
// so the tiered search (src/tiering) can compute each node's distance from the node's current
// representation (float32, SQ8 or a cold code) while the float-only path below compiles to exactly
// the code it had before the template existed.
struct FloatQueryDistance {
  const float* query;
  const VectorArena* vectors;
  const MetricDistance* metric;
  float operator()(std::uint32_t slot) const noexcept { return (*metric)(query, vectors->at(slot)); }
  void prefetch(std::uint32_t slot) const noexcept { prefetch_read(vectors->at(slot)); }
};

struct HnswParams {
  std::size_t m = 16;                 // M: links per node on levels >= 1
  std::size_t ef_construction = 200;  // candidate list size while inserting
  std::uint64_t seed = 0x5eed;        // level assignment
  std::size_t capacity_hint = 10000;  // first allocation, in slots
};

class HnswGraph {
 public:
  static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
  static constexpr int kMaxLevel = 30;
  static constexpr std::size_t kMaxListLength =
      std::size_t{2} * 256;  // 2M for the largest M DbOptions allows
  using Link = std::atomic<std::uint32_t>;

  HnswGraph(const HnswParams& params, const VectorArena& vectors, MetricDistance distance)
      : m_(params.m),
        m0_(2 * params.m),
        ef_construction_(params.ef_construction),
        level_mult_(1.0 / std::log(static_cast<double>(std::max<std::size_t>(params.m, 2)))),
        rng_(params.seed),
        vectors_(&vectors),
        distance_(distance),
        level0_((1 + 2 * params.m) * sizeof(std::uint32_t), alignof(std::uint32_t), params.capacity_hint),
        upper_(params.capacity_hint),
        levels_(params.capacity_hint),
        states_(params.capacity_hint) {}

  HnswGraph(const HnswGraph&) = delete;
  HnswGraph& operator=(const HnswGraph&) = delete;

  // ---- Capacity and per-slot state (writer side unless noted) ----

  bool reserve(std::size_t slots) {
    return level0_.reserve(slots) && upper_.reserve(slots) && levels_.reserve(slots) &&
           states_.reserve(slots);
  }
  // Safe from any thread.
  NodeState state(std::uint32_t slot) const noexcept {
    return static_cast<NodeState>(states_[slot].load(std::memory_order_acquire));
  }
  void set_state(std::uint32_t slot, NodeState s) noexcept {
    states_[slot].store(static_cast<std::uint8_t>(s), std::memory_order_release);
  }
  // Slots below this bound may be referenced by links; safe from any thread.
  std::size_t slot_bound() const noexcept { return slot_bound_.load(std::memory_order_acquire); }

  // Draws a level from the paper's exponential distribution (mL = 1 / ln M). Writer only.
  int random_level() {
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    double r = -std::log(std::max(uniform(rng_), std::numeric_limits<double>::min())) * level_mult_;
    return std::min(static_cast<int>(r), kMaxLevel);
  }

  // Prepares a slot for insert(): records its level and allocates its upper link lists. The slot's
  // vector must already be written. Writer only, before the parallel insert phase.
  void prepare_slot(std::uint32_t slot, int level) {
    levels_[slot] = static_cast<std::uint8_t>(level);
    if (level > 0) {
      std::size_t words = static_cast<std::size_t>(level) * (1 + m_);
      upper_[slot] = std::make_unique<Link[]>(words);
      upper_bytes_.fetch_add(words * sizeof(Link), std::memory_order_relaxed);
    }
    links(slot, 0)[0].store(0, std::memory_order_relaxed);  // arena records start uncleared
    std::size_t bound = slot_bound_.load(std::memory_order_relaxed);
    if (slot + 1 > bound) slot_bound_.store(slot + 1, std::memory_order_release);
    set_state(slot, NodeState::kInserting);
  }

  // Links a prepared slot into the graph. May run concurrently with other insert() calls of the same
  // writer operation and with searches.
  void insert(std::uint32_t slot, VisitedSet& visited);

  // Relinks every node that points at a removed slot, choosing replacements among the removed slots'
  // own neighbours, and moves the entry point off removed slots. Writer only; no insert() may run.
  // Searches may run concurrently.
  void repair(std::span<const std::uint32_t> removed);

  // Clears a repaired slot for reuse. Writer only, and only when no search can still hold the slot.
  void release_slot(std::uint32_t slot) {
    auto* l0 = links(slot, 0);
    l0[0].store(0, std::memory_order_relaxed);
    if (upper_[slot]) {
      upper_bytes_.fetch_sub(static_cast<std::size_t>(levels_[slot]) * (1 + m_) * sizeof(Link),
                             std::memory_order_relaxed);
      upper_[slot].reset();
    }
    levels_[slot] = 0;
    set_state(slot, NodeState::kFree);
  }

  // ---- Search (any thread) ----

  // Nearest neighbours of `query` among slots for which accept(slot) is true, using a candidate list
  // of `ef`. Traversal passes through every reachable node; only accepted ones enter the results, and
  // while fewer than ef are accepted the walk continues, so a filter never starves the result list.
  // `out` receives up to ef results sorted by ascending distance.
  template <typename Accept>
  void search(const float* query, std::size_t ef, const Accept& accept, VisitedSet& visited,
              std::vector<Neighbor>& out) const {
    search_with(float_distance(query), ef, accept, visited, out);
  }

  // As search(), with distances from `dist` (see FloatQueryDistance), e.g. on quantized codes.
  template <typename Dist, typename Accept>
  void search_with(const Dist& dist, std::size_t ef, const Accept& accept, VisitedSet& visited,
                   std::vector<Neighbor>& out) const {
    out.clear();
    auto [entry, top] = load_entry();
    if (entry == kNone) return;
    Neighbor current{dist(entry), entry};
    for (int level = top; level > 0; --level) current = greedy_step(dist, current, level);
    search_layer(dist, current, ef, 0, accept, visited, out);
  }

  FloatQueryDistance float_distance(const float* query) const noexcept {
    return FloatQueryDistance{query, vectors_, &distance_};
  }

  // Top level and entry point, for statistics.
  int max_level() const noexcept { return load_entry().second; }
  std::uint32_t entry_point() const noexcept { return load_entry().first; }
  int level_of(std::uint32_t slot) const noexcept { return levels_[slot]; }
  std::size_t m() const noexcept { return m_; }
  std::size_t ef_construction() const noexcept { return ef_construction_; }
  const MetricDistance& distance() const noexcept { return distance_; }

  // Neighbour ids of a slot on a level (copy), for tests and statistics.
  std::vector<std::uint32_t> neighbors(std::uint32_t slot, int level) const {
    const auto* l = links(slot, level);
    std::uint32_t n = l[0].load(std::memory_order_acquire);
    std::vector<std::uint32_t> out(n);
    for (std::uint32_t i = 0; i < n; ++i) out[i] = l[1 + i].load(std::memory_order_acquire);
    return out;
  }

  // ---- Checkpoint support (writer only, with no insert running) ----

  // Words of a slot's list on a level: [count, ids...], 1 + m0 words on level 0 and 1 + m above.
  std::size_t list_words(int level) const noexcept { return 1 + max_links(level); }
  void copy_list(std::uint32_t slot, int level, std::uint32_t* out) const noexcept {
    const Link* l = links(slot, level);
    for (std::size_t i = 0; i < list_words(level); ++i) out[i] = l[i].load(std::memory_order_relaxed);
  }
  // Restores one slot from a checkpoint. `lists` holds the level-0 list then levels 1..level.
  // REQUIRES: reserve() covers the slot; ids in the lists are below slot_bound after restore_bound.
  void restore_slot(std::uint32_t slot, NodeState state, int level, const std::uint32_t* lists) {
    levels_[slot] = static_cast<std::uint8_t>(level);
    if (level > 0) {
      std::size_t words = static_cast<std::size_t>(level) * (1 + m_);
      upper_[slot] = std::make_unique<Link[]>(words);
      upper_bytes_.fetch_add(words * sizeof(Link), std::memory_order_relaxed);
    }
    for (int l = 0; l <= level; ++l) {
      Link* dst = links(slot, l);
      for (std::size_t i = 0; i < list_words(l); ++i) dst[i].store(*lists++, std::memory_order_relaxed);
    }
    set_state(slot, state);
  }
  void restore_bound(std::size_t bound) noexcept { slot_bound_.store(bound, std::memory_order_release); }
  void restore_entry(std::uint32_t entry, int level) noexcept {
    entry_.store(pack(entry, level), std::memory_order_release);
  }

  // Bytes held by link lists on all levels (reserved level-0 records plus allocated upper lists).
  std::size_t memory_bytes() const noexcept {
    return level0_.reserved_bytes() + upper_bytes_.load(std::memory_order_relaxed) +
           states_.capacity() * (sizeof(std::uint8_t) * 2 + sizeof(void*));
  }

 private:
  static constexpr std::uint64_t pack(std::uint32_t entry, int level) {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(level)) << 32) | entry;
  }
  std::pair<std::uint32_t, int> load_entry() const noexcept {
    std::uint64_t v = entry_.load(std::memory_order_acquire);
    return {static_cast<std::uint32_t>(v), static_cast<int>(v >> 32)};
  }

  // [count, id0, id1, ...] for a slot on a level; capacity m0_ on level 0 and m_ above.
  Link* links(std::uint32_t slot, int level) const noexcept {
    if (level == 0) return reinterpret_cast<Link*>(level0_.at(slot));
    return upper_[slot].get() + static_cast<std::size_t>(level - 1) * (1 + m_);
  }
  std::size_t max_links(int level) const noexcept { return level == 0 ? m0_ : m_; }

  float distance_between(std::uint32_t a, std::uint32_t b) const noexcept {
    return distance_(vectors_->at(a), vectors_->at(b));
  }

  template <typename Dist>
  Neighbor greedy_step(const Dist& dist, Neighbor current, int level) const {
    bool changed = true;
    while (changed) {
      changed = false;
      const Link* l = links(current.slot, level);
      std::uint32_t n = std::min<std::uint32_t>(l[0].load(std::memory_order_acquire), m_);
      for (std::uint32_t i = 0; i < n; ++i) {
        std::uint32_t candidate = l[1 + i].load(std::memory_order_acquire);
        float d = dist(candidate);
        if (d < current.distance) {
          current = {d, candidate};
          changed = true;
        }
      }
    }
    return current;
  }

  template <typename Dist, typename Accept>
  void search_layer(const Dist& dist, Neighbor start, std::size_t ef, int level, const Accept& accept,
                    VisitedSet& visited, std::vector<Neighbor>& results) const;

  // Malkov's heuristic: keep a candidate only if it is closer to the base than to every kept one.
  // `candidates` must be sorted by ascending distance to the base; the kept ones replace it.
  void select_neighbors(std::vector<Neighbor>& candidates, std::size_t max_count) const {
    if (candidates.size() <= max_count) return;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < candidates.size() && kept < max_count; ++i) {
      const Neighbor c = candidates[i];
      bool good = true;
      for (std::size_t j = 0; j < kept; ++j) {
        if (distance_between(c.slot, candidates[j].slot) < c.distance) {
          good = false;
          break;
        }
      }
      if (good) candidates[kept++] = c;
    }
    candidates.resize(kept);
  }

  void write_links(std::uint32_t slot, int level, const std::vector<Neighbor>& chosen) {
    Link* l = links(slot, level);
    std::size_t n = std::min(chosen.size(), max_links(level));
    for (std::size_t i = 0; i < n; ++i) l[1 + i].store(chosen[i].slot, std::memory_order_release);
    l[0].store(static_cast<std::uint32_t>(n), std::memory_order_release);
  }

  // Writes a new node's list on `level`. Other threads of the same batch may already have linked
  // themselves into it (link_back); overwriting would drop those edges and could leave their nodes
  // unreachable, so the chosen neighbours are merged with what is there.
  void set_own_links(std::uint32_t slot, int level, const std::vector<Neighbor>& chosen,
                     std::vector<Neighbor>& scratch) {
    std::lock_guard lock(lock_for(slot));
    Link* l = links(slot, level);
    std::uint32_t n = l[0].load(std::memory_order_relaxed);
    if (n == 0) {
      write_links(slot, level, chosen);
      return;
    }
    scratch.assign(chosen.begin(), chosen.end());
    for (std::uint32_t i = 0; i < n; ++i) {
      std::uint32_t other = l[1 + i].load(std::memory_order_relaxed);
      bool known =
          std::any_of(chosen.begin(), chosen.end(), [other](const Neighbor& c) { return c.slot == other; });
      if (!known) scratch.push_back({distance_between(slot, other), other});
    }
    std::sort(scratch.begin(), scratch.end());
    select_neighbors(scratch, max_links(level));
    write_links(slot, level, scratch);
  }

  // Adds `slot` to `neighbor`'s list on `level`, pruning with the heuristic when the list is full.
  void link_back(std::uint32_t neighbor, std::uint32_t slot, float dist, int level,
                 std::vector<Neighbor>& scratch) {
    std::lock_guard lock(lock_for(neighbor));
    Link* l = links(neighbor, level);
    std::uint32_t n = l[0].load(std::memory_order_relaxed);
    for (std::uint32_t i = 0; i < n; ++i) {
      if (l[1 + i].load(std::memory_order_relaxed) == slot) return;
    }
    if (n < max_links(level)) {
      l[1 + n].store(slot, std::memory_order_release);
      l[0].store(n + 1, std::memory_order_release);
      return;
    }
    scratch.clear();
    scratch.push_back({dist, slot});
    for (std::uint32_t i = 0; i < n; ++i) {
      std::uint32_t other = l[1 + i].load(std::memory_order_relaxed);
      scratch.push_back({distance_between(neighbor, other), other});
    }
    std::sort(scratch.begin(), scratch.end());
    select_neighbors(scratch, max_links(level));
    write_links(neighbor, level, scratch);
  }

  std::mutex& lock_for(std::uint32_t slot) noexcept { return node_locks_[slot % node_locks_.size()]; }

  const std::size_t m_;
  const std::size_t m0_;
  const std::size_t ef_construction_;
  const double level_mult_;
  std::mt19937_64 rng_;
  const VectorArena* vectors_;
  MetricDistance distance_;

  SegmentedArena level0_;
  SegmentedArray<std::unique_ptr<Link[]>> upper_;
  SegmentedArray<std::uint8_t> levels_;
  SegmentedArray<std::atomic<std::uint8_t>> states_;
  std::atomic<std::size_t> slot_bound_{0};
  std::atomic<std::size_t> upper_bytes_{0};

  std::atomic<std::uint64_t> entry_{pack(kNone, 0)};
  std::mutex entry_mutex_;  // held by an insert that raises the top level
  std::array<std::mutex, 1024> node_locks_;
};

// ---------------------------------------------------------------------------------------------------

template <typename Dist, typename Accept>
void HnswGraph::search_layer(const Dist& dist, Neighbor start, std::size_t ef, int level,
                             const Accept& accept, VisitedSet& visited,
                             std::vector<Neighbor>& results) const {
  // Candidates: a min-heap by distance (std heap functions with greater<>); results: a max-heap.
  thread_local std::vector<Neighbor> candidates;
  candidates.clear();
  results.clear();
  // Slots published after this point are beyond the visited set's size and are skipped.
  const auto limit = static_cast<std::uint32_t>(slot_bound());
  visited.begin(limit);
  visited.test_and_set(start.slot);
  candidates.push_back(start);
  float bound = std::numeric_limits<float>::infinity();
  if (accept(start.slot)) {
    results.push_back(start);
    if (results.size() >= ef) bound = start.distance;
  }
  const std::size_t cap = max_links(level);
  while (!candidates.empty()) {
    const Neighbor current = candidates.front();
    if (current.distance > bound) break;
    std::pop_heap(candidates.begin(), candidates.end(), std::greater<>());
    candidates.pop_back();

    const Link* l = links(current.slot, level);
    std::uint32_t n =
        std::min<std::uint32_t>(l[0].load(std::memory_order_acquire), static_cast<std::uint32_t>(cap));
    // Gather the unvisited neighbours first and request all their vectors at once: the misses then
    // overlap instead of being paid one after another (one prefetch ahead hides only one).
    std::uint32_t fresh[kMaxListLength];
    std::uint32_t fresh_count = 0;
    for (std::uint32_t i = 0; i < n; ++i) {
      std::uint32_t next = l[1 + i].load(std::memory_order_acquire);
      if (next >= limit || visited.test_and_set(next)) continue;
      dist.prefetch(next);
      fresh[fresh_count++] = next;
    }
    for (std::uint32_t i = 0; i < fresh_count; ++i) {
      const std::uint32_t next = fresh[i];
      float d = dist(next);
      if (d >= bound) continue;
      candidates.push_back({d, next});
      std::push_heap(candidates.begin(), candidates.end(), std::greater<>());
      if (accept(next)) {
        results.push_back({d, next});
        std::push_heap(results.begin(), results.end());
        if (results.size() > ef) {
          std::pop_heap(results.begin(), results.end());
          results.pop_back();
        }
        if (results.size() >= ef) bound = results.front().distance;
      }
    }
  }
  std::sort_heap(results.begin(), results.end());
}

inline void HnswGraph::insert(std::uint32_t slot, VisitedSet& visited) {
  const int level = levels_[slot];
  const float* query = vectors_->at(slot);

  std::unique_lock<std::mutex> raise_lock(entry_mutex_, std::defer_lock);
  auto [entry, top] = load_entry();
  if (level > top || entry == kNone) {
    raise_lock.lock();
    std::tie(entry, top) = load_entry();
    if (entry == kNone) {  // first node of the graph
      entry_.store(pack(slot, level), std::memory_order_release);
      return;
    }
    if (level <= top) raise_lock.unlock();
  }

  const FloatQueryDistance dist = float_distance(query);
  Neighbor current{dist(entry), entry};
  for (int l = top; l > level; --l) current = greedy_step(dist, current, l);

  // Removed slots are walked through but never chosen as neighbours.
  auto linkable = [this](std::uint32_t s) { return state(s) != NodeState::kRemoved; };
  thread_local std::vector<Neighbor> found;
  thread_local std::vector<Neighbor> scratch;
  for (int l = std::min(level, top); l >= 0; --l) {
    search_layer(dist, current, ef_construction_, l, linkable, visited, found);
    // Another thread may already have linked this node in; it must be neither its own neighbour nor
    // the start of the next level's search (its lower lists are still empty).
    found.erase(
        std::remove_if(found.begin(), found.end(), [slot](const Neighbor& n) { return n.slot == slot; }),
        found.end());
    if (found.empty()) continue;
    current = found.front();
    select_neighbors(found, m_);
    set_own_links(slot, l, found, scratch);
    for (const Neighbor& n : found) link_back(n.slot, slot, n.distance, l, scratch);
  }
  if (level > top) entry_.store(pack(slot, level), std::memory_order_release);
}

inline void HnswGraph::repair(std::span<const std::uint32_t> removed) {
  if (removed.empty()) return;
  std::vector<std::uint32_t> sorted(removed.begin(), removed.end());
  std::sort(sorted.begin(), sorted.end());
  auto is_removed = [&sorted](std::uint32_t s) {
    return std::binary_search(sorted.begin(), sorted.end(), s);
  };

  std::vector<Neighbor> candidates;
  std::vector<std::uint32_t> seen;
  const std::size_t bound = slot_bound();
  for (std::uint32_t s = 0; s < bound; ++s) {
    NodeState st = state(s);
    if (st != NodeState::kLive && st != NodeState::kInserting) continue;
    for (int level = levels_[s]; level >= 0; --level) {
      Link* l = links(s, level);
      std::uint32_t n = l[0].load(std::memory_order_relaxed);
      bool touched = false;
      for (std::uint32_t i = 0; i < n && !touched; ++i)
        touched = is_removed(l[1 + i].load(std::memory_order_relaxed));
      if (!touched) continue;
      // Candidates: surviving neighbours plus the neighbours of removed ones (two hops).
      candidates.clear();
      seen.clear();
      auto consider = [&](std::uint32_t c) {
        if (c == s || is_removed(c) || std::find(seen.begin(), seen.end(), c) != seen.end()) return;
        NodeState cs = state(c);
        if (cs != NodeState::kLive && cs != NodeState::kInserting) return;
        seen.push_back(c);
        candidates.push_back({distance_between(s, c), c});
      };
      for (std::uint32_t i = 0; i < n; ++i) {
        std::uint32_t c = l[1 + i].load(std::memory_order_relaxed);
        if (!is_removed(c)) {
          consider(c);
          continue;
        }
        if (levels_[c] < level) continue;
        const Link* rl = links(c, level);
        std::uint32_t rn = rl[0].load(std::memory_order_relaxed);
        for (std::uint32_t j = 0; j < rn; ++j) consider(rl[1 + j].load(std::memory_order_relaxed));
      }
      std::sort(candidates.begin(), candidates.end());
      select_neighbors(candidates, max_links(level));
      std::lock_guard lock(lock_for(s));
      write_links(s, level, candidates);
    }
  }

  auto [entry, top] = load_entry();
  if (entry != kNone && is_removed(entry)) {
    std::uint32_t best = kNone;
    int best_level = -1;
    for (std::uint32_t s = 0; s < bound; ++s) {
      NodeState st = state(s);
      if ((st == NodeState::kLive || st == NodeState::kInserting) && levels_[s] > best_level) {
        best = s;
        best_level = levels_[s];
      }
    }
    entry_.store(best == kNone ? pack(kNone, 0) : pack(best, best_level), std::memory_order_release);
  }
  (void)top;
}

}  // namespace strata::detail
