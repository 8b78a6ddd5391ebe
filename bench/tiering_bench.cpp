// tiering_bench: recall@10, single-threaded queries per second and RAM bytes per vector for every tier
// (all hot, all SQ8, all PQ, all binary, each with full-precision rescoring), the rescoring factor sweep
// that chose DbOptions::rescore_factor, the cost of access tracking, and a Zipf workload under a memory
// budget of 25% of the collection's float32 size. Prints Markdown tables and writes CSV.
//
// Each dataset is built once into a persistent database under --cache-dir and opened read-only once per
// mode, all at the same time, so that QPS can be measured in interleaved rounds.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "ann/datasets.hpp"
#include "strata/strata.hpp"

namespace strata::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Row {
  std::string dataset;
  std::string mode;
  std::size_t ef = 0;
  std::size_t rescore = 0;
  double recall = 0;
  double qps = 0;
  double bytes_per_vector = 0;
  double ram_fraction = 0;  // bytes_per_vector / (4 * dim)
};

[[noreturn]] void die(const Status& s) {
  std::fprintf(stderr, "tiering_bench: %s\n", s.to_string().c_str());
  std::exit(1);
}

// Builds the dataset's database once; later runs reuse it.
std::string ensure_built(const Dataset& d, const std::string& cache_dir, std::size_t threads) {
  std::string dir = cache_dir + "/tiering-" + d.name;  // not const: returned by move
  if (fs::exists(fs::path(dir) / "data.mdb")) {
    DbOptions o;
    o.dimensions = d.dim;
    o.storage_path = dir;
    o.tiering = false;
    auto db = VectorDB::open(o);
    if (db && db->size() == d.rows) return dir;
    fs::remove_all(dir);
  }
  std::fprintf(stderr, "building %s (%zu x %zu) in %s...\n", d.name.c_str(), d.rows, d.dim, dir.c_str());
  DbOptions o;
  o.dimensions = d.dim;
  o.storage_path = dir;
  o.max_elements = d.rows;
  o.num_threads = threads;
  o.tiering = false;
  auto db = VectorDB::open(o);
  if (!db) die(db.status());
  std::vector<VectorEntry> entries;
  for (std::size_t start = 0; start < d.rows; start += 10000) {
    entries.clear();
    for (std::size_t i = start; i < std::min(d.rows, start + 10000); ++i) {
      VectorEntry e;
      e.id = std::to_string(i);
      e.vector.assign(d.base.begin() + static_cast<long>(i * d.dim),
                      d.base.begin() + static_cast<long>((i + 1) * d.dim));
      entries.push_back(std::move(e));
    }
    if (auto r = db->insert_batch(entries); !r) die(r.status());
  }
  if (Status s = db->checkpoint(); !s.is_ok()) die(s);
  return dir;
}

struct Mode {
  std::string name;
  bool tiering = true;
  std::optional<Tier> pin;
  ColdCodec codec = ColdCodec::kProduct;
  std::size_t budget = 0;
};

// Read-only, so that every mode's database is open at once and their timings can be interleaved (this
// machine is shared; back-to-back runs drift by tens of percent). Read-only opens hold vectors in RAM
// and keep tiering in memory; the tier accounting is the same.
VectorDB open_mode(const Dataset& d, const std::string& dir, const Mode& m, std::size_t rescore) {
  DbOptions o;
  o.dimensions = d.dim;
  o.storage_path = dir;
  o.read_only = true;
  o.num_threads = 1;
  o.tiering = m.tiering;
  o.pin_tier = m.pin;
  o.cold_codec = m.codec;
  o.memory_budget_bytes = m.budget;
  o.rescore_factor = rescore;
  auto db = VectorDB::open(o);
  if (!db) die(db.status());
  if (Status s = db->optimize(); !s.is_ok()) die(s);
  return std::move(db).value();
}

double qps(VectorDB& db, const Dataset& d, const std::vector<std::size_t>& order, std::size_t ef,
           std::size_t k, double min_seconds);

