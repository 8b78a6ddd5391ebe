// VectorReader: streams the vectors of an input file (.fvecs, .bvecs, .npy, .csv, .jsonl) one record
// at a time, checking each against the database's dimensions, with errors that name file and record.
#pragma once

#include <cstddef>
#include <cstdint>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/status.hpp"
#include "strata/types.hpp"

namespace strata::cli {

enum class InputFormat { kFvecs, kBvecs, kNpy, kCsv, kJsonl };

// "fvecs", "bvecs", "npy", "csv", "jsonl" (also "ndjson"); nullopt otherwise.
std::optional<InputFormat> parse_input_format(std::string_view name);
// From the file name's extension, case-insensitively.
std::optional<InputFormat> format_from_path(std::string_view path);

struct ReaderOptions {
  std::size_t dimensions = 0;   // every record must have this many; REQUIRES: >= 1
  std::uint64_t id_offset = 0;  // a record without an id is named std::to_string(id_offset + index)
};

// Thread safety: not safe to share; one reader per thread.
class VectorReader {
 public:
  virtual ~VectorReader() = default;

  // Reads the next record into `entry`; false at the end of the input. An error names the source and
  // the line (text formats, 1-based) or record (binary formats, numbered from 0 like default ids).
  virtual Result<bool> next(VectorEntry& entry) = 0;

  // Bytes of the input consumed so far, for progress against the file size.
  virtual std::uint64_t bytes_read() const = 0;
};

// A reader over any stream (a file, stdin, or memory in the fuzz target). `source` names it in errors.
// Fails at once when the start of the stream is malformed (a .npy header, say).
Result<std::unique_ptr<VectorReader>> make_vector_reader(InputFormat format, std::unique_ptr<std::istream> in,
                                                         std::string source, const ReaderOptions& options);

// Opens `path` ("-" is standard input) in the given format, or the one its extension names.
Result<std::unique_ptr<VectorReader>> open_vector_reader(const std::string& path,
                                                         std::optional<InputFormat> format,
                                                         const ReaderOptions& options);

// Reads every vector of a (small) file, e.g. queries.
Result<std::vector<std::vector<float>>> read_all_vectors(const std::string& path,
                                                         std::optional<InputFormat> format,
                                                         std::size_t dimensions);

// Reads the rows of an .ivecs file (int32 dimension word, then that many int32 values per record),
// as written for ground truth; rows may differ in length.
Result<std::vector<std::vector<std::int32_t>>> read_ivecs(std::istream& in, const std::string& source);
Result<std::vector<std::vector<std::int32_t>>> read_ivecs_file(const std::string& path);

}  // namespace strata::cli
