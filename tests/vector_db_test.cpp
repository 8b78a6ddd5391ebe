// VectorDB behaviour: insert, upsert, get, remove, search semantics, metrics and bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <set>

#include "strata/strata.hpp"

namespace strata {
namespace {

DbOptions options_for(std::size_t dim, DistanceMetric metric = DistanceMetric::kEuclidean) {
  DbOptions o;
  o.dimensions = dim;
  o.distance_metric = metric;
  return o;
}

VectorDB open_or_die(const DbOptions& o) {
  auto db = VectorDB::open(o);
  EXPECT_TRUE(db.is_ok()) << db.status().to_string();
  return std::move(db).value();
}

std::vector<float> random_vector(std::mt19937& rng, std::size_t dim) {
  std::normal_distribution<float> n(0.0F, 1.0F);
  std::vector<float> v(dim);
  for (auto& x : v) x = n(rng);
  return v;
}

TEST(VectorDbTest, OpenRejectsInvalidOptions) {
  DbOptions o;
  auto db = VectorDB::open(o);
  ASSERT_FALSE(db.is_ok());
  EXPECT_EQ(db.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(db.status().message().find("dimensions"), std::string::npos);
  o.dimensions = 4;
  o.hnsw_m = 1;
  EXPECT_EQ(VectorDB::open(o).status().code(), StatusCode::kInvalidArgument);
}

TEST(VectorDbTest, InsertGetContainsSize) {
  VectorDB db = open_or_die(options_for(3));
  auto id = db.insert({"a", {1, 2, 3}, {{"color", "red"}, {"n", std::int64_t{7}}}});
  ASSERT_TRUE(id.is_ok());
  EXPECT_EQ(*id, "a");
  EXPECT_TRUE(db.contains("a"));
  EXPECT_FALSE(db.contains("b"));
  EXPECT_EQ(db.size(), 1U);
  auto e = db.get("a");
  ASSERT_TRUE(e.is_ok());
  EXPECT_EQ(e->vector, (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(std::get<std::string>(e->metadata.at("color")), "red");
  EXPECT_EQ(std::get<std::int64_t>(e->metadata.at("n")), 7);
  EXPECT_EQ(db.get("zzz").status().code(), StatusCode::kNotFound);
}

TEST(VectorDbTest, EmptyIdGetsUuid) {
  VectorDB db = open_or_die(options_for(2));
  auto a = db.insert({"", {1, 0}, {}});
  auto b = db.insert({"", {0, 1}, {}});
  ASSERT_TRUE(a.is_ok() && b.is_ok());
  EXPECT_EQ(a->size(), 36U);
  EXPECT_EQ((*a)[14], '4');  // version 4
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(db.contains(*a));
}

TEST(VectorDbTest, UpsertReplacesWithoutDuplicates) {
  VectorDB db = open_or_die(options_for(2));
  ASSERT_TRUE(db.insert({"x", {0, 0}, {{"v", std::int64_t{1}}}}).is_ok());
  ASSERT_TRUE(db.insert({"y", {5, 5}, {}}).is_ok());
  ASSERT_TRUE(db.insert({"x", {10, 10}, {{"v", std::int64_t{2}}}}).is_ok());
  EXPECT_EQ(db.size(), 2U);
  auto e = db.get("x");
  ASSERT_TRUE(e.is_ok());
  EXPECT_EQ(e->vector, (std::vector<float>{10, 10}));
  EXPECT_EQ(std::get<std::int64_t>(e->metadata.at("v")), 2);
  auto r = db.search({.vector = {10, 10}, .k = 10});
  ASSERT_TRUE(r.is_ok());
  ASSERT_EQ(r->size(), 2U);
  EXPECT_EQ((*r)[0].id, "x");
  EXPECT_FLOAT_EQ((*r)[0].distance, 0.0F);
  EXPECT_EQ((*r)[1].id, "y");
}

TEST(VectorDbTest, BatchWithRepeatedIdKeepsTheLast) {
  VectorDB db = open_or_die(options_for(1));
  std::vector<VectorEntry> batch = {{"a", {1}, {}}, {"b", {2}, {}}, {"a", {3}, {}}};
  auto ids = db.insert_batch(batch);
  ASSERT_TRUE(ids.is_ok());
  EXPECT_EQ(*ids, (std::vector<std::string>{"a", "b", "a"}));
  EXPECT_EQ(db.size(), 2U);
  EXPECT_EQ(db.get("a")->vector[0], 3.0F);
}

TEST(VectorDbTest, RemoveTakesEffectAtOnce) {
  VectorDB db = open_or_die(options_for(2));
  ASSERT_TRUE(db.insert({"a", {0, 0}, {}}).is_ok());
  ASSERT_TRUE(db.insert({"b", {1, 1}, {}}).is_ok());
  ASSERT_TRUE(db.remove("a").is_ok());
  EXPECT_FALSE(db.contains("a"));
  EXPECT_EQ(db.size(), 1U);
  auto r = db.search({.vector = {0, 0}, .k = 5});
  ASSERT_TRUE(r.is_ok());
  ASSERT_EQ(r->size(), 1U);
  EXPECT_EQ((*r)[0].id, "b");
  EXPECT_EQ(db.remove("a").code(), StatusCode::kNotFound);
  EXPECT_EQ(db.remove("never").code(), StatusCode::kNotFound);
}

TEST(VectorDbTest, SearchOrdersByDistanceAndHonoursK) {
  VectorDB db = open_or_die(options_for(1));
  std::vector<VectorEntry> batch;
  for (int i = 0; i < 100; ++i) batch.push_back({std::to_string(i), {static_cast<float>(i)}, {}});
  ASSERT_TRUE(db.insert_batch(batch).is_ok());
  auto r = db.search({.vector = {41.9F}, .k = 5, .include_vectors = true});
  ASSERT_TRUE(r.is_ok());
  ASSERT_EQ(r->size(), 5U);
  std::vector<std::string> ids;
  for (const auto& x : *r) ids.push_back(x.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"42", "41", "43", "40", "44"}));
  for (std::size_t i = 1; i < r->size(); ++i) EXPECT_LE((*r)[i - 1].distance, (*r)[i].distance);
  ASSERT_TRUE((*r)[0].vector.has_value());
  EXPECT_EQ((*r)[0].vector->at(0), 42.0F);
  EXPECT_NEAR((*r)[0].distance, 0.1F, 1e-5);  // Euclidean, not squared
}

TEST(VectorDbTest, EmptyDatabaseSearchReturnsNothing) {
  VectorDB db = open_or_die(options_for(4));
  auto r = db.search({.vector = {1, 2, 3, 4}, .k = 3});
  ASSERT_TRUE(r.is_ok());
  EXPECT_TRUE(r->empty());
}

TEST(VectorDbTest, MetricsReportTheirDistances) {
  const std::vector<float> a = {1, 0};
  const std::vector<float> b = {3, 4};
  struct Case {
    DistanceMetric metric;
    float expected;
  };
  for (Case c : {Case{DistanceMetric::kEuclidean, std::sqrt(4.0F + 16.0F)},
                 Case{DistanceMetric::kCosine, 1.0F - 3.0F / 5.0F}, Case{DistanceMetric::kDotProduct, -3.0F},
                 Case{DistanceMetric::kManhattan, 2.0F + 4.0F}}) {
    VectorDB db = open_or_die(options_for(2, c.metric));
    ASSERT_TRUE(db.insert({"b", b, {}}).is_ok());
    auto r = db.search({.vector = a, .k = 1});
    ASSERT_TRUE(r.is_ok());
    ASSERT_EQ(r->size(), 1U);
    EXPECT_NEAR((*r)[0].distance, c.expected, 1e-5) << metric_name(c.metric);
  }
}

TEST(VectorDbTest, CosineStoresNormalisedVectors) {
  VectorDB db = open_or_die(options_for(2, DistanceMetric::kCosine));
  ASSERT_TRUE(db.insert({"v", {3, 4}, {}}).is_ok());
  auto e = db.get("v");
  ASSERT_TRUE(e.is_ok());
  EXPECT_NEAR(e->vector[0], 0.6F, 1e-6);
  EXPECT_NEAR(e->vector[1], 0.8F, 1e-6);
}

TEST(VectorDbTest, DotProductRanksByInnerProduct) {
  VectorDB db = open_or_die(options_for(2, DistanceMetric::kDotProduct));
  ASSERT_TRUE(db.insert({"small", {1, 0}, {}}).is_ok());
  ASSERT_TRUE(db.insert({"big", {10, 0}, {}}).is_ok());
  auto r = db.search({.vector = {1, 0}, .k = 2});
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ((*r)[0].id, "big");
}

TEST(VectorDbTest, BadInputIsRejectedAndChangesNothing) {
  VectorDB db = open_or_die(options_for(3));
  ASSERT_TRUE(db.insert({"ok", {1, 2, 3}, {}}).is_ok());
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();

  auto wrong_dim = db.insert({"w", {1, 2}, {}});
  EXPECT_EQ(wrong_dim.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(wrong_dim.status().message().find("2 dimensions"), std::string::npos);
  EXPECT_NE(wrong_dim.status().message().find("expects 3"), std::string::npos);

  auto with_nan = db.insert({"n", {1, nan, 3}, {}});
  EXPECT_EQ(with_nan.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(with_nan.status().message().find("index 1"), std::string::npos);
  EXPECT_EQ(db.insert({"i", {inf, 1, 1}, {}}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(db.insert({"e", {}, {}}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(db.insert({std::string(600, 'x'), {1, 1, 1}, {}}).status().code(), StatusCode::kInvalidArgument);

  // One bad entry rejects the whole batch.
  std::vector<VectorEntry> batch = {{"good", {1, 1, 1}, {}}, {"bad", {1, 1}, {}}};
  auto r = db.insert_batch(batch);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("'bad'"), std::string::npos);
  EXPECT_FALSE(db.contains("good"));

  EXPECT_EQ(db.search({.vector = {1, 2}, .k = 1}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(db.search({.vector = {1, nan, 2}, .k = 1}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(db.search({.vector = {}, .k = 1}).status().code(), StatusCode::kInvalidArgument);
  auto k0 = db.search({.vector = {1, 2, 3}, .k = 0});
  EXPECT_EQ(k0.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(k0.status().message().find("k"), std::string::npos);
  EXPECT_EQ(db.search({.vector = {1, 2, 3}, .k = 1, .ef_search = 0}).status().code(),
            StatusCode::kInvalidArgument);

  std::vector<SearchQuery> queries(2);
  queries[0].vector = {1, 2, 3};
  queries[1].vector = {1, 2};
  auto batch_result = db.search_batch(queries);
  EXPECT_EQ(batch_result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(batch_result.status().message().find("query #1"), std::string::npos);

  EXPECT_EQ(db.size(), 1U);
  EXPECT_EQ(db.get("ok")->vector, (std::vector<float>{1, 2, 3}));
}

TEST(VectorDbTest, PerQueryEfIsHonoured) {
  std::mt19937 rng(1);
  DbOptions o = options_for(16);
  o.hnsw_ef_search = 10;
  o.hnsw_ef_construction = 40;
  o.hnsw_m = 8;
  VectorDB db = open_or_die(o);
  std::vector<VectorEntry> batch;
  for (int i = 0; i < 3000; ++i) batch.push_back({std::to_string(i), random_vector(rng, 16), {}});
  ASSERT_TRUE(db.insert_batch(batch).is_ok());
  // Exact neighbours by brute force; a large ef must find at least as many of them as ef = k.
  double recall_small = 0;
  double recall_large = 0;
  for (int q = 0; q < 30; ++q) {
    auto query = random_vector(rng, 16);
    std::vector<std::pair<float, std::string>> all;
    for (const auto& e : batch) {
      float d = 0;
      for (int j = 0; j < 16; ++j) d += (e.vector[j] - query[j]) * (e.vector[j] - query[j]);
      all.emplace_back(d, e.id);
    }
    std::partial_sort(all.begin(), all.begin() + 10, all.end());
    std::set<std::string> truth;
    for (int i = 0; i < 10; ++i) truth.insert(all[i].second);
    for (std::size_t ef : {std::size_t{10}, std::size_t{400}}) {
      auto r = db.search({.vector = query, .k = 10, .ef_search = ef});
      ASSERT_TRUE(r.is_ok());
      int hits = 0;
      for (const auto& x : *r) hits += static_cast<int>(truth.count(x.id));
      (ef == 10 ? recall_small : recall_large) += hits / 300.0;
    }
  }
  EXPECT_GT(recall_large, recall_small);
  EXPECT_GE(recall_large, 0.97);
}

TEST(VectorDbTest, SearchBatchMatchesSearch) {
  std::mt19937 rng(2);
  VectorDB db = open_or_die(options_for(8));
  std::vector<VectorEntry> batch;
  for (int i = 0; i < 500; ++i) batch.push_back({std::to_string(i), random_vector(rng, 8), {}});
  ASSERT_TRUE(db.insert_batch(batch).is_ok());
  std::vector<SearchQuery> queries(20);
  for (auto& q : queries) q.vector = random_vector(rng, 8);
  auto all = db.search_batch(queries);
  ASSERT_TRUE(all.is_ok());
  ASSERT_EQ(all->size(), queries.size());
  for (std::size_t i = 0; i < queries.size(); ++i) {
    auto one = db.search(queries[i]);
    ASSERT_TRUE(one.is_ok());
    ASSERT_EQ(one->size(), (*all)[i].size());
    for (std::size_t j = 0; j < one->size(); ++j) EXPECT_EQ((*one)[j].id, (*all)[i][j].id);
  }
}

TEST(VectorDbTest, StatsReportCountsAndMemory) {
  std::mt19937 rng(3);
  VectorDB db = open_or_die(options_for(32));
  std::vector<VectorEntry> batch;
  for (int i = 0; i < 200; ++i) batch.push_back({std::to_string(i), random_vector(rng, 32), {{"k", "v"}}});
  ASSERT_TRUE(db.insert_batch(batch).is_ok());
  DbStats s = db.stats();
  EXPECT_EQ(s.count, 200U);
  EXPECT_EQ(s.dimensions, 32U);
  EXPECT_EQ(s.hnsw_m, 16U);
  EXPECT_EQ(s.hnsw_ef_construction, 200U);
  EXPECT_GE(s.memory.vectors, 200U * 32 * sizeof(float));
  EXPECT_GT(s.memory.graph, 0U);
  EXPECT_GT(s.memory.metadata, 0U);
  EXPECT_GT(s.memory.ids, 0U);
  EXPECT_EQ(s.memory.total(), s.memory.vectors + s.memory.graph + s.memory.metadata + s.memory.ids);
}

TEST(VectorDbTest, MovedDatabaseKeepsWorking) {
  VectorDB a = open_or_die(options_for(2));
  ASSERT_TRUE(a.insert({"p", {1, 1}, {}}).is_ok());
  VectorDB b = std::move(a);
  EXPECT_TRUE(b.contains("p"));
}

}  // namespace
}  // namespace strata