// Recall@k of the queries named by `order` (query indices), and QPS over repetitions of it.
std::pair<double, double> measure(VectorDB& db, const Dataset& d, const std::vector<std::size_t>& order,
                                  std::size_t ef, std::size_t k, double min_seconds) {
  SearchQuery q;
  q.k = k;
  q.ef_search = ef;
  q.vector.resize(d.dim);
  double hits = 0;
  for (std::size_t qi : order) {
    std::copy_n(d.query.begin() + static_cast<long>(qi * d.dim), d.dim, q.vector.begin());
    auto r = db.search(q);
    if (!r) die(r.status());
    std::set<std::int64_t> truth(d.groundtruth.begin() + static_cast<long>(qi * d.gt_k),
                                 d.groundtruth.begin() + static_cast<long>(qi * d.gt_k + k));
    for (const auto& res : *r) hits += static_cast<double>(truth.count(std::stoll(res.id)));
  }
  return {hits / static_cast<double>(order.size() * k), qps(db, d, order, ef, k, min_seconds)};
}

double qps(VectorDB& db, const Dataset& d, const std::vector<std::size_t>& order, std::size_t ef,
           std::size_t k, double min_seconds) {
  SearchQuery q;
  q.k = k;
  q.ef_search = ef;
  q.vector.resize(d.dim);
  std::size_t done = 0;
  const auto start = Clock::now();
  double elapsed = 0;
  while (elapsed < min_seconds) {
    for (std::size_t qi : order) {
      std::copy_n(d.query.begin() + static_cast<long>(qi * d.dim), d.dim, q.vector.begin());
      auto r = db.search(q);
      if (!r) die(r.status());
      ++done;
    }
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  }
  return static_cast<double>(done) / elapsed;
}

// Query indices drawn by a Zipf law (exponent s) over a random permutation of the query set.
std::vector<std::size_t> zipf_order(std::size_t queries, std::size_t count, double s, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::size_t> perm(queries);
  for (std::size_t i = 0; i < queries; ++i) perm[i] = i;
  std::shuffle(perm.begin(), perm.end(), rng);
  std::vector<double> cdf(queries);
  double sum = 0;
  for (std::size_t r = 0; r < queries; ++r) cdf[r] = sum += 1.0 / std::pow(static_cast<double>(r + 1), s);
  std::uniform_real_distribution<double> u(0.0, sum);
  std::vector<std::size_t> out(count);
  for (auto& o : out) {
    const auto r = static_cast<std::size_t>(std::lower_bound(cdf.begin(), cdf.end(), u(rng)) - cdf.begin());
    o = perm[std::min(r, queries - 1)];
  }
  return out;
}

double bytes_per_vector(const VectorDB& db) {
  const DbStats s = db.stats();
  return static_cast<double>(s.tiers.total_bytes()) / static_cast<double>(std::max<std::size_t>(s.count, 1));
}

}  // namespace
}  // namespace strata::bench

