// strata search: k-nearest-neighbour queries from --vector or a query file, optionally filtered,
// printed as a table or as one JSON array per query.
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "commands/commands.hpp"
#include "commands/database.hpp"
#include "input/json_metadata.hpp"
#include "input/text_parsers.hpp"
#include "input/vector_reader.hpp"
#include "output/table.hpp"

namespace strata::cli {

namespace {

struct SearchArgs {
  std::string path;
  std::string vector;
  std::string query_file;
  std::string format;
  std::size_t k = 10;
  std::size_t ef = 0;  // 0: the database's default
  std::string filter;
  bool json = false;
  bool with_vectors = false;
};

Result<std::vector<std::vector<float>>> load_queries(const SearchArgs& args, std::size_t dimensions) {
  if (!args.vector.empty()) {
    Result<std::vector<float>> vector = parse_vector_text(args.vector);
    if (!vector) return Status::invalid_argument("--" + vector.status().message());
    if (vector->size() != dimensions) {
      return Status::invalid_argument(
          fmt::format("--vector has {} values; the database has {} dimensions", vector->size(), dimensions));
    }
    return std::vector<std::vector<float>>{std::move(*vector)};
  }
  std::optional<InputFormat> format;
  if (!args.format.empty()) {
    format = parse_input_format(args.format);
    if (!format) return Status::invalid_argument(fmt::format("unknown --format '{}'", args.format));
  }
  Result<std::vector<std::vector<float>>> queries = read_all_vectors(args.query_file, format, dimensions);
  if (queries && queries->empty()) {
    return Status::invalid_argument(fmt::format("{}: no queries in the file", args.query_file));
  }
  return queries;
}

void print_json(const std::vector<SearchResult>& hits) {
  OutputJson array = OutputJson::array();
  for (const SearchResult& hit : hits) {
    OutputJson item = {{"id", hit.id},
                       {"distance", float_to_json(hit.distance)},
                       {"metadata", metadata_to_json(hit.metadata)}};
    if (hit.vector) item["vector"] = vector_to_json(*hit.vector);
    array.push_back(std::move(item));
  }
  std::cout << dump_json(array) << '\n';
}

void print_table(const std::vector<SearchResult>& hits, bool with_vectors) {
  if (hits.empty()) {
    std::cout << "(no results)\n";
    return;
  }
  std::vector<std::string> header = {"rank", "id", "distance", "metadata"};
  if (with_vectors) header.emplace_back("vector");
  Table table(std::move(header));
  table.align_right(0);
  table.align_right(2);
  for (std::size_t i = 0; i < hits.size(); ++i) {
    std::vector<std::string> row = {
        std::to_string(i + 1), printable(hits[i].id), fmt::format("{:.6g}", hits[i].distance),
        hits[i].metadata.empty() ? "" : dump_json(metadata_to_json(hits[i].metadata))};
    if (with_vectors) row.push_back(hits[i].vector ? dump_json(vector_to_json(*hits[i].vector)) : "");
    table.add_row(std::move(row));
  }
  table.print(std::cout);
}

Status run_search(const SearchArgs& args) {
  if (args.vector.empty() == args.query_file.empty()) {
    return Status::invalid_argument("give exactly one of --vector and --query-file");
  }
  std::optional<Filter> filter;
  if (!args.filter.empty()) {
    Result<Filter> parsed = Filter::from_json(args.filter);
    // The library says "filter: ..."; name the option instead.
    if (!parsed) return Status::invalid_argument("--" + parsed.status().message());
    filter = std::move(*parsed);
  }
  Result<VectorDB> db = open_database(args.path, Access::kReadOnly);
  if (!db) return db.status();
  Result<std::vector<std::vector<float>>> vectors = load_queries(args, db->options().dimensions);
  if (!vectors) return vectors.status();

  std::vector<SearchQuery> queries(vectors->size());
  for (std::size_t i = 0; i < queries.size(); ++i) {
    queries[i].vector = std::move((*vectors)[i]);
    queries[i].k = args.k;
    if (args.ef != 0) queries[i].ef_search = args.ef;
    queries[i].filter = filter;
    queries[i].include_vectors = args.with_vectors;
  }
  Result<std::vector<std::vector<SearchResult>>> results = db->search_batch(queries);
  if (!results) return results.status();
  for (std::size_t q = 0; q < results->size(); ++q) {
    if (args.json) {
      print_json((*results)[q]);
    } else {
      if (results->size() > 1) std::cout << (q > 0 ? "\n" : "") << "query " << q << ":\n";
      print_table((*results)[q], args.with_vectors);
    }
  }
  return Status::ok();
}

}  // namespace

Command add_search_command(CLI::App& parent) {
  auto args = std::make_shared<SearchArgs>();
  CLI::App* app =
      parent.add_subcommand("search", "Find the k nearest neighbours of one or more query vectors");
  app->add_option("path", args->path, "Database directory")->required();
  CLI::Option* vector = app->add_option(
      "--vector", args->vector, "Query vector, e.g. '[0.1, 0.2, 0.3]' (use --vector=-1,2 for a bare list)");
  CLI::Option* file = app->add_option("--query-file", args->query_file,
                                      "File of query vectors (.fvecs, .bvecs, .npy, .csv, .jsonl)");
  vector->excludes(file);
  app->add_option("--format", args->format, "Format of --query-file (default: from the extension)");
  app->add_option("-k,--k", args->k, "Number of neighbours")
      ->check(CLI::Range(std::size_t{1}, std::size_t{10000000}))
      ->capture_default_str();
  app->add_option("--ef", args->ef, "HNSW ef for these queries (default: the database's)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000000000}));
  app->add_option("--filter", args->filter,
                  R"(Metadata filter in JSON, e.g. '{"lang": "en"}' (docs/filters.md))");
  app->add_flag("--json", args->json, "One JSON array of {id, distance, metadata} per query, one per line");
  app->add_flag("--with-vectors", args->with_vectors, "Include the stored vectors in the output");
  return {app, [args] { return run_search(*args); }};
}

}  // namespace strata::cli
