// Recall on real data (bigann10k): unfiltered with default options, and filtered at 50%, 10% and 1%
// selectivity against exact filtered ground truth.
#include <gtest/gtest.h>

#include <algorithm>

#include "strata/strata.hpp"
#include "support/bigann.hpp"

namespace strata {
namespace {

VectorDB build(const testing::Bigann10k& data) {
  DbOptions o;
  o.dimensions = data.base.dim;
  auto db = VectorDB::open(o);
  EXPECT_TRUE(db.is_ok());
  std::vector<VectorEntry> entries(data.base.rows);
  for (std::size_t i = 0; i < data.base.rows; ++i) {
    entries[i].id = std::to_string(i);
    entries[i].vector.assign(data.base.row(i), data.base.row(i) + data.base.dim);
    entries[i].metadata = {{"bucket", static_cast<std::int64_t>(i % 100)}};
  }
  EXPECT_TRUE(db->insert_batch(entries).is_ok());
  return std::move(db).value();
}

TEST(RecallTest, Bigann10kDefaultOptionsRecallAt10) {
  STRATA_LOAD_BIGANN_OR_SKIP(data);
  VectorDB db = build(data);
  double recall = 0;
  for (std::size_t q = 0; q < data.queries.rows; ++q) {
    SearchQuery query;
    query.vector.assign(data.queries.row(q), data.queries.row(q) + data.queries.dim);
    auto r = db.search(query);
    ASSERT_TRUE(r.is_ok());
    ASSERT_EQ(r->size(), 10U);
    std::vector<std::int64_t> found;
    for (const auto& x : *r) found.push_back(std::stoll(x.id));
    recall += testing::recall_at(found, data.groundtruth.row(q), 10);
  }
  recall /= static_cast<double>(data.queries.rows);
  std::printf("bigann10k recall@10 (default options) = %.4f\n", recall);
  EXPECT_GE(recall, 0.95);
}

class FilteredRecallTest : public ::testing::TestWithParam<int> {};

TEST_P(FilteredRecallTest, FindsKMatchesWithHighRecall) {
  STRATA_LOAD_BIGANN_OR_SKIP(data);
  static VectorDB* db = nullptr;  // built once for all selectivities
  static std::unique_ptr<VectorDB> owner;
  if (db == nullptr) {
    owner = std::make_unique<VectorDB>(build(data));
    db = owner.get();
  }
  const int buckets = GetParam();  // matching buckets out of 100
  Filter filter = Filter::lt("bucket", std::int64_t{buckets});
  double recall = 0;
  for (std::size_t q = 0; q < data.queries.rows; ++q) {
    const float* qv = data.queries.row(q);
    // Exact filtered neighbours.
    std::vector<std::pair<float, std::int64_t>> exact;
    for (std::size_t i = 0; i < data.base.rows; ++i) {
      if (static_cast<int>(i % 100) >= buckets) continue;
      float d = 0;
      for (std::size_t j = 0; j < data.base.dim; ++j)
        d += (data.base.row(i)[j] - qv[j]) * (data.base.row(i)[j] - qv[j]);
      exact.emplace_back(d, static_cast<std::int64_t>(i));
    }
    std::partial_sort(exact.begin(), exact.begin() + 10, exact.end());
    std::vector<std::int32_t> truth;
    for (int i = 0; i < 10; ++i) truth.push_back(static_cast<std::int32_t>(exact[i].second));

    SearchQuery query;
    query.vector.assign(qv, qv + data.queries.dim);
    query.filter = filter;
    auto r = db->search(query);
    ASSERT_TRUE(r.is_ok());
    ASSERT_EQ(r->size(), 10U) << "fewer than k results although " << exact.size() << " match";
    std::vector<std::int64_t> found;
    for (const auto& x : *r) {
      EXPECT_LT(std::get<std::int64_t>(x.metadata.at("bucket")), buckets);
      found.push_back(std::stoll(x.id));
    }
    recall += testing::recall_at(found, truth.data(), 10);
  }
  recall /= static_cast<double>(data.queries.rows);
  std::printf("bigann10k filtered recall@10 at %d%% selectivity = %.4f\n", buckets, recall);
  EXPECT_GE(recall, 0.95);
}

INSTANTIATE_TEST_SUITE_P(Selectivity, FilteredRecallTest, ::testing::Values(50, 10, 1));

}  // namespace
}  // namespace strata
