// Tiering: hot/warm/cold placement by access temperature within a memory budget, quantizer training,
// rescoring, persistence of placement, and tiering = false.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "strata/strata.hpp"
#include "support/bigann.hpp"
#include "support/temp_dir.hpp"

namespace strata {
namespace {

constexpr std::size_t kDim = 32;
constexpr std::size_t kCount = 4000;
constexpr std::size_t kFloatBytes = 128;  // one padded float32 record of kDim dimensions

// Clustered Gaussian data: 64 centres, points spread around them, like embeddings of topics.
std::vector<std::vector<float>> make_data(std::size_t n, std::size_t dim, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> unit(0.0f, 1.0f);
  std::vector<std::vector<float>> centres(64, std::vector<float>(dim));
  for (auto& c : centres) {
    for (auto& x : c) x = 1.5f * unit(rng);
  }
  std::vector<std::vector<float>> data(n, std::vector<float>(dim));
  for (std::size_t i = 0; i < n; ++i) {
    const auto& c = centres[rng() % centres.size()];
    for (std::size_t d = 0; d < dim; ++d) data[i][d] = c[d] + unit(rng);
  }
  return data;
}

std::vector<VectorEntry> entries_of(const std::vector<std::vector<float>>& data) {
  std::vector<VectorEntry> entries(data.size());
  for (std::size_t i = 0; i < data.size(); ++i) {
    entries[i].id = std::to_string(i);
    entries[i].vector = data[i];
  }
  return entries;
}

// Zipf(s) ranks over [0, n): rank r has probability proportional to 1 / (r + 1)^s.
class Zipf {
 public:
  Zipf(std::size_t n, double s, std::uint32_t seed) : rng_(seed) {
    cdf_.resize(n);
    double sum = 0;
    for (std::size_t r = 0; r < n; ++r) cdf_[r] = sum += 1.0 / std::pow(static_cast<double>(r + 1), s);
    for (auto& c : cdf_) c /= sum;
  }
  std::size_t next() {
    const double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
    return static_cast<std::size_t>(std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin());
  }

 private:
  std::mt19937 rng_;
  std::vector<double> cdf_;
};

// Exact k nearest ids by brute force (squared Euclidean).
std::vector<std::string> exact_knn(const std::vector<std::vector<float>>& data, const std::vector<float>& q,
                                   std::size_t k) {
  std::vector<std::pair<float, std::size_t>> d(data.size());
  for (std::size_t i = 0; i < data.size(); ++i) {
    float s = 0;
    for (std::size_t j = 0; j < q.size(); ++j) s += (data[i][j] - q[j]) * (data[i][j] - q[j]);
    d[i] = {s, i};
  }
  std::partial_sort(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(k), d.end());
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < k; ++i) ids.push_back(std::to_string(d[i].second));
  return ids;
}

// Queries near base vectors chosen by a Zipf law over a random permutation of the collection: a few
// vectors are asked for again and again, most rarely or never.
struct Workload {
  std::vector<std::vector<float>> queries;
  std::vector<std::size_t> targets;
};
Workload zipf_workload(const std::vector<std::vector<float>>& data, std::size_t count, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::size_t> perm(data.size());
  for (std::size_t i = 0; i < perm.size(); ++i) perm[i] = i;
  std::shuffle(perm.begin(), perm.end(), rng);
  Zipf zipf(data.size(), 1.1, seed + 1);
  std::normal_distribution<float> noise(0.0f, 0.1f);
  Workload w;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t target = perm[zipf.next()];
    std::vector<float> q = data[target];
    for (auto& x : q) x += noise(rng);
    w.queries.push_back(std::move(q));
    w.targets.push_back(target);
  }
  return w;
}

double recall(VectorDB& db, const std::vector<std::vector<float>>& data,
              const std::vector<std::vector<float>>& queries, std::size_t k = 10) {
  double hits = 0;
  for (const auto& q : queries) {
    SearchQuery sq;
    sq.vector = q;
    sq.k = k;
    auto r = db.search(sq);
    EXPECT_TRUE(r.is_ok());
    auto truth = exact_knn(data, q, k);
    std::set<std::string> t(truth.begin(), truth.end());
    for (const auto& res : *r) hits += static_cast<double>(t.count(res.id));
  }
  return hits / static_cast<double>(queries.size() * k);
}

