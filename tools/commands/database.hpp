// Opening a database from the command line: the strata-cli.json file that `strata create` writes
// inside the database directory, and the DbOptions every other command derives from it.
#pragma once

#include <cstddef>
#include <string>

#include "strata/status.hpp"
#include "strata/types.hpp"
#include "strata/vector_db.hpp"

namespace strata::cli {

// The file, inside the database directory, that remembers how `strata create` configured it.
inline constexpr const char* kCliConfigFile = "strata-cli.json";

// The settings of DbOptions that must be the same at every open.
struct CliConfig {
  std::size_t dimensions = 0;
  DistanceMetric metric = DistanceMetric::kEuclidean;
  std::size_t hnsw_m = 16;
  std::size_t hnsw_ef_construction = 200;
  std::size_t hnsw_ef_search = 100;
};

// Writes db_path/strata-cli.json atomically (a temporary file renamed into place).
Status write_cli_config(const std::string& db_path, const CliConfig& config);

// Reads db_path/strata-cli.json. NotFound with a hint when db_path holds no database.
Result<CliConfig> read_cli_config(const std::string& db_path);

enum class Access { kReadOnly, kReadWrite };

// The options every command but create opens with: the stored settings, create_if_missing = false,
// read_only for kReadOnly.
DbOptions options_for(const std::string& db_path, const CliConfig& config, Access access);

// Opens an existing database; errors name db_path.
Result<VectorDB> open_database(const std::string& db_path, Access access, std::size_t num_threads = 0);

}  // namespace strata::cli
