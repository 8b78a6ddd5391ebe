// ann_bench: strata against hnswlib and FAISS on the same data with the same M and efConstruction.
// Builds each index, sweeps ef single-threaded and prints recall@k, queries per second, build seconds
// and peak memory, as a Markdown table and CSV. Each library runs in its own child process so that
// its peak memory is its own.
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "datasets.hpp"
#include "runner.hpp"
#include "strata/detail/distance.hpp"

namespace strata::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Row {
  std::string library;
  std::string dataset;
  std::size_t ef = 0;
  double recall = 0;
  double qps = 0;
  double build_seconds = 0;
  double peak_mib = 0;
};

long read_status_kib(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::atol(line.c_str() + std::string(field).size());
  }
  return 0;
}

std::unique_ptr<AnnRunner> make_runner(const std::string& name) {
  if (name == "strata") return make_strata_runner();
  if (name == "hnswlib") return make_hnswlib_runner();
  if (name == "faiss") return make_faiss_runner();  // nullptr without FAISS
  return nullptr;
}

// Runs in a child process: build, sweep, print rows on `fd` as tab-separated lines.
void run_library(const Dataset& d, const std::string& library, const BuildParams& params,
                 const std::vector<std::size_t>& efs, std::size_t k, double min_seconds, int fd) {
  auto runner = make_runner(library);
  if (!runner) {
    std::fprintf(stderr, "unknown library %s\n", library.c_str());
    return;
  }
  long rss_before = read_status_kib("VmRSS:");
  auto t0 = Clock::now();
  runner->build(d.base.data(), d.rows, d.dim, params);
  double build_s = std::chrono::duration<double>(Clock::now() - t0).count();

  std::vector<std::int64_t> out(k);
  std::string text;
  for (std::size_t ef : efs) {
    runner->set_ef(ef);
    double hits = 0;
    for (std::size_t q = 0; q < d.queries; ++q) {  // recall pass, also warms the caches
      runner->search(d.query.data() + q * d.dim, k, out.data());
      std::set<std::int64_t> truth(d.groundtruth.begin() + static_cast<long>(q * d.gt_k),
                                   d.groundtruth.begin() + static_cast<long>(q * d.gt_k + k));
      for (auto id : out) hits += static_cast<double>(truth.count(id));
    }
    std::size_t done = 0;
    auto start = Clock::now();
    double elapsed = 0;
    while (elapsed < min_seconds) {
      for (std::size_t q = 0; q < d.queries; ++q) runner->search(d.query.data() + q * d.dim, k, out.data());
      done += d.queries;
      elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    }
    double peak = static_cast<double>(read_status_kib("VmHWM:") - rss_before) / 1024.0;
    text += fmt::format("{}\t{}\t{}\t{:.5f}\t{:.1f}\t{:.3f}\t{:.1f}\n", library, d.name, ef,
                        hits / static_cast<double>(d.queries * k), static_cast<double>(done) / elapsed,
                        build_s, peak);
  }
  if (write(fd, text.data(), text.size()) < 0) std::perror("write");
}

std::vector<Row> run_in_child(const Dataset& d, const std::string& library, const BuildParams& params,
                              const std::vector<std::size_t>& efs, std::size_t k, double min_seconds) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    run_library(d, library, params, efs, k, min_seconds, fds[1]);
    close(fds[1]);
    _exit(0);
  }
  close(fds[1]);
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof(buf))) > 0;) text.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  std::vector<Row> rows;
  std::istringstream in(text);
  Row r;
  while (in >> r.library >> r.dataset >> r.ef >> r.recall >> r.qps >> r.build_seconds >> r.peak_mib)
    rows.push_back(r);
  return rows;
}

