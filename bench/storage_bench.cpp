// storage_bench: the persistent database's figures. Durable insert throughput (insert_batch of 1,000),
// open time against collection size (with the first query), and search speed of a reopened
// persistent database against the same data in memory.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "io/vecs_file.hpp"
#include "strata/strata.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using strata::DbOptions;
using strata::VectorDB;
using strata::VectorEntry;
namespace fs = std::filesystem;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// SIFT-like vectors beyond bigann10k's 10,000: the first 10,000 are the real rows, the rest random
// blends of two real rows plus noise (not near-copies of one row, which would make a pathological
// graph); uniform random vectors when the dataset is absent.
std::vector<float> make_vectors(std::size_t n, std::size_t dim, const std::string& datasets_dir) {
  auto base = strata::io::read_bvecs(datasets_dir + "/bigann10k/bigann10k_base.bvecs");
  const bool real = base && base->dim == dim;
  std::mt19937 rng(42);
  std::normal_distribution<float> noise(0.0F, 4.0F);
  std::uniform_real_distribution<float> uniform(0.0F, 1.0F);
  std::vector<float> out(n * dim);
  for (std::size_t i = 0; i < n; ++i) {
    float* v = out.data() + i * dim;
    if (!real) {
      for (std::size_t j = 0; j < dim; ++j) v[j] = 128.0F * uniform(rng);
    } else if (i < base->rows) {
      std::copy(base->row(i), base->row(i) + dim, v);
    } else {
      const float* a = base->row(rng() % base->rows);
      const float* b = base->row(rng() % base->rows);
      const float t = uniform(rng);
      for (std::size_t j = 0; j < dim; ++j) v[j] = std::max(0.0F, t * a[j] + (1.0F - t) * b[j] + noise(rng));
    }
  }
  return out;
}

strata::Status insert_all(VectorDB& db, const std::vector<float>& data, std::size_t dim,
                          std::size_t batch_size, std::size_t first_id = 0) {
  const std::size_t n = data.size() / dim;
  std::vector<VectorEntry> batch;
  for (std::size_t start = 0; start < n; start += batch_size) {
    batch.clear();
    for (std::size_t i = start; i < std::min(n, start + batch_size); ++i) {
      batch.push_back(
          {std::to_string(first_id + i), {data.begin() + i * dim, data.begin() + (i + 1) * dim}, {}});
    }
    if (auto r = db.insert_batch(batch); !r) return r.status();
  }
  return strata::Status::ok();
}

void die_if(const strata::Status& s) {
  if (!s.is_ok()) {
    fmt::print(stderr, "storage_bench: {}\n", s.to_string());
    std::exit(1);
  }
}

void bench_insert(const std::string& dir, std::size_t n, const std::string& datasets_dir) {
  const std::size_t dim = 128;
  auto data = make_vectors(n, dim, datasets_dir);
  fmt::print(
      "\n### Insert throughput: {} x {} in batches of 1,000, default options (M=16, efConstruction=200)\n\n",
      n, dim);
  fmt::print("| database | seconds | vectors/s |\n|---|---:|---:|\n");
  for (bool persistent : {false, true}) {
    fs::remove_all(dir);
    DbOptions o;
    o.dimensions = dim;
    o.max_elements = n;
    if (persistent) o.storage_path = dir;
    auto db = VectorDB::open(o);
    die_if(db.status());
    auto t = Clock::now();
    die_if(insert_all(*db, data, dim, 1000));
    double s = seconds_since(t);
    fmt::print("| {} | {:.2f} | {:.0f} |\n",
               persistent ? "persistent (durable, LMDB + vector file)" : "in-memory", s,
               static_cast<double>(n) / s);
  }
}

