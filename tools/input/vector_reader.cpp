// Picking and opening the reader of an input file, and whole-file helpers for queries and ground truth.
#include "input/vector_reader.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "input/readers.hpp"

namespace strata::cli {

namespace {

constexpr std::int32_t kMaxIvecsWidth = 1 << 20;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// Opens a file for binary reading, or standard input for "-", with an error naming the file.
Result<std::unique_ptr<std::istream>> open_input(const std::string& path) {
  if (path == "-") return std::make_unique<std::istream>(std::cin.rdbuf());
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) return Status::not_found(fmt::format("{}: no such file", path));
  if (std::filesystem::is_directory(status))
    return Status::invalid_argument(fmt::format("{}: is a directory", path));
  auto file = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!*file) return Status::io_error(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  return std::unique_ptr<std::istream>(std::move(file));
}

}  // namespace

std::optional<InputFormat> parse_input_format(std::string_view name) {
  const std::string n = lower(name);
  if (n == "fvecs") return InputFormat::kFvecs;
  if (n == "bvecs") return InputFormat::kBvecs;
  if (n == "npy") return InputFormat::kNpy;
  if (n == "csv") return InputFormat::kCsv;
  if (n == "jsonl" || n == "ndjson") return InputFormat::kJsonl;
  return std::nullopt;
}

std::optional<InputFormat> format_from_path(std::string_view path) {
  const std::size_t dot = path.rfind('.');
  const std::size_t slash = path.rfind('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return std::nullopt;
  return parse_input_format(path.substr(dot + 1));
}

Result<std::unique_ptr<VectorReader>> make_vector_reader(InputFormat format, std::unique_ptr<std::istream> in,
                                                         std::string source, const ReaderOptions& options) {
  if (options.dimensions == 0) return Status::invalid_argument("a vector reader needs the dimensions");
  switch (format) {
    case InputFormat::kFvecs:
      return detail::make_fvecs_reader(std::move(in), std::move(source), options);
    case InputFormat::kBvecs:
      return detail::make_bvecs_reader(std::move(in), std::move(source), options);
    case InputFormat::kNpy:
      return detail::make_npy_reader(std::move(in), std::move(source), options);
    case InputFormat::kCsv:
      return detail::make_csv_reader(std::move(in), std::move(source), options);
    case InputFormat::kJsonl:
      return detail::make_jsonl_reader(std::move(in), std::move(source), options);
  }
  return Status::internal("unknown input format");
}

Result<std::unique_ptr<VectorReader>> open_vector_reader(const std::string& path,
                                                         std::optional<InputFormat> format,
                                                         const ReaderOptions& options) {
  if (!format) format = format_from_path(path);
  if (!format) {
    return Status::invalid_argument(fmt::format(
        "{}: unknown format; name it .fvecs, .bvecs, .npy, .csv or .jsonl, or pass --format", path));
  }
  Result<std::unique_ptr<std::istream>> in = open_input(path);
  if (!in) return in.status();
  return make_vector_reader(*format, std::move(*in), path == "-" ? "<stdin>" : path, options);
}

Result<std::vector<std::vector<float>>> read_all_vectors(const std::string& path,
                                                         std::optional<InputFormat> format,
                                                         std::size_t dimensions) {
  Result<std::unique_ptr<VectorReader>> reader = open_vector_reader(path, format, {.dimensions = dimensions});
  if (!reader) return reader.status();
  std::vector<std::vector<float>> vectors;
  VectorEntry entry;
  for (;;) {
    Result<bool> more = (*reader)->next(entry);
    if (!more) return more.status();
    if (!*more) break;
    vectors.push_back(std::move(entry.vector));
  }
  return vectors;
}

Result<std::vector<std::vector<std::int32_t>>> read_ivecs(std::istream& in, const std::string& source) {
  std::vector<std::vector<std::int32_t>> rows;
  for (;;) {
    std::int32_t width = 0;
    in.read(reinterpret_cast<char*>(&width), sizeof(width));
    if (in.bad()) return Status::io_error(fmt::format("{}: read error", source));
    if (in.gcount() == 0) break;
    if (in.gcount() != sizeof(width)) {
      return Status::invalid_argument(fmt::format("{}: record {}: truncated", source, rows.size()));
    }
    if (width < 0 || width > kMaxIvecsWidth) {
      return Status::invalid_argument(fmt::format(
          "{}: record {}: bad length word {} (is this an .ivecs file?)", source, rows.size(), width));
    }
    std::vector<std::int32_t> row(static_cast<std::size_t>(width));
    const auto bytes = static_cast<std::streamsize>(row.size() * sizeof(std::int32_t));
    in.read(reinterpret_cast<char*>(row.data()), bytes);
    if (in.bad()) return Status::io_error(fmt::format("{}: read error", source));
    if (in.gcount() != bytes) {
      return Status::invalid_argument(fmt::format("{}: record {}: truncated", source, rows.size()));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

Result<std::vector<std::vector<std::int32_t>>> read_ivecs_file(const std::string& path) {
  Result<std::unique_ptr<std::istream>> in = open_input(path);
  if (!in) return in.status();
  return read_ivecs(**in, path);
}

}  // namespace strata::cli
