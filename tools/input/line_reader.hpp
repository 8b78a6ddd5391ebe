// LineReader: reads a text stream line by line through a fixed buffer, refusing absurdly long lines,
// so that a multi-gigabyte file (or a binary file passed by mistake) never has to fit in memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "strata/status.hpp"

namespace strata::cli {

// Longer than any sane record: 65536 dimensions printed with full precision plus metadata.
inline constexpr std::size_t kMaxLineBytes = std::size_t{64} << 20;

// Thread safety: not safe to share; one reader per thread.
class LineReader {
 public:
  explicit LineReader(std::istream& in, std::size_t max_line_bytes = kMaxLineBytes);

  // The next line, without "\n" or "\r\n"; false at the end of the input. InvalidArgument when a line
  // exceeds the limit, IOError when the stream fails. Messages carry no location (see line_number).
  Result<bool> next(std::string& line);

  // 1-based number of the line last returned.
  std::uint64_t line_number() const noexcept { return line_number_; }
  std::uint64_t bytes_read() const noexcept { return bytes_read_; }

 private:
  std::istream& in_;
  std::size_t max_line_bytes_;
  std::vector<char> buffer_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  bool at_end_ = false;
  std::uint64_t line_number_ = 0;
  std::uint64_t bytes_read_ = 0;
};

}  // namespace strata::cli
