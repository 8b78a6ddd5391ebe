// strata bench: recall@k and queries per second at several ef values, against exact ground truth.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <iostream>
#include <memory>
#include <unordered_set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands/commands.hpp"
#include "commands/database.hpp"
#include "input/json_metadata.hpp"
#include "input/vector_reader.hpp"
#include "output/table.hpp"

namespace strata::cli {

namespace {

constexpr std::size_t kWarmupQueries = 100;

struct BenchArgs {
  std::string path;
  std::string queries;
  std::string groundtruth;
  std::string format;
  std::size_t k = 10;
  std::vector<std::size_t> ef;
  std::size_t threads = 1;
  bool json = false;
};

struct BenchRow {
  std::size_t ef = 0;
  double recall = 0;
  double qps = 0;
};

// Ground truth names base vectors by row number, so only ids that are decimal row numbers can match.
std::optional<std::int64_t> id_as_row(const std::string& id) {
  std::int64_t row = 0;
  const auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), row);
  if (ec != std::errc() || end != id.data() + id.size() || id.empty()) return std::nullopt;
  return row;
}

Result<std::vector<std::vector<SearchResult>>> run_queries(const VectorDB& db,
                                                           const std::vector<SearchQuery>& queries,
                                                           std::size_t threads) {
  if (threads > 1) return db.search_batch(queries);
  // One thread: time query after query, as ann-benchmarks does.
  std::vector<std::vector<SearchResult>> results;
  results.reserve(queries.size());
  for (const SearchQuery& query : queries) {
    Result<std::vector<SearchResult>> hits = db.search(query);
    if (!hits) return hits.status();
    results.push_back(std::move(*hits));
  }
  return results;
}

Status run_bench(const BenchArgs& args) {
  Result<VectorDB> db = open_database(args.path, Access::kReadOnly, args.threads);
  if (!db) return db.status();
  std::optional<InputFormat> format;
  if (!args.format.empty()) {
    format = parse_input_format(args.format);
    if (!format) return Status::invalid_argument(fmt::format("unknown --format '{}'", args.format));
  }
  Result<std::vector<std::vector<float>>> vectors =
      read_all_vectors(args.queries, format, db->options().dimensions);
  if (!vectors) return vectors.status();
  if (vectors->empty())
    return Status::invalid_argument(fmt::format("{}: no queries in the file", args.queries));
  Result<std::vector<std::vector<std::int32_t>>> truth = read_ivecs_file(args.groundtruth);
  if (!truth) return truth.status();
  if (truth->size() != vectors->size()) {
    return Status::invalid_argument(fmt::format("{} has {} rows but {} has {} queries", args.groundtruth,
                                                truth->size(), args.queries, vectors->size()));
  }
  for (std::size_t q = 0; q < truth->size(); ++q) {
    if ((*truth)[q].size() < args.k) {
      return Status::invalid_argument(fmt::format("{}: row {} has {} neighbours, fewer than k = {}",
                                                  args.groundtruth, q, (*truth)[q].size(), args.k));
    }
  }
  std::vector<std::unordered_set<std::int64_t>> expected(truth->size());
  for (std::size_t q = 0; q < truth->size(); ++q)
    expected[q].insert((*truth)[q].begin(), (*truth)[q].begin() + static_cast<std::ptrdiff_t>(args.k));

  std::vector<std::size_t> efs = args.ef;
  if (efs.empty()) {
    for (std::size_t factor : {1, 2, 4, 8, 16, 32}) efs.push_back(args.k * factor);
  }
  std::vector<SearchQuery> queries(vectors->size());
  for (std::size_t q = 0; q < queries.size(); ++q) {
    queries[q].vector = std::move((*vectors)[q]);
    queries[q].k = args.k;
  }
  {
    // Warm caches and page in mapped vectors, so the first ef is not penalised.
    const std::vector<SearchQuery> warmup(
        queries.begin(),
        queries.begin() + static_cast<std::ptrdiff_t>(std::min(queries.size(), kWarmupQueries)));
    Result<std::vector<std::vector<SearchResult>>> ignored = run_queries(*db, warmup, args.threads);
    if (!ignored) return ignored.status();
  }

  std::vector<BenchRow> rows;
  std::size_t foreign_ids = 0;
  for (const std::size_t ef : efs) {
    for (SearchQuery& query : queries) query.ef_search = ef;
    const auto start = std::chrono::steady_clock::now();
    Result<std::vector<std::vector<SearchResult>>> results = run_queries(*db, queries, args.threads);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!results) return results.status();
    std::size_t found = 0;
    for (std::size_t q = 0; q < results->size(); ++q) {
      for (const SearchResult& hit : (*results)[q]) {
        const std::optional<std::int64_t> row = id_as_row(hit.id);
        if (!row) ++foreign_ids;
        if (row && expected[q].count(*row) != 0) ++found;
      }
    }
    rows.push_back({ef, static_cast<double>(found) / static_cast<double>(queries.size() * args.k),
                    seconds > 0 ? static_cast<double>(queries.size()) / seconds : 0.0});
  }
  if (foreign_ids > 0) {
    std::cerr << fmt::format(
        "strata: warning: {} result ids are not row numbers, so they count as misses (see docs/cli.md)\n",
        foreign_ids);
  }

  if (args.json) {
    OutputJson out = OutputJson::array();
    for (const BenchRow& row : rows) {
      out.push_back({{"ef", row.ef}, {"k", args.k}, {"recall", row.recall}, {"qps", row.qps}});
    }
    std::cout << dump_json(out) << '\n';
    return Status::ok();
  }
  std::cout << fmt::format("{} queries, k = {}, {} thread{}, {} vectors in the database\n", queries.size(),
                           args.k, args.threads, args.threads == 1 ? "" : "s", db->size());
  Table table({"ef", fmt::format("recall@{}", args.k), "QPS"});
  table.align_right(0);
  table.align_right(1);
  table.align_right(2);
  for (const BenchRow& row : rows) {
    table.add_row(
        {std::to_string(row.ef), fmt::format("{:.4f}", row.recall), fmt::format("{:.0f}", row.qps)});
  }
  table.print(std::cout);
  return Status::ok();
}

}  // namespace

Command add_bench_command(CLI::App& parent) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* app = parent.add_subcommand(
      "bench",
      "Measure recall@k and queries per second per ef (base ids must be row numbers; see docs/cli.md)");
  app->add_option("path", args->path, "Database directory")->required();
  app->add_option("--queries", args->queries, "Query vectors (.fvecs, .bvecs, .npy, .csv, .jsonl)")
      ->required();
  app->add_option("--groundtruth", args->groundtruth,
                  "Exact neighbours as .ivecs: row numbers of the base vectors")
      ->required();
  app->add_option("--format", args->format, "Format of --queries (default: from the extension)");
  app->add_option("-k,--k", args->k, "Neighbours per query")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000000}))
      ->capture_default_str();
  app->add_option("--ef", args->ef, "Comma-separated ef values (default: k, 2k, 4k ... 32k)")
      ->delimiter(',')
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000000000}));
  app->add_option("--threads", args->threads, "Search threads; 1 times queries one after another")
      ->check(CLI::Range(std::size_t{1}, std::size_t{4096}))
      ->capture_default_str();
  app->add_flag("--json", args->json, "Print a JSON array of {ef, k, recall, qps}");
  return {app, [args] { return run_bench(*args); }};
}

}  // namespace strata::cli