DbOptions options_with_budget(std::size_t budget) {
  DbOptions o;
  o.dimensions = kDim;
  o.memory_budget_bytes = budget;
  o.num_threads = 2;
  return o;
}

// Holds 25% of the collection's float32 vectors.
constexpr std::size_t kQuarterBudget = kCount * kFloatBytes / 4;

TEST(TieringTest, OffKeepsEverythingHot) {
  DbOptions o = options_with_budget(kQuarterBudget);
  o.tiering = false;
  auto db = VectorDB::open(o);
  ASSERT_TRUE(db.is_ok());
  auto data = make_data(kCount, kDim, 1);
  ASSERT_TRUE(db->insert_batch(entries_of(data)).is_ok());
  ASSERT_TRUE(db->optimize().is_ok());
  const TierStats t = db->stats().tiers;
  EXPECT_FALSE(t.enabled);
  EXPECT_FALSE(t.trained);
  EXPECT_EQ(t.hot_vectors, kCount);
  EXPECT_EQ(t.warm_vectors + t.cold_vectors, 0u);
  EXPECT_EQ(*db->tier_of("7"), Tier::kHot);
}

TEST(TieringTest, InMemoryDefaultBudgetKeepsEverythingHot) {
  auto db = VectorDB::open(options_with_budget(0));
  ASSERT_TRUE(db.is_ok());
  ASSERT_TRUE(db->insert_batch(entries_of(make_data(kCount, kDim, 2))).is_ok());
  ASSERT_TRUE(db->optimize().is_ok());
  const TierStats t = db->stats().tiers;
  EXPECT_TRUE(t.enabled);
  EXPECT_FALSE(t.trained);  // nothing to demote, so nothing to train
  EXPECT_EQ(t.hot_vectors, kCount);
}

TEST(TieringTest, FewVectorsAreNotTrained) {
  auto db = VectorDB::open(options_with_budget(1));
  ASSERT_TRUE(db.is_ok());
  ASSERT_TRUE(db->insert_batch(entries_of(make_data(500, kDim, 3))).is_ok());
  ASSERT_TRUE(db->optimize().is_ok());
  EXPECT_FALSE(db->stats().tiers.trained);
  EXPECT_EQ(db->stats().tiers.hot_vectors, 500u);
}

TEST(TieringTest, ZipfWorkloadMakesFrequentVectorsHotWithinBudget) {
  auto db = VectorDB::open(options_with_budget(kQuarterBudget));
  ASSERT_TRUE(db.is_ok());
  auto data = make_data(kCount, kDim, 4);
  ASSERT_TRUE(db->insert_batch(entries_of(data)).is_ok());
  auto work = zipf_workload(data, 4000, 5);

  const double recall_hot = recall(*db, data, work.queries);
  ASSERT_TRUE(db->optimize().is_ok());  // trains and places; results counted above are the temperature
  TierStats t = db->stats().tiers;
  ASSERT_TRUE(t.trained);
  EXPECT_LE(t.total_bytes(), kQuarterBudget);
  EXPECT_GT(t.hot_vectors, 0u);
  EXPECT_GT(t.warm_vectors, 0u);
  EXPECT_GT(t.cold_vectors, 0u);
  EXPECT_EQ(t.hot_vectors + t.warm_vectors + t.cold_vectors, kCount);
  EXPECT_GT(t.demotions, 0u);
  EXPECT_EQ(t.rescore_factor, 8u);

  // How often each vector was returned, as the database saw it (search results, k = 10).
  std::map<std::string, int> returned;
  for (const auto& q : work.queries) {
    SearchQuery sq;
    sq.vector = q;
    auto r = db->search(sq);
    ASSERT_TRUE(r.is_ok());
    for (const auto& res : *r) ++returned[res.id];
  }
  ASSERT_TRUE(db->optimize().is_ok());
  t = db->stats().tiers;
  std::vector<std::pair<int, std::string>> by_use;
  for (const auto& [id, n] : returned) by_use.emplace_back(n, id);
  std::sort(by_use.rbegin(), by_use.rend());
  // The most used vectors, as many as half the hot tier holds, are hot.
  const std::size_t top = t.hot_vectors / 2;
  ASSERT_GT(top, 50u);
  std::size_t hot = 0;
  for (std::size_t i = 0; i < top; ++i) hot += *db->tier_of(by_use[i].second) == Tier::kHot ? 1 : 0;
  const double overlap = static_cast<double>(hot) / static_cast<double>(top);
  std::cout << "hot " << t.hot_vectors << ", warm " << t.warm_vectors << ", cold " << t.cold_vectors
            << "; most used vectors in the hot tier: " << overlap << "\n";
  EXPECT_GE(overlap, 0.95);

  // Same queries after demotion: recall within bounds of the all-hot run.
  const double recall_tiered = recall(*db, data, work.queries);
  std::cout << "recall@10 all hot " << recall_hot << ", tiered (25% budget) " << recall_tiered << "\n";
  EXPECT_GE(recall_tiered, 0.95);
  EXPECT_GE(recall_tiered, recall_hot - 0.03);
}

