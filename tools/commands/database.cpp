// strata-cli.json and opening databases for the command-line tool.
#include "commands/database.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace strata::cli {

namespace {

namespace fs = std::filesystem;

constexpr const char* kFormatName = "strata-cli";
constexpr int kFormatVersion = 1;

}  // namespace

Status write_cli_config(const std::string& db_path, const CliConfig& config) {
  const nlohmann::ordered_json doc = {
      {"format", kFormatName},
      {"version", kFormatVersion},
      {"dimensions", config.dimensions},
      {"metric", std::string(metric_name(config.metric))},
      {"hnsw_m", config.hnsw_m},
      {"hnsw_ef_construction", config.hnsw_ef_construction},
      {"hnsw_ef_search", config.hnsw_ef_search},
  };
  const fs::path final_path = fs::path(db_path) / kCliConfigFile;
  const fs::path temp_path = fs::path(db_path) / (std::string(kCliConfigFile) + ".tmp");
  {
    std::ofstream out(temp_path, std::ios::trunc);
    out << doc.dump(2) << '\n';
    out.close();
    if (!out) return Status::io_error(fmt::format("cannot write {}", temp_path.string()));
  }
  std::error_code ec;
  fs::rename(temp_path, final_path, ec);
  if (ec) return Status::io_error(fmt::format("cannot write {}: {}", final_path.string(), ec.message()));
  return Status::ok();
}

Result<CliConfig> read_cli_config(const std::string& db_path) {
  std::error_code ec;
  if (!fs::exists(db_path, ec)) {
    return Status::not_found(fmt::format("no database at '{}' (create one with 'strata create')", db_path));
  }
  if (!fs::is_directory(db_path, ec)) {
    return Status::invalid_argument(fmt::format("'{}' is not a database directory", db_path));
  }
  const fs::path path = fs::path(db_path) / kCliConfigFile;
  std::ifstream in(path);
  if (!in) {
    return Status::not_found(fmt::format("'{}' is not a database made by 'strata create' (it has no {})",
                                         db_path, kCliConfigFile));
  }
  std::stringstream text;
  text << in.rdbuf();
  const std::string where = path.string();
  nlohmann::json doc = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object())
    return Status::corruption(fmt::format("{}: not valid JSON", where));
  if (doc.value("format", std::string()) != kFormatName) {
    return Status::corruption(fmt::format("{}: not a strata-cli settings file", where));
  }
  if (!doc.contains("version") || !doc["version"].is_number_integer() ||
      doc["version"].get<int>() != kFormatVersion) {
    return Status::not_supported(
        fmt::format("{}: unsupported version (this tool reads version {})", where, kFormatVersion));
  }
  CliConfig config;
  for (auto [key, field] : {std::pair{"dimensions", &config.dimensions}, std::pair{"hnsw_m", &config.hnsw_m},
                            std::pair{"hnsw_ef_construction", &config.hnsw_ef_construction},
                            std::pair{"hnsw_ef_search", &config.hnsw_ef_search}}) {
    if (!doc.contains(key) || !doc[key].is_number_unsigned()) {
      return Status::corruption(fmt::format("{}: \"{}\" is missing or not a positive integer", where, key));
    }
    *field = doc[key].get<std::size_t>();
  }
  const std::optional<DistanceMetric> metric = doc.contains("metric") && doc["metric"].is_string()
                                                   ? parse_metric(doc["metric"].get<std::string>())
                                                   : std::nullopt;
  if (!metric) return Status::corruption(fmt::format("{}: \"metric\" is missing or unknown", where));
  config.metric = *metric;
  return config;
}

DbOptions options_for(const std::string& db_path, const CliConfig& config, Access access) {
  DbOptions options;
  options.dimensions = config.dimensions;
  options.distance_metric = config.metric;
  options.hnsw_m = config.hnsw_m;
  options.hnsw_ef_construction = config.hnsw_ef_construction;
  options.hnsw_ef_search = config.hnsw_ef_search;
  options.storage_path = db_path;
  options.create_if_missing = false;
  options.read_only = access == Access::kReadOnly;
  return options;
}

Result<VectorDB> open_database(const std::string& db_path, Access access, std::size_t num_threads) {
  Result<CliConfig> config = read_cli_config(db_path);
  if (!config) return config.status();
  DbOptions options = options_for(db_path, *config, access);
  options.num_threads = num_threads;
  Result<VectorDB> db = VectorDB::open(options);
  if (!db) {
    return Status(db.status().code(), fmt::format("cannot open '{}': {}", db_path, db.status().message()));
  }
  return db;
}

}  // namespace strata::cli
