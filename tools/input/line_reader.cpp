// LineReader: buffered, bounded line splitting.
#include "input/line_reader.hpp"

#include <cstring>

#include <fmt/format.h>

namespace strata::cli {

namespace {
constexpr std::size_t kBufferBytes = std::size_t{64} << 10;  // large enough that reads stay cheap
}

LineReader::LineReader(std::istream& in, std::size_t max_line_bytes)
    : in_(in), max_line_bytes_(max_line_bytes), buffer_(kBufferBytes) {}

Result<bool> LineReader::next(std::string& line) {
  line.clear();
  bool started = false;
  for (;;) {
    if (begin_ == end_) {
      if (!at_end_) {
        in_.read(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
        if (in_.bad()) return Status::io_error("read error");
        begin_ = 0;
        end_ = static_cast<std::size_t>(in_.gcount());
        if (end_ == 0) at_end_ = true;
      }
      if (at_end_) {
        if (!started) return false;
        ++line_number_;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return true;
      }
    }
    const char* start = buffer_.data() + begin_;
    const auto* newline = static_cast<const char*>(std::memchr(start, '\n', end_ - begin_));
    const std::size_t take = newline != nullptr ? static_cast<std::size_t>(newline - start) : end_ - begin_;
    if (line.size() + take > max_line_bytes_) {
      return Status::invalid_argument(fmt::format("line {} is longer than {} MiB (not a text file?)",
                                                  line_number_ + 1, max_line_bytes_ >> 20));
    }
    line.append(start, take);
    started = true;
    begin_ += take;
    bytes_read_ += take;
    if (newline != nullptr) {
      ++begin_;
      ++bytes_read_;
      ++line_number_;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return true;
    }
  }
}

}  // namespace strata::cli