TEST(TieringTest, PinnedTiersKeepRecallAfterRescoring) {
  auto data = make_data(kCount, kDim, 6);
  auto work = zipf_workload(data, 300, 7);
  for (Tier tier : {Tier::kWarm, Tier::kCold}) {
    for (ColdCodec codec : {ColdCodec::kProduct, ColdCodec::kBinary}) {
      if (tier == Tier::kWarm && codec == ColdCodec::kBinary) continue;
      DbOptions o = options_with_budget(0);
      o.pin_tier = tier;
      o.cold_codec = codec;
      auto db = VectorDB::open(o);
      ASSERT_TRUE(db.is_ok());
      ASSERT_TRUE(db->insert_batch(entries_of(data)).is_ok());
      const double before = recall(*db, data, work.queries);
      ASSERT_TRUE(db->optimize().is_ok());
      const TierStats t = db->stats().tiers;
      EXPECT_EQ(tier == Tier::kWarm ? t.warm_vectors : t.cold_vectors, kCount);
      EXPECT_EQ(*db->tier_of("0"), tier);
      const double after = recall(*db, data, work.queries);
      std::cout << tier_name(tier) << (codec == ColdCodec::kBinary ? " binary" : " pq") << ": recall@10 hot "
                << before << ", pinned " << after << ", bytes/vector " << t.total_bytes() / kCount << "\n";
      EXPECT_GE(after, before - (tier == Tier::kWarm ? 0.01 : 0.05));
    }
  }
}

TEST(TieringTest, ResultsAfterDemotionOnBigann) {
  STRATA_LOAD_BIGANN_OR_SKIP(ds);
  DbOptions o;
  o.dimensions = ds.base.dim;
  o.num_threads = 2;
  o.pin_tier = Tier::kWarm;
  auto db = VectorDB::open(o);
  ASSERT_TRUE(db.is_ok());
  std::vector<VectorEntry> entries(ds.base.rows);
  for (std::size_t i = 0; i < ds.base.rows; ++i) {
    entries[i].id = std::to_string(i);
    entries[i].vector.assign(ds.base.row(i), ds.base.row(i) + ds.base.dim);
  }
  ASSERT_TRUE(db->insert_batch(entries).is_ok());
  auto measure = [&] {
    double sum = 0;
    for (std::size_t q = 0; q < ds.queries.rows; ++q) {
      SearchQuery sq;
      sq.vector.assign(ds.queries.row(q), ds.queries.row(q) + ds.queries.dim);
      auto r = db->search(sq);
      std::vector<std::int64_t> ids;
      for (const auto& res : *r) ids.push_back(std::stoll(res.id));
      sum += testing::recall_at(ids, ds.groundtruth.row(q), 10);
    }
    return sum / static_cast<double>(ds.queries.rows);
  };
  const double before = measure();
  ASSERT_TRUE(db->optimize().is_ok());
  ASSERT_EQ(db->stats().tiers.warm_vectors, ds.base.rows);
  const double after = measure();
  std::cout << "bigann10k recall@10: all hot " << before << ", all SQ8 + rescoring " << after << "\n";
  EXPECT_GE(after, 0.97);
  EXPECT_GE(after, before - 0.01);
}