int main(int argc, char** argv) {
  using namespace strata;
  using namespace strata::bench;
  CLI::App app{"strata tiering benchmark: recall, QPS and RAM per tier, and a 25% budget Zipf workload"};
  std::string datasets = "bigann10k,fashion-mnist";
  std::string datasets_dir = STRATA_DATASETS_DIR;
  std::string cache_dir = "bench-cache";
  std::string ef_list = "64,128,256";
  std::string rescore_list = "1,2,4,8,16";
  std::size_t fashion_queries = 1000;
  std::size_t build_threads = 2;
  std::size_t zipf_queries = 20000;
  double zipf_s = 1.0;
  double min_seconds = 0.5;
  std::string csv_path;
  app.add_option("--datasets", datasets, "comma-separated: bigann10k, fashion-mnist")->capture_default_str();
  app.add_option("--datasets-dir", datasets_dir, "folder holding bigann10k/")->capture_default_str();
  app.add_option("--cache-dir", cache_dir, "databases and ground truth are kept here")->capture_default_str();
  app.add_option("--ef", ef_list, "ef values per tier mode")->capture_default_str();
  app.add_option("--rescore", rescore_list, "rescore factors swept at ef 128")->capture_default_str();
  app.add_option("--fashion-queries", fashion_queries, "fashion-mnist queries used")->capture_default_str();
  app.add_option("--build-threads", build_threads, "threads building each database")->capture_default_str();
  app.add_option("--zipf-queries", zipf_queries, "queries of the Zipf warm-up and measured streams")
      ->capture_default_str();
  app.add_option("--zipf-s", zipf_s, "Zipf exponent over the query set")->capture_default_str();
  app.add_option("--min-seconds", min_seconds, "minimum timed seconds per row")->capture_default_str();
  app.add_option("--csv", csv_path, "write every row as CSV here");
  CLI11_PARSE(app, argc, argv);
  auto split = [](const std::string& s) {
    std::vector<std::size_t> v;
    std::size_t pos = 0;
    while (pos < s.size()) {
      std::size_t end = s.find(',', pos);
      if (end == std::string::npos) end = s.size();
      v.push_back(std::stoul(s.substr(pos, end - pos)));
      pos = end + 1;
    }
    return v;
  };
  const std::vector<std::size_t> efs = split(ef_list);
  const std::vector<std::size_t> rescores = split(rescore_list);
  constexpr std::size_t k = 10;

  std::vector<Row> rows;
  std::string md;
  for (const std::string name : {"bigann10k", "fashion-mnist"}) {
    if (datasets.find(name) == std::string::npos) continue;
    std::optional<Dataset> loaded = name == std::string("bigann10k")
                                        ? load_bigann10k(datasets_dir)
                                        : load_fashion_mnist(cache_dir, fashion_queries);
    if (!loaded) continue;  // the loader printed why
    const Dataset& d = *loaded;
    const std::string dir = ensure_built(d, cache_dir, build_threads);
    std::vector<std::size_t> all(d.queries);
    for (std::size_t i = 0; i < d.queries; ++i) all[i] = i;
    const double float_bytes = 4.0 * static_cast<double>(d.dim);
    auto add = [&](const std::string& mode, std::size_t ef, std::size_t rescore, std::pair<double, double> rq,
                   double bpv) {
      rows.push_back({d.name, mode, ef, rescore, rq.first, rq.second, bpv, bpv / float_bytes});
      std::printf(
          "%-18s %-22s ef %4zu rescore %2zu  recall@10 %.4f  QPS %8.0f  bytes/vector %7.1f (%5.1f%%)\n",
          d.name.c_str(), mode.c_str(), ef, rescore, rq.first, rq.second, bpv, 100.0 * bpv / float_bytes);
      std::fflush(stdout);
    };

    // 1. Every vector in one tier with default rescoring, and the Zipf workload under a budget of 25% of
    // the float32 collection, all open at once. "hot (tiering off)" vs "hot" is the cost of access
    // tracking.
    const std::vector<Mode> modes = {
        {"hot (tiering off)", false, std::nullopt},        {"hot", true, Tier::kHot},
        {"sq8", true, Tier::kWarm, ColdCodec::kProduct},   {"pq", true, Tier::kCold, ColdCodec::kProduct},
        {"binary", true, Tier::kCold, ColdCodec::kBinary},
    };
    const std::size_t default_rescore = DbOptions().rescore_factor;
    std::vector<VectorDB> dbs;
    std::vector<double> bpv;
    for (const Mode& m : modes) {
      const auto t0 = Clock::now();
      dbs.push_back(open_mode(d, dir, m, default_rescore));
      bpv.push_back(m.tiering ? bytes_per_vector(dbs.back()) : float_bytes);
      std::printf("%s: open + optimize (training and encoding) %.2f s\n", m.name.c_str(),
                  std::chrono::duration<double>(Clock::now() - t0).count());
    }
    const auto budget = static_cast<std::size_t>(0.25 * float_bytes * static_cast<double>(d.rows));
    const auto warmup = zipf_order(d.queries, zipf_queries, zipf_s, 1);
    const auto stream = zipf_order(d.queries, zipf_queries, zipf_s, 2);
    const std::vector<std::size_t> measured(
        stream.begin(), stream.begin() + static_cast<long>(std::min<std::size_t>(stream.size(), 5000)));
    {
      Mode m{"zipf 25% budget", true, std::nullopt, ColdCodec::kProduct, budget};
      dbs.push_back(open_mode(d, dir, m, default_rescore));
      VectorDB& db = dbs.back();
      (void)measure(db, d, warmup, efs.front(), k, 0.0);  // the workload warms its vectors
      if (Status s = db.optimize(); !s.is_ok()) die(s);
      const TierStats t = db.stats().tiers;
      std::printf("zipf placement: hot %zu, warm %zu, cold %zu, %zu of %zu budget bytes, %llu demotions\n",
                  t.hot_vectors, t.warm_vectors, t.cold_vectors, t.total_bytes(), budget,
                  static_cast<unsigned long long>(t.demotions));
      bpv.push_back(bytes_per_vector(db));
    }
    // Recall once; QPS as the median of `rounds` interleaved timings per mode.
    constexpr int kRounds = 5;
    for (std::size_t ef : efs) {
      std::vector<double> recalls;
      std::vector<std::vector<double>> times(dbs.size());
      for (std::size_t i = 0; i < dbs.size(); ++i) {
        const bool zipf_row = i == modes.size();
        recalls.push_back(measure(dbs[i], d, zipf_row ? measured : all, ef, k, 0.0).first);
      }
      const double hot_zipf_recall = measure(dbs[1], d, measured, ef, k, 0.0).first;
      std::vector<double> hot_zipf_times;
      for (int round = 0; round < kRounds; ++round) {
        for (std::size_t i = 0; i < dbs.size(); ++i) {
          const bool zipf_row = i == modes.size();
          times[i].push_back(qps(dbs[i], d, zipf_row ? measured : all, ef, k, min_seconds / kRounds));
        }
        hot_zipf_times.push_back(qps(dbs[1], d, measured, ef, k, min_seconds / kRounds));
      }
      auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
      };
      for (std::size_t i = 0; i < dbs.size(); ++i) {
        const std::string name = i < modes.size() ? modes[i].name : "zipf 25% budget";
        add(name, ef, default_rescore, {recalls[i], median(times[i])}, bpv[i]);
      }
      add("zipf all hot", ef, default_rescore, {hot_zipf_recall, median(hot_zipf_times)}, bpv[1]);
    }
    dbs.clear();
    // 2. Rescoring factor sweep at ef 128 (one mode open at a time; QPS only indicative).
    for (const Mode& m : {modes[2], modes[3], modes[4]}) {
      for (std::size_t r : rescores) {
        if (r == default_rescore) continue;
        VectorDB db = open_mode(d, dir, m, r);
        add(m.name + " (rescore sweep)", 128, r, measure(db, d, all, 128, k, min_seconds),
            bytes_per_vector(db));
      }
    }
  }

  std::printf("\n| dataset | mode | ef | rescore | recall@10 | QPS | bytes/vector | of float32 |\n");
  std::printf("|---|---|---:|---:|---:|---:|---:|---:|\n");
  for (const Row& r : rows) {
    std::printf("| %s | %s | %zu | %zu | %.4f | %.0f | %.0f | %.1f%% |\n", r.dataset.c_str(), r.mode.c_str(),
                r.ef, r.rescore, r.recall, r.qps, r.bytes_per_vector, 100.0 * r.ram_fraction);
  }
  if (!csv_path.empty()) {
    std::ofstream out(csv_path);
    out << "dataset,mode,ef,rescore,recall,qps,bytes_per_vector,ram_fraction\n";
    for (const Row& r : rows) {
      out << fmt::format("{},{},{},{},{:.4f},{:.1f},{:.1f},{:.4f}\n", r.dataset, r.mode, r.ef, r.rescore,
                         r.recall, r.qps, r.bytes_per_vector, r.ram_fraction);
    }
  }
  std::printf(
      "\nsingle-threaded queries; k = 10; every mode open read-only at once (vectors in RAM), QPS the median "
      "of 5 interleaved timings\n");
  return 0;
}