// Queries per second at a target recall, interpolated between the two sweep points around it.
std::optional<double> qps_at_recall(std::vector<Row> rows, double target) {
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.recall < b.recall; });
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].recall < target) continue;
    if (i == 0) return rows[0].qps;
    const Row& lo = rows[i - 1];
    const Row& hi = rows[i];
    if (hi.recall == lo.recall) return hi.qps;
    double t = (target - lo.recall) / (hi.recall - lo.recall);
    return lo.qps + t * (hi.qps - lo.qps);
  }
  return std::nullopt;
}

std::vector<std::size_t> parse_list(const std::string& s) {
  std::vector<std::size_t> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) out.push_back(std::stoul(item));
  return out;
}

}  // namespace
}  // namespace strata::bench

int main(int argc, char** argv) {
  using namespace strata::bench;
  CLI::App app{"strata ANN benchmark: recall and queries per second against hnswlib and FAISS"};
  std::string datasets = "bigann10k";
  std::string libraries = "strata,hnswlib,faiss";
  std::string efs_text = "10,16,24,32,48,64,96,128,192,256,384";
  std::string datasets_dir = STRATA_DATASETS_DIR;
  std::string cache_dir = "bench-cache";
  std::string csv_path;
  std::string markdown_path;
  std::size_t k = 10;
  std::size_t fashion_queries = 1000;
  double min_seconds = 0.5;
  std::size_t repeat = 1;
  BuildParams params;
  app.add_option("--datasets", datasets, "comma-separated: bigann10k, fashion-mnist")->capture_default_str();
  app.add_option("--libraries", libraries, "comma-separated: strata, hnswlib, faiss")->capture_default_str();
  app.add_option("--ef", efs_text, "ef values to sweep")->capture_default_str();
  app.add_option("--m", params.m, "M of every index")->capture_default_str();
  app.add_option("--ef-construction", params.ef_construction, "efConstruction of every index")
      ->capture_default_str();
  app.add_option("--build-threads", params.threads, "threads used to build every index")
      ->capture_default_str();
  app.add_option("-k", k, "neighbours per query (recall@k)")->capture_default_str();
  app.add_option("--datasets-dir", datasets_dir, "folder holding bigann10k/")->capture_default_str();
  app.add_option("--cache-dir", cache_dir, "where computed ground truth is cached")->capture_default_str();
  app.add_option("--fashion-queries", fashion_queries, "fashion-mnist queries used")->capture_default_str();
  app.add_option("--min-seconds", min_seconds, "minimum timed seconds per ef")->capture_default_str();
  app.add_option("--repeat", repeat, "rounds per library; the best round of each is kept")
      ->capture_default_str();
  app.add_option("--csv", csv_path, "write every row as CSV here");
  app.add_option("--markdown", markdown_path, "write the Markdown tables here");
  CLI11_PARSE(app, argc, argv);
  if (const char* env = std::getenv("STRATA_DATASETS")) datasets_dir = env;

  std::vector<std::string> libs;
  {
    std::stringstream in(libraries);
    for (std::string item; std::getline(in, item, ',');) libs.push_back(item);
  }
  const auto efs = parse_list(efs_text);

  std::string md = fmt::format(
      "strata kernels: {}; single-threaded queries; M={}, efConstruction={}, build threads={}; best of {} "
      "rounds\n"
      "Note: Debian's FAISS is built without its SIMD kernels, so its figures understate a tuned FAISS.\n",
      strata::detail::kernels().isa, params.m, params.ef_construction, params.threads, repeat);
  std::vector<Row> all;
  std::stringstream dsin(datasets);
  for (std::string name; std::getline(dsin, name, ',');) {
    std::optional<Dataset> d = name == "bigann10k"       ? load_bigann10k(datasets_dir)
                               : name == "fashion-mnist" ? load_fashion_mnist(cache_dir, fashion_queries)
                                                         : std::nullopt;
    if (!d) continue;
    md +=
        fmt::format("\n### {} ({} x {}, {} queries, recall@{})\n\n", d->name, d->rows, d->dim, d->queries, k);
    md += "| library | ef | recall | QPS | build s | peak MiB |\n|---|---:|---:|---:|---:|---:|\n";
    // Libraries run in turn, `repeat` rounds; each figure keeps its best round, so a burst of load on
    // a shared machine penalises neither library more than the other.
    std::vector<std::vector<Row>> per_lib(libs.size());
    for (std::size_t round = 0; round < repeat; ++round) {
      for (std::size_t li = 0; li < libs.size(); ++li) {
        auto rows = run_in_child(*d, libs[li], params, efs, k, min_seconds);
        if (per_lib[li].empty()) {
          per_lib[li] = std::move(rows);
          continue;
        }
        for (std::size_t i = 0; i < rows.size() && i < per_lib[li].size(); ++i) {
          Row& best = per_lib[li][i];
          best.qps = std::max(best.qps, rows[i].qps);
          best.build_seconds = std::min(best.build_seconds, rows[i].build_seconds);
          best.peak_mib = std::min(best.peak_mib, rows[i].peak_mib);
        }
      }
    }
    for (auto& rows : per_lib) {
      for (const auto& r : rows) {
        md += fmt::format("| {} | {} | {:.4f} | {:.0f} | {:.2f} | {:.1f} |\n", r.library, r.ef, r.recall,
                          r.qps, r.build_seconds, r.peak_mib);
      }
      all.insert(all.end(), rows.begin(), rows.end());
    }
    md +=
        "\n| library | QPS @0.95 | QPS @0.99 | vs hnswlib @0.95 | vs hnswlib @0.99 | build vs hnswlib | "
        "memory vs hnswlib |\n"
        "|---|---:|---:|---:|---:|---:|---:|\n";
    const std::vector<Row>* hnsw = nullptr;
    for (std::size_t i = 0; i < libs.size(); ++i) {
      if (libs[i] == "hnswlib" && !per_lib[i].empty()) hnsw = &per_lib[i];
    }
    for (const auto& rows : per_lib) {
      if (rows.empty()) continue;
      auto q95 = qps_at_recall(rows, 0.95);
      auto q99 = qps_at_recall(rows, 0.99);
      auto fmt_opt = [](std::optional<double> v, const char* f) {
        return v ? fmt::format(fmt::runtime(f), *v) : std::string("n/a");
      };
      std::optional<double> r95;
      std::optional<double> r99;
      std::optional<double> rb;
      std::optional<double> rm;
      if (hnsw != nullptr) {
        auto h95 = qps_at_recall(*hnsw, 0.95);
        auto h99 = qps_at_recall(*hnsw, 0.99);
        if (q95 && h95) r95 = *q95 / *h95;
        if (q99 && h99) r99 = *q99 / *h99;
        rb = rows.front().build_seconds / hnsw->front().build_seconds;
        double peak_self = 0;
        double peak_h = 0;
        for (const auto& r : rows) peak_self = std::max(peak_self, r.peak_mib);
        for (const auto& r : *hnsw) peak_h = std::max(peak_h, r.peak_mib);
        if (peak_h > 0) rm = peak_self / peak_h;
      }
      md += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", rows.front().library,
                        fmt_opt(q95, "{:.0f}"), fmt_opt(q99, "{:.0f}"), fmt_opt(r95, "{:.2f}x"),
                        fmt_opt(r99, "{:.2f}x"), fmt_opt(rb, "{:.2f}x"), fmt_opt(rm, "{:.2f}x"));
    }
  }
  std::fputs(md.c_str(), stdout);
  if (!markdown_path.empty()) std::ofstream(markdown_path) << md;
  if (!csv_path.empty()) {
    std::ofstream csv(csv_path);
    csv << "library,dataset,ef,recall,qps,build_seconds,peak_mib\n";
    for (const auto& r : all) {
      csv << fmt::format("{},{},{},{:.5f},{:.1f},{:.3f},{:.1f}\n", r.library, r.dataset, r.ef, r.recall,
                         r.qps, r.build_seconds, r.peak_mib);
    }
  }
  return 0;
}
