// Table: aligned plain-text columns for the tool's human-readable output.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace strata::cli {

// Thread safety: a plain value; not safe to mutate from several threads.
class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}

  // Right-aligns a column (numbers).
  void align_right(std::size_t column) { right_.push_back(column); }
  void add_row(std::vector<std::string> row) { rows_.push_back(std::move(row)); }

  // Header, a rule, then the rows; the last column is not padded.
  void print(std::ostream& out) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<std::size_t> right_;
};

// "1.5 MiB"; "0 B" and "512 B" below a KiB.
std::string human_bytes(std::uint64_t bytes);

}  // namespace strata::cli
