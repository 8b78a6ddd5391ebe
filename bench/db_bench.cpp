// Google Benchmark micro-benchmarks of the database's hot paths: insert_batch, search, filtered search
// at several selectivities, and get. Data: bigann10k when present (real SIFT), else uniform random.
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "io/vecs_file.hpp"
#include "strata/strata.hpp"

namespace {

using strata::DbOptions;
using strata::VectorDB;
using strata::VectorEntry;

struct Data {
  std::size_t dim = 128;
  std::vector<std::vector<float>> base;
  std::vector<std::vector<float>> queries;
};

const Data& data() {
  static const Data d = [] {
    Data out;
    std::string dir = STRATA_DATASETS_DIR;
    if (const char* env = std::getenv("STRATA_DATASETS")) dir = env;
    auto base = strata::io::read_bvecs(dir + "/bigann10k/bigann10k_base.bvecs");
    auto queries = strata::io::read_bvecs(dir + "/bigann10k/bigann10k_query.bvecs");
    if (base && queries) {
      for (std::size_t i = 0; i < base->rows; ++i)
        out.base.emplace_back(base->row(i), base->row(i) + base->dim);
      for (std::size_t i = 0; i < queries->rows; ++i) {
        out.queries.emplace_back(queries->row(i), queries->row(i) + queries->dim);
      }
      return out;
    }
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> u(0.0F, 1.0F);
    auto random_rows = [&](std::size_t n) {
      std::vector<std::vector<float>> rows(n, std::vector<float>(out.dim));
      for (auto& r : rows) {
        for (auto& x : r) x = u(rng);
      }
      return rows;
    };
    out.base = random_rows(10000);
    out.queries = random_rows(100);
    return out;
  }();
  return d;
}

std::vector<VectorEntry> entries(std::size_t first, std::size_t n) {
  std::vector<VectorEntry> out;
  for (std::size_t i = first; i < first + n; ++i) {
    const auto& v = data().base[i % data().base.size()];
    out.push_back({std::to_string(i), v, {{"bucket", static_cast<std::int64_t>(i % 100)}}});
  }
  return out;
}

// One database over the whole base set, shared by the read benchmarks.
const VectorDB& shared_db() {
  static const std::unique_ptr<VectorDB> db = [] {
    DbOptions o;
    o.dimensions = data().dim;
    auto opened = VectorDB::open(o);
    auto e = entries(0, data().base.size());
    (void)opened->insert_batch(e);
    return std::make_unique<VectorDB>(std::move(opened).value());
  }();
  return *db;
}

// Builds a database of state.range(0) vectors in batches of 1,000 (index included), per iteration.
void BM_InsertBatch(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto all = entries(0, n);
  for (auto _ : state) {
    DbOptions o;
    o.dimensions = data().dim;
    o.num_threads = static_cast<std::size_t>(state.range(1));
    auto db = VectorDB::open(o);
    for (std::size_t i = 0; i < n; i += 1000) {
      auto r =
          db->insert_batch(std::span<const VectorEntry>(all).subspan(i, std::min<std::size_t>(1000, n - i)));
      benchmark::DoNotOptimize(r);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}
BENCHMARK(BM_InsertBatch)->Args({10000, 1})->Args({10000, 2})->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Search(benchmark::State& state) {
  const VectorDB& db = shared_db();
  strata::SearchQuery q;
  q.k = 10;
  q.ef_search = static_cast<std::size_t>(state.range(0));
  std::size_t i = 0;
  for (auto _ : state) {
    q.vector = data().queries[i++ % data().queries.size()];
    auto r = db.search(q);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Search)->Arg(32)->Arg(64)->Arg(128)->Unit(benchmark::kMicrosecond);

// Filter matching state.range(0) percent of the vectors.
void BM_FilteredSearch(benchmark::State& state) {
  const VectorDB& db = shared_db();
  strata::SearchQuery q;
  q.k = 10;
  q.filter = strata::Filter::lt("bucket", std::int64_t{state.range(0)});
  std::size_t i = 0;
  for (auto _ : state) {
    q.vector = data().queries[i++ % data().queries.size()];
    auto r = db.search(q);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FilteredSearch)->Arg(100)->Arg(50)->Arg(10)->Arg(1)->Unit(benchmark::kMicrosecond);

void BM_Get(benchmark::State& state) {
  const VectorDB& db = shared_db();
  std::size_t i = 0;
  for (auto _ : state) {
    auto r = db.get(std::to_string(i++ % data().base.size()));
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Get);

}  // namespace
