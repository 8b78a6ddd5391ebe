// strata insert: streams a vector file into a database in batches, with a progress bar on terminals.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "commands/commands.hpp"
#include "commands/database.hpp"
#include "input/vector_reader.hpp"
#include "output/progress.hpp"

namespace strata::cli {

namespace {

struct InsertArgs {
  std::string path;
  std::string file;
  std::string format;
  std::size_t batch_size = 1000;
  std::uint64_t id_offset = 0;
  std::size_t threads = 0;
};

Status run_insert(const InsertArgs& args) {
  std::optional<InputFormat> format;
  if (!args.format.empty()) {
    format = parse_input_format(args.format);
    if (!format) {
      return Status::invalid_argument(
          fmt::format("unknown --format '{}' (use fvecs, bvecs, npy, csv or jsonl)", args.format));
    }
  } else if (args.file == "-") {
    return Status::invalid_argument("reading standard input needs --format");
  }
  Result<VectorDB> db = open_database(args.path, Access::kReadWrite, args.threads);
  if (!db) return db.status();
  Result<std::unique_ptr<VectorReader>> reader = open_vector_reader(
      args.file, format, {.dimensions = db->options().dimensions, .id_offset = args.id_offset});
  if (!reader) return reader.status();

  std::error_code ec;
  const std::uint64_t total_bytes = args.file == "-" ? 0 : std::filesystem::file_size(args.file, ec);
  Progress progress("inserting", ec ? 0 : total_bytes);
  const auto start = std::chrono::steady_clock::now();
  std::vector<VectorEntry> batch(args.batch_size);
  std::uint64_t inserted = 0;
  bool done = false;
  while (!done) {
    std::size_t filled = 0;
    while (filled < batch.size()) {
      Result<bool> more = (*reader)->next(batch[filled]);
      if (!more) {
        return Status(more.status().code(),
                      fmt::format("{} ({} vectors inserted before it)", more.status().message(), inserted));
      }
      if (!*more) {
        done = true;
        break;
      }
      ++filled;
    }
    if (filled == 0) break;
    Result<std::vector<std::string>> ids =
        db->insert_batch(std::span<const VectorEntry>(batch.data(), filled));
    if (!ids) {
      return Status(
          ids.status().code(),
          fmt::format("{}: inserting records {} to {}: {} ({} vectors inserted before them)", args.file,
                      inserted, inserted + filled - 1, ids.status().message(), inserted));
    }
    inserted += filled;
    progress.update((*reader)->bytes_read(), inserted);
  }
  progress.finish();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << fmt::format(
      "inserted {} vectors from {} in {:.2f} s ({:.0f} vectors/s); the database holds {}\n", inserted,
      args.file, seconds, seconds > 0 ? static_cast<double>(inserted) / seconds : 0.0, db->size());
  return Status::ok();
}

}  // namespace

Command add_insert_command(CLI::App& parent) {
  auto args = std::make_shared<InsertArgs>();
  CLI::App* app = parent.add_subcommand(
      "insert",
      "Insert (upsert) the vectors of FILE: .fvecs, .bvecs, .npy, .csv or .jsonl (see docs/cli.md)");
  app->add_option("path", args->path, "Database directory")->required();
  app->add_option("file", args->file, "Input file; '-' reads standard input (needs --format)")->required();
  app->add_option("--format", args->format, "fvecs, bvecs, npy, csv or jsonl (default: from the extension)");
  app->add_option("--batch-size", args->batch_size, "Vectors per insert_batch call")
      ->check(CLI::Range(std::size_t{1}, std::size_t{10000000}))
      ->capture_default_str();
  app->add_option("--id-offset", args->id_offset,
                  "Records without an id get the id (offset + record number, from 0)")
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1000000000000000000}))
      ->capture_default_str();
  app->add_option("--threads", args->threads, "Index build threads; 0 = one per hardware thread")
      ->check(CLI::Range(std::size_t{0}, std::size_t{4096}))
      ->capture_default_str();
  return {app, [args] { return run_insert(*args); }};
}

}  // namespace strata::cli
