// Parsers of untrusted text (vector literals, CSV rows, JSON Lines records, numbers) shared by the
// command-line tool and its fuzz target; none of them throws or crashes on any input.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/status.hpp"
#include "strata/types.hpp"

namespace strata::cli {

// One vector read from a text or binary file. `id` is empty when the record has none; the reader then
// names it by its record number (docs/cli.md).
struct ParsedRecord {
  std::optional<std::string> id;
  std::vector<float> vector;
  Metadata metadata;
};

// Parses a number that fits a finite float, with optional blanks around it, in the C locale.
// Accepts what JSON and Python print ("1", "-2.5", "3e-7", "+4"); rejects inf, nan, hex and junk.
std::optional<float> parse_float(std::string_view text);

// Parses a vector literal: "[1, 2.5, -3]" or, without brackets, "1,2.5,-3". InvalidArgument names the
// first bad element. The result is never empty.
Result<std::vector<float>> parse_vector_text(std::string_view text);

// Splits one CSV line into fields: comma separated, blanks around unquoted fields trimmed, fields in
// double quotes may hold commas and "" for a quote (RFC 4180, but a record never spans lines).
Result<std::vector<std::string>> split_csv_line(std::string_view line);

// Turns the lines of a CSV file into records, one line at a time. The rule (docs/cli.md):
//   - blank lines are skipped;
//   - the first non-blank line is a header, and skipped, unless it is data: all its fields are numbers,
//     or it has dimensions + 1 fields of which only the first is not a number (an id);
//   - a file has an id column when its header or its first data line has dimensions + 1 fields, and
//     then every line must; otherwise every line has exactly `dimensions` numbers.
// Errors carry no location: the caller knows the file and line.
class CsvRowParser {
 public:
  explicit CsvRowParser(std::size_t dimensions) : dimensions_(dimensions) {}

  // The record on `line`, or nullopt when the line holds none (blank or header).
  Result<std::optional<ParsedRecord>> parse_line(std::string_view line);

 private:
  std::size_t dimensions_;
  bool seen_first_line_ = false;
  std::optional<bool> has_id_;  // decided by the header or the first data line
};

// Parses one JSON Lines record {"id": "...", "vector": [...], "metadata": {...}}: "vector" is required;
// "id" (a string or an integer) and "metadata" are optional; other keys are errors. Metadata values may
// be strings, integers, floats, booleans or lists of strings. `dimensions` 0 accepts any length.
// Returns nullopt for a blank line.
Result<std::optional<ParsedRecord>> parse_jsonl_record(std::string_view line, std::size_t dimensions);

// Replaces control characters and invalid UTF-8 with escapes, so that an id can be printed on one line.
std::string printable(std::string_view text);

}  // namespace strata::cli