TEST(TieringTest, PlacementAndTrainingSurviveReopen) {
  strata::testing::TempDir dir;
  auto data = make_data(kCount, kDim, 8);
  auto work = zipf_workload(data, 3000, 9);
  DbOptions o = options_with_budget(kQuarterBudget);
  o.storage_path = dir.path().string();
  std::map<std::string, Tier> before;
  TierStats stats_before;
  {
    auto db = VectorDB::open(o);
    ASSERT_TRUE(db.is_ok()) << db.status().to_string();
    ASSERT_TRUE(db->insert_batch(entries_of(data)).is_ok());
    (void)recall(*db, data, work.queries);
    ASSERT_TRUE(db->optimize().is_ok());
    stats_before = db->stats().tiers;
    ASSERT_TRUE(stats_before.trained);
    for (std::size_t i = 0; i < kCount; ++i) before[std::to_string(i)] = *db->tier_of(std::to_string(i));
  }
  auto db = VectorDB::open(o);
  ASSERT_TRUE(db.is_ok()) << db.status().to_string();
  ASSERT_TRUE(db->optimize().is_ok());
  const TierStats t = db->stats().tiers;
  EXPECT_TRUE(t.trained);
  EXPECT_EQ(t.trained_on, stats_before.trained_on);
  std::size_t same = 0;
  std::size_t hot_before = 0;
  std::size_t hot_kept = 0;
  for (const auto& [id, tier] : before) {
    const Tier now = *db->tier_of(id);
    same += now == tier ? 1 : 0;
    if (tier == Tier::kHot) {
      ++hot_before;
      hot_kept += now == Tier::kHot ? 1 : 0;
    }
  }
  std::cout << "after reopen: " << same << " of " << kCount << " vectors in the same tier; hot " << hot_kept
            << " of " << hot_before << "\n";
  EXPECT_GE(static_cast<double>(same), 0.98 * kCount);
  EXPECT_GE(static_cast<double>(hot_kept), 0.95 * static_cast<double>(hot_before));
  EXPECT_GE(recall(*db, data, work.queries), 0.95);
}

TEST(TieringTest, SearchesRunDuringTrainingAndPlacement) {
  auto db = VectorDB::open(options_with_budget(kQuarterBudget));
  ASSERT_TRUE(db.is_ok());
  auto data = make_data(kCount, kDim, 10);
  ASSERT_TRUE(db->insert_batch(entries_of(data)).is_ok());
  auto work = zipf_workload(data, 200, 11);
  std::atomic<bool> stop{false};
  std::atomic<std::size_t> failures{0};
  std::thread reader([&] {
    std::size_t i = 0;
    while (!stop.load()) {
      SearchQuery sq;
      sq.vector = work.queries[i++ % work.queries.size()];
      auto r = db->search(sq);
      if (!r || r->size() != 10) ++failures;
    }
  });
  auto more = make_data(3000, kDim, 12);
  std::vector<VectorEntry> extra = entries_of(more);
  for (auto& e : extra) e.id = "x" + e.id;
  for (int round = 0; round < 3; ++round) {
    ASSERT_TRUE(db->optimize().is_ok());
    ASSERT_TRUE(db->insert_batch(std::span(extra).subspan(round * 1000, 1000)).is_ok());
    ASSERT_TRUE(db->remove(std::to_string(round)).is_ok());
  }
  ASSERT_TRUE(db->optimize().is_ok());
  stop = true;
  reader.join();
  EXPECT_EQ(failures.load(), 0u);
  EXPECT_EQ(db->stats().tiers.hot_vectors + db->stats().tiers.warm_vectors + db->stats().tiers.cold_vectors,
            kCount + 3000 - 3);
}

}  // namespace
}  // namespace strata
