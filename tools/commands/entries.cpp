// strata get and strata delete: single entries by id.
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "commands/commands.hpp"
#include "commands/database.hpp"
#include "input/json_metadata.hpp"
#include "input/text_parsers.hpp"
#include "output/table.hpp"

namespace strata::cli {

namespace {

struct GetArgs {
  std::string path;
  std::string id;
  bool json = false;
};

struct DeleteArgs {
  std::string path;
  std::vector<std::string> ids;
};

Status run_get(const GetArgs& args) {
  Result<VectorDB> db = open_database(args.path, Access::kReadOnly);
  if (!db) return db.status();
  Result<VectorEntry> entry = db->get(args.id);
  if (!entry) {
    if (entry.status().code() == StatusCode::kNotFound) {
      return Status::not_found(fmt::format("no vector with id '{}'", printable(args.id)));
    }
    return entry.status();
  }
  // The JSON form is a JSON Lines record, so `strata get --json` output can be inserted again.
  const OutputJson record = {{"id", entry->id},
                             {"vector", vector_to_json(entry->vector)},
                             {"metadata", metadata_to_json(entry->metadata)}};
  if (args.json) {
    std::cout << dump_json(record) << '\n';
    return Status::ok();
  }
  Table table({"field", "value"});
  table.add_row({"id", printable(entry->id)});
  table.add_row({"dimensions", std::to_string(entry->vector.size())});
  table.add_row({"vector", dump_json(record["vector"])});
  table.add_row({"metadata", dump_json(record["metadata"])});
  table.print(std::cout);
  return Status::ok();
}

Status run_delete(const DeleteArgs& args) {
  Result<VectorDB> db = open_database(args.path, Access::kReadWrite);
  if (!db) return db.status();
  std::size_t deleted = 0;
  std::vector<std::string> missing;
  for (const std::string& id : args.ids) {
    const Status status = db->remove(id);
    if (status.is_ok()) {
      ++deleted;
    } else if (status.code() == StatusCode::kNotFound) {
      missing.push_back("'" + printable(id) + "'");
    } else {
      return Status(status.code(), fmt::format("deleting '{}': {} ({} deleted before it)", printable(id),
                                               status.message(), deleted));
    }
  }
  std::cout << fmt::format("deleted {} vector{}\n", deleted, deleted == 1 ? "" : "s");
  if (!missing.empty()) {
    return Status::not_found(
        fmt::format("not found: {} (deleted {} of {})", fmt::join(missing, ", "), deleted, args.ids.size()));
  }
  return Status::ok();
}

}  // namespace

Command add_get_command(CLI::App& parent) {
  auto args = std::make_shared<GetArgs>();
  CLI::App* app = parent.add_subcommand("get", "Print the vector and metadata stored under ID");
  app->add_option("path", args->path, "Database directory")->required();
  app->add_option("id", args->id, "The id (use -- before an id that starts with '-')")->required();
  app->add_flag("--json", args->json, "Print a JSON Lines record {id, vector, metadata}");
  return {app, [args] { return run_get(*args); }};
}

Command add_delete_command(CLI::App& parent) {
  auto args = std::make_shared<DeleteArgs>();
  CLI::App* app = parent.add_subcommand("delete", "Remove the vectors stored under the given ids");
  app->add_option("path", args->path, "Database directory")->required();
  app->add_option("ids", args->ids, "One or more ids (use -- before ids that start with '-')")->required();
  return {app, [args] { return run_delete(*args); }};
}

}  // namespace strata::cli
