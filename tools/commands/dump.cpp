// strata export and strata import: the portable dump format of VectorDB::export_all/import_all.
#include <filesystem>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "commands/commands.hpp"
#include "commands/database.hpp"

namespace strata::cli {

namespace {

struct DumpArgs {
  std::string path;
  std::string file;
  bool force = false;
};

Status with_file(const Status& status, const std::string& file) {
  if (status.is_ok()) return status;
  return Status(status.code(), fmt::format("{}: {}", file, status.message()));
}

Status run_export(const DumpArgs& args) {
  std::error_code ec;
  if (args.file != "-" && std::filesystem::exists(args.file, ec) && !args.force) {
    return Status::already_exists(fmt::format("{} exists; pass --force to overwrite it", args.file));
  }
  Result<VectorDB> db = open_database(args.path, Access::kReadOnly);
  if (!db) return db.status();
  if (args.file == "-") {
    STRATA_RETURN_IF_ERROR(with_file(db->export_all(std::cout), "<stdout>"));
    std::cout.flush();
    return std::cout ? Status::ok() : Status::io_error("writing to standard output failed");
  }
  STRATA_RETURN_IF_ERROR(with_file(db->export_all(args.file), args.file));
  std::cout << fmt::format("exported {} vectors to {}\n", db->size(), args.file);
  return Status::ok();
}

Status run_import(const DumpArgs& args) {
  Result<VectorDB> db = open_database(args.path, Access::kReadWrite);
  if (!db) return db.status();
  std::error_code ec;
  if (args.file != "-" && !std::filesystem::exists(args.file, ec)) {
    return Status::not_found(fmt::format("{}: no such file", args.file));
  }
  const std::size_t before = db->size();
  if (args.file == "-") {
    STRATA_RETURN_IF_ERROR(with_file(db->import_all(std::cin), "<stdin>"));
  } else {
    STRATA_RETURN_IF_ERROR(with_file(db->import_all(args.file), args.file));
  }
  std::cout << fmt::format("imported {}: the database held {} vectors and now holds {}\n",
                           args.file == "-" ? "<stdin>" : args.file, before, db->size());
  return Status::ok();
}

}  // namespace

Command add_export_command(CLI::App& parent) {
  auto args = std::make_shared<DumpArgs>();
  CLI::App* app = parent.add_subcommand("export", "Write every entry to FILE in the portable dump format");
  app->add_option("path", args->path, "Database directory")->required();
  app->add_option("file", args->file, "Dump file; '-' writes standard output")->required();
  app->add_flag("--force", args->force, "Overwrite FILE if it exists");
  return {app, [args] { return run_export(*args); }};
}

Command add_import_command(CLI::App& parent) {
  auto args = std::make_shared<DumpArgs>();
  CLI::App* app = parent.add_subcommand(
      "import", "Upsert every entry of a dump written by 'strata export' into an existing database");
  app->add_option("path", args->path, "Database directory (made by 'strata create', same dimensions)")
      ->required();
  app->add_option("file", args->file, "Dump file; '-' reads standard input")->required();
  return {app, [args] { return run_import(*args); }};
}

}  // namespace strata::cli
