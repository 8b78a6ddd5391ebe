// Readers and a writer together: searches, gets and a writer inserting batches (on several threads),
// upserting and removing. Every read must see whole, consistent entries and never a duplicate id.
// Run under ThreadSanitizer in CI.
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <set>
#include <thread>

#include "strata/strata.hpp"

namespace strata {
namespace {

constexpr std::size_t kDim = 16;

// Entry `id` at `version`: vector[0] encodes the id, vector[1] the version, metadata repeats both.
VectorEntry make_entry(int id, int version, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1.0F, 1.0F);
  VectorEntry e;
  e.id = std::to_string(id);
  e.vector.resize(kDim);
  for (auto& x : e.vector) x = u(rng);
  e.vector[0] = static_cast<float>(id);
  e.vector[1] = static_cast<float>(version);
  e.metadata = {{"id", std::int64_t{id}}, {"version", std::int64_t{version}}};
  return e;
}

bool consistent(const std::string& id, const std::vector<float>& v, const Metadata& m) {
  return std::to_string(static_cast<int>(v[0])) == id &&
         std::get<std::int64_t>(m.at("id")) == std::stoi(id) &&
         std::get<std::int64_t>(m.at("version")) == static_cast<std::int64_t>(v[1]);
}

TEST(ConcurrencyTest, ReadersAndWriterTogether) {
  DbOptions o;
  o.dimensions = kDim;
  o.hnsw_ef_construction = 64;
  o.num_threads = 2;
  auto opened = VectorDB::open(o);
  ASSERT_TRUE(opened.is_ok());
  VectorDB db = std::move(opened).value();

  std::mt19937 rng(11);
  std::vector<VectorEntry> seed;
  for (int i = 0; i < 500; ++i) seed.push_back(make_entry(i, 0, rng));
  ASSERT_TRUE(db.insert_batch(seed).is_ok());

  std::atomic<bool> stop{false};
  std::atomic<long> reads{0};
  auto reader = [&](int seed_value) {
    std::mt19937 r(seed_value);
    std::uniform_real_distribution<float> u(-1.0F, 1.0F);
    while (!stop.load()) {
      SearchQuery q;
      q.vector.resize(kDim);
      for (auto& x : q.vector) x = u(r);
      q.k = 10;
      q.include_vectors = true;
      if (r() % 3 == 0) q.filter = Filter::gte("version", std::int64_t{1});
      auto res = db.search(q);
      if (!res.is_ok()) {
        ADD_FAILURE() << res.status().to_string();
        continue;
      }
      std::set<std::string> ids;
      for (std::size_t i = 0; i < res->size(); ++i) {
        const auto& x = (*res)[i];
        if (!ids.insert(x.id).second) ADD_FAILURE() << "duplicate id " << x.id;
        if (!consistent(x.id, *x.vector, x.metadata)) ADD_FAILURE() << "torn entry " << x.id;
        if (i > 0 && (*res)[i - 1].distance > x.distance) ADD_FAILURE() << "results out of order";
      }
      auto got = db.get(std::to_string(r() % 2000));
      if (got.is_ok() && !consistent(got->id, got->vector, got->metadata))
        ADD_FAILURE() << "torn get " << got->id;
      ++reads;
    }
  };
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) readers.emplace_back(reader, 100 + t);

  // The writer: new ids, upserts of old ones, removals.
  std::map<int, int> model;  // id -> version
  for (int i = 0; i < 500; ++i) model[i] = 0;
  int next_id = 500;
  for (int round = 0; round < 30; ++round) {
    std::vector<VectorEntry> batch;
    for (int i = 0; i < 100; ++i) {
      if (i % 3 == 0 && !model.empty()) {
        int id = std::next(model.begin(), static_cast<long>(rng() % model.size()))->first;
        batch.push_back(make_entry(id, ++model[id], rng));
      } else {
        model[next_id] = 0;
        batch.push_back(make_entry(next_id++, 0, rng));
      }
    }
    ASSERT_TRUE(db.insert_batch(batch).is_ok());
    for (int i = 0; i < 60; ++i) {
      int id = std::next(model.begin(), static_cast<long>(rng() % model.size()))->first;
      ASSERT_TRUE(db.remove(std::to_string(id)).is_ok());
      model.erase(id);
    }
  }
  stop = true;
  for (auto& t : readers) t.join();

  EXPECT_GT(reads.load(), 0);
  ASSERT_EQ(db.size(), model.size());
  for (const auto& [id, version] : model) {
    auto e = db.get(std::to_string(id));
    ASSERT_TRUE(e.is_ok()) << id;
    EXPECT_EQ(static_cast<int>(e->vector[1]), version);
  }
}

}  // namespace
}  // namespace strata

namespace strata {
namespace {

// Batches inserted on more threads than cores interleave heavily; no node may lose all its in-links
// (every vector must find itself).
TEST(ConcurrencyTest, ParallelBatchesLeaveEveryNodeReachable) {
  DbOptions o;
  o.dimensions = kDim;
  o.num_threads = 8;
  o.hnsw_ef_construction = 60;
  auto opened = VectorDB::open(o);
  ASSERT_TRUE(opened.is_ok());
  VectorDB db = std::move(opened).value();
  std::mt19937 rng(5);
  std::vector<VectorEntry> all;
  for (int round = 0; round < 40; ++round) {
    std::vector<VectorEntry> batch;
    std::uniform_real_distribution<float> u(-1.0F, 1.0F);
    for (int i = 0; i < 120; ++i) {
      VectorEntry e{std::to_string(round * 1000 + i), std::vector<float>(kDim), {}};
      for (auto& x : e.vector) x = u(rng);
      batch.push_back(std::move(e));
    }
    ASSERT_TRUE(db.insert_batch(batch).is_ok());
    all.insert(all.end(), batch.begin(), batch.end());
  }
  int lost = 0;
  for (const auto& e : all) {
    auto r = db.search({.vector = e.vector, .k = 1});
    ASSERT_TRUE(r.is_ok());
    lost += (*r)[0].id != e.id;
  }
  // A few unreachable nodes happen in any HNSW graph, and how many depends on how the threads
  // interleaved: 0-6 of 4800 were seen on a loaded 2-core machine. Edges lost between concurrent
  // inserts (fixed in hnsw_graph.hpp) left up to a sixth of a batch unreachable; 1% separates the two.
  std::printf("unreachable nodes: %d of %zu\n", lost, all.size());
  EXPECT_LE(lost, static_cast<int>(all.size() / 100));
}

}  // namespace
}  // namespace strata
