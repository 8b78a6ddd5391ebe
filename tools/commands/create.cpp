// strata create: makes a new, empty database directory and records its settings in strata-cli.json.
#include <filesystem>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "commands/commands.hpp"
#include "commands/database.hpp"

namespace strata::cli {

namespace {

namespace fs = std::filesystem;

struct CreateArgs {
  std::string path;
  std::size_t dimensions = 0;
  std::string metric;
  std::size_t hnsw_m = DbOptions().hnsw_m;
  std::size_t ef_construction = DbOptions().hnsw_ef_construction;
  std::size_t ef_search = DbOptions().hnsw_ef_search;
};

// A new database needs a path that is free or an empty directory: never mix with someone's files.
Status check_target(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return Status::ok();
  if (!fs::is_directory(path, ec))
    return Status::already_exists(fmt::format("'{}' exists and is not a directory", path));
  if (fs::exists(fs::path(path) / kCliConfigFile, ec)) {
    return Status::already_exists(fmt::format("'{}' already holds a database", path));
  }
  if (!fs::is_empty(path, ec)) {
    return Status::already_exists(fmt::format("'{}' exists and is not empty; choose a new directory", path));
  }
  return Status::ok();
}

Status run_create(const CreateArgs& args) {
  const std::optional<DistanceMetric> metric = parse_metric(args.metric);
  if (!metric) {
    return Status::invalid_argument(
        fmt::format("unknown metric '{}' (use cosine, euclidean, dot or manhattan)", args.metric));
  }
  const CliConfig config{.dimensions = args.dimensions,
                         .metric = *metric,
                         .hnsw_m = args.hnsw_m,
                         .hnsw_ef_construction = args.ef_construction,
                         .hnsw_ef_search = args.ef_search};
  DbOptions options = options_for(args.path, config, Access::kReadWrite);
  options.create_if_missing = true;
  STRATA_RETURN_IF_ERROR(options.validate());
  STRATA_RETURN_IF_ERROR(check_target(args.path));

  std::error_code ec;
  const bool made_directory = !fs::exists(args.path, ec);
  fs::create_directories(args.path, ec);
  if (ec) return Status::io_error(fmt::format("cannot create '{}': {}", args.path, ec.message()));
  // Undo a half-made database so that a retry does not meet "exists and is not empty".
  auto cleanup = [&] {
    std::error_code ignored;
    if (made_directory) fs::remove_all(args.path, ignored);
  };
  Status status;
  {
    Result<VectorDB> db = VectorDB::open(options);
    if (!db) {
      status =
          Status(db.status().code(), fmt::format("cannot create '{}': {}", args.path, db.status().message()));
    }
  }
  if (status.is_ok()) status = write_cli_config(args.path, config);
  if (!status.is_ok()) {
    cleanup();
    return status;
  }
  std::cout << fmt::format("created {}: {} dimensions, {}, M={}, efConstruction={}, efSearch={}\n", args.path,
                           config.dimensions, metric_name(config.metric), config.hnsw_m,
                           config.hnsw_ef_construction, config.hnsw_ef_search);
  return Status::ok();
}

}  // namespace

Command add_create_command(CLI::App& parent) {
  auto args = std::make_shared<CreateArgs>();
  CLI::App* app = parent.add_subcommand("create", "Create a new, empty database in directory PATH");
  app->add_option("path", args->path, "Database directory (must not exist, or be empty)")->required();
  app->add_option("--dim", args->dimensions, "Dimensions of every vector (1 to 65536)")
      ->required()
      ->check(CLI::Range(std::size_t{1}, std::size_t{65536}));
  app->add_option("--metric", args->metric, "Distance: cosine, euclidean, dot or manhattan")->required();
  app->add_option("--m", args->hnsw_m, "HNSW M: links per node (2 to 256)")
      ->check(CLI::Range(std::size_t{2}, std::size_t{256}))
      ->capture_default_str();
  app->add_option("--ef-construction", args->ef_construction,
                  "HNSW efConstruction: build candidate list size")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000000000}))
      ->capture_default_str();
  app->add_option("--ef-search", args->ef_search, "HNSW ef used by searches that do not pass --ef")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000000000}))
      ->capture_default_str();
  return {app, [args] { return run_create(*args); }};
}

}  // namespace strata::cli