void bench_open(const std::string& dir, const std::vector<std::size_t>& sizes, std::size_t ef_construction,
                const std::string& datasets_dir) {
  const std::size_t dim = 128;
  fmt::print("\n### Open time against size ({} dims; built with efConstruction={}; page cache warm)\n\n", dim,
             ef_construction);
  fmt::print(
      "| vectors | build s | open s | first query ms | changes replayed | disk MiB "
      "|\n|---:|---:|---:|---:|---:|---:|\n");
  for (std::size_t n : sizes) {
    const std::string path = fmt::format("{}-{}", dir, n);
    DbOptions o;
    o.dimensions = dim;
    o.storage_path = path;
    o.max_elements = n;
    o.hnsw_ef_construction = ef_construction;
    double build_s = 0;
    std::vector<float> query;
    if (!fs::exists(fs::path(path) / "data.mdb")) {
      fs::remove_all(path);
      auto data = make_vectors(n, dim, datasets_dir);
      auto db = VectorDB::open(o);
      die_if(db.status());
      auto t = Clock::now();
      die_if(insert_all(*db, data, dim, 10000));
      die_if(db->checkpoint());
      build_s = seconds_since(t);
    }
    query = make_vectors(1, dim, datasets_dir);
    auto t = Clock::now();
    auto db = VectorDB::open(o);
    die_if(db.status());
    double open_s = seconds_since(t);
    t = Clock::now();
    auto r = db->search({.vector = query, .k = 10});
    die_if(r.status());
    double first_ms = seconds_since(t) * 1000;
    auto stats = db->stats();
    std::uint64_t disk = 0;
    for (const auto& [name, bytes] : stats.disk_bytes) disk += bytes;
    fmt::print("| {} | {} | {:.3f} | {:.2f} | {} | {:.0f} |\n", n,
               build_s > 0 ? fmt::format("{:.1f}", build_s) : "cached", open_s, first_ms,
               stats.changes_since_checkpoint, static_cast<double>(disk) / (1 << 20));
  }
}

void bench_search(const std::string& dir, const std::string& datasets_dir) {
  auto base = strata::io::read_bvecs(datasets_dir + "/bigann10k/bigann10k_base.bvecs");
  auto queries = strata::io::read_bvecs(datasets_dir + "/bigann10k/bigann10k_query.bvecs");
  if (!base || !queries) {
    fmt::print("\nbigann10k not found under {}; skipping the search comparison\n", datasets_dir);
    return;
  }
  fmt::print("\n### Search, bigann10k, single-threaded: reopened persistent against in-memory\n\n");
  fmt::print("| ef | in-memory QPS | persistent QPS | ratio |\n|---:|---:|---:|---:|\n");
  fs::remove_all(dir);
  DbOptions o;
  o.dimensions = base->dim;
  auto mem = VectorDB::open(o);
  die_if(mem.status());
  die_if(insert_all(*mem, base->data, base->dim, 1000));
  o.storage_path = dir;
  {
    auto disk = VectorDB::open(o);
    die_if(disk.status());
    die_if(insert_all(*disk, base->data, base->dim, 1000));
  }
  auto disk = VectorDB::open(o);
  die_if(disk.status());
  auto qps = [&](const VectorDB& db, std::size_t ef) {
    strata::SearchQuery q;
    q.k = 10;
    q.ef_search = ef;
    std::size_t done = 0;
    auto t = Clock::now();
    while (seconds_since(t) < 0.5) {
      for (std::size_t i = 0; i < queries->rows; ++i) {
        q.vector.assign(queries->row(i), queries->row(i) + queries->dim);
        die_if(db.search(q).status());
      }
      done += queries->rows;
    }
    return static_cast<double>(done) / seconds_since(t);
  };
  for (std::size_t ef : {32, 64, 128, 256}) {
    qps(*disk, ef);  // warm the pages
    double m = qps(*mem, ef);
    double d = qps(*disk, ef);
    fmt::print("| {} | {:.0f} | {:.0f} | {:.2f} |\n", ef, m, d, d / m);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"strata storage benchmark: durable insert throughput, open time, reopened search speed"};
  std::string dir = (fs::temp_directory_path() / "strata-storage-bench").string();
  std::string datasets_dir = STRATA_DATASETS_DIR;
  std::string what = "insert,open,search";
  std::size_t insert_n = 100000;
  std::vector<std::size_t> sizes = {10000, 100000, 1000000};
  std::size_t open_ef_construction = 40;
  app.add_option("--dir", dir, "scratch directory prefix (databases for open are kept and reused)")
      ->capture_default_str();
  app.add_option("--datasets-dir", datasets_dir, "folder holding bigann10k/")->capture_default_str();
  app.add_option("--run", what, "comma-separated: insert, open, search")->capture_default_str();
  app.add_option("--insert-n", insert_n, "vectors for the insert benchmark")->capture_default_str();
  app.add_option("--open-sizes", sizes, "collection sizes for the open benchmark");
  app.add_option("--open-ef-construction", open_ef_construction,
                 "efConstruction of the open benchmark's databases (graph quality does not change open time)")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (const char* env = std::getenv("STRATA_DATASETS")) datasets_dir = env;
  fmt::print("strata storage benchmark; {} hardware threads\n", std::thread::hardware_concurrency());
  if (what.find("insert") != std::string::npos) bench_insert(dir + "-insert", insert_n, datasets_dir);
  if (what.find("open") != std::string::npos)
    bench_open(dir + "-open", sizes, open_ef_construction, datasets_dir);
  if (what.find("search") != std::string::npos) bench_search(dir + "-search", datasets_dir);
  return 0;
}
