// strata stats: size, configuration, memory by component and disk usage of a database.
#include <iostream>
#include <memory>
#include <numeric>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands/commands.hpp"
#include "commands/database.hpp"
#include "input/json_metadata.hpp"
#include "output/table.hpp"

namespace strata::cli {

namespace {

struct StatsArgs {
  std::string path;
  bool json = false;
};

OutputJson stats_to_json(const DbStats& s) {
  return {
      {"count", s.count},
      {"dimensions", s.dimensions},
      {"metric", std::string(metric_name(s.metric))},
      {"hnsw_m", s.hnsw_m},
      {"hnsw_ef_construction", s.hnsw_ef_construction},
      {"hnsw_ef_search", s.hnsw_ef_search},
      {"slots", s.slots},
      {"removed_pending", s.removed_pending},
      {"free_slots", s.free_slots},
      {"max_level", s.max_level},
      {"memory_bytes",
       {{"vectors", s.memory.vectors},
        {"graph", s.memory.graph},
        {"metadata", s.memory.metadata},
        {"ids", s.memory.ids},
        {"total", s.memory.total()}}},
      {"disk_bytes", s.disk_bytes},
      {"changes_since_checkpoint", s.changes_since_checkpoint},
  };
}

std::string bytes_cell(std::uint64_t bytes) {
  return fmt::format("{} ({} bytes)", human_bytes(bytes), bytes);
}

void print_table(const DbStats& s) {
  Table table({"statistic", "value"});
  table.add_row({"count", std::to_string(s.count)});
  table.add_row({"dimensions", std::to_string(s.dimensions)});
  table.add_row({"metric", std::string(metric_name(s.metric))});
  table.add_row({"hnsw M", std::to_string(s.hnsw_m)});
  table.add_row({"hnsw efConstruction", std::to_string(s.hnsw_ef_construction)});
  table.add_row({"hnsw efSearch", std::to_string(s.hnsw_ef_search)});
  table.add_row({"graph slots", std::to_string(s.slots)});
  table.add_row({"removed, awaiting repair", std::to_string(s.removed_pending)});
  table.add_row({"free slots", std::to_string(s.free_slots)});
  table.add_row({"graph top level", std::to_string(s.max_level)});
  table.add_row({"memory: vectors", bytes_cell(s.memory.vectors)});
  table.add_row({"memory: graph", bytes_cell(s.memory.graph)});
  table.add_row({"memory: metadata", bytes_cell(s.memory.metadata)});
  table.add_row({"memory: ids", bytes_cell(s.memory.ids)});
  table.add_row({"memory: total", bytes_cell(s.memory.total())});
  for (const auto& [file, bytes] : s.disk_bytes) table.add_row({"disk: " + file, bytes_cell(bytes)});
  const std::uint64_t disk_total =
      std::accumulate(s.disk_bytes.begin(), s.disk_bytes.end(), std::uint64_t{0},
                      [](std::uint64_t sum, const auto& file) { return sum + file.second; });
  table.add_row({"disk: total", bytes_cell(disk_total)});
  table.add_row({"changes since checkpoint", std::to_string(s.changes_since_checkpoint)});
  table.print(std::cout);
}

Status run_stats(const StatsArgs& args) {
  Result<VectorDB> db = open_database(args.path, Access::kReadOnly);
  if (!db) return db.status();
  const DbStats stats = db->stats();
  if (args.json) {
    std::cout << dump_json(stats_to_json(stats), 2) << '\n';
  } else {
    print_table(stats);
  }
  return Status::ok();
}

}  // namespace

Command add_stats_command(CLI::App& parent) {
  auto args = std::make_shared<StatsArgs>();
  CLI::App* app = parent.add_subcommand("stats", "Show size, settings, memory and disk usage of a database");
  app->add_option("path", args->path, "Database directory")->required();
  app->add_flag("--json", args->json, "Print the statistics as a JSON object");
  return {app, [args] { return run_stats(*args); }};
}

}  // namespace strata::cli
