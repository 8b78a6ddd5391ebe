// Insert/remove cycles: removed vectors vanish at once, slots are recycled so memory stays bounded,
// and recall does not decay.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <unordered_map>

#include "strata/strata.hpp"

namespace strata {
namespace {

constexpr std::size_t kDim = 24;

std::vector<float> random_vector(std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1.0F, 1.0F);
  std::vector<float> v(kDim);
  for (auto& x : v) x = u(rng);
  return v;
}

double measure_recall(const VectorDB& db, const std::unordered_map<std::string, std::vector<float>>& live,
                      std::mt19937& rng) {
  double total = 0;
  const int queries = 40;
  for (int q = 0; q < queries; ++q) {
    auto query = random_vector(rng);
    std::vector<std::pair<float, std::string>> all;
    for (const auto& [id, v] : live) {
      float d = 0;
      for (std::size_t j = 0; j < kDim; ++j) d += (v[j] - query[j]) * (v[j] - query[j]);
      all.emplace_back(d, id);
    }
    std::partial_sort(all.begin(), all.begin() + 10, all.end());
    std::set<std::string> truth;
    for (int i = 0; i < 10; ++i) truth.insert(all[i].second);
    auto r = db.search({.vector = query, .k = 10});
    EXPECT_TRUE(r.is_ok());
    int hits = 0;
    for (const auto& x : *r) {
      EXPECT_TRUE(live.count(x.id)) << "removed id " << x.id << " returned";
      hits += static_cast<int>(truth.count(x.id));
    }
    total += hits / 10.0;
  }
  return total / queries;
}

TEST(ChurnTest, InsertRemoveCyclesKeepMemoryAndRecall) {
  std::mt19937 rng(7);
  DbOptions o;
  o.dimensions = kDim;
  o.hnsw_ef_search = 64;
  auto opened = VectorDB::open(o);
  ASSERT_TRUE(opened.is_ok());
  VectorDB db = std::move(opened).value();

  std::unordered_map<std::string, std::vector<float>> live;
  int next_id = 0;
  std::vector<VectorEntry> batch;
  for (int i = 0; i < 3000; ++i) {
    batch.push_back({std::to_string(next_id++), random_vector(rng), {}});
    live[batch.back().id] = batch.back().vector;
  }
  ASSERT_TRUE(db.insert_batch(batch).is_ok());
  const double initial_recall = measure_recall(db, live, rng);
  const std::size_t initial_slots = db.stats().slots;

  for (int cycle = 0; cycle < 30; ++cycle) {
    // Remove 300 random live ids, then insert 300 new vectors.
    std::vector<std::string> ids;
    for (const auto& [id, v] : live) ids.push_back(id);
    std::shuffle(ids.begin(), ids.end(), rng);
    for (int i = 0; i < 300; ++i) {
      ASSERT_TRUE(db.remove(ids[i]).is_ok());
      live.erase(ids[i]);
      EXPECT_FALSE(db.contains(ids[i]));
    }
    batch.clear();
    for (int i = 0; i < 300; ++i) {
      batch.push_back({std::to_string(next_id++), random_vector(rng), {}});
      live[batch.back().id] = batch.back().vector;
    }
    ASSERT_TRUE(db.insert_batch(batch).is_ok());
    ASSERT_EQ(db.size(), live.size());
  }
  DbStats s = db.stats();
  // Slots are recycled: growth is bounded by the repair batch, not by the number of removals (9000).
  EXPECT_LE(s.slots, initial_slots + 300 + std::max<std::size_t>(64, live.size() / 16) + 64) << s.slots;
  const double final_recall = measure_recall(db, live, rng);
  std::printf("recall before churn %.3f, after 30 cycles %.3f, slots %zu -> %zu\n", initial_recall,
              final_recall, initial_slots, s.slots);
  EXPECT_GE(final_recall, initial_recall - 0.03);
  EXPECT_GE(final_recall, 0.9);
}

TEST(ChurnTest, RemovingEverythingLeavesAnEmptyWorkingDatabase) {
  std::mt19937 rng(8);
  DbOptions o;
  o.dimensions = kDim;
  auto db = VectorDB::open(o);
  ASSERT_TRUE(db.is_ok());
  for (int round = 0; round < 3; ++round) {
    std::vector<VectorEntry> batch;
    for (int i = 0; i < 500; ++i) batch.push_back({std::to_string(i), random_vector(rng), {}});
    ASSERT_TRUE(db->insert_batch(batch).is_ok());
    for (int i = 0; i < 500; ++i) ASSERT_TRUE(db->remove(std::to_string(i)).is_ok());
    EXPECT_EQ(db->size(), 0U);
    auto r = db->search({.vector = random_vector(rng), .k = 5});
    ASSERT_TRUE(r.is_ok());
    EXPECT_TRUE(r->empty());
  }
  EXPECT_LE(db->stats().slots, 1000U);
}

}  // namespace
}  // namespace strata
